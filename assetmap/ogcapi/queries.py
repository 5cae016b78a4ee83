"""Data access for the OGC API: plain rows, never ORM objects, filtered, counted and paged in PostGIS.

Assets start from ``directory.access.readable_filter(None)`` (the ORUK API's filter: public and live), so nothing
practitioners-only, confidential or archived can be read here. Geometry leaves the database as GeoJSON
text (``ST_AsGeoJSON``), so no geometry is decoded in Python.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, func, select, true

from ..db import session
from ..directory.access import readable_filter
from ..geo import as_geojson, extent_bounds, intersects_box
from ..models import (
    Attribute,
    ConnectionLog,
    Constituency,
    CostOption,
    LocalAuthority,
    Location,
    Lsoa,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
    UnmetNeed,
    Ward,
)
from ..schedules.rows import session_of

Box = tuple[float, float, float, float]


@dataclass
class Rows:
    """One page of rows and how many match in all."""

    rows: list[dict]
    matched: int


def _page(stmt: Select, box_filter, limit: int, offset: int) -> Rows:
    if box_filter is not None:
        stmt = stmt.where(box_filter)
    matched = session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = [dict(r._mapping) for r in session.execute(stmt.limit(limit).offset(offset))]
    return Rows(rows, matched)


# --------------------------------------------------------------------------- assets


def _place():
    """Each asset's place (the first, when an imported service has several), as a lateral subquery."""
    return (
        select(
            Location.geom,
            Location.address_1,
            Location.address_2,
            Location.city,
            Location.postcode,
            Location.ward_code,
            Location.constituency_code,
            Location.lad_code,
        )
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == Service.id)
        .order_by(Location.geom.is_(None), ServiceAtLocation.id)
        .limit(1)
        .lateral("place")
    )


def _assets(extra=()) -> tuple[Select, object]:
    place = _place()
    stmt = (
        select(
            Service.id,
            Service.name,
            Service.description,
            Service.url,
            Service.email,
            Service.modes,
            Service.illustrative,
            Service.last_verified_on,
            Service.updated_at,
            Organisation.name.label("organisation"),
            as_geojson(place.c.geom).label("geometry"),
            place.c.address_1,
            place.c.address_2,
            place.c.city,
            place.c.postcode,
            place.c.ward_code,
            Ward.name.label("ward"),
            place.c.constituency_code,
            Constituency.name.label("constituency"),
            place.c.lad_code,
            LocalAuthority.name.label("local_authority"),
        )
        .select_from(Service)
        .outerjoin(place, true())
        .outerjoin(Organisation, Organisation.id == Service.organisation_id)
        .outerjoin(Ward, Ward.code == place.c.ward_code)
        .outerjoin(Constituency, Constituency.code == place.c.constituency_code)
        .outerjoin(LocalAuthority, LocalAuthority.code == place.c.lad_code)
        .where(readable_filter(None), *extra)
        .order_by(Service.name, Service.id)
    )
    return stmt, place


def asset_rows(limit: int, offset: int, box: Box | None = None) -> Rows:
    """A page of public assets, by name; with a box, only those whose place is inside it."""
    stmt, place = _assets()
    found = _page(stmt, intersects_box(place.c.geom, box) if box else None, limit, offset)
    _attach_details(found.rows)
    return found


def asset_row(asset_id: uuid.UUID) -> dict | None:
    stmt, _ = _assets([Service.id == asset_id])
    rows = [dict(r._mapping) for r in session.execute(stmt)]
    _attach_details(rows)
    return rows[0] if rows else None


def _attach_details(rows: list[dict]) -> None:
    """Terms, weekly sessions, cost, phone and service-area wards for a page of assets, a query each."""
    ids = [r["id"] for r in rows]
    if not ids:
        return
    terms: dict = defaultdict(lambda: defaultdict(list))
    for sid, tax, code, name in session.execute(
        select(Attribute.service_id, Taxonomy.code, TaxonomyTerm.code, TaxonomyTerm.name)
        .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
        .join(Taxonomy, Taxonomy.id == TaxonomyTerm.taxonomy_id)
        .where(Attribute.service_id.in_(ids))
        .order_by(TaxonomyTerm.term_order, TaxonomyTerm.code)
    ):
        terms[sid][tax].append((code, name))
    sessions: dict = defaultdict(list)
    for row in session.execute(
        select(Schedule).where(Schedule.service_id.in_(ids)).order_by(Schedule.byday_order, Schedule.opens_at)
    ).scalars():
        sessions[row.service_id].append(session_of(row))
    costs = {
        sid: (amount, text)
        for sid, amount, text in session.execute(
            select(CostOption.service_id, CostOption.amount, CostOption.amount_description)
            .where(CostOption.service_id.in_(ids))
            .order_by(CostOption.service_id, CostOption.id.desc())
        )
    }
    phones = dict(
        session.execute(
            select(Phone.service_id, Phone.number)
            .where(Phone.service_id.in_(ids))
            .order_by(Phone.service_id, Phone.id.desc())
        ).all()
    )
    areas: dict = defaultdict(list)
    for sid, code in session.execute(
        select(ServiceArea.service_id, ServiceArea.ward_code)
        .where(ServiceArea.service_id.in_(ids), ServiceArea.ward_code.is_not(None))
        .order_by(ServiceArea.ward_code)
    ):
        areas[sid].append(code)
    for r in rows:
        r.update(
            terms=terms[r["id"]],
            sessions=sessions[r["id"]],
            cost=costs.get(r["id"]),
            phone=phones.get(r["id"]),
            service_area_wards=areas[r["id"]],
        )


def assets_extent() -> list[float] | None:
    place = _place()
    row = session.execute(
        select(*extent_bounds(place.c.geom)).select_from(Service).join(place, true()).where(readable_filter(None))
    ).one()
    return _bounds(row)


# --------------------------------------------------------------------------- areas

AREAS = {"ward": Ward, "constituency": Constituency, "lsoa": Lsoa}


def _area_columns(model) -> list:
    cols = [model.code, model.name, as_geojson(model.geom).label("geometry")]
    if model is not Constituency:
        cols += [model.lad_code, LocalAuthority.name.label("local_authority")]
    if model is Ward:
        cols.append(model.constituency_code)
    if model is Lsoa:
        cols += [model.ward_code, model.constituency_code]
    return cols


def _areas(geography: str, extra=()) -> Select:
    model = AREAS[geography]
    stmt = select(*_area_columns(model)).where(*extra).order_by(model.code)
    if model is not Constituency:
        stmt = stmt.outerjoin(LocalAuthority, LocalAuthority.code == model.lad_code)
    return stmt


def area_rows(geography: str, limit: int, offset: int, box: Box | None = None) -> Rows:
    """A page of areas, by code; with a box, only those that intersect it."""
    model = AREAS[geography]
    return _page(_areas(geography), intersects_box(model.geom, box) if box else None, limit, offset)


def area_row(geography: str, code: str) -> dict | None:
    found = session.execute(_areas(geography, [AREAS[geography].code == code])).first()
    return dict(found._mapping) if found else None


def area_extent(geography: str) -> list[float] | None:
    return _bounds(session.execute(select(*extent_bounds(AREAS[geography].geom))).one())


def measures_fingerprint() -> tuple:
    """Changes whenever the inputs of the coverage measures change: assets (every write stamps
    ``updated_at``), areas, connections and "nothing suitable" signals."""
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in (Ward, Lsoa, ConnectionLog, UnmetNeed)]
    return tuple(session.execute(select(func.count(Service.id), func.max(Service.updated_at), *counts)).one())


def _bounds(row) -> list[float] | None:
    return None if row[0] is None else [round(float(v), 6) for v in row]


def geometry(text: str | None) -> dict | None:
    return json.loads(text) if text else None
