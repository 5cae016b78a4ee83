"""OpenAPI description of AssetMap's own JSON endpoints: search, the assets API, health, this document.

Written from the code in ``assetmap/practitioners/api.py`` (POST /api/search) and
``assetmap/upkeep/api.py`` (/api/assets); ``tests/test_openapi.py`` checks that every JSON route
the app serves is described here and fuzzes each description against the app. Taxonomy codes
become enums when a vocabulary is given (the live document uses the database's).
"""

from __future__ import annotations

from ..directory.records import LIST_FIELDS, MAX_TEXT, TEMPLATE_FIELDS, TERM_FIELDS
from ..vocabulary import (
    ACCESSIBILITY,
    COST_BANDS,
    DAYS,
    MODES,
    PARTS_OF_DAY,
    SORT_ORDERS,
    VERIFICATION_METHODS,
    VISIBILITY,
    WALKING_PACES,
)

JSON = "application/json"
GEOJSON = "application/geo+json"
APP_TAG = "AssetMap"
#: Great Britain, as parsing.lon_lat and the database check it
GB = {"lat": (49.8, 60.95), "lon": (-8.7, 1.9)}
TAXONOMY_FIELDS = TERM_FIELDS


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": ref("Error")}}}


def tags() -> list[dict]:
    return [{"name": APP_TAG, "description": "AssetMap's own JSON API."}]


def security_schemes() -> dict:
    return {
        "bearerToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token (`assetmap users token EMAIL`) of a coordinator or "
            "administrator; it may change assets only in that person's wards.",
        }
    }


def _code(vocab: dict | None, taxonomy: str) -> dict:
    codes = sorted((vocab or {}).get(taxonomy, ()))
    return {"type": "string", "enum": codes} if codes else {"type": "string"}


def _one_or_list(values: list[str], description: str) -> dict:
    one = {"type": "string", "enum": values}
    return {"description": description, "anyOf": [one, {"type": "array", "items": one}]}


def _codes(vocab: dict | None, taxonomy: str, description: str) -> dict:
    one = _code(vocab, taxonomy)
    return {"description": description, "anyOf": [one, {"type": "array", "items": one}]}


# --------------------------------------------------------------------------- search


def search_request(vocab: dict | None) -> dict:
    place = {
        "postcode": {
            "type": "string",
            "description": "A postcode in the areas this service covers. It is never stored or logged.",
        },
        "lat": {"type": "number", "minimum": GB["lat"][0], "maximum": GB["lat"][1]},
        "lon": {"type": "number", "minimum": GB["lon"][0], "maximum": GB["lon"][1]},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "description": "Search near a postcode, or near a point (lat and lon), not both.",
        "properties": {
            **place,
            "radius_m": {
                "type": "number",
                "minimum": 1,
                "maximum": 16093.44,
                "default": 1609.344,
                "description": "How far, in metres (at most 10 miles).",
            },
            "q": {"type": "string", "maxLength": 200, "description": "Words to look for."},
            **{
                name: _codes(
                    vocab,
                    name,
                    f"{name.replace('_', ' ').capitalize()} code(s): see /oruk/taxonomy_terms (the term's `code`).",
                )
                for name in TAXONOMY_FIELDS
            },
            "free": {"type": "boolean", "description": "Only free assets (the same as cost: free)."},
            "wheelchair": {
                "type": "boolean",
                "description": "Only places with wheelchair access (access: wheelchair).",
            },
            "open_day": _one_or_list([d.word for d in DAYS], "A session on any of these days."),
            "open_part": _one_or_list(list(PARTS_OF_DAY.codes), "A session in any of these parts of the day."),
            "mode": _one_or_list(list(MODES.codes), "Offered in any of these ways."),
            "access": _one_or_list(list(ACCESSIBILITY.codes), "A place with every one of these features."),
            "cost": {"type": "string", "enum": list(COST_BANDS.codes), "description": "The most a person can pay."},
            "this_week": {"type": "boolean", "description": "A session in the next seven days."},
            "sort": {
                "type": "string",
                "enum": list(SORT_ORDERS.codes),
                "default": "best",
                "description": "Best match (when there are words) or nearest first.",
            },
            "pace": {"type": "string", "enum": list(WALKING_PACES.codes), "default": "average"},
            "as_typed": {"type": "boolean", "description": "Search for the words as typed: no spelling correction."},
            "page": {"type": "integer", "minimum": 1, "maximum": 500, "default": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
        },
        "oneOf": [
            {"required": ["postcode"], "not": {"anyOf": [{"required": ["lat"]}, {"required": ["lon"]}]}},
            {"required": ["lat", "lon"], "not": {"required": ["postcode"]}},
        ],
    }


SEARCH_RESULTS = {
    "type": "object",
    "required": [
        "type",
        "features",
        "total",
        "total_capped",
        "places",
        "area_served",
        "page",
        "per_page",
        "sort",
        "corrected",
    ],
    "additionalProperties": False,
    "description": "A GeoJSON FeatureCollection, best match first when there are words, else nearest first.",
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "id", "geometry", "properties"],
                "properties": {
                    "type": {"const": "Feature"},
                    "id": {"type": "string", "format": "uuid"},
                    "geometry": {
                        "description": "Null for a confidential place, or an asset with no place.",
                        "anyOf": [
                            {"type": "null"},
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"const": "Point"},
                                    "coordinates": {
                                        "type": "array",
                                        "items": {"type": "number"},
                                        "minItems": 2,
                                        "maxItems": 2,
                                    },
                                },
                            },
                        ],
                    },
                    "properties": {
                        "type": "object",
                        "required": [
                            "id",
                            "name",
                            "distance_m",
                            "ward_code",
                            "constituency_code",
                            "categories",
                            "last_verified",
                            "stale",
                            "matched",
                            "url",
                        ],
                        "additionalProperties": False,
                        "properties": {
                            "id": {"type": "string", "format": "uuid"},
                            "name": {"type": "string"},
                            "distance_m": {"type": ["number", "null"]},
                            "ward_code": {"type": ["string", "null"]},
                            "constituency_code": {"type": ["string", "null"]},
                            "categories": {"type": "array", "items": {"type": "string"}},
                            "last_verified": {"anyOf": [{"type": "null"}, {"type": "string", "format": "date"}]},
                            "stale": {"type": "boolean", "description": "Not checked for over a year."},
                            "matched": {
                                "type": "array",
                                "items": {"type": "string"},
                                "description": "The search's words (or synonym phrases) this asset matched.",
                            },
                            "url": {"type": "string", "format": "uri"},
                        },
                    },
                },
            },
        },
        "total": {
            "type": "integer",
            "minimum": 0,
            "description": "How many assets match. When `total_capped` is true this is a floor, not a count.",
        },
        "total_capped": {
            "type": "boolean",
            "description": "True when more places matched than are counted (1,000): `total` and `places` are then "
            "floors, to be shown as 'more than 1,000'. The page of results is exact either way.",
        },
        "places": {"type": "integer", "minimum": 0, "description": "Of the total: assets with a place in reach."},
        "area_served": {
            "type": "integer",
            "minimum": 0,
            "description": "Of the total: phone, online or visiting services for the area (and confidential places).",
        },
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "sort": {"type": "string", "enum": ["best", "nearest"]},
        "corrected": {"type": ["string", "null"], "description": "The words searched for instead of those typed."},
    },
}


def search_path(vocab: dict | None) -> dict:
    return {
        "/api/search": {
            "post": {
                "tags": [APP_TAG],
                "summary": "Find assets near a postcode or a point, best match or nearest first",
                "operationId": "search",
                "description": "The body is JSON so a postcode never appears in a URL or a log line. Confidential places "
                "never carry a point.",
                "requestBody": {"required": True, "content": {JSON: {"schema": ref("SearchRequest")}}},
                "responses": {
                    "200": {"description": "Matching assets", "content": {GEOJSON: {"schema": ref("SearchResults")}}},
                    "400": _error("A field is not valid: `field` names it."),
                    "404": _error("The postcode is well formed but not one we know."),
                },
            }
        }
    }


# --------------------------------------------------------------------------- assets


def asset_input(vocab: dict | None) -> dict:
    text = {f: {"type": ["string", "null"], "maxLength": MAX_TEXT[f]} for f in MAX_TEXT if f != "source_id"}
    props = {
        **text,
        "categories": _codes(vocab, "category", "Category codes (at least one)."),
        "audiences": _codes(vocab, "audience", "Audience codes."),
        "capabilities": _codes(vocab, "capability", "What-matters capability codes."),
        "asset_type": _code(vocab, "asset_type") | {"description": "Asset type code."},
        "modes": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string", "enum": list(MODES.codes)}}],
            "description": f"{', '.join(MODES.codes)} (a list, or ';'-separated).",
        },
        "postcode": {"type": ["string", "null"]},
        "lat": {"type": ["number", "null"]},
        "lon": {"type": ["number", "null"]},
        "service_area_wards": {
            "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "Ward codes (E05…) for a service with no place.",
        },
        "schedule": {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "array",
                    "items": {
                        "anyOf": [
                            {"type": "string", "description": "like 'mon 10:00-12:00'"},
                            {
                                "type": "object",
                                "properties": {
                                    "byday": {"type": "string"},
                                    "opens_at": {"type": "string"},
                                    "closes_at": {"type": "string"},
                                },
                            },
                        ]
                    },
                },
            ]
        },
        "cost_amount": {"type": ["number", "string", "null"]},
        "cost": {
            "anyOf": [
                {"type": ["number", "string", "null"]},
                {
                    "type": "object",
                    "properties": {
                        "amount": {"type": ["number", "string", "null"]},
                        "description": {"type": ["string", "null"]},
                    },
                },
            ]
        },
        "contact": {
            "anyOf": [
                {"type": ["string", "null"]},
                {"type": "object", "properties": {k: {"type": ["string", "null"]} for k in ("name", "email", "phone")}},
            ]
        },
        "accessibility": {
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string", "enum": list(ACCESSIBILITY.codes)}},
            ]
        },
        "visibility": {"type": "string", "enum": list(VISIBILITY.codes)},
        "last_verified": {"type": ["string", "null"], "description": "YYYY-MM-DD, today or earlier."},
        "verification_method": {"type": ["string", "null"], "enum": [*VERIFICATION_METHODS.codes, None]},
        "illustrative": {"type": ["boolean", "string"]},
        "version": {"type": "integer", "description": "PATCH only: the version you read."},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": props,
        "description": "The asset template's fields (see the CSV template), plus lat/lon or postcode.",
    }


def asset_output() -> dict:
    lists = {f: {"type": "array", "items": {"type": "string"}} for f in LIST_FIELDS}
    strings = {
        f: {"type": "string"} for f in TEMPLATE_FIELDS if f not in LIST_FIELDS and f not in ("lat", "lon", "source_id")
    }
    return {
        "type": "object",
        "required": ["id", "version", "archived", "name"],
        "properties": {
            **strings,
            **lists,
            "id": {"type": "string", "format": "uuid"},
            "version": {"type": "integer", "minimum": 1},
            "archived": {"type": "boolean"},
            "wards": {"type": "array", "items": {"type": "string"}},
            "steward": {"type": ["string", "null"]},
            "lat": {"type": ["number", "null"]},
            "lon": {"type": ["number", "null"]},
            "changed": {"type": "array", "items": {"type": "string"}, "description": "PATCH: the fields that changed."},
        },
    }


def _asset_op(
    summary: str, op_id: str, ok: str, ok_schema: dict, body: bool, by_id: bool, conflict: bool = False
) -> dict:
    responses = {
        ok: {"description": summary, "content": {JSON: {"schema": ok_schema}}},
        "400": _error("A field is not valid (all problems are listed in `errors`)."),
        "401": _error("No valid bearer token."),
        "403": _error("Not a coordinator or administrator, or not one of your wards."),
    }
    if body:
        responses["415"] = _error("Send the body as application/json.")
    if by_id:
        responses["404"] = _error("No asset with that id that you can see.")
    if conflict:
        responses["409"] = _error(
            "Someone changed the asset since the version you read; the current one is in `current`."
        )
    op = {
        "tags": [APP_TAG],
        "summary": summary,
        "operationId": op_id,
        "security": [{"bearerToken": []}],
        "responses": responses,
    }
    if by_id:
        op["parameters"] = [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
        ]
    if body:
        op["requestBody"] = {"required": True, "content": {JSON: {"schema": ref("AssetInput")}}}
    return op


def assets_paths() -> dict:
    archived = {
        "type": "object",
        "required": ["id", "archived", "version"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "archived": {"const": True},
            "version": {"type": "integer"},
        },
    }
    delete = _asset_op(
        "Archive an asset (it is kept, with its history)",
        "archiveAsset",
        "200",
        archived,
        body=False,
        by_id=True,
        conflict=True,
    )
    delete["parameters"].append(
        {
            "name": "version",
            "in": "query",
            "required": False,
            "description": "The version you read: refused with 409 if it has changed since.",
            "schema": {"type": "integer", "minimum": 1},
        }
    )
    create = _asset_op("Add an asset", "createAsset", "201", ref("Asset"), body=True, by_id=False)
    create["parameters"] = [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "Any 1 to 255 printable ASCII characters, new for each asset (a UUID, say). Sending the "
            "same key again, with the same body, within a day returns the asset the first request "
            "created (201, header Idempotent-Replayed: true) instead of adding a second.",
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
        }
    ]
    create["responses"]["409"] = _error("A request with this Idempotency-Key is still being processed.")
    create["responses"]["422"] = _error("This Idempotency-Key was already used with a different body.")
    return {
        "/api/assets": {"post": create},
        "/api/assets/{id}": {
            "get": _asset_op("Read an asset", "readAsset", "200", ref("Asset"), body=False, by_id=True),
            "patch": _asset_op(
                "Change some fields of an asset; send the version you read",
                "updateAsset",
                "200",
                ref("Asset"),
                body=True,
                by_id=True,
                conflict=True,
            ),
            "delete": delete,
        },
    }


# --------------------------------------------------------------------------- the rest


def paths(vocab: dict | None = None) -> dict:
    return {
        **search_path(vocab),
        **assets_paths(),
        "/healthz": {
            "get": {
                "tags": [APP_TAG],
                "summary": "Is the service and its database up?",
                "operationId": "health",
                "responses": {
                    "200": {"description": "Up", "content": {JSON: {"schema": ref("Health")}}},
                    "503": {
                        "description": "The database is not answering",
                        "content": {JSON: {"schema": ref("HealthDown")}},
                    },
                },
            }
        },
        "/openapi.json": {
            "get": {
                "tags": [APP_TAG],
                "summary": "This document",
                "operationId": "openapi",
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {JSON: {"schema": {"type": "object"}}}}},
            }
        },
    }


def schemas(vocab: dict | None = None) -> dict:
    return {
        "SearchRequest": search_request(vocab),
        "SearchResults": SEARCH_RESULTS,
        "AssetInput": asset_input(vocab),
        "Asset": asset_output(),
        "Health": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "ok"}, "database": {"type": "string"}, "postgis": {"type": "string"}},
        },
        "HealthDown": {
            "type": "object",
            "required": ["status"],
            "properties": {"status": {"const": "unavailable"}, "error": {"type": "string"}},
        },
    }
