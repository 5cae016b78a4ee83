"""The OpenAPI 3.1 document for everything AssetMap serves as JSON.

The Open Referral UK endpoints reuse the published ORUK 3.0 schemas verbatim (as ``oruk_*``
components; see ``schemas.openapi_components``); our parameters are described more tightly than
the ORUK template (ids are UUIDs, paging has bounds) because that is what the API enforces.
The app's own ``/api/…`` endpoints are described in ``app_api.py``.
"""

from __future__ import annotations

import copy
import functools

from . import app_api
from .params import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE, MAX_PROXIMITY_M, MAX_SEARCH
from .schemas import openapi_components

PREFIX = "/oruk"
ORUK_TAG = "Open Referral UK 3.0"
JSON = "application/json"


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, description: str, schema: dict, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


ID = {"type": "string", "format": "uuid"}
PARAMETERS = {
    "page": _param(
        "page", "Page number, from 1.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}
    ),
    "per_page": _param(
        "per_page",
        f"Results per page (at most {MAX_PER_PAGE}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    ),
    "search": _param(
        "search",
        "Full text search of names and descriptions (English stemming), or part of a name.",
        {"type": "string", "maxLength": MAX_SEARCH},
    ),
    "format": _param("format", "Only json is offered.", {"type": "string", "enum": ["json"], "default": "json"}),
    "taxonomy_term_id": _param("taxonomy_term_id", "Only records with this taxonomy term (see /taxonomy_terms).", ID),
    "taxonomy_id": _param("taxonomy_id", "Only records with any term of this taxonomy.", ID),
    "organization_id": _param("organization_id", "Only services run by this organization.", ID),
    "modified_after": _param(
        "modified_after",
        "Only records changed at or after this time (ISO 8601; without a zone it is UTC).",
        {"type": "string", "format": "date-time"},
    ),
    "postcode": _param(
        "postcode",
        "A UK postcode in the areas this service covers: results are sorted nearest "
        "first from its centroid. It is neither stored nor logged.",
        {"type": "string", "maxLength": 10},
    ),
    "proximity": _param(
        "proximity",
        "With postcode: only places within this many metres.",
        {"type": "integer", "minimum": 1, "maximum": MAX_PROXIMITY_M},
    ),
    "full": _param("full", "true: fully nested records in the list.", {"type": "boolean", "default": False}),
    "minimal": _param(
        "minimal",
        "true: only id, name, status and last_modified of each service.",
        {"type": "boolean", "default": False},
    ),
    "full_service": _param(
        "full_service", "true: the organization's services fully nested.", {"type": "boolean", "default": False}
    ),
    "top_only": _param("top_only", "true: only terms without a parent.", {"type": "boolean", "default": False}),
    "parent_id": _param("parent_id", "Only terms whose parent is this term.", ID),
}
CORS = {
    "Access-Control-Allow-Origin": {"description": "Always *: open access.", "schema": {"type": "string", "const": "*"}}
}


def _error(description: str) -> dict:
    return {"description": description, "content": {JSON: {"schema": ref("Error")}}}


def _oruk_get(summary: str, operation_id: str, schema: dict, params: list[str], by_id: str | None = None) -> dict:
    parameters = [{"$ref": f"#/components/parameters/{p}"} for p in params]
    responses = {
        "200": {"description": summary, "headers": CORS, "content": {JSON: {"schema": schema}}},
        "400": _error("A parameter is not valid: `field` names it."),
    }
    if by_id or "postcode" in params:
        responses["404"] = _error("No public record has that id." if by_id else "That postcode is not known.")
    if by_id:
        parameters.insert(0, _param("id", f"The {by_id}'s id.", ID, where="path", required=True))
    return {
        "get": {
            "tags": [ORUK_TAG],
            "summary": summary,
            "operationId": operation_id,
            "parameters": parameters,
            "responses": responses,
        }
    }


LIST = ["search", "page", "per_page", "format"]
SERVICE_FILTERS = ["taxonomy_term_id", "taxonomy_id", "organization_id", "modified_after", "postcode", "proximity"]


def oruk_paths() -> dict:
    p = PREFIX
    return {
        f"{p}/": {
            "get": {
                "tags": [ORUK_TAG],
                "summary": "About this API: ORUK version, profile and this document",
                "operationId": "getAPIMetaInformation",
                "responses": {
                    "200": {
                        "description": "api_details",
                        "headers": CORS,
                        "content": {JSON: {"schema": ref("oruk_api_details")}},
                    }
                },
            }
        },
        f"{p}/services": _oruk_get(
            "Public services, a page at a time",
            "getPaginatedListOfServices",
            ref("oruk_service_list"),
            LIST + SERVICE_FILTERS + ["minimal", "full"],
        ),
        f"{p}/services/{{id}}": _oruk_get(
            "A fully nested service", "getFullyNestedServiceById", ref("AssetMapService"), [], by_id="service"
        ),
        f"{p}/service_at_locations": _oruk_get(
            "Services at their places, a page at a time",
            "getPaginatedListOfServiceAtLocation",
            ref("oruk_service_at_location_list"),
            LIST + SERVICE_FILTERS + ["full"],
        ),
        f"{p}/service_at_locations/{{id}}": _oruk_get(
            "A service at a location, fully nested",
            "getServiceAtLocationWithNestedDataById",
            ref("AssetMapServiceAtLocation"),
            [],
            by_id="service at location",
        ),
        f"{p}/organizations": _oruk_get(
            "Organizations that run public services",
            "getPaginatedListOfOrganizations",
            ref("oruk_organization_list"),
            LIST + ["full", "full_service"],
        ),
        f"{p}/organizations/{{id}}": _oruk_get(
            "An organization with its public services",
            "getOrganizationById",
            ref("AssetMapOrganization"),
            ["full_service"],
            by_id="organization",
        ),
        f"{p}/taxonomies": _oruk_get(
            "Our taxonomies: categories, audiences, what-matters capabilities, asset types and delivery modes",
            "getPaginatedListOfTaxonomies",
            ref("oruk_taxonomy_list"),
            LIST,
        ),
        f"{p}/taxonomies/{{id}}": _oruk_get(
            "A taxonomy with its terms", "getTaxonomyById", ref("oruk_taxonomy"), [], by_id="taxonomy"
        ),
        f"{p}/taxonomy_terms": _oruk_get(
            "Taxonomy terms, with stable ids",
            "getPaginatedListOfTaxonomyTerms",
            ref("oruk_taxonomy_term_list"),
            LIST + ["taxonomy_id", "top_only", "parent_id"],
        ),
        f"{p}/taxonomy_terms/{{id}}": _oruk_get(
            "A taxonomy term", "getTaxonomyTermById", ref("oruk_taxonomy_term"), [], by_id="taxonomy term"
        ),
    }


def _extended(base: str, extra: dict, description: str) -> dict:
    return {"description": description, "allOf": [ref(base), {"type": "object", "properties": extra}]}


def own_schemas() -> dict:
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {"type": "string", "description": "What is wrong, in plain English."},
                "field": {"type": "string", "description": "The parameter or field at fault."},
            },
        },
        "AssetMapService": _extended(
            "oruk_service",
            {
                "phones": {
                    "type": "array",
                    "items": ref("oruk_phone"),
                    "description": "HSDS 3.0 service phones (not in the UK profile's service schema).",
                },
                "service_at_locations": {"type": "array", "items": ref("oruk_service_at_location")},
            },
            "An ORUK 3.0 service, fully nested, with HSDS 3.0 phones.",
        ),
        "AssetMapServiceAtLocation": _extended(
            "oruk_service_at_location",
            {"service": ref("AssetMapService")},
            "An ORUK 3.0 service_at_location with its service nested.",
        ),
        "AssetMapOrganization": _extended(
            "oruk_organization",
            {"services": {"type": "array", "items": ref("AssetMapService")}},
            "An ORUK 3.0 organization with its public services.",
        ),
    }


@functools.cache
def _document(vocab_key: tuple) -> dict:
    vocab = {tax: list(codes) for tax, codes in vocab_key} or None
    from ..ogcapi import openapi as ogc

    paths = oruk_paths()
    paths.update(ogc.openapi_paths())
    paths.update(app_api.paths(vocab))
    schemas = openapi_components()
    schemas.update(own_schemas())
    schemas.update(ogc.components())
    schemas.update(app_api.schemas(vocab))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "AssetMap API",
            "version": "1.0.0",
            "summary": "Community assets as Open Referral UK 3.0 open data, and AssetMap's own JSON API.",
            "description": (
                "Open data: the Open Referral UK 3.0 (HSDS-UK-3.0) read API under /oruk - public, live assets only, "
                "no key, CORS open to every origin. Times in schedules are UK local time (Europe/London).\n\n"
                "The same public assets, and wards, constituencies and LSOAs with coverage measures, as OGC API - "
                "Features under /ogc (GeoJSON, for GIS tools).\n\n"
                "AssetMap's own API under /api: search for practitioners, and creating and updating assets with a "
                "bearer token issued to coordinators."
            ),
        },
        "tags": [
            {"name": ORUK_TAG, "description": "Open data to the Open Referral UK 3.0 standard."},
            {"name": ogc.TAG, "description": "Open data for GIS tools: OGC API - Features - Part 1: Core."},
            *app_api.tags(),
        ],
        "paths": paths,
        "components": {"schemas": schemas, "parameters": PARAMETERS, "securitySchemes": app_api.security_schemes()},
    }


def document(vocab: dict | None = None) -> dict:
    """The whole OpenAPI document (a fresh copy: callers may change it).

    ``vocab`` ({"category": codes, …}) turns taxonomy fields of the app's own API into enums.
    """
    key = tuple(sorted((tax, tuple(sorted(codes))) for tax, codes in (vocab or {}).items()))
    return copy.deepcopy(_document(key))


def operations(doc: dict) -> list[dict]:
    """One row per operation for the human-readable API page."""
    rows = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            names = [p["$ref"].rsplit("/", 1)[1] if "$ref" in p else p["name"] for p in op.get("parameters", [])]
            rows.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "parameters": names,
                    "secured": bool(op.get("security")),
                    "open_data": path.startswith(PREFIX),
                    "ogc": path.startswith("/ogc"),
                }
            )
    return rows
