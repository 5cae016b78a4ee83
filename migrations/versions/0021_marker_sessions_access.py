"""Each ``marker_point`` row carries its service's sessions as slots and its place's accessibility, so a search
or a map view with a day, a part of the day, "this week" or an accessibility filter tests the row itself
instead of looking up the service's sessions or its places' features for every point it reads.

At 1,000,000 assets those lookups were most of a dense view's time: the markers of 10 miles round central
London took 0.45 s for "on a Monday", 0.86 s for "this week, mornings" and 1.6 s for "wheelchair accessible"
where a filter the row carries took 0.12 s (``bench/markers.py``).

**Sessions.** The day rule (``filters.sessions_filter``) depends on *today* (a session that ended, a one-off
in the past, a season not begun this week), which a trigger cannot keep. But a session that recurs (weekly or
monthly), has no last day and had begun on the day the row was written ("settled") passes every one of the
rule's tests about dates on that day and on every later day. So the row keeps:

* ``slots``: what its service's settled sessions offer, as bits of a bigint: bit 0, any settled session
  ("this week"); bits 1-7, a weekday it falls on (``DAYS``, by ``schedules.search.schedule_weekdays``' rule);
  bits 8-10, a part of the day it overlaps (``PARTS``, ``vocabulary.PARTS_OF_DAY`` frozen here); bits 11-31,
  a weekday and a part of it in the same session (11 + 3 x day + part);
* ``slots_settled_on``: the London date the slots were worked out on;
* ``slots_unsettled``: whether the service has any other session (dated, ended, a one-off, not begun).

A row passes when ``slots_settled_on <= :today`` and its slots share a bit with the search's
(``filters.point_slots``); else, only when it is unsettled or the date is later than today, the exact lookup
decides, as before. Both defaults (``infinity``, unsettled) send a row nobody filled to the lookup.

**Accessibility.** "Wheelchair accessible" asks for a place of the listing with every feature asked
(``filters.access_filter``). The row keeps ``access``, the features of its own place as bits (``FEATURES``,
``vocabulary.ACCESSIBILITY`` frozen here), and ``access_elsewhere``, whether the listing has another place: a
row whose own place has them all passes; a row whose listing has no other place and lacks one fails; only the
rest are looked up.

Bits rather than arrays of codes: testing a row's text array cost a third of reading it (0.3 microseconds a
row, 75 ms in the 10-mile view of central London) and made the table a fifth bigger.

**Ways to take part.** A GIN index on ``modes`` (0017's copy): "online or by phone" matches few places in a
city, and without it every point in view was read to find none.

The row trigger (0015, 0019) fills all of them when a point is written. 0018's statement triggers on
``schedule`` rewrite the slots with the days; new statement triggers on ``accessibility`` rewrite the rows at
the places written, and on ``service_at_location`` the rows of the services whose places changed.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

#: ``vocabulary.DAYS``, ``PARTS_OF_DAY`` (code, starts, ends) and ``ACCESSIBILITY`` as this migration keeps them, in
#: their bits' order; tests/test_migrations.py holds them equal (a change to the vocabulary needs a migration
#: that rewrites the bits)
DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
PARTS = (("morning", "00:00", "12:00"), ("afternoon", "12:00", "17:00"), ("evening", "17:00", "23:59:59"))
FEATURES = ("wheelchair", "step-free", "accessible-toilet", "hearing-loop", "quiet-space", "large-print", "bsl")

#: the weekday codes of a schedule row ``s`` (0018's ``_WEEKDAYS``, ``schedules.search.schedule_weekdays``)
_WEEKDAYS = (
    "string_to_array(regexp_replace(coalesce(s.byday, CASE WHEN s.freq IS NULL THEN "
    "left(to_char(s.dtstart, 'DY'), 2) END), '[-+0-9]', '', 'g'), ',')"
)
_DAY_INDEX = "(array_position(ARRAY[" + ", ".join(f"'{d}'" for d in DAYS) + "], d) - 1)"
_PARTS = ", ".join(f"({i}, time '{starts}', time '{ends}')" for i, (_code, starts, ends) in enumerate(PARTS))
_FEATURE_INDEX = "(array_position(ARRAY[" + ", ".join(f"'{f}'" for f in FEATURES) + "], a.kind::text) - 1)"
#: a session ``s`` that passes every test of the rule about dates on ``on_day`` and every later day
_SETTLED = "s.freq IS NOT NULL AND s.valid_to IS NULL AND coalesce(greatest(s.valid_from, s.dtstart), on_day) <= on_day"

FUNCTIONS = [
    """
CREATE FUNCTION marker_today() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Europe/London')::date
$$;""",
    f"""
CREATE FUNCTION marker_slots(sid uuid, on_day date, OUT slots bigint, OUT unsettled boolean)
LANGUAGE sql STABLE AS $$
    SELECT coalesce((
               SELECT bit_or(x.bit)
               FROM schedule s
               CROSS JOIN LATERAL (
                   SELECT 1::bigint
                   UNION ALL SELECT 1::bigint << (1 + {_DAY_INDEX}) FROM unnest({_WEEKDAYS}) AS d
                   UNION ALL SELECT 1::bigint << (8 + p.i) FROM (VALUES {_PARTS}) AS p(i, starts, ends)
                             WHERE s.opens_at < p.ends AND s.closes_at > p.starts
                   UNION ALL SELECT 1::bigint << (11 + 3 * {_DAY_INDEX} + p.i)
                             FROM unnest({_WEEKDAYS}) AS d, (VALUES {_PARTS}) AS p(i, starts, ends)
                             WHERE s.opens_at < p.ends AND s.closes_at > p.starts
               ) AS x(bit)
               WHERE s.service_id = sid AND {_SETTLED}), 0),
           EXISTS (SELECT 1 FROM schedule s WHERE s.service_id = sid AND NOT ({_SETTLED}))
$$;""",
    # two lookups by indexed columns, not a join: planned for a table the planner thinks empty (a first bulk
    # import, before ANALYZE) a self-join of service_at_location per inserted row went quadratic per row
    f"""
CREATE FUNCTION marker_access(link uuid, OUT kinds integer, OUT elsewhere boolean) LANGUAGE plpgsql STABLE AS $$
DECLARE
    loc uuid;
    sid uuid;
BEGIN
    SELECT l.location_id, l.service_id INTO loc, sid FROM service_at_location l WHERE l.id = link;
    kinds := coalesce((SELECT bit_or(1 << {_FEATURE_INDEX}) FROM accessibility a WHERE a.location_id = loc), 0);
    elsewhere := EXISTS (SELECT 1 FROM service_at_location o WHERE o.service_id = sid AND o.location_id <> loc);
END $$;""",
]

#: 0019's row trigger function, put back by the downgrade
_FILTERS_0019 = """
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
    NEW.slots_settled_on := marker_today();
    SELECT m.slots, m.unsettled INTO NEW.slots, NEW.slots_unsettled
    FROM marker_slots(NEW.service_id, NEW.slots_settled_on) m;
    SELECT m.kinds, m.elsewhere INTO NEW.access, NEW.access_elsewhere FROM marker_access(NEW.link_id) m;
    RETURN NEW;
END $$;"""

#: the points' sessions as worked out today, and their places' features (``p``: the row)
_SET_SESSIONS = """days = marker_days(p.service_id), slots_settled_on = marker_today(),
        (slots, slots_unsettled) = (SELECT m.slots, m.unsettled FROM marker_slots(p.service_id, marker_today()) m)"""
_SET_ACCESS = "(access, access_elsewhere) = (SELECT m.kinds, m.elsewhere FROM marker_access(p.link_id) m)"


def _sessions_0018(name: str, services: str) -> str:
    """0018's statement trigger function on ``schedule``, put back by the downgrade."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point p SET days = marker_days(p.service_id)
    WHERE p.service_id IN ({services}) AND p.days IS DISTINCT FROM marker_days(p.service_id);
    RETURN NULL;
END $$;"""


def _sessions(name: str, services: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point p SET {_SET_SESSIONS}
    WHERE p.service_id IN ({services});
    RETURN NULL;
END $$;"""


#: 0018's triggers on ``schedule``: (name, the services whose points to rewrite)
SESSIONS = [
    ("marker_sessions_added", "SELECT service_id FROM new_rows"),
    ("marker_sessions_removed", "SELECT service_id FROM old_rows"),
    ("marker_sessions_changed", "SELECT service_id FROM old_rows UNION SELECT service_id FROM new_rows"),
]

_EMPTIED_0018 = """
CREATE OR REPLACE FUNCTION marker_sessions_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point SET days = '{}' WHERE days <> '{}';
    RETURN NULL;
END $$;"""

_EMPTIED = """
CREATE OR REPLACE FUNCTION marker_sessions_emptied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point SET days = '{}', slots = 0, slots_unsettled = false, slots_settled_on = marker_today()
    WHERE days <> '{}' OR slots <> 0 OR slots_unsettled;
    RETURN NULL;
END $$;"""

_NEW = "REFERENCING NEW TABLE AS new_rows"
_OLD = "REFERENCING OLD TABLE AS old_rows"
_BOTH = "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
_LOCATIONS = {
    "INSERT": "SELECT location_id FROM new_rows",
    "DELETE": "SELECT location_id FROM old_rows",
    "UPDATE": "SELECT location_id FROM old_rows UNION SELECT location_id FROM new_rows",
}
_SERVICES = {
    "INSERT": "SELECT service_id FROM new_rows",
    "DELETE": "SELECT service_id FROM old_rows",
    "UPDATE": "SELECT service_id FROM old_rows UNION SELECT service_id FROM new_rows",
}
_REFERENCING = {"INSERT": _NEW, "DELETE": _OLD, "UPDATE": _BOTH}

#: (trigger and function name, table, event, transition tables, the rows to rewrite)
TRIGGERS = [
    *(
        (
            f"marker_access_{event.lower()}",
            "accessibility",
            event,
            _REFERENCING[event],
            f"p.link_id IN (SELECT l.id FROM service_at_location l WHERE l.location_id IN ({_LOCATIONS[event]}))",
        )
        for event in ("INSERT", "DELETE", "UPDATE")
    ),
    ("marker_access_truncate", "accessibility", "TRUNCATE", "", "p.access <> 0"),
    # after 0014's marker_links_* (triggers of one event fire in name order), though either order is right
    *(
        (
            f"marker_shared_places_{event.lower()}",
            "service_at_location",
            event,
            _REFERENCING[event],
            f"p.service_id IN ({_SERVICES[event]})",
        )
        for event in ("INSERT", "DELETE", "UPDATE")
    ),
]


def _access(name: str, rows: str) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE marker_point p SET {_SET_ACCESS} WHERE {rows};
    RETURN NULL;
END $$;"""


BACKFILL = f"UPDATE marker_point p SET {_SET_SESSIONS}, {_SET_ACCESS}"


def upgrade() -> None:
    # defaults that send a row to the exact lookups until it is filled
    op.execute("ALTER TABLE marker_point ADD COLUMN slots bigint NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE marker_point ADD COLUMN slots_unsettled boolean NOT NULL DEFAULT true")
    op.execute("ALTER TABLE marker_point ADD COLUMN slots_settled_on date NOT NULL DEFAULT 'infinity'")
    op.execute("ALTER TABLE marker_point ADD COLUMN access integer NOT NULL DEFAULT 0")
    op.execute("ALTER TABLE marker_point ADD COLUMN access_elsewhere boolean NOT NULL DEFAULT true")
    for sql in FUNCTIONS:
        op.execute(sql)
    op.execute(_FILTERS)
    for name, services in SESSIONS:
        op.execute(_sessions(name, services))
    op.execute(_EMPTIED)
    for name, table, event, referencing, rows in TRIGGERS:
        op.execute(_access(name, rows))
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    op.execute(BACKFILL)
    op.execute("CREATE INDEX idx_marker_point_modes ON marker_point USING gin (modes)")
    # the backfill rewrote every row: back in the GiST index's order (as 0015 and 0017-0019 did), so a
    # circle's points share pages
    op.execute("CLUSTER marker_point USING idx_marker_point_geom")
    op.execute("ANALYZE marker_point")


def downgrade() -> None:
    for name, table, _event, _referencing, _rows in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON {table}")
        op.execute(f"DROP FUNCTION {name}()")
    op.execute(_EMPTIED_0018)
    for name, services in SESSIONS:
        op.execute(_sessions_0018(name, services))
    op.execute(_FILTERS_0019)
    op.execute("DROP INDEX idx_marker_point_modes")
    op.execute("DROP FUNCTION marker_access(uuid)")
    op.execute("DROP FUNCTION marker_slots(uuid, date)")
    op.execute("DROP FUNCTION marker_today()")
    for column in ("access_elsewhere", "access", "slots_settled_on", "slots_unsettled", "slots"):
        op.execute(f"ALTER TABLE marker_point DROP COLUMN {column}")
