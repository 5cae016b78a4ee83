"""Asset upkeep use cases: create, edit, archive, restore, verify, restore a version, set the steward.

Each function is one transaction (commit, or roll back and re-raise) and checks the caller's
rights in the data layer (``directory.access``) before and after the change: a coordinator can
only touch assets in their wards and can only place assets there. Forms and the JSON API both
call these, so they share validation and scope rules.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from ...db import session, transaction
from ...directory import access, organisers, store
from ...directory.records import parse_record
from ...errors import ValidationError
from ...models import Service, User
from ...vocabulary import STAFF_VERIFICATION_METHODS
from ..fields import merge
from . import duplicates, suggestions

UNSET = object()


def _parse(raw: dict):
    return parse_record(raw, store.vocabulary(), store.known_wards())


def _steward_for(user, steward_id, wards: set[str]):
    """Check a chosen steward: a coordinator whose areas include one of the asset's wards."""
    if steward_id in (None, ""):
        return None
    try:
        steward = session.get(User, uuid.UUID(str(steward_id)))
    except ValueError:
        steward = None
    if steward is None or steward.role != "coordinator" or not steward.active:
        raise ValidationError("Choose a coordinator as the steward", field="steward_id")
    if not access.assigned_wards(steward.id) & wards:
        raise ValidationError(
            f"{steward.name or steward.email} does not look after this asset's ward", field="steward_id"
        )
    return steward


def create_asset(
    user,
    fields: dict,
    steward_id=UNSET,
    suggestion_id=None,
    source: str | None = None,
    checked: list | None = None,
    organiser=None,
) -> Service:
    """Add an asset; a coordinator becomes its steward unless another is chosen.

    ``checked``: the form asks first when the listing looks like one already held (``PossibleDuplicates``),
    and passes the listings the coordinator was shown and said it is not; those pairs are then recorded as
    not duplicates. None (the API) adds it whatever it looks like (the API's answer lists them).
    ``organiser``: a validated ``organisers.ContactInput`` (or None) for its organiser, kept apart and never
    published.
    """
    with transaction():
        if access.role_of(user) not in ("admin", "coordinator"):
            access.deny(user, "create")
        suggestion = suggestions.for_asset(user, suggestion_id)
        rec = _parse({**fields, "source_id": str(suggestion.id) if suggestion else None})
        wards = access.record_wards(rec)
        access.require_scope(user, wards, action="create", area_wards=set(rec.service_area_wards))
        if steward_id is UNSET:
            steward = session.get(User, user.id) if access.role_of(user) == "coordinator" else None
        else:
            steward = _steward_for(user, steward_id, wards)
        matches = duplicates.check_new(user, rec, checked) if checked is not None else []
        service = store.create_asset(
            rec,
            actor_id=user.id,
            source="suggestion" if suggestion else source,
            steward_id=steward.id if steward else None,
            note=suggestions.source_note(suggestion) if suggestion else None,
        )
        duplicates.after_adding(user, service, matches)
        if organiser is not None and not organiser.remove:
            organisers.set_contact(service.id, organiser, actor_id=user.id)
        if suggestion:
            suggestions.resolve_row(user, suggestion, "accepted")
    return service


def edit_asset(
    user,
    service_id,
    fields: dict,
    expected_version: int | None,
    steward_id=UNSET,
    suggestion_id=None,
    organiser=None,
) -> tuple[Service, dict]:
    """Change an asset: the given fields are merged over what is stored, then validated as a whole."""
    with transaction():
        service = access.editable_service(user, service_id, lock=True)
        store.check_version(service, expected_version)
        suggestion = suggestions.for_asset(user, suggestion_id, service.id)
        old_wards = access.service_wards(service.id)
        rec = _parse(merge(store.service_snapshot(service), fields, service.source_id))
        new_wards = access.record_wards(rec)
        access.require_scope(user, new_wards, old_wards, asset_id=service.id, area_wards=set(rec.service_area_wards))
        note = suggestions.source_note(suggestion) if suggestion else None
        changes = store.update_asset(service, rec, actor_id=user.id, note=note)
        if steward_id is not UNSET:
            steward = _steward_for(user, steward_id, new_wards)
            if store.set_steward(service, steward, actor_id=user.id):
                changes["steward"] = [None, steward.email if steward else ""]
        if organiser is not None and organisers.set_contact(service.id, organiser, actor_id=user.id):
            changes["organiser"] = ["", "changed"]  # said on the page, never stored in the history
        if suggestion:
            suggestions.resolve_row(user, suggestion, "accepted")
    return service, changes


def organiser_of(user, service_id):
    """The listing's organiser contact, for those who may edit the listing (403 otherwise)."""
    access.editable_service(user, service_id, action="read-organiser")
    return organisers.contact_of(service_id)


def archive_asset(user, service_id, expected_version: int | None = None, suggestion_id=None) -> bool:
    with transaction():
        service = access.editable_service(user, service_id, action="archive", lock=True)
        store.check_version(service, expected_version)
        suggestion = suggestions.for_asset(user, suggestion_id, service.id)
        done = store.archive_asset(
            service, actor_id=user.id, note=suggestions.source_note(suggestion) if suggestion else None
        )
        if suggestion:
            suggestions.resolve_row(user, suggestion, "accepted")
    return done


def restore_asset(user, service_id) -> bool:
    """Un-archive: only a coordinator of the asset's area (or an admin) may."""
    with transaction():
        service = access.editable_service(user, service_id, action="unarchive", lock=True)
        return store.restore_asset(service, actor_id=user.id)


def verify_asset(user, service_id, method: str) -> Service:
    """One click 'still accurate'."""
    if method not in STAFF_VERIFICATION_METHODS:
        raise ValidationError(f"Choose how you checked it: {STAFF_VERIFICATION_METHODS.either()}", field="method")
    with transaction():
        service = access.editable_service(user, service_id, action="verify", lock=True)
        store.verify_asset(service, method, actor_id=user.id)
    return service


def restore_version(user, service_id, version: int, expected_version: int | None) -> dict:
    """Make the asset say what it said at ``version``; recorded as a new version."""
    with transaction():
        service = access.editable_service(user, service_id, action="restore-version", lock=True)
        store.check_version(service, expected_version)
        rec = store.record_for_version(service, version)
        access.require_scope(
            user,
            access.record_wards(rec),
            access.service_wards(service.id),
            action="restore-version",
            asset_id=service.id,
        )
        return store.update_asset(service, rec, actor_id=user.id, action="restore", note=f"Restored version {version}")


def steward_choices(service: Service | None, user) -> list[User]:
    """Coordinators who could be this asset's steward (those covering one of its wards)."""
    wards = access.service_wards(service.id) if service is not None else (access.editable_wards(user) or set())
    people = (
        session.execute(
            select(User).where(User.role == "coordinator", User.active.is_(True)).order_by(User.name, User.email)
        )
        .scalars()
        .all()
    )
    if not wards and access.role_of(user) == "admin":
        return list(people)
    return [p for p in people if access.assigned_wards(p.id) & wards]
