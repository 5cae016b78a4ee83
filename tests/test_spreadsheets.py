"""Spreadsheets as coordinators have them: .xlsx uploads through the same dry run, wards and constituencies
by name or code, the listing's name on error rows, "import the valid rows, skip the rest" as an explicit
choice, and whole-area exports (a constituency, a council, a coordinator's patch) as CSV, GeoJSON and .xlsx."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from assetmap.db import session
from assetmap.directory.imports.read import read_import
from assetmap.directory.imports.xlsx import MAX_UNPACKED_BYTES
from assetmap.errors import Conflict, ValidationError
from assetmap.models import Service, Ward
from assetmap.upkeep import queries
from assetmap.upkeep.cli import export_assets_cmd, import_assets_cmd
from assetmap.upkeep.usecases import imports
from tests.factories import login
from tests.test_import_assets import ROW, count, csv_bytes, upload
from tests.upkeep_helpers import ACOMB, LADYWOOD, LADYWOOD_CONSTITUENCY, actor, make_asset, make_user

BIRMINGHAM, YORK = "E08000025", "E06000014"


def xlsx_bytes(rows: list[dict], sheet_first: list[list] | None = None) -> bytes:
    """A workbook as Excel writes one: typed cells (numbers, dates, TRUE/FALSE), optionally after another sheet."""
    wb = Workbook()
    ws = wb.active
    if sheet_first is not None:
        ws.title = "Notes"
        for line in sheet_first:
            ws.append(line)
        ws = wb.create_sheet("Assets")
    fields = list(dict.fromkeys(k for row in rows for k in row))
    ws.append(fields)
    for row in rows:
        ws.append([row.get(f) for f in fields])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
def admin(db, app_ctx):
    return actor(make_user("admin"))


# --------------------------------------------------------------------------- reading .xlsx


def test_xlsx_is_read_with_typed_cells_through_the_same_dry_run(admin):
    rows = [
        {
            **ROW,
            "lat": 52.475425,
            "lon": -1.900211,
            "postcode": None,
            "cost_amount": 2.5,
            "last_verified": dt.datetime(2026, 10, 1),
            "illustrative": False,
        },
        {**ROW, "source_id": "imp-2", "name": "Second club", "cost_amount": 3},
    ]
    data = xlsx_bytes(rows, sheet_first=[["Read me first"], ["This sheet has no name column"]])
    plan, read = imports.plan_import(admin, "assets.xlsx", data)
    assert (read.format, read.encoding, read.numbers) == ("xlsx", "Excel workbook", [2, 3])
    assert "Read the sheet ‘Assets’." in read.notes
    assert plan.ok and len(plan.create) == 2
    first, second = plan.create[0][1], plan.create[1][1]
    assert (first.lat, first.lon, str(first.cost_amount), first.last_verified, first.illustrative) == (
        52.475425,
        -1.900211,
        "2.50",
        dt.date(2026, 10, 1),
        False,
    )
    assert str(second.cost_amount) == "3.00"


def test_xlsx_errors_are_by_row_and_column_with_the_listing_name(client, db, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path))
    login(client, make_user("admin"))
    data = xlsx_bytes(
        [
            ROW,
            {**ROW, "source_id": "imp-2", "name": "Knit and Natter", "categories": "bogus"},
            {**ROW, "source_id": "imp-3", "name": "Phone Friends", "phone": 1214960000},
        ]
    )
    html = upload(client, data, name="Our list.xlsx").get_data(as_text=True)
    assert "The file has 2 errors" in html and "Excel workbook" in html
    cells = re.findall(
        r'<tr class="govuk-table__row"><td class="govuk-table__cell">(\d+)</td>'
        r'<td class="govuk-table__cell">([^<]*)</td><td class="govuk-table__cell"><code>(\w+)</code>',
        html,
    )
    assert cells == [("3", "Knit and Natter", "categories"), ("4", "Phone Friends", "phone")]
    assert "Excel has dropped its leading 0" in html


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        (b"PK\x03\x04 not really a zip", "not a valid Excel workbook"),
    ],
)
def test_unreadable_workbooks_are_refused_clearly(app_ctx, data, message):
    with pytest.raises(ValidationError, match=message):
        read_import("list.xlsx", data)


def test_a_workbook_that_unpacks_too_big_is_refused_before_it_is_opened(app_ctx):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z, z.open("xl/worksheets/sheet1.xml", "w") as f:
        chunk = b"\0" * (1024 * 1024)
        for _ in range(MAX_UNPACKED_BYTES // len(chunk) + 1):
            f.write(chunk)
    assert len(out.getvalue()) < 1024 * 1024  # a small upload ...
    with pytest.raises(ValidationError, match="unpacks to more than 100 MB"):  # ... that would unpack to 100 MB
        read_import("bomb.xlsx", out.getvalue())


# --------------------------------------------------------------------------- wards and constituencies by name


def test_ward_and_constituency_columns_take_codes_or_exact_names(admin):
    ladywood_wards = set(
        session.execute(select(Ward.code).where(Ward.constituency_code == LADYWOOD_CONSTITUENCY)).scalars()
    )
    rows = [
        {**ROW, "source_id": "w1", "modes": "phone", "postcode": "", "service_area_wards": "ladywood; E05011152"},
        {
            **ROW,
            "source_id": "w2",
            "modes": "phone",
            "postcode": "",
            "service_area_constituencies": "Birmingham Ladywood",
        },
        {
            **ROW,
            "source_id": "w3",
            "modes": "phone",
            "postcode": "",
            "service_area_wards": "Acomb",
            "service_area_constituencies": LADYWOOD_CONSTITUENCY,
        },
    ]
    plan, _ = imports.plan_import(admin, "areas.csv", csv_bytes(rows))
    assert plan.ok, plan.errors
    by_id = {rec.source_id: set(rec.service_area_wards) for _, rec in plan.create}
    assert by_id["w1"] == {LADYWOOD, "E05011152"}
    assert by_id["w2"] == ladywood_wards and len(ladywood_wards) > 3
    assert by_id["w3"] == ladywood_wards | {ACOMB}


def test_an_unknown_area_name_is_an_error_on_its_row_and_the_row_is_not_imported(admin):
    rows = [
        ROW,
        {
            **ROW,
            "source_id": "w9",
            "name": "Somewhere Club",
            "modes": "phone",
            "postcode": "",
            "service_area_wards": "Ladywood;Narnia",
        },
    ]
    plan, read = imports.plan_import(admin, "areas.csv", csv_bytes(rows))
    assert [(e.row, e.field) for e in plan.errors] == [(3, "service_area_wards")]
    assert "Unknown ward ‘Narnia’" in plan.errors[0].message and "exact name" in plan.errors[0].message
    assert [rec.source_id for _, rec in plan.create] == ["imp-1"]  # the refused row is not planned
    assert read.names()[3] == "Somewhere Club"


def test_the_import_page_lists_the_ward_and_constituency_codes_and_names(client, db):
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    html = client.get("/import").get_data(as_text=True)
    assert '<code>E05011151</code></td><td class="govuk-table__cell">Ladywood</td>' in html
    assert f'<code>{LADYWOOD_CONSTITUENCY}</code></td><td class="govuk-table__cell">Birmingham Ladywood</td>' in html
    assert '<code>E05010311</code></td><td class="govuk-table__cell">Acomb</td>' in html
    assert 'accept=".xlsx,' in html and "template.xlsx" in html


# --------------------------------------------------------------------------- import the valid rows, skip the rest

ROWS_WITH_ONE_BAD = [
    ROW,
    {**ROW, "source_id": "imp-2", "name": "Bad Email Club", "email": "nope"},
    {**ROW, "source_id": "imp-3", "name": "Third Club"},
]


def test_skipping_the_rows_with_errors_is_an_explicit_choice_after_the_dry_run(client, db, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_UPLOAD_DIR", str(tmp_path))
    login(client, make_user("admin"))
    html = upload(client, csv_bytes(ROWS_WITH_ONE_BAD)).get_data(as_text=True)
    assert "Import the 2 valid rows and skip the 1 with errors" in html
    token = re.search(r'name="token" value="([^"]+)"', html)[1]
    resp = client.post("/import/apply", data={"token": token})  # without the choice: all or nothing
    assert resp.status_code == 400 and count() == 0
    resp = client.post("/import/apply", data={"token": token, "skip_invalid": "yes"})
    assert resp.status_code == 302 and count() == 2
    names = set(session.execute(select(Service.name).where(Service.source == "import")).scalars())
    assert names == {"Imported Lunch Club", "Third Club"}
    again = client.post("/import/apply", data={"token": token, "skip_invalid": "yes"})
    assert again.status_code == 303 and count() == 2  # sent again: recognised, nothing recorded twice


def test_skipping_is_refused_when_the_errors_are_not_the_ones_shown(admin):
    with pytest.raises(Conflict):
        imports.apply_import(admin, "a.csv", csv_bytes(ROWS_WITH_ONE_BAD), skip_rows=[4])
    assert count() == 0
    plan = imports.apply_import(admin, "a.csv", csv_bytes(ROWS_WITH_ONE_BAD), skip_rows=[3])
    assert len(plan.create) == 2 and count() == 2


def test_cli_skips_invalid_rows_only_when_asked(runner, db, tmp_path):
    path = tmp_path / "assets.xlsx"
    path.write_bytes(xlsx_bytes(ROWS_WITH_ONE_BAD))
    result = runner.invoke(import_assets_cmd, [str(path), "--apply"])
    assert result.exit_code == 1 and "row 3 (Bad Email Club), email" in result.output and count() == 0
    result = runner.invoke(import_assets_cmd, [str(path), "--apply", "--skip-invalid"])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 updated, 0 unchanged, 1 rows with errors skipped" in result.output and count() == 2


# --------------------------------------------------------------------------- whole-area exports


@pytest.fixture
def estate(db):
    """Assets across a constituency, a council and York, including a confidential place and a formula."""
    make_asset(name='=HYPERLINK("http://evil.example","Click")', description="+44 call")  # Ladywood
    make_asset(name="Refuge", visibility="confidential", address="Secret House")  # Ladywood
    make_asset(name="Edgbaston Walk", lon=-1.93, lat=52.46)  # another constituency
    make_asset(name="York Club", lon=-1.0803, lat=53.9600)  # York


def export(client, area, fmt):
    resp = client.get(f"/export?area={area}&format={fmt}")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    return resp


def xlsx_rows(resp) -> list[dict]:
    ws = load_workbook(io.BytesIO(resp.get_data())).active
    rows = list(ws.iter_rows())
    header = [c.value for c in rows[0]]
    return [dict(zip(header, row)) for row in rows[1:]]


def test_a_whole_council_and_a_whole_constituency_in_one_file_in_each_format(client, estate):
    login(client, make_user("commissioner"))
    council = {r["name"].value for r in xlsx_rows(export(client, f"la:{BIRMINGHAM}", "xlsx"))}
    assert {"Refuge", "Edgbaston Walk"} <= council and "York Club" not in council
    constituency = list(
        csv.DictReader(
            io.StringIO(export(client, f"constituency:{LADYWOOD_CONSTITUENCY}", "csv").get_data().decode("utf-8-sig"))
        )
    )
    assert "Refuge" in {r["name"] for r in constituency} and "Edgbaston Walk" not in {r["name"] for r in constituency}
    features = json.loads(export(client, f"la:{YORK}", "geojson").get_data())["features"]
    assert "York Club" in {f["properties"]["name"] for f in features}


def test_xlsx_export_makes_formulas_text_and_hides_confidential_places(client, estate):
    login(client, make_user("coordinator", wards=[LADYWOOD]))
    resp = export(client, f"ward:{LADYWOOD}", "xlsx")
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert resp.headers["Content-Disposition"].endswith('.xlsx"')
    rows = {r["name"].value: r for r in xlsx_rows(resp)}
    evil = rows['=HYPERLINK("http://evil.example","Click")']
    assert evil["name"].data_type == "s" and evil["name"].quotePrefix  # stored as text, shown as text
    assert evil["description"].value == "+44 call" and evil["description"].quotePrefix
    assert evil["lon"].value == -1.900211 and evil["lon"].data_type == "n"  # coordinates stay numbers
    with zipfile.ZipFile(io.BytesIO(resp.get_data())) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")  # no formula anywhere in the sheet
    refuge = rows["Refuge"]
    assert refuge["lat"].value is None and refuge["address"].value is None and refuge["postcode"].value is None


def test_a_coordinator_exports_their_whole_patch_in_one_file(client, db, estate):
    make_asset(name="Acomb Club", lon=-1.1280, lat=53.9560)  # York, Acomb ward
    user = make_user("coordinator", wards=[ACOMB], constituencies=[LADYWOOD_CONSTITUENCY])
    login(client, user)
    page = client.get("/export").get_data(as_text=True)
    assert f'<option value="{queries.PATCH}"' in page and "Your patch" in page
    names = {r["name"].value for r in xlsx_rows(export(client, queries.PATCH, "xlsx"))}
    assert {"Acomb Club", "Refuge", '=HYPERLINK("http://evil.example","Click")'} <= names
    assert "York Club" not in names and "Edgbaston Walk" not in names
    assert (
        export(client, queries.PATCH, "csv")
        .headers["Content-Disposition"]
        .startswith('attachment; filename="assets-your-patch-')
    )
    client.post("/sign-out")
    login(client, make_user("commissioner"))  # no patch of their own
    assert client.get(f"/export?area={queries.PATCH}&format=csv").status_code == 400


def test_an_exported_workbook_imports_back_unchanged(admin, tmp_path, runner):
    make_asset(
        source="import",
        source_id="rt-1",
        name="Round Trip Club",
        schedule="tue 10:00-11:00",
        accessibility="wheelchair",
        cost_amount="2.50",
        cost_description="per session",
    )
    out = tmp_path / "ladywood.xlsx"
    result = runner.invoke(export_assets_cmd, ["--area", f"ward:{LADYWOOD}", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    plan, read = imports.plan_import(admin, "ladywood.xlsx", out.read_bytes(), source="import")
    assert read.format == "xlsx" and plan.ok
    assert [rec.source_id for _, rec in plan.unchanged] == ["rt-1"] and not plan.update and not plan.create
