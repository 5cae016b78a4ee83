"""The spatial module: each helper's SQL pinned, the index each one lets PostgreSQL use, and one area rule.

The SQL text matters because the indexes are built on exact expressions: ``location_geog_gist`` is on
``(geom::geography)``, which a plain ``CAST(geom AS geography)`` matches and a typmod cast does not. A change
that keeps every result but loses an index passes every other test and makes searches slow; here it fails.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from sqlalchemy import Float, String, bindparam, cast, func, select, text
from sqlalchemy.dialects import postgresql

from assetmap import geo
from assetmap.db import session
from assetmap.models import Location, Lsoa, MarkerPoint, Ward

PT = geo.point(-1.9, 52.48)
POINT_SQL = "ST_SetSRID(ST_MakePoint(-1.9, 52.48), 4326)"


def sql(expr) -> str:
    return str(expr.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


PINNED = {
    "point": (PT, POINT_SQL),
    "geog": (geo.geog(Location.geom), "CAST(location.geom AS geography)"),
    "distance_m": (
        geo.distance_m(Location.geom, PT),
        f"ST_Distance(CAST(location.geom AS geography), CAST({POINT_SQL} AS geography))",
    ),
    "within_m": (
        geo.within_m(Location.geom, PT, 500),
        f"ST_DWithin(CAST(location.geom AS geography), CAST({POINT_SQL} AS geography), 500.0)",
    ),
    "box_near_m": (
        geo.box_near_m(Location.geom, PT, 1000),
        f"location.geom && ST_Expand({POINT_SQL}, 0.01850003516096786, 0.009043717329571148)",
    ),
    "near_m": (
        geo.near_m(Location.geom, PT, 1000),
        f"(location.geom && ST_Expand({POINT_SQL}, 0.01850003516096786, 0.009043717329571148)) AND "
        f"ST_DWithin(CAST(location.geom AS geography), CAST({POINT_SQL} AS geography), 1000.0)",
    ),
    "sphere_distance_m": (
        geo.sphere_distance_m(Lsoa.pop_point, Location.geom),
        "ST_Distance(CAST(lsoa.pop_point AS geography), CAST(location.geom AS geography), false)",
    ),
    "covers": (geo.covers(Ward.geom, PT), f"ST_Covers(ward.geom, {POINT_SQL})"),
    "ward_at": (geo.ward_at(PT), f"ward_at({POINT_SQL})"),
    "lsoa_at": (geo.lsoa_at(PT), f"lsoa_at({POINT_SQL})"),
    "constituency_at": (geo.constituency_at(PT), f"constituency_at({POINT_SQL})"),
    "as_geojson": (geo.as_geojson(Ward.geom), "ST_AsGeoJSON(ward.geom, 6)"),
    "simplified_geojson": (
        geo.simplified_geojson(Ward.geom),
        "ST_AsGeoJSON(ST_SimplifyPreserveTopology(ward.geom, 0.0005), 5)",
    ),
    "label_point": (geo.label_point(Ward.geom)[1], "ST_Y(ST_PointOnSurface(ward.geom))"),
    "envelope": (geo.envelope(-2, 52, -1.5, 52.5), "ST_MakeEnvelope(-2.0, 52.0, -1.5, 52.5, 4326)"),
    "intersects_box": (
        geo.intersects_box(Location.geom, (-2, 52, -1.5, 52.5)),
        "(location.geom && ST_MakeEnvelope(-2.0, 52.0, -1.5, 52.5, 4326)) AND "
        "ST_Intersects(location.geom, ST_MakeEnvelope(-2.0, 52.0, -1.5, 52.5, 4326))",
    ),
    "intersects_box across the antimeridian": (
        geo.intersects_box(Location.geom, (179, 52, -179, 53)),
        "(location.geom && ST_MakeEnvelope(179.0, 52.0, 180.0, 53.0, 4326)) AND "
        "ST_Intersects(location.geom, ST_MakeEnvelope(179.0, 52.0, 180.0, 53.0, 4326)) OR "
        "(location.geom && ST_MakeEnvelope(-180.0, 52.0, -179.0, 53.0, 4326)) AND "
        "ST_Intersects(location.geom, ST_MakeEnvelope(-180.0, 52.0, -179.0, 53.0, 4326))",
    ),
    "extent_bounds": (geo.extent_bounds(Location.geom)[2], "ST_XMax(ST_Extent(location.geom))"),
    "cell_of": (
        geo.cell_of(geo.lon(Location.geom), geo.lat(Location.geom), 9)[0],
        "floor(ST_X(location.geom) * 256.0)",
    ),
    "in_box": (
        geo.in_box(MarkerPoint.geom, -2.0, 52.0, -1.5, 52.5),
        "(marker_point.geom && ST_MakeEnvelope(-2.0, 52.0, -1.5, 52.5, 4326)) AND ST_X(marker_point.geom) >= -2.0 "
        "AND ST_X(marker_point.geom) < -1.5 AND ST_Y(marker_point.geom) >= 52.0 AND ST_Y(marker_point.geom) < 52.5",
    ),
}


@pytest.mark.parametrize("helper", list(PINNED))
def test_each_helper_writes_the_sql_it_is_pinned_to(helper):
    expr, expected = PINNED[helper]
    assert sql(expr) == expected


def test_a_point_on_a_cells_edge_is_in_one_cell_and_in_box_agrees_with_cell_of(db):
    """Cells are numbered by exact power-of-two scaling: a point on a shared edge belongs to the cell east or
    north of it, by ``cell_of`` and by ``in_box`` alike, and Python's numbering is the database's."""
    west, south, east, north = geo.cell_box(11, -973, 53744)
    x, y = geo.cell_of(geo.lon(geo.point(east, north)), geo.lat(geo.point(east, north)), 11)
    assert session.execute(select(x, y)).one() == (-972, 53745)
    assert (math.floor(east * 2**10), math.floor(north * 2**11)) == (-972, 53745)
    edge = geo.point(east, (south + north) / 2)
    inside = select(geo.in_box(edge, west, south, east, north), geo.in_box(edge, east, south, east + 1, north))
    assert session.execute(inside).one() == (False, True)
    assert geo.cell_sides(11) == (2.0**-10, 2.0**-11)


def test_spheroid_m_agrees_with_the_database_geography_distance(db):
    import numpy as np

    lons, lats = np.array([-1.8, -0.128, -3.1]), np.array([52.5, 51.507, 54.55])
    ours = geo.spheroid_m(-1.9, 52.48, lons, lats)
    theirs = [
        session.execute(select(geo.distance_m(geo.point(lo, la), geo.point(-1.9, 52.48)))).scalar_one()
        for lo, la in zip(lons, lats)
    ]
    assert ours == pytest.approx(theirs, abs=0.01)


def test_a_radius_and_a_point_may_be_parameters_of_a_statement_built_once():
    """The practitioners' search builds its statement once per shape and runs it with each search's values."""
    origin = geo.point(bindparam("o_lon", type_=Float), bindparam("o_lat", type_=Float))
    near = geo.near_m(Location.geom, origin, bindparam("near_m", type_=Float))
    compiled = near.compile(dialect=postgresql.dialect())
    text_ = str(compiled)
    assert "ST_MakePoint(%(o_lon)s, %(o_lat)s)" in text_
    assert "ST_Expand(" in text_ and "%(near_m)s * " in text_ and text_.endswith("%(near_m)s)")
    widen = sorted(v for k, v in compiled.params.items() if k.startswith("param_"))
    assert widen == pytest.approx(sorted([1 / 110_574.0, 1 / (111_320.0 * math.cos(math.radians(geo.GB_LAT_MAX)))]))


def test_a_point_parameter_is_the_same_point_and_reads_as_its_own_type(db):
    """``point_param`` (one typed parameter, ``ewkt_point``) is ``point(lon, lat)`` to the last bit, as geometry and
    as geography, and the parameter takes the type of its cast (so a generic plan reads it once, not per row)."""
    rng = random.Random(20261128)
    points = [(-1.9026, 52.4796), (-0.1, 51.5), (1e-05, 50.0), (-0.0, 53.0)]
    points += [(rng.uniform(-6.5, 2.0), rng.uniform(49.8, 55.9)) for _ in range(40)]
    as_geom = geo.point_param("p")
    as_geog = geo.point_param("g", geography=True)
    compiled = str(select(as_geom, as_geog).compile(dialect=postgresql.dialect(), compile_kwargs={}))
    assert "CAST(%(p)s AS geometry)" in compiled and "CAST(%(g)s AS geography)" in compiled
    for lon, lat in points:
        ewkt = geo.ewkt_point(lon, lat)
        same = session.execute(
            select(
                func.ST_AsEWKB(as_geom) == func.ST_AsEWKB(geo.point(lon, lat)),
                func.ST_AsEWKB(cast(as_geog, geo._PlainGeometry()))
                == func.ST_AsEWKB(cast(geo.geog(geo.point(lon, lat)), geo._PlainGeometry())),
                func.ST_X(as_geom),
                func.ST_Y(as_geom),
            ),
            {"p": ewkt, "g": ewkt},
        ).one()
        assert same[:2] == (True, True), (lon, lat)
        assert (same[2], same[3]) == (lon, lat)
    assert geo.geog(as_geog) is as_geog  # already geography: not cast again
    # prepared as the app's connections prepare a statement run often: the parameters' own types
    sql = "SELECT %(p)s IS NOT NULL AS point_param_probe, " + compiled.split("SELECT ", 1)[1]
    raw = session.connection().connection.dbapi_connection
    raw.execute(
        sql.replace("%(p)s IS NOT NULL", "true"), {"p": geo.ewkt_point(0, 51), "g": geo.ewkt_point(0, 51)}, prepare=True
    )
    types = session.execute(
        text("SELECT parameter_types::text[] FROM pg_prepared_statements WHERE statement LIKE '%point_param_probe%'")
    ).scalar_one()
    assert types == ["geometry", "geography"]


def test_a_polygon_from_a_file_is_stored_as_a_multipolygon_in_the_storage_srid():
    """The ORM form of the loaders' GEOM_FROM_WKB (geoalchemy2 compiles ST_GeomFromWKB itself, so the bound form)."""
    compiled = geo.multipolygon_from_wkb(bindparam("wkb", type_=String)).compile(dialect=postgresql.dialect())
    assert str(compiled).startswith("ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(%(wkb)s")
    assert {v for v in compiled.params.values() if v is not None} == {geo.SRID_WGS84, "hex"}
    assert "ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(:wkb, 'hex')), 4326))" == geo.GEOM_FROM_WKB


def test_the_loader_sql_names_its_srid_through_the_constant():
    for stmt in (geo.INCOMING_AREA_DIGEST_SQL, geo.INSERT_LOCAL_AUTHORITY_SQL, geo.UPSERT_POSTCODES_SQL):
        assert f", {geo.SRID_WGS84})" in stmt.text
    assert "ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(:wkb, 'hex')), 4326))" in geo.upsert_area_sql("ward").text
    assert "INSERT INTO constituency (code, name, geom)" in geo.upsert_area_sql("constituency").text
    with pytest.raises(ValueError):
        geo.area_digests_sql("app_user; DROP TABLE ward")


# --------------------------------------------------------------------------- index use


def indexes_used(stmt) -> set[str]:
    """The indexes PostgreSQL would use for ``stmt`` when it may not scan a table whole."""
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = session.execute(text("EXPLAIN (FORMAT JSON) " + sql(stmt))).scalar_one()
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            if "Index Name" in node:
                found.add(node["Index Name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(plan if not isinstance(plan, str) else json.loads(plan))
    return found


@pytest.mark.parametrize(
    "name, stmt, index",
    [
        ("within_m", select(Location.id).where(geo.within_m(Location.geom, PT, 500)), "location_geog_gist"),
        ("near_m", select(Location.id).where(geo.near_m(Location.geom, PT, 500)), "idx_location_geom"),
        ("box_near_m", select(Lsoa.code).where(geo.box_near_m(Lsoa.pop_point, PT, 800)), "idx_lsoa_pop_point"),
        ("covers", select(Ward.code).where(geo.covers(Ward.geom, PT)), "idx_ward_geom"),
        (
            "intersects_box",
            select(Location.id).where(geo.intersects_box(Location.geom, (-2, 52, -1.5, 52.5))),
            "idx_location_geom",
        ),
        (
            "in_box",
            select(MarkerPoint.link_id).where(geo.in_box(MarkerPoint.geom, -2.0, 52.0, -1.5, 52.5)),
            "idx_marker_point_geom",
        ),
    ],
)
def test_each_filter_helper_lets_the_index_answer(db, name, stmt, index):
    assert index in indexes_used(stmt), name


def test_a_typmod_geography_cast_would_lose_the_distance_index(db):
    """The reason ``geog`` exists: the pin above would not catch a regression this test cannot see."""
    typmod = select(Location.id).where(
        text(f"ST_DWithin(location.geom::geography(Point, 4326), ({POINT_SQL})::geography, 500)")
    )
    assert "location_geog_gist" not in indexes_used(typmod)


# --------------------------------------------------------------------------- one rule for which area a point is in


def points_near_ward_edges(seed: int = 20261126, per_ring: int = 4, within_m: float = 200.0) -> list[tuple]:
    """Points on every ward's boundary rings, each moved up to ``within_m`` metres in a random direction."""
    rows = session.execute(
        text(
            "SELECT ST_X(p), ST_Y(p) FROM ("
            "  SELECT ST_LineInterpolatePoint(d.ring, f) AS p"
            "  FROM (SELECT (ST_Dump(ST_Boundary(geom))).geom AS ring FROM ward) d,"
            "       generate_series(1, :n) k, LATERAL (SELECT k::float8 / (:n + 1) AS f) x) s"
        ),
        {"n": per_ring},
    ).all()
    rng = random.Random(seed)
    points = []
    for lon, lat in rows:
        metres, angle = rng.uniform(0, within_m), rng.uniform(0, 2 * math.pi)
        dlat = metres * math.cos(angle) / 111_320.0
        dlon = metres * math.sin(angle) / (111_320.0 * math.cos(math.radians(lat)))
        points.append((lon + dlon, lat + dlat))
    return points


def test_the_location_trigger_and_python_give_a_point_the_same_areas_near_every_ward_edge(db):
    # and a few points well outside both councils, where every rule must say "no area"
    points = points_near_ward_edges() + [(-1.55, 52.70), (-0.85, 54.10), (-2.2, 52.35)]
    assert len(points) > 300
    stored = session.execute(
        text(
            "INSERT INTO location (id, location_type, geom) "
            "SELECT gen_random_uuid(), 'physical', ST_SetSRID(ST_MakePoint(x, y), 4326) "
            "FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS t(x, y) "
            "RETURNING ST_X(geom), ST_Y(geom), ward_code, lsoa_code, constituency_code"
        ),
        {"xs": [p[0] for p in points], "ys": [p[1] for p in points]},
    ).all()
    assert len(stored) == len(points)
    differ = [(lon, lat, trigger) for lon, lat, *trigger in stored if geo.areas_at(lon, lat) != tuple(trigger)]
    assert differ == []
    # the sample means something: points in most wards, some outside every ward held, some in no polygon but
    # near one (a sliver between generalised polygons, or just outside a council: the 150 m rule)
    wards = [w for _lon, _lat, w, _l, _c in stored]
    assert len(set(wards)) > 80 and None in wards
    uncovered = session.execute(
        text(
            "SELECT count(*) FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS t(x, y) "
            "WHERE ward_at(ST_SetSRID(ST_MakePoint(x, y), 4326)) IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM ward w WHERE ST_Covers(w.geom, ST_SetSRID(ST_MakePoint(x, y), 4326)))"
        ),
        {"xs": [p[0] for p in points], "ys": [p[1] for p in points]},
    ).scalar_one()
    assert uncovered > 0, "no point fell in a sliver between ward polygons: the 150 m rule went untested"
