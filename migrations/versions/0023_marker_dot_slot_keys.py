"""The map's count of a view filtered by a day or a part of the day reads only the points that may pass.

A view of a search "on a Monday" counts its points from ``marker_dot`` (migration 0022), testing each point in
view: at 1,000,000 assets the 10-mile view of central London reads all 236,391 of its points to keep the 30,460
that are on a Monday (about 100 ms, most of it reading rows that then fail). The kept slots (0021) say which
points may pass, but a bit of a bigint is no index key.

So a GIN index on ``marker_slot_keys(slots, slots_unsettled)``: the numbers of the bits set in ``slots`` (a
weekday, a part of the day, a weekday and a part of it; bit 0, any settled session), with -1 when the service
has other sessions that only the lookup can decide. A point can pass only if its keys share one with the
search's slots and -1, or its slots were worked out after the search's day (then the lookup decides): a B-tree
index on ``slots_settled_on`` finds those (none, when the day is today). The map's count ANDs both with the
view's box (``practitioners/markers.py``), and the row tests stay exact as before.

The function is costed high (``COST 10000``): worked out for a row it takes some 9 microseconds (2 s over that
view), so the planner is told to read it from the index, not to test rows with it. Writes pay for the
keys: at 1,000,000 assets 10,000 rows with changed slots took 267-315 ms to update instead of 166-182, and
the nightly rewrite in geometry order (``practitioners/jobs.py``) 12.3 s instead of 4.5 for this table.

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE FUNCTION marker_slot_keys(slots bigint, unsettled boolean) RETURNS integer[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 10000 AS $$
    SELECT array(SELECT b FROM generate_series(0, 62) AS b WHERE slots & (1::bigint << b) <> 0)
           || CASE WHEN unsettled THEN ARRAY[-1] ELSE '{}'::integer[] END
$$"""


def upgrade() -> None:
    op.execute(FUNCTION)
    op.execute(
        "CREATE INDEX idx_marker_dot_slot_keys ON marker_dot USING gin (marker_slot_keys(slots, slots_unsettled))"
    )
    op.execute("CREATE INDEX idx_marker_dot_settled ON marker_dot (slots_settled_on)")
    op.execute("ANALYZE marker_dot")


def downgrade() -> None:
    op.execute("DROP INDEX idx_marker_dot_settled")
    op.execute("DROP INDEX idx_marker_dot_slot_keys")
    op.execute("DROP FUNCTION marker_slot_keys(bigint, boolean)")
