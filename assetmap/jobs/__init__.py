"""Scheduled work that runs without a person: a registry (``@job``), a runner that is safe to start twice
at once (``runner.run_due``), and the ``assetmap jobs`` commands. ``make run`` runs the loop beside
gunicorn; Docker runs it as its own service; cron or a systemd timer can call ``assetmap jobs run-due``.
"""

from __future__ import annotations

from .registry import JOBS, job, parse_every

__all__ = ["JOBS", "job", "parse_every", "init_app"]


def init_app(app) -> None:
    from . import cli, housekeeping  # noqa: F401 - housekeeping registers its jobs on import

    app.cli.add_command(cli.jobs)
