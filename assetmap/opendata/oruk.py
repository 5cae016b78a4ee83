"""The Open Referral UK 3.0 view of our model: plain dicts shaped like the ORUK schemas.

Our tables are already ORUK-aligned, so this is mostly renaming. Three things are derived:

* delivery modes (in person, online, phone) are published as a fourth-plus-one taxonomy,
  ``mode``, whose ids are computed the same way as the seeded taxonomies' (UUIDv5 of a stable
  URI), so they are stable across installations without being stored;
* an address's id is derived from its location's id (we keep the address on the location);
* illustrative (invented) listings carry an ``alert`` saying so, and so does a temporary closure (in the
  words ``schedules.oruk`` reads back on import);
* schedules are ``schedules.oruk``'s: the ORUK recurrence fields as held, term time and bank holidays in
  ``notes``.

Optional values that are missing are left out rather than sent as null: the ORUK schemas type
them as strings or numbers, and null would not validate.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select

from ..db import session
from ..directory.access import shows_point
from ..directory.records import ILLUSTRATIVE_ALERT
from ..geo import lat as lat_of
from ..geo import lon as lon_of
from ..models import (
    Accessibility,
    Attribute,
    Contact,
    CostOption,
    LocalAuthority,
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
)
from ..schedules.oruk import closure_alert, to_oruk
from ..schedules.rows import closure_of, session_of
from ..taxonomy import Catalogue, TaxonomyView, TermView, catalogue, mode_taxonomy
from ..vocabulary import ACCESSIBILITY

VERSION = "HSDS-UK-3.0"
PROFILE = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
ONS_AREA_URI = "http://statistics.data.gov.uk/id/statistical-geography/"


def iso_datetime(value: dt.datetime) -> str:
    """UTC with millisecond accuracy, as ORUK asks for last_modified."""
    return value.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _compact(d: dict) -> dict:
    return {k: v for k, v in d.items() if v is not None and v != ""}


# --------------------------------------------------------------------------- taxonomies


def taxonomy_term(tax: TaxonomyView, term: TermView) -> dict:
    return _compact(
        {
            "id": str(term.id),
            "name": term.name,
            "description": term.description,
            "parent_id": str(term.parent_id) if term.parent_id else None,
            "taxonomy": tax.uri,
            "taxonomy_id": str(tax.id),
            "term_uri": f"{tax.uri}/{term.code}",
            "term": term.name,
            "code": term.code,
        }
    ) | {"description": term.description}


def taxonomy(tax: TaxonomyView, with_terms: bool = False) -> dict:
    out = _compact({"id": str(tax.id), "name": tax.name, "uri": tax.uri, "version": tax.version})
    out["description"] = tax.description
    if with_terms:
        out["taxonomy_terms"] = [taxonomy_term(tax, t) for t in tax.terms]
    return out


# --------------------------------------------------------------------------- organisations


def organization(org: Organisation) -> dict:
    return _compact({"id": str(org.id), "name": org.name, "email": org.email, "website": org.url}) | {
        "description": org.description or ""
    }


# --------------------------------------------------------------------------- services


@dataclass
class Context:
    """What serialising a batch needs, fetched once: the taxonomy catalogue, local-authority names and
    the coordinates of the batch's locations."""

    catalogue: Catalogue
    authority_names: dict[str, str]
    points: dict[uuid.UUID, tuple[float, float]] = field(default_factory=dict)


def context(services=(), sals=()) -> Context:
    """The context for serialising these services and service_at_locations (already loaded)."""
    names = dict(session.execute(select(LocalAuthority.code, LocalAuthority.name)).all())
    ids = {sal.location_id for sal in sals} | {sal.location_id for s in services for sal in s.locations}
    return Context(catalogue(), names, points(ids))


def points(location_ids) -> dict[uuid.UUID, tuple[float, float]]:
    """{location id: (lat, lon)}, read by PostGIS.

    Not shapely's ``to_shape``: decoding many points per request with it (shapely 2.2 / GEOS 3.14 here)
    crashed the worker process with a segmentation fault after a few hundred requests.
    """
    if not location_ids:
        return {}
    rows = session.execute(
        select(Location.id, lat_of(Location.geom), lon_of(Location.geom)).where(
            Location.id.in_(list(location_ids)), Location.geom.is_not(None)
        )
    ).all()
    return {row[0]: (row[1], row[2]) for row in rows}


def _attribute(service: Service, attr: Attribute, ctx: Context) -> dict | None:
    found = ctx.catalogue.by_term.get(attr.taxonomy_term_id)
    if found is None:
        return None
    tax, term = found
    return {
        "id": str(attr.id),
        "link_id": str(service.id),
        "link_type": tax.code,
        "link_entity": "service",
        "taxonomy_term_id": str(term.id),
        "taxonomy_term": taxonomy_term(tax, term),
    }


def _attributes(service: Service, ctx: Context) -> list[dict]:
    order = {term.id: i for i, term in enumerate(t for tax in ctx.catalogue.taxonomies for t in tax.terms)}
    out = [
        a
        for a in (
            _attribute(service, attr, ctx)
            for attr in sorted(service.attributes, key=lambda a: order.get(a.taxonomy_term_id, 0))
        )
        if a
    ]
    modes = mode_taxonomy()
    for term in modes.terms:
        if term.code in (service.modes or []):
            out.append(
                {
                    "id": str(uuid.uuid5(service.id, f"mode/{term.code}")),
                    "link_id": str(service.id),
                    "link_type": modes.code,
                    "link_entity": "service",
                    "taxonomy_term_id": str(term.id),
                    "taxonomy_term": taxonomy_term(modes, term),
                }
            )
    return out


def _schedule(s: Schedule) -> dict:
    return {"id": str(s.id), "service_id": str(s.service_id), **to_oruk(session_of(s))}


def _service_area(a: ServiceArea) -> dict:
    return _compact(
        {
            "id": str(a.id),
            "service_id": str(a.service_id),
            "name": a.name,
            "service_area": a.name,
            "description": a.description,
            "uri": ONS_AREA_URI + a.ward_code if a.ward_code else None,
        }
    )


def _cost(c: CostOption) -> dict:
    return _compact(
        {
            "id": str(c.id),
            "service_id": str(c.service_id),
            "option": c.option,
            "amount": float(c.amount) if c.amount is not None else None,
            "currency": c.currency,
            "amount_description": c.amount_description,
        }
    )


def _contact(c: Contact) -> dict:
    return _compact(
        {"id": str(c.id), "service_id": str(c.service_id), "name": c.name, "title": c.title, "email": c.email}
    )


def _phone(p: Phone) -> dict:
    return _compact(
        {
            "id": str(p.id),
            "service_id": str(p.service_id),
            "number": p.number,
            "type": p.type,
            "description": p.description,
        }
    )


def _accessibility(a: Accessibility) -> dict:
    return _compact(
        {
            "id": str(a.id),
            "location_id": str(a.location_id),
            "description": ACCESSIBILITY.label(a.kind),
            "accessibility": a.kind,
            "details": a.details,
            "url": a.url,
        }
    )


def _address(loc: Location, ctx: Context) -> dict:
    area = ctx.authority_names.get(loc.lad_code or "", "")
    address_1 = ", ".join(x for x in (loc.address_1, loc.address_2) if x)
    return {
        "id": str(uuid.uuid5(loc.id, "address")),
        "location_id": str(loc.id),
        "address_1": address_1,
        "city": loc.city or area,
        "state_province": area,
        "postal_code": loc.postcode or "",
        "country": "GB",
        "address_type": "physical",
    }


def location(loc: Location, service: Service, ctx: Context, full: bool = True) -> dict:
    """A location; a confidential one never carries its point or address."""
    out = _compact(
        {"id": str(loc.id), "location_type": loc.location_type, "name": loc.name, "description": loc.description}
    )
    if not shows_point(None, service):
        return out
    if loc.id in ctx.points:
        lat, lon = ctx.points[loc.id]
        out["latitude"], out["longitude"] = round(lat, 6), round(lon, 6)
    if full:
        out["addresses"] = [_address(loc, ctx)] if (loc.address_1 or loc.postcode) else []
        out["accessibility"] = [
            _accessibility(a) for a in sorted(loc.accessibility, key=lambda a: ACCESSIBILITY.position(a.kind))
        ]
        if loc.transportation:
            out["transportation"] = loc.transportation
    return out


def _alert(service: Service) -> str | None:
    closure = closure_of(service)
    said = [ILLUSTRATIVE_ALERT if service.illustrative else None, closure_alert(closure) if closure else None]
    return " ".join(a for a in said if a) or None


def service_brief(service: Service) -> dict:
    """The one-to-one fields of a service, with its organisation (what list endpoints return)."""
    out = _compact(
        {
            "id": str(service.id),
            "organization_id": str(service.organisation_id) if service.organisation_id else None,
            "name": service.name,
            "description": service.description or None,
            "url": service.url,
            "email": service.email,
            "status": service.status,
            "assured_date": service.last_verified_on.isoformat() if service.last_verified_on else None,
            "alert": _alert(service),
            "last_modified": iso_datetime(service.updated_at) if service.updated_at else None,
        }
    )
    out.setdefault("description", "")
    if service.organisation is not None:
        out["organization"] = organization(service.organisation)
    return out


def service_at_location_of(sal: ServiceAtLocation, ctx: Context, full: bool = True) -> dict:
    """A service_at_location inside its service (no service nested again)."""
    return {
        "id": str(sal.id),
        "service_id": str(sal.service_id),
        "location_id": str(sal.location_id),
        "location": location(sal.location, sal.service, ctx, full),
    }


def service_full(service: Service, ctx: Context) -> dict:
    """A fully nested service: schedules, areas, locations, costs, contacts, phones, taxonomy attributes."""
    out = service_brief(service)
    out.update(
        {
            "schedules": [_schedule(s) for s in service.schedules],
            "service_areas": [_service_area(a) for a in sorted(service.service_areas, key=lambda a: a.ward_code or "")],
            "service_at_locations": [service_at_location_of(sal, ctx) for sal in service.locations],
            "cost_options": [_cost(c) for c in service.cost_options],
            "contacts": [_contact(c) for c in service.contacts],
            "phones": [_phone(p) for p in service.phones],
            "attributes": _attributes(service, ctx),
        }
    )
    return out


def service_at_location(sal: ServiceAtLocation, ctx: Context, full: bool = True) -> dict:
    """A service_at_location with its location and its service (brief, or fully nested when ``full``)."""
    out = service_at_location_of(sal, ctx, full)
    out["service"] = service_full(sal.service, ctx) if full else service_brief(sal.service)
    return out


def api_details(openapi_url: str) -> dict:
    return {"version": VERSION, "profile": PROFILE, "openapi_url": openapi_url}


def page(items: list[dict], total: int, page_number: int, per_page: int) -> dict:
    """An ORUK paginated list."""
    total_pages = -(-total // per_page) if total else 0
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page_number,
        "size": len(items),
        "first_page": page_number == 1,
        "last_page": page_number >= total_pages,
        "empty": not items,
        "contents": items,
    }
