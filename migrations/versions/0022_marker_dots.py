"""``marker_dot``: a narrow copy of ``marker_point`` (no words, terms or listing text), from which the map counts
a view of a search without words or terms.

A map view of a filtered search counts its points one by one (``practitioners/markers.py``), reading every
``marker_point`` row in view. A row there is about 1 KB on disk (the listing's words, its terms as text, its
name), so the 10-mile view of central London at 1,000,000 assets read some 280 MB of pages for 236,000
points, more than ``shared_buffers`` holds: 250-340 ms for "on a Monday", "this week, mornings" or
"wheelchair accessible" even with 0021's kept slots, most of it reading pages. The columns those filters
test, with the point, its classes and areas, are a small part of the row; ``marker_dot`` holds only them (one
row per ``marker_point`` row, same ``link_id``), in the GiST index's order, so the same view reads a fraction of
the pages. Words and terms (category, audience, what matters, type) are still counted from ``marker_point``.

Statement triggers on ``marker_point`` keep it: rows inserted and deleted with it, the columns copied when an
update changes one of them, emptied with it.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

#: the columns copied from ``marker_point`` (``link_id`` is the key)
COLUMNS = (
    "service_id",
    "geom",
    "visibility",
    "ward_code",
    "constituency_code",
    "min_cost",
    "modes",
    "days",
    "slots",
    "slots_settled_on",
    "slots_unsettled",
    "access",
    "access_elsewhere",
)
_COLS = ", ".join(COLUMNS)
_NEW = ", ".join(f"n.{c}" for c in COLUMNS)
_DOT = ", ".join(f"d.{c}" for c in COLUMNS)


def _function(name: str, body: str) -> str:
    return f"""
CREATE FUNCTION marker_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body};
    RETURN NULL;
END $$;"""


FUNCTIONS = [
    _function("dots_added", f"INSERT INTO marker_dot (link_id, {_COLS}) SELECT link_id, {_COLS} FROM new_rows"),
    _function("dots_removed", "DELETE FROM marker_dot d USING old_rows o WHERE d.link_id = o.link_id"),
    # by key, one transition table: a nested loop over new_rows is linear (0020 is about joining old with new)
    _function(
        "dots_changed",
        f"UPDATE marker_dot d SET ({_COLS}) = ({_NEW}) FROM new_rows n "
        f"WHERE d.link_id = n.link_id AND ({_DOT}) IS DISTINCT FROM ({_NEW})",
    ),
    _function("dots_emptied", "TRUNCATE marker_dot"),
]

#: (name, event, transition tables, function)
TRIGGERS = [
    ("marker_dots_insert", "INSERT", "REFERENCING NEW TABLE AS new_rows", "dots_added"),
    ("marker_dots_delete", "DELETE", "REFERENCING OLD TABLE AS old_rows", "dots_removed"),
    ("marker_dots_update", "UPDATE", "REFERENCING NEW TABLE AS new_rows", "dots_changed"),
    ("marker_dots_truncate", "TRUNCATE", "", "dots_emptied"),
]


def upgrade() -> None:
    op.create_table(
        "marker_dot",
        sa.Column("link_id", sa.UUID(), nullable=False),
        sa.Column("service_id", sa.UUID(), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("ward_code", sa.String(length=9), nullable=False),
        sa.Column("constituency_code", sa.String(length=9), nullable=False),
        sa.Column("min_cost", sa.Numeric(10, 2), nullable=True),
        sa.Column("modes", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("days", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'::text[]"), nullable=False),
        sa.Column("slots", sa.BigInteger(), server_default=sa.text("0"), nullable=False),
        sa.Column("slots_settled_on", sa.Date(), server_default=sa.text("'infinity'"), nullable=False),
        sa.Column("slots_unsettled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("access", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("access_elsewhere", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("link_id"),
    )
    # filled in the GiST index's order (marker_point is clustered by it), so a view's rows share pages
    op.execute(f"INSERT INTO marker_dot (link_id, {_COLS}) SELECT link_id, {_COLS} FROM marker_point")
    op.execute("CREATE INDEX idx_marker_dot_geom ON marker_dot USING gist (geom)")
    # "online or by phone" matches few places in a city: found from the index, not by reading every point
    op.execute("CREATE INDEX idx_marker_dot_modes ON marker_dot USING gin (modes)")
    op.execute("CLUSTER marker_dot USING idx_marker_dot_geom")
    for sql in FUNCTIONS:
        op.execute(sql)
    for name, event, referencing, fn in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON marker_point {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION marker_{fn}()"
        )
    op.execute("ANALYZE marker_dot")


def downgrade() -> None:
    for name, _event, _referencing, fn in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON marker_point")
        op.execute(f"DROP FUNCTION marker_{fn}()")
    op.drop_table("marker_dot")
