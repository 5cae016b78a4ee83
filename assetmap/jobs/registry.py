"""The jobs that run without a person, registered with ``@job(name, every=...)`` where they are written.

A job is a function ``fn(now) -> str | None`` (a one-line summary) that owns its transactions. Registering
happens at import, so each area's ``init_app`` imports its jobs module; ``assetmap jobs list`` shows them all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

_EVERY = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_NAME = re.compile(r"^[a-z][a-z0-9-]{1,59}$")

JobFn = Callable[[dt.datetime], "str | None"]


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    fn: JobFn
    description: str


JOBS: dict[str, Job] = {}


def parse_every(every: str | dt.timedelta) -> dt.timedelta:
    """``"30s"``, ``"5m"``, ``"1h"``, ``"1d"``, ``"1w"`` (or a timedelta) as a positive timedelta."""
    if isinstance(every, dt.timedelta):
        delta = every
    else:
        m = _EVERY.match(every or "")
        if not m:
            raise ValueError(f"every must look like 30s, 5m, 1h, 1d or 1w, not {every!r}")
        delta = dt.timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
    if delta.total_seconds() < 1:
        raise ValueError("a job must run at most once a second")
    return delta


def _where(fn) -> tuple:
    code = getattr(fn, "__code__", None)
    return fn.__module__, fn.__qualname__, code.co_firstlineno if code else None


def job(name: str, every: str | dt.timedelta, description: str | None = None) -> Callable[[JobFn], JobFn]:
    """Register ``fn(now)`` to run every ``every`` under ``name`` (lower case and hyphens; unique)."""
    if not _NAME.match(name):
        raise ValueError(f"a job name is lower case letters, digits and hyphens: {name!r}")
    interval = parse_every(every)

    def deco(fn: JobFn) -> JobFn:
        known = JOBS.get(name)
        if known is not None and _where(known.fn) != _where(fn):  # the same function imported again is fine
            raise ValueError(f"two jobs are called {name!r}: {known.fn.__module__} and {fn.__module__}")
        lines = (fn.__doc__ or "").strip().splitlines()
        JOBS[name] = Job(name, interval, fn, description or (lines[0] if lines else ""))
        return fn

    return deco


def describe_every(delta: dt.timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"every {unit}" if n == 1 else f"every {n} {unit}s"
    return f"every {seconds} seconds"
