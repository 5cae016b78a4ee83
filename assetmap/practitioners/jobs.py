"""The search's own upkeep.

``search-lexicon``: the lexicon spelling correction reads (``search_lexicon``, migration 0011). Triggers add
a listing's, term's or synonym's words as they are written, but never take words away (so no edit waits on
another's lexicon rows); this daily job drops words nothing live uses any more and words that stopped being
in a public listing, so the public are never offered them.

``search-tables-order``: the tables the public search and the map walk nearest first (``marker_point``,
``marker_dot``) kept in the order of their geometry index on disk, so that neighbours share pages. Rows
written after a migration's ``CLUSTER`` land wherever there is room (an import, every edit's new row
version), and a walk of 1,001 neighbours then reads a page for each: at 1,000,000 assets the same searches
took about twice as long on the table in written order as in geometry order (bench/README.md).
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from ..db import session, transaction
from ..directory.read import LONDON
from ..jobs import job
from . import words


@job("search-lexicon", every="1d")
def rebuild_lexicon(now: dt.datetime) -> str:
    """Tidy the spelling lexicon: words no live listing, term or synonym holds go; public flags are redone."""
    with transaction():
        changed = session.execute(text("SELECT search_lexicon_rebuild()")).scalar_one()
    words.KNOWN_WORDS.forget()  # this process's; the others' within words.CACHE_SECONDS
    return f"{changed} lexicon words added, changed or removed"


#: the tables kept in order (of their geometry)
ORDERED_TABLES = ("marker_point", "marker_dot")
#: London hours in which a table may be rewritten: ``CLUSTER`` holds it against reads too while it works
#: (at 1,000,000 assets, from written order, 25 s for the two, and some 8 s more since 0023's indexes on
#: ``marker_dot``, rebuilt with it: 4.5 -> 12.3 s for that table alone; a council's take well under a second)
NIGHT_HOURS = range(1, 5)
#: a table is rewritten when a sampled row's 100 nearest neighbours lie on more than this many times the pages
#: they would fill packed side by side. At 1,000,000 assets, in this job's order: marker_point 13 pages for 8
#: packed, marker_dot 7 for 3 (clustered by the GiST index: 20 and 11); in written order 100 for both, a
#: page each
SPREAD_LIMIT = 6.0
#: ... and only when it holds at least this many pages (8 MB: a smaller table stays in memory in any order)
MIN_PAGES = 1000
#: neighbours looked at for each of ``SAMPLES`` rows
NEIGHBOURS, SAMPLES = 100, 20
#: how long the job waits for the table (a long read holds it) before it leaves it for the next hour
LOCK_WAIT = "5s"
_PAGE_ROOM = 8160  # bytes for rows on an 8 kB heap page
_ROW_OVERHEAD = 28  # a row's header and line pointer


def spread(table: str) -> tuple[float, int, int]:
    """(pages the ``NEIGHBOURS`` nearest rows of a sampled row lie on, on average; pages they would fill packed;
    the table's pages). Samples about 100 of its pages (every page of a small table), then ``SAMPLES`` index
    walks: some 20 ms at 1,000,000 assets in order, 400 ms in written order."""
    if table not in ORDERED_TABLES:
        raise ValueError(table)
    pages_now = session.execute(
        text("SELECT pg_relation_size(CAST(:t AS regclass)) / current_setting('block_size')::int"), {"t": table}
    ).scalar_one()
    percent = min(100.0, max(0.1, 100.0 * 100 / max(pages_now, 1)))
    pages, width = session.execute(
        text(
            f"""
            SELECT avg((SELECT count(DISTINCT (x.ctid::text::point)[0])
                        FROM (SELECT m.ctid FROM {table} m ORDER BY m.geom <-> s.geom LIMIT :k) x)),
                   avg(s.width)
            FROM (SELECT t.geom, pg_column_size(t.*) AS width FROM {table} t TABLESAMPLE SYSTEM (:percent)
                  ORDER BY random() LIMIT :n) s
            """
        ),
        {"k": NEIGHBOURS, "n": SAMPLES, "percent": percent},
    ).one()
    if pages is None:  # an empty table
        return 0.0, 1, int(pages_now)
    per_page = max(1, _PAGE_ROOM // (int(width) + _ROW_OVERHEAD))
    return float(pages), math.ceil(NEIGHBOURS / per_page), int(pages_now)


def put_in_order(table: str) -> None:
    """Rewrite one of ``ORDERED_TABLES`` in geometry order and count it again, in the caller's transaction (the
    table is held against reads and writes until it commits). The order is a b-tree's on the geometry, built
    for the purpose and dropped (PostGIS sorts geometries along a space-filling curve): the GiST index's own
    order is only as good as the order rows reached it (3,000 places written at random, then clustered by it:
    50 neighbours on 11 or 12 pages; by the b-tree: on 4 or 5)."""
    if table not in ORDERED_TABLES:
        raise ValueError(table)
    session.execute(text("SET LOCAL statement_timeout = 0"))
    session.execute(text(f"CREATE INDEX {table}_in_order ON {table} (geom)"))
    session.execute(text(f"CLUSTER {table} USING {table}_in_order"))
    session.execute(text(f"DROP INDEX {table}_in_order"))
    session.execute(text(f"ANALYZE {table}"))


def _lock_not_available(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) == "55P03"


@job("search-tables-order", every="1h")
def order_search_tables(now: dt.datetime) -> str:
    """Keep the search's and the map's tables in geometry order on disk (at night, when they have drifted)."""
    if now.astimezone(LONDON).hour not in NIGHT_HOURS:
        return "not night time in London: nothing done"
    said = []
    for table in ORDERED_TABLES:
        with transaction():
            pages, packed, relpages = spread(table)
        state = f"{table}: {relpages:,} pages, neighbours on {pages:.0f} (packed {packed})"
        if relpages < MIN_PAGES or pages <= SPREAD_LIMIT * packed:
            said.append(f"{state}, left as it is")
            continue
        try:
            with transaction():
                session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
                put_in_order(table)
        except OperationalError as exc:
            if not _lock_not_available(exc):
                raise
            said.append(f"{state}, busy: left for the next hour")
            continue
        said.append(f"{state}, rewritten in order")
    return "; ".join(said)
