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


# --------------------------------------------------------------------------- invitations and password links
#
# No administrator ever sees a password: a new account gets an invitation with a link to choose one, and a
# forgotten password a link to set a new one. The link is signed for the account and for its password as it
# is now (a digest of the stored hash), so it stops working once a password is set: it works once. Asking
# for a link answers the same whether or not the address has an account (no enumeration), and at most
# LINKS_PER_HOUR go to one address in an hour (counted from the mail queue, by the recipient's HMAC).

INVITE_DAYS = 7
RESET_MINUTES = 60
LINKS_PER_HOUR = 3
LINK_INVALID = "This link is not complete or has been changed. Ask for a new one."
LINK_EXPIRED = "This link has expired. Ask for a new one."
LINK_USED = "This link has already been used to set a password. Sign in, or ask for a new link."


def _link(user: User, kind: str) -> str:
    from .. import mail, signed
    from .auth import password_fingerprint

    token = signed.sign(f"account-{kind}", {"u": user.id.hex, "f": password_fingerprint(user.password_hash)})
    return mail.external_url("accounts.set_password", t=token)


def _queue_link(user: User, kind: str) -> bool:
    """Queue an invitation or a reset link to ``user`` (in the caller's transaction); False if they opted out."""
    from .. import mail
    from ..mail import optout
    from ..vocabulary import ROLES

    if optout.opted_out("account", user.email):
        return False
    context = (
        {
            "link": _link(user, "invite"),
            "name": user.name,
            "role": ROLES.label(user.role).lower(),
            "expires": f"{(dt.datetime.now(dt.UTC) + dt.timedelta(days=INVITE_DAYS)):%-d %B %Y}",
        }
        if kind == "invite"
        else {"link": _link(user, "reset"), "minutes": RESET_MINUTES}
    )
    mail.queue_email(
        user.email,
        "invitation" if kind == "invite" else "password_reset",
        context,
        ref=f"user:{user.id}",
        unsubscribe_url=optout.unsubscribe_url("account", user.email),
    )
    return True


def invite_user(email: str, role: str, name: str = "", wards=(), constituencies=()) -> tuple[User, bool]:
    """Create an account with no usable password and email its owner a link to choose one.

    Returns the user and whether the invitation was queued (not, if the address unsubscribed)."""
    import secrets

    with transaction():
        # a random password nobody knows or sees: the account is unusable until its owner chooses one
        user = store.create_user(
            email, role, secrets.token_urlsafe(32), name=name, wards=wards, constituencies=constituencies
        )
        throttle.forget_account(user.email)
        sent = _queue_link(user, "invite")
    return user, sent


def send_password_link(user_id) -> tuple[User, bool]:
    """An administrator sends someone a link to set a new password (their present one works until then)."""
    with transaction():
        user = queries.user(user_id)
        return user, _queue_link(user, "reset")


def forgot_password(email_raw: str) -> None:
    """'Forgot your password': a link to the address if it has an active account, at most LINKS_PER_HOUR an
    hour. Says nothing either way: the page after is the same."""
    from sqlalchemy import func, select

    from .. import parsing
    from ..db import session
    from ..mail import compose
    from ..mail.sealing import recipient_hash
    from ..models import MailOutbox

    email = (parsing.email(email_raw, "email", required="Enter your email address") or "").lower()
    with transaction():
        user = queries.user_by_email(email)
        recent = session.execute(
            select(func.count())
            .select_from(MailOutbox)
            .where(
                MailOutbox.recipient_hash == recipient_hash("email", email),
                MailOutbox.template == "password_reset",
                MailOutbox.created_at > func.now() - dt.timedelta(hours=1),
            )
        ).scalar_one()
        if user is None or not user.active or recent >= LINKS_PER_HOUR:
            # the same rendering work as a real link, so the answer takes about as long either way
            compose.render_email("password_reset", {"link": "", "minutes": RESET_MINUTES})
            log.info("password link not sent", extra={"reason": "no account or limit"})
            return
        _queue_link(user, "reset")
        log.info("password link sent", extra={"user_id": str(user.id)})


def account_for_link(token) -> User:
    """The account a set-password link is for, if it still works (a 4xx AppError otherwise)."""
    import uuid

    from .. import signed
    from .auth import password_fingerprint

    payload = None
    expired = False
    for kind, seconds in (("reset", RESET_MINUTES * 60), ("invite", INVITE_DAYS * 86400)):
        try:
            payload = signed.unsign(f"account-{kind}", token, seconds, LINK_INVALID, LINK_EXPIRED)
            break
        except signed.LinkExpired:
            expired = True
        except signed.LinkInvalid:
            continue
    if payload is None:
        raise (signed.LinkExpired if expired else signed.LinkInvalid)(LINK_EXPIRED if expired else LINK_INVALID)
    from ..errors import NotFound

    try:
        user = queries.user(uuid.UUID(str(payload.get("u"))))
    except (ValueError, NotFound):
        raise signed.LinkInvalid(LINK_INVALID) from None
    if not user.active:
        raise signed.LinkInvalid(LINK_INVALID)
    if payload.get("f") != password_fingerprint(user.password_hash):
        from ..errors import Conflict

        raise Conflict(LINK_USED)
    return user


def set_password_from_link(token, new: str, confirm: str) -> User:
    """Set the password a link is for (which makes the link stop working) and forget failed sign-ins."""
    if new != confirm:
        raise ValidationError("The passwords do not match", field="confirm_password")
    with transaction():
        user = account_for_link(token)
        try:
            store.set_password(user, new)
        except ValidationError as exc:
            raise ValidationError(exc.message, field="new_password") from None
        throttle.forget_account(user.email)
    log.info("password set from a link", extra={"user_id": str(user.id)})
    return user


def set_digest(user_id, wanted: bool) -> None:
    """Turn your own daily digest on or off (the same opt-out its unsubscribe link records)."""
    from sqlalchemy.dialects.postgresql import insert

    from ..db import session
    from ..mail import optout
    from ..mail.sealing import recipient_hash
    from ..models import EmailOptout

    with transaction():
        user = queries.user(user_id)
        if wanted:
            optout.opt_in("digest", user.email)
        else:
            session.execute(
                insert(EmailOptout)
                .values(
                    recipient_hash=recipient_hash("email", user.email),
                    purpose="digest",
                    created_at=dt.datetime.now(dt.UTC),
                )
                .on_conflict_do_nothing()
            )


def wants_digest(user_id) -> bool:
    from ..mail import optout

    return not optout.opted_out("digest", queries.user(user_id).email)
