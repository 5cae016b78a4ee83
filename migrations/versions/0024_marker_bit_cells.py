"""Counts per grid cell of the points holding a broad filter's bit, so a map view "this week", "mornings" or
"wheelchair accessible" reads counts instead of every point that passes.

A view filtered by a day or a part of the day reads only the points that may pass (0023), but a broad filter
keeps many: at 1,000,000 assets "this week" keeps two points in three of the 10-mile view of central London
(some 150,000), "this week, mornings" and "wheelchair accessible" 60,000-70,000, and counting them one by one
took 150-320 ms (``bench/markers.py``). ``marker_cell`` (0014) holds such counts for a search without filters;
``marker_bit_cell`` holds them per bit of ``marker_kept_bits(slots, access)``:

* bit 0, "this week" (any settled session, ``slots`` bit 0); 8-10, a part of the day (``slots`` bits 8-10);
* 32 + k, the accessibility feature k (``access`` bit k, 0021's ``FEATURES``), of the point's own place.

per grid cell at levels 4 to 9 (about 7 km down to 220 m; a cell crossing an edge finer than that is counted
from the points, a few thousand at most in the densest view), visibility, ward and constituency, with the count
and the sums of lon and lat. A point holding the bit passes the filter (its settled slots offer the part of the
day; its own place has the feature) as long as its slots were worked out no later than the search's day; the
rest are the few only the lookup decides (``practitioners/markers.py``, ``_bit_view``).

Statement triggers on ``marker_dot`` keep it in the same transaction: the points inserted added, those deleted
taken out, an update's old rows taken out and new rows added in one grouped upsert (a group whose count does not
change and whose sums do not move is not written), emptied with it. Days and a day's parts are not kept: their
keys (0023) already leave few points to read.

Writes pay for the counts, about 0.25 ms a point written at 1,000,000 assets (``bench/kept_writes.py``: 10,000
rows changed 1.0 -> 3.7 s, a session added to 10,000 services 3.2 -> 6.4 s; one listing's write within noise),
and the table holds 5.0 million rows, 557 MB (``marker_cell``: 301 MB); "this week" in the 10-mile view of
central London went from 215 / 317 to 69 / 86 ms p50 / p95 (``bench/README.md``).

The rows a kept bit may not decide are found from indexes: for the slots, 0023's (the -1 key, the date); for a
feature, a partial GiST index of the points whose listing has another place (``idx_marker_dot_elsewhere``; none in
the synthetic set, and without it the 10-mile view of central London read all 236,000 points to find them: 63 ms).

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

#: the levels kept (``practitioners.markers`` reads the same)
MIN_LEVEL, MAX_LEVEL = 4, 9
#: the bits of ``slots`` kept (0021: 0 any session, 8-10 the parts of the day), and where the features start
SLOT_BITS = (0, 8, 9, 10)
FEATURE_BASE, FEATURES = 32, 7

FUNCTION = f"""
CREATE FUNCTION marker_kept_bits(slots bigint, access integer) RETURNS smallint[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT array(SELECT b::smallint FROM unnest(ARRAY{list(SLOT_BITS)}) AS b WHERE slots & (1::bigint << b) <> 0)
        || array(SELECT ({FEATURE_BASE} + k)::smallint FROM generate_series(0, {FEATURES - 1}) AS k
                 WHERE access & (1 << k) <> 0)
$$"""

_KEY = "level, cx, cy, bit, visibility, ward_code, constituency_code"


def _signed(rows: str, sign: int) -> str:
    """Every level's cell and kept bit of the points in ``rows``, with the count and sums signed."""
    return f"""
        SELECT lv AS level, floor(ST_X(p.geom) * (1 << (lv - 1)))::int AS cx, floor(ST_Y(p.geom) * (1 << lv))::int AS cy,
               b AS bit, p.visibility, p.ward_code, p.constituency_code,
               {sign} AS n, {sign} * ST_X(p.geom) AS x, {sign} * ST_Y(p.geom) AS y
        FROM {rows} p CROSS JOIN unnest(marker_kept_bits(p.slots, p.access)) AS b
             CROSS JOIN generate_series({MIN_LEVEL}, {MAX_LEVEL}) AS lv"""


def _upsert(changes: str) -> str:
    return f"""
    INSERT INTO marker_bit_cell AS c ({_KEY}, n, sum_lon, sum_lat)
    SELECT {_KEY}, sum(n), sum(x), sum(y) FROM ({changes}) d
    GROUP BY {_KEY}
    HAVING sum(n) <> 0 OR sum(x) <> 0 OR sum(y) <> 0
    ORDER BY {_KEY}
    ON CONFLICT ({_KEY}) DO UPDATE
    SET n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat;"""


def _function(name: str, body: str) -> str:
    return f"""
CREATE FUNCTION marker_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{body}
    RETURN NULL;
END $$;"""


FUNCTIONS = [
    _function("bits_added", _upsert(_signed("new_rows", 1))),
    _function("bits_removed", _upsert(_signed("old_rows", -1))),
    _function("bits_changed", _upsert(_signed("old_rows", -1) + "\n        UNION ALL" + _signed("new_rows", 1))),
    _function("bits_emptied", "\n    TRUNCATE marker_bit_cell;"),
]

#: (name, event, transition tables, function)
TRIGGERS = [
    ("marker_bits_insert", "INSERT", "REFERENCING NEW TABLE AS new_rows", "bits_added"),
    ("marker_bits_delete", "DELETE", "REFERENCING OLD TABLE AS old_rows", "bits_removed"),
    ("marker_bits_update", "UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "bits_changed"),
    ("marker_bits_truncate", "TRUNCATE", "", "bits_emptied"),
]


def upgrade() -> None:
    op.create_table(
        "marker_bit_cell",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("cx", sa.Integer(), nullable=False),
        sa.Column("cy", sa.Integer(), nullable=False),
        sa.Column("bit", sa.SmallInteger(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("ward_code", sa.String(length=9), nullable=False),
        sa.Column("constituency_code", sa.String(length=9), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sum_lon", postgresql.DOUBLE_PRECISION(), nullable=False),
        sa.Column("sum_lat", postgresql.DOUBLE_PRECISION(), nullable=False),
        sa.PrimaryKeyConstraint("level", "cx", "cy", "bit", "visibility", "ward_code", "constituency_code"),
    )
    op.execute(FUNCTION)
    op.execute(
        f"INSERT INTO marker_bit_cell ({_KEY}, n, sum_lon, sum_lat) "
        f"SELECT {_KEY}, sum(n), sum(x), sum(y) FROM ({_signed('marker_dot', 1)}) d GROUP BY {_KEY}"
    )
    for sql in FUNCTIONS:
        op.execute(sql)
    for name, event, referencing, fn in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON marker_dot {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION marker_{fn}()"
        )
    op.execute("CREATE INDEX idx_marker_dot_elsewhere ON marker_dot USING gist (geom) WHERE access_elsewhere")
    op.execute("ANALYZE marker_bit_cell")


def downgrade() -> None:
    for name, _event, _referencing, fn in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON marker_dot")
        op.execute(f"DROP FUNCTION marker_{fn}()")
    op.execute("DROP INDEX idx_marker_dot_elsewhere")
    op.execute("DROP FUNCTION marker_kept_bits(bigint, integer)")
    op.drop_table("marker_bit_cell")
