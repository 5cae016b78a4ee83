"""`assetmap import oruk`: another publisher's ORUK 3.0 feed, served on 127.0.0.1 or saved to a file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from assetmap.db import session
from assetmap.directory.imports.feed import FeedError, base_url, fetch, read_file
from assetmap.directory.imports.usecases import import_feed
from assetmap.directory.store import service_snapshot
from assetmap.models import AssetChange, Location, Service, ServiceAtLocation
from assetmap.opendata.cli import oruk as oruk_command
from tests.factories import YORK_POSTCODE, make_asset
from tests.oruk_helpers import (
    FIXTURES,
    FeedApp,
    FeedAppV1,
    assert_valid_service,
    fixture_services,
    fixture_services_v1,
    serve,
)

WALK_ID = "5f0c1a3e-2b7d-4c59-9d7a-3b1e4a6f8c21"
COUNSELLING_ID = "ac148810-d857-441c-9679-408f346de14b"


def imported(source: str) -> dict[str, Service]:
    rows = session.execute(select(Service).where(Service.source == source)).scalars()
    return {s.source_id: s for s in rows}


@pytest.fixture
def feed():
    app = FeedApp(fixture_services())
    with serve(app) as url:
        app.url = url + "/oruk"
        yield app


# --------------------------------------------------------------------------- dry run and apply


def test_dry_run_reports_every_outcome_and_writes_nothing(app_ctx, db, feed):
    from assetmap.opendata.schemas import validator

    report = import_feed(feed.url, conformance=validator("service"))
    assert report.source.startswith("oruk:127.0.0.1:") and not report.applied
    assert report.services_read == 6
    assert sorted(report.created) == [
        "Acomb Men's Shed",
        "Community Counselling",
        "Ladywood Telephone Befriending",
        "Walking for Health Birmingham (Cannon Hill Park)",
        "Walking for Health Birmingham (Ladywood Community Centre)",
    ]
    assert {(s.name, s.reason) for s in report.skipped} == {
        ("Old Drop-in", "its status is defunct"),
        ("Somewhere in MyCity", "That point is outside Great Britain."),
    }
    assert report.defaulted_category == ["Community Counselling"]
    assert set(report.unmapped_terms) == {"name", "Walking"}
    assert sum(report.wards.values()) == 4 and not report.outside and report.area_only == 1
    assert any("Guildhall" in label for label in report.wards)
    assert imported(report.source) == {}
    text = "\n".join(report.lines(verbose=True))
    assert "5 would be created" in text and "skipped Old Drop-in" in text and "information-and-advice" in text
    assert "email left out" in text
    assert "not valid ORUK 3.0 at email: 'not-an-email' is not a 'email'" in text  # checked against the schema
    assert not any("not valid ORUK" in note for _, note in import_feed(feed.url).notes)  # only when asked to


def test_feed_pages_are_all_read_then_each_full_record(app_ctx, db, feed):
    import_feed(feed.url)
    assert feed.requests.count("/oruk/services") == 3  # six services, two a page
    assert len([r for r in feed.requests if r.startswith("/oruk/services/")]) == 6


def ward_of(service: Service) -> str | None:
    """The ward the database trigger gave the asset's place (read back, not the stale ORM copy)."""
    return session.execute(
        select(Location.ward_code)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .where(ServiceAtLocation.service_id == service.id)
    ).scalar_one()


def test_apply_maps_services_into_our_model_and_places_them_in_wards(app_ctx, db, feed):
    report = import_feed(feed.url, apply=True)
    assets = imported(report.source)
    assert sorted(assets) == sorted(
        [
            COUNSELLING_ID,
            WALK_ID,
            f"{WALK_ID}@7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "c3f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
            "c6f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        ]
    )
    counselling = service_snapshot(assets[COUNSELLING_ID])
    assert counselling["categories"] == ["information-and-advice"]
    assert counselling["accessibility"] == ["hearing-loop", "wheelchair"]
    # the standard's example schedule is WEEKLY with a BYMONTHDAY, which RFC 5545 forbids: left out, and said why
    assert counselling["schedule"] == []
    assert any(
        "1 schedule(s) we cannot hold were left out (the first: a weekly session cannot also be on days of the month)"
        in note
        for _name, note in report.notes
    ), report.notes
    assert (counselling["cost_amount"], counselling["cost_description"]) == ("35", "per 1 hour session")
    assert (counselling["contact_name"], counselling["postcode"], counselling["organisation"]) == (
        "Ann Persona",
        "YO1 7HH",
        "Example Organization Inc.",
    )
    assert ward_of(assets[COUNSELLING_ID]) == "E05010318"  # Guildhall, York

    walk = service_snapshot(assets[WALK_ID])
    assert (walk["categories"], walk["audiences"], walk["capabilities"]) == (
        ["physical-activity"],
        ["older-people"],
        ["enjoyment"],
    )
    assert walk["schedule"] == ["mon 10:00-11:30", "1st sat 10:00-12:00 (Longer walk on the first Saturday)"]
    assert walk["accessibility"] == ["step-free"]
    assert walk["phone"] == "0121 496 0123" and walk["cost_amount"] == "0"
    assert ward_of(assets[WALK_ID]) == "E05011122"  # Balsall Heath West
    assert ward_of(assets[f"{WALK_ID}@7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"]) == "E05011151"  # Ladywood

    phone = service_snapshot(assets["c3f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"])
    assert (phone["modes"], phone["service_area_wards"], phone["schedule"]) == (
        ["phone"],
        ["E05011151"],
        ["tue,thu 14:00-16:00"],
    )
    shed = service_snapshot(assets["c6f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"])
    assert (shed["postcode"], shed["email"], shed["categories"], shed["asset_type"]) == (
        "YO24 3AB",
        "",
        ["social-groups"],
        "association",
    )
    assert (shed["lat"], shed["lon"]) == (53.952113, -1.130871)  # the postcode's centroid
    assert ward_of(assets["c6f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"]) == "E05010330"  # Westfield, York
    actions = (
        session.execute(
            select(AssetChange.action)
            .join(Service, Service.id == AssetChange.service_id)
            .where(Service.source == report.source)
        )
        .scalars()
        .all()
    )
    assert actions == ["import"] * 5  # each asset's history starts with the import


def test_reimport_updates_instead_of_duplicating(app_ctx, db, feed):
    first = import_feed(feed.url, apply=True)
    again = import_feed(feed.url, apply=True)
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 5)
    befriending = next(i for i, s in enumerate(feed.services) if s["id"] == "c3f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
    feed.services[befriending] = dict(feed.services[befriending], name="Ladywood Phone Friends")
    feed.services = [s for s in feed.services if s["id"] != "c6f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"]
    third = import_feed(feed.url, apply=True)
    assert third.updated == [("Ladywood Phone Friends", ["name"])]
    assert (len(third.created), len(third.unchanged)) == (0, 3)
    assert third.gone == ["Acomb Men's Shed"]
    assets = imported(first.source)
    assert len(assets) == 5
    assert (
        assets["c3f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"].name,
        assets["c3f1d2e4-5a6b-4c7d-8e9f-0a1b2c3d4e5f"].version,
    ) == ("Ladywood Phone Friends", 2)


def test_reimport_updates_an_asset_with_accessibility_features(app_ctx, db, feed):
    import_feed(feed.url, apply=True)
    feed.services[0] = dict(feed.services[0], name="Community Counselling York")
    report = import_feed(feed.url, apply=True)
    assert report.updated == [("Community Counselling York", ["name"])]


def test_a_record_that_cannot_be_fetched_is_skipped_with_the_reason(app_ctx, db):
    app = FeedApp(fixture_services(), broken={WALK_ID})
    with serve(app) as url:
        report = import_feed(url + "/oruk/services", apply=True)
    [skip] = [s for s in report.skipped if s.feed_id == WALK_ID]
    assert "could not be fetched" in skip.reason and "HTTP 500" in skip.reason
    assert len(report.created) == 3


def test_apply_is_all_or_nothing(app, db, feed, monkeypatch, runner):
    import assetmap.directory.imports.apply as loader

    real, calls = loader.create_asset, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away mid-import")
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "create_asset", failing)
    result = runner.invoke(oruk_command, [feed.url, "--apply"])
    assert result.exit_code != 0 and len(calls) == 3
    with app.app_context():
        assert (
            session.execute(
                select(func.count()).select_from(Service).where(Service.source.like("oruk:127.0.0.1:%"))
            ).scalar_one()
            == 0
        )


# --------------------------------------------------------------------------- ORUK version 1 feeds

V1_CREATED = ["Ladywood Lunch Club", "York Chess Evening"]


def _check_v1_assets(source: str) -> None:
    found = imported(source)
    assert set(found) == {"0e7d3a52-6c1b-4c87-9d1e-1f0a7b2c9d01", "0e7d3a52-6c1b-4c87-9d1e-1f0a7b2c9d02"}
    lunch = service_snapshot(found["0e7d3a52-6c1b-4c87-9d1e-1f0a7b2c9d01"])
    assert (lunch["categories"], lunch["schedule"], lunch["postcode"], lunch["address"]) == (
        ["community-meals-and-food"],
        ["tue 12:00-14:00"],
        "B1 1BA",
        "Ladywood Middleway",
    )
    assert lunch["accessibility"] == ["hearing-loop", "wheelchair"] and lunch["phone"] == "0121 496 0100"
    chess = service_snapshot(found["0e7d3a52-6c1b-4c87-9d1e-1f0a7b2c9d02"])
    assert (chess["categories"], chess["schedule"], chess["postcode"]) == (
        ["social-groups"],
        ["thu 18:30-21:00"],
        "YO1 7HH",
    )  # weekday 4 counted from Monday; placed by postcode
    assert chess["lat"] is not None


@pytest.mark.parametrize("from_zero", [False, True], ids=["pages-from-1", "pages-from-0"])
def test_version_1_feed_pages_and_services_are_imported(app_ctx, db, from_zero):
    app = FeedAppV1(fixture_services_v1(), from_zero=from_zero)
    with serve(app) as url:
        report = import_feed(url + "/oruk", apply=True)
    assert sorted(report.created) == V1_CREATED
    assert [(s.name, s.reason) for s in report.skipped] == [("Closed Coffee Morning", "its status is defunct")]
    assert app.pages == ([1, 0, 1] if from_zero else [1, 2])  # asked for 1, told it was not the first: 0, then 1
    _check_v1_assets(report.source)


def test_version_1_page_saved_to_a_file_is_imported(app_ctx, db, tmp_path):
    page = tmp_path / "v1.json"
    page.write_text(
        json.dumps(
            {
                "totalElements": 3,
                "totalPages": 1,
                "number": 1,
                "first": True,
                "last": True,
                "content": fixture_services_v1(),
            }
        )
    )
    report = import_feed(str(page), apply=True)
    assert sorted(report.created) == V1_CREATED
    _check_v1_assets(report.source)


# --------------------------------------------------------------------------- files and bad feeds


def test_import_from_a_saved_file_and_its_other_shapes(app_ctx, db, tmp_path):
    report = import_feed(str(FIXTURES / "services.json"), apply=True)
    assert report.source == "oruk:services.json" and len(report.created) == 5
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"total_items": 6, "contents": fixture_services()}))
    assert len(import_feed(str(page)).created) == 5
    lines = tmp_path / "feed.ndjson"
    lines.write_text("\n".join(json.dumps(s) for s in fixture_services()))
    assert len(import_feed(str(lines)).created) == 5
    single = tmp_path / "one.json"
    single.write_text(json.dumps(fixture_services()[2]))
    assert import_feed(str(single)).created == ["Ladywood Telephone Befriending"]


@pytest.mark.parametrize(
    "content,message",
    [
        ("not json at all {", "is not JSON"),
        ('{"hello": "world"}', "holds no Open Referral UK services"),
    ],
)
def test_unreadable_files_say_why(app_ctx, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(FeedError, match=message):
        read_file(path)


def test_feed_that_is_not_oruk_or_not_there_says_why(app_ctx, db):
    def not_oruk(environ, start_response):
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"services": []}']

    with serve(not_oruk) as url:
        with pytest.raises(FeedError, match="not an Open Referral UK list of services"):
            import_feed(url + "/oruk")
    with serve(FeedApp([])) as url:
        gone = url
    with pytest.raises(FeedError, match="Could not reach"):
        import_feed(gone + "/oruk")
    with pytest.raises(FeedError, match="is not a file"):
        import_feed("/no/such/feed.json")


def test_base_url_accepts_the_api_stub_or_its_services_list():
    assert base_url("https://x.gov.uk/oruk/") == "https://x.gov.uk/oruk"
    assert base_url("https://x.gov.uk/oruk/services?page=2") == "https://x.gov.uk/oruk"


def test_unusable_services_are_skipped_not_fatal(app_ctx, db, tmp_path):
    services = [
        "a string, not a service",
        {"name": "No id"},
        {"id": "x1", "description": "no name"},
        {"id": "x2", "name": "Nowhere", "status": "active"},
        {
            "id": "x3",
            "name": "Too long " * 40,
            "service_areas": [{"id": "a", "uri": "http://statistics.data.gov.uk/id/statistical-geography/E05011151"}],
        },
        {
            "id": "x4",
            "name": "Fine",
            "service_areas": [{"id": "a", "name": "Ladywood E05011151"}],
            "assured_date": "2999-01-01",
            "url": "ftp://old.example.org",
            "cost_options": [{"id": "c", "amount": -3}],
        },
    ]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(services))
    report = import_feed(str(path), apply=True)
    reasons = {s.feed_id: s.reason for s in report.skipped}
    assert reasons["?"] in ("it is not a JSON object", "it has no id, so a re-import could not find it again")
    assert reasons["x1"] == "it has no name"
    assert reasons["x2"].startswith("it has no location we can place")
    assert "200 characters or fewer" in reasons["x3"]
    assert report.created == ["Fine"]
    notes = [n for _, n in report.notes]
    assert any(n.startswith("last verified left out") for n in notes)
    assert any(n.startswith("url left out") for n in notes) and any(n.startswith("cost amount left out") for n in notes)


# --------------------------------------------------------------------------- the command


def test_command_dry_run_then_apply(app, db, feed, runner):
    from assetmap.cli import main

    dry = runner.invoke(main, ["import", "oruk", feed.url])
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing written" in dry.output and "5 would be created" in dry.output
    assert "skipped Old Drop-in" in dry.output
    done = runner.invoke(oruk_command, [feed.url, "--apply", "--verbose"])
    assert done.exit_code == 0, done.output
    assert "5 created" in done.output and "Guildhall" in done.output
    again = runner.invoke(oruk_command, [feed.url, "--apply"])
    assert "0 created, 0 updated, 5 unchanged" in again.output


def test_command_reports_an_unreachable_feed_as_an_error(runner, app):
    result = runner.invoke(oruk_command, ["http://127.0.0.1:9/oruk"])
    assert result.exit_code == 1
    assert "Could not reach http://127.0.0.1:9/oruk/services" in result.output


# --------------------------------------------------------------------------- round trip

VOLATILE = {"id", "service_id", "location_id", "link_id", "organization_id", "last_modified"}


def normalise(node):
    """A record without the ids and timestamps a new database assigns afresh."""
    if isinstance(node, dict):
        return {k: normalise(v) for k, v in node.items() if k not in VOLATILE}
    if isinstance(node, list):
        return [normalise(v) for v in node]
    return node


COMPLEX_SCHEDULE = (
    "1st mon,last fri 10:00-12:00 not on bank holidays;every 2 weeks thu from 2026-01-08 14:00-15:30 term time only;"
    "15th of the month 09:00-10:00;on 2026-03-14 10:00-16:00 (Fun day);"
    "sat 10:00-12:00 from 2026-04-01 until 2026-09-30;every 3 months 2nd last tue from 2026-01-20 18:00-19:00"
)
#: what another publisher's feed may say, in every kind we hold (ORUK 3.0 schedule fields)
FEED_SCHEDULES = [
    {"freq": "WEEKLY", "interval": 1, "byday": "MO,WE", "opens_at": "10:00", "closes_at": "11:30"},
    {"freq": "MONTHLY", "byday": "1SA", "opens_at": "10:00", "closes_at": "12:00", "description": "Longer walk"},
    {"freq": "MONTHLY", "byday": "-1FR", "opens_at": "18:00", "closes_at": "20:00", "notes": "Not on bank holidays."},
    {"freq": "MONTHLY", "bymonthday": "15,-1", "opens_at": "09:00", "closes_at": "10:00"},
    {
        "freq": "WEEKLY",
        "interval": 2,
        "byday": "TH",
        "dtstart": "2026-01-08",
        "opens_at": "14:00",
        "closes_at": "15:30",
        "notes": "Term time only. Bring water.",
    },
    {"dtstart": "2026-03-14", "opens_at": "10:00", "closes_at": "16:00", "description": "Fun day"},
    {
        "freq": "WEEKLY",
        "byday": "SA",
        "valid_from": "2026-04-01",
        "valid_to": "2026-09-30",
        "opens_at": "08:00",
        "closes_at": "09:00",
    },
]


def test_a_feeds_schedules_and_closure_are_published_again_unchanged(app, app_ctx, db):
    walk = next(s for s in fixture_services() if s["id"] == WALK_ID)
    walk = {**walk, "schedules": FEED_SCHEDULES, "alert": "Temporarily closed from 2026-12-20 to 2027-01-03."}
    walk["service_at_locations"] = walk["service_at_locations"][:1]
    with serve(FeedApp([walk])) as url:
        report = import_feed(url + "/oruk", apply=True)
    assert report.created and not any("schedule" in note for _, note in report.notes), report.notes
    service = imported(report.source)[WALK_ID]
    with serve(app) as url:
        [exported] = fetch(url + "/oruk").services
    assert exported["id"] == str(service.id)
    assert_valid_service(exported)
    key = lambda s: json.dumps(s, sort_keys=True)  # noqa: E731 - the order of a feed's schedules is not kept
    assert sorted(map(key, normalise(exported["schedules"]))) == sorted(map(key, FEED_SCHEDULES))
    assert exported["alert"] == walk["alert"]


def test_round_trip_export_import_export_gives_the_same_records(app, app_ctx, db, tmp_path):
    make_asset(
        name="Ladywood Community Choir",
        categories="arts-and-music;social-groups",
        audiences="older-people;all-adults",
        capabilities="enjoyment;feeling-valued",
        asset_type="association",
        organisation="Ladywood Singers",
        schedule="mon 10:00-12:00;mon 14:00-15:00;thu 18:30-20:00",
        accessibility="wheelchair;hearing-loop;bsl",
        cost_amount="2.50",
        cost_description="per session",
        contact_name="Sam Jones",
        email="choir@example.org",
        phone="0121 496 0000",
        url="https://choir.example.org/",
        how_to_get_there="Bus 8",
        address="Ladywood Middleway",
    )
    make_asset(
        name="Walk and Talk",
        categories="physical-activity",
        modes="in_person;online",
        lon=-1.8939,
        lat=52.4779,
        cost_amount="",
        cost_description="Donations welcome",
        last_verified="",
        schedule=COMPLEX_SCHEDULE,
    )
    make_asset(
        name="York Lunch Club",
        categories="community-meals-and-food",
        lon=None,
        lat=None,
        postcode=YORK_POSTCODE,
        illustrative="yes",
        organisation="York Food Friends",
        schedule="wed 12:00-13:30;closed from 2026-12-20 to 2027-01-03",
    )
    make_asset(
        name="Telephone Befriending",
        categories="befriending",
        modes="phone;online",
        lon=None,
        lat=None,
        service_area_wards="E05011151;E05011122",
        phone="0121 496 0001",
        schedule="tue 14:00-16:00",
    )
    make_asset(name="Not for export", visibility="practitioners")
    make_asset(name="Also not for export", visibility="confidential")

    with serve(app) as url:  # export through our own API, over HTTP, with the importer's feed reader
        exported = sorted(fetch(url + "/oruk").services, key=lambda s: s["name"])
    assert [s["name"] for s in exported] == [
        "Ladywood Community Choir",
        "Telephone Befriending",
        "Walk and Talk",
        "York Lunch Club",
    ]
    for record in exported:
        assert_valid_service(record)
    saved = tmp_path / "our_feed.json"
    saved.write_text(json.dumps(exported))

    for service in session.execute(select(Service)).scalars():  # an empty directory
        session.delete(service)
    session.flush()
    report = import_feed(str(saved), apply=True)
    assert len(report.created) == 4 and not report.skipped and not report.notes
    assert not report.unmapped_terms and not report.defaulted_category

    with serve(app) as url:
        again = sorted(fetch(url + "/oruk").services, key=lambda s: s["name"])
    assert [normalise(r) for r in again] == [normalise(r) for r in exported]
    assert {s["id"] for s in again}.isdisjoint({s["id"] for s in exported})  # really new records
