"""Data access for the open data API: only public, live assets, filtered and paged in the database.

Every query starts from ``access.readable_filter(None)`` - what an anonymous visitor may read -
so nothing practitioners-only, confidential or archived can leave through this API.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Select, and_, any_, exists, false, func, literal, or_, select, true
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.sql.elements import ColumnElement

from ..db import session
from ..directory.access import readable_filter
from ..geo import distance_m, point, within_m
from ..models import (
    Attribute,
    Location,
    OpenDataTotal,
    Organisation,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)
from .oruk import Catalogue, TaxonomyView, TermView


@dataclass
class Near:
    lon: float
    lat: float
    metres: float | None = None


@dataclass
class ServiceFilter:
    """The ORUK query parameters for services and service_at_locations; they combine with AND."""

    search: str | None = None
    taxonomy_term_id: uuid.UUID | None = None
    taxonomy_id: uuid.UUID | None = None
    organization_id: uuid.UUID | None = None
    modified_after: dt.datetime | None = None
    near: Near | None = None


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int


def public() -> ColumnElement:
    """Services an anonymous visitor may read: public and not archived."""
    return readable_filter(None)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_condition(text: str) -> ColumnElement:
    """Full text (stemmed, on name and description) or a plain substring of the name."""
    query = func.websearch_to_tsquery("english", text)
    return or_(Service.search_tsv.op("@@")(query), Service.name.ilike(_like(text), escape="\\"))


def term_condition(term_id: uuid.UUID, cat: Catalogue) -> ColumnElement:
    found = cat.by_term.get(term_id)
    if found is not None and not found[0].stored:  # a delivery mode, kept on the service itself
        return literal(found[1].code) == any_(Service.modes)
    return exists().where(Attribute.service_id == Service.id, Attribute.taxonomy_term_id == term_id)


def taxonomy_condition(taxonomy_id: uuid.UUID, cat: Catalogue) -> ColumnElement:
    tax = cat.taxonomy(taxonomy_id)
    if tax is None:
        return false()
    if not tax.stored:
        return true()  # every service has at least one delivery mode
    return exists().where(
        Attribute.service_id == Service.id,
        Attribute.taxonomy_term_id == TaxonomyTerm.id,
        TaxonomyTerm.taxonomy_id == taxonomy_id,
    )


def service_conditions(f: ServiceFilter, cat: Catalogue) -> list[ColumnElement]:
    conds = [public()]
    if f.search:
        conds.append(search_condition(f.search))
    if f.taxonomy_term_id:
        conds.append(term_condition(f.taxonomy_term_id, cat))
    if f.taxonomy_id:
        conds.append(taxonomy_condition(f.taxonomy_id, cat))
    if f.organization_id:
        conds.append(Service.organisation_id == f.organization_id)
    if f.modified_after:
        conds.append(Service.updated_at >= f.modified_after)
    return conds


def service_options(full: bool):
    """Eager loading so a page of services costs a fixed number of queries."""
    opts = [joinedload(Service.organisation)]
    if full:
        opts += [
            selectinload(Service.attributes),
            selectinload(Service.schedules),
            selectinload(Service.cost_options),
            selectinload(Service.contacts),
            selectinload(Service.phones),
            # the ward polygon copied into each service area is not published: do not fetch it
            selectinload(Service.service_areas).load_only(
                ServiceArea.id, ServiceArea.service_id, ServiceArea.ward_code, ServiceArea.name, ServiceArea.description
            ),
            selectinload(Service.locations).joinedload(ServiceAtLocation.location).selectinload(Location.accessibility),
        ]
    return opts


def paginate(stmt: Select, page: int, per_page: int) -> Page:
    """A page of ``stmt``'s rows (organisations: a few thousand at most) and their total."""
    total = count(stmt)
    items = session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).unique().scalars().all()
    return Page(list(items), total, page, per_page)


def page_ids(stmt: Select, page: int, per_page: int) -> list[uuid.UUID]:
    """The ids on one page of ``stmt`` (a SELECT of ids in the list's order)."""
    return list(session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).scalars())


def count(stmt: Select) -> int:
    """How many rows ``stmt`` returns (a filtered list's total: exact, from the filters' indexes)."""
    return session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def kept_total(kind: str) -> int:
    """An unfiltered list's total (``services`` or ``service_at_locations``), kept by triggers (migration 0016)."""
    return session.execute(select(OpenDataTotal.n).where(OpenDataTotal.kind == kind)).scalar_one()


def services_by_id(ids: list[uuid.UUID], full: bool) -> list[Service]:
    """The services with these ids, in the order given, loaded for the API.

    Still public: each statement reads its own snapshot, so one unpublished or deleted since its id was
    read is left out of the page rather than shown."""
    found = session.execute(
        select(Service).where(Service.id.in_(ids), public()).options(*service_options(full))
    ).unique()
    by_id = {s.id: s for s in found.scalars()}
    return [by_id[i] for i in ids if i in by_id]


def service_ids(f: ServiceFilter, cat: Catalogue) -> Select:
    """The ids of the services matching ``f``, in the list's order (by name, or nearest first)."""
    stmt = select(Service.id).where(*service_conditions(f, cat))
    if f.near is None:
        return stmt.order_by(Service.name, Service.id)
    origin = point(f.near.lon, f.near.lat)
    nearest = (
        select(func.min(distance_m(Location.geom, origin)))
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == Service.id)
        .scalar_subquery()
    )
    placed = [
        ServiceAtLocation.service_id == Service.id,
        ServiceAtLocation.location_id == Location.id,
        Location.geom.is_not(None),
    ]
    if f.near.metres is not None:
        placed.append(within_m(Location.geom, origin, f.near.metres))
    return stmt.where(exists().where(*placed)).order_by(nearest, Service.id)


def list_services(f: ServiceFilter, cat: Catalogue, page: int, per_page: int, full: bool = False) -> Page:
    """A page of services and the list's total.

    The page's ids come first, read in the API's order from ``service_public_name_idx`` (an index-only scan,
    so a deep page walks index entries, not rows), then those rows are loaded. An unfiltered list's total
    is kept by triggers; a filtered one is counted."""
    stmt = service_ids(f, cat)
    ids = page_ids(stmt, page, per_page)
    total = kept_total("services") if f == ServiceFilter() else count(stmt)
    return Page(services_by_id(ids, full), total, page, per_page)


def get_service(service_id: uuid.UUID) -> Service | None:
    return (
        session.execute(select(Service).where(Service.id == service_id, public()).options(*service_options(full=True)))
        .unique()
        .scalar_one_or_none()
    )


def merged_into(service_id: uuid.UUID) -> uuid.UUID | None:
    """The public listing a listing was merged into (its id's address leads there), or None."""
    survivor = select(Service.merged_into_id).where(Service.id == service_id).scalar_subquery()
    return session.execute(select(Service.id).where(Service.id == survivor, public())).scalar_one_or_none()


def list_service_at_locations(f: ServiceFilter, cat: Catalogue, page: int, per_page: int, full: bool = False) -> Page:
    """A page of services at locations and the list's total, read like ``list_services``: the page's ids
    from narrow rows first (sorting the joined services' and places' every column to skip a deep page's
    rows ran past the statement timeout at 1,000,000), then those rows."""
    stmt = (
        select(ServiceAtLocation.id)
        .join(ServiceAtLocation.service)
        .join(ServiceAtLocation.location)
        .where(*service_conditions(f, cat))
    )
    if f.near is not None:
        origin = point(f.near.lon, f.near.lat)
        stmt = stmt.where(Location.geom.is_not(None))
        if f.near.metres is not None:
            stmt = stmt.where(within_m(Location.geom, origin, f.near.metres))
        stmt = stmt.order_by(distance_m(Location.geom, origin), ServiceAtLocation.id)
    else:
        stmt = stmt.order_by(Service.name, ServiceAtLocation.id)
    ids = page_ids(stmt, page, per_page)
    total = kept_total("service_at_locations") if f == ServiceFilter() else count(stmt)
    return Page(links_by_id(ids, full), total, page, per_page)


def links_by_id(ids: list[uuid.UUID], full: bool) -> list[ServiceAtLocation]:
    """The services at locations with these ids, in the order given, loaded for the API (still public, as
    ``services_by_id``)."""
    found = session.execute(
        select(ServiceAtLocation)
        .join(ServiceAtLocation.service)
        .where(ServiceAtLocation.id.in_(ids), public())
        .options(
            joinedload(ServiceAtLocation.location).selectinload(Location.accessibility),
            joinedload(ServiceAtLocation.service).options(*service_options(full)),
        )
    ).unique()
    by_id = {sal.id: sal for sal in found.scalars()}
    return [by_id[i] for i in ids if i in by_id]


def get_service_at_location(sal_id: uuid.UUID) -> ServiceAtLocation | None:
    return (
        session.execute(
            select(ServiceAtLocation)
            .join(ServiceAtLocation.service)
            .where(ServiceAtLocation.id == sal_id, public())
            .options(
                joinedload(ServiceAtLocation.location).selectinload(Location.accessibility),
                joinedload(ServiceAtLocation.service).options(*service_options(full=True)),
            )
        )
        .unique()
        .scalar_one_or_none()
    )


def _runs_public_service() -> ColumnElement:
    # an organisation is published only through a public service: one whose services are all
    # confidential or practitioners-only (a refuge, say) stays unlisted
    return exists().where(Service.organisation_id == Organisation.id, public())


def list_organizations(search: str | None, page: int, per_page: int) -> Page:
    conds = [_runs_public_service()]
    if search:
        conds.append(Organisation.name.ilike(_like(search), escape="\\"))
    stmt = select(Organisation).where(and_(*conds)).order_by(Organisation.name, Organisation.id)
    return paginate(stmt, page, per_page)


def get_organization(org_id: uuid.UUID) -> Organisation | None:
    return session.execute(
        select(Organisation).where(Organisation.id == org_id, _runs_public_service())
    ).scalar_one_or_none()


def services_of(org_ids: list[uuid.UUID], full: bool) -> dict[uuid.UUID, list[Service]]:
    """The public services of each organisation, in one query."""
    out: dict[uuid.UUID, list[Service]] = {org_id: [] for org_id in org_ids}
    rows = (
        session.execute(
            select(Service)
            .where(Service.organisation_id.in_(org_ids), public())
            .options(*service_options(full))
            .order_by(Service.name, Service.id)
        )
        .unique()
        .scalars()
    )
    for service in rows:
        out[service.organisation_id].append(service)
    return out


# --------------------------------------------------------------------------- taxonomies (a few dozen rows, held in memory)


def _matches(search: str | None, *texts: str) -> bool:
    return not search or any(search.lower() in (t or "").lower() for t in texts)


def find_taxonomies(cat: Catalogue, search: str | None) -> list[TaxonomyView]:
    return [t for t in cat.taxonomies if _matches(search, t.name, t.description, t.code)]


def find_terms(
    cat: Catalogue,
    search: str | None,
    taxonomy_id: uuid.UUID | None = None,
    parent_id: uuid.UUID | None = None,
    top_only: bool = False,
) -> list[tuple[TaxonomyView, TermView]]:
    return [
        (tax, term)
        for tax in cat.taxonomies
        for term in tax.terms
        if (taxonomy_id is None or tax.id == taxonomy_id)
        and (parent_id is None or term.parent_id == parent_id)
        and (not top_only or term.parent_id is None)
        and _matches(search, term.name, term.description, term.code)
    ]
