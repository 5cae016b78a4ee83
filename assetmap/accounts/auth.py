"""Who is asking: session users, API tokens, roles, session timeouts, password hashing."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, request
from flask import session as cookie_session
from flask_login import AnonymousUserMixin, current_user, login_user, logout_user
from sqlalchemy import select

from ..db import session
from ..models import ApiToken, User
from . import login_manager

log = logging.getLogger("assetmap.auth")
_hasher = PasswordHasher()
SEEN_REFRESH_SECONDS = 60
#: an API token's ``last_used_at`` is saved at most once a minute, so busy clients do not write on every call
TOKEN_USE_REFRESH_SECONDS = 60


class SessionUser:
    """The signed-in person, as Flask-Login sees them (wraps the ORM row)."""

    def __init__(self, user: User):
        self.row = user
        self.id = user.id
        self.email = user.email
        self.role = user.role
        self.name = user.name or user.email
        self.is_demo = user.is_demo

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles


class Anonymous(AnonymousUserMixin):
    role = None
    id = None
    email = None

    def has_role(self, *roles: str) -> bool:
        return False


login_manager.anonymous_user = Anonymous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_unusable: list[str] = []


def unusable_hash() -> str:
    """A hash no password matches, checked for an unknown email so it takes as long as a known one."""
    if not _unusable:
        _unusable.append(hash_password(secrets.token_urlsafe(32)))
    return _unusable[0]


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the stored hash: a session is only valid while the password is unchanged."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return "am_" + secrets.token_urlsafe(32)


@login_manager.user_loader
def _load_user(user_id: str):
    import uuid

    try:
        uid = uuid.UUID(user_id)
    except ValueError:
        return None
    user = session.get(User, uid)
    if user is None or not user.active:
        return None
    if cookie_session.get("pwfp") not in (None, password_fingerprint(user.password_hash)):
        # the password was changed or reset since this session signed in
        log.info("session ended: password changed", extra={"user_id": str(user.id)})
        return None
    return SessionUser(user)


@login_manager.request_loader
def _load_from_token(req):
    """Bearer tokens for the JSON API (coordinators and admins)."""
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    token = header[len("Bearer ") :].strip()
    if not token:
        return None
    row = session.execute(
        select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).scalar_one_or_none()
    if row is None or not row.user.active:
        log.warning("api token rejected", extra={"path": req.path})
        return None
    g.api_token_auth = True
    now = dt.datetime.now(dt.UTC)
    if row.last_used_at is None or now - row.last_used_at > dt.timedelta(seconds=TOKEN_USE_REFRESH_SECONDS):
        g.api_token_used = row.id  # saved after the request (accounts.init_app), whatever the request did
    return SessionUser(row.user)


def sign_in(user: User) -> None:
    """Start a fresh session: the old session's contents are discarded (regenerated at login)."""
    cookie_session.clear()
    login_user(SessionUser(user))
    now = dt.datetime.now(dt.UTC).timestamp()
    cookie_session["login_at"] = now
    cookie_session["seen_at"] = now
    cookie_session["sid"] = secrets.token_hex(16)
    cookie_session["pwfp"] = password_fingerprint(user.password_hash)
    user.last_login_at = dt.datetime.now(dt.UTC)


def sign_out() -> None:
    logout_user()
    cookie_session.clear()


def roles_required(*roles: str):
    """View decorator: 401 for anonymous users (sign-in page for HTML), 403 for the wrong role."""

    def deco(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.path.startswith("/api/"):
                    abort(401)
                return login_manager.unauthorized()
            if roles and not current_user.has_role(*roles):
                log.warning(
                    "denied", extra={"path": request.path, "role": current_user.role, "user_id": str(current_user.id)}
                )
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return deco


def init_app(app) -> None:
    global _hasher
    if app.config.get("TESTING"):
        # tests create hundreds of accounts; the cheapest Argon2 parameters keep the suite fast.
        # Hashes carry their own parameters, so verification is unaffected either way.
        from argon2 import profiles

        _hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)

    @app.before_request
    def _enforce_timeouts():
        if getattr(g, "api_token_auth", False) or "login_at" not in cookie_session:
            return
        now = dt.datetime.now(dt.UTC).timestamp()
        idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
        absolute = current_app.config["SESSION_ABSOLUTE_HOURS"] * 3600
        if now - cookie_session.get("seen_at", 0) > idle or now - cookie_session["login_at"] > absolute:
            sign_out()
            cookie_session["timed_out"] = True
            return
        # Refresh "last seen" at most once a minute, and never from background fetches (map data,
        # static files): every refresh rewrites the cookie, and a slow background response carrying
        # an older session would otherwise overwrite a search saved by a request that finished first.
        background = request.path.startswith("/static/") or request.path.endswith((".json", ".geojson"))
        if not background and now - cookie_session.get("seen_at", 0) > SEEN_REFRESH_SECONDS:
            cookie_session["seen_at"] = now
