"""Commissioners' coverage and gap analysis: where assets are thin relative to people and need."""

from __future__ import annotations


def init_app(app) -> None:
    from .views import bp

    app.register_blueprint(bp)
