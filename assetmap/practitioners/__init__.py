"""Practitioners: search near a person's home, map, shortlist and connection sheet, connection log."""

from __future__ import annotations


def init_app(app) -> None:
    from ..accounts import csrf
    from . import api, jobs, views  # noqa: F401 - jobs registers the lexicon job on import

    app.register_blueprint(views.bp)
    app.register_blueprint(api.bp)
    # JSON clients send a body, not a form: no CSRF token (they hold no session cookie to abuse)
    csrf.exempt(api.bp)
