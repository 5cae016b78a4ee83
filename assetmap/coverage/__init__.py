"""Commissioners' coverage and gap analysis: where assets are thin relative to people and need."""

from __future__ import annotations


def init_app(app) -> None:
    from . import jobs  # noqa: F401 - registers the monthly snapshot with the job runner
    from .views import bp

    app.register_blueprint(bp)
