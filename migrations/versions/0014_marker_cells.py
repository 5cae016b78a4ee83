"""Map markers at national scale: per-cell counts of the results a search without filters finds, kept by triggers.

Counting the results in a map view live costs place -> link -> service lookups for every result (3-5 s
for a 10-mile view of central London at 1,000,000 assets). ``marker_cell`` holds, for every grid cell at
levels 4 to 10 (a cell is 2**-level degrees of latitude by twice that of longitude: about 7 km down to
110 m), each visibility a searcher may be shown, and each ward and constituency of the places, how many
(service, place) pairs it holds and the sums of their coordinates. A pair counts when its place has a
point and its service is active, not archived and not confidential (``marker_class``): what the search's
map statement finds with no filters, the public seeing ``public`` and signed-in users ``practitioners``
too. A confidential place is never counted.

Statement triggers with transition tables keep it current in the same transaction (a bulk insert is one
grouped upsert): links inserted, deleted or changed; places moved (or given other areas); services whose
class changes (visibility, status, archiving). Deleting a place or a service cascades to its links after
the row is gone, so row triggers BEFORE DELETE take their links out first; TRUNCATE empties the table.
A cell whose results all leave keeps a row with n = 0 (readers skip it).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

#: the levels kept (``practitioners.markers.LEVELS`` reads the same)
MIN_LEVEL, MAX_LEVEL = 4, 10


def _upsert(delta_sql: str) -> str:
    """Add the rows of ``delta_sql`` (lon, lat, vis, ward, con, sign) to every level's cells."""
    return f"""
    INSERT INTO marker_cell AS c (level, cx, cy, visibility, ward_code, constituency_code, n, sum_lon, sum_lat)
    SELECT lv, floor(d.lon * (1 << (lv - 1)))::int, floor(d.lat * (1 << lv))::int, d.vis,
           coalesce(d.ward, ''), coalesce(d.con, ''), sum(d.sign), sum(d.sign * d.lon), sum(d.sign * d.lat)
    FROM ({delta_sql}) d CROSS JOIN generate_series({MIN_LEVEL}, {MAX_LEVEL}) AS lv
    WHERE d.vis IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5, 6
    HAVING sum(d.sign) <> 0 OR sum(d.sign * d.lon) <> 0 OR sum(d.sign * d.lat) <> 0
    ORDER BY 1, 2, 3, 4, 5, 6
    ON CONFLICT (level, cx, cy, visibility, ward_code, constituency_code) DO UPDATE
    SET n = c.n + excluded.n, sum_lon = c.sum_lon + excluded.sum_lon, sum_lat = c.sum_lat + excluded.sum_lat;"""


def _links(links: str, sign: int) -> str:
    """The (service, place) pairs of a set of links, as they stand, with ``sign``."""
    return f"""
        SELECT ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, marker_class(v.status, v.archived_at, v.visibility) AS vis,
               l.ward_code AS ward, l.constituency_code AS con, {sign} AS sign
        FROM {links} s JOIN location l ON l.id = s.location_id JOIN service v ON v.id = s.service_id
        WHERE l.geom IS NOT NULL"""


def _places_of(places: str, sign: int, changed: str = "true") -> str:
    """The pairs at a set of places (their rows as ``places``), with ``sign``."""
    return f"""
        SELECT ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, marker_class(v.status, v.archived_at, v.visibility) AS vis,
               l.ward_code AS ward, l.constituency_code AS con, {sign} AS sign
        FROM {places} l JOIN service_at_location s ON s.location_id = l.id JOIN service v ON v.id = s.service_id
        WHERE l.geom IS NOT NULL AND {changed}"""


def _services_of(services: str, sign: int, changed: str = "true") -> str:
    """The pairs of a set of services (their rows as ``services``), with ``sign``."""
    return f"""
        SELECT ST_X(l.geom) AS lon, ST_Y(l.geom) AS lat, marker_class(v.status, v.archived_at, v.visibility) AS vis,
               l.ward_code AS ward, l.constituency_code AS con, {sign} AS sign
        FROM {services} v JOIN service_at_location s ON s.service_id = v.id JOIN location l ON l.id = s.location_id
        WHERE l.geom IS NOT NULL AND {changed}"""


_PLACE_MOVED = """EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.id = l.id
    AND (o.geom IS DISTINCT FROM n.geom OR o.ward_code IS DISTINCT FROM n.ward_code
         OR o.constituency_code IS DISTINCT FROM n.constituency_code))"""
_CLASS_CHANGED = """EXISTS (SELECT 1 FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE o.id = v.id
    AND marker_class(o.status, o.archived_at, o.visibility) IS DISTINCT FROM
        marker_class(n.status, n.archived_at, n.visibility))"""

_OLD_PLACE = (
    "(SELECT OLD.id AS id, OLD.geom AS geom, OLD.ward_code AS ward_code, OLD.constituency_code AS constituency_code)"
)
_OLD_SERVICE = (
    "(SELECT OLD.id AS id, OLD.status AS status, OLD.archived_at AS archived_at, OLD.visibility AS visibility)"
)


def _function(name: str, body: str, returns: str = "NULL") -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{body}
    RETURN {returns};
END $$;"""


FUNCTIONS = [
    """
CREATE FUNCTION marker_class(status varchar, archived_at timestamptz, visibility varchar) RETURNS varchar
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN status = 'active' AND archived_at IS NULL AND visibility <> 'confidential' THEN visibility END
$$;""",
    _function("marker_cells_links_added", _upsert(_links("new_rows", 1))),
    _function("marker_cells_links_removed", _upsert(_links("old_rows", -1))),
    _function(
        "marker_cells_links_changed",
        _upsert(_links("old_rows", -1) + "\n        UNION ALL" + _links("new_rows", 1)),
    ),
    _function(
        "marker_cells_places_moved",
        _upsert(_places_of("old_rows", -1, _PLACE_MOVED) + "\n        UNION ALL" + _places_of("new_rows", 1, _PLACE_MOVED)),
    ),
    _function(
        "marker_cells_services_changed",
        _upsert(
            _services_of("old_rows", -1, _CLASS_CHANGED) + "\n        UNION ALL" + _services_of("new_rows", 1, _CLASS_CHANGED)
        ),
    ),
    _function("marker_cells_place_deleting", _upsert(_places_of(_OLD_PLACE, -1)), "OLD"),
    _function("marker_cells_service_deleting", _upsert(_services_of(_OLD_SERVICE, -1)), "OLD"),
    _function("marker_cells_emptied", "\n    DELETE FROM marker_cell;"),
]

TRIGGERS = [
    ("service_at_location", "AFTER INSERT", "REFERENCING NEW TABLE AS new_rows", "STATEMENT", "links_added"),
    ("service_at_location", "AFTER DELETE", "REFERENCING OLD TABLE AS old_rows", "STATEMENT", "links_removed"),
    (
        "service_at_location",
        "AFTER UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "STATEMENT",
        "links_changed",
    ),
    ("location", "AFTER UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "STATEMENT", "places_moved"),
    ("service", "AFTER UPDATE", "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "STATEMENT", "services_changed"),
    ("location", "BEFORE DELETE", "", "ROW", "place_deleting"),
    ("service", "BEFORE DELETE", "", "ROW", "service_deleting"),
    ("service_at_location", "AFTER TRUNCATE", "", "STATEMENT", "emptied"),
    ("location", "AFTER TRUNCATE", "", "STATEMENT", "emptied"),
    ("service", "AFTER TRUNCATE", "", "STATEMENT", "emptied"),
]


def _trigger_name(table: str, when: str, fn: str) -> str:
    return f"marker_cells_{table}_{when.split()[1].lower()}"


BACKFILL = f"""
INSERT INTO marker_cell (level, cx, cy, visibility, ward_code, constituency_code, n, sum_lon, sum_lat)
SELECT lv, floor(d.lon * (1 << (lv - 1)))::int, floor(d.lat * (1 << lv))::int, d.vis,
       coalesce(d.ward, ''), coalesce(d.con, ''), count(*), sum(d.lon), sum(d.lat)
FROM ({_links("service_at_location", 1)}) d CROSS JOIN generate_series({MIN_LEVEL}, {MAX_LEVEL}) AS lv
WHERE d.vis IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6
"""


def upgrade() -> None:
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
    for table, when, referencing, each, fn in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {_trigger_name(table, when, fn)} {when} ON {table} {referencing} "
            f"FOR EACH {each} EXECUTE FUNCTION marker_cells_{fn}()"
        )
    op.execute(BACKFILL)
    op.execute("ANALYZE marker_cell")


def downgrade() -> None:
    for table, when, _referencing, _each, fn in TRIGGERS:
        op.execute(f"DROP TRIGGER {_trigger_name(table, when, fn)} ON {table}")
    for fn in dict.fromkeys(t[4] for t in TRIGGERS):
        op.execute(f"DROP FUNCTION marker_cells_{fn}()")
    op.execute("DROP FUNCTION marker_class(varchar, timestamptz, varchar)")
    op.drop_table("marker_cell")
