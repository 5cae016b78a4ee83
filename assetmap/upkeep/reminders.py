"""Reminders on a cadence, run by the job runner: "Is this still right?" to each listing's organiser.

The cadence counts from a listing's last check (or, never checked, from when it was added): the first
reminder at 11 months, again at 12 and 13 (each council may set its own: ``ReminderCadence``, the settings
page). Each reminder is a row in ``organiser_reminder`` (unique per listing, cycle and round) and a mail
queued with a ``once_key``, so running the job twice, or twice at once, sends nothing twice. When a reminder
is due only the latest due round is sent (an organiser added at 12 months gets the second, not two at
once), never within ``MIN_GAP_DAYS`` of the last, and never while the organiser's own proposal waits for the
steward. Not sent: to an address that unsubscribed after the organiser's consent was recorded, that bounced,
or that cannot be read.

After the third, a listing that is still not checked ``grace_days`` (14) later is marked unconfirmed
(``service.unconfirmed_since``): its pages say "not confirmed for over a year" and the search ranks it below
every confirmed and merely stale listing at equal distance. Listings with no organiser to ask follow the same
clock, so the rule is the same for all. Any check clears it (``directory.store``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from types import SimpleNamespace

from flask import current_app
from sqlalchemy import Date, Integer, and_, bindparam, cast, exists, func, literal, or_, select, update

from .. import mail, signed
from ..db import session, transaction
from ..directory import organisers
from ..directory.read import asset_views
from ..mail import optout
from ..models import (
    LocalAuthority,
    Location,
    OrganiserContact,
    OrganiserReminder,
    ProposedUpdate,
    ReminderCadence,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Ward,
)

log = logging.getLogger("assetmap.reminders")

DEFAULT = (11, 12, 13, 14)  # months for the first, second and third reminders; days of grace after the third
MIN_GAP_DAYS = 14
LINK_PURPOSE = "organiser-link"
BATCH = 100
#: how reminders and the organiser's pages read a listing: as a signed-in practitioner would (every live
#: listing, practitioners-only too), so a confidential place's address and point are never in them
AS_THE_ORGANISER = SimpleNamespace(is_authenticated=True, role="practitioner", id=None)


@dataclass(frozen=True)
class Cadence:
    first: int
    second: int
    third: int
    grace_days: int

    @property
    def months(self) -> tuple[int, int, int]:
        return self.first, self.second, self.third


def link_days() -> int:
    return int(current_app.config.get("ORGANISER_LINK_DAYS", 30))


# --------------------------------------------------------------------------- cadence per council


def cadences() -> dict[str, Cadence]:
    """{council code: its cadence} for every council (the default where none was set)."""
    set_ = {
        r.lad_code: Cadence(r.first_months, r.second_months, r.third_months, r.grace_days)
        for r in session.execute(select(ReminderCadence)).scalars()
    }
    return {code: set_.get(code, Cadence(*DEFAULT)) for code in session.execute(select(LocalAuthority.code)).scalars()}


def set_cadence(lad_code: str, cadence: Cadence, actor_id, now: dt.datetime) -> None:
    row = session.get(ReminderCadence, lad_code) or ReminderCadence(lad_code=lad_code)
    row.first_months, row.second_months, row.third_months = cadence.months
    row.grace_days, row.updated_at, row.updated_by_id = cadence.grace_days, now, actor_id
    session.add(row)
    session.flush()


def _council():
    """A listing's council: its place's, or its first service-area ward's."""
    by_place = (
        select(Location.lad_code)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == Service.id, Location.lad_code.is_not(None))
        .limit(1)
        .scalar_subquery()
    )
    by_area = (
        select(Ward.lad_code)
        .join(ServiceArea, ServiceArea.ward_code == Ward.code)
        .where(ServiceArea.service_id == Service.id)
        .order_by(Ward.code)
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(by_place, by_area)


def _timeline():
    """Per live listing: its id, the date its cycle counts from, and the dates of its three reminders and of
    becoming unconfirmed, by its council's cadence (a subquery)."""
    base = func.coalesce(Service.last_verified_on, cast(Service.created_at, Date)).label("base")
    inner = (
        select(Service.id.label("service_id"), base, _council().label("lad_code"))
        .where(Service.archived_at.is_(None), Service.status == "active")
        .subquery("listing")
    )
    rc = ReminderCadence

    def months(col, default):
        n = func.coalesce(col, default)
        return cast(inner.c.base + func.make_interval(0, n), Date)

    third = months(rc.third_months, DEFAULT[2])
    return (
        select(
            inner.c.service_id,
            inner.c.base,
            months(rc.first_months, DEFAULT[0]).label("first_on"),
            months(rc.second_months, DEFAULT[1]).label("second_on"),
            third.label("third_on"),
            (third + func.coalesce(rc.grace_days, DEFAULT[3])).label("unconfirmed_on"),
        )
        .select_from(inner)
        .outerjoin(rc, rc.lad_code == inner.c.lad_code)
        .subquery("timeline")
    )


# --------------------------------------------------------------------------- who is due


@dataclass(frozen=True)
class Due:
    service_id: uuid.UUID
    round: int
    cycle_from: dt.date


def due(today: dt.date) -> list[Due]:
    """The reminders due today: for each listing with an organiser, the latest round due and not yet sent."""
    t = _timeline()
    day = bindparam("today", today, type_=Date)
    round_ = (
        func.greatest(
            (t.c.first_on <= day).cast(Integer),
            (t.c.second_on <= day).cast(Integer) * 2,
            (t.c.third_on <= day).cast(Integer) * 3,
        )
    ).label("round")
    r = OrganiserReminder
    rows = session.execute(
        select(t.c.service_id, round_, t.c.base)
        .join(OrganiserContact, OrganiserContact.service_id == t.c.service_id)
        .where(
            t.c.first_on <= day,
            OrganiserContact.bounced_at.is_(None),
            ~exists().where(
                r.service_id == t.c.service_id,
                or_(
                    and_(r.cycle_from == t.c.base, r.round >= round_),
                    r.sent_at > bindparam("gap_from", _start_of(today - dt.timedelta(days=MIN_GAP_DAYS))),
                ),
            ),
            ~exists().where(ProposedUpdate.service_id == t.c.service_id, ProposedUpdate.status == "open"),
        )
        .order_by(t.c.service_id)
    ).all()
    return [Due(sid, rnd, base) for sid, rnd, base in rows]


# --------------------------------------------------------------------------- links


def link_token(reminder: OrganiserReminder) -> str:
    return signed.sign(LINK_PURPOSE, {"r": reminder.id.hex, "s": reminder.service_id.hex})


def link_urls(reminder: OrganiserReminder) -> dict[str, str]:
    """The links an organiser's email carries: the listing's page, and straight to each action."""
    token = link_token(reminder)
    sid = reminder.service_id
    return {
        "check": mail.external_url("upkeep.organiser_listing", asset_id=sid, t=token),
        "still_right": mail.external_url("upkeep.organiser_still_right", asset_id=sid, t=token),
        "changed": mail.external_url("upkeep.organiser_changes", asset_id=sid, t=token),
        "closed": mail.external_url("upkeep.organiser_closed", asset_id=sid, t=token),
        "contact": mail.external_url("upkeep.organiser_contact", asset_id=sid, t=token),
    }


def send(service_id, round_: int, cycle_from: dt.date, now: dt.datetime, contact=None) -> OrganiserReminder | None:
    """Queue one reminder (a link row and the email) in the caller's transaction; None when it cannot go."""
    contact = contact or organisers.contact_of(service_id)
    if contact is None or contact.unreadable or contact.email is None:
        return None
    if optout.opted_out("reminders", contact.email, after=_start_of(contact.consent_on)):
        return None
    views = asset_views([service_id], AS_THE_ORGANISER, now=now)
    if not views:
        return None
    reminder = OrganiserReminder(
        id=uuid.uuid4(),
        service_id=service_id,
        round=round_,
        cycle_from=cycle_from,
        sent_at=now,
        expires_at=now + dt.timedelta(days=link_days()),
    )
    session.add(reminder)
    session.flush()
    context = {
        "listing": views[0],
        "organiser_name": contact.name,
        "round": round_,
        "links": link_urls(reminder),
        "expires_on": reminder.expires_at.date(),
    }
    once_key = f"reminder-{round_}:service:{service_id}:{cycle_from.isoformat()}" if round_ else None
    mail.queue_email(
        contact.email,
        "reminder",
        context,
        ref=f"service:{service_id}",
        once_key=once_key,
        unsubscribe_url=optout.unsubscribe_url("reminders", contact.email),
    )
    return reminder


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), dt.UTC)


def mark_unconfirmed(today: dt.date) -> int:
    """Listings whose reminders ran their course with no check: shown as unconfirmed from today."""
    t = _timeline()
    ids = select(t.c.service_id).where(t.c.unconfirmed_on <= bindparam("today", today, type_=Date))
    return session.execute(
        update(Service)
        .where(Service.id.in_(ids), Service.unconfirmed_since.is_(None))
        .values(unconfirmed_since=literal(today, Date))
        .execution_options(synchronize_session=False)
    ).rowcount


def run(now: dt.datetime) -> str:
    """The job: queue the reminders due (a transaction per BATCH) and mark the listings gone unconfirmed."""
    today = now.date()
    with transaction():
        todo = due(today)
        contacts = organisers.contacts_of(d.service_id for d in todo)
    sent = skipped = 0
    for i in range(0, len(todo), BATCH):
        with transaction():
            for d in todo[i : i + BATCH]:
                if send(d.service_id, d.round, d.cycle_from, now, contacts.get(d.service_id)) is None:
                    skipped += 1
                else:
                    sent += 1
    with transaction():
        gone = mark_unconfirmed(today)
    return f"{sent} reminders queued, {skipped} not sendable, {gone} listings now unconfirmed"


@mail.on_hard_bounce
def _reminder_bounced(bounce: mail.HardBounce) -> None:
    """A reminder that failed for good: mark the organiser contact, so the steward's digest shows it."""
    if bounce.template != "reminder" or not (bounce.ref or "").startswith("service:"):
        return
    try:
        service_id = uuid.UUID(bounce.ref.split(":", 1)[1])
    except ValueError:
        return
    organisers.mark_bounced(service_id, dt.datetime.now(dt.UTC))
