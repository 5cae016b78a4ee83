"""Failed sign-ins counted in the database, per account and per client address, across every worker.

Why: Flask-Limiter's default storage is memory, one count per gunicorn worker, so N workers allowed N
times the limit, and nothing slowed down guessing one person's password from many addresses. Here
failures are counted in ``signin_throttle`` in fixed windows (``WINDOW_MINUTES``): ``ACCOUNT_LIMIT``
failures for one email, or ``ADDRESS_LIMIT`` from one client address, start a cooling-off period
(``COOLOFF_MINUTES``) in which that email, or that address, cannot sign in at all; the count then
starts again. A correct password resets its account's count (not its address's, or one valid account
could be used to wipe a guesser's count).

Nothing personal is stored: rows are keyed by an HMAC (keyed by SECRET_KEY) of the normalised email or
of the client address (an IPv6 address by its /64, which one person usually holds whole). An email with
no account is counted exactly like one with an account, so the answer - including "Too many attempts" -
never says whether an account exists. Counting is one ``INSERT ... ON CONFLICT DO NOTHING`` and a row
lock, so workers racing on the same key count every failure. Rows are deleted once their window and
cooling-off have passed (a few by each failure, the rest by the hourly ``forget-expired`` job).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import math
from dataclasses import dataclass
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, delete, select
from sqlalchemy.dialects.postgresql import insert

from ..db import session, transaction
from ..models import SignInThrottle

ACCOUNT_LIMIT = 5
ADDRESS_LIMIT = 20
WINDOW_MINUTES = 15
COOLOFF_MINUTES = 10
FORGET_BATCH = 200


@dataclass(frozen=True)
class Locked:
    """A cooling-off period in force: ``seconds`` until sign-in is possible again."""

    seconds: float

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.seconds / 60))
        return f"Too many attempts. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(f"SIGNIN_{name}", default))


def _limits(scope: str) -> tuple[int, dt.timedelta, dt.timedelta]:
    limit = _setting("ACCOUNT_LIMIT", ACCOUNT_LIMIT) if scope == "account" else _setting("ADDRESS_LIMIT", ADDRESS_LIMIT)
    return (
        limit,
        dt.timedelta(minutes=_setting("WINDOW_MINUTES", WINDOW_MINUTES)),
        dt.timedelta(minutes=_setting("COOLOFF_MINUTES", COOLOFF_MINUTES)),
    )


def _hmac(text: str) -> str:
    secret = hashlib.sha256(b"assetmap-signin-throttle|" + current_app.config["SECRET_KEY"].encode()).digest()
    return hmac.new(secret, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def account_key(email: str) -> str:
    return _hmac("account|" + (email or "").strip().lower())


def address_key(address: str | None) -> str:
    """An IPv4 address as it is; an IPv6 address by its /64 network."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return _hmac("address|unknown")
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return _hmac(f"address|{ip.ipv4_mapped}")
        return _hmac("address|" + str(ipaddress.ip_network(f"{ip}/64", strict=False)))
    return _hmac(f"address|{ip}")


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def locked(email: str, address: str | None, now: dt.datetime | None = None) -> Locked | None:
    """The cooling-off period in force for this email or this address, if any (checked before the password)."""
    now = _now(now)
    until = (
        session.execute(
            select(SignInThrottle.locked_until).where(
                SignInThrottle.key_hash.in_([account_key(email), address_key(address)]),
                SignInThrottle.locked_until > now,
            )
        )
        .scalars()
        .all()
    )
    return Locked((max(until) - now).total_seconds()) if until else None


def _count(key: str, scope: str, now: dt.datetime) -> dt.datetime | None:
    """One more failure for ``key``; returns the end of a cooling-off period this failure started."""
    limit, window, cooloff = _limits(scope)
    session.execute(
        insert(SignInThrottle)
        .values(key_hash=key, scope=scope, window_start=now, failures=0, expires_at=now + window)
        .on_conflict_do_nothing(index_elements=["key_hash"])
    )
    row = session.execute(select(SignInThrottle).where(SignInThrottle.key_hash == key).with_for_update()).scalar_one()
    if row.locked_until is not None and row.locked_until > now:
        return None  # already cooling off: a further try neither counts nor extends it
    if row.window_start + window <= now or row.locked_until is not None:
        row.window_start, row.failures, row.locked_until = now, 0, None
    row.failures += 1
    started = None
    if row.failures >= limit:
        # cooling off; the next window (and its count) starts when it ends
        started = row.locked_until = now + cooloff
        row.window_start, row.failures = started, 0
    row.expires_at = max(row.window_start + window, row.locked_until or now)
    return started


def failed(email: str, address: str | None, now: dt.datetime | None = None) -> Locked | None:
    """Count a failed attempt for this email and address (own transaction); Locked if it began a cooling-off."""
    now = _now(now)
    with transaction():
        forget_expired(now)
        ends = [
            t
            for t in (_count(account_key(email), "account", now), _count(address_key(address), "address", now))
            if t is not None
        ]
    return Locked((max(ends) - now).total_seconds()) if ends else None


def forget_account(email: str) -> None:
    """A correct password (or an administrator's reset) clears the account's count; the caller commits."""
    session.execute(delete(SignInThrottle).where(SignInThrottle.key_hash == account_key(email)))


def forget_expired(now: dt.datetime | None = None) -> int:
    """Delete up to FORGET_BATCH counts whose window and cooling-off are over (sign-ins do a few; the job runner
    the rest); the caller commits."""
    old = (
        select(SignInThrottle.key_hash)
        .where(SignInThrottle.expires_at < _now(now))
        .limit(FORGET_BATCH)
        .with_for_update(skip_locked=True)
    )
    done = session.execute(delete(SignInThrottle).where(SignInThrottle.key_hash.in_(old.scalar_subquery())))
    return cast(CursorResult, done).rowcount  # a DELETE's result is a cursor result
