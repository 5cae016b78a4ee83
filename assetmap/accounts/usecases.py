"""Account use cases: signing in, the admin's user pages, everyone's own account, and the command line.

Each owns its transaction (``db.transaction``); the writes themselves are in ``store`` (which only flushes)
and the reads in ``queries``. Failed sign-ins, and wrong current passwords, are counted by ``throttle``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from ..db import transaction
from ..errors import ValidationError
from ..models import User
from . import queries, store, throttle
from .auth import sign_in as start_session
from .auth import unusable_hash, verify_password

log = logging.getLogger("assetmap.auth")


@dataclass
class SignIn:
    """The outcome of a sign-in: the person signed in, or the cooling-off period in force (else neither)."""

    user: User | None = None
    wait: throttle.Locked | None = None


def sign_in(email: str, password: str, address: str | None) -> SignIn:
    """Check an email and password and start a fresh session; failures are counted per email and address."""
    email = email.strip().lower()
    # counted in the database per email and per address, so the limits hold across every worker
    wait = throttle.locked(email, address)
    if wait:
        log.warning("sign-in refused", extra={"reason": "cooling off"})
        return SignIn(wait=wait)
    user = queries.user_by_email(email)
    # an unknown email costs the same hash check as a known one, so timing does not tell them apart
    right = verify_password(user.password_hash if user else unusable_hash(), password)
    if user is None or not user.active or not right:
        log.warning("sign-in failed", extra={"reason": "bad credentials"})
        return SignIn(wait=throttle.failed(email, address))
    with transaction():
        start_session(user)
        throttle.forget_account(email)
    log.info("sign-in", extra={"user_id": str(user.id), "role": user.role})
    return SignIn(user=user)


def change_password(user_id, email: str, address: str | None, current: str, new: str, confirm: str):
    """A signed-in person changes their own password (every other session ends); ValidationError if refused.

    Guessing the current password here is a failed sign-in like any other: counted, and cooled off. Returns
    the cooling-off period in force (``throttle.Locked``) instead of changing anything, else None."""
    wait = throttle.locked(email, address)
    if wait is not None:
        return wait
    try:
        with transaction():
            user = queries.user(user_id)
            store.change_password(user, current, new, confirm)
            start_session(user)  # a fresh session for this browser; every other session has ended
    except ValidationError as exc:
        if exc.field == "current_password":
            wait = throttle.failed(email, address)
            if wait is not None:
                return wait
        raise
    return None


def add_user(email: str, role: str, password: str, name: str = "", wards=(), constituencies=()) -> User:
    with transaction():
        user = store.create_user(email, role, password, name=name, wards=wards, constituencies=constituencies)
        throttle.forget_account(user.email)  # failed sign-ins for this email before it had an account
    return user


def change_user(user_id, role: str, wards=(), constituencies=(), active: bool = True, name: str | None = None) -> None:
    with transaction():
        store.update_user(queries.user(user_id), role, wards, constituencies, active=active, name=name)


def reset_password(user_id, password: str) -> User:
    with transaction():
        user = queries.user(user_id)
        store.set_password(user, password)
        throttle.forget_account(user.email)  # they can sign in with the new password straight away
    return user


def issue_token(user_id, name: str = "") -> str:
    """A new API token for the user (returned once, stored hashed)."""
    with transaction():
        return store.issue_token(queries.user(user_id), name)


def revoke_token(user_id, token_id: uuid.UUID) -> None:
    with transaction():
        store.revoke_token(token_id, queries.user(user_id))


def create_demo_users() -> list[tuple[str, str, str]]:
    """One demo account per role, only if none exist: (email, role, password) of each created."""
    with transaction():
        return store.create_demo_users()


def token_used(token_id: uuid.UUID) -> None:
    """Save when an API token was last used successfully, read-only requests included (at most once a minute)."""
    with transaction():
        store.record_token_use(token_id, dt.datetime.now(dt.UTC))
