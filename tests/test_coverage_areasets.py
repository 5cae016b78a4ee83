"""Custom area sets: upload, residents apportioned from LSOAs by postcode, every measure and page for them.

Toyshire (tests/test_coverage.py) gets postcodes: L1 has three at x = -5.09 and one at x = -5.07; L2 has
three at x = -5.06; L3 has none (so it is shared by area). The set "Patches" has two boxes split at
x = -5.078:

    West  (-5.10 .. -5.078): 3 of L1's 4 postcodes           -> 0.75 x 1,000 = 750 residents
    East  (-5.078 .. -4.95): 1 of L1's, all of L2's, L3 by area -> 250 + 3,000 + 2,000 = 5,250 residents

L1 goes mostly to West (its "main" area, where a signal recorded in L1 counts).
"""

from __future__ import annotations

import json
import uuid

import pytest
from geoalchemy2 import WKTElement

from assetmap.coverage import areasets, queries, usecases
from assetmap.coverage.params import CoverageParams, parse_params
from assetmap.errors import ValidationError
from assetmap.models import Location, Postcode
from tests.factories import login, make_asset, make_user
from tests.test_coverage import L1, L2, L3, W2, signal, toy  # noqa: F401

SPLIT = -5.078


def _box(x0, x1, y0=50.30, y1=50.33):
    return [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]


def write_set(tmp_path, features, name="patches.geojson") -> str:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": coords}}
            for props, coords in features
        ],
    }
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return str(path)


@pytest.fixture
def patches(toy, db, tmp_path):
    for i, (x, lsoa) in enumerate(
        [(-5.09, L1), (-5.091, L1), (-5.089, L1), (-5.07, L1), (-5.06, L2), (-5.061, L2), (-5.059, L2)]
    ):
        db.add(
            Postcode(
                postcode=f"TY{i} 1AA", geom=WKTElement(f"POINT({x} 50.315)", srid=4326), lsoa_code=lsoa, source="test"
            )
        )
    db.flush()
    path = write_set(
        tmp_path,
        [({"name": "West", "code": "W"}, _box(-5.10, SPLIT)), ({"name": "East", "code": "E"}, _box(SPLIT, -4.95))],
    )
    done = areasets.upload(path, "Patches", None, user_id=None)
    return done


def cparams(done, **kw) -> CoverageParams:
    kw.setdefault("category", "carers-support")
    return CoverageParams(geography="custom", area_set=done.id, **kw)


def test_residents_are_apportioned_by_postcode_and_by_area_without_postcodes(patches):
    assert (patches.areas, patches.lsoas) == (2, 3)
    assert queries.apportioned(patches.id) == [
        ("E", L1, pytest.approx(0.25)),
        ("E", L2, pytest.approx(1.0)),
        ("E", L3, pytest.approx(1.0)),
        ("W", L1, pytest.approx(0.75)),
    ]
    m = {a.code: a for a in usecases.coverage(cparams(patches)).areas}
    assert m["W"].population == pytest.approx(750) and m["E"].population == pytest.approx(5250)
    assert m["W"].population_65plus == pytest.approx(225)  # 0.75 x 300
    assert patches.residents == pytest.approx(6000)


def test_every_measure_works_for_custom_areas(patches):
    cov = usecases.coverage(cparams(patches))
    m = {a.code: a for a in cov.areas}
    # carers' support: A1 (-5.075), A2 (-5.055) in East; the phone line A3 serves Beta, whose L3 is East's
    assert (m["W"].assets, m["E"].assets, m["E"].remote_assets) == (0, 3, 1)
    # L1's point P1 is 356 m from A1: its residents are within 800 m wherever they are apportioned
    assert m["W"].beyond_800 == 0 and m["E"].beyond_800 == pytest.approx(2000)  # only L3, 2,490 m away
    assert m["E"].share_beyond_mile == pytest.approx(2000 / 5250)
    # need: East's mean rank (250 x 1,000 + 3,000 x 1,000 + 2,000 x 29,000) / 5,250
    assert m["E"].imd_rank == pytest.approx((3250 * 1000 + 2000 * 29000) / 5250)
    assert {a.code for a in cov.ranked} == {"W", "E"} and cov.total_assets == 3
    assert cov.scope_name == "Patches"


def test_signals_count_in_the_area_holding_most_of_their_lsoa(patches, db):
    signal(db, 1, lsoa=L1)  # L1: 0.75 West -> West
    signal(db, 1, ward=W2)  # Beta by ward only: its residents are all East's
    db.flush()
    m = {a.code: a for a in usecases.coverage(cparams(patches)).areas}
    assert (m["W"].unmet, m["E"].unmet) == (1, 1)


def test_a_confidential_place_counts_by_its_wards_overlap_never_by_its_point(patches, db):
    before = {a.code: a.assets for a in usecases.coverage(cparams(patches, category="peer-support")).areas}
    refuge = make_asset(name="Refuge", visibility="confidential", categories="peer-support", lon=-5.095, lat=50.32)
    db.flush()
    after = {a.code: a.assets for a in usecases.coverage(cparams(patches, category="peer-support")).areas}
    # its ward Alpha shares residents with West (L1) and East (L1, L2): it counts in both
    assert after == {"W": before["W"] + 1, "E": before["E"] + 1}
    loc = db.get(Location, refuge.locations[0].location_id)
    loc.geom = WKTElement("POINT(-5.052 50.305)", srid=4326)  # across the set's boundary, same ward
    db.flush()
    cov = usecases.coverage(cparams(patches, category="peer-support"))
    assert {a.code: a.assets for a in cov.areas} == after
    assert all(
        a.access == b.access
        for a, b in zip(cov.areas, usecases.coverage(cparams(patches, category="peer-support")).areas)
    )


def test_uploads_are_checked_with_the_boundary_loaders_rules(toy, tmp_path):
    bad = tmp_path / "nocrs.json"
    bad.write_text("not json at all")
    with pytest.raises(ValidationError, match="could not be read"):
        areasets.upload(str(bad), "Bad", None, None)
    twice = write_set(tmp_path, [({"name": "A"}, _box(-5.1, -5.0)), ({"name": "a"}, _box(-5.0, -4.95))], "t.geojson")
    with pytest.raises(ValidationError, match="repeats another area's name"):
        areasets.upload(twice, "Twice", None, None)
    bowtie = write_set(
        tmp_path,
        [({"name": "Bow"}, [[[-5.1, 50.3], [-5.0, 50.33], [-5.0, 50.3], [-5.1, 50.33], [-5.1, 50.3]]])],
        "bow.geojson",
    )
    done = areasets.upload(bowtie, "Bow tie", None, None)  # repaired with MakeValid, and said so
    assert "repaired" in done.note
    with pytest.raises(ValidationError, match="already a set called"):
        areasets.upload(bowtie, "bow tie", None, None)
    unnamed = write_set(tmp_path, [({"ref": "1", "kind": "x"}, _box(-5.1, -5.0))], "u.geojson")
    with pytest.raises(ValidationError, match="Say which column"):
        areasets.upload(unnamed, "Unnamed", None, None)
    assert areasets.upload(unnamed, "Named by ref", "ref", None).areas == 1
    far = write_set(tmp_path, [({"name": "Far"}, _box(1.0, 1.1, 52.0, 52.1))], "far.geojson")
    with pytest.raises(ValidationError, match="covers any neighbourhood"):
        areasets.upload(far, "Far", None, None)
    assert queries.area_set_named("Far") is None  # nothing half-written


def test_params_choose_a_set_by_id_and_refuse_others(patches):
    p = parse_params({"geography": "custom", "set": str(patches.id)})
    assert (p.geography, p.area_set, p.la) == ("custom", patches.id, None)
    for raw in ("", "not-a-uuid", str(uuid.uuid4())):
        with pytest.raises(ValidationError) as err:
            parse_params({"geography": "custom", "set": raw})
        assert err.value.field == "set"


def test_pages_map_table_report_exports_and_area_pages_work_for_a_set(client, patches, db):
    login(client, make_user("commissioner"))
    q = f"geography=custom&set={patches.id}&category=carers-support"
    html = client.get(f"/coverage?{q}").get_data(as_text=True)
    assert "Patches" in html and "AssetMapCoverage.areaLayer(" in html
    assert f'href="/areas/custom/E?category=carers-support&amp;set={patches.id}"' in html
    rows = client.get(f"/coverage/gaps.csv?{q}").get_data(as_text=True)
    assert "\r\n" in rows and ",West," in rows and ",East," in rows
    assert client.get(f"/coverage/gaps.geojson?{q}").get_json()["metadata"]["local_authority"] == "Patches"
    assert client.get(f"/coverage/report?{q}").status_code == 200
    assert client.get(f"/coverage/map.png?{q}").data[:4] == b"\x89PNG"
    area = client.get(f"/areas/custom/E?category=carers-support&set={patches.id}").get_data(as_text=True)
    assert "East" in area and "Alpha carers&#39; café" in area and "Measures against the median" in area
    assert client.get(f"/areas/custom/E?set={uuid.uuid4()}").status_code == 400
    assert client.get("/areas/custom/E").status_code == 404
    assert client.get(f"/coverage/compare?{q}&a=W&b=E").status_code == 200


def test_commissioners_upload_and_remove_sets_on_the_page(client, toy, db, tmp_path):
    login(client, make_user("commissioner"))
    path = write_set(tmp_path, [({"name": "Everything"}, _box(-5.1, -4.95))])
    with open(path, "rb") as fh:
        resp = client.post(
            "/coverage/area-sets",
            data={"name": "Whole patch", "file": (fh, "whole.geojson")},
            content_type="multipart/form-data",
        )
    assert resp.status_code == 303
    page = client.get("/coverage/area-sets").get_data(as_text=True)
    assert "Loaded 1 areas as &#39;Whole patch&#39;" in page and "Whole patch" in page
    with open(path, "rb") as fh:
        resp = client.post(
            "/coverage/area-sets", data={"name": "Other", "file": (fh, "whole.txt")}, content_type="multipart/form-data"
        )
    assert resp.status_code == 400 and "The file must be GeoJSON" in resp.get_data(as_text=True)
    found = queries.area_set_named("Whole patch")
    assert client.post(f"/coverage/area-sets/{found.id}/remove").status_code == 303
    assert queries.area_set_named("Whole patch") is None


def test_coordinators_may_see_coverage_but_not_upload_sets(client, toy):
    login(client, make_user("coordinator"))
    assert client.get("/coverage/area-sets").status_code == 403
