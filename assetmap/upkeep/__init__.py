"""Coordinators keep the asset list true: upkeep forms, verification, history, the review queue,
community suggestions, bulk import and export, the admin's terms and the assets JSON API.

Layers: ``views/`` (pages) and ``api`` (JSON) parse the request, call one use case in ``usecases/`` (which
owns its transaction and checks the caller's rights through ``directory.access``) or a read in ``queries``,
and render; ``fields``, ``display`` and ``freshness`` shape values for the pages.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("upkeep", __name__)


def init_app(app) -> None:
    from . import api
    from .fields import FIELD_LABELS
    from .freshness import checked_label, is_stale
    from .views import assets, bulk, community, duplicates, terms  # noqa: F401  (they add routes to bp)

    app.register_blueprint(bp)
    api.init_app(app)
    app.add_template_filter(checked_label, "checked_label")
    app.add_template_filter(is_stale, "is_stale")
    app.add_template_global(FIELD_LABELS, "upkeep_field_labels")
