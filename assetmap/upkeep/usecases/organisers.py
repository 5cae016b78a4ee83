"""What an organiser does through the link in their reminder, with no account: confirm the listing, propose
changes, say it has stopped, or change or remove their own contact details; and a coordinator sending one.

The link is signed for one reminder of one listing (``reminders.link_token``) and expires after
``ORGANISER_LINK_DAYS``; a write through it claims the reminder row (``used_at``) in the same transaction as
the write, so it works once and two at once cannot both write. A tampered link is 404, another listing's
403, an expired one 410, a used one 409: each a page that says what to do, and none changes anything.

What an organiser proposes is validated exactly as the coordinator's form is (the same form reader and
``parse_record`` over the listing as it stands) and becomes a ``ProposedUpdate`` for the steward; nothing in
the listing changes until a steward accepts it (``usecases.proposals``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from ... import parsing, signed
from ...db import session, transaction
from ...directory import access, organisers, store
from ...directory.records import RecordInvalid
from ...errors import Conflict, Forbidden, ValidationError
from ...models import OrganiserReminder, ProposedUpdate, Service
from .. import reminders
from ..fields import merge

INVALID = "This link is not complete or has been changed. Copy the whole link from the email, or ask your local coordinator for a new one."
EXPIRED = (
    "This link has expired. You will get a new one with the next reminder, or ask your local coordinator for one now."
)
MAX_NOTE = 1000


class LinkUsed(Conflict):
    title = "This link has already been used"


class OtherListing(Forbidden):
    title = "This link is for another listing"


USED_FOR = {
    "confirm": "to say the listing is still right",
    "change": "to send changes to the listing",
    "closure": "to say it is no longer running",
    "contact": "to change your contact details",
}


@dataclass
class Link:
    service: Service
    reminder: OrganiserReminder


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def check_link(asset_id: uuid.UUID, token, now: dt.datetime | None = None) -> Link:
    """The listing and reminder a link is for, if it may still be used; a 4xx AppError otherwise."""
    now = now or _utcnow()
    payload = signed.unsign(reminders.LINK_PURPOSE, token, reminders.link_days() * 86400, INVALID, EXPIRED)
    try:
        reminder_id, service_id = uuid.UUID(str(payload.get("r"))), uuid.UUID(str(payload.get("s")))
    except ValueError:
        raise signed.LinkInvalid(INVALID) from None
    if service_id != asset_id:
        raise OtherListing(
            "This link is for a different listing from the one in the address. Use the link exactly as it is in the email."
        )
    reminder = session.get(OrganiserReminder, reminder_id)
    if reminder is None or reminder.service_id != service_id:
        raise signed.LinkInvalid(INVALID)
    if reminder.expires_at <= now:
        raise signed.LinkExpired(EXPIRED)
    if reminder.used_at is not None:
        raise LinkUsed(
            f"This link was used on {reminder.used_at:%-d %B %Y} {USED_FOR.get(reminder.used_for or '', '')}. "
            "Each link works once. Your local coordinator can send you a new one."
        )
    service = session.get(Service, service_id)
    if service is None or service.archived_at is not None:
        raise signed.LinkExpired("This listing is no longer in the directory, so there is nothing to check.")
    return Link(service, reminder)


@dataclass
class Page:
    """What the organiser's pages show: the listing as the public would read it (a confidential place's
    address never), and until when the link works."""

    link: Link
    listing: dict
    shows_place: bool
    expires_on: dt.date


def listing_page(asset_id, token) -> Page:
    """The organiser's view of their listing, if the link may still be used (a 4xx otherwise)."""
    from ...directory.read import asset_views

    link = check_link(asset_id, token)
    view = asset_views([link.service.id], reminders.AS_THE_ORGANISER)[0]
    shows_place = view["place"]["has_place"] and not view["place"]["hidden"]
    return Page(link, view, shows_place, link.reminder.expires_at.date())


def snapshot_for(asset_id, token) -> dict:
    """The listing's fields for the organiser's form, pre-filled (place fields of a confidential one blank)."""
    link = check_link(asset_id, token)
    snap = store.service_snapshot(link.service)
    if link.service.visibility == "confidential":
        snap.update(address="", postcode="", lat=None, lon=None, how_to_get_there="", accessibility=[])
    return snap


def contact_for(asset_id, token):
    """The organiser's own details, for their page (they hold the link, so they may see them)."""
    check_link(asset_id, token)
    return organisers.contact_of(asset_id)


def _claim(link: Link, purpose: str, now: dt.datetime) -> None:
    """Use the link up, in the caller's transaction; a second writer finds it used (409)."""
    won = session.execute(
        update(OrganiserReminder)
        .where(OrganiserReminder.id == link.reminder.id, OrganiserReminder.used_at.is_(None))
        .values(used_at=now, used_for=purpose)
        .returning(OrganiserReminder.id)
    ).first()
    if won is None:
        raise LinkUsed("This link has just been used. Each link works once.")


def _locked(link: Link) -> Service:
    return session.execute(
        select(Service).where(Service.id == link.service.id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def still_right(asset_id, token) -> Service:
    """'Still right': a check "confirmed by the organiser", today."""
    now = _utcnow()
    with transaction():
        link = check_link(asset_id, token, now)
        _claim(link, "confirm", now)
        service = _locked(link)
        store.verify_asset(
            service, "organiser", on=now.date(), note="Confirmed by the organiser through their reminder link"
        )
    return service


def propose_change(asset_id, token, fields: dict, note_raw=None) -> ProposedUpdate:
    """'Something has changed': the form's fields over the listing as it stands, validated as the coordinator's
    form is; what differs is kept for the steward. RecordInvalid (400) lists every problem; nothing changed
    is a 400 too."""
    now = _utcnow()
    note = parsing.text(note_raw, "note", max_len=MAX_NOTE, multiline=True, label="Anything else")
    with transaction():
        link = check_link(asset_id, token, now)
        service = _locked(link)
        before = store.service_snapshot(service)
        rec = store_parse(merge(before, fields, service.source_id))
        after = store.record_snapshot(rec)
        changed = {k: after[k] for k in fields_changed(before, after)}
        if not changed:
            raise ValidationError(
                "You have not changed anything. If the listing is all still right, choose ‘Still right’ instead.",
                field="name",
            )
        _claim(link, "change", now)
        row = ProposedUpdate(
            id=uuid.uuid4(),
            service_id=service.id,
            reminder_id=link.reminder.id,
            kind="change",
            status="open",
            fields=changed,
            base=before,
            base_version=service.version,
            note=note,
            created_at=now,
        )
        session.add(row)
    return row


def fields_changed(before: dict, after: dict) -> list[str]:
    return [k for k, v in after.items() if before.get(k) != v and k not in ("last_verified", "verification_method")]


def store_parse(raw: dict):
    from ...directory.records import parse_record

    return parse_record(raw, store.vocabulary(), store.known_wards())


def propose_closure(asset_id, token, note_raw=None) -> ProposedUpdate:
    """'No longer running': a proposal for the steward to confirm (the listing stays until they do)."""
    now = _utcnow()
    note = parsing.text(note_raw, "note", max_len=MAX_NOTE, multiline=True, label="Anything else")
    with transaction():
        link = check_link(asset_id, token, now)
        service = _locked(link)
        _claim(link, "closure", now)
        row = ProposedUpdate(
            id=uuid.uuid4(),
            service_id=service.id,
            reminder_id=link.reminder.id,
            kind="closure",
            status="open",
            fields={},
            base=store.service_snapshot(service),
            base_version=service.version,
            note=note,
            created_at=now,
        )
        session.add(row)
    return row


def change_contact(asset_id, token, raw: dict, remove: bool) -> bool:
    """The organiser changes their own name or address (recorded as agreed through their link, today), or
    removes themselves; returns True when removed. RecordInvalid (400) for a bad address."""
    now = _utcnow()
    if remove:
        given = organisers.REMOVE
    else:
        errors: list = []
        given = organisers.parse_contact(
            {**raw, "organiser_consent_method": "link", "organiser_consent_on": now.date().isoformat()},
            errors,
            today=now.date(),
        )
        if errors or given is None:
            raise RecordInvalid(errors or [("organiser_email", "Enter your email address")])
    with transaction():
        link = check_link(asset_id, token, now)
        _claim(link, "contact", now)
        organisers.set_contact(link.service.id, given, actor_id=None, now=now)
    return remove


def send_link_now(user, asset_id) -> OrganiserReminder:
    """A coordinator sends the organiser a link now (outside the cadence), e.g. after adding them."""
    now = _utcnow()
    with transaction():
        service = access.editable_service(user, asset_id, action="send-organiser-link")
        contact = organisers.contact_of(service.id)
        if contact is None or contact.unreadable:
            raise ValidationError("Add the organiser's email address first.", field="organiser_email")
        base = service.last_verified_on or service.created_at.date()
        reminder = reminders.send(service.id, 0, base, now, contact)
        if reminder is None:
            raise ValidationError(
                "The organiser has unsubscribed from reminders, so no link was sent. "
                "Record their agreement again if they want them back.",
                field="organiser_email",
            )
    return reminder
