"""Helpers for the upkeep, accounts, import and API tests.

Requests end by removing the scoped session, which rolls back anything only flushed, so these
factories commit (to the test's savepoint; the whole test is still rolled back afterwards).
"""
from __future__ import annotations

from assetmap.db import session
from tests import factories

LADYWOOD = "E05011151"        # Birmingham; in Ladywood constituency E14001096
ACOMB = "E05010311"           # York
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
