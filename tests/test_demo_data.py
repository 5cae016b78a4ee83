"""The shipped assets land in the right ward and constituency (checked against Code-Point's ward codes)."""

import csv

from sqlalchemy import text

from assetmap.config import PROJECT_ROOT
from assetmap.db import session
from assetmap.directory.imports.apply import apply_plan
from assetmap.directory.imports.plan import plan_rows
from assetmap.directory.imports.read import read_template_csv
from assetmap.loaders.libraries import library_rows, load_libraries

DATA = PROJECT_ROOT / "data"


def test_libraries_are_placed_in_their_code_point_ward(app_ctx):
    plan, skipped = load_libraries(DATA / "assets" / "libraries_birmingham_york.csv")
    assert len(plan.create) == 61 and skipped == ["Birmingham Central (closed 2013, no location)"]
    expected = {
        r["Library name"] + r["Postcode"]: (r["ward_code"], r["pcon24_code_majority_of_ward"])
        for r in csv.DictReader(open(DATA / "assets" / "libraries_birmingham_york.csv"))
        if r["ward_code"]
    }
    rows = session.execute(
        text(
            "SELECT s.name || l.postcode, l.ward_code, l.constituency_code, s.archived_at IS NULL FROM service s "
            "JOIN service_at_location sal ON sal.service_id = s.id JOIN location l ON l.id = sal.location_id "
            "WHERE s.source = 'libraries'"
        )
    ).all()
    assert len(rows) == 61
    assert sum(1 for r in rows if r[3]) == 54  # the 7 closed branches with a location are kept, archived
    wrong_ward = [r[0] for r in rows if r[1] != expected[r[0]][0]]
    assert wrong_ward == []
    # constituency by point-in-polygon agrees with the ward-majority lookup except in split wards
    agree = sum(1 for r in rows if r[2] == expected[r[0]][1])
    assert agree >= 55


def test_reloading_libraries_changes_nothing(app_ctx):
    load_libraries(DATA / "assets" / "libraries_birmingham_york.csv")
    rows, _ = library_rows(DATA / "assets" / "libraries_birmingham_york.csv")
    plan = plan_rows(rows, source="libraries")
    assert (len(plan.create), len(plan.update), len(plan.unchanged), len(plan.errors)) == (0, 0, 61, 0)


def test_a_sample_of_demo_assets_lands_in_the_intended_ward(app_ctx):
    wards_by_postcode = {
        r["postcode"]: r["ward_code"]
        for r in csv.DictReader(open(DATA / "postcodes" / "codepoint_open_postcodes_birmingham_york.csv"))
    }
    sample = []
    for city in ("birmingham", "york"):
        rows = read_template_csv(DATA / "demo" / f"community_assets_{city}.csv")
        sample += rows[::15]
    plan = plan_rows(sample, source="demo")
    assert plan.ok, plan.errors[:3]
    apply_plan(plan, source="demo")
    placed = session.execute(
        text(
            "SELECT l.postcode, l.ward_code FROM service s JOIN service_at_location sal ON sal.service_id = s.id "
            "JOIN location l ON l.id = sal.location_id WHERE s.source = 'demo'"
        )
    ).all()
    assert len(placed) >= 35
    assert [p for p, w in placed if wards_by_postcode[p] != w] == []


def test_demo_assets_are_all_marked_illustrative():
    for city in ("birmingham", "york"):
        rows = read_template_csv(DATA / "demo" / f"community_assets_{city}.csv")
        assert rows and all(r["illustrative"] == "yes" for r in rows)
