"""The near view from the nearest-neighbour scan gives exactly what ranking every asset in the circle gives.

``queries._nearest_page`` ranks the page, in either order, from the ``COUNT_CAP`` nearest matching places
(an index-ordered KNN scan) with the area-served and by-ward listings, in one statement that also carries
the bounded total. Under the cap that is every place, so every page and total must be the full
statement's: these tests page one listing at a time through a mix (fresh and stale at one spot, a service
with two places, a confidential place in the searcher's ward, a service covering the ward with no place)
in both orders and compare. Past the cap: "more than", nearest first still exact, best match ranked among
the nearest. And the plans relied on, on enough rows for the planner to choose as it does at scale: the
geography GiST index walked in distance order (with a category filter too), the text GIN index for a
rare word.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import event, text

from assetmap.accounts.auth import Anonymous
from assetmap.db import session
from assetmap.practitioners import queries
from assetmap.practitioners.api import parse_request
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


def _pages(client, monkeypatch, full: bool, sort: str = "nearest", **body) -> list:
    if full:
        monkeypatch.setattr(queries, "_nearest_page", lambda *a, **kw: None)
    out = []
    for page in range(1, 9):
        resp = near(client, per_page=1, page=page, sort=sort, **body)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        got = resp.get_json()
        out.append(
            (
                [(f["properties"]["name"], f["properties"]["distance_m"]) for f in got["features"]],
                got["total"],
                got["places"],
                got["area_served"],
                got["sort"],
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


def test_every_best_match_page_is_the_full_statements_page(client, db, monkeypatch, spy):
    _mix()
    make_asset(name="Club of clubs", description="A club for every club", **offset(700))
    login(client, make_user("practitioner"))
    for body in ({"q": "club"}, {"q": "club group", "radius_m": 3000}, {"q": "phone club"}):
        spy.clear()
        new = _pages(client, monkeypatch, False, "best", **body)
        assert all(spy), body  # under the cap every page comes from the one statement
        assert new[0][-1] == "best"
        with monkeypatch.context() as m:
            old = _pages(client, m, True, "best", **body)
        assert new == old, body


def test_past_the_cap_best_match_ranks_the_nearest_matching_places(client, db, monkeypatch, spy):
    monkeypatch.setattr(queries, "COUNT_CAP", 2)
    make_asset(name="Chess club", **offset(100))
    make_asset(name="Chess corner", **offset(200))
    make_asset(name="Chess and more chess", description="Chess, chess, chess.", **offset(300))
    got = near(client, q="chess", sort="best").get_json()
    assert spy == [True]
    assert got["total_capped"] is True and got["total"] == 2
    # the best text match is the third nearest: not among the two nearest matching places
    assert sorted(f["properties"]["name"] for f in got["features"]) == ["Chess club", "Chess corner"]
    monkeypatch.setattr(queries, "COUNT_CAP", 1000)
    got = near(client, q="chess", sort="best").get_json()
    assert got["total_capped"] is False and got["total"] == 3
    assert got["features"][0]["properties"]["name"] == "Chess and more chess"


def test_a_near_search_is_one_query(db, app_ctx):
    for i in range(3):
        make_asset(name=f"Group {i}", **offset(100 * (i + 1)))
    seen: list[str] = []
    engine = session.get_bind()

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        page = queries.search(queries.Origin(LON, LAT, areas_known=False), Filters(), Anonymous(), "near")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [h.name for h in page.hits] == ["Group 0", "Group 1", "Group 2"] and page.total == 3
    # one query: the page, the total and its split (the planner setting around it is no query)
    queries_run = [s for s in seen if not s.startswith(("SAVEPOINT", "SET LOCAL"))]
    assert len(queries_run) == 1 and queries_run[0].startswith("WITH cand"), seen


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


def test_past_the_cap_the_results_page_says_more_than_once_and_how_to_narrow(client, db, monkeypatch):
    from tests.test_practitioners import html, results_url

    monkeypatch.setattr(queries, "COUNT_CAP", 21)  # a page of 20 cut from the 21 nearest of 24
    for i in range(24):
        make_asset(name=f"Group {i}", **offset(50 * (i + 1)))
    page = html(client.get(results_url(client)))
    assert '<h1 class="govuk-heading-l">More than 21 places within 1 mile</h1>' in page
    assert "Too many to count them all. Add words or filters" in page
    assert "more than 21 results" not in page.lower()
    monkeypatch.setattr(queries, "COUNT_CAP", 1000)
    page = html(client.get(results_url(client)))
    assert "24 places within 1 mile" in page and "Too many to count" not in page


#: enough places round the search point for the planner to choose as it does at scale (a 1-mile circle
#: holding thousands), each with one category, one of a few activities and one of 400 topics (so that, as
#: in real listings, a word in one listing is estimated as rare)
_PLACES_SQL = """
WITH s AS (
  INSERT INTO service (id, name, description, modes, visibility, status, illustrative, last_verified_on,
                       verification_method, version, source, source_id)
  SELECT gen_random_uuid(), (ARRAY['Walking group', 'Lunch club', 'Community choir', 'Chair yoga'])[1 + g % 4]
         || ' ' || g, 'Come along to the ' || (ARRAY['hall', 'park', 'library', 'church'])[1 + g % 4] || ' topic'
         || (g % 400) || '.', ARRAY['in_person'], 'public', 'active', true, DATE '2026-06-15', 'phoned', 1,
         'plan', 'p' || g
  FROM generate_series(1, :n) g
  RETURNING id, source_id
), l AS (
  INSERT INTO location (id, name, location_type, address_1, source, geom)
  SELECT gen_random_uuid(), 'Hall', 'physical', s.source_id, 'plan',
         ST_SetSRID(ST_MakePoint(:lon + (random() - 0.5) * 0.05, :lat + (random() - 0.5) * 0.03), 4326)
  FROM s
  RETURNING id, address_1
), sal AS (
  INSERT INTO service_at_location (id, service_id, location_id)
  SELECT gen_random_uuid(), s.id, l.id FROM s JOIN l ON l.address_1 = s.source_id
)
INSERT INTO attribute (id, service_id, taxonomy_term_id)
SELECT gen_random_uuid(), s.id, (SELECT tt.id FROM taxonomy_term tt JOIN taxonomy t ON t.id = tt.taxonomy_id
                                 WHERE t.code = 'category' ORDER BY tt.code
                                 OFFSET (substr(s.source_id, 2)::int % 10) LIMIT 1)
FROM s
"""
_ANALYZE = "ANALYZE service; ANALYZE location; ANALYZE service_at_location; ANALYZE attribute"


def _plan_nodes(body: dict) -> list[dict]:
    """The plan nodes of the near view's statement for this search, planned as ``_nearest_page`` plans it."""
    (_pc, point), f, _page, per_page = parse_request({"lat": LAT, "lon": LON, **body})
    origin = queries.Origin(point[0], point[1], areas_known=False)
    stmt, values, words = queries._prepared("page_knn", origin, f, Anonymous(), "near")
    bound = queries._bound(stmt, {**values, "cand": 1001, "keep": 1000, "limit": per_page, "offset": 0})
    compiled = bound.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    with queries._nearest_first_plan(bool(words.concepts)):
        plan = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + str(compiled), compiled.params)
        plan = plan.scalar_one()
    plan = plan if not isinstance(plan, str) else json.loads(plan)
    found: list[dict] = []

    def walk(node):
        if isinstance(node, dict):
            if "Node Type" in node:
                found.append(node)
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(plan)
    return found


def test_the_planner_starts_from_the_right_index(db, app_ctx):
    # the planner's rows need no ward and no map markers: the triggers that keep them (migration 0014) would
    # multiply the insert's time, so they are off for the test's own rows, in and out
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text(_PLACES_SQL), {"n": 20000, "lon": LON, "lat": LAT})
    session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
    make_asset(name="Ukulele orchestra", **offset(3000))
    for sql in _ANALYZE.split(";"):
        session.execute(text(sql))
    try:

        def ordered_geography_scan(nodes):
            return any(n.get("Index Name") == "location_geog_gist" and "<->" in n.get("Order By", "") for n in nodes)

        # no words, or a category: the geography index walked in distance order, stopping at the LIMIT
        for body in ({}, {"category": "arts-and-music"}, {"radius_m": 3000, "free": True}):
            nodes = _plan_nodes(body)
            assert ordered_geography_scan(nodes), (body, [n["Node Type"] for n in nodes])
            assert not any(n.get("Relation Name") == "attribute" and "Seq" in n["Node Type"] for n in nodes)
        # a word only one listing holds: the plan starts from the listings' text, never from the circle's
        # thousands of places (at this size by reading the listings; at 1,000,000 by the text GIN index,
        # service_search_tsv_gin, as bench/search.py's EXPLAIN "rare word" shows)
        nodes = _plan_nodes({"q": "ukulele", "radius_m": 5000})
        text_first = [
            n
            for n in nodes
            if n.get("Relation Name") == "service" and "@@" in n.get("Filter", "") + n.get("Recheck Cond", "")
        ]
        assert text_first or any(n.get("Index Name") == "service_search_tsv_gin" for n in nodes), nodes
        assert not any(n.get("Index Name") == "location_geog_gist" for n in nodes), nodes
    finally:
        session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(
            text("DELETE FROM attribute WHERE service_id IN (SELECT id FROM service WHERE source = 'plan')")
        )
        session.execute(
            text("DELETE FROM service_at_location WHERE location_id IN (SELECT id FROM location WHERE source = 'plan')")
        )
        session.execute(text("DELETE FROM service WHERE source = 'plan'"))
        session.execute(text("DELETE FROM location WHERE source = 'plan'"))
        session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
        for sql in _ANALYZE.split(";"):  # ANALYZE's row counts outlive the test's rollback
            session.execute(text(sql))
