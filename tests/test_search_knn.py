""" "Nearest first" from the nearest-neighbour scan gives exactly what ranking every asset in the circle gives.

``queries._nearest_page`` cuts the page from the nearest matching places (an index-ordered KNN scan) and
counts at most ``COUNT_CAP`` places; it hands back to the full statement when the page reaches the
area-served listings or the candidates cannot show the page is exact. These tests page one listing at
a time through a mix (fresh and stale at one spot, a service with two places, a confidential place in
the searcher's ward, a service covering the ward with no place) and compare every page with the full
statement, and check the "more than" total and the plan (the geography GiST index, ordered).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from assetmap.accounts.auth import Anonymous
from assetmap.db import session
from assetmap.practitioners import queries
from assetmap.practitioners.params import Filters
from tests.factories import login, make_user
from tests.test_search import LAT, LON, make_asset, near, offset

LADYWOOD = "E05011151"
FAR_IN_LADYWOOD = {"lon": -1.928, "lat": 52.4735}


@pytest.fixture
def spy(monkeypatch):
    """Which pages came from the KNN scan (True) and which from the full statement (False)."""
    used: list[bool] = []
    real = queries._nearest_page

    def counting(*a, **kw):
        out = real(*a, **kw)
        used.append(out is not None)
        return out

    monkeypatch.setattr(queries, "_nearest_page", counting)
    return used


def _mix():
    make_asset(name="Aardvark club (stale)", last_verified="2024-01-10", **offset(400))
    make_asset(name="Zebra club (fresh)", last_verified="2026-09-01", **offset(400))
    make_asset(name="Near group", **offset(100))
    make_asset(name="Far group", **offset(900, 300))
    make_asset(name="Middle group", categories="arts-and-music", **offset(-600))
    make_asset(name="Refuge", visibility="confidential", **FAR_IN_LADYWOOD)
    make_asset(name="Zeta phone line", modes="phone", lon="", lat="", service_area_wards=LADYWOOD)


def _pages(client, monkeypatch, full: bool, **body) -> list:
    if full:
        monkeypatch.setattr(queries, "_nearest_page", lambda *a, **kw: None)
    out = []
    for page in range(1, 9):
        resp = near(client, per_page=1, page=page, sort="nearest", **body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        got = resp.get_json()
        out.append(
            (
                [(f["properties"]["name"], f["properties"]["distance_m"]) for f in got["features"]],
                got["total"],
                got["places"],
                got["area_served"],
            )
        )
    return out


def test_every_page_is_the_full_statements_page(client, db, monkeypatch, spy):
    _mix()
    login(client, make_user("practitioner"))
    for body in ({}, {"radius_m": 3000}, {"q": "club group"}, {"category": "arts-and-music"}):
        spy.clear()
        new = _pages(client, monkeypatch, False, **body)
        assert any(spy), body  # some pages did come from the scan
        with monkeypatch.context() as m:
            old = _pages(client, m, True, **body)
        assert new == old, body
    # the rules, spelled out once: nearest first, fresh before stale at one spot, placed before by-area
    names = [p[0][0][0] for p in _pages(client, monkeypatch, False, radius_m=3000) if p[0]]
    assert names == [
        "Near group",
        "Zebra club (fresh)",
        "Aardvark club (stale)",
        "Middle group",
        "Far group",
        "Refuge",
        "Zeta phone line",
    ]


def test_a_service_is_listed_once_at_its_nearest_place(client, db, spy):
    s = make_asset(name="Two places", **offset(800))
    other = make_asset(name="Other", **offset(500))
    # give "Two places" a second, nearer place by pointing the other asset's place at it too
    session.execute(
        text(
            "INSERT INTO service_at_location (id, service_id, location_id) SELECT gen_random_uuid(), :s, location_id FROM service_at_location WHERE service_id = :o"
        ),
        {"s": s.id, "o": other.id},
    )
    make_asset(name="Third", **offset(1000))
    session.commit()
    got = near(client, per_page=1, sort="nearest").get_json()
    assert spy == [True]
    assert [f["properties"]["name"] for f in got["features"]] in (["Other"], ["Two places"])
    assert got["features"][0]["properties"]["distance_m"] == pytest.approx(500, abs=5)
    both = near(client, per_page=3, sort="nearest").get_json()
    listed = [f["properties"]["name"] for f in both["features"]]
    assert sorted(listed) == ["Other", "Third", "Two places"] and both["total"] == 3


def test_past_the_cap_the_total_says_more_than(client, db, monkeypatch, spy):
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    for i in range(4):
        make_asset(name=f"Group {i}", **offset(100 * (i + 1)))
    got = near(client, per_page=1, sort="nearest").get_json()
    assert spy == [True]
    assert (got["total"], got["places"], got["total_capped"]) == (2, 2, True)
    assert [f["properties"]["name"] for f in got["features"]] == ["Group 0"]
    monkeypatch.setattr(queries, "COUNT_CAP", 1000)
    got = near(client, per_page=1, sort="nearest").get_json()
    assert (got["total"], got["total_capped"]) == (4, False)


def test_the_page_is_an_ordered_scan_of_the_geography_index(db, app_ctx):
    f = Filters(radius_m=1609.344, sort="nearest")
    stmt, values, _words = queries._prepared("page_knn", queries.Origin(LON, LAT), f, Anonymous(), "near")
    bound = queries._bound(stmt, {**values, "cand": 1001, "keep": 1000, "limit": 20, "offset": 0})
    compiled = bound.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    plan = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params).scalar_one()
    plan = plan if not isinstance(plan, str) else json.loads(plan)
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("Index Name") == "location_geog_gist":
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(plan)
    assert found and any("<->" in n.get("Order By", "") for n in found), plan
