"""Plain keyword-default factories for tests (no factory library, no mocks)."""

from __future__ import annotations

import contextlib
import itertools
import uuid

from assetmap.accounts.store import create_user
from assetmap.db import session
from assetmap.directory.records import parse_record
from assetmap.directory.store import create_asset, known_wards, vocabulary

_seq = itertools.count(1)

#: A real Birmingham postcode in Ladywood ward (E05011151) and Ladywood constituency (E14001096).
BIRMINGHAM_POSTCODE = "B1 1BA"
BIRMINGHAM_LONLAT = (-1.900211, 52.475425)
YORK_POSTCODE = "YO1 7HH"


def asset_fields(**overrides) -> dict:
    """A valid asset in the CSV template's field names."""
    n = next(_seq)
    base = {
        "source_id": f"test-{n}-{uuid.uuid4().hex[:6]}",
        "name": f"Test asset {n}",
        "description": "A friendly weekly group for anyone who wants company.",
        "categories": "social-groups",
        "audiences": "all-adults",
        "capabilities": "love-friendship-support",
        "asset_type": "association",
        "modes": "in_person",
        "lon": BIRMINGHAM_LONLAT[0],
        "lat": BIRMINGHAM_LONLAT[1],
        "schedule": "mon 10:00-12:00",
        "cost_amount": "0",
        "cost_description": "Free",
        "visibility": "public",
        "last_verified": "2026-10-01",
        "verification_method": "visited",
    }
    base.update(overrides)
    return base


def make_asset(source: str = "test", actor_id=None, steward_id=None, **overrides):
    """Create an asset through the real write path and return the Service row."""
    rec = parse_record(asset_fields(**overrides), vocabulary(), known_wards())
    service = create_asset(rec, actor_id=actor_id, source=source, steward_id=steward_id)
    session.flush()
    return service


def make_user(
    role: str = "practitioner",
    email: str | None = None,
    password: str = "correct horse battery",
    wards=(),
    constituencies=(),
    **kw,
):
    email = email or f"{role}-{next(_seq)}-{uuid.uuid4().hex[:6]}@example.org"
    user = create_user(email, role, password, wards=list(wards), constituencies=list(constituencies), **kw)
    session.flush()
    return user


def login(client, user, password: str = "correct horse battery"):
    """Sign in through the real sign-in form; returns the response."""
    return client.post("/sign-in", data={"email": user.email, "password": password})


@contextlib.contextmanager
def scratch_database(database_url: str, suffix: str):
    """An empty database beside the test database (same server), dropped afterwards; yields its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(database_url)
    scratch = base.set(database=base.database + suffix)
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{scratch.database}"'))
    try:
        yield scratch
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        admin.dispose()
