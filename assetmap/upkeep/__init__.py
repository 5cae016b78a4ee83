"""Coordinators keep the asset list true: upkeep forms, verification, history, the review queue,
community suggestions, bulk import and export, the admin's terms and the assets JSON API; and organisers
(with no account) confirming or updating their own listing from the link in a reminder, the reminders and
the coordinators' digest (``jobs``), proposed updates, the reminder cadence and the freshness pages.

Layers: ``views/`` (pages) and ``api`` (JSON) parse the request, call one use case in ``usecases/`` (which
owns its transaction and checks the caller's rights through ``directory.access``) or a read in ``queries``,
and render; ``fields``, ``display`` and ``freshness`` shape values for the pages.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("upkeep", __name__)


def init_app(app) -> None:
    from . import api, jobs  # noqa: F401 - jobs registers the reminders and the digest
    from .fields import FIELD_LABELS
    from .freshness import age_of, checked_label, is_stale
    from .views import (  # noqa: F401  (they add routes to bp)
        assets,
        bulk,
        community,
        duplicates,
        organisers,
        proposals,
        settings,
        terms,
    )

    app.register_blueprint(bp)
    api.init_app(app)
    app.add_template_filter(checked_label, "checked_label")
    app.add_template_filter(is_stale, "is_stale")
    app.add_template_filter(age_of, "age")
    app.add_template_global(FIELD_LABELS, "upkeep_field_labels")
