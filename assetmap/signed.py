"""Signed links for people with no account (an organiser's reminder, an unsubscribe, a set-password link).

Why itsdangerous: Flask already depends on it, and its ``URLSafeTimedSerializer`` signs a small payload with
a timestamp (HMAC-SHA1 over a key derived from SECRET_KEY and a salt per purpose), so a link for one purpose
can never be used as another, a changed character breaks the signature, and ``max_age`` expires it. What the
payload names (a listing, a reminder, an account) is checked against the database by the caller, which also
makes a write through a link work once. Links travel in the query string or a form field, never in a path:
the access log records paths only, so no token is ever logged.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from .errors import AppError

#: a token is a few dozen characters; anything much longer is not one of ours
MAX_TOKEN = 400


class LinkInvalid(AppError):
    status = 404
    title = "This link does not work"


class LinkExpired(AppError):
    status = 410
    title = "This link has expired"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"assetmap-{purpose}")


def sign(purpose: str, payload: dict) -> str:
    """A URL-safe token carrying ``payload`` for ``purpose``, stamped with the time it was made."""
    return _serializer(purpose).dumps(payload)


def unsign(purpose: str, token, max_age_seconds: int | None, invalid: str, expired: str) -> dict:
    """The payload of a token for ``purpose``: LinkInvalid (404) if it is not one (tampered, cut short, for
    another purpose), LinkExpired (410) if older than ``max_age_seconds``. The messages are the caller's."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
        raise LinkInvalid(invalid)
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise LinkExpired(expired) from None
    except BadSignature:
        raise LinkInvalid(invalid) from None
    if not isinstance(payload, dict):
        raise LinkInvalid(invalid)
    return payload
