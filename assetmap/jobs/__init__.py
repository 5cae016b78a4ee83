"""Scheduled work that runs without a person: a registry (``@job``), a runner that is safe to start twice
at once (``runner.run_due``), and the ``assetmap jobs`` commands. ``make run`` runs the loop beside
gunicorn; Docker runs it as its own service; cron or a systemd timer can call ``assetmap jobs run-due``.

Each part of the service registers its own jobs when the app is built (``mail.jobs``, ``accounts.jobs``).
"""

from __future__ import annotations

from .registry import JOBS, job, parse_every

__all__ = ["JOBS", "job", "parse_every", "init_app"]


def init_app(app) -> None:
    from . import cli

    app.cli.add_command(cli.jobs)
