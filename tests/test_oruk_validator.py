"""Parity with the official ORUK validator (OpenReferralUK/oruk-validator), against the running test server.

What the validator does, done here the same way: it is given the base URL as a person types it (no trailing
slash); it reads the version from the root response; it walks every path of the published ORUK 3.0 OpenAPI
document - each list endpoint at page 1, the middle page (``total_pages // 2`` when there are more than two)
and the last page, without ``per_page`` - then each ``{id}`` endpoint with up to 10 ids from page 1 of its list;
and it validates every body against the schema the document names for it, formats checked (uuid, uri, email,
date-time), with no null anywhere. Its older releases also checked the paging metadata at ``per_page=5``.

The validator's own pass/warn/fail fixtures go through the same checker, to show it fails what the validator
fails (``tests/fixtures/oruk/validator/``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from jsonschema import FormatChecker

from assetmap.opendata import schemas
from tests.factories import YORK_POSTCODE, make_asset
from tests.oruk_helpers import SCHEMA_DIR, STANDARD, serve

FIXTURES = Path(__file__).parent / "fixtures" / "oruk" / "validator"
OPENAPI = json.loads((FIXTURES / "oruk-3.0-openapi.json").read_text(encoding="utf-8"))
SCHEMA_PREFIX = "https://openreferraluk.org/specifications/3.0/schema/"
MAX_IDS = 10
DEFAULT_PAGE_SIZE = 50  # ours; the validator never sends per_page


# --------------------------------------------------------------------------- the checker


def checker() -> FormatChecker:
    """jsonschema's FormatChecker with ``uri`` and ``date-time`` checked as the .NET validator checks them."""
    found = schemas.format_checker()
    assert isinstance(found, FormatChecker) and {"uuid", "email", "uri", "date-time"} <= set(found.checkers)
    return found


def nulls(node, path: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in ([f"{path}/{k}"] if v is None else nulls(v, f"{path}/{k}"))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in nulls(v, f"{path}/{i}")]
    return []


def paging_problems(body: dict, page: int | None = None, per_page: int | None = None) -> list[str]:
    """The paging metadata checks of the validator's earlier releases."""
    items = body.get("contents", [])
    out = []
    if body.get("size") != len(items):
        out.append(f"size {body.get('size')} but {len(items)} items")
    if body.get("empty") is not (len(items) == 0):
        out.append(f"empty is {body.get('empty')} with {len(items)} items")
    if page is not None:
        total_pages = body.get("total_pages")
        if body.get("page_number") != page:
            out.append(f"page_number {body.get('page_number')} on page {page}")
        if body.get("first_page") is not (page == 1):
            out.append(f"first_page is {body.get('first_page')} on page {page}")
        if body.get("last_page") is not (page >= (total_pages or 0)):
            out.append(f"last_page is {body.get('last_page')} on page {page} of {total_pages}")
    if per_page is not None and body.get("total_pages") != -(-body.get("total_items", 0) // per_page):
        out.append(f"total_pages {body.get('total_pages')} for {body.get('total_items')} items at {per_page} a page")
    return out


def problems(schema_name: str, body) -> list[str]:
    """Everything the validator would report for ``body`` against ORUK schema ``schema_name``."""
    found = schemas.problems(schema_name, body, folder=SCHEMA_DIR, limit=20)
    return found + [f"{p} is null" for p in nulls(body)]


def response_schema(operation: dict) -> str:
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.startswith(SCHEMA_PREFIX), ref
    return ref[len(SCHEMA_PREFIX) :].removesuffix(".json")


# --------------------------------------------------------------------------- the validator's fixtures


@pytest.mark.parametrize(
    "fixture, schema_name, expected",
    [
        (
            "validator-fail_service_full.json",
            "service",
            ["email: 'email-example_com' is not a 'email'", "url: 'example/counselling' is not a 'uri'"],
        ),
        (
            "validator-fail_api_details.json",
            "api_details",
            [
                "(top): 'profile' is a required property",
                "openapi_url: 'docs-openreferraluk-org/en/latest/openapi30.json' is not a 'uri'",
            ],
        ),
        (
            "validator-warn_taxonomy_term.json",
            "taxonomy_term",
            ["(top): 'description' is a required property", "term_uri: 'example_com' is not a 'uri'"],
        ),
    ],
)
def test_the_checker_fails_what_the_validator_fails(fixture, schema_name, expected):
    assert problems(schema_name, json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))) == expected


def test_the_checker_passes_the_hsds_example_the_validator_passes():
    assert problems("service", json.loads((FIXTURES / "hsds-core-3.0_service_full.json").read_text())) == []


def test_inconsistent_paging_passes_the_schema_but_not_the_paging_checks():
    body = json.loads((FIXTURES / "validator-test_service_list_inconsistent_paging.json").read_text())
    assert problems("service_list", body) == []
    assert paging_problems(body, page=1) == ["size 31 but 128 items"]


def test_fixtures_are_the_published_copies():
    if not STANDARD.is_dir():
        pytest.skip("the published standard is not next to this checkout")
    assert OPENAPI == json.loads((STANDARD / "openapi.json").read_text())
    for path in FIXTURES.glob("validator-*.json"):
        assert path.read_bytes() == (STANDARD / "samples" / path.name).read_bytes(), path.name


# --------------------------------------------------------------------------- the walk, against the test server


@pytest.fixture
def feed(app, app_ctx, db):
    """Four pages of public services at the default page size (so the middle page, 4 // 2, is neither the
    first nor the last), and places that must not appear."""
    for n in range(3 * DEFAULT_PAGE_SIZE + 7):
        make_asset(
            name=f"Validator group {n:03d}",
            organisation=f"Validator org {n % 12}",
            categories="social-groups;arts-and-music" if n % 2 else "physical-activity",
            url="https://example.org/groups" if n % 3 else None,
            email="hello@example.org",
            contact_name="Sam Jones",
            phone="0121 496 0000",
            accessibility="wheelchair",
            **({"lon": None, "lat": None, "postcode": YORK_POSTCODE} if n % 5 == 0 else {}),
        )
    make_asset(name="Validator phone line", modes="phone", lon=None, lat=None, service_area_wards="E05011151")
    make_asset(name="Validator refuge", visibility="confidential")
    make_asset(name="Validator practitioners only", visibility="practitioners")
    db.flush()
    with serve(app) as base:
        yield base + "/oruk"  # as a person types it: no trailing slash


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect is an answer of its own: the validator reports what the URL returns


OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str) -> tuple[int, dict | None, str]:
    try:
        with OPENER.open(url, timeout=30) as resp:
            return resp.status, json.loads(resp.read()), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, None, exc.headers.get("Content-Type", "")


class Walk:
    """Requests made and problems found, per URL."""

    def __init__(self, base: str):
        self.base, self.requested, self.found = base, [], {}

    def get(self, path: str, schema_name: str) -> dict | None:
        url = self.base + path
        status, body, content_type = fetch(url)
        self.requested.append(path)
        found = [] if status == 200 else [f"HTTP {status}"]
        if status == 200:
            if not content_type.startswith("application/json"):
                found.append(f"Content-Type {content_type}")
            found += problems(schema_name, body)
        if found:
            self.found[path] = found
        return body


def test_the_validator_walk_passes_every_endpoint(feed):
    walk = Walk(feed)
    root = walk.get("", "api_details")
    assert root is not None and root["version"] == "HSDS-UK-3.0"
    ids: dict[str, list[str]] = {}
    lists = {p: op["get"] for p, op in OPENAPI["paths"].items() if "{" not in p and p != "/"}
    for path, op in lists.items():
        name = response_schema(op)
        first = walk.get(f"{path}?page=1", name)
        assert first is not None and first["contents"], path
        ids[path] = [item["id"] for item in first["contents"][:MAX_IDS]]
        total = first["total_pages"]
        if total > 2:
            walk.get(f"{path}?page={total // 2}", name)
        if total > 1:
            walk.get(f"{path}?page={total}", name)
    for path, op in OPENAPI["paths"].items():
        if "{id}" in path:
            for item_id in ids[path.replace("/{id}", "")]:
                walk.get(path.replace("{id}", item_id), response_schema(op["get"]))
    assert walk.found == {}
    # the walk really went through the first, middle (4 // 2) and last pages, and ten records of each kind
    assert [r for r in walk.requested if r.startswith("/services?")] == [
        "/services?page=1",
        "/services?page=2",
        "/services?page=4",
    ]
    for path in ("/services", "/service_at_locations", "/organizations", "/taxonomies", "/taxonomy_terms"):
        assert sum(r.startswith(path + "/") for r in walk.requested) == len(ids[path]), path
        assert len(ids[path]) == (5 if path == "/taxonomies" else MAX_IDS), path  # we publish five taxonomies


def test_paging_metadata_at_five_a_page(feed):
    for path, op in OPENAPI["paths"].items():
        if "{" in path or path == "/":
            continue
        status, first, _ = fetch(f"{feed}{path}?per_page=5")
        assert status == 200 and paging_problems(first, page=1, per_page=5) == [], path
        assert first["size"] == 5, path
        last_page = first["total_pages"]
        for page in sorted({2, last_page, last_page + 1}):
            status, body, _ = fetch(f"{feed}{path}?per_page=5&page={page}")
            assert status == 200, (path, page)
            assert paging_problems(body, page=page, per_page=5) == [], (path, page, body["size"])
            assert problems(response_schema(op["get"]), body) == [], (path, page)


def test_confidential_and_practitioners_only_places_never_reach_the_feed(feed):
    status, body, _ = fetch(f"{feed}/services?search=Validator&per_page=200")
    names = {s["name"] for s in body["contents"]}
    assert status == 200 and "Validator phone line" in names and len(names) == 3 * DEFAULT_PAGE_SIZE + 8
    assert not {"Validator refuge", "Validator practitioners only"} & names
