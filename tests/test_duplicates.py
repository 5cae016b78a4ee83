"""Duplicates: the matching keys, the finder (index look-ups only, scored in Python), the warning before a
listing is added, the edit page's panel, "not duplicates", merging (fields chosen, histories kept, connections
and suggestions moved, the old address redirecting), a refuge never placed by a warning, and the report."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, text

from assetmap.db import session
from assetmap.directory import duplicates as finder
from assetmap.directory.duplicates import Probe, Viewer
from assetmap.directory.matching import Listing, compare, name_similarity
from assetmap.models import AssetChange, ConnectionLog, NotDuplicate, Service, Suggestion
from assetmap.upkeep import merging
from tests.factories import BIRMINGHAM_LONLAT, login
from tests.test_api_assets import bearer
from tests.upkeep_helpers import ACOMB, LADYWOOD, actor, fresh, make_asset, make_user

LON, LAT = BIRMINGHAM_LONLAT


def lunch_club(**kw):
    fields = {
        "name": "Ladywood Friendship Lunch Club",
        "description": "A hot two-course lunch and good company every Tuesday for older people in Ladywood.",
        "categories": "community-meals-and-food",
        "phone": "0121 496 0000",
        "email": "Lunch@Example.org",
        "url": "https://www.example.org/lunch/",
    }
    fields.update(kw)
    return make_asset(**fields)


def form(**overrides) -> dict:
    from tests.test_upkeep_assets import form_data

    return form_data(**overrides)


@pytest.fixture
def coordinator(db):
    return make_user("coordinator", wards=[LADYWOOD])


# --------------------------------------------------------------------------- matching (pure)


def test_matching_keys_make_one_phone_email_and_website_of_their_spellings(db):
    row = session.execute(
        text(
            "SELECT match_phone_key('+44 (0)121 496 0000'), match_phone_key('0121-4960000'), "
            "match_phone_key('0044 121 496 0000'), match_phone_key('999'), "
            "match_email_key('  Lunch@Example.ORG '), match_web_key('HTTPS://www.Example.org/lunch/?utm=x#top'), "
            "match_web_key('example.org/lunch')"
        )
    ).one()
    assert row[:3] == ("01214960000",) * 3
    assert row[3] is None  # too short to be a number
    assert row[4] == "lunch@example.org"
    assert row[5] == row[6] == "example.org/lunch"


def test_a_typo_near_the_same_place_is_likely_and_a_neighbour_with_another_name_is_not():
    held = Listing("Ladywood Friendship Lunch Club", point=(LON, LAT), phones=frozenset({"01214960000"}))
    typo = Listing("Ladywod Freindship Lunch Club", point=(LON + 0.0004, LAT))
    assert compare(held, typo).likely
    says = [r.says for r in compare(held, typo).alike]
    assert any(s.startswith("Names") for s in says) and any("m apart" in s or "same place" in s for s in says)
    neighbour = Listing("Ladywood Chess Club", point=(LON, LAT))
    assert not compare(held, neighbour).likely
    assert any(r.kind == "name" for r in compare(held, Listing("Tai Chi for Beginners", point=(LON, LAT))).differ)
    far = Listing("Ladywood Friendship Lunch Club", point=(LON + 0.3, LAT))
    assert not compare(held, far).likely  # one name, 20 km apart: a chain, not a duplicate


def test_shared_contacts_count_as_one_strong_reason_at_most():
    """Two groups of one organisation share a phone, email, website and charity number: not enough alone."""
    a = Listing(
        "Ladywood Youth Club",
        phones=frozenset({"01214960000"}),
        email="info@x.org",
        website="x.org",
        charity="1123456",
    )
    b = Listing(
        "Ladywood Carers Café",
        phones=frozenset({"01214960000"}),
        email="info@x.org",
        website="x.org",
        charity="1123456",
    )
    score = compare(a, b)
    assert sum(r.weight for r in score.reasons if r.kind in ("phone", "email", "website", "charity")) == 4.0
    assert not score.likely


def test_name_similarity_ignores_order_punctuation_and_saint():
    assert name_similarity("St Mary's Lunch Club", "Lunch Club, Saint Marys") == 1.0
    assert name_similarity("Friendship Lunch", "Acocks Green Friendship Lunch") >= 0.9
    assert name_similarity("Chess Club", "Lunch Club") < 0.8


def test_merging_combines_lists_takes_a_place_whole_and_keeps_the_latest_check():
    a = {"name": "A", "categories": ["x"], "address": "1 Road", "postcode": "B1 1BA", "lat": 1, "lon": 2}
    a |= {"last_verified": "2026-01-01", "verification_method": "visited"}
    b = {"name": "B", "categories": ["y"], "address": "2 Street", "postcode": "B2 2BB", "lat": 3, "lon": 4}
    b |= {"last_verified": "2026-06-01", "verification_method": "phoned"}
    keys = {g.key for g in merging.differing(a, b)}
    assert {"name", "categories", "place"} <= keys
    out = merging.combine(a, b, {"categories": "both", "place": "b"}, survivor="a")
    assert out["name"] == "A"
    assert out["categories"] == ["x", "y"]
    assert (out["address"], out["postcode"]) == ("2 Street", "B2 2BB")
    assert out["last_verified"] == "2026-06-01"
    assert merging.default_choice(merging.BY_KEY["name"], {"name": ""}, {"name": "B"}, "a") == "b"


# --------------------------------------------------------------------------- the finder


def test_the_finder_finds_by_name_place_and_contacts_and_says_why(db, coordinator):
    held = lunch_club()
    make_asset(name="Ladywood Chess Club", description="Chess for all ages, every Thursday evening in the hall.")
    probe = Probe(
        name="Ladywod Friendship Lunch",
        lon=LON + 0.0003,
        lat=LAT,
        phone="+44 121 496 0000",
        email="lunch@example.org ",
        categories=frozenset({"community-meals-and-food"}),
    )
    (matches,) = finder.find(Viewer.of(actor(coordinator)), [probe])
    assert [m.other.id for m in matches] == [held.id]
    says = [r.says for r in matches[0].score.alike]
    assert "Same phone number" in says and "Same email address" in says
    assert any("apart" in s or "same place" in s for s in says)


def test_a_contact_alone_finds_a_candidate_the_name_and_place_would_not(db, coordinator):
    held = lunch_club(lon=LON + 0.05)  # 3 km away: not near
    probe = Probe(name="Friendship Lunch Club (Ladywood)", phone="01214960000", url="http://example.org/lunch")
    (matches,) = finder.find(Viewer.of(actor(coordinator)), [probe])
    assert held.id in [m.other.id for m in matches]


def test_candidates_are_index_look_ups_never_a_scan_of_the_table(db):
    """EXPLAIN the one statement with sequential scans priced out: every way is answered by an index (the
    trigram index on names, the spatial index, the matching-key expression indexes)."""
    lunch_club()
    session.execute(
        text(
            "INSERT INTO service (name, description, status, modes, visibility, illustrative, version, email, url) "
            "SELECT 'Filler group ' || md5(i::text), '', 'active', ARRAY['in_person'], 'public', false, 1, "
            "'f' || i || '@example.org', 'https://f' || i || '.example.org' FROM generate_series(1, 3000) AS i"
        )
    )
    session.execute(
        text(
            "INSERT INTO phone (service_id, number) SELECT id, '0121 ' || lpad((row_number() OVER ())::text, 7, '0') "
            "FROM service WHERE name LIKE 'Filler group %'"
        )
    )
    session.execute(
        text(
            "WITH placed AS (INSERT INTO location (location_type, geom) SELECT 'physical', "
            "ST_SetSRID(ST_MakePoint(-2.0 + random() * 0.3, 52.35 + random() * 0.2), 4326) "
            "FROM generate_series(1, 3000) RETURNING id), "
            "numbered AS (SELECT id, row_number() OVER () AS n FROM placed), "
            "groups AS (SELECT id, row_number() OVER () AS n FROM service WHERE name LIKE 'Filler group %') "
            "INSERT INTO service_at_location (service_id, location_id) "
            "SELECT groups.id, numbered.id FROM groups JOIN numbered USING (n)"
        )
    )
    for table in ("service", "phone", "location", "service_at_location"):
        session.execute(text(f"ANALYZE {table}"))
    stmt = finder.candidates_statement()
    conn = session.connection()
    compiled = stmt.compile(bind=conn)
    params = finder.probe_params([Probe(name="Lunch Club", lon=LON, lat=LAT, phone="0121 496 0000", email="a@b.c")])
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(
        r[0] for r in conn.exec_driver_sql("EXPLAIN " + str(compiled), compiled.construct_params(params)).all()
    )
    for table in ("service", "location", "phone", "service_at_location"):
        assert f"Seq Scan on {table} " not in plan, plan
    for index in ("service_name_trgm_gist", "location_geog_gist", "phone_number_key", "service_email_key"):
        assert index in plan, plan


def test_pairs_said_not_duplicates_merged_and_archived_listings_are_not_raised(db, coordinator):
    a = lunch_club()
    b = lunch_club(name="Ladywood Friendship Lunch")
    viewer = Viewer.of(actor(coordinator))
    assert b.id in [m.other.id for m in finder.duplicates_of(viewer, a.id)]
    assert finder.mark_not_duplicates(b.id, a.id, coordinator.id) is True
    assert finder.mark_not_duplicates(a.id, b.id, coordinator.id) is False  # one row, in order
    assert finder.duplicates_of(viewer, a.id) == []
    assert finder.duplicates_of(viewer, b.id) == []
    c = lunch_club(name="Friendship Lunch Club Ladywood")
    c.archived_at = func.now()
    session.commit()
    assert c.id not in [m.other.id for m in finder.duplicates_of(viewer, a.id)]


# --------------------------------------------------------------------------- a refuge is never placed


def test_a_refuge_is_never_evidence_by_its_place_for_someone_who_may_not_edit_it(db):
    refuge = make_asset(name="Safe Haven House", description="", visibility="confidential")
    other_name = make_asset(name="Rose Cottage", description="", visibility="confidential")
    outsider = make_user("coordinator", wards=[ACOMB])
    keeper = make_user("coordinator", wards=[LADYWOOD])
    probe = Probe(name="Safe Haven", lon=LON, lat=LAT)

    (theirs,) = finder.find(Viewer.of(actor(outsider)), [probe])
    assert other_name.id not in [m.other.id for m in theirs]  # found only by its place: not shown
    for m in theirs:
        assert m.other.id != refuge.id or all(r.kind != "place" for r in m.score.reasons)
        assert not any("apart" in r.says or "same place" in r.says for r in m.score.reasons)

    (mine,) = finder.find(Viewer.of(actor(keeper)), [probe])
    found = {m.other.id: m for m in mine}
    assert refuge.id in found
    assert any(r.kind == "place" for r in found[refuge.id].score.reasons)

    # the report (it travels) never places a refuge either
    public_twin = make_asset(name="Safe Haven House", description="")
    for p in finder.pairs(finder.REPORT_VIEWER, [public_twin.id, refuge.id]):
        assert all(r.kind != "place" for r in p.score.reasons)


def test_a_public_visitor_is_never_shown_a_confidential_listing(db):
    make_asset(name="Safe Haven House", description="", visibility="confidential")
    (matches,) = finder.find(Viewer(None, frozenset()), [Probe(name="Safe Haven House", lon=LON, lat=LAT)])
    assert matches == []


# --------------------------------------------------------------------------- adding through the form


def test_adding_a_likely_duplicate_asks_first_and_adds_nothing(client, coordinator):
    held = lunch_club(name="Ladywood Lunch Club")
    login(client, coordinator)
    before = session.scalar(select(func.count()).select_from(Service))
    r = client.post("/assets/new", data=form(name="Ladywood Lunch Club"))
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "This may already be listed" in page and "Same phone number" in page
    assert f'name="checked_duplicate" value="{held.id}"' in page
    assert session.scalar(select(func.count()).select_from(Service)) == before

    r = client.post(
        "/assets/new",
        data=form(name="Ladywood Lunch Club", checked_duplicate=[str(held.id)], not_duplicates="yes"),
    )
    assert r.status_code == 302
    new_id = uuid.UUID(r.headers["Location"].split("/")[-2])
    pair = finder.ordered(new_id, held.id)
    assert session.get(NotDuplicate, pair) is not None


def test_a_listing_like_no_other_is_added_at_once(client, coordinator):
    lunch_club()
    login(client, coordinator)
    r = client.post(
        "/assets/new",
        data=form(name="Ladywood Bike Repair Café", phone="0121 496 0999", email="bikes@example.org", url=""),
    )
    assert r.status_code == 302


def test_saying_not_the_same_to_other_listings_than_those_shown_asks_again(client, coordinator):
    lunch_club(name="Ladywood Lunch Club")
    login(client, coordinator)
    r = client.post(
        "/assets/new",
        data=form(name="Ladywood Lunch Club", checked_duplicate=[str(uuid.uuid4())], not_duplicates="yes"),
    )
    assert r.status_code == 409


# --------------------------------------------------------------------------- the edit page and "not duplicates"


def test_the_edit_page_shows_possible_duplicates_and_not_duplicates_hides_them(client, coordinator):
    a = lunch_club()
    b = lunch_club(name="Ladywood Friendship Lunch")
    login(client, coordinator)
    page = client.get(f"/assets/{a.id}/edit").get_data(as_text=True)
    assert "Possible duplicates" in page and f"/assets/{a.id}/merge/{b.id}" in page

    r = client.post(
        "/duplicates/not-duplicates",
        data={"a": str(a.id), "b": str(b.id), "next": f"/assets/{a.id}/edit"},
    )
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/assets/{a.id}/edit")
    page = client.get(f"/assets/{a.id}/edit").get_data(as_text=True)
    assert f"/merge/{b.id}" not in page


@pytest.mark.parametrize(
    "data, status",
    [
        ({"a": "nope", "b": "nope"}, 400),
        ({"a": "00000000-0000-0000-0000-000000000001", "b": "00000000-0000-0000-0000-000000000001"}, 400),
        ({"a": "00000000-0000-0000-0000-000000000001", "b": "00000000-0000-0000-0000-000000000002"}, 404),
    ],
)
def test_not_duplicates_refuses_bad_input_plainly(client, coordinator, data, status):
    login(client, coordinator)
    assert client.post("/duplicates/not-duplicates", data=data).status_code == status


def test_not_duplicates_needs_one_of_the_two_to_be_yours(client, coordinator):
    york = make_user("coordinator", wards=[ACOMB])
    a, b = lunch_club(), lunch_club(name="Ladywood Friendship Lunch")
    login(client, york)
    assert client.post("/duplicates/not-duplicates", data={"a": str(a.id), "b": str(b.id)}).status_code == 403
    assert session.scalar(select(func.count()).select_from(NotDuplicate)) == 0


def test_the_list_of_pairs_shows_the_coordinators_pairs(client, coordinator):
    a, b = lunch_club(), lunch_club(name="Ladywood Friendship Lunch")
    login(client, coordinator)
    page = client.get("/duplicates").get_data(as_text=True)
    assert a.name in page and b.name in page and "Compare and merge" in page


# --------------------------------------------------------------------------- merging


def _merge_form(a, b, **choices):
    return {"version_a": str(a.version), "version_b": str(b.version), "survivor": "a", **choices}


def test_merging_chooses_fields_keeps_both_histories_moves_what_points_at_the_other_and_redirects(client, coordinator):
    a = lunch_club()
    b = lunch_club(
        name="Ladywood Friendship Lunch",
        description="Lunch on Tuesdays in the community hall, for anyone over 60 who would like company.",
        categories="social-groups",
    )
    session.add(ConnectionLog(service_id=b.id, ward_code=LADYWOOD))
    session.add(Suggestion(kind="problem", service_id=b.id, details="Time changed", proposed={}))
    session.commit()
    login(client, coordinator)

    page = client.get(f"/assets/{a.id}/merge/{b.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Why they look alike" in html and 'name="description"' in html and 'value="both"' in html

    r = client.post(f"/assets/{a.id}/merge/{b.id}", data=_merge_form(a, b, description="b", categories="both"))
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/assets/{a.id}/edit")
    survivor, other = fresh(Service, a.id), session.get(Service, b.id)
    assert survivor.name == "Ladywood Friendship Lunch Club"
    assert survivor.description == b.description
    from assetmap.directory.store import service_snapshot

    assert set(service_snapshot(survivor)["categories"]) == {"community-meals-and-food", "social-groups"}
    assert other.merged_into_id == a.id and other.archived_at is not None
    actions = lambda sid: [c.action for c in session.scalars(select(AssetChange).where(AssetChange.service_id == sid))]  # noqa: E731
    assert "merge" in actions(a.id) and "merged" in actions(b.id) and "create" in actions(b.id)
    assert session.scalar(select(func.count()).where(ConnectionLog.service_id == a.id)) == 1
    assert session.scalar(select(func.count()).where(Suggestion.service_id == a.id)) == 1

    # the other's addresses lead to the survivor; its history stays readable
    r = client.get(f"/assets/{b.id}/edit")
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/assets/{a.id}/edit")
    client.get("/sign-out")
    r = client.get(f"/assets/{b.id}")
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/assets/{a.id}")
    r = client.get(f"/oruk/services/{b.id}")
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/oruk/services/{a.id}")
    login(client, coordinator)
    assert client.get(f"/assets/{b.id}/history").status_code == 200
    r = client.get(f"/api/assets/{b.id}", headers=bearer(coordinator))
    assert r.status_code == 301 and r.headers["Location"].endswith(f"/api/assets/{a.id}")

    # no longer a candidate, and a second merge of it is refused
    assert finder.duplicates_of(Viewer.of(actor(coordinator)), a.id) == []
    r = client.post(f"/assets/{a.id}/merge/{b.id}", data=_merge_form(survivor, other))
    assert r.status_code in (301, 409)


def test_a_merge_sent_twice_merges_once(client, coordinator):
    a, b = lunch_club(), lunch_club(name="Ladywood Friendship Lunch")
    login(client, coordinator)
    data = {**_merge_form(a, b), "form_token": "merge-once-token-123456"}
    assert client.post(f"/assets/{a.id}/merge/{b.id}", data=data).status_code == 302
    r = client.post(f"/assets/{a.id}/merge/{b.id}", data=data)
    assert r.status_code == 303
    assert [c.action for c in session.scalars(select(AssetChange).where(AssetChange.service_id == a.id))].count(
        "merge"
    ) == 1


def test_a_merge_of_versions_changed_since_is_refused(client, coordinator):
    a, b = lunch_club(), lunch_club(name="Ladywood Friendship Lunch")
    login(client, coordinator)
    data = {**_merge_form(a, b), "version_b": str(b.version + 1)}
    assert client.post(f"/assets/{a.id}/merge/{b.id}", data=data).status_code == 409
    assert fresh(Service, b.id).merged_into_id is None


@pytest.mark.parametrize(
    "change, status",
    [
        ({"survivor": "c"}, 400),
        ({"description": "neither"}, 400),
        ({"version_a": "x"}, 400),
    ],
)
def test_a_merge_with_bad_choices_is_refused_plainly(client, coordinator, change, status):
    a = lunch_club()
    b = lunch_club(name="Ladywood Friendship Lunch", description="Something else entirely, said at some length.")
    login(client, coordinator)
    r = client.post(f"/assets/{a.id}/merge/{b.id}", data={**_merge_form(a, b), **change})
    assert r.status_code == status
    assert fresh(Service, b.id).merged_into_id is None


def test_only_a_coordinator_of_both_may_merge(client, coordinator):
    york = make_user("coordinator", wards=[ACOMB])
    a, b = lunch_club(), lunch_club(name="Ladywood Friendship Lunch")
    login(client, york)
    assert client.get(f"/assets/{a.id}/merge/{b.id}").status_code == 403
    assert client.post(f"/assets/{a.id}/merge/{b.id}", data=_merge_form(a, b)).status_code == 403
    assert client.get(f"/assets/{a.id}/merge/{a.id}").status_code in (400, 403)


def test_a_listing_cannot_be_merged_with_itself(client, coordinator):
    a = lunch_club()
    login(client, coordinator)
    assert client.get(f"/assets/{a.id}/merge/{a.id}").status_code == 400


# --------------------------------------------------------------------------- the report


def test_duplicates_report_lists_a_councils_pairs(runner, db):
    a, b = lunch_club(), lunch_club(name="Ladywood Friendship Lunch")
    result = runner.invoke(args=["duplicates", "report", "E08000025"])
    assert result.exit_code == 0, result.output
    assert "Birmingham" in result.output and a.name in result.output and b.name in result.output
    result = runner.invoke(args=["duplicates", "report", "E08000025", "--csv"])
    assert result.exit_code == 0 and str(a.id) in result.output and result.output.startswith("score,")
    result = runner.invoke(args=["duplicates", "report", "Nowhere"])
    assert result.exit_code != 0 and "No council" in result.output


# --------------------------------------------------------------------------- imports, the API, suggestions


def _import_rows():
    from tests.test_import_assets import ROW

    return [
        {**ROW, "source_id": "dup-1", "name": "Ladywood Lunch Club", "phone": "+44 121 4960000"},
        {**ROW, "source_id": "new-1", "name": "Ladywood Board Games Night", "postcode": "B1 1BA"},
    ]


def test_an_import_dry_run_finds_rows_that_may_already_be_listed(app_ctx, coordinator, runner):
    from assetmap.upkeep.usecases import imports
    from tests.test_import_assets import csv_bytes

    held = lunch_club(name="Ladywood Lunch Club")
    plan, _ = imports.plan_import(actor(coordinator), "assets.csv", csv_bytes(_import_rows()))
    assert list(plan.possible_duplicates) == [2]
    assert plan.possible_duplicates[2][0].other.id == held.id


def test_the_import_check_page_shows_rows_that_may_already_be_listed(client, coordinator):
    from io import BytesIO

    from tests.test_import_assets import csv_bytes

    lunch_club(name="Ladywood Lunch Club")
    login(client, coordinator)
    page = client.post(
        "/import",
        data={"file": (BytesIO(csv_bytes(_import_rows())), "assets.csv"), "source": "import"},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1 row may already be listed" in page and "Same phone number" in page


def test_the_api_answer_lists_what_a_new_listing_may_duplicate(client, coordinator):
    from tests.test_api_assets import NEW_ASSET, bearer

    held = lunch_club(name="API Walking Group", phone="0121 496 0001")
    resp = client.post("/api/assets", json=NEW_ASSET, headers=bearer(coordinator))
    assert resp.status_code == 201
    found = resp.get_json()["possible_duplicates"]
    assert [f["id"] for f in found] == [str(held.id)]
    assert "Same phone number" in found[0]["alike"]


def test_a_suggestion_shows_listings_it_may_already_be(client, coordinator):
    from tests.test_upkeep_queue import SUGGESTION

    held = lunch_club(name="Knit and Natter Ladywood")
    client.post("/suggest", data={**SUGGESTION, "name": "Knit & Natter, Ladywood"})
    row = session.scalars(select(Suggestion).where(Suggestion.kind == "new_asset")).one()
    login(client, coordinator)
    page = client.get(f"/review/suggestions/{row.id}").get_data(as_text=True)
    assert "It may already be listed" in page and held.name in page


def test_an_oruk_feed_dry_run_names_services_that_may_already_be_listed(app_ctx, db):
    from assetmap.directory.imports.usecases import import_feed
    from tests.oruk_helpers import FeedApp, fixture_services, serve

    held = make_asset(name="Ladywood Telephone Befriending Service", phone="+44 121 496 0456", description="")
    app = FeedApp(fixture_services())
    with serve(app) as url:
        report = import_feed(url + "/oruk")
    assert [name for name, _ in report.possible_duplicates] == ["Ladywood Telephone Befriending"]
    (line,) = report.possible_duplicates[0][1]
    assert str(held.id) in line and "Same phone number" in line
    assert any("may already be listed" in text for text in report.lines())


def test_the_import_command_names_rows_that_may_already_be_listed(runner, db, tmp_path):
    from assetmap.upkeep.cli import import_assets_cmd
    from tests.test_import_assets import csv_bytes

    held = lunch_club(name="Ladywood Lunch Club")
    path = tmp_path / "assets.csv"
    path.write_bytes(csv_bytes(_import_rows()))
    result = runner.invoke(import_assets_cmd, [str(path)])
    assert result.exit_code == 0, result.output
    assert "1 row to be added may already be listed" in result.output
    assert "row 2 (Ladywood Lunch Club): Ladywood Lunch Club" in result.output and str(held.id) in result.output
