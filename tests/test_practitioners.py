"""The practitioners' journey as pages: search form, results, asset page, shortlist, sheet, logs.

Includes the privacy proofs: the searched postcode never reaches a log line, a URL or the session
cookie; the shortlist writes nothing to the database; connection and unmet-need records hold no
personal fields.
"""

from __future__ import annotations

import json
import logging
import math
import re
from html import unescape

import pytest
from sqlalchemy import ARRAY, func, inspect, select, text

from assetmap import geo
from assetmap.db import session
from assetmap.models import ConnectionLog, Constituency, Postcode, UnmetNeed, Ward
from tests.factories import BIRMINGHAM_LONLAT, BIRMINGHAM_POSTCODE, login, make_user
from tests.factories import make_asset as _make_asset

LON, LAT = BIRMINGHAM_LONLAT
LADYWOOD = "E05011151"


def make_asset(**kw):
    service = _make_asset(**kw)
    session.commit()  # to the test's savepoint: requests end their session, and must still see it
    return service


def offset(north_m: float = 0.0, east_m: float = 0.0) -> dict:
    return {
        "lat": round(LAT + north_m / 111_320.0, 6),
        "lon": round(LON + east_m / (111_320.0 * math.cos(math.radians(LAT))), 6),
    }


def search(client, postcode=BIRMINGHAM_POSTCODE, **fields):
    """Submit the search form; returns the redirect response."""
    data = {"postcode": postcode, "distance": "1", **fields}
    return client.post("/search", data=data)


def results_url(client, **kw) -> str:
    resp = search(client, **kw)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    return resp.headers["Location"]


def html(resp) -> str:
    """The page text with HTML entities decoded (Jinja writes ' as &#39;)."""
    return unescape(resp.get_data(as_text=True))


# --------------------------------------------------------------------------- search and results


def test_home_redirects_to_the_search_page_which_is_open_to_the_public(client):
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/search")
    page = html(client.get("/search"))
    assert '<label class="govuk-label govuk-label--m" for="postcode">Postcode</label>' in page
    assert 'autocomplete="off"' in page
    for name in (
        "distance",
        "q",
        "category",
        "audience",
        "capability",
        "asset_type",
        "cost",
        "access",
        "open_day",
        "open_part",
        "this_week",
        "mode",
        "sort",
        "pace",
    ):
        assert f'name="{name}"' in page, name


def test_search_redirects_to_an_opaque_results_address(client, db):
    make_asset(name="Lunch club", **offset(300))
    loc = results_url(client, postcode="b11ba")
    assert re.fullmatch(r"/search/results/[A-Za-z0-9_-]{16}", loc)
    page = client.get(loc)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    body = html(page)
    assert "1 place within 1 mile" in body
    assert "Lunch club" in body and "Ladywood ward" in body


def test_results_list_works_without_javascript_and_shows_what_a_practitioner_needs(client, db):
    make_asset(
        name="Singing for the brain",
        description="Songs and company. Tea after.",
        schedule="tue 10:00-11:30",
        cost_amount="2",
        cost_description="£2 a session",
        accessibility="wheelchair;hearing-loop",
        last_verified="2026-08-10",
        **offset(400),
    )
    body = html(client.get(results_url(client)))
    item = body[body.index('<ol class="govuk-list am-results"') :]
    assert "Singing for the brain" in item
    assert "Songs and company." in item and "Tea after" not in item  # one line
    assert "0.2 miles as the crow flies (about 5 minutes' walk)" in item
    assert re.search(r"(Today|Tomorrow|Tuesday \d+ \w+), 10:00 to 11:30", item)
    assert "£2 a session" in item
    assert "Wheelchair accessible" in item and "Hearing loop" in item
    assert "Checked by the council on 10 August 2026" in item
    assert "Add to shortlist" in item


def test_stale_listings_are_flagged_in_words_not_only_colour(client, db):
    make_asset(name="Old news", last_verified="2025-01-01", **offset(100))
    body = html(client.get(results_url(client)))
    assert "Not checked for over a year" in body


def test_the_map_is_not_inlined_and_the_search_point_is_only_approximate(client, db):
    for i in range(30):
        make_asset(name=f"Group {i}", **offset(40 * i, 20 * i))
    loc = results_url(client)
    page = client.get(loc)
    body = html(page)
    assert "L.marker(" not in body  # markers come from the features endpoint
    assert len(page.data) < 300_000
    exact_lat = f"{LAT:.4f}"
    assert exact_lat not in body and f"{LON:.4f}" not in body
    fuzzed = geo.fuzz_point(LON, LAT, 250)
    assert f"{fuzzed[1]:.4f}" in body
    feats = client.get(f"{loc}/features.json?lat={LAT}&lon={LON}&r=3000").get_json()
    assert len(feats["features"]) == 30 and feats["truncated"] is False
    assert feats["features"][0]["properties"]["url"].startswith("/assets/")


def test_map_features_are_limited_to_the_view_and_never_confidential(client, db):
    make_asset(name="In view", **offset(100))
    make_asset(name="Out of view", **offset(-1400))
    make_asset(name="Refuge", visibility="confidential", **offset(150))
    login(client, make_user("practitioner"))
    loc = results_url(client)
    centre = offset(300)
    feats = client.get(f"{loc}/features.json?lat={centre['lat']}&lon={centre['lon']}&r=600").get_json()
    assert [f["properties"]["name"] for f in feats["features"]] == ["In view"]
    assert "Refuge" in html(client.get(loc))  # still in the list, without a map point


def test_a_view_with_more_results_than_the_points_limit_gets_grid_clusters_counting_them_all(client, db, monkeypatch):
    from assetmap.practitioners import markers

    monkeypatch.setattr(markers, "MAP_POINTS_LIMIT", 2)
    for i in range(3):
        make_asset(name=f"Thing {i}", **offset(100 * (i + 1)))
    make_asset(name="Far thing", **offset(-1500))
    loc = results_url(client)
    feats = client.get(f"{loc}/features.json?lat={LAT}&lon={LON}&r=2000").get_json()
    assert feats["clustered"] is True and feats["truncated"] is False and feats["results_in_view"] == 4
    counts = [f["properties"].get("count", 1) for f in feats["features"]]
    assert sum(counts) == 4 and max(counts) > 1  # near ones share a ~220 m cell at this zoom
    single = {p["name"]: p for p in (f["properties"] for f in feats["features"]) if not p.get("cluster")}
    assert "Far thing" in single and single["Far thing"]["url"].startswith("/assets/")
    monkeypatch.setattr(markers, "MAP_POINTS_LIMIT", 4)
    feats = client.get(f"{loc}/features.json?lat={LAT}&lon={LON}&r=2000").get_json()
    assert feats["clustered"] is False and len(feats["features"]) == 4


def test_grid_cells_are_a_power_of_two_of_a_degree_and_about_a_tenth_of_the_view():
    from assetmap.practitioners.markers import cell_size_deg

    for r in (300, 2_000, 16_000, 60_000):
        cell = cell_size_deg(r)
        assert math.log2(cell) == round(math.log2(cell))
        side_deg = 2 * r / math.sqrt(2) / 111_320
        assert side_deg / 15 < cell < side_deg / 6


def test_a_narrow_map_gets_fewer_bigger_clusters(client, db, monkeypatch):
    """On a phone (a map some 360 px across) ten cells would put 40 px numbered markers on top of each other:
    the map's size (``px``) picks about one cell per 64 px, between 4 and 10 across."""
    from assetmap.practitioners import markers

    assert [markers.grid_cells(px) for px in (None, 50, 300, 360, 640, 2000)] == [10, 4, 4, 5, 10, 10]
    for r in (2_000, 16_000):
        assert markers.cell_size_deg(r, 5) == 2 * markers.cell_size_deg(r, 10)
    monkeypatch.setattr(markers, "MAP_POINTS_LIMIT", 1)
    for i in range(12):  # a ring of results about 1.2 km out: in a wide map's cells apart, in a phone's fewer
        angle = 2 * math.pi * i / 12
        make_asset(name=f"Ring {i}", lon=LON + 0.018 * math.cos(angle), lat=LAT + 0.011 * math.sin(angle))
    loc = results_url(client, distance="2")
    wide = client.get(f"{loc}/features.json?lat={LAT}&lon={LON}&r=2000&px=900").get_json()
    narrow = client.get(f"{loc}/features.json?lat={LAT}&lon={LON}&r=2000&px=300").get_json()
    assert wide["results_in_view"] == narrow["results_in_view"] == 12
    assert len(narrow["features"]) < len(wide["features"])
    for bad in ("abc", "3", "99999", "1.5"):
        resp = client.get(f"{loc}/features.json?lat={LAT}&lon={LON}&r=2000&px={bad}")
        assert resp.status_code == 400, bad


@pytest.mark.parametrize(
    "query", ["", "lat=52.4&lon=-1.9", "lat=52.4&lon=-1.9&r=0", "lat=52.4&lon=-1.9&r=99999", "lat=x&lon=-1.9&r=100"]
)
def test_map_features_reject_a_bad_view(client, db, query):
    loc = results_url(client)
    assert client.get(f"{loc}/features.json?{query}").status_code == 400


def test_ward_and_constituency_views_ignore_distance(client, db):
    far = session.execute(
        select(geo.lon(Postcode.geom), geo.lat(Postcode.geom))
        .join(Ward, geo.covers(Ward.geom, Postcode.geom))
        .join(Constituency, geo.covers(Constituency.geom, Postcode.geom))
        .where(Ward.code == LADYWOOD, Constituency.code == "E14001096")
        .order_by(geo.distance_m(Postcode.geom, geo.point(LON, LAT)).desc())
        .limit(1)
    ).one()
    make_asset(name="Far side of the ward", lon=far[0], lat=far[1])
    make_asset(name="Close by", **offset(200))
    loc = results_url(client, distance="0.5")
    near_page = html(client.get(loc))
    assert "Close by" in near_page and "Far side of the ward" not in near_page
    ward_page = html(client.get(loc + "?scope=ward"))
    assert "Everything in Ladywood ward (2)" in ward_page
    assert ward_page.index("Close by") < ward_page.index("Far side of the ward")
    con_page = html(client.get(loc + "?scope=constituency"))
    assert "Far side of the ward" in con_page and "constituency" in con_page
    assert client.get(loc + "?scope=city").status_code == 400


def test_results_are_paginated_with_a_count(client, db):
    for i in range(23):
        make_asset(name=f"Asset {i:02d}", **offset(30 * (i + 1)))
    loc = results_url(client)
    first, second = html(client.get(loc)), html(client.get(loc + "?page=2"))
    assert "Showing 1 to 20 of 23" in first and "Asset 19" in first and "Asset 20" not in first
    assert "Showing 21 to 23 of 23" in second and "Asset 22" in second
    assert 'aria-current="page">2<' in second
    assert client.get(loc + "?page=0").status_code == 400
    assert client.get(loc + "?page=abc").status_code == 400
    assert "no results on this page" in html(client.get(loc + "?page=5"))


def test_empty_results_suggest_what_to_try(client, db):
    body = html(client.get(results_url(client, q="underwater basket weaving")))
    assert "0 places within 1 mile" in body and "Nothing matched" in body


def test_search_by_a_point_picked_on_the_map(client, db):
    make_asset(name="Near the pick", **offset(200))
    loc = results_url(client, postcode="", lat=str(LAT), lon=str(LON))
    body = html(client.get(loc))
    assert "Near the pick" in body and "point you picked on the map" in body


@pytest.mark.parametrize(
    "postcode,status,message",
    [
        ("", 400, "Enter a postcode, or pick a point on the map"),
        ("B1", 400, "Enter a real postcode, like B1 1AY"),
        ("ZZ9 9ZZ", 404, "We could not find the postcode ZZ9 9ZZ"),
    ],
)
def test_postcode_problems_are_shown_next_to_the_field(client, db, postcode, status, message):
    resp = search(client, postcode=postcode)
    assert resp.status_code == status
    body = html(resp)
    assert '<a href="#postcode">' in body and message in body
    assert 'id="postcode-error"' in body and "govuk-input--error" in body
    assert body.count("<h1") == 1


def test_other_form_errors_name_their_field(client, db):
    resp = search(client, distance="100", category="knitting")
    assert resp.status_code == 400
    body = html(resp)
    assert '<a href="#distance">Choose a distance from the list</a>' in body
    assert '<a href="#category">Unknown category: knitting</a>' in body


def test_change_search_keeps_the_filters_but_never_the_postcode(client, db):
    loc = results_url(client, q="singing", category="arts-and-music", free="yes")
    sid = loc.rsplit("/", 1)[1]
    body = html(client.get(f"/search?from={sid}"))
    assert 'value="singing"' in body and 'name="category" type="checkbox" value="arts-and-music" checked' in body
    assert 'name="cost" type="radio" value="free" checked' in body
    assert "Near the same place as before (postcode not shown)" in body
    assert BIRMINGHAM_POSTCODE not in body and "B11BA" not in body.upper().replace(" ", "")


def test_unknown_or_expired_search_ids_are_404(client, db):
    assert client.get("/search/results/AAAAAAAAAAAAAAAA").status_code == 404
    assert client.get("/search/results/not-a-search").status_code == 404
    loc = results_url(client)
    other_browser = client.application.test_client()
    assert other_browser.get(loc).status_code == 404


# --------------------------------------------------------------------------- privacy


def _cookie_payload(client, app) -> str:
    cookie = client.get_cookie("session")
    if cookie is None:
        return ""
    return json.dumps(app.session_interface.get_signing_serializer(app).loads(cookie.value))


def test_the_postcode_never_reaches_a_log_a_url_or_the_session(client, db, app, caplog):
    make_asset(name="Somewhere", **offset(100))
    user = make_user("practitioner")
    login(client, user)
    caplog.set_level(logging.DEBUG, logger="assetmap")
    spellings = ["B1 1BA", "b11ba", " b1  1ba ", "B1\u00a01BA"]
    urls = []
    for pc in spellings:
        resp = search(client, postcode=pc, q="somewhere")
        assert resp.status_code == 303
        urls.append(resp.headers["Location"])
        page = client.get(resp.headers["Location"])
        assert page.status_code == 200
        urls.append(page.request.url)
        client.get(resp.headers["Location"] + f"/features.json?lat={LAT}&lon={LON}&r=2000")
        client.get(resp.headers["Location"] + "?scope=ward")
    assert client.post("/api/search", json={"postcode": "b1 1ba"}).status_code == 200
    assert search(client, postcode="B1 1BX").status_code in (303, 404)  # another real-looking one
    assert client.post("/api/search", json={"postcode": "zz99zz"}).status_code == 404
    sid = urls[0].rsplit("/", 1)[1]
    client.post(f"/search/results/{sid}/nothing-suitable")
    assert caplog.records, "the request log should have been captured"
    logged = "\n".join(json.dumps(r.__dict__, default=str) for r in caplog.records)
    squashed = re.sub(r"[\s\u00a0]+", "", logged).lower()
    for needle in ("b11ba", "b11bx", "zz99zz"):
        assert needle not in squashed
    assert all("b11ba" not in re.sub(r"\W", "", u).lower() for u in urls)
    assert "b11ba" not in re.sub(r"\W", "", _cookie_payload(client, app)).lower()


def test_shortlist_and_sheet_store_nothing_on_the_server(client, db, app):
    a = make_asset(name="First choice", phone="0121 496 0000", how_to_get_there="Bus 8 to the door.", **offset(100))
    b = make_asset(name="Second choice", **offset(200))
    tables = [t for t in inspect(session.connection()).get_table_names() if t != "alembic_version"]

    def counts():
        return {t: session.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}

    before = counts()
    loc = results_url(client)
    for asset in (a, b):
        resp = client.post("/shortlist/add", data={"asset_id": str(asset.id), "next": loc})
        assert resp.status_code == 303 and resp.headers["Location"] == loc
    sheet = client.get("/shortlist/sheet")
    assert sheet.headers["Cache-Control"] == "no-store"
    body = html(sheet)
    assert body.index("First choice") < body.index("Second choice")
    assert "0121 496 0000" in body and "Bus 8 to the door." in body
    assert "am-sheet--large" in html(client.get("/shortlist/sheet?large=1"))
    client.post("/shortlist/remove", data={"asset_id": str(a.id)})
    assert "First choice" not in html(client.get("/shortlist"))
    assert counts() == before
    assert str(b.id) in _cookie_payload(client, app)
    client.post("/shortlist/clear")
    assert "Your shortlist is empty" in html(client.get("/shortlist"))


def test_shortlist_refuses_unknown_and_unreadable_assets(client, db):
    hidden = make_asset(name="Practitioners only", visibility="practitioners", **offset(100))
    assert client.post("/shortlist/add", data={"asset_id": str(hidden.id)}).status_code == 404
    assert client.post("/shortlist/add", data={"asset_id": "not-a-uuid"}).status_code == 400
    assert client.post("/shortlist/add", data={"asset_id": "00000000-0000-0000-0000-000000000000"}).status_code == 404


def test_shortlist_next_must_be_a_local_path(client, db):
    a = make_asset(**offset(100))
    resp = client.post("/shortlist/add", data={"asset_id": str(a.id), "next": "https://evil.example/"})
    assert resp.headers["Location"] == "/shortlist"


# --------------------------------------------------------------------------- asset page


def test_asset_page_has_everything_for_an_introduction(client, db, app):
    a = make_asset(
        name="Chair yoga",
        organisation="Ladywood Wellbeing",
        description="Gentle yoga on chairs.",
        schedule="mon 10:00-11:00;thu 14:00-15:00",
        address="Community Hall, 1 Broad Street",
        postcode="B1 1BA",
        how_to_get_there="Tram to Library stop.",
        contact_name="Sam",
        email="sam@example.org",
        phone="0121 496 0001",
        url="https://example.org/yoga",
        accessibility="step-free",
        categories="physical-activity",
        audiences="older-people",
        capabilities="independence",
        **offset(100),
    )
    body = html(client.get(f"/assets/{a.id}"))
    for expected in (
        "Chair yoga",
        "Ladywood Wellbeing",
        "Gentle yoga on chairs.",
        "Monday",
        "10:00 to 11:00",
        "Thursday",
        "Community Hall, 1 Broad Street",
        "Ladywood",
        "Birmingham Ladywood",
        "Tram to Library stop.",
        "Sam",
        "sam@example.org",
        "tel:01214960001",
        "Step-free access",
        "Physical activity",
        "Older people",
        "Independence",
        "Checked by the council on 1 October 2026",
        "Next session:",
    ):
        assert expected in body, expected
    report = "upkeep.report_problem" in app.view_functions
    assert ("Report a problem with this listing" in body) is report
    assert body.count("<h1") == 1


def test_confidential_asset_pages_show_the_ward_but_not_the_place(client, db):
    refuge = make_asset(
        name="Safe house group", visibility="confidential", address="7 Secret Road", postcode="B1 1BA", **offset(100)
    )
    assert client.get(f"/assets/{refuge.id}").status_code == 404  # public: not admitted to exist
    login(client, make_user("practitioner"))
    body = html(client.get(f"/assets/{refuge.id}"))
    assert "Safe house group" in body and "Ladywood" in body
    assert "7 Secret Road" not in body and "L.marker(" not in body
    assert f"{offset(100)['lat']:.5f}" not in body


def test_asset_page_is_404_for_unknown_archived_or_unreadable_assets(client, db):
    hidden = make_asset(name="Practitioners only", visibility="practitioners", **offset(100))
    archived = make_asset(name="Gone", **offset(100))
    archived.archived_at = func.now()
    session.commit()
    assert client.get(f"/assets/{hidden.id}").status_code == 404
    assert client.get(f"/assets/{archived.id}").status_code == 404
    assert client.get("/assets/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get("/assets/not-a-uuid").status_code == 404


# --------------------------------------------------------------------------- connection log and unmet need

PERSONAL_HINTS = (
    "postcode",
    "name",
    "note",
    "text",
    "email",
    "phone",
    "address",
    "person",
    "dob",
    "age",
    "geom",
    "lat",
    "lon",
    "user",
)


def test_connection_log_and_unmet_need_tables_have_no_personal_columns():
    for model in (ConnectionLog, UnmetNeed):
        for column in model.__table__.columns:
            assert not any(h in column.name for h in PERSONAL_HINTS), (model.__name__, column.name)
            kind = column.type.item_type if isinstance(column.type, ARRAY) else column.type  # term code lists
            # codes, dates, ids, and yes/no flags (unmet_need.terms_matched), none able to hold a person's details
            assert str(kind).startswith(("VARCHAR", "DATE", "UUID", "BOOLEAN")), (model.__name__, column.name)


def test_recording_a_connection_keeps_only_the_asset_date_capability_and_area(client, db):
    a = make_asset(name="Walking group", capabilities="independence;enjoyment", **offset(100))
    login(client, make_user("practitioner"))
    loc = results_url(client)
    sid = loc.rsplit("/", 1)[1]
    page = html(client.get(f"/assets/{a.id}?from={sid}"))
    assert "Record that you connected someone to this" in page
    resp = client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment", "from": sid, "followup": "yes"})
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/connections/")
    body = html(client.get(resp.headers["Location"]))
    ref = re.search(r'<strong class="am-ref">([A-Z0-9]{4}-[A-Z0-9]{4})</strong>', body).group(1)
    row = session.execute(select(ConnectionLog).where(ConnectionLog.service_id == a.id)).scalar_one()
    assert row.capability_code == "enjoyment" and row.ward_code == LADYWOOD
    assert row.lsoa_code and row.lsoa_code.startswith("E01")
    assert row.followup_ref == ref and row.followup_attended is None
    assert row.logged_on is not None

    resp = client.post(
        "/connections/follow-up",
        data={"reference": ref.lower().replace("-", " "), "attended": "yes", "helped": "not_known"},
    )
    assert resp.status_code == 303
    session.expire_all()
    row = session.get(ConnectionLog, row.id)
    assert (row.followup_attended, row.followup_helped) == ("yes", "not_known") and row.followup_on


def test_connection_without_a_search_stores_no_area_and_needs_a_capability(client, db):
    a = make_asset(name="Library", **offset(100))
    login(client, make_user("practitioner"))
    resp = client.post(f"/assets/{a.id}/connections", data={})
    assert resp.status_code == 400
    assert '<a href="#capability">' in html(resp)
    assert client.post(f"/assets/{a.id}/connections", data={"capability": "nonsense"}).status_code == 400
    assert client.post(f"/assets/{a.id}/connections", data={"capability": "feeling-valued"}).status_code == 303
    row = session.execute(select(ConnectionLog).where(ConnectionLog.service_id == a.id)).scalar_one()
    assert row.ward_code is None and row.lsoa_code is None and row.followup_ref is None


def test_only_signed_in_practitioners_record_connections(client, db):
    a = make_asset(**offset(100))
    resp = client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment"})
    assert resp.status_code == 302 and "/sign-in" in resp.headers["Location"]
    login(client, make_user("commissioner"))
    assert client.post(f"/assets/{a.id}/connections", data={"capability": "enjoyment"}).status_code == 403
    assert session.execute(select(func.count()).select_from(ConnectionLog)).scalar_one() == 0


def test_followup_with_an_unknown_or_malformed_reference(client, db):
    login(client, make_user("practitioner"))
    unknown = client.post("/connections/follow-up", data={"reference": "ABCD-EFGH", "attended": "no", "helped": "no"})
    assert unknown.status_code == 404 and "could not find a connection" in html(unknown)
    bad = client.post("/connections/follow-up", data={"reference": "x", "attended": "no", "helped": "no"})
    assert bad.status_code == 400 and '<a href="#reference">' in html(bad)
    missing = client.post("/connections/follow-up", data={"reference": "ABCD-EFGH", "attended": "maybe"})
    assert missing.status_code == 400 and '<a href="#attended">' in html(missing)


def test_nothing_suitable_records_an_anonymous_signal_once(client, db):
    login(client, make_user("practitioner"))
    loc = results_url(client, category="befriending", audience="older-people", capability="love-friendship-support")
    sid = loc.rsplit("/", 1)[1]
    assert "Nothing suitable found" in html(client.get(loc))
    for _ in range(2):
        resp = client.post(f"/search/results/{sid}/nothing-suitable")
        assert resp.status_code == 303 and resp.headers["Location"] == loc
    rows = session.execute(select(UnmetNeed)).scalars().all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.category_codes, row.audience_codes, row.capability_codes) == (
        ["befriending"],
        ["older-people"],
        ["love-friendship-support"],
    )
    assert row.ward_code == LADYWOOD and row.lsoa_code.startswith("E01") and row.recorded_on
    assert "You have recorded that nothing suitable was found" in html(client.get(loc))


def test_the_public_cannot_record_unmet_need(client, db):
    loc = results_url(client)
    assert "Nothing suitable found" not in html(client.get(loc))
    resp = client.post(loc + "/nothing-suitable")
    assert resp.status_code == 302
    assert session.execute(select(func.count()).select_from(UnmetNeed)).scalar_one() == 0


def test_nothing_suitable_keeps_every_term_searched_for(db, app_ctx):
    from assetmap.practitioners import usecases
    from assetmap.practitioners.params import Filters
    from assetmap.practitioners.queries import Origin

    row = usecases.record_unmet_need(
        Filters(category=("carers-support", "befriending"), audience=("older-people",)),
        Origin(-1.9, 52.48, ward_code=LADYWOOD, lsoa_code="E01009000"),
    )
    session.expire_all()
    stored = session.get(UnmetNeed, row.id)
    assert (stored.category_codes, stored.audience_codes, stored.capability_codes) == (
        ["carers-support", "befriending"],
        ["older-people"],
        [],
    )
