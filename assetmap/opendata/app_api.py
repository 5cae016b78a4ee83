"""OpenAPI description of AssetMap's own JSON endpoints (search, asset upkeep, health, this document).

Described from the code in ``assetmap/practitioners/api.py`` and ``assetmap/upkeep/api.py``; an
endpoint is listed only if the running app serves it (see ``paths``).
"""
from __future__ import annotations

JSON = "application/json"
APP_TAG = "AssetMap"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": ref("Error")}}}


def tags() -> list[dict]:
    return [{"name": APP_TAG, "description": "AssetMap's own JSON API."}]


def security_schemes() -> dict:
    return {"bearerToken": {"type": "http", "scheme": "bearer",
                            "description": "An API token issued with `assetmap users token` to a coordinator or "
                                           "admin; it may change assets in that person's wards only."}}


def paths() -> dict:
    return {
        "/healthz": {"get": {
            "tags": [APP_TAG], "summary": "Is the service and its database up?", "operationId": "health",
            "responses": {
                "200": {"description": "Up", "content": {JSON: {"schema": ref("Health")}}},
                "503": {"description": "The database is not answering",
                        "content": {JSON: {"schema": ref("HealthDown")}}}}}},
        "/openapi.json": {"get": {
            "tags": [APP_TAG], "summary": "This document", "operationId": "openapi",
            "responses": {"200": {"description": "OpenAPI 3.1", "content": {JSON: {"schema": {"type": "object"}}}}}}},
    }


def schemas() -> dict:
    return {
        "Health": {"type": "object", "required": ["status"], "properties": {
            "status": {"const": "ok"}, "database": {"type": "string"}, "postgis": {"type": "string"}}},
        "HealthDown": {"type": "object", "required": ["status"], "properties": {
            "status": {"const": "unavailable"}, "error": {"type": "string"}}},
    }
