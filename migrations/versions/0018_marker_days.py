"""Each ``marker_point`` row carries the weekdays its service's sessions fall on, so a search for a day
looks up the sessions of only the points whose service meets on one of the days asked.

A day filter ("on a Monday") is the schedules' own rule (``filters.sessions_filter``): a session that falls
on that weekday and has not ended (its validity, and a one-off's date, are against *today*). The part that
depends on today cannot be kept by triggers, so the kept column is what the rule says without it: every
weekday any of the service's sessions falls on (``schedules.search.schedule_weekdays``, the same
expression), ended or not. It holds every weekday the exact test can find, so ``days && :bydays`` drops a
point whose service cannot meet on those days without a lookup, and the exact test (still made, by the
row's service) decides the rest. At 1,000,000 assets a Monday search walked and looked up about seven
points for each one kept.

``days`` is filled by 0015's row trigger on ``marker_point`` (as 0017's copies are) and rewritten for the
services whose sessions are inserted, updated (either service) or deleted, by statement triggers on
``schedule``; TRUNCATE empties it.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

#: the weekday codes of a schedule row ``s`` (``schedules.search.schedule_weekdays``, written out)
_WEEKDAYS = (
    "string_to_array(regexp_replace(coalesce(s.byday, CASE WHEN s.freq IS NULL THEN "
    "left(to_char(s.dtstart, 'DY'), 2) END), '[-+0-9]', '', 'g'), ',')"
)

_DAYS = f"""
CREATE FUNCTION marker_days(sid uuid) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(DISTINCT d ORDER BY d), '{{}}')
    FROM schedule s, unnest({_WEEKDAYS}) AS d
    WHERE s.service_id = sid
$$;"""

#: 0017's row trigger function, put back by the downgrade
_FILTERS_0017 = """
CREATE OR REPLACE FUNCTION marker_point_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.terms := marker_terms(NEW.service_id);
    NEW.min_cost := marker_min_cost(NEW.service_id);
    NEW.geog := NEW.geom::geography;
    SELECT v.search_tsv, v.modes INTO NEW.search_tsv, NEW.modes FROM service v WHERE v.id = NEW.service_id;
    RETURN NEW;
END $$;"""

_FILTERS = """
CREATE OR REPLACE FUNCTION marker_point_filters() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.terms := marker_terms(NEW.service_id);
    NEW.min_cost := marker_min_cost(NEW.service_id);
    NEW.geog := NEW.geom::geography;
    SELECT v.search_tsv, v.modes INTO NEW.search_tsv, NEW.modes FROM service v WHERE v.id = NEW.service_id;
    NEW.days := marker_days(NEW.service_id);
    RETURN NEW;
END $$;"""


def _rewrite(name: str, services: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point p SET days = marker_days(p.service_id)
    WHERE p.service_id IN ({services}) AND p.days IS DISTINCT FROM marker_days(p.service_id);
    RETURN NULL;
END $$;"""


#: (trigger and function name, event, transition tables, the services whose points to rewrite)
TRIGGERS = [
    ("marker_sessions_added", "INSERT", "REFERENCING NEW TABLE AS new_rows", "SELECT service_id FROM new_rows"),
    ("marker_sessions_removed", "DELETE", "REFERENCING OLD TABLE AS old_rows", "SELECT service_id FROM old_rows"),
    (
        "marker_sessions_changed",
        "UPDATE",
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT service_id FROM old_rows UNION SELECT service_id FROM new_rows",
    ),
]

_EMPTIED = """
CREATE FUNCTION marker_sessions_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point SET days = '{}' WHERE days <> '{}';
    RETURN NULL;
END $$;"""

BACKFILL = f"""
UPDATE marker_point p SET days = d.days
FROM (SELECT s.service_id, array_agg(DISTINCT d ORDER BY d) AS days
      FROM schedule s, unnest({_WEEKDAYS}) AS d GROUP BY s.service_id) d
WHERE d.service_id = p.service_id
"""


def upgrade() -> None:
    op.execute("ALTER TABLE marker_point ADD COLUMN days text[] NOT NULL DEFAULT '{}'")
    op.execute(_DAYS)
    op.execute(_FILTERS)
    op.execute(BACKFILL)
    # the backfill rewrote the rows of every service with sessions: back in the GiST index's order (as 0015
    # and 0017 did), so a circle's points share pages
    op.execute("CLUSTER marker_point USING idx_marker_point_geom")
    for name, event, referencing, services in TRIGGERS:
        op.execute(_rewrite(name, services))
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON schedule {referencing} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {name}()"
        )
    op.execute(_EMPTIED)
    op.execute(
        "CREATE TRIGGER marker_sessions_emptied AFTER TRUNCATE ON schedule FOR EACH STATEMENT "
        "EXECUTE FUNCTION marker_sessions_emptied()"
    )
    op.execute("ANALYZE marker_point")


def downgrade() -> None:
    for name in [t[0] for t in TRIGGERS] + ["marker_sessions_emptied"]:
        op.execute(f"DROP TRIGGER {name} ON schedule")
        op.execute(f"DROP FUNCTION {name}()")
    op.execute(_FILTERS_0017)
    op.execute("DROP FUNCTION marker_days(uuid)")
    op.execute("ALTER TABLE marker_point DROP COLUMN days")
