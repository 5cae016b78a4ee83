"""The Open Referral UK 3.0 API: every response checked against the published ORUK 3.0 JSON schemas."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import event, update

from assetmap import taxonomy
from assetmap.directory.records import ILLUSTRATIVE_ALERT
from assetmap.models import Organisation, Service, Taxonomy, TaxonomyTerm
from assetmap.opendata import oruk
from tests.factories import YORK_POSTCODE, make_asset
from tests.oruk_helpers import assert_valid, assert_valid_service

CATEGORY_TAXONOMY = taxonomy.stable_id("category")
SOCIAL = taxonomy.stable_id("category", "social-groups")
PHONE_MODE = taxonomy.stable_id("mode", "phone")


def get_ok(client, url, schema):
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.get_json())
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body = resp.get_json()
    if schema == "service":
        assert_valid_service(body)
    elif schema:
        assert_valid(schema, body)
    return body


def get_error(client, url, status, field=None):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body = resp.get_json()
    assert body["error"]
    if field:
        assert body["field"] == field, body
    return body


@pytest.fixture
def directory(app_ctx, db):
    """A small directory: public assets in Birmingham and York, and some that must never be published."""
    a = {
        "choir": make_asset(
            name="Ladywood Community Choir",
            categories="arts-and-music;social-groups",
            audiences="older-people;all-adults",
            capabilities="enjoyment",
            asset_type="association",
            organisation="Ladywood Singers",
            schedule="mon 10:00-12:00;thu 18:30-20:00",
            accessibility="wheelchair;hearing-loop",
            cost_amount="2.50",
            cost_description="per session",
            contact_name="Sam Jones",
            email="choir@example.org",
            phone="0121 496 0000",
            url="https://choir.example.org/",
            how_to_get_there="Bus 8 to Ladywood Middleway",
            address="Ladywood Community Centre, Ladywood Middleway",
        ),
        "walk": make_asset(
            name="Ladywood Walking Group",
            categories="physical-activity",
            organisation="Ladywood Singers",
            lon=-1.8939,
            lat=52.4779,
            modes="in_person;online",
        ),
        "york": make_asset(
            name="York Lunch Club",
            categories="community-meals-and-food;social-groups",
            lon=None,
            lat=None,
            postcode=YORK_POSTCODE,
        ),
        "phone": make_asset(
            name="Telephone Befriending",
            categories="befriending",
            modes="phone",
            lon=None,
            lat=None,
            service_area_wards="E05011151",
            phone="0121 496 0001",
            schedule="tue 14:00-16:00",
        ),
        "demo": make_asset(
            name="Knit and Natter", categories="social-groups", illustrative="yes", lon=-1.885501, lat=52.458915
        ),  # B12 9BX, about 2 km from B1 1BA
        "private": make_asset(name="Practitioners Only Group", visibility="practitioners", organisation="Hidden Org"),
        "secret": make_asset(name="Safe House Drop-in", visibility="confidential", organisation="Refuge Org"),
        "archived": make_asset(name="Closed Club", categories="social-groups"),
    }
    a["archived"].archived_at = dt.datetime.now(dt.UTC)
    db.flush()
    return a


PUBLIC = {
    "Ladywood Community Choir",
    "Ladywood Walking Group",
    "York Lunch Club",
    "Telephone Befriending",
    "Knit and Natter",
}


def all_pages(client, url, schema):
    names, page = [], 1
    while True:
        body = get_ok(client, f"{url}{'&' if '?' in url else '?'}page={page}", schema)
        names += [c["name"] for c in body["contents"]]
        if body["last_page"]:
            return names, body
        page += 1


# --------------------------------------------------------------------------- api details


def test_api_details_name_the_version_profile_and_openapi_document(client):
    body = get_ok(client, "/oruk/", "api_details")
    assert body["version"] == "HSDS-UK-3.0"
    assert body["openapi_url"].endswith("/openapi.json")
    assert client.get("/openapi.json").status_code == 200


# --------------------------------------------------------------------------- services


def test_services_list_pages_through_every_public_asset(client, directory):
    first = get_ok(client, "/oruk/services?per_page=2", "service_list")
    assert (first["total_items"], first["total_pages"], first["page_number"], first["size"]) == (5, 3, 1, 2)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    last = get_ok(client, "/oruk/services?per_page=2&page=3", "service_list")
    assert (last["size"], last["first_page"], last["last_page"]) == (1, False, True)
    names, _ = all_pages(client, "/oruk/services?per_page=2", "service_list")
    assert sorted(names) == sorted(PUBLIC)


def test_services_list_never_includes_private_confidential_or_archived_assets(client, directory):
    names, _ = all_pages(client, "/oruk/services?per_page=200&full=true", "service_list")
    assert set(names) == PUBLIC
    for hidden in ("private", "secret", "archived"):
        get_error(client, f"/oruk/services/{directory[hidden].id}", 404, "id")


def test_page_beyond_the_end_is_empty_but_valid(client, directory):
    body = get_ok(client, "/oruk/services?page=9&per_page=2", "service_list")
    assert body["empty"] is True and body["contents"] == [] and body["size"] == 0
    assert body["total_items"] == 5 and body["last_page"] is True


def test_no_match_is_an_empty_valid_list(client, directory):
    body = get_ok(client, "/oruk/services?search=zzzzqqqq", "service_list")
    assert (body["total_items"], body["total_pages"], body["empty"], body["contents"]) == (0, 0, True, [])


def test_full_service_record_nests_every_related_entity(client, directory):
    choir = directory["choir"]
    body = get_ok(client, f"/oruk/services/{choir.id}", "service")
    assert body["name"] == "Ladywood Community Choir" and body["status"] == "active"
    assert body["organization"]["name"] == "Ladywood Singers"
    assert body["organization_id"] == body["organization"]["id"]
    assert [(s["byday"], s["opens_at"], s["closes_at"], s["freq"]) for s in body["schedules"]] == [
        ("MO", "10:00", "12:00", "WEEKLY"),
        ("TH", "18:30", "20:00", "WEEKLY"),
    ]
    [sal] = body["service_at_locations"]
    loc = sal["location"]
    assert (loc["latitude"], loc["longitude"]) == (52.475425, -1.900211)
    assert loc["transportation"] == "Bus 8 to Ladywood Middleway"
    [address] = loc["addresses"]
    assert address["postal_code"] == "" and address["state_province"] == "Birmingham" and address["country"] == "GB"
    assert address["address_1"] == "Ladywood Community Centre, Ladywood Middleway"
    assert [a["accessibility"] for a in loc["accessibility"]] == ["wheelchair", "hearing-loop"]
    assert body["cost_options"] == [
        {
            "id": body["cost_options"][0]["id"],
            "service_id": str(choir.id),
            "option": "Per session",
            "amount": 2.5,
            "currency": "GBP",
            "amount_description": "per session",
        }
    ]
    assert body["contacts"][0]["name"] == "Sam Jones"
    assert body["phones"][0]["number"] == "0121 496 0000"
    by_type = {}
    for attr in body["attributes"]:
        assert attr["link_id"] == str(choir.id) and attr["taxonomy_term_id"] == attr["taxonomy_term"]["id"]
        by_type.setdefault(attr["link_type"], []).append(attr["taxonomy_term"]["code"])
    assert by_type == {
        "category": ["social-groups", "arts-and-music"],
        "audience": ["all-adults", "older-people"],
        "capability": ["enjoyment"],
        "asset_type": ["association"],
        "mode": ["in_person"],
    }


def test_service_without_a_place_publishes_its_ward_service_area(client, directory):
    body = get_ok(client, f"/oruk/services/{directory['phone'].id}", "service")
    assert body["service_at_locations"] == []
    [area] = body["service_areas"]
    assert area["name"] == "Ladywood"
    assert area["uri"] == "http://statistics.data.gov.uk/id/statistical-geography/E05011151"
    assert [a["taxonomy_term"]["code"] for a in body["attributes"] if a["link_type"] == "mode"] == ["phone"]


def test_illustrative_listing_says_so_in_its_alert(client, directory):
    body = get_ok(client, f"/oruk/services/{directory['demo'].id}", "service")
    assert body["alert"] == ILLUSTRATIVE_ALERT
    assert "alert" not in get_ok(client, f"/oruk/services/{directory['choir'].id}", "service")


def test_minimal_services_carry_only_id_name_status_and_modified_time(client, directory):
    body = get_ok(client, "/oruk/services?minimal=true&per_page=200", "service_list")
    assert {frozenset(c) for c in body["contents"]} == {frozenset({"id", "name", "status", "last_modified"})}


def test_full_list_is_fully_nested_and_valid(client, directory):
    body = get_ok(client, "/oruk/services?full=true&per_page=200", "service_list")
    for item in body["contents"]:
        assert_valid_service(item)
        assert "attributes" in item and "schedules" in item


def test_confidential_location_never_carries_a_point_or_address(app_ctx, directory):
    secret = directory["secret"]
    ctx = oruk.context(services=[secret])
    assert ctx.points  # the point is at hand: only the confidentiality rule keeps it out
    loc = oruk.location(secret.locations[0].location, secret, ctx)
    assert set(loc) <= {"id", "location_type", "name", "description"}
    assert "latitude" not in str(oruk.service_full(secret, ctx))


# --------------------------------------------------------------------------- filters


def names_of(client, url, schema="service_list"):
    body = get_ok(client, url, schema)
    if schema == "service_at_location_list":
        return sorted(c["service"]["name"] for c in body["contents"])
    return sorted(c["name"] for c in body["contents"])


def test_search_finds_words_in_names_and_descriptions(client, directory):
    assert names_of(client, "/oruk/services?search=choir") == ["Ladywood Community Choir"]
    assert names_of(client, "/oruk/services?search=friendly") == sorted(PUBLIC)  # the factory's description
    assert names_of(client, "/oruk/services?search=Lunch%20Clu") == ["York Lunch Club"]


def test_taxonomy_term_and_taxonomy_filters(client, directory):
    assert names_of(client, f"/oruk/services?taxonomy_term_id={SOCIAL}") == [
        "Knit and Natter",
        "Ladywood Community Choir",
        "York Lunch Club",
    ]
    assert names_of(client, f"/oruk/services?taxonomy_term_id={PHONE_MODE}") == ["Telephone Befriending"]
    online = taxonomy.stable_id("mode", "online")
    assert names_of(client, f"/oruk/services?taxonomy_term_id={online}") == ["Ladywood Walking Group"]
    assert len(names_of(client, f"/oruk/services?taxonomy_id={CATEGORY_TAXONOMY}")) == 5
    assert names_of(client, f"/oruk/services?taxonomy_id={uuid.uuid4()}") == []


def test_filters_combine_with_and(client, directory):
    org = directory["choir"].organisation_id
    assert names_of(client, f"/oruk/services?organization_id={org}") == [
        "Ladywood Community Choir",
        "Ladywood Walking Group",
    ]
    assert names_of(client, f"/oruk/services?organization_id={org}&taxonomy_term_id={SOCIAL}") == [
        "Ladywood Community Choir"
    ]
    assert names_of(client, f"/oruk/services?organization_id={org}&taxonomy_term_id={SOCIAL}&search=walking") == []


def test_modified_after(client, db, directory):
    db.execute(
        update(Service)
        .values(updated_at=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))
        .where(Service.id != directory["york"].id)
    )
    assert names_of(client, "/oruk/services?modified_after=2025-01-01T00:00:00Z") == ["York Lunch Club"]
    assert names_of(client, "/oruk/services?modified_after=2025-01-01") == ["York Lunch Club"]
    assert len(names_of(client, "/oruk/services?modified_after=2023-12-31T23:59:59%2B00:00")) == 5


def test_postcode_and_proximity_find_places_nearest_first(client, directory):
    url = "/oruk/service_at_locations?postcode=B1%201BA&proximity=1000"
    body = get_ok(client, url, "service_at_location_list")
    assert [c["service"]["name"] for c in body["contents"]] == ["Ladywood Community Choir", "Ladywood Walking Group"]
    near = get_ok(client, "/oruk/service_at_locations?postcode=b11ba&proximity=100", "service_at_location_list")
    assert [c["service"]["name"] for c in near["contents"]] == ["Ladywood Community Choir"]
    everywhere = get_ok(client, "/oruk/service_at_locations?postcode=B1%201BA", "service_at_location_list")
    assert [c["service"]["name"] for c in everywhere["contents"]] == [
        "Ladywood Community Choir",
        "Ladywood Walking Group",
        "Knit and Natter",
        "York Lunch Club",
    ]
    york_first = get_ok(client, "/oruk/services?postcode=YO1%207HH", "service_list")
    assert york_first["contents"][0]["name"] == "York Lunch Club"
    assert "Telephone Befriending" not in [c["name"] for c in york_first["contents"]]


# --------------------------------------------------------------------------- service_at_locations


def test_service_at_locations_list_and_full_record(client, directory):
    body = get_ok(client, "/oruk/service_at_locations?per_page=200", "service_at_location_list")
    assert sorted(c["service"]["name"] for c in body["contents"]) == sorted(PUBLIC - {"Telephone Befriending"})
    full = get_ok(client, "/oruk/service_at_locations?per_page=200&full=true", "service_at_location_list")
    choir_sal = next(c for c in full["contents"] if c["service"]["name"] == "Ladywood Community Choir")
    assert choir_sal["location"]["addresses"] and choir_sal["service"]["schedules"]
    one = get_ok(client, f"/oruk/service_at_locations/{choir_sal['id']}", "service_at_location")
    assert one["service_id"] == str(directory["choir"].id)
    assert_valid_service(one["service"])
    assert one["location"]["latitude"] == 52.475425
    secret_sal = directory["secret"].locations[0].id
    get_error(client, f"/oruk/service_at_locations/{secret_sal}", 404, "id")


# --------------------------------------------------------------------------- organizations


def test_organizations_lists_only_those_running_public_services(client, directory):
    body = get_ok(client, "/oruk/organizations?per_page=200", "organization_list")
    assert [o["name"] for o in body["contents"]] == ["Ladywood Singers"]
    org_id = body["contents"][0]["id"]
    one = get_ok(client, f"/oruk/organizations/{org_id}", "organization")
    assert sorted(s["name"] for s in one["services"]) == ["Ladywood Community Choir", "Ladywood Walking Group"]
    full = get_ok(client, f"/oruk/organizations/{org_id}?full_service=true", "organization")
    for s in full["services"]:
        assert_valid_service(s)
        assert "attributes" in s
    listed = get_ok(client, "/oruk/organizations?full=true&search=singers", "organization_list")
    assert listed["contents"][0]["services"]


def test_organization_running_only_confidential_services_is_not_published(client, db, directory):
    refuge = db.query(Organisation).filter_by(name="Refuge Org").one()
    get_error(client, f"/oruk/organizations/{refuge.id}", 404, "id")
    assert get_ok(client, "/oruk/organizations?search=refuge", "organization_list")["empty"]


# --------------------------------------------------------------------------- taxonomies


def test_taxonomies_publish_our_vocabularies_with_the_seeded_stable_ids(client, db):
    body = get_ok(client, "/oruk/taxonomies", "taxonomy_list")
    by_uri = {t["uri"]: t for t in body["contents"]}
    assert set(by_uri) == {
        f"{taxonomy.TAXONOMY_BASE}/{c}" for c in ("category", "audience", "capability", "asset_type", "mode")
    }
    for tax in db.query(Taxonomy):
        assert by_uri[tax.uri]["id"] == str(tax.id) == str(taxonomy.stable_id(tax.code))
    for term in db.query(TaxonomyTerm):
        assert str(term.id) == str(taxonomy.stable_id(term.taxonomy.code, term.code))
    category = get_ok(client, f"/oruk/taxonomies/{CATEGORY_TAXONOMY}", "taxonomy")
    assert len(category["taxonomy_terms"]) == 20
    assert category["taxonomy_terms"][0]["code"] == "social-groups"


def test_taxonomy_terms_list_filters_and_pages(client):
    everything = get_ok(client, "/oruk/taxonomy_terms?per_page=200", "taxonomy_term_list")
    assert everything["total_items"] == 20 + 10 + 5 + 5 + 3
    page2 = get_ok(client, "/oruk/taxonomy_terms?per_page=10&page=2", "taxonomy_term_list")
    assert page2["page_number"] == 2 and page2["size"] == 10 and page2["total_pages"] == 5
    cats = get_ok(client, f"/oruk/taxonomy_terms?taxonomy_id={CATEGORY_TAXONOMY}&per_page=200", "taxonomy_term_list")
    assert cats["total_items"] == 20 and all(t["taxonomy_id"] == str(CATEGORY_TAXONOMY) for t in cats["contents"])
    assert get_ok(client, "/oruk/taxonomy_terms?top_only=true&per_page=200", "taxonomy_term_list")["total_items"] == 43
    assert get_ok(client, f"/oruk/taxonomy_terms?parent_id={SOCIAL}", "taxonomy_term_list")["empty"]
    found = get_ok(client, "/oruk/taxonomy_terms?search=befriend", "taxonomy_term_list")
    assert [t["code"] for t in found["contents"]] == ["befriending"]
    term = get_ok(client, f"/oruk/taxonomy_terms/{SOCIAL}", "taxonomy_term")
    assert term["name"] == "Social groups and clubs" and term["taxonomy_id"] == str(CATEGORY_TAXONOMY)
    assert get_ok(client, f"/oruk/taxonomy_terms/{PHONE_MODE}", "taxonomy_term")["code"] == "phone"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "query,field",
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("per_page=0", "per_page"),
        ("per_page=1000", "per_page"),
        ("taxonomy_term_id=not-an-id", "taxonomy_term_id"),
        ("taxonomy_id=1", "taxonomy_id"),
        ("organization_id=x", "organization_id"),
        ("modified_after=yesterday", "modified_after"),
        ("full=maybe", "full"),
        ("minimal=2", "minimal"),
        ("proximity=500", "proximity"),
        ("postcode=B1&proximity=500", "postcode"),
        ("postcode=B1%201BA&proximity=-5", "proximity"),
        ("format=xml", "format"),
        (f"search={'x' * 201}", "search"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, query, field):
    get_error(client, f"/oruk/services?{query}", 400, field)


def test_unknown_postcode_is_404(client):
    body = get_error(client, "/oruk/service_at_locations?postcode=B99%209ZZ&proximity=500", 404, "postcode")
    assert "could not find the postcode" in body["error"]


@pytest.mark.parametrize("path", ["services", "service_at_locations", "organizations", "taxonomies", "taxonomy_terms"])
def test_unknown_or_malformed_ids_are_404(client, path):
    get_error(client, f"/oruk/{path}/{uuid.uuid4()}", 404, "id")
    get_error(client, f"/oruk/{path}/not-an-id", 404, "id")


def test_list_errors_on_other_endpoints(client):
    get_error(client, "/oruk/taxonomy_terms?top_only=perhaps", 400, "top_only")
    get_error(client, "/oruk/taxonomy_terms?parent_id=abc", 400, "parent_id")
    get_error(client, "/oruk/organizations?per_page=201", 400, "per_page")
    get_error(client, "/oruk/taxonomies?page=-1", 400, "page")
    get_error(client, "/oruk/nothing-here", 404)


INJECTIONS = ["' OR 1=1 --", "1; DROP TABLE service; --", "%' UNION SELECT null --", "\\", "%00", "😀' --"]
PARAMETERS = (
    "search",
    "page",
    "per_page",
    "taxonomy_term_id",
    "taxonomy_id",
    "organization_id",
    "modified_after",
    "postcode",
    "proximity",
    "full",
    "minimal",
    "format",
)
#: the parameters each list endpoint reads and validates; it ignores the others
VALIDATED = {
    "services": set(PARAMETERS) - {"search"},
    "service_at_locations": set(PARAMETERS) - {"search", "minimal"},
    "organizations": {"page", "per_page", "full", "format"},
    "taxonomies": {"page", "per_page", "format"},
    "taxonomy_terms": {"page", "per_page", "taxonomy_id", "format"},
}


@pytest.mark.parametrize("value", INJECTIONS)
def test_sql_injection_through_every_parameter_is_harmless(client, directory, value):
    """Each value is refused (400 naming the parameter), matched as plain text (no results), or ignored."""
    from urllib.parse import quote

    totals = {path: get_ok(client, f"/oruk/{path}", None)["total_items"] for path in VALIDATED}
    for path, validated in VALIDATED.items():
        for name in PARAMETERS:
            url = f"/oruk/{path}?{name}={quote(value)}"
            if name in validated:
                get_error(client, url, 400, name)
            elif name == "search":
                assert get_ok(client, url, None)["total_items"] == 0, url  # text to look for, not SQL
            else:
                assert get_ok(client, url, None)["total_items"] == totals[path], url
    assert get_ok(client, "/oruk/services?per_page=200", "service_list")["total_items"] == 5


# --------------------------------------------------------------------------- cost


def test_a_page_of_full_services_costs_a_fixed_number_of_queries(app, client, directory):
    from assetmap import db as dbmod

    counted = []
    target = dbmod.session.get_bind()  # this test's connection

    def count(conn, cursor, statement, *_a):
        counted.append(statement)

    event.listen(target, "before_cursor_execute", count)
    try:
        client.get("/oruk/services?full=true&per_page=2")
        few = len(counted)
        counted.clear()
        client.get("/oruk/services?full=true&per_page=200")
        many = len(counted)
    finally:
        event.remove(target, "before_cursor_execute", count)
    assert many == few, (few, many)
    assert many <= 20


# --------------------------------------------------------------------------- the collector guard


def test_collector_is_paused_while_open_data_requests_run_and_resumed_after(client):
    import gc

    from flask import request_finished

    from assetmap.opendata import gcguard

    assert gc.isenabled()
    during = []
    try:
        gcguard.pause()
        gcguard.pause()  # a second, overlapping request
        assert not gc.isenabled()
        gcguard.resume()
        assert not gc.isenabled()  # still one request running
        gcguard.resume()
        assert gc.isenabled()
        gcguard.resume()  # an unmatched resume changes nothing
        assert gc.isenabled()
        # request_finished is sent after the view and before the teardown hooks that resume collection
        with request_finished.connected_to(lambda *_a, **_kw: during.append(gc.isenabled()), client.application):
            assert client.get("/oruk/services?page=abc").status_code == 400
            assert gc.isenabled()  # errors resume it too
            assert client.get("/oruk/").status_code == 200
            assert gc.isenabled()
    finally:
        gcguard._holders = 0  # whatever failed above, the rest of the session gets its collector back
        gc.enable()
    assert during == [not gcguard.NEEDED] * 2  # paused while each request ran, where the guard is needed


def test_the_collector_guard_is_installed_exactly_where_it_is_needed(app, monkeypatch):
    from flask import Blueprint

    from assetmap.opendata import gcguard

    # the open data blueprint carries both hooks on this interpreter exactly when the guard is needed
    assert (
        gcguard.pause in app.before_request_funcs.get("opendata", []),
        gcguard.resume in app.teardown_request_funcs.get("opendata", []),
    ) == (gcguard.NEEDED, gcguard.NEEDED)
    # and guard() installs them when they are needed and not otherwise, whichever interpreter runs this
    for needed in (True, False):
        monkeypatch.setattr(gcguard, "NEEDED", needed)
        bp = Blueprint(f"probe_{needed}", __name__)
        gcguard.guard(bp)
        assert (
            gcguard.pause in bp.before_request_funcs.get(None, []),
            gcguard.resume in bp.teardown_request_funcs.get(None, []),
        ) == (needed, needed)
