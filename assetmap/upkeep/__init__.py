"""Coordinators keep the asset list true: upkeep forms, verification, history, the review queue,
community suggestions, bulk import and export, user administration and the assets JSON API."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("upkeep", __name__)


def init_app(app) -> None:
    from . import api, bulk, community, people, views, vocab  # noqa: F401  (they add routes to bp)
    from .fields import FIELD_LABELS
    from .freshness import checked_label, is_stale

    app.register_blueprint(bp)
    api.init_app(app)
    app.add_template_filter(checked_label, "checked_label")
    app.add_template_filter(is_stale, "is_stale")
    app.add_template_global(FIELD_LABELS, "upkeep_field_labels")
