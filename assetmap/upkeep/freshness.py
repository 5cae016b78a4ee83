"""How fresh a listing is: "checked N months ago", overdue for review, possibly out of date.

Used by the coordinators' pages; the month arithmetic and the staleness rule come from the practitioners'
read model so every page agrees.
"""

from __future__ import annotations

import datetime as dt

# calendar-month arithmetic and the 12-month staleness rule are shared with the practitioners' read model
from ..directory.read import STALE_AFTER_MONTHS, months_before, months_between


def months_since(day: dt.date | None, today: dt.date | None = None) -> int | None:
    """Whole calendar months from ``day`` to today (None if never checked)."""
    if day is None:
        return None
    return months_between(day, today or dt.date.today())


def checked_label(day: dt.date | None, today: dt.date | None = None) -> str:
    """'checked today', 'checked 3 months ago', 'never checked'."""
    if day is None:
        return "never checked"
    today = today or dt.date.today()
    if day >= today:
        return "checked today"
    months = months_since(day, today)
    if months == 0:
        days = (today - day).days
        return "checked yesterday" if days == 1 else f"checked {days} days ago"
    if months < 24:
        return "checked 1 month ago" if months == 1 else f"checked {months} months ago"
    return f"checked {months // 12} years ago"


def is_overdue(day: dt.date | None, months: int, today: dt.date | None = None) -> bool:
    """Due for review: never checked, or checked ``months`` or more ago."""
    m = months_since(day, today)
    return m is None or m >= months


def is_stale(day: dt.date | None, today: dt.date | None = None) -> bool:
    """Possibly out of date: not checked for more than 12 months."""
    m = months_since(day, today)
    return m is None or m > STALE_AFTER_MONTHS


def review_cutoff(months: int, today: dt.date | None = None) -> dt.date:
    """Assets last checked on or before this date are due for review."""
    return months_before(today or dt.date.today(), months)


def age_of(when: dt.datetime | dt.date, now: dt.datetime | None = None) -> str:
    """How long an item has waited: '3 days', '2 weeks', 'less than a day'."""
    now = now or dt.datetime.now(dt.UTC)
    if not isinstance(when, dt.datetime):
        when = dt.datetime.combine(when, dt.time(0), dt.UTC)
    days = (now - when).days
    if days < 1:
        return "less than a day"
    if days < 14:
        return "1 day" if days == 1 else f"{days} days"
    if days < 61:
        return f"{days // 7} weeks"
    return f"{days // 30} months"
