"""What the account pages read: users, their areas and the names of those areas. Reads only."""

from __future__ import annotations

from sqlalchemy import select

from ..db import session
from ..errors import NotFound
from ..models import ApiToken, Constituency, User, UserArea, Ward


def users() -> list[User]:
    """Every account, by role then email."""
    return list(session.execute(select(User).order_by(User.role, User.email)).scalars())


def user(user_id) -> User:
    """The account ``user_id``; 404 if there is none."""
    found = session.get(User, user_id)
    if found is None:
        raise NotFound("There is no such user.")
    return found


def user_by_email(email: str) -> User | None:
    return session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


def user_areas(user_id) -> list[UserArea]:
    return list(session.execute(select(UserArea).where(UserArea.user_id == user_id)).scalars())


def area_names() -> dict[str, str]:
    """Ward and constituency code -> name."""
    return {
        **dict(session.execute(select(Ward.code, Ward.name)).all()),
        **dict(session.execute(select(Constituency.code, Constituency.name)).all()),
    }


def constituencies() -> list[tuple[str, str]]:
    """(code, name) of every constituency, by name, for the user form."""
    return [
        (code, name)
        for code, name in session.execute(select(Constituency.code, Constituency.name).order_by(Constituency.name))
    ]


def active_tokens(user: User) -> list[ApiToken]:
    """A user's API tokens that are not revoked, oldest first."""
    return list(
        session.execute(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .order_by(ApiToken.created_at)
        ).scalars()
    )
