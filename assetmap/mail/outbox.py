"""The mail queue: messages are queued in the caller's transaction, for the job runner to deliver.

Why a queue: a send inside a request would make a slow or broken mail server the user's problem, and a
message sent before its transaction committed could describe something that never happened. Queueing in
the same transaction as the change (``queue_email`` only flushes) means the message exists exactly when the
change does; ``delivery.deliver_due`` (the ``deliver-mail`` job) sends it.

Privacy: the address and the rendered message (which may name the person or their group) are kept only
sealed (``sealing.py``) and only while the row is queued; what stays afterwards is the template name, what
it was about (``ref``), the outcome and an HMAC of the recipient, for MAIL_KEEP_DAYS (``forget_old``).
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from ..db import session
from ..errors import AppError
from ..models import MailOutbox, MailRecipient
from . import compose
from . import settings as mail_settings
from .sealing import checked_email, checked_phone, recipient_hash, seal


class SmsUnavailable(AppError):
    status = 503
    title = "Text messages cannot be sent"


def _checked_key(value: str | None, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or any(c.isspace() for c in value):
        raise ValueError(f"{name} must be 1 to {limit} characters without spaces")
    return value


def settings() -> mail_settings.MailSettings:
    ext = current_app.extensions
    if "assetmap.mail" not in ext:
        ext["assetmap.mail"] = mail_settings.read(current_app.config)
    return ext["assetmap.mail"]


def sms_available() -> bool:
    """Whether text messages can be sent (GOV.UK Notify with an SMS template, or the development outbox)."""
    return settings().sms is not None


def _queue(
    kind: str,
    to: str,
    template: str,
    payload: dict,
    ref: str | None,
    once_key: str | None,
    send_after: dt.datetime | None,
) -> uuid.UUID:
    ref = _checked_key(ref, "ref", 120)
    once_key = _checked_key(once_key, "once_key", 200)
    if once_key is not None:
        found = session.execute(select(MailOutbox.id).where(MailOutbox.once_key == once_key)).scalar_one_or_none()
        if found is not None:
            return found
    values = dict(
        kind=kind,
        template=template,
        ref=ref,
        once_key=once_key,
        status="queued",
        recipient_hash=recipient_hash(kind, to),
        sealed=seal({"to": to, **payload}),
    )
    if send_after is not None:
        values["next_attempt_at"] = send_after
    stmt = insert(MailOutbox).values(**values).returning(MailOutbox.id)
    if once_key is not None:  # two callers at once: the second waits on the unique key, then finds the first
        stmt = stmt.on_conflict_do_nothing(index_elements=["once_key"])
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        new_id = session.execute(select(MailOutbox.id).where(MailOutbox.once_key == once_key)).scalar_one()
    return new_id


def queue_email(
    to: str,
    template: str,
    context: dict | None = None,
    *,
    ref: str | None = None,
    once_key: str | None = None,
    unsubscribe_url: str | None = None,
    send_after: dt.datetime | None = None,
) -> uuid.UUID:
    """Queue the email ``templates/mail/{template}.txt|.html`` to ``to``; returns the outbox row's id.

    Rendered now (links need the request or PUBLIC_URL), delivered by the job runner. Runs in the caller's
    transaction: nothing is sent unless the caller commits. ``ref`` says what it is about (``service:<id>``;
    handed to ``on_hard_bounce`` handlers); ``once_key`` makes queueing idempotent (the same key again returns
    the first message's id and queues nothing). Neither may hold personal data. ValidationError (400) for a
    malformed address.
    """
    to = checked_email(to)
    composed = compose.render_email(template, context, unsubscribe_url)
    payload = {
        "subject": composed.subject,
        "text": composed.text,
        "html": composed.html,
        "unsubscribe_url": unsubscribe_url,
    }
    return _queue("email", to, template, payload, ref, once_key, send_after)


def queue_sms(
    to: str,
    template: str,
    context: dict | None = None,
    *,
    ref: str | None = None,
    once_key: str | None = None,
    send_after: dt.datetime | None = None,
) -> uuid.UUID:
    """Queue the text message ``templates/mail/{template}.sms.txt`` to the phone number ``to``.

    SmsUnavailable (503) when no transport can send texts (SMTP only): check ``sms_available()`` first to
    decide whether to offer it. ValidationError (400) for a malformed number."""
    if not sms_available():
        raise SmsUnavailable("Text messages cannot be sent from this service: it is not set up with GOV.UK Notify.")
    to = checked_phone(to)
    return _queue("sms", to, template, {"text": compose.render_sms(template, context)}, ref, once_key, send_after)


def is_unreachable(kind: str, address: str) -> bool:
    """Whether repeated hard failures have marked this email address or phone number unreachable."""
    row = session.get(MailRecipient, recipient_hash(kind, address))
    return bool(row and row.unreachable_since)


def mark_reachable(kind: str, address: str) -> None:
    """Forget a recipient's hard failures (its owner confirmed or corrected it); the caller commits."""
    session.execute(delete(MailRecipient).where(MailRecipient.recipient_hash == recipient_hash(kind, address)))


def forget_old(now: dt.datetime | None = None) -> int:
    """Delete finished outbox rows, and non-blocking failure counts, older than MAIL_KEEP_DAYS; the caller commits."""
    now = now or dt.datetime.now(dt.UTC)
    cutoff = now - dt.timedelta(days=int(current_app.config.get("MAIL_KEEP_DAYS", 90)))
    rows = session.execute(
        delete(MailOutbox).where(MailOutbox.status != "queued", MailOutbox.created_at < cutoff)
    ).rowcount
    session.execute(
        delete(MailRecipient).where(MailRecipient.unreachable_since.is_(None), MailRecipient.last_failure_at < cutoff)
    )
    return rows
