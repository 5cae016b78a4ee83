"""Hostile inputs across pages and APIs: each gets a clear 4xx (or is inert text) and changes nothing.

Every case compares a fingerprint of the database (row counts of every table that users can write to,
plus a digest of the assets) before and after the request.
"""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import text

from assetmap.accounts.service import issue_token
from assetmap.db import session
from tests.factories import BIRMINGHAM_LONLAT, make_asset, make_user

TABLES = ("service", "location", "organisation", "service_at_location", "attribute", "schedule", "cost_option",
          "contact", "phone", "accessibility", "service_area", "asset_change", "suggestion", "connection_log",
          "unmet_need", "app_user", "user_area", "api_token", "ward", "lsoa", "postcode")


def fingerprint() -> dict:
    counts = {t: session.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}
    counts["assets_digest"] = session.execute(text(
        "SELECT md5(coalesce(string_agg(id::text || name || version || coalesce(archived_at::text, '') "
        "|| visibility, ',' ORDER BY id), '')) FROM service")).scalar()
    return counts


@pytest.fixture
def world(app_ctx, db):
    coordinator = make_user("coordinator", wards=["E05011151"])
    token = issue_token(coordinator, "hostile")
    live = make_asset(name="Hostile test lunch club", steward_id=coordinator.id)
    archived = make_asset(name="Hostile test archived group")
    session.execute(text("UPDATE service SET archived_at = now() WHERE id = :id"), {"id": archived.id})
    session.commit()  # into the test's outer transaction, so a request's rollback cannot undo the set-up
    return {"token": token, "asset": live, "archived": archived, "coordinator": coordinator}


def auth(world):
    return {"Authorization": f"Bearer {world['token']}"}


def good_asset(**overrides):
    body = {"name": "A new group", "categories": ["social-groups"], "lat": BIRMINGHAM_LONLAT[1],
            "lon": BIRMINGHAM_LONLAT[0], "modes": ["in_person"]}
    body.update(overrides)
    return body


API_SEARCH_CASES = [
    ("malformed postcode", {"postcode": "B1"}, 400),
    ("well-formed unknown postcode", {"postcode": "EC1A 1BB"}, 404),
    ("postcode of non-breaking spaces", {"postcode": "\u00a0\u00a0"}, 400),
    ("postcode with SQL", {"postcode": "B1 1BA'; DROP TABLE postcode;--"}, 400),
    ("lat/lon swapped", {"lat": -1.9, "lon": 52.47}, 400),
    ("point outside Great Britain", {"lat": 48.85, "lon": 2.35}, 400),
    ("lat 1e308", {"lat": 1e308, "lon": -1.9}, 400),
    ("lat as a string", {"lat": "fifty-two", "lon": -1.9}, 400),
    ("radius 0", {"postcode": "B1 1BA", "radius_m": 0}, 400),
    ("radius 10^9", {"postcode": "B1 1BA", "radius_m": 10 ** 9}, 400),
    ("unknown category", {"postcode": "B1 1BA", "category": "x' OR 1=1--"}, 400),
    ("unknown open day", {"postcode": "B1 1BA", "open_day": "funday"}, 400),
    ("unknown mode", {"postcode": "B1 1BA", "mode": "teleport"}, 400),
    ("unknown part of day", {"postcode": "B1 1BA", "open_part": "midnight"}, 400),
    ("per_page 100000", {"postcode": "B1 1BA", "per_page": 100000}, 400),
    ("page -1", {"postcode": "B1 1BA", "page": -1}, 400),
    ("free as a string", {"postcode": "B1 1BA", "free": "yes please"}, 400),
    ("mass-assigned field", {"postcode": "B1 1BA", "visibility": "confidential"}, 400),
    ("SQL in the words", {"postcode": "B1 1BA", "q": "'; DROP TABLE service;--"}, 200),
    ("script in the words", {"postcode": "B1 1BA", "q": "<script>alert(1)</script>"}, 200),
]


@pytest.mark.parametrize("label, body, status", API_SEARCH_CASES, ids=[c[0] for c in API_SEARCH_CASES])
def test_hostile_search_api_input(client, world, label, body, status):
    before = fingerprint()
    resp = client.post("/api/search", json=body)
    assert resp.status_code == status, resp.get_data(as_text=True)
    if status >= 400:
        assert resp.get_json()["error"]
    assert fingerprint() == before


@pytest.mark.parametrize("raw", ['{"lat": NaN, "lon": -1.9}', '{"lat": Infinity, "lon": -1.9}',
                                 '{"lat": -Infinity, "lon": -1.9}', '{"postcode": "B1 1BA"', "not json", "[]"])
def test_non_finite_and_broken_json_bodies(client, world, raw):
    before = fingerprint()
    resp = client.post("/api/search", data=raw, content_type="application/json")
    assert resp.status_code == 400
    assert fingerprint() == before


def test_script_in_search_words_is_escaped_on_the_results_page(client, world):
    before = fingerprint()
    resp = client.post("/search", data={"postcode": "B1 1BA", "q": "<script>alert(1)</script>"},
                       follow_redirects=True)
    assert resp.status_code == 200
    assert "<script>alert(1)</script>" not in resp.get_data(as_text=True)
    assert fingerprint() == before


@pytest.mark.parametrize("query, status", [
    ("page=abc", 400), ("per_page=-5", 400), ("per_page=100000", 400),
    ("postcode=B1%201BA&proximity=1000000000", 400), ("postcode=B1&proximity=100", 400),
    ("taxonomy_term_id=1%20OR%201=1", 400), ("organization_id=%27%3B--", 400),
    ("modified_after=yesterday", 400), ("search=%27%3B%20DROP%20TABLE%20service%3B--", 200),
    ("search=%3Cscript%3Ealert(1)%3C/script%3E", 200),
])
def test_hostile_open_data_query_parameters(client, world, query, status):
    before = fingerprint()
    resp = client.get(f"/oruk/services?{query}")
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.headers["Content-Type"].startswith("application/json")
    assert fingerprint() == before


@pytest.mark.parametrize("url, status, field", [
    ("/ogc/collections/assets/items?limit=abc", 400, "limit"),
    ("/ogc/collections/assets/items?limit=-1", 400, "limit"),
    ("/ogc/collections/assets/items?offset=9999999999", 400, "offset"),
    ("/ogc/collections/assets/items?bbox=-2,52,-1,53%3BDROP%20TABLE%20service", 400, "bbox"),
    ("/ogc/collections/assets/items?bbox=%27%3B--,52,-1,53", 400, "bbox"),
    ("/ogc/collections/assets/items?bbox=-1e309,52,1e309,53", 400, "bbox"),
    ("/ogc/collections/assets/items?f=xml", 400, "f"),
    ("/ogc/collections/assets/items?filter=name%3D%27x%27", 400, "filter"),
    ("/ogc/collections/assets%27%3B--/items", 404, "collectionId"),
    ("/ogc/collections/wards/items/E05011151%27%20OR%20%271%27=%271", 404, "featureId"),
    ("/ogc/collections/assets/items/00000000-0000-0000-0000-000000000000%27--", 404, "featureId"),
])
def test_hostile_ogc_api_requests(client, world, url, status, field):
    before = fingerprint()
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    assert body["field"] == field and body["code"] in ("InvalidParameterValue", "NotFound")
    assert fingerprint() == before


@pytest.mark.parametrize("form, status", [
    ({"postcode": "B1 1BA'; DROP TABLE postcode;--"}, 400),
    ({"postcode": "B1 1BA", "category": "x' OR 1=1--"}, 400),
    ({"postcode": "B1 1BA", "distance": "1; DROP TABLE service"}, 400),
    ({"postcode": "<script>alert(1)</script>"}, 400),
])
def test_hostile_embedded_searches(client, world, form, status):
    before = fingerprint()
    resp = client.post("/embed/search", data=form)
    assert resp.status_code == status
    assert "<script>alert(1)</script>" not in resp.get_data(as_text=True)
    assert fingerprint() == before


ASSET_API_CASES = [
    ("mass-assigned role", {"role": "admin"}, 400),
    ("mass-assigned ward", {"ward_code": "E05011118"}, 400),
    ("mass-assigned archived", {"archived_at": "2020-01-01"}, 400),
    ("mass-assigned steward", {"steward_id": "00000000-0000-0000-0000-000000000000"}, 400),
    ("version on create", {"version": 7}, 400),
    ("javascript: url", {"url": "javascript:alert(1)"}, 400),
    ("data: url", {"url": "data:text/html,<script>alert(1)</script>"}, 400),
    ("email with markup", {"email": "<script>@x.org"}, 400),
    ("point outside Great Britain", {"lat": 40.7, "lon": -74.0}, 400),
    ("lat/lon swapped", {"lat": -1.9, "lon": 52.47}, 400),
    ("unknown category", {"categories": ["made-up"]}, 400),
    ("unknown visibility", {"visibility": "secret"}, 400),
    ("polygon service area", {"service_area": {"type": "Polygon", "coordinates": [
        [[-1.0, 53.9], [-0.99, 53.91], [-0.99, 53.9], [-1.0, 53.91], [-1.0, 53.9]]]}}, 400),
    ("unknown service-area ward", {"modes": ["phone"], "lat": None, "lon": None,
                                   "service_area_wards": ["E05999999"]}, 400),
    ("service area outside the coordinator's wards", {"modes": ["phone"], "lat": None, "lon": None,
                                                       "service_area_wards": ["E05010311"]}, 403),
    ("place outside the coordinator's wards", {"lat": 53.9597, "lon": -1.0817}, 403),
    ("schedule that ends before it starts", {"schedule": ["mon 12:00-10:00"]}, 400),
    ("negative cost", {"cost_amount": "-5"}, 400),
    ("name of 10,000 characters", {"name": "x" * 10000}, 400),
]


@pytest.mark.parametrize("label, overrides, status", ASSET_API_CASES, ids=[c[0] for c in ASSET_API_CASES])
def test_hostile_asset_api_create(client, world, label, overrides, status):
    before = fingerprint()
    resp = client.post("/api/assets", json=good_asset(**overrides), headers=auth(world))
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["error"]
    assert fingerprint() == before


def test_the_good_asset_body_is_accepted(client, world):
    """The hostile cases above differ from an accepted request only in the hostile part."""
    resp = client.post("/api/assets", json=good_asset(), headers=auth(world))
    assert resp.status_code == 201, resp.get_data(as_text=True)


@pytest.mark.parametrize("body, status", [
    ({"name": "Renamed"}, 400),                      # no version: refused
    ({"name": "Renamed", "version": "1"}, 400),      # version as text
    ({"name": "Renamed", "version": 99}, 409),       # stale version
    ({"name": "Renamed", "version": 1, "archived": True}, 400),
    ({"name": "Renamed", "version": 1, "id": "00000000-0000-0000-0000-000000000000"}, 400),
])
def test_hostile_asset_api_patch(client, world, body, status):
    before = fingerprint()
    resp = client.patch(f"/api/assets/{world['asset'].id}", json=body, headers=auth(world))
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert fingerprint() == before


def test_api_writes_without_a_token_are_refused(client, world):
    before = fingerprint()
    assert client.post("/api/assets", json=good_asset()).status_code == 401
    assert client.delete(f"/api/assets/{world['asset'].id}").status_code == 401
    assert client.post("/api/assets", json=good_asset(), headers={"Authorization": "Bearer am_forged"}).status_code == 401
    assert fingerprint() == before


def _upload(client, world, filename, payload: bytes, ctype="text/csv"):
    from tests.factories import login
    login(client, world["coordinator"])
    return client.post("/import", data={"file": (io.BytesIO(payload), filename, ctype)},
                       content_type="multipart/form-data")


CSV_HEAD = "source_id,name,categories,postcode,modes\n"
UPLOAD_CASES = [
    ("duplicate headers", "a.csv", b"source_id,name,name,categories\nx1,A,B,social-groups\n", 400),
    ("missing headers", "a.csv", b"foo,bar\n1,2\n", 400),
    ("empty file", "a.csv", b"", 400),
    ("not UTF-8 or Windows-1252 text", "a.csv", b"\x81\x8d\x8f\x90\x9d" * 50, 400),
    ("GeoJSON in another CRS", "a.geojson", json.dumps({
        "type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::27700"}},
        "features": [{"type": "Feature", "properties": {"source_id": "g1", "name": "G", "categories": "social-groups"},
                      "geometry": {"type": "Point", "coordinates": [406875, 286393]}}]}).encode(), 400),
    ("GeoJSON with a 3D point", "a.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"source_id": "g2", "name": "G", "categories": "social-groups"},
         "geometry": {"type": "Point", "coordinates": [-1.9, 52.47, 120.0]}}]}).encode(), 400),
    ("GeoJSON with an empty geometry", "a.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"source_id": "g3", "name": "G", "categories": "social-groups"},
         "geometry": {"type": "Point", "coordinates": []}}]}).encode(), 400),
    ("GeoJSON self-intersecting polygon", "a.geojson", json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"source_id": "g4", "name": "G", "categories": "social-groups"},
         "geometry": {"type": "Polygon", "coordinates": [
             [[-1.0, 53.9], [-0.99, 53.91], [-0.99, 53.9], [-1.0, 53.91], [-1.0, 53.9]]]}}]}).encode(), 400),
    ("row outside the importer's wards", "a.csv",
     (CSV_HEAD + "h1,York group,social-groups,YO1 7HH,in_person\n").encode(), 400),
    ("formula cells are refused or kept as text", "a.csv",
     (CSV_HEAD + 'h2,"=HYPERLINK(""http://evil"")",not-a-category,B1 1BA,in_person\n').encode(), 400),
    ("a workbook with a formula for a name", "a.xlsx", None, 400),
    ("a workbook that is not one", "a.xlsx", b"PK\x03\x04" + b"\x00" * 200, 400),
    ("an Excel 97-2003 file", "a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, 400),
    ("a ward named with SQL", "a.csv",
     (CSV_HEAD + "h3,Phone group,social-groups,,phone\n").replace("modes\n", "modes,service_area_wards\n")
     .replace("phone\n", "phone,Ladywood' OR 1=1--\n").encode(), 400),
]


def _formula_workbook() -> bytes:
    from openpyxl import Workbook
    wb = Workbook()
    wb.active.append(["source_id", "name", "categories", "postcode", "modes"])
    wb.active.append(["h4", '=HYPERLINK("http://evil","Click")', "social-groups", "B1 1BA", "in_person"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.parametrize("label, filename, payload, status", UPLOAD_CASES, ids=[c[0] for c in UPLOAD_CASES])
def test_hostile_uploads(client, world, label, filename, payload, status):
    before = fingerprint()
    resp = _upload(client, world, filename, payload if payload is not None else _formula_workbook())
    # the dry-run report is shown; it must refuse the file (4xx) or list errors, and write nothing
    html = resp.get_data(as_text=True)
    if resp.status_code == 200:
        assert "error" in html.lower()
    else:
        assert resp.status_code == status, html[:500]
    assert fingerprint() == before


def test_a_50_mb_upload_is_refused_with_413(client, world):
    before = fingerprint()
    resp = _upload(client, world, "big.csv", CSV_HEAD.encode() + b"x" * (50 * 1024 * 1024))
    assert resp.status_code == 413
    assert fingerprint() == before


def test_a_million_vertex_polygon_is_refused(client, world):
    ring = [[-1.9 + i * 1e-7, 52.47 + (i % 2) * 1e-7] for i in range(1_000_000)] + [[-1.9, 52.47]]
    payload = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "source_id": "big", "name": "Big"}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}).encode()
    before = fingerprint()
    resp = _upload(client, world, "big.geojson", payload)
    assert resp.status_code == 413
    assert fingerprint() == before


def test_a_truncated_upload_is_refused(client, world):
    from tests.factories import login
    login(client, world["coordinator"])
    before = fingerprint()
    body = (b"--XBOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
            b"Content-Type: text/csv\r\n\r\n" + CSV_HEAD.encode() + b"t1,Trunc")  # no closing boundary
    resp = client.post("/import", data=body, content_type="multipart/form-data; boundary=XBOUNDARY")
    assert 400 <= resp.status_code < 500
    assert fingerprint() == before


def test_posts_without_a_csrf_token_are_refused(database_url, app_ctx, db):
    from assetmap import create_app
    strict = create_app({"TESTING": True, "SQLALCHEMY_URL": database_url, "SECRET_KEY": "x",
                         "RATELIMIT_ENABLED": False})
    c = strict.test_client()
    before = fingerprint()
    for path, data in (("/suggest", {"name": "Sneaky"}), ("/sign-in", {"email": "a@b.org", "password": "x"}),
                       ("/search", {"postcode": "B1 1BA"})):
        resp = c.post(path, data=data)
        assert resp.status_code == 400, path
        assert "expired" in resp.get_data(as_text=True) or "CSRF" in resp.get_data(as_text=True)
    assert fingerprint() == before


def test_archived_and_confidential_assets_are_not_served_to_the_public(client, world):
    before = fingerprint()
    assert client.get(f"/assets/{world['archived'].id}").status_code == 404
    assert client.get(f"/oruk/services/{world['archived'].id}").status_code == 404
    secret = make_asset(name="Refuge drop-in", visibility="confidential")
    assert client.get(f"/oruk/services/{secret.id}").status_code == 404
    page = client.get(f"/assets/{secret.id}")
    assert page.status_code == 404
    assert fingerprint()["service"] == before["service"] + 1


def test_sign_in_with_a_huge_email_is_refused(client):
    resp = client.post("/sign-in", data={"email": "a" * 10000 + "@example.org", "password": "x"})
    assert resp.status_code == 400


def test_suggestion_with_a_javascript_link_is_refused(client, world):
    before = fingerprint()
    resp = client.post("/suggest", data={"name": "My group", "url": "javascript:alert(1)",
                                         "postcode": "B1 1BA", "details": "Meets on Mondays"})
    assert resp.status_code == 400
    assert fingerprint() == before
