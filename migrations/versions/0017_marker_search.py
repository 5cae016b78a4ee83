"""The near view's candidates from one table: each ``marker_point`` row carries its service's words and ways
to take part, kept by triggers, and is indexed for an index-ordered nearest-neighbour walk.

The near view ranks from the 1,001 nearest matching places (``queries._knn_best``). Walking ``location`` in
distance order and probing each filter per row (place -> link -> service, then per-filter lookups) costs
10-20 µs a row: with a category or word held by one listing in 10-20, 10,000-20,000 places are walked
(125-250 ms at 1,000,000 assets). ``marker_point`` already holds, per (service, place) pair a search may
locate by distance, the visibility, the areas, the filtered terms and the least cost (0014, 0015); with
these columns a row that fails the words or the common filters is dropped without a join:

* ``geog``: the point as geography (``geom::geography``), with a GiST index: ``ORDER BY geog <-> point
  LIMIT n`` walks the points nearest first (the operator of ``location_geog_gist``, so the same order and
  distances). A column, not an expression index on ``geom::geography``: the map's counts test
  ``ST_DWithin(geom::geography, …)`` on this table, which PostgreSQL estimates thousands of times too low
  and, given such an index, read through it (the 5-mile view of central London went from 44 ms to 2.7 s);
* ``search_tsv``: a copy of ``service.search_tsv`` (the words' test ``search_tsv @@ query`` reads it);
* ``modes``: a copy of ``service.modes`` (``modes && :modes``).

0015's ``BEFORE INSERT`` row trigger on ``marker_point`` now fills these too (one lookup of the service by
its key per point written; a point is never moved in place, 0014's triggers write it again); a statement
trigger on ``service`` (update) rewrites the copies for the services whose text or modes changed, finding
their points by a new index on ``service_id`` (which 0015's triggers use too). A GIN index on
``search_tsv`` lets a rare word start from its few listings instead of the walk. Measured at 1,000,000
assets: the fill 35-38 s; inserting 10,000 links in one statement 1.0-1.35 s before, 1.2-1.9 s after;
one listing's text change about 1 ms either way.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

#: 0015's row trigger function, put back by the downgrade
_FILTERS_0015 = """
CREATE OR REPLACE FUNCTION marker_point_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.terms := marker_terms(NEW.service_id);
    NEW.min_cost := marker_min_cost(NEW.service_id);
    RETURN NEW;
END $$;"""

_FILTERS = """
CREATE OR REPLACE FUNCTION marker_point_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.terms := marker_terms(NEW.service_id);
    NEW.min_cost := marker_min_cost(NEW.service_id);
    NEW.geog := NEW.geom::geography;
    SELECT v.search_tsv, v.modes INTO NEW.search_tsv, NEW.modes FROM service v WHERE v.id = NEW.service_id;
    RETURN NEW;
END $$;"""

_RETEXTED = """
CREATE FUNCTION marker_services_retexted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point p SET search_tsv = n.search_tsv, modes = n.modes
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE p.service_id = n.id
      AND (o.search_tsv IS DISTINCT FROM n.search_tsv OR o.modes IS DISTINCT FROM n.modes);
    RETURN NULL;
END $$;"""

BACKFILL = """
UPDATE marker_point p SET geog = p.geom::geography, search_tsv = v.search_tsv, modes = v.modes
FROM service v WHERE v.id = p.service_id
"""


def upgrade() -> None:
    op.execute("ALTER TABLE marker_point ADD COLUMN geog geography(Point, 4326)")
    op.execute("ALTER TABLE marker_point ADD COLUMN search_tsv tsvector")
    op.execute("ALTER TABLE marker_point ADD COLUMN modes text[] NOT NULL DEFAULT '{}'")
    op.execute(_FILTERS)
    op.execute(_RETEXTED)
    op.execute(BACKFILL)
    op.execute("ALTER TABLE marker_point ALTER COLUMN geog SET NOT NULL")
    # the backfill rewrote every row: rewrite the table in the GiST index's order again (as 0015 did) so a
    # circle's points share pages, and drop the old row versions; the new indexes are built after it
    op.execute("CLUSTER marker_point USING idx_marker_point_geom")
    op.execute("CREATE INDEX idx_marker_point_geog ON marker_point USING gist (geog)")
    op.execute("CREATE INDEX idx_marker_point_tsv ON marker_point USING gin (search_tsv)")
    # the triggers find a service's points by it (without it one listing's text change read every point:
    # 200 ms at 1,000,000 assets, 1 ms with it)
    op.execute("CREATE INDEX idx_marker_point_service ON marker_point (service_id)")
    op.execute(
        "CREATE TRIGGER marker_services_retexted AFTER UPDATE ON service "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION marker_services_retexted()"
    )
    op.execute("ANALYZE marker_point")


def downgrade() -> None:
    op.execute("DROP TRIGGER marker_services_retexted ON service")
    op.execute("DROP FUNCTION marker_services_retexted()")
    op.execute(_FILTERS_0015)
    op.execute("DROP INDEX idx_marker_point_service")
    op.execute("DROP INDEX idx_marker_point_tsv")
    op.execute("DROP INDEX idx_marker_point_geog")
    op.execute("ALTER TABLE marker_point DROP COLUMN modes")
    op.execute("ALTER TABLE marker_point DROP COLUMN search_tsv")
    op.execute("ALTER TABLE marker_point DROP COLUMN geog")
