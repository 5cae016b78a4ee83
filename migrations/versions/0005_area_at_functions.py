"""One rule for "which area is this point in": SQL functions the location trigger and searches share.

A confidential place (a refuge) is found by its ward, never by its distance, so a search's ward and
a place's ward must be found by exactly the same rule, or a point in a sliver between generalised
ward polygons could match one and not the other. ``ward_at``, ``lsoa_at`` and ``constituency_at``
hold that rule (covering area, else the nearest within 150 m, or 600 m for the 500 m-generalised
constituencies); the trigger calls them, and so does ``assetmap.geo`` for search points and places.
Each nearest-area look-up first cuts by bounding box (degrees wide enough for any latitude in Great
Britain) so the GiST index on the area's ``geom`` answers it.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: (function, table, metres, degrees of longitude, degrees of latitude covering the metres in GB)
AREAS = (
    ("ward_at", "ward", 150, 0.0028, 0.0014),
    ("lsoa_at", "lsoa", 150, 0.0028, 0.0014),
    ("constituency_at", "constituency", 600, 0.0112, 0.0055),
)


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


def _foundation_trigger_function() -> str:
    """0001's trigger function (its own rule, written out in PL/pgSQL), restored on downgrade."""
    path = Path(__file__).with_name("0001_foundation_schema.py")
    spec = importlib.util.spec_from_file_location("assetmap_migration_0001", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ASSIGN_AREAS_FN


def upgrade() -> None:
    for area in AREAS:
        op.execute(_function(*area))
    op.execute(ASSIGN_AREAS_FN)


def downgrade() -> None:
    op.execute(_foundation_trigger_function())
    for name, *_rest in AREAS:
        op.execute(f"DROP FUNCTION IF EXISTS {name}(geometry)")
