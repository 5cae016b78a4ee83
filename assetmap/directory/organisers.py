"""A listing's organiser: the person who runs it and agreed to be emailed to keep it true.

Kept apart from the listing's public contact details, and never published: not in the read model (so
no page, search, ORUK or OGC answer can show it), not in an asset's history snapshots, not in exports. Only
what reminders need is stored: a name (optional), an email address, and when and how the organiser agreed
(``CONSENT_METHODS``). The name and address are sealed with Fernet under a key derived from SECRET_KEY, so a
database dump or backup does not reveal them; ``email_hash`` (the mail queue's recipient HMAC) finds
opt-outs and bounces without unsealing. Coordinators add or change it on the asset form, imports carry it
(``organiser_*`` columns) and organisers change or remove it themselves through their link.

If SECRET_KEY changes, sealed contacts cannot be read any more: the asset form then says so and asks for
them again, and reminders skip them (``Contact.unreadable``).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import delete, select

from .. import parsing
from ..db import session
from ..mail import mark_reachable
from ..mail.sealing import recipient_hash
from ..models import OrganiserContact
from ..vocabulary import CONSENT_METHODS

#: the columns an import file and the asset form use (never exported)
FIELDS = ("organiser_name", "organiser_email", "organiser_consent_on", "organiser_consent_method")
MAX_NAME = 200


@dataclass(frozen=True)
class ContactInput:
    """A validated organiser contact (``email`` None with ``remove`` True: take it away)."""

    name: str | None
    email: str | None
    consent_on: dt.date | None
    consent_method: str | None
    remove: bool = False


REMOVE = ContactInput(None, None, None, None, remove=True)


@dataclass(frozen=True)
class Contact:
    """A stored organiser contact, unsealed (``unreadable``: sealed under another SECRET_KEY)."""

    name: str | None
    email: str | None
    consent_on: dt.date
    consent_method: str
    bounced_at: dt.datetime | None
    updated_at: dt.datetime
    unreadable: bool = False


def _fernet() -> Fernet:
    key = hashlib.sha256(b"assetmap-organiser|seal|" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(name: str | None, email: str) -> bytes:
    return _fernet().encrypt(json.dumps({"n": name, "e": email}, ensure_ascii=True).encode())


def unseal(token: bytes) -> tuple[str | None, str] | None:
    """(name, email), or None when the seal cannot be opened (another SECRET_KEY)."""
    try:
        data = json.loads(_fernet().decrypt(bytes(token)))
    except (InvalidToken, ValueError, TypeError):
        return None
    return data.get("n"), data["e"]


def parse_contact(raw: dict, errors: list, today: dt.date | None = None, blank_removes: bool = False):
    """The organiser columns of a form or an import row -> ContactInput, REMOVE or None (leave as it is).

    An email needs a record of how the organiser agreed (and when: today if not given; never in the future).
    All four empty: None, or REMOVE when ``blank_removes`` (the asset form, where emptying them removes them).
    Problems are appended to ``errors`` as (field, message).
    """
    today = today or dt.date.today()
    values = {k: raw.get(k) for k in FIELDS}
    if all(v is None or (isinstance(v, str) and not v.strip()) for v in values.values()):
        return REMOVE if blank_removes else None
    found = len(errors)
    name = parsing.collect(
        errors, parsing.text, values["organiser_name"], "organiser_name", max_len=MAX_NAME, label="Organiser's name"
    )
    email = parsing.collect(
        errors, parsing.email, values["organiser_email"], "organiser_email", label="Organiser's email address"
    )
    method = parsing.collect(
        errors, parsing.text, values["organiser_consent_method"], "organiser_consent_method", max_len=40
    )
    when_text = parsing.collect(
        errors, parsing.text, values["organiser_consent_on"], "organiser_consent_on", max_len=40, numbers=True
    )
    consent_on = None
    if isinstance(values["organiser_consent_on"], dt.datetime):
        consent_on = values["organiser_consent_on"].date()
    elif isinstance(values["organiser_consent_on"], dt.date):
        consent_on = values["organiser_consent_on"]
    elif when_text:
        try:
            consent_on = dt.date.fromisoformat(when_text.strip())
        except ValueError:
            errors.append(("organiser_consent_on", "Enter the date the organiser agreed as YYYY-MM-DD"))
    if len(errors) > found:
        return None
    if not email:
        errors.append(("organiser_email", "Enter the organiser's email address, or leave their details empty"))
        return None
    if method not in CONSENT_METHODS:
        errors.append(
            (
                "organiser_consent_method",
                "Say how the organiser agreed to be emailed about the listing: " + CONSENT_METHODS.either(),
            )
        )
        return None
    if consent_on is not None and consent_on > today:
        errors.append(("organiser_consent_on", "The date the organiser agreed must be today or in the past"))
        return None
    return ContactInput(name, email.lower(), consent_on or today, method)


def contact_of(service_id) -> Contact | None:
    """The listing's organiser contact, unsealed; None if it has none."""
    row = session.get(OrganiserContact, service_id)
    return _contact(row) if row is not None else None


def _contact(row: OrganiserContact) -> Contact:
    opened = unseal(row.sealed)
    name, email = opened if opened else (None, None)
    return Contact(
        name, email, row.consent_on, row.consent_method, row.bounced_at, row.updated_at, unreadable=opened is None
    )


def contacts_of(service_ids) -> dict:
    """{service id: Contact} for many listings at once."""
    ids = list(service_ids)
    out = {}
    for i in range(0, len(ids), 1000):
        rows = session.execute(select(OrganiserContact).where(OrganiserContact.service_id.in_(ids[i : i + 1000])))
        out.update({r.service_id: _contact(r) for r in rows.scalars()})
    return out


def set_contact(service_id, given: ContactInput, actor_id=None, now: dt.datetime | None = None) -> bool:
    """Make the listing's organiser contact say ``given`` (REMOVE removes it); False if nothing changed.

    A new or re-entered address is taken as corrected: its bounce mark and hard failures are forgotten.
    Flushes only; the caller commits."""
    now = now or dt.datetime.now(dt.UTC)
    row = session.get(OrganiserContact, service_id)
    if given.remove:
        if row is None:
            return False
        session.execute(delete(OrganiserContact).where(OrganiserContact.service_id == service_id))
        return True
    assert given.email and given.consent_on and given.consent_method
    current = _contact(row) if row is not None else None
    if (
        current is not None
        and not current.unreadable
        and (current.name, current.email, current.consent_on, current.consent_method)
        == (given.name, given.email, given.consent_on, given.consent_method)
    ):
        return False
    if row is None:
        row = OrganiserContact(service_id=service_id)
        session.add(row)
    row.sealed = seal(given.name, given.email)
    row.email_hash = recipient_hash("email", given.email)
    row.consent_on, row.consent_method = given.consent_on, given.consent_method
    row.recorded_by_id, row.updated_at, row.bounced_at = actor_id, now, None
    mark_reachable("email", given.email)
    session.flush()
    return True


def mark_bounced(service_id, now: dt.datetime) -> bool:
    """A reminder to this listing's organiser failed for good; False if it has no contact any more."""
    row = session.get(OrganiserContact, service_id)
    if row is None:
        return False
    row.bounced_at = now
    return True


def form_values(contact: Contact | None) -> dict:
    """The asset form's organiser inputs for a stored contact (empty when none or unreadable)."""
    if contact is None or contact.unreadable:
        return {k: "" for k in FIELDS}
    return {
        "organiser_name": contact.name or "",
        "organiser_email": contact.email or "",
        "organiser_consent_on": contact.consent_on.isoformat(),
        "organiser_consent_method": contact.consent_method,
    }
