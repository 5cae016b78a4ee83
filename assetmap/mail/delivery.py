"""Delivering the queue (the ``deliver-mail`` job): one message at a time, retried with back-off.

Each row is taken with ``FOR UPDATE SKIP LOCKED`` and its outcome committed before the next, so two runners
at once never send the same message; a crash between the provider accepting a message and the commit can
send it again (at least once, never silently lost). A failure that may pass is retried after
``MAIL_RETRY_SECONDS`` x 2^(attempt-1), at most six hours apart, up to ``MAIL_MAX_ATTEMPTS`` tries. Sending,
failing for good or suppressing erases the sealed address and message (a CHECK constraint holds the database
to it). Errors are recorded and logged by class and status only: a server's text often quotes the address.
Changing SECRET_KEY makes queued messages unreadable: they fail as ``InvalidToken``.

Hard failures: a permanent failure (SMTP 5xx, Notify 400) counts against its recipient (by HMAC);
``MAIL_UNREACHABLE_AFTER`` in a row (a delivery resets the count) mark the recipient unreachable, later
messages to it are ``suppressed`` unsent, and every function registered with ``on_hard_bounce`` is called
with a ``HardBounce``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from ..db import session, transaction
from ..models import MailOutbox, MailRecipient
from . import compose
from .outbox import settings
from .sealing import unseal
from .transports import Outgoing, Permanent, Transient, transport_for

log = logging.getLogger("assetmap.mail")

MAX_BACKOFF = dt.timedelta(hours=6)


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


@dataclass
class DeliveryReport:
    outcomes: Counter

    def summary(self) -> str:
        if not self.outcomes:
            return "nothing due"
        order = ("sent", "retry", "failed", "suppressed")
        return ", ".join(f"{self.outcomes[k]} {k}" for k in order if self.outcomes[k])


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def backoff(attempts: int) -> dt.timedelta:
    base = dt.timedelta(seconds=int(current_app.config.get("MAIL_RETRY_SECONDS", 60)))
    return min(base * (2 ** max(0, attempts - 1)), MAX_BACKOFF)


def _finish(row: MailOutbox, status: str, now: dt.datetime, error: str | None = None) -> None:
    row.status, row.sealed = status, None  # the address and the message go with the queued state
    if error is not None:
        row.last_error = error
    if status == "sent":
        row.sent_at = now


def _hard_failure(row: MailOutbox, error: str, now: dt.datetime) -> None:
    limit = int(current_app.config.get("MAIL_UNREACHABLE_AFTER", 3))
    counted = session.execute(
        insert(MailRecipient)
        .values(recipient_hash=row.recipient_hash, kind=row.kind, hard_failures=1, last_failure_at=now)
        .on_conflict_do_update(
            index_elements=["recipient_hash"],
            set_={"hard_failures": MailRecipient.hard_failures + 1, "last_failure_at": now},
        )
        .returning(MailRecipient.hard_failures, MailRecipient.unreachable_since)
    ).one()
    unreachable = counted.unreachable_since is not None or counted.hard_failures >= limit
    if unreachable and counted.unreachable_since is None:
        session.execute(
            update(MailRecipient)
            .where(MailRecipient.recipient_hash == row.recipient_hash)
            .values(unreachable_since=now)
        )
    bounce = HardBounce(row.kind, row.template, row.ref, error, counted.hard_failures, unreachable)
    log.warning("hard failure", extra={"detail": f"{row.kind} {row.template} {error}", "unreachable": unreachable})
    for handler in list(_bounce_handlers):
        try:
            with session.begin_nested():
                handler(bounce)
        except Exception as exc:  # one handler's bug must not stop the queue or undo the outcome
            log.error(
                "hard-bounce handler failed",
                extra={"detail": f"{getattr(handler, '__name__', '?')}: {type(exc).__name__}"},
            )


def _outgoing(row: MailOutbox, payload: dict, sender: str) -> Outgoing:
    to = payload["to"]
    if row.kind == "sms":
        return Outgoing(str(row.id), "sms", to, row.template, payload["text"])
    composed = compose.Composed(payload["subject"], payload["text"], payload.get("html"))
    email = compose.mime_message(composed, to, sender, row.template, payload.get("unsubscribe_url"))
    return Outgoing(
        str(row.id),
        "email",
        to,
        row.template,
        composed.text,
        composed.subject,
        composed.html,
        payload.get("unsubscribe_url"),
        email,
    )


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
        _finish(row, "failed", now, "InvalidToken")  # sealed under another SECRET_KEY: nobody can read it
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
                select(MailOutbox)
                .where(MailOutbox.status == "queued", MailOutbox.next_attempt_at <= now)
                .order_by(MailOutbox.next_attempt_at, MailOutbox.created_at)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).scalar_one_or_none()
            if row is None:
                break
            outcomes[_deliver(row, now)] += 1
    return DeliveryReport(outcomes)
