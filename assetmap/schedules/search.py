"""The search's day and time-of-day filter, as one SQL expression over the ``schedule`` table.

It is an expression builder, not a query: the search builds its statement once per shape of filters and runs
it with bound values, so this takes the bound parameters (or any SQL expressions) it compares with, and
returns an ``EXISTS`` over the service's schedules that PostgreSQL answers through ``ix_schedule_service_id``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, String, and_, case, cast, exists, func, or_, true
from sqlalchemy.dialects.postgresql import ARRAY

from ..models import Schedule, Service


def schedule_weekdays() -> ColumnElement:
    """The weekday codes a schedule row falls on, as varchar[]: 'MO,WE' and '1MO,-1FR' give {MO,WE} and
    {MO,FR}; a one-off gives its date's day (``to_char`` 'DY' is English whatever the locale without ``TM``);
    dates of the month ('15th') give NULL, which matches no day."""
    one_off = case((Schedule.freq.is_(None), func.left(func.to_char(Schedule.dtstart, "DY"), 2)))
    days = func.regexp_replace(func.coalesce(Schedule.byday, one_off), "[-+0-9]", "", "g")
    return cast(func.string_to_array(days, ","), ARRAY(String))


def open_filter(
    service_id=Service.id,
    *,
    today: ColumnElement,
    days: ColumnElement | None = None,
    part_start: ColumnElement | None = None,
    part_end: ColumnElement | None = None,
) -> ColumnElement:
    """True for services with a session that meets on one of ``days`` and overlaps [part_start, part_end).

    What "open on Tuesday" means, now that groups keep more than weekly sessions:

    * a session counts when it **falls on that weekday as a rule**: weekly or every N weeks on Tuesday, the
      1st/2nd/…/last Tuesday of the month, or a one-off on a Tuesday that is ``today`` or later. Sessions on
      dates of the month ("15th of the month") have no weekday of their own and never match a day, but do
      match a part of the day;
    * it must not have ended: ``valid_to`` (its season, or its last day) is ``today`` or later; a season that
      has not started yet still counts (the group will meet on Tuesdays);
    * "term time only", "not on bank holidays" and a temporary closure do not change which day a group meets,
      so they do not remove it here; the results show the next real session, which allows for all three;
    * a part of the day matches a session that overlaps it: ``opens_at < part_end`` and ``closes_at >
      part_start`` (the parts are in ``vocabulary.PARTS_OF_DAY``);
    * ``days`` is a text[] of day codes (``array([bindparam])`` for one day; any of several match); None, with
      no part either, means no filter.
    """
    if days is None and part_start is None:
        return true()
    conds = [
        Schedule.service_id == service_id,
        or_(Schedule.valid_to.is_(None), Schedule.valid_to >= today),
        or_(Schedule.freq.is_not(None), Schedule.dtstart >= today),
    ]
    if days is not None:
        conds.append(schedule_weekdays().op("&&")(cast(days, ARRAY(String))))
    if part_start is not None and part_end is not None:
        conds += [Schedule.opens_at < part_end, Schedule.closes_at > part_start]
    return exists().where(and_(*conds))
