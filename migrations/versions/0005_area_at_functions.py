"""One rule for "which area is this point in": SQL functions the location trigger and searches share.

A confidential place (a refuge) is found by its ward, never by its distance, so a search's ward and
a place's ward must be found by exactly the same rule, or a point in a sliver between generalised
ward polygons could match one and not the other. ``ward_at``, ``lsoa_at`` and ``constituency_at``
hold that rule (covering area, else the nearest within 150 m, or 600 m for the 500 m-generalised
constituencies); the trigger calls them, and so does ``assetmap.geo`` for search points and places.
Each nearest-area look-up first cuts by bounding box (degrees wide enough for any latitude in Great
Britain) so the GiST index on the area's ``geom`` answers it.

Revision ID: 0005
Revises: 0003 (the lead re-chains this after 0004 at merge time)
"""
from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None

#: (function, table, metres, degrees of longitude, degrees of latitude covering the metres in GB)
AREAS = (("ward_at", "ward", 150, 0.0028, 0.0014),
         ("lsoa_at", "lsoa", 150, 0.0028, 0.0014),
         ("constituency_at", "constituency", 600, 0.0112, 0.0055))


def _function(name: str, table: str, metres: int, dlon: float, dlat: float) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}(p geometry) RETURNS varchar
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT COALESCE(
    (SELECT a.code FROM {table} a WHERE ST_Covers(a.geom, p) ORDER BY a.code LIMIT 1),
    (SELECT a.code FROM {table} a
      WHERE a.geom && ST_Expand(p, {dlon}, {dlat})
        AND ST_DWithin(a.geom::geography, p::geography, {metres})
      ORDER BY ST_Distance(a.geom::geography, p::geography), a.code LIMIT 1))
$$;
"""


ASSIGN_AREAS_FN = """
CREATE OR REPLACE FUNCTION location_assign_areas() RETURNS trigger AS $$
-- Every location gets its ward, constituency, LSOA and local authority from the shared *_at
-- functions (covering area, else the nearest within 150 m, 600 m for constituencies).
BEGIN
  NEW.ward_code := NULL; NEW.lad_code := NULL; NEW.lsoa_code := NULL; NEW.constituency_code := NULL;
  IF NEW.geom IS NULL THEN
    RETURN NEW;
  END IF;
  NEW.ward_code := ward_at(NEW.geom);
  IF NEW.ward_code IS NOT NULL THEN
    SELECT w.lad_code INTO NEW.lad_code FROM ward w WHERE w.code = NEW.ward_code;
  END IF;
  NEW.lsoa_code := lsoa_at(NEW.geom);
  NEW.constituency_code := constituency_at(NEW.geom);
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

#: 0001's trigger function, restored on downgrade
OLD_ASSIGN_AREAS_FN = """
CREATE OR REPLACE FUNCTION location_assign_areas() RETURNS trigger AS $$
BEGIN
  NEW.ward_code := NULL; NEW.lad_code := NULL; NEW.lsoa_code := NULL; NEW.constituency_code := NULL;
  IF NEW.geom IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT w.code, w.lad_code INTO NEW.ward_code, NEW.lad_code FROM ward w
   WHERE ST_Covers(w.geom, NEW.geom) ORDER BY w.code LIMIT 1;
  IF NEW.ward_code IS NULL THEN
    SELECT w.code, w.lad_code INTO NEW.ward_code, NEW.lad_code FROM ward w
     WHERE ST_DWithin(w.geom::geography, NEW.geom::geography, 150)
     ORDER BY ST_Distance(w.geom::geography, NEW.geom::geography) LIMIT 1;
  END IF;
  SELECT l.code INTO NEW.lsoa_code FROM lsoa l
   WHERE ST_Covers(l.geom, NEW.geom) ORDER BY l.code LIMIT 1;
  IF NEW.lsoa_code IS NULL THEN
    SELECT l.code INTO NEW.lsoa_code FROM lsoa l
     WHERE ST_DWithin(l.geom::geography, NEW.geom::geography, 150)
     ORDER BY ST_Distance(l.geom::geography, NEW.geom::geography) LIMIT 1;
  END IF;
  SELECT c.code INTO NEW.constituency_code FROM constituency c
   WHERE ST_Covers(c.geom, NEW.geom) ORDER BY c.code LIMIT 1;
  IF NEW.constituency_code IS NULL THEN
    SELECT c.code INTO NEW.constituency_code FROM constituency c
     WHERE ST_DWithin(c.geom::geography, NEW.geom::geography, 600)
     ORDER BY ST_Distance(c.geom::geography, NEW.geom::geography) LIMIT 1;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    for area in AREAS:
        op.execute(_function(*area))
    op.execute(ASSIGN_AREAS_FN)


def downgrade() -> None:
    op.execute(OLD_ASSIGN_AREAS_FN)
    for name, *_rest in AREAS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}(geometry)")
