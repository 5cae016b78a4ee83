"""Coverage pages, area pages, downloads and the `assetmap report coverage` command, on the toy authority."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetmap.cli import main
from tests.factories import login, make_asset, make_user
from tests.test_coverage import L1, L2, L3, LA, W1, W2, W3, toy  # noqa: F401  (the fixture)

Q = f"la={LA}&category=carers-support"


@pytest.fixture
def commissioner(client, toy, db):  # noqa: F811
    user = make_user("commissioner")
    db.flush()
    assert login(client, user).status_code == 302
    return user


@pytest.mark.parametrize(
    "path", ["/coverage", f"/coverage/gaps.csv?{Q}", f"/coverage/report?{Q}", f"/areas/ward/{W1}", "/coverage/map.png"]
)
def test_visitors_are_sent_to_sign_in(client, toy, path):  # noqa: F811
    resp = client.get(path)
    assert resp.status_code == 302
    assert "/sign-in" in resp.headers["Location"]


def test_practitioners_may_not_see_coverage(client, toy, db):  # noqa: F811
    user = make_user("practitioner")
    login(client, user)
    assert client.get(f"/coverage?{Q}").status_code == 403
    assert client.get(f"/areas/ward/{W1}").status_code == 403


@pytest.mark.parametrize("role", ["commissioner", "admin", "coordinator"])
def test_commissioners_admins_and_coordinators_see_coverage(client, toy, db, role):  # noqa: F811
    login(client, make_user(role))
    resp = client.get(f"/coverage?{Q}")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Coverage and gaps" in html and "Toyshire" in html


def test_coverage_page_ranks_areas_explains_measures_and_links_to_area_pages(client, commissioner):
    html = client.get(f"/coverage?{Q}").get_data(as_text=True)
    table = html[html.index('id="gap-table"') : html.index('id="compare"')]
    assert table.index("Beta") < table.index("Alpha")  # Beta has the bigger gap
    assert "Gamma" not in table  # nobody lives in Gamma: not ranked
    assert f'href="/areas/ward/{W2}?category=carers-support"' in table
    assert "no carers&#39; support within 1 mile for 2,000 residents" in table
    assert "two-step floating catchment area" in html and "PostGIS" in html
    assert "Office for National Statistics" in html  # boundaries attributed
    assert "AssetMapCoverage.areaLayer(" in html and "Need: deprivation hatched" in html
    assert "AssetMapCoverage.hatchLayer(" in html


def test_confidential_places_never_reach_the_coverage_map(client, commissioner, db):
    make_asset(name="Alpha refuge", categories="carers-support", lon=-5.0912, lat=50.3234, visibility="confidential")
    db.flush()
    html = client.get(f"/coverage?{Q}").get_data(as_text=True)
    assert "-5.075" in html  # A1, public, is on the assets layer
    assert "-5.091" not in html and "50.323" not in html
    assert "Alpha refuge" not in html


def test_listing_text_cannot_run_as_template_or_script_on_maps(client, commissioner, db):
    make_asset(
        name="{{ 7*7 }} club </script><script>alert(1)</script>", categories="carers-support", lon=-5.072, lat=50.316
    )
    db.flush()
    for path in (f"/coverage?{Q}", f"/areas/ward/{W1}"):
        html = client.get(path).get_data(as_text=True)
        assert "49 club" not in html
        assert "<script>alert(1)" not in html
        assert "\\u007b\\u007b 7*7 \\u007d\\u007d club \\u003c/script\\u003e" in html


def test_bad_choices_get_a_400_with_a_message(client, commissioner):
    resp = client.get("/coverage?category=knitting")
    assert resp.status_code == 400
    assert "Choose categories from the list." in resp.get_data(as_text=True)
    assert client.get("/coverage/gaps.csv?geography=county").status_code == 400
    assert client.get("/coverage?la=' OR 1=1--").status_code == 400


def test_unknown_area_is_404(client, commissioner):
    assert client.get("/areas/ward/E05999999").status_code == 404
    assert client.get(f"/areas/county/{W1}").status_code == 404


def test_csv_has_one_row_per_area_with_the_measures(client, commissioner):
    resp = client.get(f"/coverage/gaps.csv?{Q}")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert "attachment;" in resp.headers["Content-Disposition"] and ".csv" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["code"] for r in rows] == [W2, W1, W3]  # ranked, then no residents
    beta = rows[0]
    assert (beta["rank"], beta["assets"], beta["assets_serving_remotely"], beta["assets_per_10k"]) == (
        "1",
        "1",
        "1",
        "5.0",
    )
    assert (beta["pct_beyond_800m"], beta["residents_beyond_1_mile"], beta["gap_score"]) == ("100.0", "2000", "20.6")
    gamma = rows[2]
    assert (gamma["rank"], gamma["assets_per_10k"], gamma["gap_score"]) == ("", "", "")


def test_geojson_has_every_area_with_geometry_and_measures(client, commissioner):
    resp = client.get(f"/coverage/gaps.geojson?{Q}")
    assert resp.status_code == 200
    doc = json.loads(resp.get_data(as_text=True))
    assert doc["type"] == "FeatureCollection"
    assert [f["id"] for f in doc["features"]] == [W2, W1, W3]
    beta = doc["features"][0]
    assert beta["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert beta["properties"]["gap_score"] == 20.6
    assert beta["properties"]["reasons"][0] == "no carers' support within 1 mile for 2,000 residents"
    assert doc["metadata"]["local_authority"] == "Toyshire"


def test_report_page_has_the_static_map_and_the_ranked_table(client, commissioner):
    html = client.get(f"/coverage/report?{Q}").get_data(as_text=True)
    assert "Commissioning report" in html
    assert '<img src="/coverage/map.png?' in html
    assert html.index("Beta") < html.index("Alpha")
    png = client.get(f"/coverage/map.png?{Q}")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_area_page_shows_assets_people_freshness_and_median(client, commissioner, db):
    make_user("coordinator", name="Ada Coordinator", wards=[W1])
    db.flush()
    resp = client.get(f"/areas/ward/{W1}?category=carers-support")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Alpha</h1>' in html
    assert "Ada Coordinator" in html
    assert "-5.055" in html and "-5.075" in html
    assert "2 of 3 (67%)" in html  # checked in the last 12 months
    assert "Measures against the median" in html and "wards in Toyshire" in html
    beta = client.get(f"/areas/ward/{W2}").get_data(as_text=True)
    assert "Beta carers line" in beta and "serves this area" in beta
    assert client.get(f"/areas/lsoa/{L3}").status_code == 200
    assert client.get(f"/areas/local-authority/{LA}").status_code == 200
    assert client.get("/areas/constituency/E14999901").status_code == 200


def test_area_pages_list_a_confidential_place_by_its_ward_never_placed(client, commissioner, db):
    make_asset(
        name="Alpha refuge",
        categories="carers-support",
        lon=-5.0912,
        lat=50.3234,
        modes="in_person",
        visibility="confidential",
    )
    db.flush()
    for path in (f"/areas/ward/{W1}", f"/areas/lsoa/{L1}", f"/areas/lsoa/{L2}", "/areas/constituency/E14999901"):
        html = client.get(path).get_data(as_text=True)
        row = html[html.index("Alpha refuge") :]
        row = row[: row.index("</tr>")]
        assert "Confidential: place not shown" in row and "In person" in row, path
        assert "-5.091" not in html and "50.323" not in html, path
    assert "Alpha refuge" not in client.get(f"/areas/lsoa/{L3}").get_data(as_text=True)


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".html", ".png"])
def test_cli_report_writes_the_format_its_extension_names(app, toy, tmp_path, suffix):  # noqa: F811
    out = tmp_path / f"gaps{suffix}"
    result = app.test_cli_runner().invoke(
        main,
        ["report", "coverage", "--geography", "ward", "--category", "carers-support", "--la", LA, "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 3 wards in Toyshire" in result.output
    data = out.read_bytes()
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        assert [r["code"] for r in rows] == [W2, W1, W3]
    elif suffix == ".geojson":
        assert len(json.loads(data)["features"]) == 3
    elif suffix == ".html":
        text = data.decode()
        assert "Commissioning report" in text and 'src="data:image/png;base64,' in text
    else:
        assert data[:4] == b"\x89PNG"


def test_cli_report_refuses_unknown_format_and_choices(app, toy, tmp_path):  # noqa: F811
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["report", "coverage", "--out", str(tmp_path / "gaps.xlsx")])
    assert result.exit_code != 0 and ".csv, .geojson" in result.output
    result = runner.invoke(main, ["report", "coverage", "--category", "knitting", "--out", str(tmp_path / "g.csv")])
    assert result.exit_code != 0 and "Choose categories from the list." in result.output
    assert not (tmp_path / "g.csv").exists()


def test_an_authority_with_no_areas_loaded_still_renders(client, commissioner, db):
    from geoalchemy2 import WKTElement

    from assetmap.models import LocalAuthority

    db.add(
        LocalAuthority(
            code="E06999902",
            name="Emptyshire",
            population_total=0,
            geom=WKTElement("MULTIPOLYGON(((-4.9 50.3,-4.8 50.3,-4.8 50.4,-4.9 50.3)))", srid=4326),
        )
    )
    db.flush()
    for path in (
        "/coverage?la=E06999902",
        "/coverage/report?la=E06999902",
        "/coverage/gaps.csv?la=E06999902",
        "/coverage/map.png?la=E06999902",
    ):
        assert client.get(path).status_code == 200, path
    html = client.get("/coverage?la=E06999902").get_data(as_text=True)
    assert "No wards with residents in Emptyshire." in html


# --------------------------------------------------------------------------- the map's points, capped


def _points_as_before(p, cap: int):
    """The statement the page ran before: every matching place sorted by name, the first cap + 1 kept."""
    from sqlalchemy import select

    from assetmap.coverage import queries
    from assetmap.db import session
    from assetmap.geo import lat, lon
    from assetmap.models import Location, Service, ServiceAtLocation

    q = (
        select(lat(Location.geom), lon(Location.geom), Service.name)
        .join(ServiceAtLocation, ServiceAtLocation.location_id == Location.id)
        .join(Service, Service.id == ServiceAtLocation.service_id)
        .where(*queries.service_conditions(p), Service.visibility != "confidential", Location.geom.is_not(None))
        .order_by(Service.name)
        .limit(cap + 1)
    )
    if p.la:
        q = q.where(Location.lad_code == p.la)
    rows = [(float(a), float(b), n) for a, b, n in session.execute(q)]
    return None if len(rows) > cap else rows


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_maps_points_are_those_of_the_old_statement_or_none_past_the_cap(app, db, data):
    """Random listings (York and Birmingham, any category, visibility, freshness, archived or not) and
    random choices: the points asked for with no order first are the old statement's, or None where it
    found more than the cap (the page then showed none)."""
    from assetmap.coverage import queries
    from assetmap.coverage.params import CoverageParams
    from assetmap.db import session

    places = {"Birmingham": (-1.9, 52.48), "York": (-1.08, 53.96)}
    with app.test_request_context():
        outer = session.begin_nested()
        try:
            for _ in range(data.draw(st.integers(0, 8), label="listings")):
                lon, lat = places[data.draw(st.sampled_from(sorted(places)), label="where")]
                asset = make_asset(
                    name=data.draw(st.sampled_from(["Hall", "Club", "Garden"]), label="name"),
                    lon=lon + data.draw(st.floats(-0.01, 0.01), label="dx"),
                    lat=lat,
                    categories=data.draw(st.sampled_from(["social-groups", "carers-support"]), label="category"),
                    visibility=data.draw(st.sampled_from(["public", "practitioners", "confidential"]), label="vis"),
                    last_verified=data.draw(st.sampled_from(["2020-01-01", "2026-10-01"]), label="verified"),
                )
                if data.draw(st.booleans(), label="archived"):
                    asset.archived_at = asset.created_at
            session.flush()
            p = CoverageParams(
                la=data.draw(st.sampled_from([None, "E08000025", "E06000014"]), label="la"),
                category=data.draw(st.sampled_from([(), ("carers-support",)]), label="categories"),
                verified_only=data.draw(st.booleans(), label="verified only"),
                public_only=data.draw(st.booleans(), label="public only"),
            )
            cap = data.draw(st.integers(0, 6), label="cap")
            now, before = queries.asset_points(p, cap), _points_as_before(p, cap)
            assert (now is None) == (before is None)
            if now is not None:
                assert sorted(now) == sorted(before) and [n for *_, n in now] == sorted(n for *_, n in now)
        finally:
            outer.rollback()
