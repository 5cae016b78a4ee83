"""``assetmap jobs run-due``: run every registered job that is due, once, however many runners there are.

Why both a lock and a due time: cron, a systemd timer, the loop beside gunicorn and a person typing the
command can all start a run at the same moment. Each job is run under a PostgreSQL session advisory lock
(``pg_try_advisory_lock``, on a connection of its own): a runner that cannot take it skips the job, it is
running elsewhere. Holding the lock, the runner reads ``scheduled_job.next_due_at`` afresh; a job a runner
finished a moment ago is no longer due. So running the command twice, or twice at once, runs nothing twice.
The lock is released when the job ends or when its connection dies with a crashed runner.

The next due time keeps the cadence (last due time + interval), skipping runs missed while nothing ran. A
job that raises is rolled back, recorded as failed with its error's class (never its text, which may carry
personal data) and tried again after at most ``RETRY_FAILED``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from ..db import make_engine, session, transaction
from ..models import ScheduledJob
from .registry import JOBS, Job

log = logging.getLogger("assetmap.jobs")
RETRY_FAILED = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # ok | failed | not-due | busy
    summary: str = ""
    seconds: float = 0.0
    next_due_at: dt.datetime | None = None


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def lock_key(name: str) -> int:
    """A stable 64-bit advisory lock key for a job name."""
    return int.from_bytes(hashlib.sha256(b"assetmap-job|" + name.encode()).digest()[:8], "big", signed=True)


def ensure_rows(now: dt.datetime) -> None:
    """A row for every registered job (due at once when new); a changed interval is recorded. Commits."""
    with transaction():
        for job in JOBS.values():
            every = int(job.every.total_seconds())
            session.execute(
                insert(ScheduledJob)
                .values(name=job.name, every_seconds=every, next_due_at=now)
                .on_conflict_do_update(
                    index_elements=["name"], set_={"every_seconds": every}, where=ScheduledJob.every_seconds != every
                )
            )


def _next_due(previous: dt.datetime, started: dt.datetime, every: dt.timedelta) -> dt.datetime:
    nxt = previous + every
    return nxt if nxt > started else started + every


def _run_locked(job: Job, now: dt.datetime, force: bool) -> Outcome:
    with transaction():
        row = session.execute(
            select(ScheduledJob).where(ScheduledJob.name == job.name).execution_options(populate_existing=True)
        ).scalar_one()
        if not force and row.next_due_at > now:
            return Outcome(job.name, "not-due", next_due_at=row.next_due_at)
        previous_due = row.next_due_at
        row.last_started_at = _utcnow()
    clock = time.perf_counter()
    try:
        with transaction():  # the job owns its transactions; whatever it leaves uncommitted is kept or undone here
            summary = job.fn(now) or ""
        status, error = "ok", None
    except Exception as exc:
        status, error, summary = "failed", type(exc).__name__, ""
        log.error("job failed", extra={"detail": f"{job.name}: {error}"})
    seconds = time.perf_counter() - clock
    with transaction():
        row = session.execute(
            select(ScheduledJob).where(ScheduledJob.name == job.name).execution_options(populate_existing=True)
        ).scalar_one()
        row.last_finished_at = _utcnow()
        row.last_status, row.last_error, row.last_summary = status, error, str(summary)[:300]
        row.runs += 1
        row.next_due_at = (
            _next_due(previous_due, now, job.every) if status == "ok" else now + min(job.every, RETRY_FAILED)
        )
    if status == "ok":
        log.info("job ran", extra={"detail": f"{job.name}: {summary}"[:300], "ms": round(seconds * 1000, 1)})
    return Outcome(job.name, status, summary, seconds, row.next_due_at)


def run_due(now: dt.datetime | None = None, only: str | None = None, force: bool = False) -> list[Outcome]:
    """Run each due job (or only ``only``; ``force`` runs it even if not due) under its advisory lock."""
    now = now or _utcnow()
    if only is not None and only not in JOBS:
        raise KeyError(only)
    ensure_rows(now)
    engine = make_engine(current_app.config["SQLALCHEMY_URL"], current_app.config["STATEMENT_TIMEOUT_MS"])
    outcomes = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as locks:
        for name in sorted(JOBS):
            if only is not None and name != only:
                continue
            key = lock_key(name)
            if not locks.execute(select(func.pg_try_advisory_lock(key))).scalar_one():
                outcomes.append(Outcome(name, "busy"))
                continue
            try:
                outcomes.append(_run_locked(JOBS[name], now, force))
            finally:
                session.rollback()
                locks.execute(select(func.pg_advisory_unlock(key)))
    return outcomes


def schedule() -> list[tuple[Job, ScheduledJob | None]]:
    """Every registered job with its recorded row (None before its first run-due)."""
    rows = {r.name: r for r in session.execute(select(ScheduledJob)).scalars()}
    return [(JOBS[name], rows.get(name)) for name in sorted(JOBS)]
