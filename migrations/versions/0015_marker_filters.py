"""Map markers for filtered searches: each ``marker_point`` row carries the filter values a search most
often uses, kept by triggers.

A search with a category, audience, capability, type or cost filter was counted live from its own
statement (2.4-2.6 s for the 10-mile view of central London with one category at 1,000,000 assets).
With these columns such a search is counted from ``marker_point`` alone, each row tested as it is read
(``practitioners/markers.py``). Each column means exactly what the search's filter means
(``practitioners/filters.py``), per service:

* ``terms``: the service's taxonomy terms of the four filtered taxonomies as ``taxonomy:code``
  ('category:arts'); ``term_filter(t)`` (a term of taxonomy ``t`` with one of the codes) is
  ``terms && ARRAY['t:code', ...]`` (no taxonomy code holds a colon, so a pair reads one way only).
* ``min_cost``: the least ``cost_option.amount`` of the service (NULL without one);
  ``cost_filter`` (an option costing at most x) is ``min_cost <= x``.

A ``BEFORE INSERT`` row trigger on ``marker_point`` fills both for every point written (by 0014's
triggers: a link added or changed, a place moved, a service reclassed). Statement triggers on
``attribute`` and ``cost_option`` (insert, update, delete, truncate) and on ``taxonomy_term`` and
``taxonomy`` (a code or taxonomy changed) rewrite the columns of the services concerned. Updating
``marker_point`` in place touches no count in ``marker_cell`` (it has no update trigger). A GIN index
on ``terms`` lets a term filter's rows be ANDed with the view's box before any row is read.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: the taxonomies whose terms the search filters by (``Filters`` fields, ``queries._filters``)
TAXONOMIES = ("category", "audience", "capability", "asset_type")
_IN_TAXONOMIES = ", ".join(f"'{t}'" for t in TAXONOMIES)

FUNCTIONS = [
    f"""
CREATE FUNCTION marker_terms(sid uuid) RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(array_agg(DISTINCT t.code || ':' || tt.code ORDER BY t.code || ':' || tt.code), '{{}}')
    FROM attribute a JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy t ON t.id = tt.taxonomy_id
    WHERE a.service_id = sid AND t.code IN ({_IN_TAXONOMIES})
$$;""",
    """
CREATE FUNCTION marker_min_cost(sid uuid) RETURNS numeric LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT min(amount) FROM cost_option WHERE service_id = sid
$$;""",
    """
CREATE FUNCTION marker_point_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.terms := marker_terms(NEW.service_id);
    NEW.min_cost := marker_min_cost(NEW.service_id);
    RETURN NEW;
END $$;""",
]


def _refresh(name: str, services: str) -> str:
    """A trigger function rewriting the filter columns of the points of the services ``services`` (a query)."""
    return f"""
CREATE FUNCTION marker_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point p SET terms = marker_terms(p.service_id), min_cost = marker_min_cost(p.service_id)
    WHERE p.service_id IN ({services})
      AND (p.terms IS DISTINCT FROM marker_terms(p.service_id)
           OR p.min_cost IS DISTINCT FROM marker_min_cost(p.service_id));
    RETURN NULL;
END $$;"""


_TERM_SERVICES = "SELECT a.service_id FROM attribute a WHERE a.taxonomy_term_id IN (SELECT id FROM {rows})"
_TAXONOMY_SERVICES = (
    "SELECT a.service_id FROM attribute a JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id "
    "WHERE tt.taxonomy_id IN (SELECT id FROM {rows})"
)
FUNCTIONS += [
    _refresh("filters_added", "SELECT service_id FROM new_rows"),
    _refresh("filters_removed", "SELECT service_id FROM old_rows"),
    _refresh("filters_changed", "SELECT service_id FROM old_rows UNION SELECT service_id FROM new_rows"),
    _refresh("filters_emptied", "SELECT service_id FROM marker_point"),
    _refresh("terms_changed", _TERM_SERVICES.format(rows="new_rows")),
    _refresh("taxonomies_changed", _TAXONOMY_SERVICES.format(rows="new_rows")),
]
_NEW = "REFERENCING NEW TABLE AS new_rows"
_OLD = "REFERENCING OLD TABLE AS old_rows"
_BOTH = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
#: (name, table, event, transition tables, function)
TRIGGERS = [
    (f"marker_{table}_{event.lower()}", table, event, referencing, fn)
    for table in ("attribute", "cost_option")
    for event, referencing, fn in (
        ("INSERT", _NEW, "filters_added"),
        ("DELETE", _OLD, "filters_removed"),
        ("UPDATE", _BOTH, "filters_changed"),
        ("TRUNCATE", "", "filters_emptied"),
    )
] + [
    ("marker_terms_update", "taxonomy_term", "UPDATE", _NEW, "terms_changed"),
    ("marker_taxonomies_update", "taxonomy", "UPDATE", _NEW, "taxonomies_changed"),
]

BACKFILL = f"""
UPDATE marker_point p SET terms = f.terms, min_cost = f.min_cost
FROM (
    SELECT v.id,
           coalesce((SELECT array_agg(DISTINCT t.code || ':' || tt.code ORDER BY t.code || ':' || tt.code)
                     FROM attribute a JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id
                     JOIN taxonomy t ON t.id = tt.taxonomy_id
                     WHERE a.service_id = v.id AND t.code IN ({_IN_TAXONOMIES})), '{{}}') AS terms,
           (SELECT min(amount) FROM cost_option c WHERE c.service_id = v.id) AS min_cost
    FROM service v WHERE v.id IN (SELECT service_id FROM marker_point)
) f
WHERE p.service_id = f.id
"""


def upgrade() -> None:
    op.execute("ALTER TABLE marker_point ADD COLUMN terms text[] NOT NULL DEFAULT '{}'")
    op.execute("ALTER TABLE marker_point ADD COLUMN min_cost numeric(10, 2)")
    for sql in FUNCTIONS:
        op.execute(sql)
    op.execute(BACKFILL)
    # the backfill rewrote every row; CLUSTER rewrites the table in the GiST index's order, so a view's
    # points share pages (10-mile view of central London at 1,000,000 assets: 266,000 pages read, 536 ms,
    # before; 14,000, 125 ms, after), and drops the old row versions
    op.execute("CLUSTER marker_point USING idx_marker_point_geom")
    # with a term filter the planner ANDs this index's rows with the view's box (90 ms for the view above)
    op.execute("CREATE INDEX idx_marker_point_terms ON marker_point USING gin (terms)")
    op.execute(
        "CREATE TRIGGER marker_point_filters BEFORE INSERT ON marker_point FOR EACH ROW "
        "EXECUTE FUNCTION marker_point_filters()"
    )
    for name, table, event, referencing, fn in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing} FOR EACH STATEMENT EXECUTE FUNCTION marker_{fn}()"
        )
    op.execute("ANALYZE marker_point")


def downgrade() -> None:
    for name, table, _event, _referencing, _fn in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
    op.execute("DROP TRIGGER marker_point_filters ON marker_point")
    for fn in dict.fromkeys(t[4] for t in TRIGGERS):
        op.execute(f"DROP FUNCTION marker_{fn}()")
    op.execute("DROP FUNCTION marker_point_filters()")
    op.execute("DROP INDEX idx_marker_point_terms")
    op.execute("DROP FUNCTION marker_min_cost(uuid)")
    op.execute("DROP FUNCTION marker_terms(uuid)")
    op.execute("ALTER TABLE marker_point DROP COLUMN min_cost")
    op.execute("ALTER TABLE marker_point DROP COLUMN terms")
