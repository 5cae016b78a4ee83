"""The search query: readable, active assets near a point (or in its ward or constituency).

Three statements share one builder: a page of hits, the count, and the map markers in a view. Each
is built once per "shape" (which filters are present) with named parameters, so the results list,
its total and its markers can never disagree; spatial expressions come from ``assetmap.geo``.
Ranking: distance (nearest first), then freshness at equal distance (``freshness_rank``: checked in the
last 12 months, then not checked for over a year, then not confirmed after its reminders ran out), then
text relevance, then name. Listings with no distance come after every listing with one: services
with no place that cover the search's ward (or, for the constituency view, one of its wards), and
confidential places (a refuge) that the searcher may not locate.

A confidential place is matched by area, never by distance, for everyone but the coordinators who
may edit it and admins: it is listed when the search's ward is its ward (the near view, whatever
the radius; the ward view) or when its ward is in the searched constituency (by the ward's
constituency, never the point's), with no distance and no point, and it is never in the map
markers. So nothing a searcher gets back (the list, its order, the total, the markers) depends on
where in its ward the place is. The search point's ward is found by the rule that gives every
place its ward (``geo.ward_at``, shared with the location trigger), so the two always agree.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import (
    Date,
    Float,
    Integer,
    String,
    Time,
    and_,
    bindparam,
    case,
    exists,
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
from sqlalchemy.dialects.postgresql import array, distinct_on
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from .. import geo
from ..db import session
from ..directory import access
from ..directory.read import now_london, stale_cutoff
from ..models import (
    Accessibility,
    Attribute,
    Constituency,
    CostOption,
    Location,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    Ward,
)
from ..schedules import search as schedules_search
from ..vocabulary import PARTS_OF_DAY, day_code
from .params import Filters

SCOPES = ("near", "ward", "constituency")
#: at most this many markers go to the map per request (nearest the middle of the map view)
MAP_FEATURE_LIMIT = 1000

_WORD = re.compile(r"[^\W_]+")
#: words about the format rather than the activity: they help ranking but are not required,
#: so "Zumba class" still finds a "Zumba session"
GENERIC_WORDS = {
    "class",
    "classes",
    "group",
    "groups",
    "session",
    "sessions",
    "club",
    "clubs",
    "meeting",
    "meetings",
    "service",
    "services",
    "activity",
    "activities",
    "centre",
    "center",
    "near",
    "local",
}
#: PostgreSQL's English stop words (tsearch_data/english.stop), dropped before matching so every
#: remaining word gives a non-empty text query and the GIN indexes can answer it
STOP_WORDS = frozenset(
    {
        "i",
        "me",
        "my",
        "myself",
        "we",
        "our",
        "ours",
        "ourselves",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "he",
        "him",
        "his",
        "himself",
        "she",
        "her",
        "hers",
        "herself",
        "it",
        "its",
        "itself",
        "they",
        "them",
        "their",
        "theirs",
        "themselves",
        "what",
        "which",
        "who",
        "whom",
        "this",
        "that",
        "these",
        "those",
        "am",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "have",
        "has",
        "had",
        "having",
        "do",
        "does",
        "did",
        "doing",
        "a",
        "an",
        "the",
        "and",
        "but",
        "if",
        "or",
        "because",
        "as",
        "until",
        "while",
        "of",
        "at",
        "by",
        "for",
        "with",
        "about",
        "against",
        "between",
        "into",
        "through",
        "during",
        "before",
        "after",
        "above",
        "below",
        "to",
        "from",
        "up",
        "down",
        "in",
        "out",
        "on",
        "off",
        "over",
        "under",
        "again",
        "further",
        "then",
        "once",
        "here",
        "there",
        "when",
        "where",
        "why",
        "how",
        "all",
        "any",
        "both",
        "each",
        "few",
        "more",
        "most",
        "other",
        "some",
        "such",
        "no",
        "nor",
        "not",
        "only",
        "own",
        "same",
        "so",
        "than",
        "too",
        "very",
        "s",
        "t",
        "can",
        "will",
        "just",
        "don",
        "should",
        "now",
        "likes",
        "like",
        "liking",
    }
)
MAX_WORDS = 8
FUZZY_MIN_LENGTH = 4


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


@dataclass
class ResultPage:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    words: list[str] = field(default_factory=list)

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


# --------------------------------------------------------------------------- text


def words_of(q: str) -> list[str]:
    """The searchable words of ``q``: lower case, no stop words, at most MAX_WORDS."""
    words = [w.lower() for w in _WORD.findall(q or "")]
    return list(dict.fromkeys(w for w in words if w not in STOP_WORDS))[:MAX_WORDS]


def required_words(words: list[str]) -> list[str]:
    return [w for w in words if w not in GENERIC_WORDS] or words


def _word_match(svc, word: str) -> ColumnElement:
    """A word matches by English stem (name or description) or, if long enough, by trigram on the name."""
    conds = [svc.search_tsv.op("@@")(func.plainto_tsquery("english", literal(word, String)))]
    if len(word) >= FUZZY_MIN_LENGTH:
        conds.append(literal(word, String).op("<%")(svc.name))
    return or_(*conds)


def text_filter(words: list[str]) -> ColumnElement:
    """Every required word matches (tsvector and trigram conditions the GIN indexes can answer)."""
    return and_(*(_word_match(Service, w) for w in required_words(words))) if words else true()


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


def _p(name: str, type_, expanding: bool = False):
    """A named parameter with no value of its own: executing without a value for it is an error."""
    return bindparam(name, type_=type_, expanding=expanding, required=True)


def _p_point(prefix: str = "o"):
    """The point ``:<prefix>_lon``, ``:<prefix>_lat``."""
    return geo.point(_p(prefix + "_lon", Float), _p(prefix + "_lat", Float))


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
    fuzzy: tuple[bool, ...]  # per required word: also matched by trigram on the name
    has_words: bool
    category: bool
    audience: bool
    capability: bool
    asset_type: bool
    free: bool
    wheelchair: bool
    day: bool
    part: bool
    mode: bool
    include_area: bool
    areas_known: bool
    ward_none: bool
    constituency_none: bool
    #: how confidential places are found: "plain" (by distance like any place: admins, or not readable
    #: at all: the public), "area" (by ward only) or "mixed" (by distance in the wards the searching
    #: coordinator may edit, ``edit_wards``; by ward elsewhere)
    confidential: str


def _shape_and_values(origin: Origin, f: Filters, user, scope: str, today: dt.date | None):
    if scope not in SCOPES:
        raise ValueError(scope)
    today = today or now_london().date()
    words = words_of(f.q)
    req = required_words(words) if words else []
    readable = access.readable_filter(user)
    part = (PARTS_OF_DAY[f.open_part].starts, PARTS_OF_DAY[f.open_part].ends) if f.open_part else None
    include_area = bool(
        (not origin.areas_known and scope == "near")
        or origin.ward_code
        or (scope == "constituency" and origin.constituency_code)
    )
    confidential, edit_wards = _confidential_rule(user)
    shape = _Shape(
        scope,
        _readable_key(readable),
        tuple(len(w) >= FUZZY_MIN_LENGTH for w in req),
        bool(words),
        bool(f.category),
        bool(f.audience),
        bool(f.capability),
        bool(f.asset_type),
        bool(f.free),
        bool(f.wheelchair),
        bool(f.open_day),
        bool(f.open_part),
        bool(f.mode),
        include_area,
        origin.areas_known,
        origin.ward_code is None,
        origin.constituency_code is None,
        confidential,
    )
    values = {
        "o_lon": float(origin.lon),
        "o_lat": float(origin.lat),
        "near_m": float(f.radius_m),
        "ward_code": origin.ward_code,
        "constituency_code": origin.constituency_code,
        "stale_cutoff": stale_cutoff(today),
        "today": today,
        "category": list(f.category),
        "audience": list(f.audience),
        "capability": list(f.capability),
        "asset_type": list(f.asset_type),
        "byday": day_code(f.open_day) if f.open_day else None,
        "part_start": part[0] if part else None,
        "part_end": part[1] if part else None,
        "mode": f.mode,
        "rel_tsq": " | ".join(words),
        "rel_q": f.q,
        "edit_wards": edit_wards,
    }
    for i, w in enumerate(req):
        values[f"w{i}"] = w
    return shape, readable, values


def _confidential_rule(user) -> tuple[str, list[str]]:
    """("plain" | "area" | "mixed", wards the user may edit): see ``_Shape.confidential``."""
    if access.role_of(user) not in access.SIGNED_IN_ROLES:
        return "plain", []  # the public never reads a confidential listing at all
    wards = access.editable_wards(user)
    if wards is None:
        return "plain", []  # an admin may edit, and so locate, every one
    return ("mixed", sorted(wards)) if wards else ("area", [])


def _prepared(kind: str, origin: Origin, f: Filters, user, scope: str, today: dt.date | None = None):
    """(statement, parameters): the statement of this ``kind`` is shared by every search of its shape."""
    shape, readable, values = _shape_and_values(origin, f, user, scope, today)
    key = (kind, shape)
    stmt = _PREPARED.get(key)
    if stmt is None:
        stmt = _BUILDERS[kind](shape, readable)
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.clear()
        _PREPARED[key] = stmt
    return stmt, values


def _p_term_filter(taxonomy: str) -> ColumnElement:
    return exists().where(
        Attribute.service_id == Service.id,
        Attribute.taxonomy_term_id == TaxonomyTerm.id,
        TaxonomyTerm.taxonomy_id == Taxonomy.id,
        Taxonomy.code == taxonomy,
        TaxonomyTerm.code.in_(_p(taxonomy, String, expanding=True)),
    )


def free_filter(free: bool) -> ColumnElement:
    if not free:
        return true()
    return exists().where(CostOption.service_id == Service.id, CostOption.amount == 0)


def wheelchair_filter(wheelchair: bool) -> ColumnElement:
    if not wheelchair:
        return true()
    return exists().where(
        ServiceAtLocation.service_id == Service.id,
        Accessibility.location_id == ServiceAtLocation.location_id,
        Accessibility.kind == "wheelchair",
    )


def _filters(shape: _Shape, readable) -> tuple[list[ColumnElement], ColumnElement]:
    """The service filters of a shape, and the text relevance expression."""
    word_conds = []
    for i, fuzzy in enumerate(shape.fuzzy):
        w = _p(f"w{i}", String)
        conds = [Service.search_tsv.op("@@")(func.plainto_tsquery("english", w))]
        if fuzzy:
            conds.append(w.op("<%")(Service.name))
        word_conds.append(or_(*conds))
    text = and_(*word_conds) if shape.has_words else true()
    if shape.has_words:
        rel = func.ts_rank_cd(
            Service.search_tsv, func.to_tsquery("english", _p("rel_tsq", String))
        ) + func.word_similarity(_p("rel_q", String), Service.name)
    else:
        rel = literal(0.0, Float)
    open_f = (
        schedules_search.open_filter(
            today=_p("today", Date),
            days=array([_p("byday", String)]) if shape.day else None,
            part_start=_p("part_start", Time) if shape.part else None,
            part_end=_p("part_end", Time) if shape.part else None,
        )
        if shape.day or shape.part
        else true()
    )
    filters = [
        readable,
        Service.status == "active",
        *(
            _p_term_filter(t) if getattr(shape, t) else true()
            for t in ("category", "audience", "capability", "asset_type")
        ),
        free_filter(shape.free),
        wheelchair_filter(shape.wheelchair),
        open_f,
        _p("mode", String).op("=")(func.any(Service.modes)) if shape.mode else true(),
        text,
    ]
    return filters, rel


def _may_locate(shape: _Shape) -> ColumnElement:
    """True for the services whose confidential place the searcher may locate (``access.can_edit``)."""
    if shape.confidential == "plain":
        return true()
    if shape.confidential == "mixed":
        return access.in_wards(_p("edit_wards", String, expanding=True))
    return false()


def _places(shape: _Shape, filters: list, carried: list, extra_cols: tuple = ()):
    """One row per (service, place) in scope that passes ``filters``, with its distance from the search point
    (never a confidential place the searcher may not locate: see ``_hidden_places``)."""
    pt = _p_point()
    cols = [
        ServiceAtLocation.service_id.label("service_id"),
        geo.distance_m(Location.geom, pt).label("distance_m"),
        Location.ward_code.label("ward_code"),
        Location.constituency_code.label("constituency_code"),
        geo.lon(Location.geom).label("lon"),
        geo.lat(Location.geom).label("lat"),
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
    if shape.scope == "near":
        return stmt.where(_p_near(Location.geom, pt))
    if shape.scope == "ward":
        return stmt.where(_eq(Location.ward_code, "ward_code", shape.ward_none))
    return stmt.where(_eq(Location.constituency_code, "constituency_code", shape.constituency_none))


def _area_rows(shape: _Shape, filters: list, carried: list):
    """Services with no place near by that cover the person's ward (or, for the constituency view, its wards)."""
    stmt = (
        select(
            ServiceArea.service_id.label("service_id"),
            null().cast(Float).label("distance_m"),
            ServiceArea.ward_code.label("ward_code"),
            Ward.constituency_code.label("constituency_code"),
            null().cast(Float).label("lon"),
            null().cast(Float).label("lat"),
            *carried,
        )
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
        select(
            ServiceAtLocation.service_id.label("service_id"),
            null().cast(Float).label("distance_m"),
            Location.ward_code.label("ward_code"),
            Ward.constituency_code.label("constituency_code"),
            null().cast(Float).label("lon"),
            null().cast(Float).label("lat"),
            *carried,
        )
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Ward, Ward.code == Location.ward_code)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(Service.visibility == "confidential", not_(_may_locate(shape)), *filters)
    )
    if shape.scope == "constituency":
        return stmt.where(_eq(Ward.constituency_code, "constituency_code", shape.constituency_none))
    return stmt.where(_in_search_ward(shape, Location.ward_code))


def freshness_rank(stale_cutoff) -> ColumnElement:
    """0: checked since ``stale_cutoff`` (12 months ago); 1: not checked since; 2: not confirmed after its
    reminders ran their course (``service.unconfirmed_since``, set by the reminder job). At equal distance
    a search ranks 0 before 1 before 2 (README "Search ranking")."""
    return case(
        (Service.last_verified_on >= stale_cutoff, 0),
        (Service.unconfirmed_since.is_not(None), 2),
        else_=1,
    )


def _best(shape: _Shape, readable):
    """Each matching service once, at its nearest place (or its covering ward if it has no place in scope)."""
    filters, rel = _filters(shape, readable)
    stale = or_(Service.last_verified_on.is_(None), Service.last_verified_on < _p("stale_cutoff", Date))
    carried = [
        Service.name.label("name"),
        Service.visibility.label("visibility"),
        Service.last_verified_on.label("last_verified_on"),
        stale.label("stale"),
        freshness_rank(_p("stale_cutoff", Date)).label("freshness"),
        rel.label("relevance"),
    ]
    parts = [_places(shape, filters, carried)]
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


def _categories(service_id) -> ColumnElement:
    return (
        select(func.array_agg(func.distinct(TaxonomyTerm.code)))
        .join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
        .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
        .where(Attribute.service_id == service_id, Taxonomy.code == "category")
        .scalar_subquery()
    )


def _build_page(shape: _Shape, readable):
    """A page of ranked hits, each row carrying the total and the hit's categories."""
    b = _best(shape, readable).c
    by_words = [b.relevance.desc()] if shape.has_words else []
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
            b.relevance,
            func.count().over().label("total"),
        )
        .order_by(b.distance_m.asc().nulls_last(), b.freshness, *by_words, b.name, b.service_id)
        .limit(_p("limit", Integer))
        .offset(_p("offset", Integer))
    ).subquery("ranked")
    r = ranked.c
    return select(ranked, _categories(r.id).label("categories")).order_by(
        r.distance_m.asc().nulls_last(), r.freshness, *([r.relevance.desc()] if shape.has_words else []), r.name, r.id
    )


def _build_count(shape: _Shape, readable):
    return select(func.count()).select_from(_best(shape, readable))


def _build_features(shape: _Shape, readable):
    """Places of the results inside a map view, nearest the view's middle first (never confidential ones)."""
    filters, _rel = _filters(shape, readable)
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


_BUILDERS = {"page": _build_page, "count": _build_count, "features": _build_features}


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
    stmt, values = _prepared("page", origin, f, user, scope, today)
    return _bound(stmt, {**values, "limit": per_page, "offset": (page - 1) * per_page})


def count_statement(origin: Origin, f: Filters, user, scope: str = "near", today: dt.date | None = None):
    """How many services a search finds, values bound."""
    stmt, values = _prepared("count", origin, f, user, scope, today)
    return _bound(stmt, values)


def search(origin: Origin, f: Filters, user, scope: str = "near", page: int = 1, per_page: int = 20) -> ResultPage:
    """Run a search: one page of hits, nearest first, with the total.

    Search hits never carry a confidential asset's point, whoever asks (only the asset page shows it,
    and only to coordinators who may edit it), and carry its distance only to those who may edit it.
    """
    stmt, values = _prepared("page", origin, f, user, scope)
    rows = session.execute(stmt, {**values, "limit": per_page, "offset": (page - 1) * per_page}).all()
    total = rows[0].total if rows else 0
    if not rows and page > 1:
        count, values = _prepared("count", origin, f, user, scope)
        total = session.execute(count, values).scalar_one()
    hits = []
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
            )
        )
    return ResultPage(hits=hits, total=total, page=page, per_page=per_page, words=words_of(f.q))


def map_features(
    origin: Origin, f: Filters, user, scope: str, view: tuple[float, float, float], limit: int | None = None
) -> tuple[list[dict], bool]:
    """Markers for the part of the results inside a map view (centre lon, lat and radius in metres).

    Returns at most ``limit`` points nearest the middle of the view, and whether more were left out.
    Confidential places are never included.
    """
    limit = limit or MAP_FEATURE_LIMIT
    stmt, values = _prepared("features", origin, f, user, scope)
    values = {
        **values,
        "v_lon": float(view[0]),
        "v_lat": float(view[1]),
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
