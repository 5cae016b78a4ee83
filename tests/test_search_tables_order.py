"""The ``search-tables-order`` job (assetmap/practitioners/jobs.py): the tables the public search and the map
walk nearest first are rewritten in geometry order at night when their rows have drifted apart on disk,
never by day, never when they are in order or small, and never by waiting long for a table a read holds;
the rows themselves never change."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from assetmap import db as dbmod
from assetmap.db import session
from assetmap.practitioners import jobs

#: 02:30 and 14:30 in London (winter: London is on UTC)
NIGHT = dt.datetime(2026, 12, 2, 2, 30, tzinfo=dt.UTC)
DAY = dt.datetime(2026, 12, 2, 14, 30, tzinfo=dt.UTC)
YORK = (-1.0815, 53.9600)


def _rows(table: str) -> list[tuple]:
    return session.execute(
        text(f"SELECT link_id, ST_AsEWKT(geom), visibility, modes, slots, access FROM {table} ORDER BY link_id")
    ).all()


def _ctids(table: str) -> dict:
    return dict(session.execute(text(f"SELECT link_id, ctid::text FROM {table}")).all())


#: listings, then a place for each written straight into marker_point (its own triggers fill the rest of the
#: row from the listing, marker_dot and the cells), at random over some 20 by 20 km, so that rows written one
#: after another lie far apart
_SCATTER_SQL = """
WITH s AS (
  INSERT INTO service (id, name, description, modes, visibility, status, illustrative, last_verified_on,
                       verification_method, version, source, source_id)
  SELECT gen_random_uuid(), 'Scattered group ' || g, 'A group.', ARRAY['in_person'], 'public', 'active', true,
         DATE '2026-06-15', 'phoned', 1, 'scatter', 's' || g
  FROM generate_series(1, :n) g
  RETURNING id
)
SELECT id FROM s
"""
_POINTS_SQL = """
INSERT INTO marker_point (link_id, service_id, geom, geog, visibility, ward_code, constituency_code)
SELECT gen_random_uuid(), x.id, x.p, x.p::geography, 'public', '', ''
FROM (SELECT id, ST_SetSRID(ST_MakePoint(:lon + (random() - 0.5) * 0.3, :lat + (random() - 0.5) * 0.18), 4326) AS p
      FROM service WHERE source = 'scatter') x
"""


@pytest.fixture(scope="module")
def _fresh_statistics(app):
    """The job's ANALYZE writes the tables' row counts in place, which the tests' rollback does not undo:
    counted again once this module's tests are done, so later tests plan on the tables as they are."""
    yield
    engine = dbmod.make_engine(app.config["SQLALCHEMY_URL"])
    with engine.begin() as conn:
        for table in jobs.ORDERED_TABLES:
            conn.execute(text(f"ANALYZE {table}"))


@pytest.fixture
def scattered(_fresh_statistics, app_ctx, db, monkeypatch):
    """3,000 places written in random order, so neighbours lie on pages far apart; the job's limits scaled to
    tables of some hundreds of pages (50 neighbours, any size of table)."""
    session.execute(text(_SCATTER_SQL), {"n": 3000})
    session.execute(text(_POINTS_SQL), {"lon": YORK[0], "lat": YORK[1]})
    monkeypatch.setattr(jobs, "NEIGHBOURS", 50)
    monkeypatch.setattr(jobs, "MIN_PAGES", 1)
    monkeypatch.setattr(jobs, "SPREAD_LIMIT", 3.0)
    return db


def test_a_drifted_table_is_rewritten_in_geometry_order_at_night_and_keeps_every_row(scattered):
    before = {t: (_rows(t), jobs.spread(t)) for t in jobs.ORDERED_TABLES}
    for _t, (_rows_before, (pages, packed, _size)) in before.items():
        assert pages > jobs.SPREAD_LIMIT * packed  # the written order scatters neighbours (else the test is moot)

    summary = jobs.order_search_tables(NIGHT)

    for table in jobs.ORDERED_TABLES:
        assert f"{table}: " in summary and "rewritten in order" in summary.split(f"{table}: ")[1].split(";")[0]
        assert _rows(table) == before[table][0]  # the same rows, column for column
        pages, packed, _size = jobs.spread(table)
        assert pages < before[table][1][0] / 2, (table, pages, before[table][1])
        assert pages <= jobs.SPREAD_LIMIT * packed
    # in order now: the next night hour leaves them be
    again = jobs.order_search_tables(NIGHT + dt.timedelta(hours=1))
    assert "rewritten" not in again and again.count("left as it is") == len(jobs.ORDERED_TABLES)


def test_by_day_nothing_is_rewritten(scattered):
    where = {t: _ctids(t) for t in jobs.ORDERED_TABLES}
    assert jobs.order_search_tables(DAY) == "not night time in London: nothing done"
    # 01:30 UTC in summer is 02:30 in London: night
    assert "rewritten in order" in jobs.order_search_tables(dt.datetime(2026, 7, 1, 1, 30, tzinfo=dt.UTC))
    assert jobs.order_search_tables(dt.datetime(2026, 7, 1, 4, 30, tzinfo=dt.UTC)).startswith("not night")  # 05:30
    assert where != {t: _ctids(t) for t in jobs.ORDERED_TABLES}  # the summer night's run did move them


def test_a_small_table_is_left_in_any_order(scattered, monkeypatch):
    monkeypatch.setattr(jobs, "MIN_PAGES", 10**6)
    where = {t: _ctids(t) for t in jobs.ORDERED_TABLES}
    summary = jobs.order_search_tables(NIGHT)
    assert summary.count("left as it is") == len(jobs.ORDERED_TABLES)
    assert where == {t: _ctids(t) for t in jobs.ORDERED_TABLES}


def test_a_table_a_read_holds_is_left_for_the_next_hour_without_waiting_long(scattered, app, monkeypatch):
    monkeypatch.setattr(jobs, "LOCK_WAIT", "300ms")
    engine = dbmod.make_engine(app.config["SQLALCHEMY_URL"])
    reader = engine.connect()
    try:
        reader.begin()
        reader.execute(text("LOCK TABLE marker_point IN ACCESS SHARE MODE"))  # a long search in progress
        where = _ctids("marker_point")
        summary = jobs.order_search_tables(NIGHT)
    finally:
        reader.rollback()
        reader.close()
    assert "marker_point: " in summary and "busy: left for the next hour" in summary
    assert where == _ctids("marker_point")
    # the other table was not held, and is done
    assert "rewritten in order" in summary.split("marker_dot: ")[1]
    session.execute(text("SELECT 1"))  # the session is still usable after the refused lock


def test_the_job_is_registered_hourly():
    from assetmap.jobs import JOBS

    assert JOBS["search-tables-order"].every == dt.timedelta(hours=1)
