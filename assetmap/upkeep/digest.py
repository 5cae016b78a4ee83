"""The coordinators' daily digest: what needs them in their wards, by email, once a day.

Items: organisers' proposed updates and closures, community suggestions and problem reports, organiser
contacts whose reminders bounced, and listings gone unconfirmed after their reminders. Each item goes to the
coordinators assigned its ward; where a ward has none, to the coordinators assigned its constituency (the
Neighbourhood Network Scheme lead); where neither, to the administrators. A digest is sent when something
came in since the last one (``app_user.digest_sent_at``), lists what is new in full and what still waits by
kind with the oldest's age, and carries an unsubscribe link (``optout`` "digest"; *Your account* turns it
back on). The once-key (one per person per day) makes a second run the same day send nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select

from .. import mail
from ..db import session, transaction
from ..mail import optout
from ..models import (
    Location,
    OrganiserContact,
    ProposedUpdate,
    Service,
    ServiceArea,
    ServiceAtLocation,
    Suggestion,
    User,
    UserArea,
    Ward,
)
from .freshness import age_of

KINDS = {
    "proposal": "Changes proposed by organisers",
    "closure": "Organisers say it has stopped",
    "new_asset": "Suggested new listings",
    "problem": "Problem reports",
    "bounce": "Reminders that bounced",
    "unconfirmed": "Listings now not confirmed for over a year",
}
#: new items listed in full in one email; the rest are counted
MAX_LISTED = 50


@dataclass(frozen=True)
class Item:
    kind: str
    name: str
    since: dt.datetime
    endpoint: str
    values: tuple  # url_for values, as ((name, value), ...)
    wards: frozenset

    @property
    def url(self) -> str:
        return mail.external_url(self.endpoint, **dict(self.values))


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), dt.UTC)


def _wards_of(service_ids) -> dict:
    """{service id: {ward codes}} by place or service area."""
    ids = list(service_ids)
    out: dict = defaultdict(set)
    if not ids:
        return out
    rows = session.execute(
        select(ServiceAtLocation.service_id, Location.ward_code)
        .join(Location, Location.id == ServiceAtLocation.location_id)
        .where(ServiceAtLocation.service_id.in_(ids), Location.ward_code.is_not(None))
        .union_all(
            select(ServiceArea.service_id, ServiceArea.ward_code).where(
                ServiceArea.service_id.in_(ids), ServiceArea.ward_code.is_not(None)
            )
        )
    ).all()
    for sid, ward in rows:
        out[sid].add(ward)
    return out


def items() -> list[Item]:
    """Everything open that needs a coordinator, with its wards."""
    live = Service.archived_at.is_(None)
    proposals = session.execute(
        select(ProposedUpdate.id, ProposedUpdate.kind, ProposedUpdate.created_at, Service.id, Service.name)
        .join(Service, Service.id == ProposedUpdate.service_id)
        .where(ProposedUpdate.status == "open", live)
    ).all()
    suggestions = session.execute(
        select(
            Suggestion.id,
            Suggestion.kind,
            Suggestion.created_at,
            Suggestion.service_id,
            Suggestion.ward_code,
            Suggestion.proposed,
            Service.name,
        )
        .outerjoin(Service, Service.id == Suggestion.service_id)
        .where(Suggestion.status == "open")
    ).all()
    bounces = session.execute(
        select(Service.id, Service.name, OrganiserContact.bounced_at)
        .join(OrganiserContact, OrganiserContact.service_id == Service.id)
        .where(OrganiserContact.bounced_at.is_not(None), live)
    ).all()
    unconfirmed = session.execute(
        select(Service.id, Service.name, Service.unconfirmed_since).where(Service.unconfirmed_since.is_not(None), live)
    ).all()
    wards = _wards_of(
        {p[3] for p in proposals}
        | {s[3] for s in suggestions if s[3]}
        | {b[0] for b in bounces}
        | {u[0] for u in unconfirmed}
    )
    out = [
        # a proposed update's kind is "change" or "closure"; the digest calls a change a "proposal"
        Item(
            "proposal" if kind == "change" else kind,
            name,
            created,
            "upkeep.proposal",
            (("proposal_id", pid),),
            frozenset(wards[sid]),
        )
        for pid, kind, created, sid, name in proposals
    ]
    for sug_id, kind, created, sid, ward, proposed, name in suggestions:
        where = frozenset(wards[sid]) if sid else frozenset({ward} if ward else ())
        label = name or (proposed or {}).get("name") or "A suggestion"
        out.append(Item(kind, label, created, "upkeep.suggestion", (("suggestion_id", sug_id),), where))
    out += [
        Item("bounce", name, when, "upkeep.edit_asset", (("asset_id", sid),), frozenset(wards[sid]))
        for sid, name, when in bounces
    ]
    out += [
        Item("unconfirmed", name, _at(day), "upkeep.edit_asset", (("asset_id", sid),), frozenset(wards[sid]))
        for sid, name, day in unconfirmed
    ]
    return out


def recipients(items_: list[Item]) -> dict:
    """{user id: [items]}: ward coordinators, else the constituency's coordinators, else admins."""
    coordinators = session.execute(
        select(UserArea.area_type, UserArea.area_code, User.id)
        .join(User, User.id == UserArea.user_id)
        .where(User.active.is_(True), User.role == "coordinator")
    ).all()
    by_ward: dict = defaultdict(set)
    by_con: dict = defaultdict(set)
    for kind, code, uid in coordinators:
        (by_ward if kind == "ward" else by_con)[code].add(uid)
    ward_con = dict(session.execute(select(Ward.code, Ward.constituency_code)).all())
    admins = set(session.execute(select(User.id).where(User.role == "admin", User.active.is_(True))).scalars())
    out: dict = defaultdict(list)
    for item in items_:
        who: set = set()
        for ward in item.wards or {None}:
            who |= by_ward.get(ward) or by_con.get(ward_con.get(ward)) or admins
        for uid in who:
            out[uid].append(item)
    return out


def digest_context(user: User, mine: list[Item], now: dt.datetime) -> dict | None:
    """What one person's digest says, or None when nothing came in since their last one."""
    since = user.digest_sent_at
    new = sorted(
        (i for i in mine if since is None or i.since > since), key=lambda i: (list(KINDS).index(i.kind), i.since)
    )
    if not new:
        return None
    waiting = []
    for kind, label in KINDS.items():
        of_kind = [i for i in mine if i.kind == kind]
        if of_kind:
            oldest = min(i.since for i in of_kind)
            waiting.append({"label": label, "count": len(of_kind), "oldest": age_of(oldest, now)})
    listed = [
        {"kind": KINDS[i.kind], "name": i.name, "age": age_of(i.since, now), "url": i.url} for i in new[:MAX_LISTED]
    ]
    return {
        "name": user.name,
        "new": listed,
        "more": max(0, len(new) - MAX_LISTED),
        "new_count": len(new),
        "waiting": waiting,
        "queue_url": mail.external_url("upkeep.review_queue"),
    }


def send_digests(now: dt.datetime) -> str:
    """The job: one digest per person with something new; each person's in its own transaction."""
    with transaction():
        routed = recipients(items())
    sent = 0
    for uid, mine in routed.items():
        with transaction():
            user = session.get(User, uid)
            if user is None or optout.opted_out("digest", user.email):
                continue
            context = digest_context(user, mine, now)
            if context is None:
                continue
            mail.queue_email(
                user.email,
                "digest",
                context,
                ref=f"user:{uid}",
                once_key=f"digest:{uid}:{now.date().isoformat()}",
                unsubscribe_url=optout.unsubscribe_url("digest", user.email),
            )
            user.digest_sent_at = now
            sent += 1
    return f"{sent} digests queued for {len(routed)} people with something waiting"
