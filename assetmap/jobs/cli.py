"""``assetmap jobs list`` and ``assetmap jobs run-due [--loop SECONDS]``."""

from __future__ import annotations

import os
import signal
import time

import click
from flask.cli import with_appcontext

from .registry import JOBS, describe_every

jobs = click.Group("jobs", help="Scheduled work: list the jobs, run the ones that are due.")


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


@jobs.command("list")
@with_appcontext
def list_jobs():
    """Every registered job: how often, its last run and when it is next due."""
    from .runner import schedule

    for job, row in schedule():
        last = (
            (
                f"last {row.last_status} at {_when(row.last_finished_at)}"
                + (f" ({row.last_error})" if row.last_error else "")
                + (f": {row.last_summary}" if row.last_summary else "")
            )
            if row and row.last_status
            else "never run"
        )
        nxt = _when(row.next_due_at) if row else "at the next run-due"
        click.echo(f"{job.name:<18} {describe_every(job.every):<16} next {nxt}; {last}")
        if job.description:
            click.echo(f"{'':<18} {job.description}")


def _print(outcomes) -> bool:
    failed = False
    for o in outcomes:
        if o.status == "ok":
            click.echo(f"{o.name}: ok, {o.summary or 'done'} ({o.seconds:.2f} s)")
        elif o.status == "failed":
            failed = True
            click.echo(f"{o.name}: FAILED (see the log); tried again at {_when(o.next_due_at)}")
        elif o.status == "busy":
            click.echo(f"{o.name}: running elsewhere, skipped")
        else:
            click.echo(f"{o.name}: not due until {_when(o.next_due_at)}")
    return failed


@jobs.command("run-due")
@click.option("--only", metavar="NAME", help="Run just this job (if it is due).")
@click.option("--force", is_flag=True, help="With --only: run it even if it is not due.")
@click.option(
    "--loop",
    "loop_seconds",
    type=click.IntRange(1, 3600),
    default=None,
    metavar="SECONDS",
    help="Keep running: check for due jobs every SECONDS until stopped (SIGTERM or Ctrl+C).",
)
@click.option(
    "--parent-pid",
    type=int,
    default=None,
    hidden=True,
    help="With --loop: stop when this process (gunicorn's master) has gone.",
)
@with_appcontext
def run_due_cmd(only, force, loop_seconds, parent_pid):
    """Run every job that is due, once: safe to run twice, or twice at once."""
    from .runner import run_due

    if only is not None and only not in JOBS:
        raise click.ClickException(f"No job called {only!r}. Jobs: {', '.join(sorted(JOBS))}")
    if force and only is None:
        raise click.ClickException("--force needs --only NAME")
    if loop_seconds is None:
        if _print(run_due(only=only, force=force)):
            raise SystemExit(1)
        return
    stopping = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.append(True))
    click.echo(f"running due jobs every {loop_seconds} s")
    while not stopping:
        try:
            run_due(only=only)  # each run and failure is in the log ("assetmap.jobs"); nothing to print
        except Exception as exc:  # the database restarting must not end the loop
            from ..db import session

            session.rollback()
            click.echo(f"run-due failed: {type(exc).__name__}; trying again in {loop_seconds} s", err=True)
        deadline = time.monotonic() + loop_seconds
        while not stopping and time.monotonic() < deadline:
            if parent_pid is not None and os.getppid() != parent_pid:
                return  # gunicorn has gone: go with it
            time.sleep(0.5)
