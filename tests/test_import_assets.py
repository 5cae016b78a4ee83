"""Bulk import (dry run, all-or-nothing apply, idempotence, encodings, formats, scope, size) and export."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from assetmap.db import session
from assetmap.directory.imports.read import read_import
from assetmap.directory.records import TEMPLATE_FIELDS
from assetmap.errors import TooLarge, ValidationError
from assetmap.models import Service
from assetmap.schedules import render_session
from assetmap.upkeep.cli import export_assets_cmd, import_assets_cmd
from assetmap.upkeep.usecases import imports
from tests.factories import login
from tests.upkeep_helpers import ACOMB, LADYWOOD, actor, make_asset, make_user

ROW = {
    "source_id": "imp-1",
    "name": "Imported Lunch Club",
    "description": "Soup and a roll.",
    "categories": "community-meals-and-food",
    "audiences": "older-people",
    "capabilities": "enjoyment",
    "asset_type": "association",
    "modes": "in_person",
    "postcode": "B1 1BA",
    "schedule": "thu 12:00-13:30",
    "cost_amount": "2",
    "visibility": "public",
}


def csv_bytes(rows: list[dict], encoding="utf-8", newline="\r\n", bom=False) -> bytes:
    out = io.StringIO()
    fields = list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator=newline)
    writer.writeheader()
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def count(source="import") -> int:
    return session.execute(select(func.count()).select_from(Service).where(Service.source == source)).scalar_one()


@pytest.fixture
def admin(db, app_ctx):
    return actor(make_user("admin"))


@pytest.fixture
def coordinator(db, app_ctx):
    return actor(make_user("coordinator", wards=[LADYWOOD]))


# --------------------------------------------------------------------------- dry run and apply


def test_dry_run_reports_creates_updates_unchanged_and_every_error_with_row_and_field(admin):
    make_asset(source="import", source_id="imp-existing", name="Old name")
    session.commit()
    rows = [
        ROW,
        {**ROW, "source_id": "imp-existing", "name": "New name"},
        {**ROW, "source_id": "imp-bad", "name": "", "categories": "nonsense", "postcode": "B1 1BA"},
        {**ROW, "source_id": "imp-1", "name": "Duplicate id"},
    ]
    plan, read = imports.plan_import(admin, "assets.csv", csv_bytes(rows))
    assert [n for n, _ in plan.create] == [2]
    assert [(n, changes.keys() >= {"name"}) for n, _, _, changes in plan.update] == [(3, True)]
    errors = {(e.row, e.field) for e in plan.errors}
    assert errors == {(4, "name"), (4, "categories"), (5, "source_id")}
    assert count() == 1  # a dry run writes nothing


def test_apply_is_all_or_nothing_when_a_row_is_invalid(admin):
    bad = csv_bytes([ROW, {**ROW, "source_id": "imp-2", "postcode": "NOT A POSTCODE"}])
    with pytest.raises(ValidationError):
        imports.apply_import(admin, "assets.csv", bad)
    assert count() == 0


def test_apply_rolls_back_every_row_when_a_write_fails_midway(admin, monkeypatch):
    from assetmap.directory.imports import apply as loader

    real, calls = loader.create_asset, []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(loader, "create_asset", failing)
    with pytest.raises(RuntimeError):
        imports.apply_import(admin, "a.csv", csv_bytes([ROW, {**ROW, "source_id": "imp-2", "name": "Second"}]))
    assert count() == 0


def test_re_importing_the_same_file_changes_nothing(admin):
    data = csv_bytes(
        [
            ROW,
            {
                **ROW,
                "source_id": "imp-2",
                "name": "Second",
                "schedule": "mon 09:30-10:00;fri 14:00-16:00",
                "accessibility": "wheelchair;step-free",
                "lat": "52.4801",
                "lon": "-1.9025",
                "postcode": "",
            },
        ]
    )
    first = imports.apply_import(admin, "a.csv", data)
    assert len(first.create) == 2
    versions = dict(session.execute(select(Service.source_id, Service.version).where(Service.source == "import")).all())
    again, _ = imports.plan_import(admin, "a.csv", data)
    assert len(again.unchanged) == 2 and not again.create and not again.update and again.ok
    imports.apply_import(admin, "a.csv", data)
    assert (
        dict(session.execute(select(Service.source_id, Service.version).where(Service.source == "import")).all())
        == versions
    )


def test_a_changed_row_updates_the_asset_and_records_an_import_change(admin):
    imports.apply_import(admin, "a.csv", csv_bytes([ROW]))
    plan = imports.apply_import(admin, "a.csv", csv_bytes([{**ROW, "cost_amount": "2.50"}]))
    assert len(plan.update) == 1
    service = session.execute(select(Service).where(Service.source_id == "imp-1")).scalar_one()
    from assetmap.directory.store import history

    assert service.version == 2 and history(service.id)[0].action == "import"
    assert history(service.id)[0].changes["cost_amount"] == ["2", "2.5"]


# --------------------------------------------------------------------------- encodings and formats


def test_utf8_with_bom_crlf_and_quoted_newlines(admin):
    data = csv_bytes([{**ROW, "description": "Line one,\r\nline two with “quotes” and café"}], bom=True)
    f = read_import("a.csv", data)
    assert f.encoding == "UTF-8 with byte order mark" and f.numbers == [2]
    plan, _ = imports.plan_import(admin, "a.csv", data)
    assert plan.ok
    assert plan.create[0][1].description == "Line one,\r\nline two with “quotes” and café"


def test_windows_1252_is_read_and_reported(admin):
    data = csv_bytes([{**ROW, "name": "Café Club", "cost_description": "£2 – tea included"}], encoding="cp1252")
    f = read_import("a.csv", data)
    assert f.encoding == "Windows-1252"
    plan, _ = imports.plan_import(admin, "a.csv", data)
    rec = plan.create[0][1]
    assert rec.name == "Café Club" and rec.cost_description == "£2 – tea included"


def test_unreadable_bytes_are_refused_clearly(app_ctx):
    with pytest.raises(ValidationError, match="neither UTF-8 nor Windows-1252"):
        read_import("a.csv", b"name,source_id\r\n\x81\x8d,x\r\n")
    with pytest.raises(ValidationError, match="not a valid Excel workbook"):  # a zip: taken for a damaged .xlsx
        read_import("a.csv", b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ValidationError, match="does not look like a text file"):
        read_import("a.csv", b"\x00\x01\x02binary")


def test_utf16_spreadsheet_export_is_read(admin):
    data = csv_bytes([ROW], encoding="utf-16")
    assert read_import("a.csv", data).encoding == "UTF-16"
    assert imports.plan_import(admin, "a.csv", data)[0].ok


def test_csv_without_a_header_row_or_an_empty_file_is_refused(app_ctx):
    with pytest.raises(ValidationError, match="first row must name the columns"):
        read_import("a.csv", b"Lunch club,B1 1BA\r\n")
    with pytest.raises(ValidationError, match="empty"):
        read_import("a.csv", b"   ")


def test_blank_lines_keep_spreadsheet_row_numbers(admin):
    data = b"source_id,name\r\n\r\nx1,\r\n"
    plan, _ = imports.plan_import(admin, "a.csv", data)
    assert {(e.row, e.field) for e in plan.errors} >= {(3, "name")}


def test_geojson_points_are_imported_and_other_geometries_refused(admin):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-1.9025, 52.4801]},
                "properties": {**ROW, "postcode": None, "categories": ["community-meals-and-food", "social-groups"]},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                "properties": {**ROW, "source_id": "poly"},
            },
            {
                "type": "Feature",
                "geometry": None,
                "properties": {
                    **ROW,
                    "source_id": "phone-line",
                    "postcode": None,
                    "modes": "phone",
                    "service_area_wards": [LADYWOOD],
                },
            },
        ],
    }
    plan, read = imports.plan_import(admin, "a.geojson", json.dumps(doc).encode())
    assert read.format == "geojson"
    assert [(e.row, e.field) for e in plan.errors] == [(2, "geometry")]
    assert [n for n, _ in plan.create] == [1, 3]
    assert plan.create[0][1].lon == -1.9025 and plan.create[0][1].categories == [
        "community-meals-and-food",
        "social-groups",
    ]


def test_geojson_in_another_crs_is_refused(app_ctx):
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:27700"}}, "features": []}
    with pytest.raises(ValidationError, match="EPSG:4326"):
        read_import("a.geojson", json.dumps(doc).encode())


ORUK_SERVICE = {
    "id": "oruk-svc-1",
    "name": "Chair Yoga",
    "description": "Gentle yoga sitting down.",
    "url": "https://example.org/yoga",
    "email": "yoga@example.org",
    "organization": {"id": "org-1", "name": "Ladywood Wellbeing"},
    "service_at_locations": [
        {
            "location": {
                "name": "Hall",
                "latitude": 52.4801,
                "longitude": -1.9025,
                "addresses": [{"address_1": "1 Hall Street", "city": "Birmingham", "postal_code": "B1 1BA"}],
                "accessibility": [{"description": "Wheelchair accessible, step-free entrance"}],
            }
        }
    ],
    "schedules": [{"freq": "WEEKLY", "byday": "MO,WE", "opens_at": "10:00:00", "closes_at": "11:00:00"}],
    "cost_options": [{"amount": 3, "currency": "GBP", "amount_description": "£3 a class"}],
    "phones": [{"number": "0121 496 0002"}],
    "contacts": [{"name": "Ali"}],
    "attributes": [
        {"taxonomy_term": {"code": "physical-activity", "taxonomy": "category"}},
        {"taxonomy_term": {"code": "older-people"}},
        {"taxonomy_term": {"code": "not-ours", "taxonomy": "esd"}},
    ],
}


def test_open_referral_uk_json_maps_onto_the_template(admin):
    plan, read = imports.plan_import(admin, "oruk.json", json.dumps({"contents": [ORUK_SERVICE]}).encode())
    assert read.format == "oruk" and plan.ok, plan.errors
    rec = plan.create[0][1]
    assert rec.source_id == "oruk-svc-1" and rec.organisation == "Ladywood Wellbeing"
    assert rec.categories == ["physical-activity"] and rec.audiences == ["older-people"]
    assert [render_session(s) for s in rec.schedule] == ["mon,wed 10:00-11:00"]
    assert rec.postcode == "B1 1BA" and rec.address == "1 Hall Street" and rec.lat == 52.4801
    assert rec.accessibility == ["wheelchair", "step-free"] and str(rec.cost_amount) == "3.00"
    assert rec.phone == "0121 496 0002" and rec.contact_name == "Ali"


def test_an_oruk_upload_maps_services_as_a_feed_import_does(admin):
    """One asset per place, wards named in service areas; a service that cannot be an asset is an error."""
    import copy

    two_places = copy.deepcopy(ORUK_SERVICE)
    two_places["service_at_locations"].append(
        {
            "location": {
                "id": "loc-2",
                "name": "Library",
                "latitude": 52.4812,
                "longitude": -1.9102,
                "addresses": [{"address_1": "2 Library Way", "postal_code": "B1 2ND"}],
            }
        }
    )
    phone_line = {
        "id": "line-1",
        "name": "Befriending line",
        "description": "Weekly calls.",
        "phones": [{"number": "0121 496 0000"}],
        "attributes": [{"taxonomy_term": {"code": "social-groups", "taxonomy": "category"}}],
        "service_areas": [{"name": "Ladywood"}],
    }
    unusable = {"name": "", "description": "No name and nowhere."}
    body = json.dumps([two_places, phone_line, unusable]).encode()
    read = read_import("feed.json", body)
    assert read.format == "oruk" and read.numbers == [1, 1, 2]
    assert [r["name"] for r in read.rows] == ["Chair Yoga (Hall)", "Chair Yoga (Library)", "Befriending line"]
    assert read.rows[1]["postcode"] == "B1 2ND"
    assert [r["source_id"] for r in read.rows] == ["oruk-svc-1", "oruk-svc-1@loc-2", "line-1"]
    assert read.rows[2]["service_area_wards"] == [LADYWOOD] and read.rows[2]["modes"] == ["phone"]
    assert [(e.row, e.field) for e in read.errors] == [(3, "service")]
    assert "no name" in read.errors[0].message
    assert any("not-ours" in note for note in read.notes)

    before = session.scalar(select(func.count()).select_from(Service))
    plan, _ = imports.plan_import(admin, "feed.json", body)
    assert not plan.ok and [e.row for e in plan.errors] == [3]
    with pytest.raises(ValidationError, match="nothing was imported"):
        imports.apply_import(admin, "feed.json", body)
    assert session.scalar(select(func.count()).select_from(Service)) == before


def test_json_that_is_not_oruk_or_geojson_is_refused(app_ctx, db):
    with pytest.raises(ValidationError, match="not Open Referral UK"):
        read_import("x.json", b'{"hello": "world"}')
    with pytest.raises(ValidationError, match="not valid JSON"):
        read_import("x.json", b'{"hello": ')


def test_files_over_the_limit_are_refused_with_413(app_ctx):
    with pytest.raises(TooLarge) as exc:
        read_import("a.csv", b"x" * 2048, max_bytes=1024)
    assert exc.value.status == 413


# --------------------------------------------------------------------------- scope


def test_rows_outside_the_importers_wards_are_refused_by_scope(coordinator, caplog):
    import logging

    caplog.set_level(logging.WARNING, logger="assetmap")
    rows = [
        ROW,
        {**ROW, "source_id": "york", "postcode": "YO1 7HH"},
        {**ROW, "source_id": "area", "postcode": "", "modes": "phone", "service_area_wards": ACOMB},
    ]
    plan, _ = imports.plan_import(coordinator, "a.csv", csv_bytes(rows))
    assert [(e.row, e.field) for e in plan.errors] == [(3, "postcode"), (4, "service_area_wards")]
    assert [n for n, _ in plan.create] == [2]
    assert any(r.getMessage() == "denied" and r.action == "import" and r.rows == 2 for r in caplog.records)


def test_a_coordinator_cannot_update_another_areas_asset_through_an_import(coordinator):
    make_asset(source="import", source_id="their-york-asset", postcode="YO1 7HH", lon=None, lat=None)
    plan, _ = imports.plan_import(coordinator, "a.csv", csv_bytes([{**ROW, "source_id": "their-york-asset"}]))
    assert [(e.row, e.field) for e in plan.errors] == [(2, "source_id")]


def test_imported_assets_get_the_importing_coordinator_as_steward(coordinator):
    imports.apply_import(coordinator, "a.csv", csv_bytes([ROW]))
    assert (
        session.execute(select(Service.steward_id).where(Service.source_id == "imp-1")).scalar_one() == coordinator.id
    )


# --------------------------------------------------------------------------- the upload page


def upload(client, data: bytes, name="assets.csv", source="import"):
    return client.post(
        "/import", data={"file": (io.BytesIO(data), name), "source": source}, content_type="multipart/form-data"
    )


def test_upload_page_shows_the_dry_run_then_applies_on_request(client, db, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path))
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    assert client.get("/import").status_code == 200
    resp = upload(client, csv_bytes([ROW, {**ROW, "source_id": "imp-2", "name": "Second club"}]))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "Check what the import would do" in html and "Second club" in html
    assert count() == 0
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    other = client.application.test_client()
    login(other, make_user("coordinator", wards=[LADYWOOD]))
    assert other.post("/import/apply", data={"token": token}).status_code == 404  # not their upload
    resp = client.post("/import/apply", data={"token": token})
    assert resp.status_code == 302 and count() == 2
    assert not list(tmp_path.iterdir())  # the stored upload is removed once applied
    html = upload(client, csv_bytes([ROW])).get_data(as_text=True)
    assert "nothing to import" in html and 'name="token"' not in html


def test_upload_page_lists_errors_and_offers_no_apply(client, db, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path))
    login(client, make_user("admin"))
    html = upload(client, csv_bytes([{**ROW, "email": "nope"}])).get_data(as_text=True)
    assert "The file has 1 error" in html and "<code>email</code>" in html and 'name="token"' not in html


def test_upload_over_the_import_limit_is_413(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_IMPORT_BYTES", 1024)
    login(client, make_user("admin"))
    resp = upload(client, csv_bytes([{**ROW, "description": "x" * 2000}]))
    assert resp.status_code == 413 and "the limit is" in resp.get_data(as_text=True)


def test_upload_over_the_request_limit_is_413(client, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    login(client, make_user("admin"))
    assert upload(client, b"x" * 10000).status_code == 413


def test_upload_needs_a_file_and_the_right_role(client, db):
    login(client, make_user("admin"))
    assert client.post("/import", data={"source": "import"}).status_code == 400
    client.post("/sign-out")
    login(client, make_user("practitioner"))
    assert client.get("/import").status_code == 403


def test_the_downloadable_template_is_a_valid_import(client, admin):
    resp = client.get("/import/template.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    data = resp.get_data()
    header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == [
        *TEMPLATE_FIELDS,
        "organiser_name",
        "organiser_email",
        "organiser_consent_on",
        "organiser_consent_method",
    ]
    plan, read = imports.plan_import(admin, "template.csv", data)
    assert plan.ok and len(plan.create) == 1 and read.encoding == "UTF-8 with byte order mark"
    assert [c.email for c in plan.contacts.values()] == ["sam.organiser@example.org"]


# --------------------------------------------------------------------------- CLI


def test_cli_import_dry_run_then_apply(runner, db, tmp_path):
    path = tmp_path / "assets.csv"
    path.write_bytes(csv_bytes([ROW]))
    result = runner.invoke(import_assets_cmd, [str(path)])
    assert result.exit_code == 0 and "1 to create" in result.output and "Dry run" in result.output
    assert count() == 0
    result = runner.invoke(import_assets_cmd, [str(path), "--apply"])
    assert result.exit_code == 0 and "1 added" in result.output
    assert count() == 1
    result = runner.invoke(import_assets_cmd, [str(path), "--apply"])
    assert "0 added, 0 updated, 1 unchanged" in result.output and count() == 1


def test_cli_import_with_errors_lists_them_and_exits_non_zero(runner, db, tmp_path):
    path = tmp_path / "assets.csv"
    path.write_bytes(csv_bytes([{**ROW, "categories": "bogus"}]))
    result = runner.invoke(import_assets_cmd, [str(path), "--apply"])
    assert result.exit_code == 1 and "row 2 (Imported Lunch Club), categories: Unknown category: bogus" in result.output
    assert count() == 0


def test_cli_import_as_a_coordinator_applies_their_scope(runner, db, tmp_path):
    user = make_user("coordinator", wards=[ACOMB])
    path = tmp_path / "assets.csv"
    path.write_bytes(csv_bytes([ROW]))
    result = runner.invoke(import_assets_cmd, [str(path), "--as", user.email])
    assert result.exit_code == 1
    assert (
        "row 2 (Imported Lunch Club), postcode: You can only add assets in the wards you look after; Ladywood is not one of them"
        in result.output
    )


# --------------------------------------------------------------------------- export


def test_csv_export_neutralises_formulas_keeps_numbers_and_hides_confidential_places(client, db):
    make_asset(name='=HYPERLINK("http://evil.example","Click")', description="+44 call", contact_name="@admin")
    make_asset(name="Refuge", visibility="confidential", address="Secret House")
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    resp = client.get(f"/export?area=ward:{LADYWOOD}&format=csv")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data().decode("utf-8-sig"))))
    evil = next(r for r in rows if "HYPERLINK" in r["name"])
    assert evil["name"].startswith("'=") and evil["description"] == "'+44 call" and evil["contact_name"] == "'@admin"
    assert evil["lon"] == "-1.900211"  # a negative number is not a formula
    refuge = next(r for r in rows if r["name"] == "Refuge")
    assert refuge["lat"] == refuge["lon"] == refuge["address"] == refuge["postcode"] == ""
    assert refuge["ward"] == "Ladywood"


def test_geojson_export_has_no_point_for_confidential_assets(client, db):
    make_asset(name="Refuge", visibility="confidential")
    make_asset(name="Library")
    login(client, make_user("commissioner"))
    resp = client.get("/export?area=constituency:E14001096&format=geojson")
    doc = json.loads(resp.get_data())
    by_name = {f["properties"]["name"]: f for f in doc["features"]}
    assert by_name["Refuge"]["geometry"] is None and by_name["Library"]["geometry"]["type"] == "Point"


def test_export_needs_a_known_area_and_a_role(client, db):
    login(client, make_user("admin"))
    assert client.get("/export").status_code == 200
    assert client.get("/export?area=ward:E05999999&format=csv").status_code == 400
    client.post("/sign-out")
    login(client, make_user("practitioner"))
    assert client.get("/export?area=ward:E05011151&format=csv").status_code == 403


def test_cli_export_writes_a_file(runner, db, tmp_path):
    make_asset(name="Exported")
    out = tmp_path / "out.geojson"
    result = runner.invoke(export_assets_cmd, ["--area", f"ward:{LADYWOOD}", "--format", "geojson", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Exported" in {f["properties"]["name"] for f in json.loads(out.read_text())["features"]}


def test_re_importing_real_demo_rows_including_placeless_ones_changes_nothing(admin):
    from assetmap.config import PROJECT_ROOT

    with open(PROJECT_ROOT / "data/demo/community_assets_birmingham.csv", newline="", encoding="utf-8") as fh:
        demo = list(csv.DictReader(fh))
    placeless = [r for r in demo if not r["lat"] and r["accessibility"]]
    rows = placeless[:10] + [r for r in demo if r["lat"]][:30]
    assert len(placeless) >= 5
    data = csv_bytes([{**r, "source_id": "re-" + r["source_id"]} for r in rows])
    imports.apply_import(admin, "demo.csv", data)
    plan, read = imports.plan_import(admin, "demo.csv", data)
    assert len(plan.unchanged) == len(rows) and not plan.update and not plan.create
    assert any("no fixed place list accessibility" in note for note in read.notes)


def test_too_many_rows_are_refused(app_ctx, monkeypatch):
    from assetmap.directory.imports import read as loader

    monkeypatch.setattr(loader, "MAX_IMPORT_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3 rows"):
        read_import("a.csv", csv_bytes([ROW] * 4))
