"""The JSON documents of the OGC API, shaped as pygeoapi shapes them: links with rel, type and title.

Links are absolute (``url_for(..., _external=True)``): GDAL and QGIS follow them as given, and behind a
proxy ``PROXY_HOPS`` makes them name the public host.
"""

from __future__ import annotations

import datetime as dt

from flask import url_for

from .collections import Collection

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
TITLE = "AssetMap open data: OGC API - Features"
DESCRIPTION = (
    "Public community assets, and wards, constituencies and neighbourhoods (LSOAs) with the coverage "
    "of those assets, for GIS tools such as QGIS, ArcGIS Pro and GDAL. The same directory is "
    "published as Open Referral UK 3.0 under /oruk."
)


def link(rel: str, href: str, type_: str, title: str) -> dict:
    return {"rel": rel, "type": type_, "title": title, "href": href}


def landing() -> dict:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            link("self", url_for("ogcapi.landing", _external=True), JSON, "This document"),
            link(
                "service-desc", url_for("ogcapi.api", _external=True), OPENAPI, "The API definition (OpenAPI 3.0, JSON)"
            ),
            link(
                "service-doc",
                url_for("opendata.api_docs", _external=True, _anchor="ogc-api"),
                "text/html",
                "The API documentation",
            ),
            link(
                "conformance",
                url_for("ogcapi.conformance", _external=True),
                JSON,
                "OGC API conformance classes implemented by this server",
            ),
            link("data", url_for("ogcapi.collections", _external=True), JSON, "The feature collections"),
        ],
    }


def conformance() -> dict:
    return {"conformsTo": CONFORMANCE}


def collection(c: Collection, bbox: list[float] | None) -> dict:
    out = {
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "keywords": list(c.keywords),
        "links": [
            link("self", url_for("ogcapi.collection", collection_id=c.id, _external=True), JSON, "This collection"),
            link(
                "items", url_for("ogcapi.items", collection_id=c.id, _external=True), GEOJSON, f"{c.title} as GeoJSON"
            ),
        ],
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
    }
    if bbox:
        out["extent"] = {"spatial": {"bbox": [bbox], "crs": CRS84}}
    return out


def collections(items: list[dict]) -> dict:
    return {
        "links": [link("self", url_for("ogcapi.collections", _external=True), JSON, "This document")],
        "collections": items,
    }


def _items_url(c: Collection, limit: int, offset: int, bbox_arg: str | None) -> str:
    args = {"limit": limit, "offset": offset}
    if bbox_arg is not None:
        args["bbox"] = bbox_arg
    return url_for("ogcapi.items", collection_id=c.id, _external=True, **args)


def feature_collection(
    c: Collection, features: list[dict], matched: int, limit: int, offset: int, bbox_arg: str | None
) -> dict:
    """A page of items with ``next`` (while more match) and ``prev`` (after the first page) links."""
    links = [
        link("self", _items_url(c, limit, offset, bbox_arg), GEOJSON, "This page"),
        link("collection", url_for("ogcapi.collection", collection_id=c.id, _external=True), JSON, c.title),
    ]
    if offset + len(features) < matched:
        links.append(link("next", _items_url(c, limit, offset + limit, bbox_arg), GEOJSON, "The next page"))
    if offset > 0:
        links.append(link("prev", _items_url(c, limit, max(0, offset - limit), bbox_arg), GEOJSON, "The previous page"))
    return {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "timeStamp": timestamp(),
        "links": links,
    }


def feature(c: Collection, f: dict) -> dict:
    links = [
        link(
            "self",
            url_for("ogcapi.item", collection_id=c.id, feature_id=f["id"], _external=True),
            GEOJSON,
            "This feature",
        ),
        link("collection", url_for("ogcapi.collection", collection_id=c.id, _external=True), JSON, c.title),
    ]
    if c.geography is None:
        links.append(
            link(
                "alternate",
                url_for("opendata.service", service_id=f["id"], _external=True),
                JSON,
                "This asset as an Open Referral UK 3.0 service",
            )
        )
    return {**f, "links": links}


def timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
