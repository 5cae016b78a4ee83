"""Helpers for the upkeep, accounts, import and API tests.

Requests end by removing the scoped session, which rolls back anything only flushed, so these
factories commit (to the test's savepoint; the whole test is still rolled back afterwards).
"""

from __future__ import annotations

from assetmap.db import session
from tests import factories

LADYWOOD = "E05011151"  # Birmingham; in Ladywood constituency E14001096
ACOMB = "E05010311"  # York
LADYWOOD_CONSTITUENCY = "E14001096"


def make_asset(**kw):
    service = factories.make_asset(**kw)
    session.commit()
    return service


def make_user(role="practitioner", **kw):
    user = factories.make_user(role, **kw)
    session.commit()
    return user


def fresh(model, id_):
    """The row as the database has it now."""
    session.expire_all()
    return session.get(model, id_)


def actor(user):
    """The signed-in form of a user row, as views pass it to use cases."""
    from assetmap.accounts.auth import SessionUser

    return SessionUser(user)


def build_strict_app(app, csrf: bool = True):
    """An app with CSRF (and the shared rate limiter) configured on, for the few tests about them.

    Flask-Limiter's ``enabled`` flag is global to the one limiter, so it is switched off again at
    once; use ``limits_on`` around a test that needs the limits.
    """
    from assetmap import create_app
    from assetmap.accounts import limiter

    strict = create_app(
        {
            "SQLALCHEMY_URL": app.config["SQLALCHEMY_URL"],
            "SECRET_KEY": "strict-test-key",
            "TESTING": True,
            "WTF_CSRF_ENABLED": csrf,
            "RATELIMIT_ENABLED": True,
        }
    )
    from tests.forms import FormClient

    strict.test_client_class = FormClient
    limiter.enabled = False
    return strict


class limits_on:
    """Rate limits on for the duration of a ``with`` block (and storage cleared either side)."""

    def __enter__(self):
        from assetmap.accounts import limiter

        limiter.reset()
        limiter.enabled = True

    def __exit__(self, *exc):
        from assetmap.accounts import limiter

        limiter.enabled = False
        limiter.reset()
