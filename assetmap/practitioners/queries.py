"""The search query: readable, active assets near a point (or in its ward or constituency).

Three statements share one builder: a page of hits, the count, and the map markers in a view. Each
is built once per "shape" (which filters are present, how many ideas the words hold) with named
parameters, so the results list, its total and its markers can never disagree; spatial expressions
come from ``assetmap.geo``, the filters from ``filters``, what the words mean from ``words``.

Words: a listing matches when it matches any of the search's ideas (``words.Concept``: a word or phrase
with its synonyms, in the name or description, or naming one of its terms), and ranks by how many.

Ranking ("sort"), written out in the README (*Search ranking*):

* **best match** (when there are words): ``score = m + 0.7 t + 0.3 p``, where ``m`` is how many of the
  ideas the listing matches, ``t`` (0 to 1) is half "the words are in its name" and half the text's
  density of them (``ts_rank_cd`` / (1 + itself)), and ``p`` (0 to 1) is nearness within the radius,
  1 - distance / radius (0 for listings with no distance). Scores are compared in steps of 0.05 first,
  and within a step fresh listings come before ones not checked for a year, and those before ones
  not confirmed after their reminders ran out (``freshness_rank``), then the higher score, the
  nearer, the name.
* **nearest first**: distance, then freshness at equal distance, then more ideas matched, then
  ``t``, then name. Listings with no distance come after every listing with one: services with no place
  that cover the search's ward (or, for the constituency view, one of its wards), and confidential places
  (a refuge) that the searcher may not locate.

A confidential place is matched by area, never by distance, for everyone but the coordinators who
may edit it and admins: it is listed when the search's ward is its ward (the near view, whatever
the radius; the ward view) or when its ward is in the searched constituency (by the ward's
constituency, never the point's), with no distance and no point, and it is never in the map
markers. Its nearness in "best match" is 0, as for every listing without a distance. So nothing a
searcher gets back (the list, its order, the total and its split, the markers) depends on where in
its ward the place is. The search point's ward is found by the rule that gives every place its ward
(``geo.ward_at``, shared with the location trigger), so the two always agree.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from sqlalchemy import (
    ARRAY,
    Date,
    Float,
    Integer,
    String,
    Text,
    case,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from .. import geo
from ..db import planner_off, session
from ..directory import access
from ..directory.read import now_london, stale_cutoff
from ..models import (
    Attribute,
    Constituency,
    Location,
    MarkerPoint,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    Ward,
)
from ..vocabulary import COST_BANDS, PARTS_OF_DAY, day_code
from . import filters as F
from .filters import p as _p
from .params import Filters
from .rankquery import rank_query, walk_query
from .words import Concept, Words, understand

SCOPES = ("near", "ward", "constituency")
#: at most this many markers go to the map per request (nearest the middle of the map view)
MAP_FEATURE_LIMIT = 1000
#: the near view, in either order, is ranked from at most this many nearest matching places, and its total
#: counts at most this many (more is "more than 1,000"; README "Search ranking"). A search reads COUNT_CAP + 1
#: matching places, so its time grows with this over the share of places that match (bench/README.md)
COUNT_CAP = 1000
#: a place walked nearest first costs about as much as this many entries of a text index read (``walks``;
#: 10 while each place walked was read from the table, 2 since its keys are tested in the index, migration 0025)
WALK_COST = 2
#: sphere (the KNN operator) against spheroid (``distance_m``): a place outside the candidates is at least
#: this fraction of the farthest candidate's distance away, so a page ending nearer than that is exact
KNN_SAFE = 0.99
#: the blend of best match: ideas matched count whole; text and nearness share what is left
TEXT_WEIGHT = 0.7
NEAR_WEIGHT = 0.3
#: best-match scores within one step are "equal standing": fresh listings first among them
SCORE_STEP = 0.05
#: marks around highlighted words in ``Hit.name_marked`` / ``snippet_marked`` (never in listing text)
HIGHLIGHT = ("\x02", "\x03")


@dataclass(frozen=True)
class Origin:
    """The search point and the areas it falls in (the point itself never leaves the server)."""

    lon: float
    lat: float
    ward_code: str | None = None
    lsoa_code: str | None = None
    constituency_code: str | None = None
    #: False when the areas were not looked up: the query then finds the ward itself (one round trip fewer)
    areas_known: bool = True


@dataclass
class Hit:
    id: uuid.UUID
    name: str
    distance_m: float | None
    ward_code: str | None
    constituency_code: str | None
    lon: float | None
    lat: float | None
    categories: list[str]
    last_verified: dt.date | None
    stale: bool
    visibility: str
    #: the search's ideas this listing matches: in its name or description, and through one of its terms
    in_text: tuple[Concept, ...] = ()
    in_terms: tuple[Concept, ...] = ()
    #: the name and a piece of the description with the matching words between HIGHLIGHT marks (pages only)
    name_marked: str | None = None
    snippet_marked: str | None = None

    @property
    def matched(self) -> list[str]:
        """The ideas matched, as the searcher named them."""
        return [c.label for c in dict.fromkeys((*self.in_text, *self.in_terms))]


@dataclass
class ResultPage:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    words: Words = field(default_factory=lambda: Words(""))
    #: of the total: places with a distance, services with no fixed place that cover the area, and
    #: confidential places listed by their ward
    places: int = 0
    area_served: int = 0
    hidden: int = 0
    sort: str = "nearest"
    #: ``places`` (and so ``total``) is a floor: more than that many places matched (``COUNT_CAP``)
    total_capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# --------------------------------------------------------------------------- areas


def area_names(origin: Origin) -> dict:
    ward = session.get(Ward, origin.ward_code) if origin.ward_code else None
    con = session.get(Constituency, origin.constituency_code) if origin.constituency_code else None
    return {"ward_name": ward.name if ward else None, "constituency_name": con.name if con else None}


def ward_outline(code: str, tolerance_deg: float = 0.0003) -> str | None:
    """A ward's boundary as simplified GeoJSON text, for drawing on a map."""
    return session.execute(
        select(geo.simplified_geojson(Ward.geom, tolerance_deg)).where(Ward.code == code)
    ).scalar_one_or_none()


# --------------------------------------------------------------------------- statements
#
# Building a search statement costs several milliseconds of Python per request, more than the query
# itself. Its structure depends only on which filters are present (the "shape"), so each kind of
# statement (a page of hits, the count, the map markers) is built once per shape with named bind
# parameters and reused with this search's values passed at execute time; SQLAlchemy's compiled cache
# is then hit without re-deriving its cache key. Filters are applied where the rows are produced, so
# distances are worked out (and sorted) only for assets that pass them; the service columns the
# ranking needs are carried up from there.


_PREPARED: dict = {}
_PREPARED_MAX = 512


def _p_point(prefix: str = "o"):
    """The point ``:<prefix>_point``, a geometry (``point_values``)."""
    return geo.point_param(prefix + "_point")


def _p_geog(prefix: str = "o"):
    """The same point as geography, ``:<prefix>_geog``: where the statement measures from it (the geography a
    generic plan would otherwise work out from the geometry again for every row, ``geo.point_param``)."""
    return geo.point_param(prefix + "_geog", geography=True)


def point_values(prefix: str, lon: float, lat: float) -> dict:
    """The values of ``_p_point(prefix)`` and ``_p_geog(prefix)``."""
    ewkt = geo.ewkt_point(lon, lat)
    return {prefix + "_point": ewkt, prefix + "_geog": ewkt}


def _p_near(geom, origin, prefix: str = "near"):
    """``geo.near_m`` with the radius as the parameter ``:<prefix>_m``."""
    return geo.near_m(geom, origin, _p(prefix + "_m", Float))


def _eq(col, name: str, value_is_none: bool):
    """``col == :name``, or ``col IS NULL`` when the value is None (as a plain comparison renders it)."""
    return col == None if value_is_none else col == _p(name, String)  # noqa: E711


def _readable_key(expr) -> tuple:
    ck = expr._generate_cache_key()
    return ck.key, tuple(repr(b.effective_value) for b in ck.bindparams)


@dataclass(frozen=True)
class _Shape:
    """What a statement's structure depends on (never the values themselves)."""

    scope: str
    readable_key: tuple
    #: per idea of the words: (matched as a prefix too, names terms)
    ideas: tuple[tuple[bool, bool], ...]
    best: bool
    category: bool
    audience: bool
    capability: bool
    asset_type: bool
    cost: bool
    access: bool
    days: bool
    parts: bool
    this_week: bool
    mode: bool
    include_area: bool
    areas_known: bool
    ward_none: bool
    constituency_none: bool
    #: how confidential places are found: "plain" (by distance like any place: admins, or not readable
    #: at all: the public), "area" (by ward only) or "mixed" (by distance in the wards the searching
    #: coordinator may edit, ``edit_wards``; by ward elsewhere)
    confidential: str
    #: the near view's candidates come from ``marker_point`` rows of these visibilities (``_point_classes``);
    #: empty: from ``location``, every filter probed per row
    points: tuple[str, ...] = ()

    @property
    def has_words(self) -> bool:
        return bool(self.ideas)

    @property
    def plan_once(self) -> bool:
        """The near view's plan does not depend on this search's values (``_nearest_first_plan``): no words and
        no test of the places' keys (``_point_column_tests``: terms, cost, ways of taking part, days). A key
        test's query (``marker_keys_query`` of the values) is made once by a plan for the values, but for every
        index entry the walk reads by a plan for any values: the bench's 23 "free" searches 4.1 -> 5.6 ms on
        average (bench/README.md)."""
        return not (
            self.ideas or self.cost or self.mode or self.days or any(getattr(self, t) for t in F.POINT_TERM_TAXONOMIES)
        )

    @property
    def any_prefix(self) -> bool:
        return any(prefix for prefix, _terms in self.ideas)

    @property
    def any_terms(self) -> bool:
        return any(terms for _prefix, terms in self.ideas)


def _codes(concept: Concept) -> list[str]:
    """The terms an idea names as 'taxonomy:code' (as ``marker_point.terms`` holds them)."""
    return [f"{t.taxonomy}:{t.code}" for t in concept.terms]


def _word_values(words: Words) -> dict:
    """The text queries of the ideas (``:q<i>_en``, ``:q<i>_px``, ``:q<i>_terms``), of them all (``qall``; the
    terms also as 'taxonomy:code', ``:q<i>_tcodes``, ``qall_tcodes``), of them in names only (``qname``), and the
    query the text's rank is given (``qrank``: ``qall`` without the operands another covers, ``rankquery``), and the
    test of a row's keys the walk's index makes for words with prefixes (``qkeys``: ``qall`` with the beginnings of
    its prefixes' words, without the words those cover)."""
    values: dict = {}
    concepts = words.concepts
    for i, c in enumerate(concepts):
        values[f"q{i}_en"] = c.tsquery()
        values[f"q{i}_px"] = c.prefix_query()
        values[f"q{i}_terms"] = list(c.term_ids)
        values[f"q{i}_tcodes"] = _codes(c)
    values["qall_en"] = " | ".join(f"({c.tsquery()})" for c in concepts)
    values["qall_px"] = " | ".join(c.prefix_query() for c in concepts if c.prefixes)
    values["qall_terms"] = list(dict.fromkeys(t for c in concepts for t in c.term_ids))
    values["qall_tcodes"] = list(dict.fromkeys(code for c in concepts for code in _codes(c)))
    values["qname_en"] = " | ".join(f"({c.tsquery('A')})" for c in concepts)
    values["qname_px"] = " | ".join(c.prefix_query("A") for c in concepts if c.prefixes)
    values["qrank"] = rank_query(values["qall_en"], values["qall_px"]) if concepts else ""
    values["qkeys"] = walk_query(values["qall_en"], values["qall_px"]) if concepts else ""
    return values


def _shape_and_values(origin: Origin, f: Filters, user, scope: str, today: dt.date | None, words: Words | None = None):
    if scope not in SCOPES:
        raise ValueError(scope)
    today = today or now_london().date()
    words = words if words is not None else understand(f.q, user, f.as_typed)
    readable = access.readable_filter(user)
    parts = [PARTS_OF_DAY[code] for code in f.open_part]
    bydays = [day_code(d) for d in f.open_day]
    include_area = bool(
        (not origin.areas_known and scope == "near")
        or origin.ward_code
        or (scope == "constituency" and origin.constituency_code)
    )
    confidential, edit_wards = _confidential_rule(user)
    shape = _Shape(
        scope,
        _readable_key(readable),
        tuple((bool(c.prefixes), bool(c.terms)) for c in words.concepts),
        bool(words.concepts) and f.sort == "best",
        bool(f.category),
        bool(f.audience),
        bool(f.capability),
        bool(f.asset_type),
        bool(f.cost),
        bool(f.access),
        bool(f.open_day),
        bool(parts),
        f.this_week,
        bool(f.mode),
        include_area,
        origin.areas_known,
        origin.ward_code is None,
        origin.constituency_code is None,
        confidential,
        _point_classes(user, confidential, scope),
    )
    values = {
        **point_values("o", origin.lon, origin.lat),
        "near_m": float(f.radius_m),
        "ward_code": origin.ward_code,
        "constituency_code": origin.constituency_code,
        "stale_cutoff": stale_cutoff(today),
        "today": today,
        "week_end": today + dt.timedelta(days=6),
        "category": list(f.category),
        "audience": list(f.audience),
        "capability": list(f.capability),
        "asset_type": list(f.asset_type),
        "cost_up_to": COST_BANDS[f.cost].up_to if f.cost else None,
        "cost_bands": [f.cost] if f.cost else [],
        "access": list(f.access),
        "access_n": len(f.access),
        "access_all": F.point_features(f.access),
        "bydays": bydays,
        "slots": F.point_slots([d for d in bydays if d], list(f.open_part)),
        "part_starts": [part.starts for part in parts],
        "part_ends": [part.ends for part in parts],
        "modes": list(f.mode),
        **{f"t_{t}": F.point_term_codes(t, getattr(f, t)) for t in F.POINT_TERM_TAXONOMIES},
        "edit_wards": edit_wards,
        **_word_values(words),
    }
    return shape, readable, values, words


def _confidential_rule(user) -> tuple[str, list[str]]:
    """("plain" | "area" | "mixed", wards the user may edit): see ``_Shape.confidential``."""
    if access.role_of(user) not in access.SIGNED_IN_ROLES:
        return "plain", []  # the public never reads a confidential listing at all
    wards = access.editable_wards(user)
    if wards is None:
        return "plain", []  # an admin may edit, and so locate, every one
    return ("mixed", sorted(wards)) if wards else ("area", [])


#: the near view's candidates may come from ``marker_point`` (off: always from ``location``, as the tests
#: that compare the two set it)
POINT_CANDIDATES = True


def _point_classes(user, confidential: str, scope: str) -> tuple[str, ...]:
    """The visibilities of the ``marker_point`` rows the near view's candidates are read from, or () to read
    them from ``location``. ``marker_point`` holds no confidential place, so it serves only a searcher who may
    locate none by distance: the public (who read none at all) and signed-in users who may edit no ward
    ("area"); never admins ("plain" for a signed-in user: every refuge is located) nor coordinators ("mixed")."""
    if not POINT_CANDIDATES or scope != "near":
        return ()
    if confidential == "area" or (confidential == "plain" and access.role_of(user) not in access.SIGNED_IN_ROLES):
        return tuple(v for v in access.readable_visibilities(user) if v != "confidential")
    return ()


def _prepared(
    kind: str, origin: Origin, f: Filters, user, scope: str, today: dt.date | None = None, words: Words | None = None
):
    """(statement, parameters, words): the statement of this ``kind`` is shared by every search of its shape."""
    shape, readable, values, words = _shape_and_values(origin, f, user, scope, today, words)
    return _shared(kind, shape, readable), values, words


def _shared(kind: str, shape: _Shape, readable):
    """The statement of this ``kind`` for every search of this shape, built once."""
    key = (kind, shape)
    stmt = _PREPARED.get(key)
    if stmt is None:
        stmt = _BUILDERS[kind](shape, readable)
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.clear()
        _PREPARED[key] = stmt
    return stmt


def _filters(shape: _Shape, readable, probe: bool = False) -> list[ColumnElement]:
    """The service filters of a shape (``probe``: looked up row by row, ``filters.exists_or_probe``)."""
    return [
        readable,
        Service.status == "active",
        *(F.term_filter(t, probe) for t in ("category", "audience", "capability", "asset_type") if getattr(shape, t)),
        *([F.cost_filter(probe)] if shape.cost else []),
        *([F.access_filter(probe)] if shape.access else []),
        F.sessions_filter(shape.days, shape.parts, shape.this_week, probe),
        *([F.mode_filter()] if shape.mode else []),
        *([F.any_idea(shape.any_prefix, shape.any_terms)] if shape.has_words else []),
    ]


def _may_locate(shape: _Shape) -> ColumnElement:
    """True for the services whose confidential place the searcher may locate (``access.can_edit``)."""
    if shape.confidential == "plain":
        return true()
    if shape.confidential == "mixed":
        return access.in_wards(_p("edit_wards", String, expanding=True))
    return false()


def _places(shape: _Shape, filters: list, carried: list, extra_cols: tuple = (), box: bool = True):
    """One row per (service, place) in scope that passes ``filters``, with its distance from the search point
    (never a confidential place the searcher may not locate: see ``_hidden_places``)."""
    pt, pg = _p_point(), _p_geog()
    cols = [
        ServiceAtLocation.service_id.label("service_id"),
        geo.distance_m(Location.geom, pg).label("distance_m"),
        Location.ward_code.label("ward_code"),
        Location.constituency_code.label("constituency_code"),
        geo.lon(Location.geom).label("lon"),
        geo.lat(Location.geom).label("lat"),
        literal("place").label("kind"),
        *carried,
        *extra_cols,
    ]
    stmt = (
        select(*cols)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(Location.geom.is_not(None), *filters)
    )
    if shape.confidential != "plain":
        stmt = stmt.where(or_(Service.visibility != "confidential", _may_locate(shape)))
    if shape.scope == "near" and not box:  # the geography index alone: it also orders a KNN scan
        return stmt.where(geo.within_m_estimated(Location.geom, pg, _p("near_m", Float)))
    if shape.scope == "near":
        return stmt.where(_p_near(Location.geom, pt))
    if shape.scope == "ward":
        return stmt.where(_eq(Location.ward_code, "ward_code", shape.ward_none))
    return stmt.where(_eq(Location.constituency_code, "constituency_code", shape.constituency_none))


def _unplaced_columns(service_id, ward_code, kind: str, carried: list) -> list:
    """The union's columns for a row matched by ward, not by distance: no distance and no point."""
    return [
        service_id.label("service_id"),
        null().cast(Float).label("distance_m"),
        ward_code.label("ward_code"),
        Ward.constituency_code.label("constituency_code"),
        null().cast(Float).label("lon"),
        null().cast(Float).label("lat"),
        literal(kind).label("kind"),
        *carried,
    ]


def _area_rows(shape: _Shape, filters: list, carried: list):
    """Services with no place near by that cover the person's ward (or, for the constituency view, its wards)."""
    stmt = (
        select(*_unplaced_columns(ServiceArea.service_id, ServiceArea.ward_code, "area", carried))
        .join(Ward, Ward.code == ServiceArea.ward_code)
        .join(Service, Service.id == ServiceArea.service_id)
        .where(*filters)
    )
    if shape.scope == "constituency":
        return stmt.where(_eq(Ward.constituency_code, "constituency_code", shape.constituency_none))
    return stmt.where(_in_search_ward(shape, ServiceArea.ward_code))


def _in_search_ward(shape: _Shape, ward_code) -> ColumnElement:
    """``ward_code`` is the search point's ward (looked up here, once per statement, when the caller did
    not know it)."""
    if shape.areas_known:
        return _eq(ward_code, "ward_code", shape.ward_none)
    return ward_code == select(geo.ward_at(_p_point())).scalar_subquery()


def _hidden_places(shape: _Shape, filters: list, carried: list):
    """Confidential places the searcher may not locate, matched by their ward like an area-served listing:
    no distance, no point, and the constituency of the place's ward (never of the point)."""
    stmt = (
        select(*_unplaced_columns(ServiceAtLocation.service_id, Location.ward_code, "hidden", carried))
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Ward, Ward.code == Location.ward_code)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(Service.visibility == "confidential", not_(_may_locate(shape)), *filters)
    )
    if shape.scope == "constituency":
        return stmt.where(_eq(Ward.constituency_code, "constituency_code", shape.constituency_none))
    return stmt.where(_in_search_ward(shape, Location.ward_code))


def freshness_rank(stale_cutoff, listing=Service) -> ColumnElement:
    """0: checked since ``stale_cutoff`` (12 months ago); 1: not checked since; 2: not confirmed after its
    reminders ran their course (``service.unconfirmed_since``, set by the reminder job). At equal distance
    a search ranks 0 before 1 before 2 (README "Search ranking"). ``listing``: where the service's dates are
    read (``service``, or the copies ``marker_point`` carries)."""
    return case(
        (listing.last_verified_on >= stale_cutoff, 0),
        (listing.unconfirmed_since.is_not(None), 2),
        else_=1,
    )


def _carried(shape: _Shape, copies: F.Copies | None = None, listing=Service, terms=None) -> list:
    """The service columns the ranking needs, carried up from where the rows are produced (the words tested
    on ``copies`` of the service's text and terms when given; the name, visibility and dates read from
    ``listing``: ``service``, or the copies ``marker_point`` carries), and ``terms``: ``marker_point``'s copy
    of the service's terms, where the row comes from it (else null; ``_page_categories``)."""
    stale = or_(listing.last_verified_on.is_(None), listing.last_verified_on < _p("stale_cutoff", Date))
    if shape.has_words:
        word_cols = [
            F.text_strength(shape.any_prefix, copies).label("strength"),
            F.ideas_mask(shape.ideas, in_terms=False, copies=copies).label("text_mask"),
            F.ideas_mask(shape.ideas, in_terms=True, copies=copies).label("term_mask"),
        ]
    else:
        word_cols = [
            literal(0.0, Float).label("strength"),
            literal(0, Integer).label("text_mask"),
            literal(0, Integer).label("term_mask"),
        ]
    carried = [
        listing.name.label("name"),
        listing.visibility.label("visibility"),
        listing.last_verified_on.label("last_verified_on"),
        stale.label("stale"),
        freshness_rank(_p("stale_cutoff", Date), listing).label("freshness"),
        *word_cols,
        (terms if terms is not None else null().cast(ARRAY(Text))).label("terms"),
    ]
    return carried


def _union_best(shape: _Shape, filters: list, carried: list, places):
    """Each service once, at its nearest of the ``places`` rows (or its covering ward, or its confidential
    place's ward, when it has no place among them)."""
    parts = [places]
    if shape.include_area:
        parts.append(_area_rows(shape, filters, carried))
        if shape.confidential != "plain":
            parts.append(_hidden_places(shape, filters, carried))
    u = union_all(*parts).subquery("u") if len(parts) > 1 else parts[0].subquery("u")
    # ties (rows with no distance) broken by ward so the row kept never depends on the plan
    return (
        select(u)
        .ext(distinct_on(u.c.service_id))
        .order_by(u.c.service_id, u.c.distance_m.asc().nulls_last(), u.c.ward_code)
        .subquery("best")
    )


def _best(shape: _Shape, readable):
    """Each matching service once, at its nearest place (or its covering ward if it has no place in scope)."""
    filters = _filters(shape, readable)
    carried = _carried(shape)
    return _union_best(shape, filters, carried, _places(shape, filters, carried))


def _order(shape: _Shape, c, score, matched) -> list:
    """The ORDER BY of a page (``c``: the columns of ``best`` or of a ranked page; ``score``: its best-match score;
    ``matched``: how many ideas it matches)."""
    if shape.best:
        return [
            func.floor(score / SCORE_STEP).desc(),
            c.freshness,
            score.desc(),
            c.distance_m.asc().nulls_last(),
            c.name,
            c.service_id if hasattr(c, "service_id") else c.id,
        ]
    words = [matched.desc(), c.strength.desc()] if shape.has_words else []
    return [
        c.distance_m.asc().nulls_last(),
        c.freshness,
        *words,
        c.name,
        c.service_id if hasattr(c, "service_id") else c.id,
    ]


def _matched(shape: _Shape, b) -> ColumnElement:
    """How many of the ideas a row of ``best`` matches, in its text or through its terms (counted from its masks)."""
    return F.ideas_counted(len(shape.ideas), b.text_mask.op("|")(b.term_mask))


def _score(shape: _Shape, b, matched) -> ColumnElement:
    """Best match: ideas ``matched``, plus text and nearness within the radius (0 without a distance)."""
    nearness = func.coalesce(func.greatest(0.0, 1.0 - b.distance_m / _p("near_m", Float)), 0.0)
    if not shape.has_words:
        return nearness
    return matched + TEXT_WEIGHT * b.strength + NEAR_WEIGHT * nearness


def _point_filters(shape: _Shape) -> list[ColumnElement]:
    """``_filters`` asked of a ``marker_point`` row (``_point_classes``): readable (its visibility; its service
    is active and live, and it is no confidential place, by the table's own rule) and ``point_tests``."""
    return [MarkerPoint.visibility.in_(shape.points), *point_tests(shape)]


def point_tests(shape: _Shape, keys: bool = True) -> list[ColumnElement]:
    """The search's filters and words asked of a ``marker_point`` row (none without any): the carried ones on
    its columns, then accessibility and sessions (days, parts of the day, this week) on its kept features and
    slots, looked up by its service only where those cannot decide (``filters.point_access_filter``,
    ``point_sessions_filter``; migration 0021). The map's markers count with the same tests. ``keys``: the tests
    of the row's words and codes asked of its keys (migration 0025); else, for a search without words or terms,
    of its ``days`` and ``modes`` (``marker_dot``'s columns)."""
    return [
        *_point_column_tests(shape, keys),
        *([F.point_access_filter()] if shape.access else []),
        *(
            [F.point_sessions_filter(shape.days, shape.parts, shape.this_week)]
            if shape.days or shape.parts or shape.this_week
            else []
        ),
    ]


def _point_column_tests(shape: _Shape, keys: bool = True, beginnings: bool = True) -> list[ColumnElement]:
    """The tests of ``point_tests`` on the row's own columns (no lookup); ``beginnings``: with words that match
    as prefixes, also the test of their beginnings the walk's index can make (``filters.point_words_beginnings``:
    implied by the words' own test, so the rows are the same)."""
    return [
        *(F.point_term_filter(t) for t in F.POINT_TERM_TAXONOMIES if getattr(shape, t)),
        *([F.point_cost_filter(keys)] if shape.cost else []),
        *([F.point_mode_filter(keys)] if shape.mode else []),
        *([F.point_days_filter(keys)] if shape.days else []),
        *([F.point_any_idea(shape.any_prefix, shape.any_terms)] if shape.has_words else []),
        *([F.point_words_beginnings(shape.any_terms)] if shape.any_prefix and beginnings else []),
    ]


def _point_candidates(shape: _Shape):
    """The ``:cand`` nearest matching places from ``marker_point`` alone (its geography index walked nearest
    first, each row tested on its own columns), the ``:keep`` nearest of them, and those as ``_places`` rows
    ranked from the row's own copies of its service's columns (migrations 0017, 0019): no listing is read.
    (cand, kept, places)"""
    pt = _p_geog()
    mp = MarkerPoint
    knn = geo.knn_distance(mp.geog, pt)
    copies = [mp.search_tsv] if shape.has_words else []
    listing = [mp.name, mp.visibility, mp.last_verified_on, mp.unconfirmed_since]
    cand = (
        select(
            mp.service_id, mp.geom, mp.ward_code, mp.constituency_code, *listing, mp.terms, *copies, knn.label("knn")
        )
        .where(geo.within_m_estimated(mp.geog, pt, _p("near_m", Float)), *_point_filters(shape))
        .order_by(knn)
        .limit(_p("cand", Integer))
        .cte("cand")
    )
    kept = select(cand).order_by(cand.c.knn).limit(_p("keep", Integer)).cte("kept")
    k = kept.c
    copies_of = F.Copies(k.search_tsv, k.terms) if shape.has_words else None
    carried = _carried(shape, copies_of, listing=k, terms=k.terms)
    places = select(
        k.service_id.label("service_id"),
        geo.distance_m(k.geom, pt).label("distance_m"),
        func.nullif(k.ward_code, "").label("ward_code"),  # '' in marker_point: outside the loaded areas
        func.nullif(k.constituency_code, "").label("constituency_code"),
        geo.lon(k.geom).label("lon"),
        geo.lat(k.geom).label("lat"),
        literal("place").label("kind"),
        *carried,
    )
    return cand, kept, places


def _knn_best(shape: _Shape, readable):
    """The near view from an index-ordered nearest-neighbour scan: the ``:cand`` nearest places that pass
    the filters (``ORDER BY geog <-> point LIMIT``, the filters applied as the scan goes; ``cand`` is
    ``keep`` + 1, so one more tells "more than ``keep``"), the ``:keep`` nearest of them with the area-served
    and by-ward rows, each service once at its nearest (``_union_best``). The candidates come from
    ``marker_point`` when the searcher may locate no refuge (``_point_candidates``), else from the places,
    every filter probed per row. Returns (that subquery, the candidates' row count and the farthest kept
    candidate's KNN distance): ``search`` reads from those whether the page is exact (all places seen) or
    cut from the nearest ``keep``."""
    filters = _filters(shape, readable, probe=True)
    carried = _carried(shape)
    if shape.points:
        cand, kept, places = _point_candidates(shape)
    else:
        knn = geo.knn_distance(Location.geom, _p_geog())
        cand = (
            _places(shape, filters, carried, (knn.label("knn"),), box=False)
            .order_by(knn)
            .limit(_p("cand", Integer))
            .cte("cand")
        )
        kept = select(cand).order_by(cand.c.knn).limit(_p("keep", Integer)).cte("kept")
        places = select(*(col for col in kept.c if col.key != "knn"))
    k = kept.c
    best = _union_best(shape, filters, carried, places)
    stats = [
        select(func.count()).select_from(cand).scalar_subquery().label("cand_rows"),
        select(func.max(k.knn)).select_from(kept).scalar_subquery().label("cand_reach"),
    ]
    return best, stats


#: the total's split: listings by kind of row, as a page's first row and the count carry them
_KIND_COUNTS = (("place", "n_places"), ("area", "n_area"), ("hidden", "n_hidden"))


def _build_page(shape: _Shape, readable, why: bool = False, knn: bool = False):
    """A page of ranked hits, each row carrying the total (and its split by kind) and the hit's categories;
    ``why``: the name and a piece of the description with the matching words marked; ``knn``: cut from the
    nearest candidates (``_knn_best``), the total then being of the candidates only."""
    if knn:
        best, stats = _knn_best(shape, readable)
    else:
        best, stats = _best(shape, readable), []
    b = best.c
    matched = _matched(shape, b)
    score = _score(shape, b, matched)
    ranked = (
        select(
            b.service_id.label("id"),
            b.name,
            b.visibility,
            b.last_verified_on,
            b.distance_m,
            b.ward_code,
            b.constituency_code,
            b.lon,
            b.lat,
            b.stale,
            b.freshness,
            matched.label("matched"),
            b.strength,
            b.text_mask,
            b.term_mask,
            b.terms,
            score.label("score"),
            func.count().over().label("total"),
            *(func.count().filter(b.kind == kind).over().label(label) for kind, label in _KIND_COUNTS),
            *stats,
        )
        .order_by(*_order(shape, b, score, matched))
        .limit(_p("limit", Integer))
        .offset(_p("offset", Integer))
    ).subquery("ranked")
    r = ranked.c
    cols = [*(c for c in r if c.key != "terms"), _page_categories(r.id, r.terms).label("categories")]
    stmt = select(*cols)
    if why and shape.has_words:
        query = F.tsquery("all", shape.any_prefix)
        marks = f"StartSel={HIGHLIGHT[0]}, StopSel={HIGHLIGHT[1]}"
        stmt = stmt.add_columns(
            func.ts_headline("english", Service.name, query, f"{marks}, HighlightAll=true").label("name_marked"),
            func.ts_headline(
                "english",
                Service.description,
                query,
                f'{marks}, MaxWords=28, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "',
            ).label("snippet_marked"),
        ).join(Service, Service.id == r.id)
    return stmt.order_by(*_order(shape, r, r.score, r.matched))


def _build_page_why(shape: _Shape, readable):
    return _build_page(shape, readable, why=True)


def _build_page_knn(shape: _Shape, readable):
    return _build_page(shape, readable, knn=True)


def _build_page_knn_why(shape: _Shape, readable):
    return _build_page(shape, readable, why=True, knn=True)


def _build_count(shape: _Shape, readable):
    """The total and its split, as a page's first row carries them."""
    b = _best(shape, readable).c
    return select(
        func.count().label("total"),
        *(func.count().filter(b.kind == kind).label(label) for kind, label in _KIND_COUNTS),
    )


def _build_features(shape: _Shape, readable):
    """Places of the results inside a map view, nearest the view's middle first (never confidential ones)."""
    filters = _filters(shape, readable)
    filters.append(Service.visibility != "confidential")
    view = _p_point("v")
    rows = (
        _places(
            shape, filters, [Service.name.label("name")], (geo.distance_m(Location.geom, view).label("view_distance"),)
        )
        .where(_p_near(Location.geom, view, "view"))
        .subquery("p")
    )
    return (
        select(rows.c.service_id.label("id"), rows.c.name, rows.c.lon, rows.c.lat, rows.c.distance_m)
        .order_by(rows.c.view_distance, rows.c.service_id)
        .limit(_p("limit", Integer))
    )


def _build_estimate(shape: _Shape, readable):
    """``walks``' question, compiled: the places passing the search's tests on ``marker_point``'s own columns
    (the words among them), every place, the places in the circle's box, and the places holding the words
    (whatever the other filters: what the words' indexes read). The planner's estimates of the four, in one
    EXPLAIN."""
    one = select(literal(1)).select_from(MarkerPoint)
    passing = one.where(*_point_column_tests(shape, beginnings=False))  # implied: estimated as if independent
    circle = one.where(geo.box_near_m(MarkerPoint.geom, _p_point(), _p("near_m", Float)))
    worded = one.where(F.point_any_idea(shape.any_prefix, shape.any_terms))
    return union_all(passing, one, circle, worded).compile(dialect=session.get_bind().dialect)


_BUILDERS = {
    "page": _build_page,
    "page_why": _build_page_why,
    "page_knn": _build_page_knn,
    "page_knn_why": _build_page_knn_why,
    "count": _build_count,
    "features": _build_features,
    "estimate": _build_estimate,
}


#: how ``marker_point`` writes a category among its terms (migration 0015: ``taxonomy:code``)
_CATEGORY_PREFIX = "category:"


def _page_categories(service_id, terms) -> ColumnElement:
    """A page row's category codes: from ``terms``, the copy ``marker_point`` keeps of them (migration 0015),
    when the row came from it (a near view's candidate, whose row was just read), else looked up
    (``_categories``). The lookup reads the attributes of all of England (5,000,000 rows at 1,000,000
    assets): 20 of them cost 0.7-8 ms with its pages in memory, and 25-265 ms when they were not
    (bench/search.py's EXPLAIN, 2026-11-27; bench/README.md)."""
    term = func.unnest(terms).column_valued("term")
    kept = (
        select(func.array_agg(func.substr(term, len(_CATEGORY_PREFIX) + 1)))
        .where(term.startswith(_CATEGORY_PREFIX, autoescape=True))
        .scalar_subquery()
    )
    return case((terms.is_(None), _categories(service_id)), else_=kept)


def _categories(service_id) -> ColumnElement:
    return (
        select(func.array_agg(func.distinct(TaxonomyTerm.code)))
        .join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
        .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
        .where(Attribute.service_id == service_id, Taxonomy.code == "category")
        .scalar_subquery()
    )


def _bound(stmt, values: dict):
    """A copy of a shared statement with ``values`` bound into it, to run or render on its own."""

    def bind(b):
        if b.key in values:
            b.value = values[b.key]
            b.required = False

    return visitors.cloned_traverse(stmt, {}, {"bindparam": bind})


def search_statement(
    origin: Origin,
    f: Filters,
    user,
    scope: str = "near",
    page: int = 1,
    per_page: int = 20,
    today: dt.date | None = None,
):
    """The one statement a search runs (a page of ranked hits, each row carrying the total), values bound."""
    stmt, values, _words = _prepared("page", origin, f, user, scope, today)
    return _bound(stmt, {**values, "limit": per_page, "offset": (page - 1) * per_page})


def near_statement(origin: Origin, f: Filters, user, page: int = 1, per_page: int = 20, today: dt.date | None = None):
    """The statement a search in the near view runs first (``_nearest_page``: the page ranked from the
    ``COUNT_CAP`` nearest matching places, each row carrying the total), values bound."""
    stmt, values, _words = _prepared("page_knn", origin, f, user, "near", today)
    bound = {**values, "cand": COUNT_CAP + 1, "keep": COUNT_CAP, "limit": per_page, "offset": (page - 1) * per_page}
    return _bound(stmt, bound)


def count_statement(origin: Origin, f: Filters, user, scope: str = "near", today: dt.date | None = None):
    """How many services a search finds, values bound."""
    stmt, values, _words = _prepared("count", origin, f, user, scope, today)
    return _bound(stmt, values)


def _ideas(words: Words, mask: int) -> tuple[Concept, ...]:
    return tuple(c for i, c in enumerate(words.concepts) if mask & (1 << i))


def search(
    origin: Origin,
    f: Filters,
    user,
    scope: str = "near",
    page: int = 1,
    per_page: int = 20,
    why: bool = False,
) -> ResultPage:
    """Run a search: one page of hits in the order asked for (``f.sort``), with the total and its split.

    Search hits never carry a confidential asset's point, whoever asks (only the asset page shows it,
    and only to coordinators who may edit it), and carry its distance only to those who may edit it.
    ``why`` also marks the matching words in each hit's name and description (for pages).
    """
    limit, offset = per_page, (page - 1) * per_page
    found = _nearest_page(origin, f, user, why, limit, offset) if scope == "near" else None
    if found is not None:
        rows, counts, capped, words = found
    else:
        capped = False
        stmt, values, words = _prepared("page_why" if why else "page", origin, f, user, scope)
        rows = session.execute(stmt, {**values, "limit": limit, "offset": offset}).all()
        counts = (rows[0].total, rows[0].n_places, rows[0].n_area, rows[0].n_hidden) if rows else (0, 0, 0, 0)
        if not rows and page > 1:
            count, values, _words = _prepared("count", origin, f, user, scope, words=words)
            counts = tuple(session.execute(count, values).one())
    hits = []
    marked = why and bool(rows) and "name_marked" in rows[0]._fields
    for r in rows:
        hidden = r.visibility == "confidential"
        hits.append(
            Hit(
                id=r.id,
                name=r.name,
                distance_m=r.distance_m,
                ward_code=r.ward_code,
                constituency_code=r.constituency_code,
                lon=None if hidden else r.lon,
                lat=None if hidden else r.lat,
                categories=sorted(r.categories or []),
                last_verified=r.last_verified_on,
                stale=r.stale,
                visibility=r.visibility,
                in_text=_ideas(words, r.text_mask),
                in_terms=_ideas(words, r.term_mask),
                name_marked=r.name_marked if marked else None,
                snippet_marked=r.snippet_marked if marked else None,
            )
        )
    return ResultPage(
        hits=hits,
        total=counts[0],
        page=page,
        per_page=per_page,
        words=words,
        places=counts[1],
        area_served=counts[2],
        hidden=counts[3],
        sort="best" if words and f.sort == "best" else "nearest",
        total_capped=capped,
    )


def _nearest_page(origin: Origin, f: Filters, user, why: bool, limit: int, offset: int):
    """The near view in one statement, in either order, without ranking every asset in the circle: (rows,
    counts, capped, words), or None when the page must come from the full statement.

    The page is ranked from the ``COUNT_CAP`` nearest matching places (``_knn_best``) with the area-served
    and by-ward listings. When the circle holds no more matching places than that, they are all of them, and
    the page, the total and its split are exactly the full statement's. When it holds more ("more than
    1,000"): best match ranks those nearest ones (README "Search ranking"); nearest first keeps the page only
    when it is full and ends nearer than any place left out can be (``KNN_SAFE``), else returns None.
    """
    shape, readable, values, words = _shape_and_values(origin, f, user, "near", None)
    stmt = _shared("page_knn_why" if why else "page_knn", shape, readable)
    params = {**values, "cand": COUNT_CAP + 1, "keep": COUNT_CAP, "limit": limit, "offset": offset}
    conn = session.connection()  # Core's execute: the ORM's around it cost 0.2 ms of Python a search (bench/README.md)
    with _nearest_first_plan(_walks(shape, readable, values), generic=shape.plan_once):
        rows = conn.execute(stmt, params).all()
        head = rows[0] if rows else None
        if head is None and offset:  # past the last page: the total still comes from the first row
            first = conn.execute(stmt, {**params, "limit": 1, "offset": 0}).all()
            head = first[0] if first else None
    if head is None:
        return rows, (0, 0, 0, 0), False, words
    capped = head.cand_rows > COUNT_CAP
    if capped and not (words.concepts and f.sort == "best"):
        last = rows[-1].distance_m if len(rows) == limit else None
        if last is None or not last < KNN_SAFE * head.cand_reach:
            return None
    return rows, (head.total, head.n_places, head.n_area, head.n_hidden), capped, words


def _nearest_first_plan(walk: bool, generic: bool = False):
    """``walk`` (``walks``): the geography index walked in distance order is the sound start, and bitmap scans
    are off for the statement: the planner's other choice, reading the whole circle by bitmap and sorting it,
    is what it takes when it underestimates a dense circle (1 mile in central London at 1,000,000 assets:
    410 ms for 13,500 places instead of 13 ms for 1,001). Else the planner chooses (a rare word: its text
    index, read only by bitmap; tests/test_search_knn.py pins the plans).

    ``generic`` (``_Shape.plan_once``: no words and no test of the places' keys): the statement, once prepared
    on a connection, keeps one plan for any place and radius instead of being planned for each
    (``db.planner_off``): the walk is its plan whatever the values, and planning it was most of a sparse
    search's time in PostgreSQL (bench/README.md). A search with words keeps a plan of its own: with one plan
    for any words the 5,000+ band's worded searches took 14 -> 35 ms on average."""
    return planner_off(walk, "bitmapscan", generic=generic)


def walks(origin: Origin, f: Filters, user, words: Words) -> bool:
    """Whether the near view walks the circle nearest first: always without words; with words, when that
    reads fewer places than their text index would.

    Walking finds the ``COUNT_CAP`` + 1 nearest of the places that pass (a share s of all N places) after
    about (``COUNT_CAP`` + 1) / s places, never more than the circle holds; the text index reads the entries
    of every place in the country that holds the words, whatever the other filters. A place walked is tested
    in the walk's index (``idx_marker_point_walk``, migrations 0025, 0026: the words, the terms, the days, the
    ways of taking part and the cost band, by its keys) and read only if it may pass;
    it costs about two entries of the text index (``WALK_COST``; at 1,000,000 assets, 107 worded searches of
    ``bench/search.py``'s set timed both ways: any cost from 0.5 to 5 chose as well, 10 as before cost 1.4%
    more; when each place walked was read from the table it was 2.5 microseconds a place, ten entries).
    Comparing with the places that pass every filter instead sent "carers" open on Mondays within a mile of
    central London to the indexes (320,000 entries, 44 ms) where walking read 12,200 places (16 ms).
    The four counts (places passing the words and the filters on ``marker_point``'s own columns, all places,
    places in the circle's box, places holding the words) are the planner's own estimates, asked in one
    EXPLAIN (no row read, about 0.5 ms); the circle's from the geometry column, as the planner
    estimates geography boxes far too low in dense places (1 mile round Westminster at 1,000,000 assets:
    948 estimated, 24,963 there; 12,779 from the geometry's statistics, 21,602 there). Left to itself the
    planner read the index for common words in dense circles ("carers" there: 79 ms by the index, 22 ms
    walked) and for words in small circles. Where no listing holds a word, walking a big circle would read all
    of it: the planner chooses then (since 0025 it tests the words in the walk's own index: 5-10 ms within 10
    miles of central London, where the words' GIN index had answered in 0.26 ms; bench/README.md)."""
    shape, readable, values, _words = _shape_and_values(origin, f, user, "near", None, words)
    return _walks(shape, readable, values)


def _walks(shape: _Shape, readable, values: dict) -> bool:
    """``walks`` for a search's shape and values."""
    if not shape.has_words:
        return True
    compiled = _shared("estimate", shape, readable)
    plan = (
        session.connection()
        .exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.construct_params(values))
        .scalar_one()
    )
    plan = json.loads(plan) if isinstance(plan, str) else plan
    passing, every, circle, worded = (part["Plan Rows"] for part in plan[0]["Plan"]["Plans"])
    walked = min(circle, (COUNT_CAP + 1) * every / max(passing, 1))
    return WALK_COST * walked < worded


def features_statement(origin: Origin, f: Filters, user, scope: str):
    """(statement, parameters) of the places of the results inside a map view (never confidential ones):
    the shape-cached statement that ``map_features`` pages and ``markers`` groups into grid cells. The view
    (``point_values('v', …)``, ``view_m``) and ``limit`` are bound by the caller."""
    stmt, values, _words = _prepared("features", origin, f, user, scope)
    return stmt, values


def map_features(
    origin: Origin, f: Filters, user, scope: str, view: tuple[float, float, float], limit: int | None = None
) -> tuple[list[dict], bool]:
    """Markers for the part of the results inside a map view (centre lon, lat and radius in metres).

    Returns at most ``limit`` points nearest the middle of the view, and whether more were left out.
    Confidential places are never included.
    """
    limit = limit or MAP_FEATURE_LIMIT
    stmt, values, _words = _prepared("features", origin, f, user, scope)
    values = {
        **values,
        **point_values("v", view[0], view[1]),
        "view_m": float(view[2]),
        "limit": limit + 1,
    }
    rows = session.execute(stmt, values).all()
    feats = [
        {
            "id": str(r.id),
            "name": r.name,
            "lon": round(r.lon, 6),
            "lat": round(r.lat, 6),
            "distance_m": round(r.distance_m),
        }
        for r in rows[:limit]
    ]
    return feats, len(rows) > limit
