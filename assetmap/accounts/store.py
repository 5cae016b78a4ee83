"""Writing accounts: create users, assign areas, set passwords, issue and revoke API tokens.

Each function checks its input and flushes; none commits. The use cases in ``usecases`` own the
transaction (and the tests call these inside theirs).
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid

from sqlalchemy import select, update

from .. import parsing
from ..db import session
from ..errors import NotFound, ValidationError
from ..models import ApiToken, Constituency, User, UserArea, Ward
from ..vocabulary import ROLES
from .auth import hash_password, hash_token, new_token
from .queries import active_tokens

DEMO_PASSWORD_BYTES = 9
MAX_NAME = 200
log = logging.getLogger("assetmap.authz")


def normalise_email(email: str) -> str:
    """An account's email address: the edge's email check (length first, linear), lower-cased."""
    return parsing.email(email, "email", required="Enter an email address").lower()


def check_password(password: str) -> None:
    if len(password or "") < 12:
        raise ValidationError("Password must be 12 characters or more", field="password")
    if len(password) > 200:
        raise ValidationError("Password must be 200 characters or fewer", field="password")


def set_areas(user: User, wards: list[str], constituencies: list[str]) -> None:
    """Replace a user's area assignments; unknown codes are refused."""
    known_w = set(session.execute(select(Ward.code).where(Ward.code.in_(wards))).scalars()) if wards else set()
    known_c = (
        set(session.execute(select(Constituency.code).where(Constituency.code.in_(constituencies))).scalars())
        if constituencies
        else set()
    )
    bad = [w for w in wards if w not in known_w] + [c for c in constituencies if c not in known_c]
    if bad:
        raise ValidationError(f"Unknown ward or constituency code: {', '.join(bad)}", field="areas")
    user.areas = [UserArea(id=uuid.uuid4(), area_type="ward", area_code=w) for w in sorted(set(wards))] + [
        UserArea(id=uuid.uuid4(), area_type="constituency", area_code=c) for c in sorted(set(constituencies))
    ]


def create_user(
    email: str, role: str, password: str, name: str = "", wards=(), constituencies=(), is_demo: bool = False
) -> User:
    email = normalise_email(email)
    name = parsing.text(name, "name", max_len=MAX_NAME, label="Name")
    if role not in ROLES:
        raise ValidationError(f"Role must be one of {', '.join(ROLES.codes)}", field="role")
    check_password(password)
    if session.execute(select(User.id).where(User.email == email)).first():
        raise ValidationError(f"There is already an account for {email}", field="email")
    if (wards or constituencies) and role != "coordinator":
        raise ValidationError("Only coordinators are assigned wards or constituencies", field="areas")
    user = User(
        id=uuid.uuid4(),
        email=email,
        role=role,
        name=name or email.split("@")[0],
        password_hash=hash_password(password),
        is_demo=is_demo,
    )
    session.add(user)
    set_areas(user, list(wards), list(constituencies))
    session.flush()
    return user


def issue_token(user: User, name: str = "") -> str:
    """Create an API token for a coordinator or admin; the token is returned once, stored hashed."""
    if user.role not in ("coordinator", "admin"):
        raise ValidationError("Only coordinators and admins can have API tokens", field="role")
    name = (name or "").strip()[:100]
    token = new_token()
    session.add(ApiToken(id=uuid.uuid4(), user_id=user.id, token_hash=hash_token(token), name=name))
    session.flush()
    return token


def revoke_token(token_id: uuid.UUID, user: User) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        if row is not None:
            log.warning("denied", extra={"action": "revoke-token", "status": 404, "user_id": str(user.id)})
        raise NotFound("That token does not exist")
    if row.revoked_at is None:
        row.revoked_at = dt.datetime.now(dt.UTC)


DEMO_ACCOUNTS = [
    # email, role, wards, constituencies, name
    ("admin@demo.assetmap.test", "admin", [], [], "Demo administrator"),
    (
        "coordinator@demo.assetmap.test",
        "coordinator",
        ["E05011151", "E05010311"],
        [],
        "Demo coordinator (Ladywood ward, Acomb)",
    ),
    ("nns@demo.assetmap.test", "coordinator", [], ["E14001097"], "Demo Neighbourhood Network Scheme (Northfield)"),
    ("practitioner@demo.assetmap.test", "practitioner", [], [], "Demo practitioner"),
    ("commissioner@demo.assetmap.test", "commissioner", [], [], "Demo commissioner"),
]


def create_demo_users() -> list[tuple[str, str, str]]:
    """One demo account per role (plus an NNS lead), only if none exist; returns (email, role, password)."""
    if session.execute(select(User.id).where(User.is_demo.is_(True)).limit(1)).first():
        return []
    created = []
    for email, role, wards, cons, name in DEMO_ACCOUNTS:
        known_w = [w for w in wards if session.get(Ward, w)]
        known_c = [c for c in cons if session.get(Constituency, c)]
        password = secrets.token_urlsafe(DEMO_PASSWORD_BYTES)
        create_user(email, role, password, name=name, wards=known_w, constituencies=known_c, is_demo=True)
        created.append((email, role, password))
    return created


def _active_admins(excluding: uuid.UUID | None = None) -> int:
    q = select(User.id).where(User.role == "admin", User.active.is_(True))
    if excluding is not None:
        q = q.where(User.id != excluding)
    return len(session.execute(q).all())


def update_user(
    user: User, role: str, wards=(), constituencies=(), active: bool = True, name: str | None = None
) -> None:
    """Change a user's role, areas, name or whether they can sign in; the last admin cannot be removed."""
    if role not in ROLES:
        raise ValidationError(f"Role must be one of {', '.join(ROLES.codes)}", field="role")
    if name is not None:
        name = parsing.text(name, "name", max_len=MAX_NAME, label="Name") or ""
    if (wards or constituencies) and role != "coordinator":
        raise ValidationError("Only coordinators are assigned wards or constituencies", field="areas")
    if user.role == "admin" and (role != "admin" or not active) and _active_admins(excluding=user.id) == 0:
        raise ValidationError("There must always be at least one active administrator", field="role")
    user.role = role
    user.active = bool(active)
    if name is not None:
        user.name = name or user.email.split("@")[0]
    set_areas(user, list(wards), list(constituencies))
    if role not in ("coordinator", "admin"):
        for token in active_tokens(user):
            token.revoked_at = dt.datetime.now(dt.UTC)
    session.flush()


def set_password(user: User, password: str) -> None:
    check_password(password)
    user.password_hash = hash_password(password)


def change_password(user: User, current: str, new: str, confirm: str) -> None:
    """A signed-in person changes their own password (other sessions stop working)."""
    from .auth import verify_password

    if not verify_password(user.password_hash, current or ""):
        raise ValidationError("Your current password is not right", field="current_password")
    if new != confirm:
        raise ValidationError("The new passwords do not match", field="confirm_password")
    try:
        set_password(user, new)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="new_password") from None


def record_token_use(token_id: uuid.UUID, at: dt.datetime) -> None:
    """Note when a token was last used (an UPDATE, so it needs no loaded row)."""
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=at))
