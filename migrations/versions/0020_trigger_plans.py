"""The statement triggers that join a write's old and new rows plan those joins for each write's own size.

A PL/pgSQL function plans each SQL statement once per connection and keeps the plan; a statement that names
no variable is never planned again (``plan_cache_mode`` does not apply to it) until a table it reads is
changed or analysed. The triggers kept by migrations 0014, 0016, 0017 and 0019 join the transition tables
``old_rows`` and ``new_rows`` of a whole UPDATE statement; planned on a connection's first write of one row,
the join is a nested loop, and the same connection's next UPDATE of 10,000 services compared every old row
with every new one: 70 s at 1,000,000 assets where a fresh connection took 1.4 s (bench/writes.py). Each
such statement now runs through ``EXECUTE`` (the same SQL, planned for the rows it has each time; a plan
costs well under a millisecond): ``marker_places_moved`` and ``marker_services_reclassed`` (0014),
``open_data_services_updated`` (0016), ``marker_services_retexted`` (0019). Triggers that read one
transition table by key stay as they were: a nested loop over it is linear.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

#: the functions as 0014, 0016 and 0019 left them, put back by the downgrade
BEFORE = {
    "marker_places_moved": """
CREATE OR REPLACE FUNCTION marker_places_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM marker_point p WHERE p.link_id IN (
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.location_id = n.id
        WHERE o.geom IS DISTINCT FROM n.geom OR o.ward_code IS DISTINCT FROM n.ward_code
           OR o.constituency_code IS DISTINCT FROM n.constituency_code);
    INSERT INTO marker_point (link_id, service_id, geom, visibility, ward_code, constituency_code)
    SELECT s.id, s.service_id, l.geom, marker_class(v.status, v.archived_at, v.visibility),
           coalesce(l.ward_code, ''), coalesce(l.constituency_code, '')
    FROM service_at_location s JOIN location l ON l.id = s.location_id JOIN service v ON v.id = s.service_id
    WHERE l.geom IS NOT NULL AND marker_class(v.status, v.archived_at, v.visibility) IS NOT NULL AND s.id IN (
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.location_id = n.id
        WHERE o.geom IS DISTINCT FROM n.geom OR o.ward_code IS DISTINCT FROM n.ward_code
           OR o.constituency_code IS DISTINCT FROM n.constituency_code);
    RETURN NULL;
END $$;""",
    "marker_services_reclassed": """
CREATE OR REPLACE FUNCTION marker_services_reclassed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM marker_point p WHERE p.link_id IN (
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.service_id = n.id
        WHERE marker_class(o.status, o.archived_at, o.visibility)
              IS DISTINCT FROM marker_class(n.status, n.archived_at, n.visibility));
    INSERT INTO marker_point (link_id, service_id, geom, visibility, ward_code, constituency_code)
    SELECT s.id, s.service_id, l.geom, marker_class(v.status, v.archived_at, v.visibility),
           coalesce(l.ward_code, ''), coalesce(l.constituency_code, '')
    FROM service_at_location s JOIN location l ON l.id = s.location_id JOIN service v ON v.id = s.service_id
    WHERE l.geom IS NOT NULL AND marker_class(v.status, v.archived_at, v.visibility) IS NOT NULL AND s.id IN (
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.service_id = n.id
        WHERE marker_class(o.status, o.archived_at, o.visibility)
              IS DISTINCT FROM marker_class(n.status, n.archived_at, n.visibility));
    RETURN NULL;
END $$;""",
    "open_data_services_updated": """
CREATE OR REPLACE FUNCTION open_data_services_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    services bigint;
    links bigint;
BEGIN
    -- d: +1 for a service that became public, -1 for one that stopped being
    WITH moved AS (
        SELECT n.id, (n.archived_at IS NULL AND n.visibility = 'public')::int
                     - (o.archived_at IS NULL AND o.visibility = 'public')::int AS d
        FROM new_rows n JOIN old_rows o ON o.id = n.id
    ), changed AS (SELECT id, d FROM moved WHERE d <> 0)
    SELECT (SELECT coalesce(sum(d), 0) FROM changed),
           (SELECT coalesce(sum(c.d), 0) FROM changed c JOIN service_at_location l ON l.service_id = c.id)
    INTO services, links;
    PERFORM open_data_add('services', services);
    PERFORM open_data_add('service_at_locations', links);
    RETURN NULL;
END $$;""",
    "marker_services_retexted": """
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
END $$;""",
}

AFTER = {
    "marker_places_moved": """
CREATE OR REPLACE FUNCTION marker_places_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE $sql$
    DELETE FROM marker_point p WHERE p.link_id IN (
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.location_id = n.id
        WHERE o.geom IS DISTINCT FROM n.geom OR o.ward_code IS DISTINCT FROM n.ward_code
           OR o.constituency_code IS DISTINCT FROM n.constituency_code)
    $sql$;
    EXECUTE $sql$
    INSERT INTO marker_point (link_id, service_id, geom, visibility, ward_code, constituency_code)
    SELECT s.id, s.service_id, l.geom, marker_class(v.status, v.archived_at, v.visibility),
           coalesce(l.ward_code, ''), coalesce(l.constituency_code, '')
    FROM service_at_location s JOIN location l ON l.id = s.location_id JOIN service v ON v.id = s.service_id
    WHERE l.geom IS NOT NULL AND marker_class(v.status, v.archived_at, v.visibility) IS NOT NULL AND s.id IN (
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.location_id = n.id
        WHERE o.geom IS DISTINCT FROM n.geom OR o.ward_code IS DISTINCT FROM n.ward_code
           OR o.constituency_code IS DISTINCT FROM n.constituency_code)
    $sql$;
    RETURN NULL;
END $$;""",
    "marker_services_reclassed": """
CREATE OR REPLACE FUNCTION marker_services_reclassed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE $sql$
    DELETE FROM marker_point p WHERE p.link_id IN (
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.service_id = n.id
        WHERE marker_class(o.status, o.archived_at, o.visibility)
              IS DISTINCT FROM marker_class(n.status, n.archived_at, n.visibility))
    $sql$;
    EXECUTE $sql$
    INSERT INTO marker_point (link_id, service_id, geom, visibility, ward_code, constituency_code)
    SELECT s.id, s.service_id, l.geom, marker_class(v.status, v.archived_at, v.visibility),
           coalesce(l.ward_code, ''), coalesce(l.constituency_code, '')
    FROM service_at_location s JOIN location l ON l.id = s.location_id JOIN service v ON v.id = s.service_id
    WHERE l.geom IS NOT NULL AND marker_class(v.status, v.archived_at, v.visibility) IS NOT NULL AND s.id IN (
        SELECT s.id FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN service_at_location s ON s.service_id = n.id
        WHERE marker_class(o.status, o.archived_at, o.visibility)
              IS DISTINCT FROM marker_class(n.status, n.archived_at, n.visibility))
    $sql$;
    RETURN NULL;
END $$;""",
    "open_data_services_updated": """
CREATE OR REPLACE FUNCTION open_data_services_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    services bigint;
    links bigint;
BEGIN
    -- d: +1 for a service that became public, -1 for one that stopped being
    EXECUTE $sql$
    WITH moved AS (
        SELECT n.id, (n.archived_at IS NULL AND n.visibility = 'public')::int
                     - (o.archived_at IS NULL AND o.visibility = 'public')::int AS d
        FROM new_rows n JOIN old_rows o ON o.id = n.id
    ), changed AS (SELECT id, d FROM moved WHERE d <> 0)
    SELECT (SELECT coalesce(sum(d), 0) FROM changed),
           (SELECT coalesce(sum(c.d), 0) FROM changed c JOIN service_at_location l ON l.service_id = c.id)
    $sql$ INTO services, links;
    PERFORM open_data_add('services', services);
    PERFORM open_data_add('service_at_locations', links);
    RETURN NULL;
END $$;""",
    "marker_services_retexted": """
CREATE OR REPLACE FUNCTION marker_services_retexted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE $sql$
    UPDATE marker_point p SET search_tsv = n.search_tsv, modes = n.modes, name = n.name,
                              last_verified_on = n.last_verified_on, unconfirmed_since = n.unconfirmed_since
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE p.service_id = n.id
      AND (o.search_tsv IS DISTINCT FROM n.search_tsv OR o.modes IS DISTINCT FROM n.modes
           OR o.name IS DISTINCT FROM n.name OR o.last_verified_on IS DISTINCT FROM n.last_verified_on
           OR o.unconfirmed_since IS DISTINCT FROM n.unconfirmed_since)
    $sql$;
    RETURN NULL;
END $$;""",
}


def upgrade() -> None:
    for sql in AFTER.values():
        op.execute(sql)


def downgrade() -> None:
    for sql in BEFORE.values():
        op.execute(sql)
