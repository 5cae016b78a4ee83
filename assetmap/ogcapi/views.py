"""Routes of the OGC API under /ogc: parse the query at the edge, call one use case, shape, respond.

Open access (no key, ``Access-Control-Allow-Origin: *``); errors are JSON with the OGC exception's
``code`` and ``description`` beside the app's usual ``error`` and ``field`` (see ``errors.render_error``).
"""

from __future__ import annotations

import json

from flask import Blueprint, current_app, request

from ..errors import NotFound
from ..replicas import replica_reads
from . import PREFIX, collections, documents, params
from .openapi import service_desc

bp = replica_reads(Blueprint("ogcapi", __name__))  # open data: public reads only


def _json(body: dict, media: str = documents.JSON):
    # not jsonify: it sorts keys, and a feature's properties read best in their own order (name first)
    return current_app.response_class(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n", mimetype=media
    )


def _collection(collection_id: str) -> collections.Collection:
    found = collections.COLLECTIONS.get(collection_id)
    if found is None:
        raise NotFound(
            f"There is no collection {collection_id!r}: the collections are {', '.join(collections.COLLECTIONS)}.",
            field="collectionId",
        )
    return found


def _simple_query() -> None:
    params.only(request.args, ("f",))
    params.fmt(request.args)


@bp.get(PREFIX, strict_slashes=False)
def landing():
    _simple_query()
    return _json(documents.landing())


@bp.get(PREFIX + "/conformance")
def conformance():
    _simple_query()
    return _json(documents.conformance())


@bp.get(PREFIX + "/api")
def api():
    params.only(request.args, ("f",))
    return _json(service_desc(request.host_url), documents.OPENAPI)


@bp.get(PREFIX + "/collections", endpoint="collections")
def collections_():
    _simple_query()
    return _json(
        documents.collections(
            [documents.collection(c, collections.extent(c)) for c in collections.COLLECTIONS.values()]
        )
    )


@bp.get(PREFIX + "/collections/<collection_id>")
def collection(collection_id):
    c = _collection(collection_id)
    _simple_query()
    return _json(documents.collection(c, collections.extent(c)))


@bp.get(PREFIX + "/collections/<collection_id>/items")
def items(collection_id):
    c = _collection(collection_id)
    params.only(request.args, params.ITEMS_PARAMS)
    params.fmt(request.args)
    limit, offset, box = params.limit(request.args), params.offset(request.args), params.bbox(request.args)
    found = collections.items(c, limit, offset, box)
    body = documents.feature_collection(c, found.features, found.matched, limit, offset, request.args.get("bbox"))
    return _json(body, documents.GEOJSON)


@bp.get(PREFIX + "/collections/<collection_id>/items/<feature_id>")
def item(collection_id, feature_id):
    c = _collection(collection_id)
    _simple_query()
    found = collections.item(c, feature_id)
    if found is None:
        raise NotFound(f"There is no public feature {feature_id!r} in {c.id}.", field="featureId")
    return _json(documents.feature(c, found), documents.GEOJSON)
