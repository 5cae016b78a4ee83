"""The one place that writes assets: create, update (with optimistic concurrency) and history.

Every change writes an ``AssetChange`` row with the fields that changed (old and new values)
and a full snapshot, so history can show a diff and restore any version. Callers own the
transaction: these functions flush but never commit.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload

from ..db import session
from ..errors import Conflict, NotFound
from ..geo import lat as geo_lat
from ..geo import lon as geo_lon
from ..geo import point
from ..models import (
    Accessibility,
    AssetChange,
    Attribute,
    ConnectionLog,
    Contact,
    CostOption,
    Location,
    Organisation,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Suggestion,
    Taxonomy,
    TaxonomyTerm,
    Ward,
)
from ..schedules.rows import closure_of, row_values, schedule_texts, session_of
from .records import TEMPLATE_FIELDS, AssetRecord, parse_record

SNAPSHOT_FIELDS = [f for f in TEMPLATE_FIELDS if f != "source_id"]


def vocabulary() -> dict[str, set[str]]:
    """Allowed taxonomy codes by taxonomy: {"category": {...}, ...}."""
    rows = session.execute(select(Taxonomy.code, TaxonomyTerm.code).join(TaxonomyTerm.taxonomy)).all()
    out: dict[str, set[str]] = {}
    for tax, term in rows:
        out.setdefault(tax, set()).add(term)
    return out


def known_wards() -> set[str]:
    return set(session.execute(select(Ward.code)).scalars())


def ward_names() -> dict[str, str]:
    """Ward code -> name, for every ward held."""
    return dict(session.execute(select(Ward.code, Ward.name)).all())


def _term_map() -> dict[tuple[str, str], uuid.UUID]:
    """(taxonomy code, term code) -> term id; the terms stay loaded in the session, so reading
    ``attribute.taxonomy_term.taxonomy`` for a snapshot needs no further queries."""
    terms = session.info.get("assetmap_terms")
    if terms is None or any(t not in session for t in terms[:1]):
        terms = list(session.execute(select(TaxonomyTerm).options(joinedload(TaxonomyTerm.taxonomy))).scalars())
        session.info["assetmap_terms"] = terms  # a strong reference, so the identity map keeps them
    return {(t.taxonomy.code, t.code): t.id for t in terms}


def _fmt_amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != value.to_integral() else str(int(value))


def record_snapshot(rec: AssetRecord) -> dict:
    """The canonical comparable form of a record (same shape as ``service_snapshot``)."""
    return {
        "name": rec.name,
        "organisation": rec.organisation or "",
        "description": rec.description or "",
        "categories": sorted(rec.categories),
        "audiences": sorted(rec.audiences),
        "capabilities": sorted(rec.capabilities),
        "asset_type": rec.asset_type or "",
        "modes": sorted(rec.modes),
        "address": rec.address or "",
        "postcode": rec.postcode or "",
        "lat": round(rec.lat, 6) if rec.lat is not None else None,
        "lon": round(rec.lon, 6) if rec.lon is not None else None,
        "service_area_wards": sorted(rec.service_area_wards),
        "schedule": schedule_texts(rec.schedule, rec.closure),
        "cost_amount": _fmt_amount(rec.cost_amount),
        "cost_description": rec.cost_description or "",
        # accessibility describes a place (ORUK keeps it on the location): without one it is not stored
        "accessibility": sorted(rec.accessibility) if rec.has_place else [],
        "how_to_get_there": (rec.how_to_get_there or "") if rec.has_place else "",
        "contact_name": rec.contact_name or "",
        "email": rec.email or "",
        "phone": rec.phone or "",
        "url": rec.url or "",
        "charity_number": rec.charity_number or "",
        "visibility": rec.visibility,
        "last_verified": rec.last_verified.isoformat() if rec.last_verified else "",
        "verification_method": rec.verification_method or "",
        "illustrative": "yes" if rec.illustrative else "no",
    }


def primary_location(service: Service) -> Location | None:
    return service.locations[0].location if service.locations else None


def service_snapshot(service: Service, coords: dict | None = None) -> dict:
    """The asset as a flat dict in template field names (history, export, comparisons).

    ``coords`` ({location id: (lon, lat)}) saves a query per asset when snapshotting many.
    """
    terms: dict[str, list[str]] = {"category": [], "audience": [], "capability": [], "asset_type": []}
    for attr in service.attributes:
        terms.setdefault(attr.taxonomy_term.taxonomy.code, []).append(attr.taxonomy_term.code)
    loc = primary_location(service)
    lon_lat = None
    if loc is not None and coords is not None:
        lon_lat = coords.get(loc.id)
    elif loc is not None:
        lon_lat = session.execute(
            select(geo_lon(Location.geom), geo_lat(Location.geom)).where(Location.id == loc.id)
        ).one()
        lon_lat = lon_lat if lon_lat[0] is not None else None
    cost = service.cost_options[0] if service.cost_options else None
    contact = service.contacts[0] if service.contacts else None
    phone = service.phones[0] if service.phones else None
    return {
        "name": service.name,
        "organisation": service.organisation.name if service.organisation else "",
        "description": service.description or "",
        "categories": sorted(terms["category"]),
        "audiences": sorted(terms["audience"]),
        "capabilities": sorted(terms["capability"]),
        "asset_type": (terms["asset_type"] or [""])[0],
        "modes": sorted(service.modes or []),
        "address": (loc.address_1 or "") if loc else "",
        "postcode": (loc.postcode or "") if loc else "",
        "lat": round(lon_lat[1], 6) if lon_lat else None,
        "lon": round(lon_lat[0], 6) if lon_lat else None,
        "service_area_wards": sorted(a.ward_code for a in service.service_areas if a.ward_code),
        "schedule": schedule_texts([session_of(s) for s in service.schedules], closure_of(service)),
        "cost_amount": _fmt_amount(cost.amount) if cost else "",
        "cost_description": (cost.amount_description or "") if cost else "",
        "accessibility": sorted(a.kind for a in loc.accessibility) if loc else [],
        "how_to_get_there": (loc.transportation or "") if loc else "",
        "contact_name": (contact.name or "") if contact else "",
        "email": service.email or "",
        "phone": phone.number if phone else "",
        "url": service.url or "",
        "charity_number": service.charity_number or "",
        "visibility": service.visibility,
        "last_verified": service.last_verified_on.isoformat() if service.last_verified_on else "",
        "verification_method": service.verification_method or "",
        "illustrative": "yes" if service.illustrative else "no",
    }


def as_input(snapshot: dict) -> dict:
    """A snapshot as ``parse_record`` input (snapshots are already in the template's terms: sessions in the
    text form, which also reads the two-letter days of snapshots written before migration 0011)."""
    return dict(snapshot)


def snapshot_options() -> list:
    """Loader options that fetch everything ``service_snapshot`` reads in a handful of queries."""
    return [
        joinedload(Service.organisation),
        selectinload(Service.attributes).joinedload(Attribute.taxonomy_term).joinedload(TaxonomyTerm.taxonomy),
        selectinload(Service.locations).joinedload(ServiceAtLocation.location).selectinload(Location.accessibility),
        selectinload(Service.schedules),
        selectinload(Service.cost_options),
        selectinload(Service.contacts),
        selectinload(Service.phones),
        selectinload(Service.service_areas),
    ]


def snapshots(services: list[Service]) -> dict:
    """{service id: snapshot} for many assets (load them with ``snapshot_options()``)."""
    loc_ids = [sal.location_id for s in services for sal in s.locations]
    coords = {}
    for i in range(0, len(loc_ids), 5000):
        coords.update(
            {
                lid: (x, y)
                for lid, x, y in session.execute(
                    select(Location.id, geo_lon(Location.geom), geo_lat(Location.geom)).where(
                        Location.id.in_(loc_ids[i : i + 5000]), Location.geom.is_not(None)
                    )
                ).all()
            }
        )
    return {s.id: service_snapshot(s, coords) for s in services}


def diff(old: dict, new: dict) -> dict:
    return {k: [old.get(k), new.get(k)] for k in SNAPSHOT_FIELDS if old.get(k) != new.get(k)}


def _organisation(name: str | None, illustrative: bool) -> Organisation | None:
    if not name:
        return None
    org = session.execute(
        select(Organisation).where(func.lower(Organisation.name) == name.lower()).limit(1)
    ).scalar_one_or_none()
    if org is None:
        org = Organisation(id=uuid.uuid4(), name=name, illustrative=illustrative)
        session.add(org)
    return org


def _apply(service: Service, rec: AssetRecord) -> None:
    """Make ``service`` (and its children) say what ``rec`` says."""
    # no flushes half-way (the organisation and ward look-ups would otherwise write a half-made asset)
    with session.no_autoflush:
        _apply_fields(service, rec)


def _apply_fields(service: Service, rec: AssetRecord) -> None:
    terms = _term_map()
    service.name = rec.name
    service.description = rec.description
    service.organisation = _organisation(rec.organisation, rec.illustrative)
    service.modes = sorted(rec.modes)
    service.visibility = rec.visibility
    service.illustrative = rec.illustrative
    service.url = rec.url
    service.email = rec.email
    service.charity_number = rec.charity_number
    if service.last_verified_on != rec.last_verified:
        service.unconfirmed_since = None  # a new check lifts "not confirmed for over a year"
    service.last_verified_on = rec.last_verified
    service.verification_method = rec.verification_method if rec.last_verified else None

    wanted = (
        [("category", c) for c in rec.categories]
        + [("audience", c) for c in rec.audiences]
        + [("capability", c) for c in rec.capabilities]
        + ([("asset_type", rec.asset_type)] if rec.asset_type else [])
    )
    wanted_ids = {terms[k] for k in wanted}
    service.attributes = [a for a in service.attributes if a.taxonomy_term_id in wanted_ids]
    have = {a.taxonomy_term_id for a in service.attributes}
    for term_id in wanted_ids - have:
        service.attributes.append(Attribute(id=uuid.uuid4(), taxonomy_term_id=term_id))

    service.schedules = [Schedule(id=uuid.uuid4(), **row_values(s)) for s in rec.schedule]
    service.closed_from = rec.closure.starts if rec.closure else None
    service.closed_to = rec.closure.ends if rec.closure else None
    service.cost_options = (
        []
        if rec.cost_amount is None and not rec.cost_description
        else [
            CostOption(
                id=uuid.uuid4(),
                amount=rec.cost_amount,
                amount_description=rec.cost_description,
                option="Free" if rec.cost_amount == 0 else "Per session",
            )
        ]
    )
    service.contacts = (
        [Contact(id=uuid.uuid4(), name=rec.contact_name, email=rec.email)] if rec.contact_name or rec.email else []
    )
    service.phones = [Phone(id=uuid.uuid4(), number=rec.phone, type="voice")] if rec.phone else []

    loc = primary_location(service)
    if rec.has_place:
        if loc is None:
            loc = Location(id=uuid.uuid4(), location_type="physical")
            service.locations.append(ServiceAtLocation(id=uuid.uuid4(), location=loc))
        loc.name = rec.name
        loc.address_1 = rec.address
        loc.postcode = rec.postcode
        loc.transportation = rec.how_to_get_there
        loc.geom = point(rec.lon, rec.lat)
        # keep rows for features that stay (the unit of work inserts before it deletes, and
        # (location_id, kind) is unique), add the new ones
        kept = [a for a in loc.accessibility if a.kind in rec.accessibility]
        loc.accessibility = kept + [
            Accessibility(id=uuid.uuid4(), kind=k) for k in rec.accessibility if k not in {a.kind for a in kept}
        ]
    else:
        service.locations = []

    wards = (
        {w.code: w for w in session.execute(select(Ward).where(Ward.code.in_(rec.service_area_wards))).scalars()}
        if rec.service_area_wards
        else {}
    )
    service.service_areas = [
        ServiceArea(id=uuid.uuid4(), ward_code=code, name=wards[code].name, extent=wards[code].geom)
        for code in sorted(rec.service_area_wards)
        if code in wards
    ]
    service.updated_at = dt.datetime.now(dt.UTC)


def record_change(
    service: Service, action: str, changes: dict, actor_id=None, note: str | None = None, snapshot: dict | None = None
) -> None:
    """Write one history row (``snapshot`` if the caller already has it, to save re-reading the asset)."""
    session.add(
        AssetChange(
            id=uuid.uuid4(),
            service_id=service.id,
            version=service.version,
            action=action,
            changed_by_id=actor_id,
            changes=changes,
            snapshot=snapshot if snapshot is not None else service_snapshot(service),
            note=note,
        )
    )


def create_asset(
    rec: AssetRecord,
    actor_id=None,
    source: str | None = None,
    steward_id=None,
    action: str = "create",
    note: str | None = None,
) -> Service:
    """Insert a new asset from a validated record and record version 1 in its history."""
    service = Service(
        id=uuid.uuid4(), name=rec.name, version=1, source=source, source_id=rec.source_id, steward_id=steward_id
    )
    session.add(service)
    _apply(service, rec)
    session.flush()
    snapshot = service_snapshot(service)
    record_change(service, action, diff({}, snapshot), actor_id, note, snapshot)
    session.flush()
    return service


def check_version(service: Service, expected_version: int | None) -> None:
    """Raise Conflict (carrying the current snapshot) when the editor read an older version."""
    if expected_version is not None and expected_version != service.version:
        raise Conflict(
            f"This asset was changed by someone else since you opened it (you had version "
            f"{expected_version}, it is now version {service.version}).",
            field="version",
            extra={
                "current_version": service.version,
                "your_version": expected_version,
                "current": service_snapshot(service),
            },
        )


def update_asset(
    service: Service,
    rec: AssetRecord,
    actor_id=None,
    expected_version: int | None = None,
    action: str = "update",
    note: str | None = None,
) -> dict:
    """Apply ``rec`` to ``service``; returns the changed fields (empty when nothing changed).

    ``expected_version`` is the version the editor read: a newer stored version raises Conflict.
    """
    check_version(service, expected_version)
    before = service_snapshot(service)
    if before == record_snapshot(rec):
        return {}
    _apply(service, rec)
    session.flush()
    session.expire(service)
    after = service_snapshot(service)
    changes = diff(before, after)
    if not changes:
        return {}
    service.version += 1
    session.flush()
    record_change(service, action, changes, actor_id, note, after)
    session.flush()
    return changes


def find_by_source(source: str, source_id: str) -> Service | None:
    return session.execute(
        select(Service).where(Service.source == source, Service.source_id == source_id)
    ).scalar_one_or_none()


# --------------------------------------------------------------------------- lifecycle and verification


def _bump(service: Service, action: str, changes: dict, actor_id, note: str | None = None) -> None:
    service.version += 1
    service.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    record_change(service, action, changes, actor_id, note)
    session.flush()


def archive_asset(service: Service, actor_id=None, note: str | None = None) -> bool:
    """Archive instead of delete: hidden from every listing, kept with its history. False if already."""
    if service.archived_at is not None:
        return False
    service.archived_at = dt.datetime.now(dt.UTC)
    _bump(service, "archive", {"archived": ["no", "yes"]}, actor_id, note)
    return True


def restore_asset(service: Service, actor_id=None) -> bool:
    """Bring an archived asset back. False if it was not archived."""
    if service.archived_at is None:
        return False
    service.archived_at = None
    _bump(service, "unarchive", {"archived": ["yes", "no"]}, actor_id)
    return True


def verify_asset(
    service: Service, method: str, actor_id=None, on: dt.date | None = None, note: str | None = None
) -> dict:
    """'Still accurate': record today's check and how it was done (and lift "not confirmed")."""
    on = on or dt.date.today()
    before = {
        "last_verified": service.last_verified_on.isoformat() if service.last_verified_on else "",
        "verification_method": service.verification_method or "",
    }
    service.last_verified_on = on
    service.verification_method = method
    service.unconfirmed_since = None
    after = {"last_verified": on.isoformat(), "verification_method": method}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    # a re-check on the same day by the same method is still recorded: the check itself is the news
    _bump(service, "verify", changes, actor_id, note)
    return changes


def set_steward(service: Service, steward, actor_id=None) -> bool:
    """Name the coordinator who keeps this asset true (None: nobody)."""
    new_id = steward.id if steward is not None else None
    if service.steward_id == new_id:
        return False
    old = service.steward.email if service.steward is not None else ""
    service.steward_id = new_id
    session.flush()
    session.expire(service, ["steward"])
    _bump(service, "steward", {"steward": [old, steward.email if steward is not None else ""]}, actor_id)
    return True


def merge_assets(survivor: Service, other: Service, rec: AssetRecord, actor_id=None) -> dict:
    """Make ``survivor`` say what ``rec`` says (the fields chosen from both) and fold ``other`` into it.

    Both keep their history: the survivor gets a "merge" line naming the other, the other a "merged" line
    naming the survivor; the other is archived and points at the survivor (its address redirects, and the
    source id it was imported under stays with it, so a re-import is recognised). Its connections and
    suggestions move to the survivor, and listings merged into it before now lead to the survivor directly.
    """
    before = service_snapshot(survivor)
    if before != record_snapshot(rec):
        _apply(survivor, rec)
        session.flush()
        session.expire(survivor)
    after = service_snapshot(survivor)
    changes = diff(before, after)
    changes["merged_with"] = ["", f"{other.name} ({other.id})"]
    note = f"Merged with “{other.name}”, whose history is kept under its own address"
    survivor.version += 1
    survivor.updated_at = dt.datetime.now(dt.UTC)
    session.flush()
    record_change(survivor, "merge", changes, actor_id, note, after)

    for table in (ConnectionLog, Suggestion):
        session.execute(update(table).where(table.service_id == other.id).values(service_id=survivor.id))
    session.execute(update(Service).where(Service.merged_into_id == other.id).values(merged_into_id=survivor.id))
    other.archived_at = other.archived_at or dt.datetime.now(dt.UTC)
    other.merged_into_id = survivor.id
    _bump(
        other,
        "merged",
        {"merged_into": ["", f"{survivor.name} ({survivor.id})"]},
        actor_id,
        f"Merged into “{survivor.name}”",
    )
    return changes


def history(service_id) -> list[AssetChange]:
    """Every recorded change to an asset, newest first."""
    return list(
        session.execute(
            select(AssetChange).where(AssetChange.service_id == service_id).order_by(AssetChange.version.desc())
        ).scalars()
    )


def change_at(service_id, version: int) -> AssetChange:
    row = session.execute(
        select(AssetChange).where(AssetChange.service_id == service_id, AssetChange.version == version)
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"This asset has no version {version}.")
    return row


#: restoring brings back what the asset said, not when it was last checked
KEPT_ON_RESTORE = ("last_verified", "verification_method")


def record_for_version(service: Service, version: int, vocab=None, wards=None) -> AssetRecord:
    """The asset as it was at ``version``, validated again (keeping today's verification)."""
    old = change_at(service.id, version).snapshot
    current = service_snapshot(service)
    raw = {**as_input(old), **{k: current[k] for k in KEPT_ON_RESTORE}, "source_id": service.source_id}
    return parse_record(
        raw,
        vocab if vocab is not None else vocabulary(),
        wards if wards is not None else known_wards(),
        resolve_postcode=False,
    )
