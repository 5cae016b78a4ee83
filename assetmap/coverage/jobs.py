"""The monthly coverage snapshot as a scheduled job (``assetmap jobs run-due``): looked at daily, taken monthly.

Why daily: the runner's intervals are fixed lengths (there is no "monthly"), and a month's snapshot must
still be taken when the runner was down on the 1st. Each day the job looks whether the month has one and
takes it only if not; the rest of the month it does nothing. ``assetmap report snapshot`` takes (or
replaces) one by hand.
"""

from __future__ import annotations

import datetime as dt

from ..jobs import job
from . import queries, snapshots


@job("coverage-snapshot", every="1d")
def coverage_snapshot(now: dt.datetime) -> str:
    """Keep this month's snapshot of every coverage measure for every area, if it has none yet."""
    day = now.date()
    month = day.replace(day=1)
    if queries.has_snapshot(month):
        return f"{month:%B %Y} already kept"
    rows = snapshots.take_monthly_snapshot(day)
    return f"{rows} rows kept for {month:%B %Y}"
