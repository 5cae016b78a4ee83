"""The steward's side of an organiser's proposal: accept it in whole or in part, or turn it down.

Accepting takes the chosen fields over the listing as it is now (not as the organiser saw it: a coordinator's
later edit to another field stays), validates the result like any edit and writes it through the store as
one new version (history action "proposal"), with the organiser's check recorded as of the day they sent it.
A closure accepted archives the listing. The version the steward read must still be the listing's (409).
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select

from ...db import session, transaction
from ...directory import access, store
from ...errors import Conflict, NotFound, ValidationError
from ...models import ProposedUpdate, Service
from ..fields import merge
from .organisers import store_parse

#: a postcode change re-places the pin: the point goes with the postcode, never on its own
GOES_WITH = {"postcode": ("lat", "lon")}
HIDDEN = {"lat", "lon"}


def open_for(user) -> list[ProposedUpdate]:
    """Open proposals about listings the user may edit, oldest first."""
    return list(
        session.execute(
            select(ProposedUpdate)
            .join(Service, Service.id == ProposedUpdate.service_id)
            .where(ProposedUpdate.status == "open", access.editable_filter(user))
            .order_by(ProposedUpdate.created_at, ProposedUpdate.id)
        ).scalars()
    )


def for_review(user, proposal_id) -> tuple[ProposedUpdate, Service]:
    """A proposal and its listing: 404 if unknown, 403 (logged) if the listing is not the user's to edit."""
    try:
        pid = uuid.UUID(str(proposal_id))
    except ValueError:
        raise NotFound("That proposed update does not exist.") from None
    row = session.get(ProposedUpdate, pid)
    if row is None:
        raise NotFound("That proposed update does not exist.")
    service = access.editable_service(user, row.service_id, action="review-proposal")
    return row, service


def choosable(row: ProposedUpdate) -> list[str]:
    """The fields a steward may tick: every proposed one but the point, which follows the postcode."""
    return [f for f in row.fields if f not in HIDDEN]


def _require_open(row: ProposedUpdate) -> None:
    if row.status != "open":
        raise Conflict("This proposed update has already been dealt with.")


def accept(user, proposal_id, chosen: list[str], expected_version: int | None) -> dict:
    """Take the ``chosen`` fields of a change (or confirm a closure); returns the listing's changes."""
    with transaction():
        row, _ = for_review(user, proposal_id)
        service = access.editable_service(user, row.service_id, action="review-proposal", lock=True)
        _require_open(row)
        store.check_version(service, expected_version)
        now = dt.datetime.now(dt.UTC)
        when = row.created_at.date()
        if row.kind == "closure":
            store.archive_asset(
                service, actor_id=user.id, note=f"The organiser said on {when:%-d %B %Y} it has stopped"
            )
            changes: dict = {"archived": ["no", "yes"]}
            row.status = "accepted"
        else:
            allowed = choosable(row)
            chosen = [f for f in allowed if f in set(chosen)]
            if not chosen:
                raise ValidationError("Tick at least one change to accept, or turn the proposal down", field="fields")
            taken = {f: row.fields[f] for f in chosen}
            for f in chosen:
                taken.update({g: row.fields[g] for g in GOES_WITH.get(f, ()) if g in row.fields})
            current = store.service_snapshot(service)
            raw = merge(current, taken, service.source_id)
            if when >= (service.last_verified_on or dt.date.min):
                raw.update(last_verified=when.isoformat(), verification_method="organiser")
            rec = store_parse(raw)
            access.require_scope(
                user, access.record_wards(rec), access.service_wards(service.id), "review-proposal", service.id
            )
            changes = store.update_asset(
                service, rec, actor_id=user.id, action="proposal", note=f"Proposed by the organiser on {when:%-d %B %Y}"
            )
            row.status = "accepted" if len(chosen) == len(allowed) else "partly"
            row.accepted_fields = chosen
        row.resolved_by_id, row.resolved_at = user.id, now
    return changes


def reject(user, proposal_id) -> ProposedUpdate:
    """Turn a proposal down: the listing is left as it is."""
    with transaction():
        row, _ = for_review(user, proposal_id)
        _require_open(row)
        row.status = "rejected"
        row.resolved_by_id, row.resolved_at = user.id, dt.datetime.now(dt.UTC)
    return row
