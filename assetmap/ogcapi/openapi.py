"""The OGC API's OpenAPI description, in two places.

* ``/ogc/api`` (the landing page's ``service-desc``): OpenAPI 3.0, as Part 1 expects, with the response
  schemas referenced at their published addresses on schemas.opengis.net. QGIS and GDAL read the
  ``limit`` parameter's ``maximum`` and ``default`` from it to choose their page size.
* ``/openapi.json`` (the app's whole JSON surface): the same paths with the vendored schemas (``spec/``) as
  ``ogc_*`` components, so the property-based tests check every response against the standard.
"""

from __future__ import annotations

import copy
import functools
import json
from pathlib import Path

from . import PREFIX
from .collections import COLLECTIONS
from .params import DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET

TAG = "OGC API - Features"
SPEC_FILE = Path(__file__).parent / "spec" / "ogcapi-features-1-schemas.json"
OGC_SCHEMAS = "https://schemas.opengis.net/ogcapi/features/part1/1.0/openapi/schemas/"
JSON, GEOJSON = "application/json", "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"


def _q(name: str, description: str, schema: dict, where: str = "query", **kw) -> dict:
    return {"name": name, "in": where, "required": where == "path", "description": description, "schema": schema, **kw}


F = _q(
    "f",
    "The format: JSON (GeoJSON for items) is the only one offered.",
    {"type": "string", "enum": ["json", "geojson"], "default": "json"},
    style="form",
    explode=False,
)
COLLECTION_ID = _q(
    "collectionId",
    "The collection: " + ", ".join(COLLECTIONS) + ".",
    {"type": "string", "enum": list(COLLECTIONS)},
    where="path",
)
FEATURE_ID = _q(
    "featureId",
    "An asset's id (a UUID), or an area's GSS code (E05..., E14..., E01...).",
    {"type": "string", "maxLength": 64},
    where="path",
)
ITEMS_PARAMS = [
    _q(
        "limit",
        f"How many features in a page: 1 to {MAX_LIMIT} (a larger number is served as {MAX_LIMIT}); "
        f"default {DEFAULT_LIMIT}.",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        style="form",
        explode=False,
    ),
    _q(
        "offset",
        "How many matching features to skip (the `next` and `prev` links set it).",
        {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
        style="form",
        explode=False,
    ),
    _q(
        "bbox",
        "Only features whose geometry intersects this box: minimum longitude, minimum latitude, "
        "maximum longitude, maximum latitude (WGS 84). Features without a geometry (online and phone assets) "
        "are left out.",
        {
            "type": "array",
            "oneOf": [{"minItems": 4, "maxItems": 4}, {"minItems": 6, "maxItems": 6}],
            "items": {"type": "number"},
        },
        style="form",
        explode=False,
    ),
    F,
]


def paths(schema: callable) -> dict:
    """The OGC API paths; ``schema(name)`` gives the reference to one of the standard's schemas."""

    def ok(description: str, name: str, media: str = JSON) -> dict:
        return {"description": description, "content": {media: {"schema": schema(name)}}}

    def error(description: str) -> dict:
        return {"description": description, "content": {JSON: {"schema": schema("exception")}}}

    def get(summary: str, op_id: str, params: list, responses: dict) -> dict:
        return {
            "get": {
                "tags": [TAG],
                "summary": summary,
                "operationId": op_id,
                "parameters": params,
                "responses": responses,
            }
        }

    bad = error("A query parameter is not valid or not known: `description` says which and why.")
    missing = error("There is no such collection or feature (or it is not public).")
    return {
        PREFIX: get(
            "Landing page: links to the API definition, the conformance classes and the collections",
            "ogcLandingPage",
            [F],
            {"200": ok("The landing page", "landingPage"), "400": bad},
        ),
        f"{PREFIX}/conformance": get(
            "The OGC API conformance classes this server implements",
            "ogcConformance",
            [F],
            {"200": ok("The conformance declaration", "confClasses"), "400": bad},
        ),
        f"{PREFIX}/api": get(
            "This API definition (OpenAPI 3.0)",
            "ogcApiDefinition",
            [],
            {"200": {"description": "The OpenAPI document", "content": {OPENAPI: {"schema": {"type": "object"}}}}},
        ),
        f"{PREFIX}/collections": get(
            "The feature collections", "ogcCollections", [F], {"200": ok("The collections", "collections"), "400": bad}
        ),
        f"{PREFIX}/collections/{{collectionId}}": get(
            "One collection, with its spatial extent",
            "ogcCollection",
            [COLLECTION_ID, F],
            {"200": ok("The collection", "collection"), "400": bad, "404": missing},
        ),
        f"{PREFIX}/collections/{{collectionId}}/items": get(
            "The features of a collection, a page at a time (GeoJSON)",
            "ogcItems",
            [COLLECTION_ID, *ITEMS_PARAMS],
            {
                "200": ok(
                    "A page of features with numberMatched, numberReturned and next/prev links",
                    "featureCollectionGeoJSON",
                    GEOJSON,
                ),
                "400": bad,
                "404": missing,
            },
        ),
        f"{PREFIX}/collections/{{collectionId}}/items/{{featureId}}": get(
            "One feature (GeoJSON)",
            "ogcItem",
            [COLLECTION_ID, FEATURE_ID, F],
            {"200": ok("The feature", "featureGeoJSON", GEOJSON), "400": bad, "404": missing},
        ),
    }


@functools.cache
def _spec() -> dict:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def spec_schemas() -> dict[str, dict]:
    """The vendored schemas of the standard (JSON Schema 2020-12), by name."""
    return copy.deepcopy(_spec()["$defs"])


def components(prefix: str = "#/components/schemas/") -> dict[str, dict]:
    """The standard's schemas as OpenAPI 3.1 components named ``ogc_<name>``."""
    text = json.dumps(_spec()["$defs"]).replace('"#/$defs/', f'"{prefix}ogc_')
    return {f"ogc_{k}": v for k, v in json.loads(text).items()}


def openapi_paths() -> dict:
    """The paths for the app's whole OpenAPI 3.1 document (``/openapi.json``)."""
    return paths(lambda name: {"$ref": f"#/components/schemas/ogc_{name}"})


@functools.cache
def _service_desc() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "AssetMap: OGC API - Features",
            "version": "1.0.0",
            "description": "Public community assets, and wards, constituencies and neighbourhoods (LSOAs) "
            "with coverage measures. WGS 84 longitude/latitude (CRS84) only. Open access: "
            "no key, CORS open to every origin.",
        },
        "tags": [{"name": TAG, "description": "OGC API - Features - Part 1: Core, GeoJSON"}],
        "paths": paths(lambda name: {"$ref": f"{OGC_SCHEMAS}{name}.yaml"}),
    }


def service_desc(server_url: str) -> dict:
    """The OpenAPI 3.0 document served at /ogc/api, naming the server it was asked from."""
    doc = copy.deepcopy(_service_desc())
    doc["servers"] = [{"url": server_url}]
    return doc
