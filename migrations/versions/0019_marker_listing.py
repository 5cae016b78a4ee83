"""Each ``marker_point`` row carries its service's name and when it was last checked, so the near view ranks
its nearest candidates without reading their listings.

The near view keeps the 1,000 nearest matching places from ``marker_point`` (``queries._point_candidates``)
and ranks them: by distance or best match, then fresh before stale before not confirmed, then by name. Those
three came from ``service``, one lookup by key per kept place: at 1,000,000 assets about 3 ms of a 9 ms
search in a dense circle. With copies here the kept places are ranked from this table alone; the listings
are read for the page's 20 only.

* ``name``, ``last_verified_on``, ``unconfirmed_since``: copies of the service's.

0015's row trigger fills them when a point is written (with 0017's copies, in the same lookup), and 0017's
statement trigger on ``service`` (update) now rewrites them too, for the services where any of its copies
changed.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

#: 0018's row trigger function, put back by the downgrade
_FILTERS_0018 = """
CREATE OR REPLACE FUNCTION marker_point_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.terms := marker_terms(NEW.service_id);
    NEW.min_cost := marker_min_cost(NEW.service_id);
    NEW.geog := NEW.geom::geography;
    SELECT v.search_tsv, v.modes INTO NEW.search_tsv, NEW.modes FROM service v WHERE v.id = NEW.service_id;
    NEW.days := marker_days(NEW.service_id);
    RETURN NEW;
END $$;"""

_FILTERS = """
CREATE OR REPLACE FUNCTION marker_point_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.terms := marker_terms(NEW.service_id);
    NEW.min_cost := marker_min_cost(NEW.service_id);
    NEW.geog := NEW.geom::geography;
    SELECT v.search_tsv, v.modes, v.name, v.last_verified_on, v.unconfirmed_since
    INTO NEW.search_tsv, NEW.modes, NEW.name, NEW.last_verified_on, NEW.unconfirmed_since
    FROM service v WHERE v.id = NEW.service_id;
    NEW.days := marker_days(NEW.service_id);
    RETURN NEW;
END $$;"""

#: 0017's statement trigger function, put back by the downgrade
_RETEXTED_0017 = """
CREATE OR REPLACE FUNCTION marker_services_retexted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point p SET search_tsv = n.search_tsv, modes = n.modes
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE p.service_id = n.id
      AND (o.search_tsv IS DISTINCT FROM n.search_tsv OR o.modes IS DISTINCT FROM n.modes);
    RETURN NULL;
END $$;"""

_RETEXTED = """
CREATE OR REPLACE FUNCTION marker_services_retexted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point p SET search_tsv = n.search_tsv, modes = n.modes, name = n.name,
                              last_verified_on = n.last_verified_on, unconfirmed_since = n.unconfirmed_since
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE p.service_id = n.id
      AND (o.search_tsv IS DISTINCT FROM n.search_tsv OR o.modes IS DISTINCT FROM n.modes
           OR o.name IS DISTINCT FROM n.name OR o.last_verified_on IS DISTINCT FROM n.last_verified_on
           OR o.unconfirmed_since IS DISTINCT FROM n.unconfirmed_since);
    RETURN NULL;
END $$;"""

BACKFILL = """
UPDATE marker_point p SET name = v.name, last_verified_on = v.last_verified_on,
                          unconfirmed_since = v.unconfirmed_since
FROM service v WHERE v.id = p.service_id
"""


def upgrade() -> None:
    op.execute("ALTER TABLE marker_point ADD COLUMN name text")
    op.execute("ALTER TABLE marker_point ADD COLUMN last_verified_on date")
    op.execute("ALTER TABLE marker_point ADD COLUMN unconfirmed_since date")
    op.execute(_FILTERS)
    op.execute(_RETEXTED)
    op.execute(BACKFILL)
    op.execute("ALTER TABLE marker_point ALTER COLUMN name SET NOT NULL")
    # the backfill rewrote every row: back in the GiST index's order (as 0015, 0017 and 0018 did), so a
    # circle's points share pages
    op.execute("CLUSTER marker_point USING idx_marker_point_geom")
    op.execute("ANALYZE marker_point")


def downgrade() -> None:
    op.execute(_RETEXTED_0017)
    op.execute(_FILTERS_0018)
    op.execute("ALTER TABLE marker_point DROP COLUMN unconfirmed_since")
    op.execute("ALTER TABLE marker_point DROP COLUMN last_verified_on")
    op.execute("ALTER TABLE marker_point DROP COLUMN name")
