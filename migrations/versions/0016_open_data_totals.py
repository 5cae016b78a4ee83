"""Open data totals kept by triggers, and an index that pages the public services by name.

``GET /oruk/services`` answered every page with ``count(*)`` over every public service and an
``ORDER BY name, id OFFSET`` that sorted them all: 1.2-1.5 s a page at 1,000,000 services under load.
ORUK 3.0's page object needs the exact ``total_items``, so the totals of the two unfiltered lists are
kept in ``open_data_total`` by triggers, in the same transaction as every write:

* ``services``: services an anonymous visitor may read (``archived_at IS NULL AND visibility =
  'public'``, exactly ``directory.access.readable_filter(None)``); statement triggers on ``service``
  add the public rows inserted and take away the public rows deleted, and an update adds the rows that
  became public and takes away the ones that stopped being.
* ``service_at_locations``: links (``service_at_location``) of such services. Statement triggers on
  ``service_at_location`` count the links written or removed whose service is public; an update of
  ``service`` moves the links of each service that became or stopped being public. Deleting a service
  deletes its links by cascade, when the service is already gone, so a ``BEFORE DELETE`` row trigger on
  ``service`` takes its links away first (and the link trigger then finds no public service for them).

The counter row is written only when a statement changes its count (an edit of a name or a description
does not touch it), so ordinary edits never wait on each other for it. A ``TRUNCATE`` recounts.

``service_public_name_idx`` is ``(name, id)`` over exactly those services, so a page is read from the
index in the API's order, and the ids of a deep page are found by an index-only scan
(``opendata/queries.py``); ``service_public_updated_idx`` serves ``modified_after`` (a feed reader's
"what changed since my last visit"), which read every service before.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

PUBLIC = "archived_at IS NULL AND visibility = 'public'"

FUNCTIONS = [
    """
CREATE FUNCTION open_data_add(which text, delta bigint) RETURNS void LANGUAGE sql AS $$
    UPDATE open_data_total SET n = n + delta WHERE kind = which AND delta <> 0
$$;""",
    """
CREATE FUNCTION open_data_recount() RETURNS void LANGUAGE sql AS $$
    UPDATE open_data_total SET n = CASE kind
        WHEN 'services' THEN (SELECT count(*) FROM service WHERE archived_at IS NULL AND visibility = 'public')
        ELSE (SELECT count(*) FROM service_at_location l JOIN service s ON s.id = l.service_id
              WHERE s.archived_at IS NULL AND s.visibility = 'public')
    END
$$;""",
    f"""
CREATE FUNCTION open_data_services_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM open_data_add('services', (SELECT count(*) FROM new_rows WHERE {PUBLIC}));
    RETURN NULL;
END $$;""",
    f"""
CREATE FUNCTION open_data_services_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM open_data_add('services', -(SELECT count(*) FROM old_rows WHERE {PUBLIC}));
    RETURN NULL;
END $$;""",
    """
CREATE FUNCTION open_data_service_links_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.archived_at IS NULL AND OLD.visibility = 'public' THEN
        PERFORM open_data_add(
            'service_at_locations', -(SELECT count(*) FROM service_at_location WHERE service_id = OLD.id));
    END IF;
    RETURN OLD;
END $$;""",
    """
CREATE FUNCTION open_data_services_updated() RETURNS trigger LANGUAGE plpgsql AS $$
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
    """
CREATE FUNCTION open_data_links_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM open_data_add('service_at_locations', (
        SELECT count(*) FROM new_rows l JOIN service s ON s.id = l.service_id
        WHERE s.archived_at IS NULL AND s.visibility = 'public'));
    RETURN NULL;
END $$;""",
    """
CREATE FUNCTION open_data_links_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM open_data_add('service_at_locations', -(
        SELECT count(*) FROM old_rows l JOIN service s ON s.id = l.service_id
        WHERE s.archived_at IS NULL AND s.visibility = 'public'));
    RETURN NULL;
END $$;""",
    """
CREATE FUNCTION open_data_links_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM open_data_add('service_at_locations', (
        SELECT count(*) FROM new_rows l JOIN service s ON s.id = l.service_id
        WHERE s.archived_at IS NULL AND s.visibility = 'public') - (
        SELECT count(*) FROM old_rows l JOIN service s ON s.id = l.service_id
        WHERE s.archived_at IS NULL AND s.visibility = 'public'));
    RETURN NULL;
END $$;""",
    """
CREATE FUNCTION open_data_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM open_data_recount();
    RETURN NULL;
END $$;""",
]

#: (trigger, table, event, transition tables, function)
TRIGGERS = [
    ("open_data_services_insert", "service", "INSERT", "REFERENCING NEW TABLE AS new_rows", "services_inserted"),
    ("open_data_services_delete", "service", "DELETE", "REFERENCING OLD TABLE AS old_rows", "services_deleted"),
    (
        "open_data_services_update",
        "service",
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "services_updated",
    ),
    ("open_data_services_truncate", "service", "TRUNCATE", "", "truncated"),
    ("open_data_links_insert", "service_at_location", "INSERT", "REFERENCING NEW TABLE AS new_rows", "links_inserted"),
    ("open_data_links_delete", "service_at_location", "DELETE", "REFERENCING OLD TABLE AS old_rows", "links_deleted"),
    (
        "open_data_links_update",
        "service_at_location",
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "links_updated",
    ),
    ("open_data_links_truncate", "service_at_location", "TRUNCATE", "", "truncated"),
]


def upgrade() -> None:
    op.execute("CREATE TABLE open_data_total (kind varchar(40) PRIMARY KEY, n bigint NOT NULL)")
    op.execute("INSERT INTO open_data_total (kind, n) VALUES ('services', 0), ('service_at_locations', 0)")
    for sql in FUNCTIONS:
        op.execute(sql)
    op.execute("SELECT open_data_recount()")
    op.execute(
        "CREATE TRIGGER open_data_service_links_delete BEFORE DELETE ON service FOR EACH ROW "
        "EXECUTE FUNCTION open_data_service_links_deleted()"
    )
    for name, table, event, referencing, fn in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION open_data_{fn}()"
        )
    op.execute(f"CREATE INDEX service_public_name_idx ON service (name, id) WHERE {PUBLIC}")
    op.execute(f"CREATE INDEX service_public_updated_idx ON service (updated_at) WHERE {PUBLIC}")
    op.execute("ANALYZE service")


def downgrade() -> None:
    op.execute("DROP INDEX service_public_updated_idx")
    op.execute("DROP INDEX service_public_name_idx")
    for name, table, _event, _referencing, _fn in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
    op.execute("DROP TRIGGER open_data_service_links_delete ON service")
    for fn in dict.fromkeys(t[4] for t in TRIGGERS):
        op.execute(f"DROP FUNCTION open_data_{fn}()")
    op.execute("DROP FUNCTION open_data_service_links_deleted()")
    op.execute("DROP FUNCTION open_data_recount()")
    op.execute("DROP FUNCTION open_data_add(text, bigint)")
    op.execute("DROP TABLE open_data_total")
