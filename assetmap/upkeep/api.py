"""The assets JSON API for coordinators and admins: POST /api/assets, GET/PATCH/DELETE /api/assets/<id>.

Authenticated by a personal bearer token (or a session, which then needs the CSRF token); the
same use cases as the forms, so the same validation and ward scope apply. A PATCH merges the
given fields over the stored asset and must carry the version it read (409 with both if stale).

``POST /api/assets`` takes an optional ``Idempotency-Key`` header (``assetmap/once.py``): a client that
retries after a lost answer sends the same key, and the first request's asset comes back (201, the same
Location, ``Idempotent-Replayed: true``; its current state) instead of a second asset. The same key with
a different body is 422. A request refused (400, 403, 422) keeps nothing, so it can be corrected and
sent again with the same key.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from .. import parsing
from ..accounts import csrf
from ..directory import access, store
from ..errors import Conflict
from ..once import HEADER as IDEMPOTENCY_KEY
from ..once import Repeated, in_progress, once
from .fields import api_fields
from .usecases import assets, duplicates

bp = Blueprint("upkeep_api", __name__, url_prefix="/api/assets")
csrf.exempt(bp)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@bp.before_request
def _authenticate():
    if not current_user.is_authenticated:
        abort(401)
    if (
        request.method not in SAFE_METHODS
        and not g.get("api_token_auth")
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        csrf.protect()  # a browser session must prove the request came from our own pages
    if current_user.role not in ("coordinator", "admin"):
        access.deny(current_user, "api", message="Only coordinators and administrators can use the assets API.")


def _body() -> dict:
    if not request.is_json:
        abort(415)
    return parsing.json_object(request.get_json(), "Send the asset as a JSON object")


def asset_json(service) -> dict:
    """The asset as the API returns it; a confidential place only to those who may edit it."""
    snap = store.as_input(store.service_snapshot(service))  # sessions as 'mon 10:00-12:00', as sent
    if not access.shows_point(current_user, service):
        for key in ("address", "postcode", "how_to_get_there"):
            snap[key] = ""
        snap["lat"] = snap["lon"] = None
    return {
        "id": str(service.id),
        "version": service.version,
        "archived": service.archived_at is not None,
        "wards": sorted(access.service_wards(service.id)),
        "steward": service.steward.email if service.steward else None,
        **snap,
    }


def _created(service, replayed: bool = False):
    """201 with the asset and the listings it may duplicate (the API adds it whatever it looks like: the caller
    decides, and a coordinator can merge them or mark them "not duplicates" on the edit page)."""
    matches = duplicates.of_listing(current_user, service.id)
    resp = jsonify({**asset_json(service), "possible_duplicates": [duplicates.as_json(m) for m in matches]})
    resp.status_code = 201
    resp.headers["Location"] = url_for("upkeep_api.read", asset_id=service.id)
    if replayed:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _replay(location: str):
    """The asset a first request with this key created, as it is now."""
    try:
        endpoint, args = current_app.url_map.bind("").match(location, method="GET")
    except HTTPException:
        endpoint, args = None, {}
    if endpoint != "upkeep_api.read":
        raise in_progress()
    return _created(access.readable_service(current_user, args["asset_id"], include_archived=True), replayed=True)


@bp.post("")
def create():
    body = _body()
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        fields, _ = api_fields(body, patch=False)
        return _created(assets.create_asset(current_user, fields))
    try:
        with once("api-asset", key, fallback=url_for("upkeep_api.create"), body=body, api=True) as claim:
            fields, _ = api_fields(body, patch=False)
            service = assets.create_asset(current_user, fields)
            claim.send_to(url_for("upkeep_api.read", asset_id=service.id))
    except Repeated as repeat:
        return _replay(repeat.url)
    return _created(service)


@bp.get("/<uuid:asset_id>")
def read(asset_id):
    return jsonify(asset_json(access.readable_service(current_user, asset_id, include_archived=True)))


@bp.patch("/<uuid:asset_id>")
def patch(asset_id):
    body = _body()
    fields, version = api_fields(body, patch=True)
    try:
        service, changes = assets.edit_asset(current_user, asset_id, fields, version)
    except Conflict as exc:
        raise Conflict(
            exc.message, field="version", extra={**exc.extra, "yours": {**fields, "version": version}}
        ) from None
    return jsonify({**asset_json(service), "changed": sorted(changes)})


@bp.delete("/<uuid:asset_id>")
def archive(asset_id):
    version = parsing.integer(
        request.args.get("version") or None, "version", low=1, high=parsing.MAX_VERSION, label="version", default=None
    )
    assets.archive_asset(current_user, asset_id, version)
    service = access.editable_service(current_user, asset_id, action="archive")
    return jsonify({"id": str(service.id), "archived": True, "version": service.version})


def init_app(app) -> None:
    app.register_blueprint(bp)
