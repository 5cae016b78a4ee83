"""Which requests may read from a replica: anonymous reads of views marked ``replica_reads``.

How a replica is chosen (and skipped when down or behind) is in ``assetmap/db.py``; this module is the
policy, kept apart from the route modules, which may not import the database layer
(``tests/test_architecture.py``). A view opts in with ``@replica_reads`` (any method: ``POST /api/search``
reads only), a read-only blueprint with ``replica_reads(bp)`` (its GET and HEAD views). Someone signed in
always reads the primary, so an editor sees their own change at once.
"""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user

from . import db

_BLUEPRINTS: set[str] = set()


def replica_reads(target):
    """Mark a view (any method), or a blueprint's GET and HEAD views, as reads a replica may serve to
    someone not signed in. Only for views that show what anyone may see."""
    if isinstance(target, Blueprint):
        _BLUEPRINTS.add(target.name)
    else:
        target.assetmap_replica_reads = True
    return target


def may_read_from_replica() -> bool:
    """This request is an anonymous read of a view marked ``replica_reads``."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None:
        return False
    marked = getattr(view, "assetmap_replica_reads", False) or (
        request.blueprint in _BLUEPRINTS and request.method in ("GET", "HEAD")
    )
    return marked and not current_user.is_authenticated


def init_app(app) -> None:
    """With replicas configured, route each anonymous read before its view runs."""
    if not db.replica_urls(app.config.get("DATABASE_REPLICA_URLS")):
        return

    @app.before_request
    def _route_reads():
        if may_read_from_replica():
            db.read_from_replica(app)
