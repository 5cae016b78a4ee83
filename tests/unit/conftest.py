"""Tests of the pure core: parsers, the merge, the ORUK mapper, labels and the vocabulary. No database.

The suite's autouse ``_transaction`` fixture (tests/conftest.py) needs the test database; this one replaces it for
everything below this folder and unbinds the shared session, so a test here that reached for the database would
fail at once (``UnboundExecutionError``) instead of quietly needing PostgreSQL. ``pytest tests/unit`` runs without
any database server.
"""

from __future__ import annotations

import pytest

from assetmap import db


@pytest.fixture(autouse=True)
def _transaction():
    bind = db.session.session_factory.kw.get("bind")
    db.session.remove()
    db.session.configure(bind=None)
    try:
        yield None
    finally:
        db.session.remove()
        db.session.configure(bind=bind)
