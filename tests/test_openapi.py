"""/openapi.json: a valid OpenAPI 3.1 document for every JSON endpoint, honoured by the app (schemathesis)."""

from __future__ import annotations

import importlib.util
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from jsonschema import Draft202012Validator
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assetmap.accounts.store import issue_token
from assetmap.config import PROJECT_ROOT
from assetmap.opendata import schemas
from assetmap.opendata.openapi import document
from tests.factories import YORK_POSTCODE, make_asset, make_user
from tests.oruk_helpers import STANDARD

#: schemathesis examples per operation: enough to find 5xx and schema drift, small enough to stay well under a minute
MAX_EXAMPLES = 25


def test_openapi_document_is_valid_openapi_3_1(client):
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    resp = client.get("/openapi.json")
    assert resp.status_code == 200 and resp.headers["Access-Control-Allow-Origin"] == "*"
    doc = resp.get_json()
    assert doc["openapi"] == "3.1.0"
    errors = [e.message for e in Draft202012Validator(OPENAPI_31).iter_errors(doc)]
    assert not errors, errors[:5]
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_openapi_covers_every_oruk_endpoint_of_the_standard(client):
    doc = client.get("/openapi.json").get_json()
    standard = json.loads((STANDARD / "openapi.json").read_text()) if STANDARD.is_dir() else {"paths": {}}
    for path, item in standard["paths"].items():
        ours = "/oruk" + path
        assert ours in doc["paths"], ours
        assert item["get"]["operationId"] in {op["operationId"] for op in doc["paths"][ours].values()} or path in (
            "/taxonomy_terms",
            "/taxonomy_terms/{id}",
        )  # the standard swaps these two operation ids


def test_openapi_describes_every_json_route_the_app_serves(app, client):
    doc = client.get("/openapi.json").get_json()
    documented = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<", "{").replace(">", "}")
        for part in path.split("/"):
            if ":" in part:
                path = path.replace(part, "{" + part.split(":")[1])
        if not (path.startswith(("/oruk", "/api/")) or path in ("/openapi.json", "/healthz")):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            generic = "/".join("{id}" if p.startswith("{") else p for p in path.split("/"))
            assert (generic, method) in {
                ("/".join("{id}" if p.startswith("{") else p for p in d.split("/")), m) for d, m in documented
            }, f"{method} {path} is not in /openapi.json"


def test_vendored_oruk_schemas_match_the_published_standard():
    if not (STANDARD / "schema").is_dir():
        pytest.skip("the published standard is not next to this checkout")
    for path in schemas.SPEC_DIR.glob("*.json"):
        assert json.loads(path.read_text()) == json.loads((STANDARD / "schema" / path.name).read_text()), path.name


def test_api_page_lists_the_endpoints_and_taxonomies(client):
    resp = client.get("/api-docs")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    for text in (
        "Open data API",
        "/oruk/services",
        "/oruk/taxonomy_terms",
        "What matters (ICECAP-O capabilities)",
        "How to take part",
        "/openapi.json",
        "assetmap import oruk",
    ):
        assert text in page, text
    assert page.count("<h1") == 1
    assert "Open data API</a>" in client.get("/accessibility").get_data(as_text=True)  # linked from the footer


# --------------------------------------------------------------------------- property-based


@pytest.fixture
def fuzz_directory(request, app_ctx, db):
    """Real rows behind the endpoints, so lists and records are generated from data, not just empty pages."""
    make_asset(
        name="Fuzz Choir",
        categories="arts-and-music;social-groups",
        accessibility="wheelchair",
        organisation="Fuzz Org",
        contact_name="Sam",
        phone="0121 496 0000",
        email="a@example.org",
    )
    make_asset(name="Fuzz Lunch", lon=None, lat=None, postcode=YORK_POSTCODE, illustrative="yes")
    make_asset(name="Fuzz Phone", modes="phone", lon=None, lat=None, service_area_wards="E05011151")
    make_asset(name="Fuzz Hidden", visibility="confidential")
    db.flush()
    if "/api/assets" not in request.node.name:
        return {}
    coordinator = make_user("coordinator", wards=["E05011151"])  # argon2 hashing: only where a token is needed
    token = issue_token(coordinator, "fuzz")
    db.flush()
    return {"Authorization": f"Bearer {token}"}


def seeded_vocabulary() -> dict[str, list[str]]:
    """The taxonomy codes migration 0002 seeds (the live document reads the same codes from the database)."""
    path = PROJECT_ROOT / "migrations" / "versions" / "0002_seed_taxonomy.py"
    spec = importlib.util.spec_from_file_location("seed_taxonomy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {code: [t[0] for t in terms] for code, _name, _desc, terms in module.TAXONOMIES}


# The document is built from code and the seeded codes, so the operations are known at collection time
# (schemathesis' lazy fixture loader does not work with pytest 9); requests go to the test app through WSGI.
SEEDED = seeded_vocabulary()
schema = schemathesis.openapi.from_dict(document(SEEDED))


def test_served_document_is_the_one_fuzzed(client):
    assert client.get("/openapi.json").get_json() == json.loads(json.dumps(document(SEEDED)))


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,
        HealthCheck.data_too_large,
    ],
)
def test_every_documented_operation_honours_its_description(case, app, fuzz_directory):
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    if case.operation.path.startswith("/oruk"):
        checks.append(negative_data_rejection)  # the open data API refuses every value its document rules out
    case.call_and_validate(app=app, headers=fuzz_directory, checks=checks)


def test_the_documented_search_response_fields_are_exactly_those_returned(client, db):
    """``POST /api/search``: every field the endpoint returns is documented (``total_capped`` included), and every
    documented field is returned, at the top level and in each feature's properties."""
    make_asset(name="Documented choir", categories="arts-and-music")
    db.commit()  # (to the test's savepoint) the search reads through its own connection
    doc = client.get("/openapi.json").get_json()
    results = doc["components"]["schemas"]["SearchResults"]
    props = results["properties"]["features"]["items"]["properties"]["properties"]
    got = client.post("/api/search", json={"postcode": "B1 1BA", "q": "choir"})
    assert got.status_code == 200
    body = got.get_json()
    assert body["features"], "the search found the asset, so its properties are compared too"
    assert set(body) == set(results["properties"]) == set(results["required"])
    for feature in body["features"]:
        assert set(feature["properties"]) == set(props["properties"]) == set(props["required"])
    assert (
        results["properties"]["total_capped"]["type"] == "boolean"
        and "1,000" in (results["properties"]["total_capped"]["description"])
    )
    assert results["additionalProperties"] is False and props["additionalProperties"] is False
