"""Every query the coverage pages run. Data access only: plain rows in, plain rows out, no HTTP.

Counting rules (also explained on the page):

* An asset counts if it is live (not archived, not marked defunct).
* Supply: an asset supplies an area if one of its places is in the area, or one of the wards it
  serves (ServiceArea, for online and phone services) is in the area.
* A confidential place (a refuge) counts by its ward alone, like a service that serves that ward:
  in its ward, its ward's constituency (``Ward.constituency_code``, never the point's: seven wards
  are split between two) and authority, and in every LSOA whose representative point is in its
  ward (as LSOAs roll up to wards). It counts as a place (not "online or phone"), but it is left out
  of walking access and 2SFCA, which need a point. So no figure moves when it moves within its
  ward, and nobody can find it by comparing LSOA figures.
* Walking access and 2SFCA use only places of assets delivered in person (never a confidential one).
* Residents sit at their LSOA's population-weighted point (the mean of its postcode centroids),
  so an LSOA is wholly within or beyond a distance. Distances are straight lines on a sphere
  (within 0.5% of the spheroid: a few metres at 800 m).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    Float,
    String,
    and_,
    any_,
    cast,
    delete,
    distinct,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY, distinct_on
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import aliased

from .. import taxonomy
from ..db import session
from ..geo import (
    APPORTION_LSOAS_SQL,
    METRES_PER_MILE,
    MIN_AREA_SHARE,
    box_near_m,
    covers,
    lat,
    lon,
    multipolygon_from_wkb,
    sphere_distance_m,
)
from ..models import (
    AreaSet,
    Attribute,
    ConnectionLog,
    Constituency,
    CoverageSnapshot,
    CustomArea,
    CustomAreaLsoa,
    LocalAuthority,
    Location,
    Lsoa,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    UnmetNeed,
    User,
    UserArea,
    Ward,
)

NEAR_M = 800.0
MILE_M = METRES_PER_MILE
#: the 2SFCA catchment: one mile, about a 20-minute walk
CATCHMENT_M = METRES_PER_MILE
ALL_ADULTS = "all-adults"

AREA_TABLES = {"ward": Ward, "constituency": Constituency, "lsoa": Lsoa, "la": LocalAuthority}


@dataclass(frozen=True)
class LocalAuthorityRow:
    code: str
    name: str
    population: int


def local_authorities() -> list[LocalAuthorityRow]:
    """Loaded local authorities, most populous first."""
    rows = session.execute(
        select(LocalAuthority.code, LocalAuthority.name, LocalAuthority.population_total).order_by(
            LocalAuthority.population_total.desc().nulls_last(), LocalAuthority.name
        )
    )
    return [LocalAuthorityRow(c, n, p or 0) for c, n, p in rows]


# --------------------------------------------------------------------------- which assets match


def _term_ids(tax: str, codes: list[str]) -> list:
    return list(taxonomy.term_ids(tax, codes).values())


def _tagged(tax: str, codes: list[str]):
    return Service.id.in_(select(Attribute.service_id).where(Attribute.taxonomy_term_id.in_(_term_ids(tax, codes))))


def service_conditions(p, live: bool = True, verified: bool = True) -> list:
    """WHERE conditions on Service for the chosen category, audience, capability and freshness.

    An asset for all adults counts for every audience: a lunch club open to anyone serves older people too.
    """
    conds = []
    if live:
        conds += [Service.archived_at.is_(None), Service.status != "defunct"]
    if p.public_only:
        conds.append(Service.visibility == "public")
    if p.category:
        conds.append(_tagged("category", list(p.category)))
    if p.audience:
        conds.append(_tagged("audience", sorted({*p.audience, ALL_ADULTS})))
    if p.capability:
        conds.append(_tagged("capability", list(p.capability)))
    if verified and p.verified_only:
        conds.append(Service.last_verified_on >= p.verified_since)
    return conds


def matching_ids(p, **kw):
    return select(Service.id).where(*service_conditions(p, **kw))


CONFIDENTIAL = Service.visibility == "confidential"


# --------------------------------------------------------------------------- area keys


def located_key(geography: str):
    return {
        "ward": Location.ward_code,
        "constituency": Location.constituency_code,
        "lsoa": Location.lsoa_code,
        "la": Location.lad_code,
    }[geography]


def _located(q, p):
    """``q`` (over Location) with an ``area`` column: the area its point is in."""
    if p.geography == "custom":
        return q.join(
            CustomArea, and_(CustomArea.set_id == p.area_set, covers(CustomArea.geom, Location.geom))
        ).add_columns(CustomArea.code.label("area"))
    return q.add_columns(located_key(p.geography).label("area"))


def _by_ward(q, ward_code, geography: str, area_set=None):
    """``q`` with an ``area`` column for rows known only by a ward (a service area, a confidential
    place): the ward, its constituency or authority, or every LSOA whose representative point is in it;
    in a custom set, every area given residents of one of those LSOAs (never by where in the ward it is)."""
    q = q.join(Ward, Ward.code == ward_code)
    if geography == "custom":
        return (
            q.join(Lsoa, Lsoa.ward_code == Ward.code)
            .join(CustomAreaLsoa, and_(CustomAreaLsoa.lsoa_code == Lsoa.code, CustomAreaLsoa.set_id == area_set))
            .add_columns(CustomAreaLsoa.area_code.label("area"))
        )
    if geography == "lsoa":
        return q.add_columns(Lsoa.code.label("area")).join(Lsoa, Lsoa.ward_code == Ward.code)
    key = {"ward": Ward.code, "constituency": Ward.constituency_code, "la": Ward.lad_code}[geography]
    return q.add_columns(key.label("area"))


def _served_rows(p, service_ids):
    """(service_id, area) for every ward an online/phone service serves, mapped to the geography."""
    return _by_ward(select(ServiceArea.service_id.label("sid")), ServiceArea.ward_code, p.geography, p.area_set).where(
        ServiceArea.service_id.in_(service_ids)
    )


def _places(service_ids):
    return (
        select(ServiceAtLocation.service_id.label("sid"))
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.service_id.in_(service_ids))
    )


def supply_counts(p) -> dict[str, tuple[int, int]]:
    """area code -> (matching assets, of which counted only through the wards they serve)."""
    ids = matching_ids(p)
    located = _located(_places(ids.where(~CONFIDENTIAL)), p).add_columns(true().label("here"))
    hidden = _by_ward(_places(ids.where(CONFIDENTIAL)), Location.ward_code, p.geography, p.area_set).add_columns(
        true().label("here")
    )
    served = _served_rows(p, ids).add_columns(literal(False).label("here"))
    u = union_all(located, hidden, served).subquery()
    rows = session.execute(
        select(u.c.area, func.count(distinct(u.c.sid)), func.count(distinct(u.c.sid)).filter(u.c.here))
        .where(u.c.area.is_not(None))
        .group_by(u.c.area)
    )
    return {area: (total, total - here) for area, total, here in rows}


def assets_in_set(p) -> int:
    """Matching assets counted in at least one area of a custom set (each once)."""
    ids = matching_ids(p)
    located = _located(_places(ids.where(~CONFIDENTIAL)), p)
    hidden = _by_ward(_places(ids.where(CONFIDENTIAL)), Location.ward_code, p.geography, p.area_set)
    u = union_all(located, hidden, _served_rows(p, ids)).subquery()
    return session.execute(select(func.count(distinct(u.c.sid)))).scalar() or 0


# --------------------------------------------------------------------------- walking access and 2SFCA


@dataclass(frozen=True)
class LsoaAccess:
    code: str
    ward_code: str | None
    constituency_code: str | None
    lad_code: str | None
    imd_decile: int | None
    imd_rank: int | None
    population_total: int
    population_65plus: int
    within_800: bool
    within_mile: bool
    #: 2SFCA: sum over in-person sites within a mile of (assets at the site / residents within a mile of it)
    access: float

    def key(self, geography: str) -> str | None:
        return {"ward": self.ward_code, "constituency": self.constituency_code, "lsoa": self.code, "la": self.lad_code}[
            geography
        ]


def lsoa_access(p) -> list[LsoaAccess]:
    """Per LSOA in scope: is a matching in-person asset within 800 m, within a mile, and its 2SFCA score.

    2SFCA (Luo and Wang 2003) in one PostGIS query with a binary one-mile catchment: each site's
    ratio is its assets over the residents (of the chosen population) whose LSOA point lies within a
    mile of it, counting LSOAs in every loaded authority; an LSOA's score is the sum of the ratios of
    the sites within a mile of its point.
    """
    sites = (
        select(
            Location.id.label("site"),
            Location.geom.label("geom"),
            func.count(distinct(ServiceAtLocation.service_id)).label("n"),
        )
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(
            *service_conditions(p),
            ~CONFIDENTIAL,
            Location.geom.is_not(None),
            literal("in_person") == any_(Service.modes),
        )
        .group_by(Location.id)
    ).cte("sites")
    near = aliased(Lsoa)
    near_pop = near.population_65plus if p.older else near.population_total
    # candidates from the index, each distance worked out once (materialised so it is not redone)
    candidates = (
        select(
            sites.c.site,
            sites.c.n,
            near.code.label("code"),
            func.coalesce(near_pop, 0).label("pop"),
            sphere_distance_m(sites.c.geom, near.pop_point).label("d"),
        )
        .select_from(sites)
        .join(near, box_near_m(near.pop_point, sites.c.geom, CATCHMENT_M))
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    pairs = select(candidates).where(candidates.c.d <= CATCHMENT_M).subquery("pairs")
    # each pair carries its site's demand (a window, so the planner never joins pairs back to pairs)
    demand = cast(func.sum(pairs.c.pop).over(partition_by=pairs.c.site), Float)
    shared = select(pairs.c.code, pairs.c.d, (cast(pairs.c.n, Float) / func.nullif(demand, 0)).label("r")).subquery(
        "shared"
    )
    acc = (
        select(
            shared.c.code,
            func.bool_or(shared.c.d <= NEAR_M).label("w800"),
            func.coalesce(func.sum(shared.c.r), 0.0).label("a"),
        ).group_by(shared.c.code)
    ).cte("acc")
    q = (
        select(
            Lsoa.code,
            Lsoa.ward_code,
            Lsoa.constituency_code,
            Lsoa.lad_code,
            Lsoa.imd_decile,
            Lsoa.imd_rank,
            func.coalesce(Lsoa.population_total, 0),
            func.coalesce(Lsoa.population_65plus, 0),
            func.coalesce(acc.c.w800, False),
            acc.c.code.is_not(None),
            func.coalesce(acc.c.a, 0.0),
        )
        .outerjoin(acc, acc.c.code == Lsoa.code)
        .order_by(Lsoa.code)
    )
    if p.geography == "custom":
        q = q.where(Lsoa.code.in_(select(CustomAreaLsoa.lsoa_code).where(CustomAreaLsoa.set_id == p.area_set)))
    elif p.la:
        q = q.where(Lsoa.lad_code == p.la)
    return [LsoaAccess(*row) for row in session.execute(q)]


def custom_pieces(area_set) -> dict[str, list[tuple[str, float]]]:
    """LSOA code -> [(custom area code, share of its residents)] for one set."""
    out: dict[str, list[tuple[str, float]]] = {}
    for lsoa, area, share in session.execute(
        select(CustomAreaLsoa.lsoa_code, CustomAreaLsoa.area_code, CustomAreaLsoa.share).where(
            CustomAreaLsoa.set_id == area_set
        )
    ):
        out.setdefault(lsoa, []).append((area, share))
    return out


# --------------------------------------------------------------------------- demand


def _ward_home(area_set):
    """(ward_code, area_code): the custom area holding most of each ward's residents."""
    pop = (
        select(
            Lsoa.ward_code,
            CustomAreaLsoa.area_code,
            func.sum(CustomAreaLsoa.share * func.coalesce(Lsoa.population_total, 0)).label("pop"),
        )
        .join(Lsoa, Lsoa.code == CustomAreaLsoa.lsoa_code)
        .where(CustomAreaLsoa.set_id == area_set, Lsoa.ward_code.is_not(None))
        .group_by(Lsoa.ward_code, CustomAreaLsoa.area_code)
    ).subquery()
    return (
        select(pop.c.ward_code, pop.c.area_code)
        .ext(distinct_on(pop.c.ward_code))
        .order_by(pop.c.ward_code, pop.c.pop.desc(), pop.c.area_code)
    ).subquery("ward_home")


def _signals_by_area(table, p, *cols):
    """SELECT area, *cols FROM ``table`` (rows recorded by ward and/or LSOA: connections, unmet need).

    A row counts once: in its LSOA's area (the LSOA's ward, constituency or authority), or by its ward
    when it has no LSOA; in a custom set, in the area holding most of the LSOA's (or ward's) residents.
    """
    lsoa, ward = aliased(Lsoa), aliased(Ward)
    ward_code = func.coalesce(table.ward_code, lsoa.ward_code)
    if p.geography == "custom":
        home, ward_home = aliased(CustomAreaLsoa), _ward_home(p.area_set)
        key = func.coalesce(home.area_code, ward_home.c.area_code)
        return (
            select(key.label("area"), *cols)
            .select_from(table)
            .outerjoin(home, and_(home.lsoa_code == table.lsoa_code, home.set_id == p.area_set, home.main))
            .outerjoin(ward_home, and_(table.lsoa_code.is_(None), ward_home.c.ward_code == table.ward_code))
        )
    key = {
        "ward": ward_code,
        "constituency": func.coalesce(lsoa.constituency_code, ward.constituency_code),
        "lsoa": table.lsoa_code,
        "la": func.coalesce(ward.lad_code, lsoa.lad_code),
    }[p.geography]
    return (
        select(key.label("area"), *cols)
        .select_from(table)
        .outerjoin(lsoa, lsoa.code == table.lsoa_code)
        .outerjoin(ward, ward.code == ward_code)
    )


def _codes_array(values) -> object:
    return cast(list(values), ARRAY(String(60)))


UNMET_TERM_COLUMNS = ("category_codes", "audience_codes", "capability_codes")


def unmet_conditions(p) -> list:
    """A 'nothing suitable' signal counts for what it was about: for each list with a choice, one of its
    terms was searched for. With no choice at all it counts if it was about any term: a free-text-only
    search whose words matched no term counts for none."""
    chosen = [
        (getattr(UnmetNeed, col), values)
        for col, values in zip(UNMET_TERM_COLUMNS, (p.category, p.audience, p.capability))
        if values
    ]
    if chosen:
        return [col.op("&&")(_codes_array(values)) for col, values in chosen]
    return [~no_terms()]


def no_terms():
    return and_(*(func.cardinality(getattr(UnmetNeed, col)) == 0 for col in UNMET_TERM_COLUMNS))


def connection_conditions(p) -> list:
    """A connection counts for its asset's categories and audiences and the capability it was made for."""
    conds = [ConnectionLog.logged_on > p.period_start, ConnectionLog.logged_on <= p.today]
    if p.category or p.audience:
        conds.append(ConnectionLog.service_id.in_(matching_ids(p.with_(capability=()), live=False, verified=False)))
    if p.capability:
        conds.append(ConnectionLog.capability_code.in_(list(p.capability)))
    return conds


def demand_counts(p) -> dict[str, tuple[int, int]]:
    """area code -> (connections logged, 'nothing suitable' signals) within the period."""
    out: dict[str, list[int]] = {}
    q = _signals_by_area(ConnectionLog, p, func.count()).where(*connection_conditions(p)).group_by("area")
    for area, n in session.execute(q):
        out.setdefault(area, [0, 0])[0] = n
    q = (
        _signals_by_area(UnmetNeed, p, func.count())
        .where(UnmetNeed.recorded_on > p.period_start, UnmetNeed.recorded_on <= p.today, *unmet_conditions(p))
        .group_by("area")
    )
    for area, n in session.execute(q):
        out.setdefault(area, [0, 0])[1] = n
    return {k: (v[0], v[1]) for k, v in out.items() if k is not None}


def uncounted_signals(p) -> dict[str, int]:
    """area code -> 'nothing suitable' signals in the period that named no term (free text that matched none)."""
    q = (
        _signals_by_area(UnmetNeed, p, func.count())
        .where(UnmetNeed.recorded_on > p.period_start, UnmetNeed.recorded_on <= p.today, no_terms())
        .group_by("area")
    )
    return {area: n for area, n in session.execute(q) if area is not None}


# --------------------------------------------------------------------------- areas


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    lad_code: str | None
    imd_decile: int | None


def areas_in_scope(geography: str, la: str | None, area_set=None) -> list[AreaRow]:
    """Every area of the geography in the local authority (or everywhere, or in the custom set), by name."""
    if geography == "custom":
        q = select(CustomArea.code, CustomArea.name, CustomArea.lad_code, CustomArea.imd_decile).where(
            CustomArea.set_id == area_set
        )
    elif geography == "ward":
        q = select(Ward.code, Ward.name, Ward.lad_code, Ward.imd_decile)
        q = q.where(Ward.lad_code == la) if la else q
    elif geography == "lsoa":
        q = select(Lsoa.code, Lsoa.name, Lsoa.lad_code, Lsoa.imd_decile)
        q = q.where(Lsoa.lad_code == la) if la else q
    elif geography == "la":
        q = select(LocalAuthority.code, LocalAuthority.name, LocalAuthority.code, LocalAuthority.imd_decile)
        q = q.where(LocalAuthority.code == la) if la else q
    else:
        main_la = (
            select(Ward.lad_code)
            .where(Ward.constituency_code == Constituency.code)
            .group_by(Ward.lad_code)
            .order_by(func.count().desc(), Ward.lad_code)
            .limit(1)
            .scalar_subquery()
        )
        q = select(Constituency.code, Constituency.name, main_la, Constituency.imd_decile)
        if la:
            q = q.where(
                or_(
                    Constituency.code.in_(select(Ward.constituency_code).where(Ward.lad_code == la)),
                    Constituency.code.in_(select(Lsoa.constituency_code).where(Lsoa.lad_code == la)),
                )
            )
    return sorted((AreaRow(*r) for r in session.execute(q)), key=lambda a: (a.name, a.code))


def area_shapes(geography: str, codes: list[str], area_set=None) -> dict[str, object]:
    """area code -> full-resolution boundary (shapely) for display or printing."""
    from geoalchemy2.shape import to_shape

    if geography == "custom":
        q = select(CustomArea.code, CustomArea.geom).where(CustomArea.set_id == area_set, CustomArea.code.in_(codes))
    else:
        table = AREA_TABLES[geography]
        q = select(table.code, table.geom).where(table.code.in_(codes))
    return {code: to_shape(geom) for code, geom in session.execute(q)}


def asset_points(p, limit: int) -> list[tuple[float, float, str]] | None:
    """(lat, lon, name) of matching assets' places in scope, by name, never a confidential one's; None when
    there are more than ``limit`` (the map then shows none).

    Whether there are more is asked first, with no order, so it stops at the ``limit + 1``-th place found
    (at 1,000,000 assets, sorting every place by name to keep the first 3,001 took 1.1-1.2 s)."""
    q = (
        select(lat(Location.geom), lon(Location.geom), Service.name)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(*service_conditions(p), Service.visibility != "confidential", Location.geom.is_not(None))
    )
    if p.geography == "custom":
        q = q.where(
            select(CustomArea.code)
            .where(CustomArea.set_id == p.area_set, covers(CustomArea.geom, Location.geom))
            .exists()
        )
    elif p.la:
        q = q.where(Location.lad_code == p.la)
    some = q.with_only_columns(literal(1)).limit(limit + 1).subquery()
    if session.execute(select(func.count()).select_from(some)).scalar_one() > limit:
        return None
    return [(float(a), float(b), n) for a, b, n in session.execute(q.order_by(Service.name))]


# --------------------------------------------------------------------------- one area


@dataclass(frozen=True)
class AreaRecord:
    kind: str
    code: str
    name: str
    lad_code: str | None
    la_name: str | None
    population_total: int
    population_65plus: int
    imd_decile: int | None
    imd_score: float | None
    constituency: tuple[str, str] | None  #: for a ward or LSOA: (code, name)
    ward: tuple[str, str] | None  #: for an LSOA: (code, name)
    wards: list[tuple[str, str]]  #: for a constituency or local authority: its wards


def area_record(kind: str, code) -> AreaRecord | None:
    if kind == "custom":
        return _custom_record(*code)
    table = AREA_TABLES[kind]
    row = session.get(table, code)
    if row is None:
        return None
    lad = getattr(row, "lad_code", None) or (code if kind == "la" else None)
    cons = ward = None
    wards: list[tuple[str, str]] = []
    if kind in ("ward", "lsoa") and row.constituency_code:
        c = session.get(Constituency, row.constituency_code)
        cons = (c.code, c.name) if c else None
    if kind == "lsoa" and row.ward_code:
        w = session.get(Ward, row.ward_code)
        ward = (w.code, w.name) if w else None
    if kind in ("constituency", "la"):
        col = Ward.constituency_code if kind == "constituency" else Ward.lad_code
        wards = [
            (c, n) for c, n in session.execute(select(Ward.code, Ward.name).where(col == code).order_by(Ward.name))
        ]
        if kind == "constituency":
            lads = session.execute(
                select(Ward.lad_code, func.count())
                .where(col == code)
                .group_by(Ward.lad_code)
                .order_by(func.count().desc())
            ).first()
            lad = lads[0] if lads else None
    la = session.get(LocalAuthority, lad) if lad else None
    return AreaRecord(
        kind,
        code,
        row.name,
        lad,
        la.name if la else None,
        row.population_total or 0,
        row.population_65plus or 0,
        row.imd_decile,
        row.imd_score,
        cons,
        ward,
        wards,
    )


def _custom_record(set_id, code: str) -> AreaRecord | None:
    row = session.get(CustomArea, (set_id, code))
    if row is None:
        return None
    la = session.get(LocalAuthority, row.lad_code) if row.lad_code else None
    wards = [
        (c, n)
        for c, n in session.execute(
            select(Ward.code, Ward.name).where(Ward.code.in_(_wards_of("custom", (set_id, code)))).order_by(Ward.name)
        )
    ]
    return AreaRecord(
        "custom",
        code,
        row.name,
        row.lad_code,
        la.name if la else None,
        round(row.population_total or 0),
        round(row.population_65plus or 0),
        row.imd_decile,
        None,
        None,
        None,
        wards,
    )


def _wards_of(kind: str, code):
    if kind == "custom":
        set_id, area = code
        return (
            select(Lsoa.ward_code)
            .join(CustomAreaLsoa, CustomAreaLsoa.lsoa_code == Lsoa.code)
            .where(CustomAreaLsoa.set_id == set_id, CustomAreaLsoa.area_code == area)
        )
    if kind == "ward":
        return select(literal(code))
    if kind == "lsoa":
        return select(Lsoa.ward_code).where(Lsoa.code == code)
    col = Ward.constituency_code if kind == "constituency" else Ward.lad_code
    return select(Ward.code).where(col == code)


def _open_places_in(kind: str, code, *cols):
    """(service id, *cols) of the places in the area, found by their point (never a confidential one)."""
    q = (
        select(ServiceAtLocation.service_id, *cols)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(~CONFIDENTIAL)
    )
    if kind == "custom":
        return q.join(
            CustomArea,
            and_(CustomArea.set_id == code[0], CustomArea.code == code[1], covers(CustomArea.geom, Location.geom)),
        )
    return q.where(located_key(kind) == code)


def _hidden_places_in(kind: str, code):
    """Service ids of the confidential places in the area, found by their ward alone."""
    return (
        select(ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(CONFIDENTIAL, Location.ward_code.in_(_wards_of(kind, code)))
    )


def area_service_ids(kind: str, code):
    """Live assets with a place in the area (a confidential one by its ward), or serving one of its wards."""
    served = select(ServiceArea.service_id).where(ServiceArea.ward_code.in_(_wards_of(kind, code)))
    return select(Service.id).where(
        Service.archived_at.is_(None),
        Service.status != "defunct",
        or_(
            Service.id.in_(_open_places_in(kind, code)),
            Service.id.in_(_hidden_places_in(kind, code)),
            Service.id.in_(served),
        ),
    )


@dataclass(frozen=True)
class AreaAsset:
    id: object
    name: str
    visibility: str
    last_verified_on: dt.date | None
    modes: list[str]
    categories: list[str]
    lat: float | None  #: never a confidential place's
    lon: float | None
    here: bool = False  #: has a place in the area (a confidential one by its ward), not just serving it


def area_assets(kind: str, code) -> list[AreaAsset]:
    """The area's live assets with their categories and, where in the area, their place (never a confidential
    one's)."""
    ids = area_service_ids(kind, code)
    cats = dict(
        session.execute(
            select(Attribute.service_id, func.array_agg(TaxonomyTerm.code))
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
            .where(Attribute.service_id.in_(ids), Taxonomy.code == "category")
            .group_by(Attribute.service_id)
        ).all()
    )
    places = {}
    for sid, la_, lo_ in session.execute(
        _open_places_in(kind, code, lat(Location.geom), lon(Location.geom)).where(
            ServiceAtLocation.service_id.in_(ids), Location.geom.is_not(None)
        )
    ):
        places.setdefault(sid, (float(la_), float(lo_)))
    here = set(places) | set(
        session.execute(_hidden_places_in(kind, code).where(ServiceAtLocation.service_id.in_(ids))).scalars()
    )
    rows = session.execute(
        select(Service.id, Service.name, Service.visibility, Service.last_verified_on, Service.modes)
        .where(Service.id.in_(ids))
        .order_by(Service.name, Service.id)
    )
    return [
        AreaAsset(
            sid,
            name,
            vis,
            verified,
            list(modes or []),
            sorted(cats.get(sid, [])),
            *(places.get(sid) or (None, None)),
            sid in here,
        )
        for sid, name, vis, verified, modes in rows
    ]


def area_people(kind: str, code) -> tuple[list[tuple[str, str]], list[tuple[str, str, int]]]:
    """Coordinators assigned to the area (by ward or constituency) and stewards of its assets."""
    wards = _wards_of(kind, code)
    cons = select(Ward.constituency_code).where(Ward.code.in_(wards))
    coordinators = session.execute(
        select(User.name, User.email)
        .where(
            User.active.is_(True),
            User.role == "coordinator",
            User.id.in_(
                select(UserArea.user_id).where(
                    or_(
                        and_(UserArea.area_type == "ward", UserArea.area_code.in_(wards)),
                        and_(UserArea.area_type == "constituency", UserArea.area_code.in_(cons)),
                    )
                )
            ),
        )
        .order_by(User.name, User.email)
    ).all()
    stewards = session.execute(
        select(User.name, User.email, func.count(Service.id))
        .join(Service, Service.steward_id == User.id)
        .where(Service.id.in_(area_service_ids(kind, code)))
        .group_by(User.id, User.name, User.email)
        .order_by(func.count(Service.id).desc(), User.name)
    ).all()
    return [(n or e, e) for n, e in coordinators], [(n or e, e, c) for n, e, c in stewards]


# --------------------------------------------------------------------------- custom area sets


@dataclass(frozen=True)
class AreaSetRow:
    id: object
    name: str
    areas: int
    created_at: dt.datetime


def area_sets() -> list[AreaSetRow]:
    """Every uploaded area set, by name."""
    n = select(func.count()).where(CustomArea.set_id == AreaSet.id).scalar_subquery()
    return [
        AreaSetRow(*r)
        for r in session.execute(select(AreaSet.id, AreaSet.name, n, AreaSet.created_at).order_by(AreaSet.name))
    ]


def area_set(raw) -> AreaSetRow | None:
    """The set with this id (a string from a URL is checked first), or None."""
    import uuid

    try:
        set_id = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
    except ValueError:
        return None
    return next((s for s in area_sets() if s.id == set_id), None)


def area_set_named(name: str) -> AreaSetRow | None:
    return next((s for s in area_sets() if s.name.casefold() == name.casefold()), None)


def add_area_set(set_id, name: str, areas: list[tuple[str, str, str]], user_id) -> None:
    """Store a set of (code, name, hex WKB) areas and apportion LSOA residents to them (flushes only)."""
    session.add(AreaSet(id=set_id, name=name, created_by_id=user_id))
    session.flush()
    for code, area_name, wkb in areas:
        session.add(
            CustomArea(
                set_id=set_id,
                code=code,
                name=area_name,
                geom=multipolygon_from_wkb(wkb),
            )
        )
    session.flush()
    session.execute(APPORTION_LSOAS_SQL, {"set_id": set_id, "min_area_share": MIN_AREA_SHARE})
    session.execute(CUSTOM_AREA_FIGURES_SQL, {"set_id": set_id, "per_decile": LSOAS_PER_DECILE})
    session.flush()


LSOAS_PER_DECILE = 3284.4
#: each custom area's residents, deprivation (population-weighted mean rank) and main authority, from its pieces
CUSTOM_AREA_FIGURES_SQL = text(
    """
    UPDATE custom_area a SET population_total = s.pop, population_65plus = s.pop65, imd_rank = s.rank,
           imd_decile = CASE WHEN s.rank IS NULL THEN NULL ELSE LEAST(10, GREATEST(1, ceil(s.rank / :per_decile)))
                        END, lad_code = s.lad
    FROM (SELECT c.area_code,
                 sum(c.share * coalesce(l.population_total, 0)) AS pop,
                 sum(c.share * coalesce(l.population_65plus, 0)) AS pop65,
                 sum(c.share * l.population_total * l.imd_rank) FILTER (WHERE l.imd_rank IS NOT NULL)
                   / NULLIF(sum(c.share * l.population_total) FILTER (WHERE l.imd_rank IS NOT NULL), 0) AS rank,
                 (array_agg(l.lad_code ORDER BY c.share * coalesce(l.population_total, 0) DESC, l.code))[1] AS lad
          FROM custom_area_lsoa c JOIN lsoa l ON l.code = c.lsoa_code
          WHERE c.set_id = :set_id GROUP BY c.area_code) s
    WHERE a.set_id = :set_id AND a.code = s.area_code
    """
)


def delete_area_set(set_id) -> bool:
    """Remove a set, its areas and their snapshots (flushes only); False if there was no such set."""
    found = session.get(AreaSet, set_id)
    if found is None:
        return False
    session.execute(delete(CoverageSnapshot).where(CoverageSnapshot.set_key == str(set_id)))
    session.delete(found)
    session.flush()
    return True


def apportioned(set_id) -> list[tuple[str, str, float]]:
    """(area code, LSOA code, share) of one set, for tests and the README's check."""
    return [
        (area, lsoa, share)
        for area, lsoa, share in session.execute(
            select(CustomAreaLsoa.area_code, CustomAreaLsoa.lsoa_code, CustomAreaLsoa.share)
            .where(CustomAreaLsoa.set_id == set_id)
            .order_by(CustomAreaLsoa.area_code, CustomAreaLsoa.lsoa_code)
        )
    ]


# --------------------------------------------------------------------------- impact (connections and follow-ups)


@dataclass(frozen=True)
class Outcome:
    key: object
    label: str
    connections: int
    followed_up: int  #: answers recorded for 'did they go?' and 'did it help?'
    attended: int  #: of those, 'yes, they went'
    helped: int  #: of those, 'yes, it helped'


IMPACT_GROUPS = ("area", "category", "listing", "month")


def connection_outcomes(
    p, group: str, area_codes: list[str] | None = None, since: dt.date | None = None
) -> list[Outcome]:
    """Connections matching ``p`` recorded in the areas given (by the geography's rule for signals),
    grouped by area, asset category, listing or month, with the follow-up answers they got.

    From ``since`` (default: the start of ``p``'s period) to ``p.today``."""
    conds = connection_conditions(p)
    if since is not None:
        conds[0] = ConnectionLog.logged_on > since
    base = (
        _signals_by_area(
            ConnectionLog,
            p,
            ConnectionLog.id.label("cid"),
            ConnectionLog.service_id.label("sid"),
            ConnectionLog.logged_on.label("on"),
            ConnectionLog.followup_on.label("answered"),
            ConnectionLog.followup_attended.label("went"),
            ConnectionLog.followup_helped.label("helped"),
        )
        .where(*conds)
        .subquery()
    )
    figures = (
        func.count(distinct(base.c.cid)),
        func.count(distinct(base.c.cid)).filter(base.c.answered.is_not(None)),
        func.count(distinct(base.c.cid)).filter(base.c.went == "yes"),
        func.count(distinct(base.c.cid)).filter(base.c.helped == "yes"),
    )
    where = [base.c.area.in_(area_codes)] if area_codes is not None else [base.c.area.is_not(None)]
    if group == "area":
        q = select(base.c.area, base.c.area, *figures).where(*where).group_by(base.c.area)
    elif group == "month":
        month = func.date_trunc("month", base.c.on).cast(String)
        q = select(month, month, *figures).where(*where).group_by(month).order_by(month)
    elif group == "listing":
        q = (
            select(base.c.sid, Service.name, *figures)
            .join(Service, Service.id == base.c.sid)
            .where(*where)
            .group_by(base.c.sid, Service.name)
        )
    else:
        q = (
            select(TaxonomyTerm.code, TaxonomyTerm.name, *figures)
            .join(Attribute, Attribute.service_id == base.c.sid)
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .join(Taxonomy, and_(Taxonomy.id == TaxonomyTerm.taxonomy_id, Taxonomy.code == "category"))
            .where(*where)
            .group_by(TaxonomyTerm.code, TaxonomyTerm.name, TaxonomyTerm.term_order)
            .order_by(TaxonomyTerm.term_order)
        )
    return [Outcome(*r) for r in session.execute(q)]


# --------------------------------------------------------------------------- monthly snapshots


def save_snapshot(rows: list[dict]) -> int:
    """Insert or replace snapshot rows (month, geography, set_key, area_code, view, la_code, figures)."""
    if not rows:
        return 0
    stmt = pg_insert(CoverageSnapshot)
    stmt = stmt.on_conflict_do_update(
        index_elements=["month", "geography", "set_key", "area_code", "view"],
        set_={"la_code": stmt.excluded.la_code, "figures": stmt.excluded.figures, "taken_at": func.now()},
    )
    for i in range(0, len(rows), 2000):
        session.execute(stmt, rows[i : i + 2000])
    return len(rows)


def snapshot_series(
    geography: str, set_key: str, view: str, codes: list[str] | None = None, since: dt.date | None = None
) -> list[tuple[str, dt.date, dict]]:
    """(area code, month, figures) kept for these areas and this view, oldest month first."""
    q = (
        select(CoverageSnapshot.area_code, CoverageSnapshot.month, CoverageSnapshot.figures)
        .where(
            CoverageSnapshot.geography == geography, CoverageSnapshot.set_key == set_key, CoverageSnapshot.view == view
        )
        .order_by(CoverageSnapshot.month, CoverageSnapshot.area_code)
    )
    if codes is not None:
        q = q.where(CoverageSnapshot.area_code.in_(codes))
    if since is not None:
        q = q.where(CoverageSnapshot.month >= since)
    return [tuple(r) for r in session.execute(q)]


def has_snapshot(month: dt.date) -> bool:
    return (
        session.execute(select(CoverageSnapshot.month).where(CoverageSnapshot.month == month).limit(1)).first()
        is not None
    )


def snapshot_months() -> list[dt.date]:
    return list(session.execute(select(distinct(CoverageSnapshot.month)).order_by(CoverageSnapshot.month)).scalars())
