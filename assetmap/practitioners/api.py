"""POST /api/search: the search as GeoJSON, for other systems and the map.

The request is a JSON body, so a postcode never appears in a URL or an access log line.
Bad input is a 400 ``{"error", "field"}``; a well-formed postcode that is not known is a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user

from .. import parsing
from ..replicas import replica_reads
from . import usecases
from .params import API_KEYS, SearchInvalid, parse_filters, parse_paging, parse_point
from .queries import ResultPage, search

bp = Blueprint("practitioners_api", __name__)


def parse_request(body) -> tuple:
    """(origin input, filters, page, per_page) from a JSON body; SearchInvalid lists every problem."""
    body = parsing.json_object(body, 'Send a JSON object, like {"postcode": "B1 1BA"}')
    unknown = sorted(k for k in body if k not in API_KEYS)
    errors: list[tuple[str, str]] = [(k, f"Unknown field: {k[:40]}") for k in unknown[:3]]
    filters, filter_errors = usecases.parse_filters_fresh(
        lambda vocab: parse_filters(body, vocab, strict=True, radius_m=body.get("radius_m"))
    )
    errors += filter_errors
    page, per_page = parse_paging(body, errors)
    postcode = body.get("postcode")
    point = parse_point(body.get("lat"), body.get("lon"), errors)
    if postcode is not None and not isinstance(postcode, str):
        errors.append(("postcode", "Postcode must be text"))
    elif postcode is not None and point is not None:
        errors.append(("postcode", "Give a postcode or a point (lat and lon), not both"))
    elif postcode is None and point is None and not any(f in ("lat", "lon") for f, _ in errors):
        errors.append(("postcode", "Give a postcode, or lat and lon"))
    if errors:
        raise SearchInvalid(errors)
    return (postcode, point), filters, page, per_page


#: the id ``asset_url`` builds a response's asset link for once, each hit's id then put in its place
_URL_ID = uuid.UUID(int=0)


def asset_url() -> Callable[[uuid.UUID], str]:
    """The asset page's full URL for an id: ``url_for`` run once per response (werkzeug's URL building, for
    each of a page's hits, was a tenth of a millisecond a response), the same URL for every id."""
    template = url_for("practitioners.asset", asset_id=_URL_ID, _external=True)
    head, _sep, tail = template.rpartition(str(_URL_ID))
    return lambda asset_id: f"{head}{asset_id}{tail}"


def feature(hit, link: Callable[[uuid.UUID], str]) -> dict:
    """A hit as a GeoJSON feature (``link``: ``asset_url()``)."""
    return {
        "type": "Feature",
        "id": str(hit.id),
        "geometry": (
            {"type": "Point", "coordinates": [round(hit.lon, 6), round(hit.lat, 6)]} if hit.lon is not None else None
        ),
        "properties": {
            "id": str(hit.id),
            "name": hit.name,
            "distance_m": round(hit.distance_m, 1) if hit.distance_m is not None else None,
            "ward_code": hit.ward_code,
            "constituency_code": hit.constituency_code,
            "categories": hit.categories,
            "last_verified": hit.last_verified.isoformat() if hit.last_verified else None,
            "stale": hit.stale,
            "matched": hit.matched,
            "url": link(hit.id),
        },
    }


def collection(result: ResultPage) -> dict:
    link = asset_url()
    return {
        "type": "FeatureCollection",
        "features": [feature(h, link) for h in result.hits],
        "total": result.total,
        "total_capped": result.total_capped,
        "places": result.places,
        "area_served": result.area_served + result.hidden,
        "page": result.page,
        "per_page": result.per_page,
        "sort": result.sort,
        "corrected": result.words.corrected,
    }


@bp.post("/api/search")
@replica_reads
def api_search():
    """Search near a postcode or a point; best match first when there are words (``sort``), else nearest first.
    Confidential places never carry a point."""
    (postcode, point), filters, page, per_page = parse_request(request.get_json(force=True))
    origin = usecases.resolve_origin(postcode, point, with_areas=False)
    resp = jsonify(collection(search(origin, filters, current_user, "near", page, per_page)))
    resp.headers["Cache-Control"] = "no-store"
    resp.mimetype = "application/geo+json"
    return resp
