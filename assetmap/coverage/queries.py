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
    and_,
    any_,
    cast,
    distinct,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from .. import taxonomy
from ..db import session
from ..geo import METRES_PER_MILE, box_near_m, lat, lon, sphere_distance_m
from ..models import (
    Attribute,
    ConnectionLog,
    Constituency,
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
        conds.append(_tagged("category", [p.category]))
    if p.audience:
        conds.append(_tagged("audience", sorted({p.audience, ALL_ADULTS})))
    if p.capability:
        conds.append(_tagged("capability", [p.capability]))
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


def _by_ward(q, ward_code, geography: str):
    """``q`` with an ``area`` column for rows known only by a ward (a service area, a confidential
    place): the ward, its constituency or authority, or every LSOA whose representative point is in it."""
    q = q.join(Ward, Ward.code == ward_code)
    if geography == "lsoa":
        return q.add_columns(Lsoa.code.label("area")).join(Lsoa, Lsoa.ward_code == Ward.code)
    key = {"ward": Ward.code, "constituency": Ward.constituency_code, "la": Ward.lad_code}[geography]
    return q.add_columns(key.label("area"))


def _served_rows(geography: str, service_ids):
    """(service_id, area) for every ward an online/phone service serves, mapped to the geography."""
    return _by_ward(select(ServiceArea.service_id.label("sid")), ServiceArea.ward_code, geography).where(
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
    located = _places(ids.where(~CONFIDENTIAL)).add_columns(
        located_key(p.geography).label("area"), true().label("here")
    )
    hidden = _by_ward(_places(ids.where(CONFIDENTIAL)), Location.ward_code, p.geography).add_columns(
        true().label("here")
    )
    served = _served_rows(p.geography, ids).add_columns(literal(False).label("here"))
    u = union_all(located, hidden, served).subquery()
    rows = session.execute(
        select(u.c.area, func.count(distinct(u.c.sid)), func.count(distinct(u.c.sid)).filter(u.c.here))
        .where(u.c.area.is_not(None))
        .group_by(u.c.area)
    )
    return {area: (total, total - here) for area, total, here in rows}


# --------------------------------------------------------------------------- walking access and 2SFCA


@dataclass(frozen=True)
class LsoaAccess:
    code: str
    ward_code: str | None
    constituency_code: str | None
    lad_code: str | None
    imd_decile: int | None
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
            func.coalesce(Lsoa.population_total, 0),
            func.coalesce(Lsoa.population_65plus, 0),
            func.coalesce(acc.c.w800, False),
            acc.c.code.is_not(None),
            func.coalesce(acc.c.a, 0.0),
        )
        .outerjoin(acc, acc.c.code == Lsoa.code)
        .order_by(Lsoa.code)
    )
    if p.la:
        q = q.where(Lsoa.lad_code == p.la)
    return [LsoaAccess(*row) for row in session.execute(q)]


# --------------------------------------------------------------------------- demand


def _signal_area(table, geography: str):
    """Area expression and joins for rows recorded by ward and/or LSOA (connections, unmet need)."""
    lsoa = aliased(Lsoa)
    ward = aliased(Ward)
    ward_code = func.coalesce(table.ward_code, lsoa.ward_code)
    key = {
        "ward": ward_code,
        "constituency": func.coalesce(lsoa.constituency_code, ward.constituency_code),
        "lsoa": table.lsoa_code,
        "la": func.coalesce(ward.lad_code, lsoa.lad_code),
    }[geography]
    return key, lsoa, ward, ward_code


def demand_counts(p) -> dict[str, tuple[int, int]]:
    """area code -> (connections logged, 'nothing suitable' signals) within the period."""
    out: dict[str, list[int]] = {}
    key, lsoa, ward, ward_code = _signal_area(ConnectionLog, p.geography)
    conds = [ConnectionLog.logged_on > p.period_start, ConnectionLog.logged_on <= p.today]
    if p.category or p.audience:
        conds.append(ConnectionLog.service_id.in_(matching_ids(p.with_(capability=None), live=False, verified=False)))
    if p.capability:
        conds.append(ConnectionLog.capability_code == p.capability)
    q = (
        select(key, func.count())
        .select_from(ConnectionLog)
        .outerjoin(lsoa, lsoa.code == ConnectionLog.lsoa_code)
        .outerjoin(ward, ward.code == ward_code)
        .where(*conds)
        .group_by(key)
    )
    for area, n in session.execute(q):
        out.setdefault(area, [0, 0])[0] = n

    key, lsoa, ward, ward_code = _signal_area(UnmetNeed, p.geography)
    conds = [UnmetNeed.recorded_on > p.period_start, UnmetNeed.recorded_on <= p.today]
    for col, value in (
        (UnmetNeed.category_codes, p.category),
        (UnmetNeed.audience_codes, p.audience),
        (UnmetNeed.capability_codes, p.capability),
    ):
        if value:
            conds.append(any_(col) == value)  # a search for several terms counts for each of them
    q = (
        select(key, func.count())
        .select_from(UnmetNeed)
        .outerjoin(lsoa, lsoa.code == UnmetNeed.lsoa_code)
        .outerjoin(ward, ward.code == ward_code)
        .where(*conds)
        .group_by(key)
    )
    for area, n in session.execute(q):
        out.setdefault(area, [0, 0])[1] = n
    return {k: (v[0], v[1]) for k, v in out.items() if k is not None}


# --------------------------------------------------------------------------- areas


@dataclass(frozen=True)
class AreaRow:
    code: str
    name: str
    lad_code: str | None
    imd_decile: int | None


def areas_in_scope(geography: str, la: str | None) -> list[AreaRow]:
    """Every area of the geography in the local authority (or everywhere), by name."""
    if geography == "ward":
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


def area_shapes(geography: str, codes: list[str]) -> dict[str, object]:
    """area code -> full-resolution boundary (shapely) for display or printing."""
    from geoalchemy2.shape import to_shape

    table = AREA_TABLES[geography]
    rows = session.execute(select(table.code, table.geom).where(table.code.in_(codes)))
    return {code: to_shape(geom) for code, geom in rows}


def asset_points(p, limit: int) -> list[tuple[float, float, str]]:
    """(lat, lon, name) of matching assets' places in scope, never a confidential one's."""
    q = (
        select(lat(Location.geom), lon(Location.geom), Service.name)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(*service_conditions(p), Service.visibility != "confidential", Location.geom.is_not(None))
        .order_by(Service.name)
        .limit(limit)
    )
    if p.la:
        q = q.where(Location.lad_code == p.la)
    return [(float(a), float(b), n) for a, b, n in session.execute(q)]


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


def area_record(kind: str, code: str) -> AreaRecord | None:
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


def _wards_of(kind: str, code: str):
    if kind == "ward":
        return select(literal(code))
    if kind == "lsoa":
        return select(Lsoa.ward_code).where(Lsoa.code == code)
    col = Ward.constituency_code if kind == "constituency" else Ward.lad_code
    return select(Ward.code).where(col == code)


def _open_places_in(kind: str, code: str, *cols):
    """(service id, *cols) of the places in the area, found by their point (never a confidential one)."""
    return (
        select(ServiceAtLocation.service_id, *cols)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(located_key(kind) == code, ~CONFIDENTIAL)
    )


def _hidden_places_in(kind: str, code: str):
    """Service ids of the confidential places in the area, found by their ward alone."""
    return (
        select(ServiceAtLocation.service_id)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(CONFIDENTIAL, Location.ward_code.in_(_wards_of(kind, code)))
    )


def area_service_ids(kind: str, code: str):
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


def area_assets(kind: str, code: str) -> list[AreaAsset]:
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


def area_people(kind: str, code: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, int]]]:
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
