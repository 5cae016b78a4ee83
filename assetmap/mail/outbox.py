"""The mail queue: messages are queued in the caller's transaction and delivered by the job runner.

Why a queue: a send inside a request would make a slow or broken mail server the user's problem, and a
message sent before its transaction committed could describe something that never happened. Queueing in
the same transaction as the change (``queue_email`` only flushes) means the message exists exactly when
the change does; the ``deliver-mail`` job then sends it, retrying with exponential back-off
(``MAIL_RETRY_SECONDS`` x 2^(attempt-1), at most six hours apart, ``MAIL_MAX_ATTEMPTS`` tries).

Delivery takes one row at a time with ``FOR UPDATE SKIP LOCKED`` and commits its outcome before taking the
next, so two runners at once never send the same message; a crash between the provider accepting a message
and the commit can send it again (at least once, never silently lost).

Privacy: the address and the rendered message (which may name the person or their group) are kept only
sealed with Fernet (a key derived from SECRET_KEY) and only while the row is queued; sending, failing for
good or suppressing erases them (a CHECK constraint holds the database to it). The row keeps the template
name, what it was about (``ref``), the outcome and an HMAC of the recipient. Errors are recorded and logged
by class and status only. Changing SECRET_KEY makes queued messages unreadable: they fail as ``InvalidToken``.

Hard failures: a permanent failure counts against its recipient (by HMAC); ``MAIL_UNREACHABLE_AFTER`` in a
row (a delivery resets the count) marks the recipient unreachable, later messages to it are ``suppressed``
unsent, and every function registered with ``on_hard_bounce`` is called with a ``HardBounce``.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert

from ..db import session
from ..errors import AppError, ValidationError
from ..loaders import transaction
from ..models import MailOutbox, MailRecipient
from . import compose, settings as mail_settings
from .transports import Outgoing, Permanent, Transient, transport_for

log = logging.getLogger("assetmap.mail")

MAX_BACKOFF = dt.timedelta(hours=6)
_EMAIL = re.compile(r"^[^@\s<>,;\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()-]{7,25}$")


class SmsUnavailable(AppError):
    status = 503
    title = "Text messages cannot be sent"


@dataclass(frozen=True)
class HardBounce:
    """What an ``on_hard_bounce`` handler is told: the message's kind, template and ``ref``, the error's code,
    how many hard failures in a row its recipient has had, and whether it is now unreachable."""
    kind: str
    template: str
    ref: str | None
    error: str
    failures: int
    unreachable: bool


_bounce_handlers: list[Callable[[HardBounce], None]] = []


def on_hard_bounce(handler: Callable[[HardBounce], None]) -> Callable[[HardBounce], None]:
    """Register ``handler(bounce)``; called in the delivery's transaction (in a savepoint: a handler that fails
    is logged and rolled back alone). Usable as a decorator."""
    if handler not in _bounce_handlers:
        _bounce_handlers.append(handler)
    return handler


# --------------------------------------------------------------------------- sealing and hashing

def _derived(purpose: bytes) -> bytes:
    return hashlib.sha256(b"assetmap-mail|" + purpose + b"|" + current_app.config["SECRET_KEY"].encode()).digest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived(b"seal")))


def seal(payload: dict) -> bytes:
    return _fernet().encrypt(json.dumps(payload, ensure_ascii=True).encode())


def unseal(token: bytes) -> dict:
    return json.loads(_fernet().decrypt(bytes(token)))


def normalise(kind: str, address: str) -> str:
    """An email address as compared (trimmed, lower case) or a phone number as digits with its +."""
    text = (address or "").strip()
    if kind == "email":
        return text.lower()
    digits = re.sub(r"[^0-9]", "", text)
    if text.startswith("+"):
        return "+" + digits
    if digits.startswith("0"):
        return "+44" + digits[1:]
    return "+" + digits


def recipient_hash(kind: str, address: str) -> str:
    """An HMAC (keyed from SECRET_KEY) of the recipient: how hard failures are counted without the address."""
    return hmac.new(_derived(b"recipient"), f"{kind}|{normalise(kind, address)}".encode(), hashlib.sha256).hexdigest()


def checked_email(address) -> str:
    text = address.strip() if isinstance(address, str) else ""
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValidationError("Enter an email address in the correct format, like name@example.org", field="email")
    return text


def checked_phone(number) -> str:
    text = number.strip() if isinstance(number, str) else ""
    digits = re.sub(r"[^0-9]", "", text)
    if not _PHONE_CHARS.match(text) or not 10 <= len(digits) <= 15:
        raise ValidationError("Enter a mobile phone number, like 07700 900 982 or +44 7700 900 982", field="phone")
    return normalise("sms", text)


def _checked_key(value: str | None, name: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or any(c.isspace() for c in value):
        raise ValueError(f"{name} must be 1 to {limit} characters without spaces")
    return value


# --------------------------------------------------------------------------- queueing (the caller commits)

def settings() -> mail_settings.MailSettings:
    ext = current_app.extensions
    if "assetmap.mail" not in ext:
        ext["assetmap.mail"] = mail_settings.read(current_app.config)
    return ext["assetmap.mail"]


def sms_available() -> bool:
    """Whether text messages can be sent (GOV.UK Notify with an SMS template, or the development outbox)."""
    return settings().sms is not None


def _queue(kind: str, to: str, template: str, payload: dict, ref: str | None, once_key: str | None,
           send_after: dt.datetime | None) -> uuid.UUID:
    ref = _checked_key(ref, "ref", 120)
    once_key = _checked_key(once_key, "once_key", 200)
    if once_key is not None:
        found = session.execute(select(MailOutbox.id).where(MailOutbox.once_key == once_key)).scalar_one_or_none()
        if found is not None:
            return found
    values = dict(kind=kind, template=template, ref=ref, once_key=once_key, status="queued",
                  recipient_hash=recipient_hash(kind, to), sealed=seal({"to": to, **payload}))
    if send_after is not None:
        values["next_attempt_at"] = send_after
    stmt = insert(MailOutbox).values(**values).returning(MailOutbox.id)
    if once_key is not None:   # two callers at once: the second waits on the unique key, then finds the first
        stmt = stmt.on_conflict_do_nothing(index_elements=["once_key"])
    new_id = session.execute(stmt).scalar_one_or_none()
    if new_id is None:
        new_id = session.execute(select(MailOutbox.id).where(MailOutbox.once_key == once_key)).scalar_one()
    return new_id


def queue_email(to: str, template: str, context: dict | None = None, *, ref: str | None = None,
                once_key: str | None = None, unsubscribe_url: str | None = None,
                send_after: dt.datetime | None = None) -> uuid.UUID:
    """Queue the email ``templates/mail/{template}.txt|.html`` to ``to``; returns the outbox row's id.

    Rendered now (links need the request or PUBLIC_URL), delivered by the job runner. Runs in the caller's
    transaction: nothing is sent unless the caller commits. ``ref`` says what it is about (``service:<id>``;
    handed to ``on_hard_bounce`` handlers); ``once_key`` makes queueing idempotent (the same key again returns
    the first message's id and queues nothing). Neither may hold personal data. ValidationError (400) for a
    malformed address.
    """
    to = checked_email(to)
    composed = compose.render_email(template, context, unsubscribe_url)
    payload = {"subject": composed.subject, "text": composed.text, "html": composed.html,
               "unsubscribe_url": unsubscribe_url}
    return _queue("email", to, template, payload, ref, once_key, send_after)


def queue_sms(to: str, template: str, context: dict | None = None, *, ref: str | None = None,
              once_key: str | None = None, send_after: dt.datetime | None = None) -> uuid.UUID:
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


# --------------------------------------------------------------------------- delivering (the job runner)

@dataclass
class DeliveryReport:
    outcomes: Counter

    def summary(self) -> str:
        if not self.outcomes:
            return "nothing due"
        order = ("sent", "retry", "failed", "suppressed")
        return ", ".join(f"{self.outcomes[k]} {k}" for k in order if self.outcomes[k])


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def backoff(attempts: int) -> dt.timedelta:
    base = dt.timedelta(seconds=int(current_app.config.get("MAIL_RETRY_SECONDS", 60)))
    return min(base * (2 ** max(0, attempts - 1)), MAX_BACKOFF)


def _finish(row: MailOutbox, status: str, now: dt.datetime, error: str | None = None) -> None:
    row.status, row.sealed = status, None    # the address and the message go with the queued state
    if error is not None:
        row.last_error = error
    if status == "sent":
        row.sent_at = now


def _hard_failure(row: MailOutbox, error: str, now: dt.datetime) -> None:
    limit = int(current_app.config.get("MAIL_UNREACHABLE_AFTER", 3))
    counted = session.execute(
        insert(MailRecipient).values(recipient_hash=row.recipient_hash, kind=row.kind, hard_failures=1,
                                     last_failure_at=now)
        .on_conflict_do_update(index_elements=["recipient_hash"],
                               set_={"hard_failures": MailRecipient.hard_failures + 1, "last_failure_at": now})
        .returning(MailRecipient.hard_failures, MailRecipient.unreachable_since)).one()
    unreachable = counted.unreachable_since is not None or counted.hard_failures >= limit
    if unreachable and counted.unreachable_since is None:
        session.execute(update(MailRecipient).where(MailRecipient.recipient_hash == row.recipient_hash)
                        .values(unreachable_since=now))
    bounce = HardBounce(row.kind, row.template, row.ref, error, counted.hard_failures, unreachable)
    log.warning("hard failure", extra={"detail": f"{row.kind} {row.template} {error}", "unreachable": unreachable})
    for handler in list(_bounce_handlers):
        try:
            with session.begin_nested():
                handler(bounce)
        except Exception as exc:  # one handler's bug must not stop the queue or undo the outcome
            log.error("hard-bounce handler failed", extra={"detail": f"{getattr(handler, '__name__', '?')}: "
                                                                     f"{type(exc).__name__}"})


def _outgoing(row: MailOutbox, payload: dict, sender: str) -> Outgoing:
    to = payload["to"]
    if row.kind == "sms":
        return Outgoing(str(row.id), "sms", to, row.template, payload["text"])
    composed = compose.Composed(payload["subject"], payload["text"], payload.get("html"))
    email = compose.mime_message(composed, to, sender, row.template, payload.get("unsubscribe_url"))
    return Outgoing(str(row.id), "email", to, row.template, composed.text, composed.subject, composed.html,
                    payload.get("unsubscribe_url"), email)


def _deliver(row: MailOutbox, now: dt.datetime) -> str:
    """Try to send one locked, queued row; record the outcome on it. Returns the outcome."""
    cfg = settings()
    recipient = session.get(MailRecipient, row.recipient_hash)
    if recipient is not None and recipient.unreachable_since is not None:
        _finish(row, "suppressed", now, "RecipientUnreachable")
        return "suppressed"
    try:
        payload = unseal(row.sealed)
    except (InvalidToken, ValueError, TypeError):
        _finish(row, "failed", now, "InvalidToken")   # sealed under another SECRET_KEY: nobody can read it
        return "failed"
    transport = transport_for(row.kind, cfg)
    row.attempts += 1
    row.last_attempt_at = now
    try:
        if transport is None:
            raise Permanent("SmsUnavailable")
        row.provider_ref = transport.send(_outgoing(row, payload, cfg.sender))
    except Permanent as exc:
        _finish(row, "failed", now, exc.code)
        _hard_failure(row, exc.code, now)
        return "failed"
    except Exception as exc:  # Transient, or a bug in a transport: never let one message block the queue
        code = exc.code if isinstance(exc, Transient) else type(exc).__name__
        if row.attempts >= int(current_app.config.get("MAIL_MAX_ATTEMPTS", 10)):
            _finish(row, "failed", now, code)
            log.warning("gave up", extra={"detail": f"{row.kind} {row.template} {code} after {row.attempts}"})
            return "failed"
        row.last_error = code
        row.next_attempt_at = now + backoff(row.attempts)
        log.info("will retry", extra={"detail": f"{row.kind} {row.template} {code}"})
        return "retry"
    _finish(row, "sent", now)
    if recipient is not None:
        recipient.hard_failures = 0
    return "sent"


def deliver_due(now: dt.datetime | None = None, limit: int = 200) -> DeliveryReport:
    """Send up to ``limit`` due messages, one transaction each (the ``deliver-mail`` job)."""
    now = now or _utcnow()
    outcomes: Counter = Counter()
    for _ in range(limit):
        with transaction():
            row = session.execute(
                select(MailOutbox).where(MailOutbox.status == "queued", MailOutbox.next_attempt_at <= now)
                .order_by(MailOutbox.next_attempt_at, MailOutbox.created_at).limit(1).with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if row is None:
                break
            outcomes[_deliver(row, now)] += 1
    return DeliveryReport(outcomes)


def forget_old(now: dt.datetime | None = None) -> int:
    """Delete finished outbox rows, and non-blocking failure counts, older than MAIL_KEEP_DAYS; the caller commits."""
    now = now or _utcnow()
    cutoff = now - dt.timedelta(days=int(current_app.config.get("MAIL_KEEP_DAYS", 90)))
    rows = session.execute(delete(MailOutbox).where(MailOutbox.status != "queued", MailOutbox.created_at < cutoff)
                           ).rowcount
    session.execute(delete(MailRecipient).where(MailRecipient.unreachable_since.is_(None),
                                                MailRecipient.last_failure_at < cutoff))
    return rows
