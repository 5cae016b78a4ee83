"""Map markers at national scale: the results a search without filters finds, per place and per grid cell,
kept by triggers.

Counting the results in a map view live costs place -> link -> service lookups for every result (3-5 s
for a 10-mile view of central London at 1,000,000 assets). Two tables hold what the search's map
statement finds with no filters: a (service, place) pair whose place has a point and whose service is
active, not archived and not confidential (``marker_class``), shown to the public when ``public`` and
to signed-in users when ``practitioners`` too. A confidential place is in neither.

* ``marker_point``: one row per such pair (its link's id, the service, the point, the visibility, the
  ward and constituency of the place; '' outside the loaded areas), with a GiST index: the few results
  near a view's edge are counted from it with no joins.
* ``marker_cell``: per grid cell at levels 4 to 11 (a cell is 2**-level degrees of latitude by twice
  that of longitude: about 7 km down to 55 m), visibility, ward and constituency, how many points it
  holds and the sums of their coordinates (for the mean position).

Statement triggers with transition tables keep both current in the same transaction (a bulk insert is
one insert and one grouped upsert): links inserted, deleted or changed, places moved (or given other
areas), services whose class changes (visibility, status, archiving) rewrite their ``marker_point``
rows, and ``marker_point``'s own triggers add them to (or take them from) ``marker_cell``. Deleting a
place or a service cascades to its links, whose trigger takes their points out; TRUNCATE empties both.
A cell whose points all leave keeps a row with n = 0 (readers skip it).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: the levels kept (``practitioners.markers`` reads the same)
MIN_LEVEL, MAX_LEVEL = 4, 11

#: the counted pairs of the links in ``links`` (a table or transition table), as they stand now
_POINTS_OF_LINKS = """
    SELECT s.id, s.service_id, l.geom, marker_class(v.status, v.archived_at, v.visibility),
           coalesce(l.ward_code, ''), coalesce(l.constituency_code, '')
    FROM {links} s JOIN location l ON l.id = s.location_id JOIN service v ON v.id = s.service_id
    WHERE l.geom IS NOT NULL AND marker_class(v.status, v.archived_at, v.visibility) IS NOT NULL"""
_INSERT_POINTS = "\n    INSERT INTO marker_point (link_id, service_id, geom, visibility, ward_code, constituency_code)"


def _rewrite(links: str) -> str:
    """Take out the points of the links ``links`` (a query of link ids) and put back what they are now."""
    current = _POINTS_OF_LINKS.format(links="service_at_location")
    return f"""
    DELETE FROM marker_point p WHERE p.link_id IN ({links});{_INSERT_POINTS}{current} AND s.id IN ({links});"""


def _cells(rows: str, sign: int) -> str:
    """Add the points of the transition table ``rows`` (``sign`` 1) to every level's cells, or take them out."""
    return f"""
    INSERT INTO marker_cell AS c (level, cx, cy, visibility, ward_code, constituency_code, n, sum_lon, sum_lat)
    SELECT lv, floor(ST_X(p.geom) * (1 << (lv - 1)))::int, floor(ST_Y(p.geom) * (1 << lv))::int, p.visibility,
           p.ward_code, p.constituency_code, {sign} * count(*), {sign} * sum(ST_X(p.geom)), {sign} * sum(ST_Y(p.geom))
    FROM {rows} p CROSS JOIN generate_series({MIN_LEVEL}, {MAX_LEVEL}) AS lv
    GROUP BY 1, 2, 3, 4, 5, 6
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (level, cx, cy, visibility, ward_code, constituency_code) DO UPDATE
    SET n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat;"""


_MOVED = """
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.location_id = n.id
        WHERE o.geom IS DISTINCT FROM n.geom OR o.ward_code IS DISTINCT FROM n.ward_code
           OR o.constituency_code IS DISTINCT FROM n.constituency_code"""
_RECLASSED = """
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.service_id = n.id
        WHERE marker_class(o.status, o.archived_at, o.visibility)
              IS DISTINCT FROM marker_class(n.status, n.archived_at, n.visibility)"""


def _function(name: str, body: str) -> str:
    return f"""
CREATE FUNCTION marker_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{body}
    RETURN NULL;
END $$;"""


FUNCTIONS = [
    """
CREATE FUNCTION marker_class(status varchar, archived_at timestamptz, visibility varchar) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN status = 'active' AND archived_at IS NULL AND visibility <> 'confidential' THEN visibility END
$$;""",
    _function("links_added", _INSERT_POINTS + _POINTS_OF_LINKS.format(links="new_rows") + ";"),
    _function("links_removed", "\n    DELETE FROM marker_point p USING old_rows o WHERE p.link_id = o.id;"),
    _function(
        "links_changed",
        "\n    DELETE FROM marker_point p USING old_rows o WHERE p.link_id = o.id;"
        + _INSERT_POINTS
        + _POINTS_OF_LINKS.format(links="new_rows")
        + ";",
    ),
    _function("places_moved", _rewrite(_MOVED)),
    _function("services_reclassed", _rewrite(_RECLASSED)),
    _function("emptied", "\n    TRUNCATE marker_point, marker_cell;"),
    _function("points_added", _cells("new_rows", 1)),
    _function("points_removed", _cells("old_rows", -1)),
]

_BOTH = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
#: (name, table, event, transition tables, function)
TRIGGERS = [
    ("marker_links_insert", "service_at_location", "INSERT", "REFERENCING NEW TABLE AS new_rows", "links_added"),
    ("marker_links_delete", "service_at_location", "DELETE", "REFERENCING OLD TABLE AS old_rows", "links_removed"),
    ("marker_links_update", "service_at_location", "UPDATE", _BOTH, "links_changed"),
    ("marker_places_update", "location", "UPDATE", _BOTH, "places_moved"),
    ("marker_services_update", "service", "UPDATE", _BOTH, "services_reclassed"),
    ("marker_links_truncate", "service_at_location", "TRUNCATE", "", "emptied"),
    ("marker_places_truncate", "location", "TRUNCATE", "", "emptied"),
    ("marker_services_truncate", "service", "TRUNCATE", "", "emptied"),
    ("marker_points_insert", "marker_point", "INSERT", "REFERENCING NEW TABLE AS new_rows", "points_added"),
    ("marker_points_delete", "marker_point", "DELETE", "REFERENCING OLD TABLE AS old_rows", "points_removed"),
]

BACKFILL_POINTS = _INSERT_POINTS + _POINTS_OF_LINKS.format(links="service_at_location")
BACKFILL_CELLS = f"""
INSERT INTO marker_cell (level, cx, cy, visibility, ward_code, constituency_code, n, sum_lon, sum_lat)
SELECT lv, floor(ST_X(p.geom) * (1 << (lv - 1)))::int, floor(ST_Y(p.geom) * (1 << lv))::int, p.visibility,
       p.ward_code, p.constituency_code, count(*), sum(ST_X(p.geom)), sum(ST_Y(p.geom))
FROM marker_point p CROSS JOIN generate_series({MIN_LEVEL}, {MAX_LEVEL}) AS lv
GROUP BY 1, 2, 3, 4, 5, 6
"""


def upgrade() -> None:
    op.create_table(
        "marker_point",
        sa.Column("link_id", sa.UUID(), nullable=False),
        sa.Column("service_id", sa.UUID(), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("ward_code", sa.String(length=9), nullable=False),
        sa.Column("constituency_code", sa.String(length=9), nullable=False),
        sa.PrimaryKeyConstraint("link_id"),
    )
    op.create_table(
        "marker_cell",
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("cx", sa.Integer(), nullable=False),
        sa.Column("cy", sa.Integer(), nullable=False),
        sa.Column("visibility", sa.String(length=20), nullable=False),
        sa.Column("ward_code", sa.String(length=9), nullable=False),
        sa.Column("constituency_code", sa.String(length=9), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("sum_lon", postgresql.DOUBLE_PRECISION(), nullable=False),
        sa.Column("sum_lat", postgresql.DOUBLE_PRECISION(), nullable=False),
        sa.PrimaryKeyConstraint("level", "cx", "cy", "visibility", "ward_code", "constituency_code"),
    )
    for sql in FUNCTIONS:
        op.execute(sql)
    # filled before the triggers on marker_point exist, then the cells in one pass
    op.execute(BACKFILL_POINTS)
    op.execute(BACKFILL_CELLS)
    op.execute("CREATE INDEX idx_marker_point_geom ON marker_point USING gist (geom)")
    for name, table, event, referencing, fn in TRIGGERS:
        when = "AFTER"
        each = "STATEMENT"
        op.execute(
            f"CREATE TRIGGER {name} {when} {event} ON {table} {referencing} FOR EACH {each} EXECUTE FUNCTION marker_{fn}()"
        )
    op.execute("ANALYZE marker_point")
    op.execute("ANALYZE marker_cell")


def downgrade() -> None:
    for name, table, _event, _referencing, _fn in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
    for fn in dict.fromkeys(t[4] for t in TRIGGERS):
        op.execute(f"DROP FUNCTION marker_{fn}()")
    op.execute("DROP FUNCTION marker_class(varchar, timestamptz, varchar)")
    op.drop_table("marker_cell")
    op.drop_table("marker_point")
