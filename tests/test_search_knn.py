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

import dataclasses
import json
import random

import pytest
from sqlalchemy import event, text

from assetmap.accounts.auth import Anonymous, SessionUser
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
    queries_run = [s for s in seen if not s.startswith(("SAVEPOINT", "SELECT set_config('enable_"))]
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
#: the same rows' points, as migrations 0017 and 0019's triggers would write them (they are off for the planner's rows;
#: the planner's listings have no cost options, so no least cost), in one pass
_POINTS_SQL = """
INSERT INTO marker_point (link_id, service_id, geom, geog, visibility, ward_code, constituency_code, terms, min_cost,
                          search_tsv, modes, name, last_verified_on, unconfirmed_since)
SELECT s.id, v.id, l.geom, l.geom::geography, v.visibility, '', '', coalesce(t.terms, '{}'), NULL, v.search_tsv,
       v.modes, v.name, v.last_verified_on, v.unconfirmed_since
FROM service_at_location s JOIN location l ON l.id = s.location_id JOIN service v ON v.id = s.service_id
LEFT JOIN (SELECT a.service_id, array_agg(DISTINCT x.code || ':' || tt.code) AS terms
           FROM attribute a JOIN taxonomy_term tt ON tt.id = a.taxonomy_term_id JOIN taxonomy x ON x.id = tt.taxonomy_id
           GROUP BY a.service_id) t ON t.service_id = v.id
WHERE v.source = 'plan'
"""
_ANALYZE = "ANALYZE service; ANALYZE location; ANALYZE service_at_location; ANALYZE attribute; ANALYZE marker_point"


def _plan_nodes(body: dict, user=None, analyze: bool = False) -> list[dict]:
    """The plan nodes of the near view's statement for this search, planned as ``_nearest_page`` plans it
    (``analyze``: and run, the nodes carrying what they did)."""
    (_pc, point), f, _page, per_page = parse_request({"lat": LAT, "lon": LON, **body})
    origin = queries.Origin(point[0], point[1], areas_known=False)
    stmt, values, words = queries._prepared("page_knn", origin, f, user or Anonymous(), "near")
    bound = queries._bound(stmt, {**values, "cand": 1001, "keep": 1000, "limit": per_page, "offset": 0})
    compiled = bound.compile(dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True})
    with queries._nearest_first_plan(queries.walks(origin, f, user or Anonymous(), words)):
        explain = "EXPLAIN (ANALYZE, FORMAT JSON) " if analyze else "EXPLAIN (FORMAT JSON) "
        plan = session.connection().exec_driver_sql(explain + str(compiled), compiled.params).scalar_one()
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


def _ordered_scan(nodes, index: str) -> bool:
    """The index is walked in distance order (a nearest-neighbour scan that stops at the LIMIT)."""
    return any(n.get("Index Name") == index and "<->" in n.get("Order By", "") for n in nodes)


def _keys_in_index(nodes) -> bool:
    """The row's keys are tested in ``idx_marker_point_walk`` itself (an index condition, not a filter)."""
    return any(n.get("Index Name") == "idx_marker_point_walk" and "keys @@" in n.get("Index Cond", "") for n in nodes)


def _reads(nodes, table: str) -> bool:
    return any(n.get("Relation Name") == table for n in nodes)


def test_the_planner_starts_from_the_right_index(db, app_ctx):
    # the planner's rows need no ward and no map markers: the triggers that keep them (migration 0014) would
    # multiply the insert's time, so they are off for the test's own rows, in and out (their points are
    # written as the triggers would, _POINTS_SQL)
    session.execute(text("SET LOCAL session_replication_role = replica"))
    session.execute(text(_PLACES_SQL), {"n": 20000, "lon": LON, "lat": LAT})
    # the 20,000 new rows counted first: planned on the statistics of near-empty tables, joining them once
    # ran past the statement timeout in the full suite (nested loops over unanalysed tables)
    for table in ("service", "location", "service_at_location", "attribute"):
        session.execute(text(f"ANALYZE {table}"))
    session.execute(text(_POINTS_SQL))
    session.execute(text("SET LOCAL session_replication_role = DEFAULT"))
    make_asset(name="Ukulele orchestra", **offset(3000))
    admin = SessionUser(make_user("admin"))
    for sql in _ANALYZE.split(";"):
        session.execute(text(sql))
    try:
        # the public, with no words, a category, "free" or a day open: marker_point's geography index walked in
        # distance order, stopping at the LIMIT, each row tested on its own columns (no place, link or service
        # read for the rows it drops; the day probed by the row's service). A category, a cost band or a day is
        # a test of the row's keys (migrations 0025, 0026), made in the walk's own index: only a row whose key
        # may pass is read
        for body, index in (
            ({}, "idx_marker_point_geog"),
            ({"category": "arts-and-music"}, "idx_marker_point_walk"),
            ({"radius_m": 3000, "free": True}, "idx_marker_point_walk"),
            ({"open_day": "monday"}, "idx_marker_point_walk"),
        ):
            nodes = _plan_nodes(body)
            assert _ordered_scan(nodes, index), (body, [(n["Node Type"], n.get("Index Name")) for n in nodes])
            if index == "idx_marker_point_walk":
                assert _keys_in_index(nodes), (body, nodes)
            assert not _reads(nodes, "location") and not _reads(nodes, "service_at_location"), body
            assert not any(n.get("Relation Name") == "attribute" and "Seq" in n["Node Type"] for n in nodes)
        # a common word ("walking": one listing in four), alone or with a category: the planner chooses between
        # that walk and the text index ANDed with the circle's box, but either way from marker_point alone
        for body in ({"q": "walking"}, {"q": "walking", "category": "arts-and-music"}):
            nodes = _plan_nodes(body)
            assert _reads(nodes, "marker_point") and not _reads(nodes, "location"), body
            assert not _reads(nodes, "service_at_location"), body
        # a common word in a small circle: walked nearest first, as reading the words' index would read
        # thousands of places to keep a few hundred (queries.walks, from the planner's own estimates)
        # and so with a filter almost none pass ("free": these listings have no cost options): the words' index
        # would still read the entries of every listing holding the word
        # (the words tested in the walk's index)
        for body in ({"q": "walking", "radius_m": 200}, {"q": "walking", "radius_m": 200, "free": True}):
            nodes = _plan_nodes(body)
            assert _ordered_scan(nodes, "idx_marker_point_walk") and _keys_in_index(nodes), (
                body,
                [(n["Node Type"], n.get("Index Name")) for n in nodes],
            )
            assert not any(n.get("Index Name") == "idx_marker_point_keys" for n in nodes), body
        # a word only one listing holds, typed right or misspelt: the plan starts from the text GIN index on
        # marker_point (or the listings' text), never from the circle's thousands of points in distance order
        for body in ({"q": "ukulele", "radius_m": 5000}, {"q": "ukelele", "radius_m": 5000}):
            nodes = _plan_nodes(body)
            text_first = [
                n
                for n in nodes
                if n.get("Relation Name") == "marker_point" and "@@" in n.get("Filter", "") + n.get("Recheck Cond", "")
            ]
            assert text_first or any(n.get("Index Name") == "idx_marker_point_keys" for n in nodes), body
            assert not _ordered_scan(nodes, "idx_marker_point_geog"), (body, nodes)
            assert not _ordered_scan(nodes, "idx_marker_point_walk"), (body, nodes)
        # an admin may locate every refuge: the places themselves, walked by location_geog_gist
        nodes = _plan_nodes({"category": "arts-and-music"}, admin)
        assert _ordered_scan(nodes, "location_geog_gist") and not _reads(nodes, "marker_point"), [
            (n["Node Type"], n.get("Index Name"), n.get("Relation Name")) for n in nodes
        ]
        nodes = _plan_nodes({"q": "ukulele", "radius_m": 5000}, admin)
        assert any(n.get("Index Name") == "service_search_tsv_gin" for n in nodes) or any(
            n.get("Relation Name") == "service" and "@@" in n.get("Filter", "") + n.get("Recheck Cond", "")
            for n in nodes
        ), nodes
        assert not _ordered_scan(nodes, "location_geog_gist"), nodes
    finally:
        session.execute(text("SET LOCAL session_replication_role = replica"))
        session.execute(
            text("DELETE FROM marker_point WHERE service_id IN (SELECT id FROM service WHERE source = 'plan')")
        )
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


# --------------------------------------------------------------------------- candidates from marker_point

_WORDS = ["walking", "lunch", "choir", "yoga", "craft", "support", "garden", "chess"]
_CATEGORIES = ["social-groups", "physical-activity", "arts-and-music", "peer-support", "learning"]
_AUDIENCES = ["all-adults", "older-people", "dementia", "unpaid-carers"]


def _random_world(rng: random.Random, n: int = 48) -> None:
    """Listings of every kind round the search point: two visibilities and refuges, fresh and stale, words in
    names and descriptions, categories, audiences, costs, ways to take part, sessions and accessibility, a
    service with two places, and services with no place covering the ward."""
    for i in range(n):
        word, other = rng.sample(_WORDS, 2)
        make_asset(
            name=f"{word.title()} {rng.choice(['group', 'club', 'circle'])} {i}",
            description=f"A {rng.choice(['weekly', 'friendly', 'quiet'])} {other} session for everyone.",
            visibility=rng.choice(["public", "public", "practitioners", "confidential"]),
            last_verified=rng.choice(["2026-09-01", "2024-01-10"]),
            categories=";".join(rng.sample(_CATEGORIES, rng.randint(1, 2))),
            audiences=rng.choice(_AUDIENCES),
            modes=rng.choice(["in_person", "in_person;online", "online;phone"]),
            schedule=rng.choice(["mon 10:00-12:00", "wed 14:00-16:00", "sat 18:00-20:00", ""]),
            cost_amount=rng.choice(["0", "2.5", "4", "10"]),
            cost_description="",
            accessibility=rng.choice(["wheelchair", "wheelchair;hearing-loop", "step-free", ""]),
            **offset(rng.uniform(-2500, 2500), rng.uniform(-2500, 2500)),
        )
    two = make_asset(name="Walking club with two halls", **offset(1200))
    other = make_asset(name="Garden club", categories="green-spaces", **offset(-300, 200))
    session.execute(
        text(
            "INSERT INTO service_at_location (id, service_id, location_id) SELECT gen_random_uuid(), :s, location_id "
            "FROM service_at_location WHERE service_id = :o"
        ),
        {"s": two.id, "o": other.id},
    )
    make_asset(
        name="Support line", modes="phone", lon="", lat="", service_area_wards=LADYWOOD, categories="peer-support"
    )
    make_asset(name="Lunch by phone", modes="phone", lon="", lat="", service_area_wards="E05011168")
    session.commit()


def _random_filters(rng: random.Random) -> Filters:
    pick = lambda options: tuple(rng.sample(options, rng.randint(1, 2))) if rng.random() < 0.2 else ()  # noqa: E731
    words = rng.choice(["", "", "walking", "lunch club", "choir or yoga", "wlking", "garden support", "dementia"])
    return Filters(
        radius_m=rng.choice([800.0, 1609.344, 3000.0]),
        q=words,
        sort=rng.choice(["best", "nearest"]),
        category=pick(_CATEGORIES),
        audience=pick(_AUDIENCES),
        cost=rng.choice([None, None, "free", "up-to-3", "up-to-5"]),
        mode=pick(["in_person", "online", "phone"]),
        open_day=pick(["monday", "wednesday", "saturday"]),
        open_part=pick(["morning", "afternoon", "evening"]),
        access=pick(["wheelchair", "hearing-loop", "step-free"]),
        this_week=rng.random() < 0.15,
    )


def _result(page: queries.ResultPage) -> tuple:
    return (page.hits, page.total, page.places, page.area_served, page.hidden, page.total_capped, page.sort)


@pytest.mark.parametrize("prepared", [False, True], ids=["planned-each", "prepared"])
def test_candidates_from_marker_point_give_the_same_pages_as_the_full_statement(
    db, app_ctx, monkeypatch, _transaction, prepared
):
    """Random searches (words, categories, audiences, cost, ways to take part, days, parts of the day, this
    week, accessibility) by the public and by a practitioner, page by page: the near view's candidates read
    from ``marker_point`` give the very hits (order, distances, freshness, ideas matched, marked words), the
    total and its split that the full statement gives, and that the same scan over ``location`` gives.

    ``prepared``: every statement prepared at its first run (psycopg does so at its sixth on a connection),
    so each search without words or key tests runs the one generic plan of its statement
    (``_nearest_first_plan``; that PostgreSQL then keeps one plan: tests/test_db_prepared.py)."""
    raw = _transaction.connection.dbapi_connection
    threshold = raw.prepare_threshold
    if prepared:
        raw.prepare_threshold = 0
    generic: list[bool] = []
    real = queries.planner_off

    def recording(when, *methods, **kw):
        generic.append(when and kw.get("generic", False))
        return real(when, *methods, **kw)

    monkeypatch.setattr(queries, "planner_off", recording)
    try:
        _compare_candidates(monkeypatch)
    finally:
        raw.prepare_threshold = threshold
    assert sum(generic) >= 10, sum(generic)  # enough searches ran under one plan for any values


def _compare_candidates(monkeypatch) -> None:
    rng = random.Random(1611)
    _random_world(rng)
    practitioner = SessionUser(make_user("practitioner"))
    session.commit()
    users = {"public": Anonymous(), "practitioner": practitioner}
    real = queries._nearest_page
    used: list = []

    def recording(*a, **kw):
        used.append(real(*a, **kw))
        return used[-1]

    from_points = 0
    for i in range(45):
        f = _random_filters(rng)
        who = rng.choice(list(users))
        user = users[who]
        origin = queries.Origin(LON + rng.uniform(-0.005, 0.005), LAT + rng.uniform(-0.003, 0.003), areas_known=False)
        shape = queries._shape_and_values(origin, f, user, "near", None)[0]
        assert shape.points == (("public",) if who == "public" else ("public", "practitioners"))
        for page in (1, 2, 3):
            args = (origin, f, user, "near", page, 4, True)
            used.clear()
            monkeypatch.setattr(queries, "_nearest_page", recording)
            new = queries.search(*args)
            monkeypatch.setattr(queries, "_nearest_page", lambda *a, **kw: None)
            full = queries.search(*args)
            monkeypatch.setattr(queries, "_nearest_page", real)
            monkeypatch.setattr(queries, "POINT_CANDIDATES", False)
            scan = queries.search(*args)
            monkeypatch.setattr(queries, "POINT_CANDIDATES", True)
            assert used[0] is not None  # under the cap every page comes from the KNN statement
            from_points += page == 1 and bool(new.hits)
            assert _result(new) == _result(full), (i, who, f, page)
            assert _result(new) == _result(scan), (i, who, f, page)
    assert from_points > 22  # most searches found something to compare


def test_past_the_cap_candidates_from_marker_point_are_the_nearest_ones(db, app_ctx, monkeypatch):
    """With a cap of 5 the page is cut from the 5 nearest matching places: the same ones from either table."""
    rng = random.Random(27)
    _random_world(rng)
    monkeypatch.setattr(queries, "COUNT_CAP", 5)
    capped = 0
    for _ in range(30):
        f = dataclasses.replace(_random_filters(rng), open_day=(), open_part=(), access=(), this_week=False)
        origin = queries.Origin(LON, LAT, areas_known=False)
        new = queries.search(origin, f, Anonymous(), "near", 1, 3, True)
        monkeypatch.setattr(queries, "POINT_CANDIDATES", False)
        scan = queries.search(origin, f, Anonymous(), "near", 1, 3, True)
        monkeypatch.setattr(queries, "POINT_CANDIDATES", True)
        capped += new.total_capped
        assert _result(new) == _result(scan), f
    assert capped > 5


def test_admins_and_coordinators_still_scan_places(db, app_ctx):
    """Who may locate a refuge by distance (an admin, a coordinator in the refuge's wards) has the near view
    read from ``location``: ``marker_point`` holds no confidential place. The ward view never reads it."""
    origin = queries.Origin(LON, LAT, areas_known=False)
    for user in (SessionUser(make_user("admin")), SessionUser(make_user("coordinator", wards=[LADYWOOD]))):
        assert queries._shape_and_values(origin, Filters(), user, "near", None)[0].points == ()
    assert queries._shape_and_values(origin, Filters(), SessionUser(make_user("coordinator")), "near", None)[0].points
    assert queries._shape_and_values(origin, Filters(), Anonymous(), "ward", None)[0].points == ()


def _attribute_lookups(body: dict, user) -> int:
    """How many rows of the near view's page, run for ``user``, had their categories looked up in the
    ``attribute`` table (EXPLAIN ANALYZE: the runs of the sub-plans that read it)."""

    def reads(node) -> bool:
        return node.get("Relation Name") == "attribute" or any(reads(n) for n in node.get("Plans", []))

    nodes = _plan_nodes(body, user, analyze=True)
    return sum(n["Actual Loops"] for n in nodes if n.get("Parent Relationship") == "SubPlan" and reads(n))


def test_a_page_from_marker_point_takes_its_categories_from_the_candidates(db, app_ctx):
    """A page cut from ``marker_point``'s candidates carries their kept copy of the terms, so its categories
    are never looked up in ``attribute`` (5,000,000 rows at national scale, 25-265 ms for 20 hits when its
    pages were not in memory); a page whose rows come from ``location`` (a coordinator who may locate a
    refuge) or from a service covering the ward still looks them up. Both give the same categories."""
    make_asset(name="Choir", categories="arts-and-music;learning", **offset(100))
    make_asset(name="Walk", categories="physical-activity", **offset(200))
    make_asset(
        name="Support line", modes="phone", lon="", lat="", service_area_wards=LADYWOOD, categories="peer-support"
    )
    session.commit()
    origin = queries.Origin(LON, LAT, areas_known=False)
    coordinator = SessionUser(make_user("coordinator", wards=[LADYWOOD]))
    public = queries.search(origin, Filters(), Anonymous(), "near", 1, 20, False)
    scanned = queries.search(origin, Filters(), coordinator, "near", 1, 20, False)
    expected = {
        "Choir": ["arts-and-music", "learning"],
        "Walk": ["physical-activity"],
        "Support line": ["peer-support"],
    }
    assert {h.name: h.categories for h in public.hits} == expected
    assert {h.name: h.categories for h in scanned.hits} == expected
    # the public's two places from the candidates, the ward's listing looked up: one loop
    assert _attribute_lookups({}, Anonymous()) == 1
    assert _attribute_lookups({}, coordinator) == 3
