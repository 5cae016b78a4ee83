"""The search query: readable, active assets near a point (or in its ward or constituency).

Each filter is one small function returning a SQLAlchemy expression on ``Service``; spatial
expressions come from ``assetmap.geo``. Ranking: distance (nearest first; services that only
cover the person's ward, with no place, come last), then fresh listings before stale ones at
equal distance, then text relevance, then name.
"""
from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import (
    Date, Float, Integer, String, Time, and_, bindparam, exists, func, literal, null, or_, select, true, union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnElement

from .. import geo
from ..db import session
from ..directory import access
from ..directory.read import now_london, stale_cutoff
from ..models import (
    Accessibility, Attribute, Constituency, CostOption, Location, Lsoa, Schedule, Service, ServiceArea,
    ServiceAtLocation, Taxonomy, TaxonomyTerm, Ward,
)
from .params import DAY_CODES, PARTS, Filters

SCOPES = ("near", "ward", "constituency")
#: at most this many markers go to the map per request (nearest the middle of the map view)
MAP_FEATURE_LIMIT = 1000

_WORD = re.compile(r"[^\W_]+")
#: words about the format rather than the activity: they help ranking but are not required,
#: so "Zumba class" still finds a "Zumba session"
GENERIC_WORDS = {"class", "classes", "group", "groups", "session", "sessions", "club", "clubs", "meeting",
                 "meetings", "service", "services", "activity", "activities", "centre", "center", "near",
                 "local"}
#: PostgreSQL's English stop words (tsearch_data/english.stop), dropped before matching so every
#: remaining word gives a non-empty text query and the GIN indexes can answer it
STOP_WORDS = frozenset({
    "i", "me", "my", "myself", "we", "our", "ours", "ourselves", "you", "your", "yours", "yourself",
    "yourselves", "he", "him", "his", "himself", "she", "her", "hers", "herself", "it", "its", "itself",
    "they", "them", "their", "theirs", "themselves", "what", "which", "who", "whom", "this", "that", "these",
    "those", "am", "is", "are", "was", "were", "be", "been", "being", "have", "has", "had", "having", "do",
    "does", "did", "doing", "a", "an", "the", "and", "but", "if", "or", "because", "as", "until", "while",
    "of", "at", "by", "for", "with", "about", "against", "between", "into", "through", "during", "before",
    "after", "above", "below", "to", "from", "up", "down", "in", "out", "on", "off", "over", "under", "again",
    "further", "then", "once", "here", "there", "when", "where", "why", "how", "all", "any", "both", "each",
    "few", "more", "most", "other", "some", "such", "no", "nor", "not", "only", "own", "same", "so", "than",
    "too", "very", "s", "t", "can", "will", "just", "don", "should", "now", "likes", "like", "liking"
})
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

def areas_at(lon: float, lat: float) -> tuple[str | None, str | None, str | None]:
    """(ward, LSOA, constituency) codes covering a point, each None outside the loaded areas."""
    pt = geo.point(lon, lat)
    ward = select(Ward.code).where(geo.covers(Ward.geom, pt)).order_by(Ward.code).limit(1).scalar_subquery()
    lsoa = select(Lsoa.code).where(geo.covers(Lsoa.geom, pt)).order_by(Lsoa.code).limit(1).scalar_subquery()
    con = (select(Constituency.code).where(geo.covers(Constituency.geom, pt)).order_by(Constituency.code)
           .limit(1).scalar_subquery())
    return tuple(session.execute(select(ward, lsoa, con)).one())


def area_names(origin: Origin) -> dict:
    ward = session.get(Ward, origin.ward_code) if origin.ward_code else None
    con = session.get(Constituency, origin.constituency_code) if origin.constituency_code else None
    return {"ward_name": ward.name if ward else None, "constituency_name": con.name if con else None}


def ward_outline(code: str, tolerance_deg: float = 0.0003) -> str | None:
    """A ward's boundary as simplified GeoJSON text, for drawing on a map."""
    return session.execute(select(geo.simplified_geojson(Ward.geom, tolerance_deg))
                           .where(Ward.code == code)).scalar_one_or_none()


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


def relevance(words: list[str], q: str) -> ColumnElement:
    if not words:
        return literal(0.0, Float)
    tsq = func.to_tsquery("english", literal(" | ".join(words), String))
    return func.ts_rank_cd(Service.search_tsv, tsq) + func.word_similarity(literal(q, String), Service.name)


# --------------------------------------------------------------------------- filters

def term_filter(taxonomy: str, codes: tuple[str, ...]) -> ColumnElement:
    """Has any of these terms (codes within one taxonomy are alternatives)."""
    if not codes:
        return true()
    return exists().where(Attribute.service_id == Service.id, Attribute.taxonomy_term_id == TaxonomyTerm.id,
                          TaxonomyTerm.taxonomy_id == Taxonomy.id, Taxonomy.code == taxonomy,
                          TaxonomyTerm.code.in_(codes))


def free_filter(free: bool) -> ColumnElement:
    if not free:
        return true()
    return exists().where(CostOption.service_id == Service.id, CostOption.amount == 0)


def wheelchair_filter(wheelchair: bool) -> ColumnElement:
    if not wheelchair:
        return true()
    return exists().where(ServiceAtLocation.service_id == Service.id,
                          Accessibility.location_id == ServiceAtLocation.location_id,
                          Accessibility.kind == "wheelchair")


def open_filter(day: str | None, part: str | None, today: dt.date) -> ColumnElement:
    """Has a weekly session on ``day`` (any day if None) overlapping ``part`` (any time if None)."""
    if not day and not part:
        return true()
    conds = [Schedule.service_id == Service.id,
             or_(Schedule.valid_to.is_(None), Schedule.valid_to >= today)]
    if day:
        conds.append(Schedule.byday == DAY_CODES[day])
    if part:
        start, end = PARTS[part]
        conds += [Schedule.opens_at < end, Schedule.closes_at > start]
    return exists().where(*conds)


def mode_filter(mode: str | None) -> ColumnElement:
    return literal(mode, String).op("=")(func.any(Service.modes)) if mode else true()


def service_filters(f: Filters, words: list[str], user, today: dt.date) -> list[ColumnElement]:
    return [access.readable_filter(user), Service.status == "active",
            term_filter("category", f.category), term_filter("audience", f.audience),
            term_filter("capability", f.capability), term_filter("asset_type", f.asset_type),
            free_filter(f.free), wheelchair_filter(f.wheelchair), open_filter(f.open_day, f.open_part, today),
            mode_filter(f.mode), text_filter(words)]


# --------------------------------------------------------------------------- candidates
#
# Filters are applied where the rows are produced, so distances are worked out (and sorted) only for
# assets that pass them; the service columns the ranking needs are carried up from there.

def _carried(stale: ColumnElement, rel: ColumnElement) -> list[ColumnElement]:
    return [Service.name.label("name"), Service.visibility.label("visibility"),
            Service.last_verified_on.label("last_verified_on"), stale.label("stale"), rel.label("relevance")]


def _place_rows(origin: Origin, scope: str, radius_m: float, filters: list, carried: list, view=None):
    """One row per (service, place) in scope that passes ``filters``, with its distance from the search point."""
    pt = geo.point(origin.lon, origin.lat)
    cols = [ServiceAtLocation.service_id.label("service_id"),
            geo.distance_m(Location.geom, pt).label("distance_m"),
            Location.ward_code.label("ward_code"), Location.constituency_code.label("constituency_code"),
            geo.lon(Location.geom).label("lon"), geo.lat(Location.geom).label("lat"), *carried]
    if view is not None:
        cols.append(geo.distance_m(Location.geom, geo.point(view[0], view[1])).label("view_distance"))
    stmt = (select(*cols).join(Location, Location.id == ServiceAtLocation.location_id)
            .join(Service, Service.id == ServiceAtLocation.service_id)
            .where(Location.geom.is_not(None), *filters))
    if scope == "near":
        stmt = stmt.where(geo.near_m(Location.geom, pt, radius_m))
    elif scope == "ward":
        stmt = stmt.where(Location.ward_code == origin.ward_code)
    else:
        stmt = stmt.where(Location.constituency_code == origin.constituency_code)
    if view is not None:
        stmt = stmt.where(geo.near_m(Location.geom, geo.point(view[0], view[1]), view[2]))
    return stmt


def _area_rows(origin: Origin, scope: str, filters: list, carried: list):
    """Services with no place near by that cover the person's ward (or, for the constituency view, its wards)."""
    stmt = (select(ServiceArea.service_id.label("service_id"), null().cast(Float).label("distance_m"),
                   ServiceArea.ward_code.label("ward_code"), Ward.constituency_code.label("constituency_code"),
                   null().cast(Float).label("lon"), null().cast(Float).label("lat"), *carried)
            .join(Ward, Ward.code == ServiceArea.ward_code)
            .join(Service, Service.id == ServiceArea.service_id)
            .where(*filters))
    if scope == "constituency":
        return stmt.where(Ward.constituency_code == origin.constituency_code)
    return stmt.where(ServiceArea.ward_code == (origin.ward_code if origin.areas_known else _ward_at(origin)))


def _ward_at(origin: Origin):
    pt = geo.point(origin.lon, origin.lat)
    return select(Ward.code).where(geo.covers(Ward.geom, pt)).order_by(Ward.code).limit(1).scalar_subquery()


def _best(origin: Origin, scope: str, radius_m: float, filters: list, carried: list):
    """Each matching service once, at its nearest place (or its covering ward if it has no place in scope)."""
    parts = [_place_rows(origin, scope, radius_m, filters, carried)]
    if (not origin.areas_known and scope == "near") or origin.ward_code or (
            scope == "constituency" and origin.constituency_code):
        parts.append(_area_rows(origin, scope, filters, carried))
    u = union_all(*parts).subquery("u") if len(parts) > 1 else parts[0].subquery("u")
    return (select(u).ext(distinct_on(u.c.service_id))
            .order_by(u.c.service_id, u.c.distance_m.asc().nulls_last()).subquery("best"))


def _categories(service_id) -> ColumnElement:
    return (select(func.array_agg(func.distinct(TaxonomyTerm.code)))
            .join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
            .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
            .where(Attribute.service_id == service_id, Taxonomy.code == "category").scalar_subquery())


def _candidates(origin: Origin, f: Filters, user, scope: str, today: dt.date | None):
    if scope not in SCOPES:
        raise ValueError(scope)
    today = today or now_london().date()
    words = words_of(f.q)
    stale = or_(Service.last_verified_on.is_(None), Service.last_verified_on < stale_cutoff(today))
    carried = _carried(stale, relevance(words, f.q))
    return _best(origin, scope, f.radius_m, service_filters(f, words, user, today), carried), bool(words)


def search_statement(origin: Origin, f: Filters, user, scope: str = "near", page: int = 1,
                     per_page: int = 20, today: dt.date | None = None):
    """The one statement a search runs: a page of ranked hits, each row carrying the total.

    A copy of the shared prepared statement with this search's values bound into it (``search`` itself
    passes the values at execute time instead)."""
    stmt, values = _prepared_search(origin, f, user, scope, page, per_page, today)

    def bind(b):
        if b.key in values:
            b.value = values[b.key]
            b.required = False

    return visitors.cloned_traverse(stmt, {}, {"bindparam": bind})


def count_statement(origin: Origin, f: Filters, user, scope: str = "near", today: dt.date | None = None):
    best, _ = _candidates(origin, f, user, scope, today)
    return select(func.count()).select_from(best)


# --------------------------------------------------------------------------- prepared statements
#
# Building the statement above costs several milliseconds of Python per request, more than the query
# itself. Its structure depends only on which filters are present (the "shape"), so ``search`` builds it
# once per shape with named bind parameters (``_prepared``) and passes the values at execute time; the
# statement object is reused, so SQLAlchemy's compiled cache is hit without re-deriving its cache key.
# The SQL is the same as ``search_statement`` renders; only the parameter names differ.

_PREPARED: dict = {}
_PREPARED_MAX = 512


def _p(name: str, type_, expanding: bool = False):
    """A named parameter with no value of its own: executing without a value for it is an error."""
    return bindparam(name, type_=type_, expanding=expanding, required=True)


def _p_point(prefix: str = "o"):
    return func.ST_SetSRID(func.ST_MakePoint(_p(prefix + "_lon", Float), _p(prefix + "_lat", Float)),
                           geo.SRID_WGS84)


def _p_near(geom, origin):
    """``geo.near_m`` with the radius (and its widening in degrees) as parameters."""
    return and_(geom.op("&&")(func.ST_Expand(origin, _p("near_dlon", Float), _p("near_dlat", Float))),
                func.ST_DWithin(geo.geog(geom), geo.geog(origin), _p("near_m", Float)))


def _eq(col, name: str, value, type_):
    """``col == value``: a parameter, except None, which must stay ``IS NULL`` as the plain comparison renders."""
    return col == None if value is None else col == _p(name, type_)  # noqa: E711


def _readable_key(expr) -> tuple:
    ck = expr._generate_cache_key()
    return ck.key, tuple(repr(b.effective_value) for b in ck.bindparams)


def _prepared_search(origin: Origin, f: Filters, user, scope: str, page: int, per_page: int,
                     today: dt.date | None = None):
    """(statement, parameters) for one page of a search: the statement is shared by every search of its shape."""
    if scope not in SCOPES:
        raise ValueError(scope)
    today = today or now_london().date()
    words = words_of(f.q)
    req = required_words(words) if words else []
    readable = access.readable_filter(user)
    part = PARTS[f.open_part] if f.open_part else None
    include_area = bool((not origin.areas_known and scope == "near") or origin.ward_code or (
        scope == "constituency" and origin.constituency_code))
    shape = (scope, _readable_key(readable), tuple(len(w) >= FUZZY_MIN_LENGTH for w in req), bool(words),
             bool(f.category), bool(f.audience), bool(f.capability), bool(f.asset_type), bool(f.free),
             bool(f.wheelchair), bool(f.open_day), bool(f.open_part), bool(f.mode), include_area,
             origin.areas_known, origin.ward_code is None, origin.constituency_code is None)
    m = float(f.radius_m)
    values = {"o_lon": float(origin.lon), "o_lat": float(origin.lat), "near_m": m,
              "near_dlon": m * geo._DEG_LON_PER_M, "near_dlat": m * geo._DEG_LAT_PER_M,
              "ward_code": origin.ward_code, "constituency_code": origin.constituency_code,
              "stale_cutoff": stale_cutoff(today), "today": today,
              "category": list(f.category), "audience": list(f.audience), "capability": list(f.capability),
              "asset_type": list(f.asset_type), "byday": DAY_CODES[f.open_day] if f.open_day else None,
              "part_start": part[0] if part else None, "part_end": part[1] if part else None, "mode": f.mode,
              "rel_tsq": " | ".join(words), "rel_q": f.q,
              "limit": per_page, "offset": (page - 1) * per_page}
    for i, w in enumerate(req):
        values[f"w{i}"] = w
    stmt = _PREPARED.get(shape)
    if stmt is None:
        stmt = _build_prepared(shape, readable, origin, len(req))
        if len(_PREPARED) >= _PREPARED_MAX:
            _PREPARED.clear()
        _PREPARED[shape] = stmt
    return stmt, values


def _p_term_filter(taxonomy: str) -> ColumnElement:
    return exists().where(Attribute.service_id == Service.id, Attribute.taxonomy_term_id == TaxonomyTerm.id,
                          TaxonomyTerm.taxonomy_id == Taxonomy.id, Taxonomy.code == taxonomy,
                          TaxonomyTerm.code.in_(_p(taxonomy, String, expanding=True)))


def _build_prepared(shape: tuple, readable, origin: Origin, n_words: int):
    """The search statement for one shape, mirroring ``search_statement`` clause for clause."""
    (scope, _rk, fuzzy, has_words, category, audience, capability, asset_type, free, wheelchair, day, part, mode,
     include_area, areas_known, _ward_none, _con_none) = shape
    today = _p("today", Date)
    # text
    word_conds = []
    for i in range(n_words):
        w = _p(f"w{i}", String)
        conds = [Service.search_tsv.op("@@")(func.plainto_tsquery("english", w))]
        if fuzzy[i]:
            conds.append(w.op("<%")(Service.name))
        word_conds.append(or_(*conds))
    text = and_(*word_conds) if has_words else true()
    if has_words:
        rel = (func.ts_rank_cd(Service.search_tsv, func.to_tsquery("english", _p("rel_tsq", String)))
               + func.word_similarity(_p("rel_q", String), Service.name))
    else:
        rel = literal(0.0, Float)
    # filters, in service_filters' order
    if day or part:
        conds = [Schedule.service_id == Service.id, or_(Schedule.valid_to.is_(None), Schedule.valid_to >= today)]
        if day:
            conds.append(Schedule.byday == _p("byday", String))
        if part:
            conds += [Schedule.opens_at < _p("part_end", Time), Schedule.closes_at > _p("part_start", Time)]
        open_f = exists().where(*conds)
    else:
        open_f = true()
    filters = [readable, Service.status == "active",
               _p_term_filter("category") if category else true(),
               _p_term_filter("audience") if audience else true(),
               _p_term_filter("capability") if capability else true(),
               _p_term_filter("asset_type") if asset_type else true(),
               free_filter(free), wheelchair_filter(wheelchair), open_f,
               _p("mode", String).op("=")(func.any(Service.modes)) if mode else true(), text]
    stale = or_(Service.last_verified_on.is_(None), Service.last_verified_on < _p("stale_cutoff", Date))
    carried = _carried(stale, rel)
    # place rows (as _place_rows)
    pt = _p_point()
    cols = [ServiceAtLocation.service_id.label("service_id"),
            geo.distance_m(Location.geom, pt).label("distance_m"),
            Location.ward_code.label("ward_code"), Location.constituency_code.label("constituency_code"),
            geo.lon(Location.geom).label("lon"), geo.lat(Location.geom).label("lat"), *carried]
    places = (select(*cols).join(Location, Location.id == ServiceAtLocation.location_id)
              .join(Service, Service.id == ServiceAtLocation.service_id)
              .where(Location.geom.is_not(None), *filters))
    if scope == "near":
        places = places.where(_p_near(Location.geom, pt))
    elif scope == "ward":
        places = places.where(_eq(Location.ward_code, "ward_code", origin.ward_code, String))
    else:
        places = places.where(_eq(Location.constituency_code, "constituency_code", origin.constituency_code, String))
    parts = [places]
    if include_area:
        area = (select(ServiceArea.service_id.label("service_id"), null().cast(Float).label("distance_m"),
                       ServiceArea.ward_code.label("ward_code"), Ward.constituency_code.label("constituency_code"),
                       null().cast(Float).label("lon"), null().cast(Float).label("lat"), *carried)
                .join(Ward, Ward.code == ServiceArea.ward_code)
                .join(Service, Service.id == ServiceArea.service_id)
                .where(*filters))
        if scope == "constituency":
            area = area.where(_eq(Ward.constituency_code, "constituency_code", origin.constituency_code, String))
        elif areas_known:
            area = area.where(_eq(ServiceArea.ward_code, "ward_code", origin.ward_code, String))
        else:
            ward_at = (select(Ward.code).where(geo.covers(Ward.geom, pt)).order_by(Ward.code).limit(1)
                       .scalar_subquery())
            area = area.where(ServiceArea.ward_code == ward_at)
        parts.append(area)
    u = union_all(*parts).subquery("u") if len(parts) > 1 else parts[0].subquery("u")
    best = (select(u).ext(distinct_on(u.c.service_id))
            .order_by(u.c.service_id, u.c.distance_m.asc().nulls_last()).subquery("best"))
    b = best.c
    ranked = (select(b.service_id.label("id"), b.name, b.visibility, b.last_verified_on, b.distance_m, b.ward_code,
                     b.constituency_code, b.lon, b.lat, b.stale, b.relevance, func.count().over().label("total"))
              .order_by(b.distance_m.asc().nulls_last(), b.stale, *([b.relevance.desc()] if has_words else []),
                        b.name, b.service_id)
              .limit(_p("limit", Integer)).offset(_p("offset", Integer))).subquery("ranked")
    r = ranked.c
    return (select(ranked, _categories(r.id).label("categories"))
            .order_by(r.distance_m.asc().nulls_last(), r.stale, *([r.relevance.desc()] if has_words else []),
                      r.name, r.id))


def search(origin: Origin, f: Filters, user, scope: str = "near", page: int = 1, per_page: int = 20) -> ResultPage:
    """Run a search: one page of hits, nearest first, with the total.

    Search hits never carry a confidential asset's point, whoever asks (only the asset page shows it,
    and only to coordinators who may edit it).
    """
    stmt, values = _prepared_search(origin, f, user, scope, page, per_page)
    rows = session.execute(stmt, values).all()
    total = rows[0].total if rows else 0
    if not rows and page > 1:
        total = session.execute(count_statement(origin, f, user, scope)).scalar_one()
    hits = []
    for r in rows:
        hidden = r.visibility == "confidential"
        hits.append(Hit(id=r.id, name=r.name, distance_m=r.distance_m, ward_code=r.ward_code,
                        constituency_code=r.constituency_code, lon=None if hidden else r.lon,
                        lat=None if hidden else r.lat, categories=sorted(r.categories or []),
                        last_verified=r.last_verified_on, stale=r.stale, visibility=r.visibility))
    return ResultPage(hits=hits, total=total, page=page, per_page=per_page, words=words_of(f.q))


def map_features(origin: Origin, f: Filters, user, scope: str, view: tuple[float, float, float],
                 limit: int | None = None) -> tuple[list[dict], bool]:
    """Markers for the part of the results inside a map view (centre lon, lat and radius in metres).

    Returns at most ``limit`` points nearest the middle of the view, and whether more were left out.
    Confidential places are never included.
    """
    limit = limit or MAP_FEATURE_LIMIT
    today = now_london().date()
    filters = [*service_filters(f, words_of(f.q), user, today), Service.visibility != "confidential"]
    rows_q = _place_rows(origin, scope, f.radius_m, filters, [Service.name.label("name")], view).subquery("p")
    stmt = (select(rows_q.c.service_id.label("id"), rows_q.c.name, rows_q.c.lon, rows_q.c.lat, rows_q.c.distance_m)
            .order_by(rows_q.c.view_distance, rows_q.c.service_id).limit(limit + 1))
    rows = session.execute(stmt).all()
    feats = [{"id": str(r.id), "name": r.name, "lon": round(r.lon, 6), "lat": round(r.lat, 6),
              "distance_m": round(r.distance_m)} for r in rows[:limit]]
    return feats, len(rows) > limit

