"""How fresh a listing is: "checked N months ago", overdue for review, possibly out of date.

Shared by the review queue and by any page that shows an asset (practitioners' pages may import it).
"""
from __future__ import annotations

import datetime as dt

#: older than this, a listing is flagged as possibly out of date and ranks below fresh ones
STALE_AFTER_MONTHS = 12


def months_since(day: dt.date | None, today: dt.date | None = None) -> int | None:
    """Whole calendar months from ``day`` to today (None if never checked)."""
    if day is None:
        return None
    today = today or dt.date.today()
    months = (today.year - day.year) * 12 + today.month - day.month
    if today.day < day.day:
        months -= 1
    return max(0, months)


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
    today = today or dt.date.today()
    y, m = divmod(today.month - 1 - months, 12)
    year, month = today.year + y, m + 1
    # clamp the day (31 March - 1 month -> 28/29 February)
    for day in (today.day, 30, 29, 28):
        try:
            return dt.date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")
