"""A transaction that wrote nothing ends in a commit, so psycopg keeps the statements it has prepared.

psycopg forgets every prepared statement of a connection at each rollback, and every read-only request ends
in one; with ``db._keep_prepared`` a request's search statement is parsed once per connection, not once per
request. These tests hold the connections themselves (``commits``), so they start from a clean pool.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from assetmap import db as dbmod

pytestmark = pytest.mark.commits

PREPARED = text("SELECT statement FROM pg_prepared_statements")


@pytest.fixture
def engine(database_url):
    """An engine of the app's own kind with a pool of its own (a distinct connect timeout is a distinct key)."""
    engine = dbmod.make_engine(database_url, connect_timeout_s=7)
    engine.dispose()
    yield engine
    engine.dispose()


def _read_six_times(engine, sql: str) -> None:
    for i in range(6):
        with engine.connect() as conn:  # ends in a rollback: nothing was committed
            conn.execute(text(sql), {"i": i}).all()


def test_statements_stay_prepared_across_reads_that_end_in_a_rollback(engine):
    _read_six_times(engine, "SELECT :i + 40 AS read_only_probe")
    with engine.connect() as conn:
        assert any("read_only_probe" in s for s in conn.execute(PREPARED).scalars())
        assert conn.connection.dbapi_connection.prepared_max == dbmod.PREPARED_MAX


def test_a_transaction_that_wrote_is_still_rolled_back(engine):
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE probe (x int)"))
        conn.commit()
        conn.execute(text("INSERT INTO probe VALUES (1)"))
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM probe")).scalar_one() == 0
        conn.execute(text("SELECT count(*) FROM probe")).all()
        conn.rollback()  # a read: committed instead, the same outcome
        conn.execute(text("INSERT INTO probe VALUES (2)"))
        conn.commit()
        conn.execute(text("DELETE FROM probe"))
        conn.rollback()
        assert conn.execute(text("SELECT x FROM probe")).scalars().all() == [2]
        conn.rollback()


def test_a_failed_transaction_is_rolled_back_as_before(engine):
    with engine.connect() as conn:
        with pytest.raises(Exception, match="division by zero"):
            conn.execute(text("SELECT 1 / 0"))
        conn.rollback()
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        conn.rollback()


def test_searches_through_the_app_are_parsed_once_per_connection(app, engine, rebind_session):
    """Six anonymous searches with words (the statement is 9 KB of SQL), each request ending in the
    session's rollback: the search's statement is prepared on the connection they shared."""
    dbmod.session.remove()
    dbmod.session.configure(bind=engine)
    client = app.test_client()
    for _ in range(6):
        resp = client.post("/api/search", json={"lat": 53.96, "lon": -1.08, "radius_m": 1609, "q": "lunch club"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
    with engine.connect() as conn:
        prepared = list(conn.execute(PREPARED).scalars())
    assert any(s.startswith("WITH cand AS") for s in prepared), [s[:40] for s in prepared]


def test_a_search_statement_is_converted_for_psycopg_once_not_at_every_search(app, engine, rebind_session, monkeypatch):
    """psycopg keeps its conversion of a statement's placeholders only for statements within its limits
    (``db.psycopg_queries``); the search's (10 KB, 98 parameters with words) must be within them, so no search
    statement takes psycopg's uncached path (watched here), and repeating a search adds no miss to its cache."""
    from psycopg import _queries

    uncached: list[int] = []
    convert = _queries._query2pg_nocache

    def watched(query, encoding):
        uncached.append(len(query))
        return convert(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_nocache", watched)
    dbmod.session.remove()
    dbmod.session.configure(bind=engine)
    client = app.test_client()
    body = {"lat": 53.96, "lon": -1.08, "radius_m": 1609, "q": "lunch club dementia"}
    assert client.post("/api/search", json=body).status_code == 200
    before = _queries._query2pg.cache_info()
    for _ in range(3):
        assert client.post("/api/search", json=body).status_code == 200
    assert uncached == []
    assert _queries._query2pg.cache_info().misses == before.misses


#: a prepared statement's plans so far: generic (one for any values) and custom (for its own values)
PLANS = text(
    "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE 'WITH cand AS%'"
)


def test_a_search_without_words_keeps_one_plan_for_any_place(app, engine, rebind_session):
    """The near view without words or tests of the places' keys walks the circle's index whatever the values,
    so once prepared it keeps one generic plan (``planner_off(generic=True)``); with a key test ("free") it is
    planned for its own values. That it finds what a plan of its own finds: tests/test_search_knn.py
    (``prepared``)."""
    dbmod.session.remove()
    dbmod.session.configure(bind=engine)
    client = app.test_client()
    bodies = [
        *({"lat": 53.96, "lon": -1.08, "radius_m": r} for r in (400, 1609, 4800, 16000)),
        {"lat": 52.48, "lon": -1.90, "radius_m": 3200},
        {"lat": 52.47, "lon": -1.91, "radius_m": 8000},
        {"lat": 53.95, "lon": -1.10, "radius_m": 2000, "page": 2, "per_page": 5},
    ]
    for body in [*bodies, *({**body, "free": True} for body in bodies)]:
        resp = client.post("/api/search", json=body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
    with engine.connect() as conn:
        plans = conn.execute(PLANS).all()
    free = [p for p in plans if "marker_keys_query" in p.statement]
    plain = [p for p in plans if "marker_keys_query" not in p.statement]
    assert plain and all(p.generic_plans > 0 and p.custom_plans == 0 for p in plain), plain
    assert free and all(p.generic_plans == 0 and p.custom_plans > 0 for p in free), free


def test_a_search_with_words_is_planned_for_its_own_words_each_time(app, engine, rebind_session):
    dbmod.session.remove()
    dbmod.session.configure(bind=engine)
    client = app.test_client()
    for radius in (400, 800, 1609, 3200, 4800, 8000, 12000, 16000):
        resp = client.post("/api/search", json={"lat": 53.96, "lon": -1.08, "radius_m": radius, "q": "lunch club"})
        assert resp.status_code == 200, resp.get_data(as_text=True)
    with engine.connect() as conn:
        plans = conn.execute(PLANS).all()
    assert plans and all(p.generic_plans == 0 and p.custom_plans > 0 for p in plans), plans
