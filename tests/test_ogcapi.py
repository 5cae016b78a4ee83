"""OGC API - Features under /ogc: the standard's shapes (checked against its JSON schemas), paging, bbox,
privacy, errors, and GDAL's ogrinfo/ogr2ogr reading the running test server."""

from __future__ import annotations

import json
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import func, select

from assetmap.coverage.params import CoverageParams
from assetmap.coverage.usecases import coverage
from assetmap.models import Service
from assetmap.ogcapi import openapi as ogc_openapi
from assetmap.ogcapi.params import MAX_LIMIT
from tests.browser import live_server
from tests.factories import YORK_POSTCODE, make_asset

LADYWOOD = "E05011151"
#: a box round central Birmingham (B1 1BA, the factories' default place, is inside; York is not)
BIRMINGHAM_BOX = (-1.95, 52.45, -1.85, 52.50)
BOX_ARG = ",".join(map(str, BIRMINGHAM_BOX))


# --------------------------------------------------------------------------- the standard's schemas


def validator(name: str):
    """A validator for one of the vendored OGC API - Features schemas (formats checked)."""
    doc = json.loads(ogc_openapi.SPEC_FILE.read_text())
    base = "urn:ogcapi-features-1"
    registry = Registry().with_resource(base, Resource.from_contents(doc, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": f"{base}#/$defs/{name}"}, registry=registry, format_checker=FormatChecker())


def assert_valid(name: str, body) -> None:
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator(name).iter_errors(body)]
    assert not errors, errors[:5]


def test_vendored_schemas_are_valid_json_schema_and_catch_a_broken_feature():
    Draft202012Validator.check_schema(json.loads(ogc_openapi.SPEC_FILE.read_text()))
    assert not validator("featureGeoJSON").is_valid(
        {"type": "Feature", "geometry": {"type": "Point"}, "properties": {}}
    )
    assert not validator("featureCollectionGeoJSON").is_valid(
        {"type": "FeatureCollection", "features": [], "numberMatched": -1}
    )


# --------------------------------------------------------------------------- data


@pytest.fixture
def places(app_ctx, db):
    a = {
        "choir": make_asset(
            name="OGC Choir",
            categories="arts-and-music",
            organisation="OGC Singers",
            schedule="mon 10:00-12:00;thu 18:30-20:00",
            cost_amount="2.50",
            cost_description="per session",
            phone="0121 496 0000",
            url="https://choir.example.org/",
        ),
        "walk": make_asset(name="OGC Walk", lon=-1.8939, lat=52.4779),
        "york": make_asset(name="OGC York Lunch", lon=None, lat=None, postcode=YORK_POSTCODE),
        "phone": make_asset(name="OGC Phone Line", modes="phone", lon=None, lat=None, service_area_wards=LADYWOOD),
        "refuge": make_asset(name="OGC Refuge", visibility="confidential"),
        "private": make_asset(name="OGC Practitioners Only", visibility="practitioners"),
        "closed": make_asset(name="OGC Closed"),
    }
    from assetmap.directory.store import archive_asset

    archive_asset(a["closed"])
    db.flush()
    return a


PUBLIC = {"OGC Choir", "OGC Walk", "OGC York Lunch", "OGC Phone Line"}


def get(client, url, status=200):
    resp = client.get(url)
    assert resp.status_code == status, (url, resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    return resp


def all_items(client, collection, **args):
    """Follow the next links from the first page; return the features and the pages' bodies."""
    query = "&".join(f"{k}={v}" for k, v in args.items())
    url, features, pages = f"/ogc/collections/{collection}/items?{query}", [], []
    while url:
        body = get(client, url).get_json()
        assert_valid("featureCollectionGeoJSON", body)
        pages.append(body)
        features += body["features"]
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = urlsplit(nxt[0]).path + "?" + urlsplit(nxt[0]).query if nxt else None
    return features, pages


def ogc_names(features) -> set[str]:
    return {f["properties"]["name"] for f in features if f["properties"]["name"].startswith("OGC ")}


# --------------------------------------------------------------------------- capabilities


def test_landing_page_links_the_api_definition_the_conformance_classes_and_the_data(client):
    for url in ("/ogc", "/ogc/"):  # as typed, with or without the slash: no redirect
        body = get(client, url).get_json()
        assert_valid("landingPage", body)
        links = {link["rel"]: link for link in body["links"]}
        assert set(links) >= {"self", "service-desc", "service-doc", "conformance", "data"}
        assert links["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
        assert links["data"]["href"].endswith("/ogc/collections")
        doc = client.get(urlsplit(links["service-doc"]["href"]).path).get_data(as_text=True)
        assert 'id="ogc-api"' in doc and "/ogc/collections/{collectionId}/items" in doc.replace("<wbr>", "")


def test_conformance_declares_core_geojson_and_openapi_3(client):
    body = get(client, "/ogc/conformance").get_json()
    assert_valid("confClasses", body)
    assert body["conformsTo"] == [
        f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{c}" for c in ("core", "geojson", "oas30")
    ]


def test_api_definition_is_openapi_3_0_and_gives_the_page_size_limits(client):
    from schemathesis.specs.openapi.definitions import OPENAPI_30

    resp = get(client, "/ogc/api")
    assert resp.mimetype == "application/vnd.oai.openapi+json"
    doc = resp.get_json()
    assert doc["openapi"] == "3.0.3"
    errors = [e.message for e in Draft4Validator(OPENAPI_30).iter_errors(doc)]
    assert not errors, errors[:5]
    [limit] = [
        p for p in doc["paths"]["/ogc/collections/{collectionId}/items"]["get"]["parameters"] if p["name"] == "limit"
    ]
    assert (limit["schema"]["maximum"], limit["schema"]["default"]) == (MAX_LIMIT, 10)


def test_collections_list_assets_and_the_three_geographies_with_extents(client, places):
    body = get(client, "/ogc/collections").get_json()
    assert_valid("collections", body)
    by_id = {c["id"]: c for c in body["collections"]}
    assert list(by_id) == ["assets", "wards", "constituencies", "lsoas"]
    for c in by_id.values():
        assert_valid("collection", c)
        assert {link["rel"] for link in c["links"]} >= {"self", "items"}
        west, south, east, north = c["extent"]["spatial"]["bbox"][0]
        assert -2.2 < west < east < -0.8 and 52.3 < south < north < 54.2  # Birmingham and York
    one = get(client, "/ogc/collections/wards").get_json()
    assert one == by_id["wards"]


# --------------------------------------------------------------------------- items


def test_assets_are_public_live_listings_only(client, places):
    features, _ = all_items(client, "assets", limit=MAX_LIMIT)
    assert ogc_names(features) == PUBLIC
    for hidden in ("refuge", "private", "closed"):
        get(client, f"/ogc/collections/assets/items/{places[hidden].id}", 404)
    inside, _ = all_items(client, "assets", bbox=BOX_ARG, limit=MAX_LIMIT)
    assert "OGC Refuge" not in {f["properties"]["name"] for f in inside}


def test_an_asset_feature_carries_its_place_terms_sessions_and_area(client, places):
    body = get(client, f"/ogc/collections/assets/items/{places['choir'].id}").get_json()
    assert_valid("featureGeoJSON", body)
    assert body["geometry"] == {"type": "Point", "coordinates": [-1.900211, 52.475425]}
    p = body["properties"]
    assert list(p)[:3] == ["name", "organisation", "description"]
    assert (p["categories"], p["category_codes"], p["ward_code"], p["ward"]) == (
        "Arts and music",
        "arts-and-music",
        LADYWOOD,
        "Ladywood",
    )
    assert p["schedule"] == "Monday 10:00 to 12:00; Thursday 18:30 to 20:00"
    assert (p["cost"], p["phone"], p["local_authority"], p["illustrative"]) == (
        "per session",
        "0121 496 0000",
        "Birmingham",
        False,
    )
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["alternate"].endswith(f"/oruk/services/{places['choir'].id}")
    phone = get(client, f"/ogc/collections/assets/items/{places['phone'].id}").get_json()
    assert phone["geometry"] is None and phone["properties"]["service_area_wards"] == LADYWOOD
    assert set(phone["properties"]) == set(p)  # every feature has the same fields


def test_paging_follows_next_links_with_counts(client, places):
    total = get(client, "/ogc/collections/assets/items?limit=1").get_json()["numberMatched"]
    features, pages = all_items(client, "assets", limit=2)
    assert len(features) == total == len({f["id"] for f in features})
    assert all(p["numberMatched"] == total and p["numberReturned"] == len(p["features"]) for p in pages)
    assert [p["numberReturned"] for p in pages][:-1] == [2] * (len(pages) - 1)
    second = get(client, "/ogc/collections/assets/items?limit=2&offset=2").get_json()
    prev = next(link["href"] for link in second["links"] if link["rel"] == "prev")
    assert parse_qs(urlsplit(prev).query) == {"limit": ["2"], "offset": ["0"]}
    assert not [link for link in pages[-1]["links"] if link["rel"] == "next"]


def test_a_limit_above_the_maximum_is_served_at_the_maximum(client, places):
    body = get(client, f"/ogc/collections/assets/items?limit={MAX_LIMIT * 5}").get_json()
    self_link = next(link["href"] for link in body["links"] if link["rel"] == "self")
    assert parse_qs(urlsplit(self_link).query)["limit"] == [str(MAX_LIMIT)]


def test_bbox_keeps_features_that_intersect_it_and_carries_into_next_links(client, places):
    features, pages = all_items(client, "assets", bbox=BOX_ARG, limit=1)
    assert ogc_names(features) == {"OGC Choir", "OGC Walk"}  # not York, not the phone line (no place)
    west, south, east, north = BIRMINGHAM_BOX
    assert all(
        west <= f["geometry"]["coordinates"][0] <= east and south <= f["geometry"]["coordinates"][1] <= north
        for f in features
    )
    assert all(
        parse_qs(urlsplit(link["href"]).query)["bbox"] == [BOX_ARG]
        for p in pages
        for link in p["links"]
        if link["rel"] == "next"
    )
    wards, _ = all_items(client, "wards", bbox="-1.9003,52.4754,-1.9001,52.4755", limit=100)
    assert [w["id"] for w in wards] == [LADYWOOD]  # the ward that holds B1 1BA
    across, _ = all_items(client, "assets", bbox="170,52,-1.85,52.5")  # west > east: across the antimeridian
    assert {"OGC Choir", "OGC Walk"} <= ogc_names(across) and "OGC York Lunch" not in ogc_names(across)


def test_area_features_carry_public_coverage_measures(client, places):
    ward = get(client, f"/ogc/collections/wards/items/{LADYWOOD}").get_json()
    assert_valid("featureGeoJSON", ward)
    p = ward["properties"]
    assert ward["geometry"]["type"] == "MultiPolygon"
    assert (p["code"], p["name"], p["local_authority_code"], p["local_authority"]) == (
        LADYWOOD,
        "Ladywood",
        "E08000025",
        "Birmingham",
    )
    assert p["residents"] > 0 and p["gap_score"] is not None and p["constituency_code"].startswith("E14")
    assert "connections" not in p and "unmet_need_signals" not in p  # practitioners' activity is not published
    lsoas, _ = all_items(client, "lsoas", bbox="-1.9003,52.4754,-1.9001,52.4755")
    assert len(lsoas) == 1 and lsoas[0]["properties"]["ward_code"].startswith("E05")
    constituency = get(client, f"/ogc/collections/constituencies/items/{p['constituency_code']}").get_json()
    assert constituency["properties"]["local_authority"] == "Birmingham"


def test_published_asset_counts_never_count_an_unlisted_place(client, places, db):
    """A confidential or practitioners-only place counts on the commissioners' page, never in the open counts:
    otherwise the difference with the public asset list would say which LSOA a refuge is in."""

    def open_count():
        return get(client, f"/ogc/collections/wards/items/{LADYWOOD}").get_json()["properties"]["assets"]

    def commissioners_count():
        cov = coverage(CoverageParams(geography="ward", la="E08000025"))
        return next(m.assets for m in cov.areas if m.code == LADYWOOD)

    before_open, before_private = open_count(), commissioners_count()
    make_asset(name="OGC Second Refuge", visibility="confidential")
    make_asset(name="OGC Second Private", visibility="practitioners")
    db.flush()
    assert (open_count(), commissioners_count()) == (before_open, before_private + 2)
    make_asset(name="OGC Second Public")
    db.flush()
    assert open_count() == before_open + 1


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "url, status, field",
    [
        ("/ogc/collections/nope", 404, "collectionId"),
        ("/ogc/collections/nope/items", 404, "collectionId"),
        ("/ogc/collections/assets/items/not-a-uuid", 404, "featureId"),
        ("/ogc/collections/wards/items/E05999999", 404, "featureId"),
        ("/ogc/collections/assets/items?bbox=1,2,3", 400, "bbox"),
        ("/ogc/collections/assets/items?bbox=a,b,c,d", 400, "bbox"),
        ("/ogc/collections/assets/items?bbox=-1,53,-2,52", 400, "bbox"),
        ("/ogc/collections/assets/items?bbox=-1,52,-2,91", 400, "bbox"),
        ("/ogc/collections/assets/items?bbox=nan,52,-1,53", 400, "bbox"),
        ("/ogc/collections/assets/items?limit=0", 400, "limit"),
        ("/ogc/collections/assets/items?limit=ten", 400, "limit"),
        ("/ogc/collections/assets/items?offset=-1", 400, "offset"),
        ("/ogc/collections/assets/items?name=x", 400, "name"),
        ("/ogc/collections?f=html", 400, "f"),
        ("/ogc?foo=1", 400, "foo"),
    ],
)
def test_bad_requests_get_the_ogc_exception_with_the_parameter(client, url, status, field):
    body = get(client, url, status).get_json()
    assert_valid("exception", body)
    assert body["code"] == ("NotFound" if status == 404 else "InvalidParameterValue")
    assert body["field"] == field and body["description"] == body["error"]


# --------------------------------------------------------------------------- a real client: GDAL

GDAL = shutil.which("ogrinfo") and shutil.which("ogr2ogr")
if not GDAL:  # make setup installs gdal-bin; say so rather than pass
    pytest.fail("GDAL's ogrinfo/ogr2ogr are not installed: run `make setup`", pytrace=False)


def gdal(*args: str) -> str:
    done = subprocess.run(list(args), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def public_asset_count(db) -> int:
    return db.execute(
        select(func.count()).select_from(Service).where(Service.visibility == "public", Service.archived_at.is_(None))
    ).scalar_one()


def test_gdal_lists_the_layers_and_counts_every_public_asset(app, db, places):
    with live_server(app) as base:
        layers = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{base}/ogc")
        summary = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{base}/ogc", "assets")
    for line in (
        "1: assets (title: Community assets) (Point)",
        "2: wards (title: Wards with coverage measures) (Multi Polygon)",
        "4: lsoas (title: Neighbourhoods (LSOAs) with coverage measures) (Multi Polygon)",
    ):
        assert line in layers
    assert f"Feature Count: {public_asset_count(db)}" in summary
    assert "ward_code: String" in summary and "last_verified: Date" in summary


def test_ogr2ogr_copies_every_asset_following_next_links_and_reads_a_bbox(app, db, places, tmp_path):
    out, box = tmp_path / "assets.geojson", tmp_path / "box.geojson"
    with live_server(app) as base:
        # small pages so GDAL must follow several rel=next links
        gdal("ogr2ogr", "-oo", "PAGE_SIZE=2", "-f", "GeoJSON", str(out), f"OAPIF:{base}/ogc", "assets")
        gdal("ogr2ogr", "-spat", *map(str, BIRMINGHAM_BOX), "-f", "GeoJSON", str(box), f"OAPIF:{base}/ogc", "assets")
    copied = json.loads(out.read_text())["features"]
    assert len(copied) == public_asset_count(db)
    assert ogc_names(copied) == PUBLIC
    choir = next(f for f in copied if f["properties"]["name"] == "OGC Choir")
    assert choir["geometry"]["coordinates"] == [-1.900211, 52.475425]
    inside = json.loads(box.read_text())["features"]
    assert ogc_names(inside) == {"OGC Choir", "OGC Walk"}
    west, south, east, north = BIRMINGHAM_BOX
    in_box = {
        f["properties"]["id"]
        for f in copied
        if f["geometry"]
        and west <= f["geometry"]["coordinates"][0] <= east
        and south <= f["geometry"]["coordinates"][1] <= north
    }
    assert {f["properties"]["id"] for f in inside} == in_box  # the server's bbox, checked against GDAL's full copy


def test_ogr2ogr_reads_an_area_layer_with_its_measures(app, db, places, tmp_path):
    out = tmp_path / "wards.gpkg"
    with live_server(app) as base:
        gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{base}/ogc", "wards")
        info = gdal("ogrinfo", "-ro", "-so", str(out), "wards")
    assert "Feature Count: 90" in info  # every ward of Birmingham and York
    assert "gap_score: Real" in info and "residents: Integer" in info
