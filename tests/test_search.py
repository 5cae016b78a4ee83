"""The search itself, through POST /api/search: distance, filters, words, paging and bad input.

Every test builds its own assets through the real write path at known offsets from a real
Birmingham postcode, on real PostGIS, inside a rolled-back transaction.
"""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from assetmap import geo
from assetmap.db import session
from assetmap.models import Postcode, Service, Ward
from tests.factories import BIRMINGHAM_LONLAT, BIRMINGHAM_POSTCODE, login, make_user
from tests.factories import make_asset as _make_asset
from tests.test_coverage import toy  # noqa: F401  (the fixture)

LON, LAT = BIRMINGHAM_LONLAT


def offset(north_m: float = 0.0, east_m: float = 0.0, lon: float = LON, lat: float = LAT) -> dict:
    """lon/lat fields for a point about ``north_m`` north and ``east_m`` east of the origin."""
    dlat = north_m / 111_320.0
    dlon = east_m / (111_320.0 * math.cos(math.radians(lat)))
    return {"lat": round(lat + dlat, 6), "lon": round(lon + dlon, 6)}


def make_asset(**kw):
    """Create an asset and commit it (to the test's savepoint) so requests, which end their session, see it."""
    service = _make_asset(**kw)
    session.commit()
    return service


def api(client, **body):
    return client.post("/api/search", json=body)


def names(resp) -> list[str]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return [f["properties"]["name"] for f in resp.get_json()["features"]]


def near(client, **body):
    body.setdefault("lat", LAT)
    body.setdefault("lon", LON)
    return api(client, **body)


# --------------------------------------------------------------------------- distance


def test_results_are_nearest_first_with_distances_in_metres(client, db):
    make_asset(name="Far", **offset(900))
    make_asset(name="Near", **offset(300))
    make_asset(name="Middle", **offset(east_m=600))
    resp = near(client)
    assert names(resp) == ["Near", "Middle", "Far"]
    dists = [f["properties"]["distance_m"] for f in resp.get_json()["features"]]
    assert dists == sorted(dists)
    assert 290 < dists[0] < 310 and 590 < dists[1] < 610 and 890 < dists[2] < 910


def test_radius_edge_is_inclusive_to_the_metre(client, db):
    make_asset(name="Edge", **offset(1000))
    exact = near(client, radius_m=5000).get_json()["features"][0]["properties"]["distance_m"]
    assert names(near(client, radius_m=exact + 0.2)) == ["Edge"]
    assert names(near(client, radius_m=exact - 0.5)) == []


def test_default_radius_is_one_mile(client, db):
    make_asset(name="Inside a mile", **offset(1500))
    make_asset(name="Outside a mile", **offset(1700))
    body = near(client).get_json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Inside a mile"]


def test_ten_miles_is_the_largest_radius(client, db):
    assert near(client, radius_m=16093.44).status_code == 200
    resp = near(client, radius_m=16100)
    assert resp.status_code == 400
    assert resp.get_json()["field"] == "radius_m"
    assert near(client, radius_m=0).status_code == 400
    assert near(client, radius_m=True).status_code == 400


def test_postcode_search_uses_the_postcode_centroid(client, db):
    make_asset(name="Round the corner", **offset(200))
    resp = api(client, postcode=BIRMINGHAM_POSTCODE.lower().replace(" ", ""))
    assert names(resp) == ["Round the corner"]
    props = resp.get_json()["features"][0]["properties"]
    assert props["ward_code"] == "E05011151"
    assert props["constituency_code"] == "E14001096"


# --------------------------------------------------------------------------- filters

FILTER_CASES = [
    ("category", "arts-and-music", {"categories": "arts-and-music"}, {"categories": "learning"}),
    ("audience", "dementia", {"audiences": "dementia"}, {"audiences": "young-adults"}),
    ("capability", "independence", {"capabilities": "independence"}, {"capabilities": "enjoyment"}),
    ("asset_type", "physical-space", {"asset_type": "physical-space"}, {"asset_type": "association"}),
    ("free", True, {"cost_amount": "0"}, {"cost_amount": "2.50", "cost_description": "£2.50"}),
    ("wheelchair", True, {"accessibility": "wheelchair;step-free"}, {"accessibility": "step-free"}),
    ("open_day", "wednesday", {"schedule": "wed 10:00-12:00"}, {"schedule": "thu 10:00-12:00"}),
    ("open_part", "evening", {"schedule": "fri 18:00-20:00"}, {"schedule": "fri 09:00-11:00"}),
    ("mode", "phone", {"modes": "in_person;phone"}, {"modes": "in_person"}),
]


@pytest.mark.parametrize("key,value,match,other", FILTER_CASES, ids=[c[0] for c in FILTER_CASES])
def test_each_filter_alone_keeps_only_matching_assets(client, db, key, value, match, other):
    make_asset(name="Matches", **offset(100), **match)
    make_asset(name="Does not match", **offset(200), **other)
    assert names(near(client)) == ["Matches", "Does not match"]
    assert names(near(client, **{key: value})) == ["Matches"]


def test_open_day_and_part_together_need_one_session_matching_both(client, db):
    make_asset(name="Wednesday morning", schedule="wed 09:30-11:00", **offset(100))
    make_asset(name="Wednesday evening", schedule="wed 18:00-20:00", **offset(150))
    make_asset(name="Thursday morning", schedule="thu 09:30-11:00", **offset(200))
    assert names(near(client, open_day="wednesday", open_part="morning")) == ["Wednesday morning"]
    assert names(near(client, open_part="morning")) == ["Wednesday morning", "Thursday morning"]


def test_a_session_spanning_noon_counts_as_morning_and_afternoon(client, db):
    make_asset(name="Lunch", schedule="tue 11:30-13:30", **offset(100))
    assert names(near(client, open_part="morning")) == ["Lunch"]
    assert names(near(client, open_part="afternoon")) == ["Lunch"]
    assert names(near(client, open_part="evening")) == []


def test_filters_combine_with_and_and_codes_within_a_filter_with_or(client, db):
    make_asset(name="Free singing", categories="arts-and-music", cost_amount="0", **offset(100))
    make_asset(name="Paid singing", categories="arts-and-music", cost_amount="3", **offset(150))
    make_asset(name="Free walk", categories="physical-activity", cost_amount="0", **offset(200))
    assert names(near(client, category="arts-and-music", free=True)) == ["Free singing"]
    assert names(near(client, category=["arts-and-music", "physical-activity"], free=True)) == [
        "Free singing",
        "Free walk",
    ]
    assert names(near(client, category="arts-and-music", free=True, wheelchair=True)) == []


def test_unknown_filter_codes_are_rejected_with_the_field(client, db):
    for key, value in [
        ("category", "knitting"),
        ("audience", "cats"),
        ("open_day", "funday"),
        ("open_part", "night"),
        ("mode", "carrier-pigeon"),
        ("capability", ["enjoyment", 3]),
    ]:
        resp = near(client, **{key: value})
        assert resp.status_code == 400, key
        assert resp.get_json()["field"] == key


# --------------------------------------------------------------------------- words


@pytest.mark.parametrize("q", ["zumba", "Zumbba", "Zumba class", "ZUMBA", "  zumba  "])
def test_misspelled_and_extra_words_still_find_the_zumba_session(client, db, q):
    make_asset(name="Zumba session", description="Dance fitness to Latin music.", **offset(300))
    make_asset(name="Knit and natter", description="Bring your needles.", **offset(100))
    assert names(near(client, q=q)) == ["Zumba session"]


def test_words_match_english_stems_in_the_description(client, db):
    make_asset(name="Canal ramblers", description="Gentle walks along the towpath every week.", **offset(100))
    make_asset(name="Choir", description="Singing for fun.", **offset(200))
    assert names(near(client, q="walking")) == ["Canal ramblers"]
    assert names(near(client, q="sing")) == ["Choir"]


def test_any_word_matches_and_listings_matching_more_words_come_first(client, db):
    make_asset(name="Community choir", description="Singing for everyone.", **offset(100))
    make_asset(
        name="Singing for the brain", description="Songs and company for people living with dementia.", **offset(200)
    )
    make_asset(name="Lunch club", description="A hot meal.", **offset(50))
    assert names(near(client, q="singing dementia")) == ["Singing for the brain", "Community choir"]
    # nearest first still lists only listings matching some word, nearest first
    assert names(near(client, q="singing dementia", sort="nearest")) == ["Community choir", "Singing for the brain"]


def test_equal_distance_ties_are_broken_by_text_relevance(client, db):
    spot = offset(400)
    make_asset(name="Hall lunch and chat", description="Lunch with company. A tea dance follows.", **spot)
    make_asset(name="Tea dance", description="Ballroom and sequence dancing with tea.", **spot)
    assert names(near(client, q="tea dance")) == ["Tea dance", "Hall lunch and chat"]


def test_stale_listings_rank_below_fresh_ones_at_equal_distance(client, db):
    spot = offset(400)
    make_asset(name="Aardvark club (stale)", last_verified="2024-01-10", **spot)
    make_asset(name="Zebra club (fresh)", last_verified="2026-09-01", **spot)
    body = near(client).get_json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Zebra club (fresh)", "Aardvark club (stale)"]
    assert [f["properties"]["stale"] for f in body["features"]] == [False, True]


def test_sql_in_words_and_codes_is_just_text(client, db):
    make_asset(name="Safe", **offset(100))
    for q in ["'; DROP TABLE service; --", "a%' OR 1=1 --", "\\", "zumba) | (x", "!!!", "<script>"]:
        assert near(client, q=q).status_code == 200, q
    assert near(client, category="x' OR '1'='1").status_code == 400
    assert session.execute(select(Service.id)).first() is not None


def test_only_stop_words_behaves_like_no_words(client, db):
    make_asset(name="Anything", **offset(100))
    assert names(near(client, q="the and of")) == ["Anything"]


# --------------------------------------------------------------------------- what is listed


def test_only_active_readable_assets_are_listed(client, db, app):
    make_asset(name="Public", **offset(100))
    make_asset(name="Practitioners only", visibility="practitioners", **offset(200))
    make_asset(name="Confidential", visibility="confidential", **offset(300))
    closed = make_asset(name="Closed", **offset(400))
    closed.status = "defunct"
    archived = make_asset(name="Archived", **offset(500))
    archived.archived_at = archived.created_at
    session.commit()
    assert names(near(client)) == ["Public"]

    login(client, make_user("practitioner"))
    assert names(near(client)) == ["Public", "Practitioners only", "Confidential"]


def test_confidential_assets_never_return_a_point_even_to_their_coordinator(client, db):
    make_asset(name="Refuge", visibility="confidential", **offset(300))
    login(client, make_user("coordinator", wards=["E05011151"]))
    feature = near(client).get_json()["features"][0]
    assert feature["properties"]["name"] == "Refuge"
    assert feature["geometry"] is None
    assert feature["properties"]["distance_m"] is not None


def test_services_covering_the_ward_without_a_place_come_last(client, db):
    make_asset(name="Phone befriending", modes="phone", lon="", lat="", service_area_wards="E05011151")
    make_asset(name="Elsewhere by phone", modes="phone", lon="", lat="", service_area_wards="E05011180")
    make_asset(name="Nearby group", **offset(500))
    body = api(client, postcode=BIRMINGHAM_POSTCODE).get_json()
    assert [f["properties"]["name"] for f in body["features"]] == ["Nearby group", "Phone befriending"]
    last = body["features"][-1]
    assert last["geometry"] is None and last["properties"]["distance_m"] is None
    assert [
        f["properties"]["name"] for f in api(client, postcode=BIRMINGHAM_POSTCODE, mode="phone").get_json()["features"]
    ] == ["Phone befriending"]


# --------------------------------------------------------------------------- confidential: by area, never by distance

LADYWOOD, BORDESLEY = "E05011151", "E05011126"
FAR_IN_LADYWOOD = {"lon": -1.928, "lat": 52.4735}  # about 1.9 km west of B1 1BA, still in Ladywood
ACROSS_THE_LINE = {"lon": -1.8990, "lat": 52.4750}  # 95 m from B1 1BA, in Bordesley & Highgate


def test_a_confidential_place_in_the_search_ward_is_listed_whatever_the_radius_without_a_distance(client, db):
    make_asset(name="Near group", **offset(200))
    make_asset(name="Zeta phone line", modes="phone", lon="", lat="", service_area_wards=LADYWOOD)
    make_asset(name="Refuge", visibility="confidential", **FAR_IN_LADYWOOD)
    login(client, make_user("practitioner"))
    for radius in (300, 5000):
        body = near(client, radius_m=radius).get_json()
        # ranked among the services that cover the ward (here by name), after every listing with a distance
        assert [f["properties"]["name"] for f in body["features"]] == ["Near group", "Refuge", "Zeta phone line"]
        refuge = body["features"][1]
        assert refuge["geometry"] is None and refuge["properties"]["distance_m"] is None
        assert (refuge["properties"]["ward_code"], refuge["properties"]["constituency_code"]) == (LADYWOOD, "E14001096")
        assert body["total"] == 3


def test_a_confidential_place_across_a_ward_boundary_is_not_listed_however_near(client, db):
    make_asset(name="Open group", **ACROSS_THE_LINE)
    make_asset(name="Refuge", visibility="confidential", **ACROSS_THE_LINE)
    login(client, make_user("practitioner"))
    assert names(near(client, radius_m=5000)) == ["Open group"]
    # searched from its own ward it is listed, last, even with a radius that would leave it out
    assert names(near(client, lon=-1.8985, lat=52.4748, radius_m=10)) == ["Refuge"]


def test_the_coordinator_who_may_edit_it_and_admins_still_find_it_by_distance(client, db):
    make_asset(name="Refuge", visibility="confidential", **FAR_IN_LADYWOOD)
    for user in (make_user("coordinator", wards=[LADYWOOD]), make_user("admin")):
        session.commit()
        login(client, user)
        assert names(near(client, radius_m=300)) == []
        feature = near(client, radius_m=3000).get_json()["features"][0]
        assert feature["properties"]["name"] == "Refuge" and 1800 < feature["properties"]["distance_m"] < 2000
        assert feature["geometry"] is None
        client.post("/sign-out")
    login(client, make_user("coordinator", wards=[BORDESLEY]))  # may edit only elsewhere: by ward
    assert near(client, radius_m=300).get_json()["features"][0]["properties"]["distance_m"] is None


def test_constituency_view_uses_the_wards_constituency_never_the_points(db, app_ctx):
    """Soho & Jewellery Quarter is in Birmingham Ladywood constituency, but part of it lies in Perry Barr's."""
    from assetmap.accounts.auth import SessionUser
    from assetmap.practitioners.params import Filters
    from assetmap.practitioners.queries import Origin, search

    refuge = _make_asset(name="Refuge", visibility="confidential", lon=-1.931123, lat=52.499855)
    db.flush()
    db.refresh(refuge.locations[0].location)
    assert refuge.locations[0].location.constituency_code == "E14001098"  # the point's: Perry Barr
    user = SessionUser(make_user("practitioner"))
    f = Filters(radius_m=1609.344)
    in_ladywood = Origin(LON, LAT, LADYWOOD, None, "E14001096")
    in_perry_barr = Origin(-1.9, 52.53, None, None, "E14001098")
    hits = search(in_ladywood, f, user, "constituency").hits
    assert [(h.name, h.constituency_code, h.distance_m) for h in hits] == [("Refuge", "E14001096", None)]
    assert search(in_perry_barr, f, user, "constituency").hits == []


def test_a_search_point_in_a_sliver_takes_the_ward_its_places_would(client, db, toy):  # noqa: F811
    """Just outside every ward polygon but within 150 m of one: the location trigger's rule, for both."""
    from assetmap.geo import areas_at
    from tests.test_coverage import CON, L1, W1

    sliver = {"lon": -5.09, "lat": 50.3305}  # about 55 m north of Alpha's edge
    assert areas_at(**sliver) == (W1, L1, CON)
    make_asset(name="Alpha refuge", visibility="confidential", lon=-5.06, lat=50.305)
    login(client, make_user("practitioner"))
    assert names(near(client, radius_m=100, **sliver)) == ["Alpha refuge"]
    page = client.post("/search", data={"lat": sliver["lat"], "lon": sliver["lon"], "distance": "0.25"})
    assert "Alpha refuge" in client.get(page.headers["Location"]).get_data(as_text=True)


def test_feature_properties_carry_the_documented_fields(client, db):
    make_asset(name="Described", categories="learning;digital-inclusion", **offset(100))
    body = near(client).get_json()
    assert body["type"] == "FeatureCollection"
    assert (body["total"], body["page"], body["per_page"]) == (1, 1, 20)
    f = body["features"][0]
    assert f["geometry"]["type"] == "Point"
    lon, lat = f["geometry"]["coordinates"]
    assert abs(lat - offset(100)["lat"]) < 1e-6 and abs(lon - LON) < 1e-6
    p = f["properties"]
    assert {"id", "name", "distance_m", "ward_code", "constituency_code", "categories", "last_verified"} <= set(p)
    assert p["categories"] == ["digital-inclusion", "learning"]
    assert p["last_verified"] == "2026-10-01"


# --------------------------------------------------------------------------- paging


def test_paging_splits_results_and_reports_the_total(client, db):
    for i in range(7):
        make_asset(name=f"Asset {i}", **offset(100 + 50 * i))
    first = near(client, per_page=3).get_json()
    third = near(client, per_page=3, page=3).get_json()
    beyond = near(client, per_page=3, page=4).get_json()
    assert [f["properties"]["name"] for f in first["features"]] == ["Asset 0", "Asset 1", "Asset 2"]
    assert [f["properties"]["name"] for f in third["features"]] == ["Asset 6"]
    assert (first["total"], third["total"], beyond["total"]) == (7, 7, 7)
    assert beyond["features"] == []


@pytest.mark.parametrize(
    "body,field",
    [
        ({"per_page": 101}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"page": 0}, "page"),
        ({"page": 501}, "page"),
        ({"page": "2"}, None),
        ({"per_page": 2.5}, "per_page"),
        ({"page": -1}, "page"),
    ],
)
def test_page_and_page_size_limits(client, db, body, field):
    resp = near(client, **body)
    if field is None:
        assert resp.status_code == 200
    else:
        assert resp.status_code == 400
        assert resp.get_json()["field"] == field


def test_empty_results_are_an_empty_collection_not_an_error(client, db):
    body = near(client, q="nothing matches this").get_json()
    assert body["features"] == [] and body["total"] == 0


# --------------------------------------------------------------------------- where


def test_unknown_postcode_is_404_with_a_message(client, db):
    resp = api(client, postcode="ZZ9 9ZZ")
    assert resp.status_code == 404
    body = resp.get_json()
    assert body["field"] == "postcode" and "could not find" in body["error"]


@pytest.mark.parametrize("bad", ["B1", "not a postcode", "B1 1BAA", "12345", ""])
def test_malformed_postcode_is_400(client, db, bad):
    resp = api(client, postcode=bad)
    assert resp.status_code == 400
    assert resp.get_json()["field"] == "postcode"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"lat": 52.47}, "lon"),
        ({"lat": 40.0, "lon": -1.9}, "lat"),
        ({"lat": -1.9, "lon": 52.47}, "lat"),
        ({"lat": "x", "lon": -1.9}, "lat"),
        ({}, "postcode"),
        ({"postcode": 123}, "postcode"),
        ({"postcode": "B1 1BA", "lat": 52.47, "lon": -1.9}, "postcode"),
        ({"radius": 500, "lat": 52.4, "lon": -1.9}, "radius"),
        ({"free": "yes", "lat": 52.4, "lon": -1.9}, "free"),
        ({"q": 5, "lat": 52.4, "lon": -1.9}, "q"),
        ({"q": "x" * 201, "lat": 52.4, "lon": -1.9}, "q"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, db, body, field):
    resp = api(client, **body)
    assert resp.status_code == 400, resp.get_data(as_text=True)
    assert resp.get_json()["field"] == field
    assert resp.get_json()["error"]


def test_a_body_that_is_not_a_json_object_is_400(client, db):
    for resp in (
        client.post("/api/search", data="postcode=B1 1BA"),
        client.post("/api/search", json=["B1 1BA"]),
        client.post("/api/search", data="{not json", content_type="application/json"),
    ):
        assert resp.status_code == 400
        assert "error" in resp.get_json()


def test_search_by_point_outside_the_loaded_areas_still_works(client, db):
    york = session.execute(
        select(geo.lon(Postcode.geom), geo.lat(Postcode.geom)).where(Postcode.postcode == "YO1 7HH")
    ).one()
    make_asset(name="York thing", lon=york[0], lat=york[1] + 0.001)
    assert names(api(client, lon=york[0], lat=york[1])) == ["York thing"]
    # a point in the sea off Norfolk: valid, in Great Britain's box, in no ward
    assert api(client, lat=52.9, lon=1.8).get_json()["features"] == []


def test_the_search_response_is_never_cached(client, db):
    resp = near(client)
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.mimetype == "application/geo+json"


def test_ward_lookup_of_the_fixture_postcode(db, app_ctx):
    from assetmap.geo import areas_at

    ward, lsoa, con = areas_at(LON, LAT)
    assert ward == "E05011151" and con == "E14001096"
    assert lsoa and lsoa.startswith("E01")
    assert session.get(Ward, ward).name == "Ladywood"
