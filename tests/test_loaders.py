"""Loaders: idempotent re-runs, explicit CRS handling, invalid polygons, malformed files, all-or-nothing."""

import json
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Polygon
from sqlalchemy import text

from assetmap.config import PROJECT_ROOT
from assetmap.db import session
from assetmap.errors import ValidationError
from assetmap.loaders.boundaries import load_boundaries
from assetmap.loaders.deprivation import load_deprivation
from assetmap.loaders.population import _split, load_population
from assetmap.loaders.postcodes import load_postcodes

DATA = PROJECT_ROOT / "data"
YORK_WARDS = DATA / "boundaries" / "wards_2024_york.geojson"


def scalar(sql, **kw):
    return session.execute(text(sql), kw).scalar()


def test_reloading_boundaries_changes_nothing(app_ctx):
    report = load_boundaries(YORK_WARDS)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 21)


def test_reloading_postcodes_changes_nothing(app_ctx):
    report = load_postcodes(DATA / "postcodes" / "codepoint_open_postcodes_birmingham_york.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 0, 27044)


def test_reloading_population_and_deprivation_keeps_totals(app_ctx):
    # a row constructor's text keeps NULL columns (a || chain would turn the whole row into NULL and drop it)
    digest = (
        "SELECT md5(string_agg((code, population_total, population_65plus, imd_decile)::text, ',' "
        "ORDER BY code)) FROM ward"
    )
    before = scalar(digest)
    load_population(DATA / "population" / "census2021_lsoa21_age6_birmingham_york.csv")
    load_deprivation(DATA / "deprivation" / "imd2019_lsoa11_birmingham_york.csv")
    assert before is not None and scalar(digest) == before


def test_boundaries_in_british_national_grid_are_transformed(app_ctx, tmp_path):
    gdf = gpd.read_file(YORK_WARDS).to_crs(27700)
    gdf.loc[0, "WD24NM"] = "Acomb (renamed in 27700 file)"
    path = tmp_path / "york_27700.gpkg"
    gdf.to_file(path, driver="GPKG")
    report = load_boundaries(path)
    assert report.updated == 1 and report.unchanged == 20
    name, dist = session.execute(
        text(
            "SELECT name, ST_HausdorffDistance(ST_Transform(geom, 27700), ST_Transform(ST_GeomFromText(:wkt, 4326), 27700)) "
            "FROM ward WHERE code = 'E05010311'"
        ),
        {"wkt": gpd.read_file(YORK_WARDS).geometry[0].wkt},
    ).one()
    assert name == "Acomb (renamed in 27700 file)"
    assert dist < 1.0  # metres: the round trip through 27700 moved nothing visibly


def _geojson(tmp_path, features, name="f.geojson"):
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
                "features": features,
            }
        )
    )
    return path


def _ward(code, name, coords):
    return {
        "type": "Feature",
        "properties": {"WD24CD": code, "WD24NM": name, "LAD24CD": "E06000014", "LAD24NM": "York"},
        "geometry": {"type": "Polygon", "coordinates": [coords]},
    }


def test_self_intersecting_polygon_is_repaired_and_reported(app_ctx, tmp_path):
    bowtie = [[-1.0, 53.9], [-0.99, 53.91], [-0.99, 53.9], [-1.0, 53.91], [-1.0, 53.9]]
    report = load_boundaries(_geojson(tmp_path, [_ward("E05999901", "Bow tie", bowtie)]))
    assert report.created == 1 and len(report.repaired) == 1
    kind, valid = session.execute(
        text("SELECT GeometryType(geom), ST_IsValid(geom) FROM ward WHERE code = 'E05999901'")
    ).one()
    assert (kind, valid) == ("MULTIPOLYGON", True)


def test_polygon_that_cannot_stay_a_polygon_is_rejected_and_nothing_changes(app_ctx, tmp_path):
    before = scalar("SELECT name FROM ward WHERE code = 'E05010311'")
    good = gpd.read_file(YORK_WARDS).iloc[[0]].copy()
    renamed = json.loads(good.to_json())["features"][0]
    renamed["properties"]["WD24NM"] = "Should not be saved"
    flat = [[-1.0, 53.9], [-0.99, 53.9], [-0.98, 53.9], [-1.0, 53.9]]  # zero area: repair gives a line
    with pytest.raises(ValidationError) as exc:
        load_boundaries(_geojson(tmp_path, [renamed, _ward("E05999902", "Flat", flat)]))
    assert "E05999902" in exc.value.message
    session.rollback()
    assert scalar("SELECT name FROM ward WHERE code = 'E05010311'") == before
    assert scalar("SELECT count(*) FROM ward WHERE code = 'E05999902'") == 0


def test_malformed_boundary_file_gets_a_clear_error(app_ctx, tmp_path):
    bad = tmp_path / "broken.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [ {"type": ')
    with pytest.raises(ValidationError) as exc:
        load_boundaries(bad)
    assert "could not be read" in exc.value.message


def test_shapefile_without_a_declared_crs_is_refused(app_ctx, tmp_path):
    gdf = gpd.GeoDataFrame(
        {"WD24CD": ["E05999903"], "WD24NM": ["No CRS"], "LAD24CD": ["E06000014"]},
        geometry=[Polygon([(0, 0), (1, 0), (1, 1)])],
        crs=None,
    )
    shp = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):
        gdf.to_file(shp)
    zpath = tmp_path / "nocrs.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for part in tmp_path.glob("nocrs.*"):
            if part.suffix != ".zip":
                z.write(part, part.name)
    with pytest.raises(ValidationError) as exc:
        load_boundaries(zpath)
    assert "coordinate reference system" in exc.value.message


def test_columns_that_name_no_areas_are_refused(app_ctx, tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"foo": 1},
                        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                    }
                ],
            }
        )
    )
    with pytest.raises(ValidationError) as exc:
        load_boundaries(path)
    assert "WD24CD" in exc.value.message


def test_onspd_format_is_loaded_and_terminated_rows_skipped(app_ctx, tmp_path):
    path = tmp_path / "onspd.csv"
    path.write_text(
        "pcd,pcds,doterm,oseast1m,osnrth1m,oslaua,osward,lsoa11,lat,long\n"
        "YO1  0XX,YO1 0XX,,460400,451900,E06000014,E05010318,E01013362,53.958,-1.081\n"
        "YO1  0XY,YO1 0XY,202001,460410,451910,E06000014,E05010318,E01013362,53.958,-1.081\n"
        "ZZ9  9ZZ,ZZ9 9ZZ,,,,,,,99.999999,0.000000\n"
    )
    report = load_postcodes(path)
    assert report.created == 1
    assert report.skipped == {"terminated": 1, "no coordinates": 1}
    assert scalar("SELECT ward_code FROM postcode WHERE postcode = 'YO1 0XX'") == "E05010318"


def test_code_point_eastings_and_northings_are_transformed_from_27700(app_ctx, tmp_path):
    path = tmp_path / "cp.csv"  # the headerless layout Code-Point Open ships in
    path.write_text('"YO1 0XZ",10,460400,451900,"E92000001","E19000001","E18000003","","E06000014","E05010318"\n')
    load_postcodes(path)
    lon, lat = session.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM postcode WHERE postcode = 'YO1 0XZ'")).one()
    # OSGB36 460400 E, 451900 N is York city centre: 53.95 N, 1.08 W (transform checked to ~1 m)
    assert abs(lat - 53.9597) < 0.001 and abs(lon - -1.0817) < 0.001


def test_malformed_postcode_file_is_refused_and_nothing_changes(app_ctx, tmp_path):
    path = tmp_path / "junk.csv"
    path.write_text("name,colour\nalice,blue\n")
    with pytest.raises(ValidationError):
        load_postcodes(path)
    assert scalar("SELECT count(*) FROM postcode") == 27044


def test_population_file_with_a_negative_count_is_refused(app_ctx, tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text("lsoa21_code,total,Aged 65 years and over\nE01008881,-5,1\n")
    with pytest.raises(ValidationError):
        load_population(path)


def test_largest_remainder_split_adds_up_exactly():
    assert _split(10, {"a": 1, "b": 1, "c": 1}) == {"a": 4, "b": 3, "c": 3}
    assert sum(_split(1747, {"a": 13, "b": 7, "c": 0}).values()) == 1747
    assert _split(5, {"a": 0, "b": 0}) == {"a": 3, "b": 2}


def test_cli_load_with_a_missing_file_exits_with_a_message(runner):
    result = runner.invoke(args=["load", "boundaries", "/nonexistent/file.geojson"])
    assert result.exit_code != 0
    assert "does not exist" in result.output
