"""All spatial SQL lives here: SRIDs, points, distances, which area a point is in, display geometry, and the
SQL the boundary and postcode loaders run.

Storage is EPSG:4326 (lon/lat, ``SRID_WGS84``). Distances are metres on the spheroid via ``geography``.
Input in British National Grid (EPSG:27700, ``SRID_BNG``) is transformed explicitly. No other module
writes an ``ST_`` function or an SRID number (``tests/test_architecture.py`` checks); each helper's SQL
and the index it lets PostgreSQL use are pinned by ``tests/test_geo.py``.

Helpers return SQLAlchemy expressions, so a query built anywhere stays one statement. Where a number is
taken (a point's coordinates, a radius) a bound parameter may be given instead, so a statement can be
built once and run with many values (the practitioners' search does).
"""

from __future__ import annotations

import math

from geoalchemy2 import Geography
from pyproj import Geod
from sqlalchemy import Float, String, and_, bindparam, cast, func, literal, or_, select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import UserDefinedType

from .db import session

SRID_WGS84 = 4326
SRID_BNG = 27700

#: Great Britain, generously: the same box the database CHECK constraints enforce.
GB_LON_MIN, GB_LON_MAX = -8.7, 1.9
GB_LAT_MIN, GB_LAT_MAX = 49.8, 60.95

METRES_PER_MILE = 1609.344
_GEOD = Geod(ellps="WGS84")
#: a steady walk for an older person, used for "about N minutes' walk"
WALK_METRES_PER_MINUTE = 75.0

#: degrees that cover at least one metre anywhere in Great Britain (longitude shrinks towards the north)
_DEG_LAT_PER_M = 1.0 / 110_574.0
_DEG_LON_PER_M = 1.0 / (111_320.0 * math.cos(math.radians(GB_LAT_MAX)))


def _value(x):
    """A number as a float bound value; an expression (a bound parameter) as it is."""
    return x if isinstance(x, ColumnElement) else literal(float(x))


# --------------------------------------------------------------------------- points and geography


def point(lon, lat) -> ColumnElement:
    """A PostGIS point expression in EPSG:4326 from lon/lat (numbers, or bound parameters)."""
    return func.ST_SetSRID(func.ST_MakePoint(_value(lon), _value(lat)), SRID_WGS84)


class _PlainGeography(UserDefinedType):
    """``geography`` with no type modifier: ``CAST(x AS geography)`` matches ``(geom::geography)`` indexes,
    whereas a typmod cast (``geography(GEOMETRY,4326)``) wraps the value in a coercion and defeats them."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "geography"


class _PlainGeometry(UserDefinedType):
    """``geometry`` with no type modifier (see ``_PlainGeography``)."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "geometry"


class _TypedByCast(UserDefinedType):
    """A bound value sent without a type of its own (no ``::VARCHAR``), so the ``CAST`` around it gives the
    parameter its type: PostgreSQL reads the value as that type once, when the statement is run."""

    cache_ok = True

    def get_col_spec(self, **kw) -> str:
        return "text"


def point_param(name: str, geography: bool = False) -> ColumnElement:
    """A point as one bound parameter ``:name`` of type geometry (or ``geography``), its value ``ewkt_point``.

    Planned for its own values, a statement folds ``point(:lon, :lat)`` into a constant; a statement that keeps
    one plan for any values (a generic plan, ``db.planner_off``) works ``ST_SetSRID(ST_MakePoint(...))`` and
    the cast to geography out again for every row it reads (a millisecond a search over 1,000 places). A
    parameter of the type itself is read once."""
    return cast(bindparam(name, type_=_TypedByCast()), _PlainGeography() if geography else _PlainGeometry())


def ewkt_point(lon: float, lat: float) -> str:
    """The value of a ``point_param``: the point in EPSG:4326 as extended well-known text (``repr`` writes each
    float so that it reads back as the same float, so the point is ``point(lon, lat)`` exactly)."""
    return f"SRID={SRID_WGS84};POINT({float(lon)!r} {float(lat)!r})"


def geog(geom) -> ColumnElement:
    """``geom::geography``, in the form PostgreSQL matches against an expression index (``location_geog_gist``);
    a geography column (``marker_point.geog``), or a geography ``point_param``, as it is."""
    if isinstance(getattr(geom, "type", None), (Geography, _PlainGeography)):
        return geom
    return cast(geom, _PlainGeography())


def lon(geom) -> ColumnElement:
    return func.ST_X(geom)


def lat(geom) -> ColumnElement:
    return func.ST_Y(geom)


# --------------------------------------------------------------------------- marker cells
#
# The map's grid (``marker_cell``, migration 0014): a level-k cell is 2**-k degrees of latitude by twice
# that of longitude (about square on the ground in GB), numbered from 0°. Scaling by a power of two is
# exact in floating point, so ``floor(lon * 2**(k-1))`` here, in the triggers and in Python agree to the
# last bit, and a point on a cell's edge belongs to exactly one cell.


def cell_sides(level: int) -> tuple[float, float]:
    """(degrees of longitude, degrees of latitude) of a level's cell."""
    return 2.0 ** (1 - level), 2.0**-level


def cell_of(lon_, lat_, level: int) -> tuple[ColumnElement, ColumnElement]:
    """The column and row of the level's cell holding the point (``lon_``, ``lat_``), as the triggers number them."""
    return func.floor(lon_ * 2.0 ** (level - 1)), func.floor(lat_ * 2.0**level)


def cell_box(level: int, cx: int, cy: int, columns: int = 1) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a cell, or of ``columns`` cells side by side from it."""
    w, h = cell_sides(level)
    return cx * w, cy * h, (cx + columns) * w, (cy + 1) * h


def in_box(geom, west, south, east, north) -> ColumnElement:
    """True where the point ``geom`` is in the box, its west and south edges included and its east and north
    edges not (as ``cell_of`` counts), so boxes side by side never count a point twice. ``&&`` lets the
    GiST index answer; the corners may be columns (a joined list of boxes)."""
    x, y = func.ST_X(geom), func.ST_Y(geom)
    return and_(
        geom.op("&&")(func.ST_MakeEnvelope(west, south, east, north, SRID_WGS84)),
        x >= west,
        x < east,
        y >= south,
        y < north,
    )


def near_box(geom, west, south, east, north) -> ColumnElement:
    """True where the point ``geom`` is in the box by ``&&`` alone (the GiST index answers, no exact test): the
    index's boxes are rounded outward, so a point about a centimetre outside may pass. For a box that holds
    circles the point is also tested against (the map's whole view, ``markers._points_in``); ``in_box`` where
    the edges themselves must decide."""
    return geom.op("&&")(func.ST_MakeEnvelope(west, south, east, north, SRID_WGS84))


def spheroid_m(lon0: float, lat0: float, lons, lats):
    """Metres on the WGS84 spheroid from (``lon0``, ``lat0``) to each point (Karney's method, as PostGIS's
    geography distance): numpy arrays in, an array out."""
    import numpy as np

    n = len(lons)
    _az, _baz, d = _GEOD.inv(np.full(n, lon0), np.full(n, lat0), lons, lats)
    return d


# --------------------------------------------------------------------------- distances


def distance_m(geom, origin) -> ColumnElement:
    """Spheroidal distance in metres between two 4326 geometries."""
    return func.ST_Distance(geog(geom), geog(origin))


def knn_distance(geom, origin) -> ColumnElement:
    """``geog(geom) <-> geog(origin)``: metres on a sphere, the operator the ``location_geog_gist`` index
    orders by (an index-ordered nearest-neighbour scan that stops at the LIMIT). Within about 0.6% of
    ``distance_m`` (the spheroid), so callers re-sort by ``distance_m`` and allow that margin."""
    return geog(geom).op("<->", return_type=Float)(geog(origin))


def within_m(geom, origin, metres) -> ColumnElement:
    """True where ``geom`` lies within ``metres`` (a number or a bound parameter) of ``origin`` (the
    ``location_geog_gist`` index answers it)."""
    radius = metres if isinstance(metres, ColumnElement) else float(metres)
    return func.ST_DWithin(geog(geom), geog(origin), radius)


def within_m_estimated(geom, origin, metres) -> ColumnElement:
    """``within_m`` written as its two halves: the box the ``location_geog_gist`` index answers (and orders a
    nearest-neighbour scan by), then the exact test. Same rows; but PostgreSQL estimates ``ST_DWithin`` on a
    geography circle thousands of times too low (6 places for the 21,000 within 10 miles of central London
    at 100,000 assets) and then reads and sorts a whole dense circle, while the box is estimated from the
    index's statistics (19,000) and the exact test at a third of it."""
    radius = metres if isinstance(metres, ColumnElement) else float(metres)
    return and_(
        geog(geom).op("&&")(func._ST_Expand(geog(origin), radius)),
        func._ST_DWithin(geog(geom), geog(origin), radius, True),
    )


def box_near_m(geom, origin, metres) -> ColumnElement:
    """A cheap first cut for ``near_m``: ``geom``'s box overlaps ``origin`` widened by ``metres`` in
    degrees enough for any GB latitude (a plain geometry GiST index on ``geom`` answers it)."""
    if isinstance(metres, ColumnElement):
        return geom.op("&&")(func.ST_Expand(origin, metres * _DEG_LON_PER_M, metres * _DEG_LAT_PER_M))
    m = float(metres)
    return geom.op("&&")(func.ST_Expand(origin, m * _DEG_LON_PER_M, m * _DEG_LAT_PER_M))


def near_m(geom, origin, metres) -> ColumnElement:
    """True where 4326 ``geom`` is within ``metres`` (a number or a bound parameter) of ``origin`` on the
    spheroid, using a plain geometry GiST index on ``geom``: a bounding box widened enough for any GB
    latitude, then the exact test."""
    radius = metres if isinstance(metres, ColumnElement) else float(metres)
    return and_(box_near_m(geom, origin, metres), func.ST_DWithin(geog(geom), geog(origin), radius))


def sphere_distance_m(geom, origin) -> ColumnElement:
    """Metres on a sphere: about four times faster than the spheroid and within 0.5% of it, for the
    many-pairs sums where that error is far below the precision of the inputs (e.g. LSOA points)."""
    return func.ST_Distance(geog(geom), geog(origin), False)


# --------------------------------------------------------------------------- which area a point is in
#
# One rule, the SQL functions of migration 0005, which the location trigger also calls: the covering area,
# else the nearest within 150 m (600 m for the 500 m-generalised constituencies). A search point and a
# place are therefore always given the same ward (tests/test_geo.py checks points near every ward's edge).


def covers(area_geom, geom) -> ColumnElement:
    return func.ST_Covers(area_geom, geom)


def ward_at(geom) -> ColumnElement:
    """The code of the ward ``geom`` (a 4326 point) is in, or NULL outside the loaded wards."""
    return func.ward_at(geom, type_=String)


def lsoa_at(geom) -> ColumnElement:
    return func.lsoa_at(geom, type_=String)


def constituency_at(geom) -> ColumnElement:
    return func.constituency_at(geom, type_=String)


def areas_at(lon: float, lat: float) -> tuple[str | None, str | None, str | None]:
    """(ward, LSOA, constituency) codes of a point by the location trigger's rule, each None outside the
    loaded areas."""
    pt = point(lon, lat)
    ward, lsoa, constituency = session.execute(select(ward_at(pt), lsoa_at(pt), constituency_at(pt))).one()
    return ward, lsoa, constituency


# --------------------------------------------------------------------------- geometry out


def as_geojson(geom, decimals: int = 6) -> ColumnElement:
    return func.ST_AsGeoJSON(geom, decimals)


def simplified_geojson(geom, tolerance_deg: float = 0.0005, decimals: int = 5) -> ColumnElement:
    """Display geometry: topology-preserving simplification, rounded coordinates."""
    return func.ST_AsGeoJSON(func.ST_SimplifyPreserveTopology(geom, tolerance_deg), decimals)


def label_point(geom) -> tuple[ColumnElement, ColumnElement]:
    """(lon, lat) of a point inside a polygon, for its name on a map (``ST_PointOnSurface``)."""
    inside = func.ST_PointOnSurface(geom)
    return func.ST_X(inside), func.ST_Y(inside)


# --------------------------------------------------------------------------- boxes (OGC API - Features bbox, extents)


def envelope(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> ColumnElement:
    """A 4326 box from its corners (``ST_MakeEnvelope``)."""
    return func.ST_MakeEnvelope(
        literal(float(min_lon)), literal(float(min_lat)), literal(float(max_lon)), literal(float(max_lat)), SRID_WGS84
    )


def intersects_box(geom, box: tuple[float, float, float, float]) -> ColumnElement:
    """True where ``geom`` intersects a lon/lat box; one that crosses the antimeridian (west > east) is
    split in two. ``&&`` first so the GiST index answers, then the exact test."""
    west, south, east, north = box
    parts = (
        [(west, south, east, north)] if west <= east else [(west, south, 180.0, north), (-180.0, south, east, north)]
    )
    return or_(*[and_(geom.op("&&")(envelope(*p)), func.ST_Intersects(geom, envelope(*p))) for p in parts])


def extent_bounds(geom) -> list[ColumnElement]:
    """min lon, min lat, max lon, max lat of every ``geom`` in the query (an aggregate: ``ST_Extent``)."""
    ext = func.ST_Extent(geom)
    return [func.ST_XMin(ext), func.ST_YMin(ext), func.ST_XMax(ext), func.ST_YMax(ext)]


# --------------------------------------------------------------------------- in Python


def fuzz_point(lon_: float, lat_: float, grid_m: float = 250.0) -> tuple[float, float]:
    """Snap a point to the centre of a ~grid_m square so a shared map never shows a home."""
    dlat = grid_m / 111_320.0
    dlon = grid_m / (111_320.0 * math.cos(math.radians(lat_)))
    return ((math.floor(lon_ / dlon) + 0.5) * dlon, (math.floor(lat_ / dlat) + 0.5) * dlat)


#: the mean radius of the Earth (IUGG), for distances worked out in Python
EARTH_RADIUS_M = 6_371_008.8


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle metres between two (lon, lat) points: within 0.5% of the spheroid, plenty to tell
    whether two listings are at one place (the duplicate finder scores pairs in Python)."""
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def miles(metres: float) -> float:
    return metres / METRES_PER_MILE


def walking_minutes(metres: float, metres_per_minute: float = WALK_METRES_PER_MINUTE) -> int:
    return max(1, round(metres / metres_per_minute))


# --------------------------------------------------------------------------- loading boundaries (loaders.boundaries)

#: the tables that hold areas (a boundary file's kind names one)
AREA_TABLES = ("ward", "constituency", "lsoa", "local_authority")
#: a polygon from a boundary file (hex WKB, already transformed to 4326) as it is stored: a MultiPolygon
GEOM_FROM_WKB = f"ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(:wkb, 'hex')), {SRID_WGS84}))"


def multipolygon_from_wkb(wkb_hex) -> ColumnElement:
    """``GEOM_FROM_WKB`` as an expression, for a polygon (hex WKB, already in 4326) stored through the ORM."""
    return func.ST_Multi(func.ST_SetSRID(func.ST_GeomFromWKB(func.decode(wkb_hex, "hex")), SRID_WGS84))


#: what an area is compared on to see whether a reload changes it: its name and its exact geometry
INCOMING_AREA_DIGEST_SQL = text(f"SELECT md5(:name || ST_AsEWKB({GEOM_FROM_WKB})::text)")


def _area_table(table: str) -> str:
    if table not in AREA_TABLES:
        raise ValueError(f"not an area table: {table!r}")
    return table


def area_digests_sql(table: str):
    """``code -> md5(name, geometry)`` of the stored areas among ``:codes``."""
    return text(f"SELECT code, md5(name || ST_AsEWKB(geom)::text) FROM {_area_table(table)} WHERE code = ANY(:codes)")


def upsert_area_sql(table: str):
    """Insert or replace one area (``:code``, ``:name``, ``:wkb``; a ward's ``:lad``, an LSOA's ``:lad`` if held)."""
    if table == "ward":
        return text(
            f"INSERT INTO ward (code, name, lad_code, geom) VALUES (:code, :name, :lad, {GEOM_FROM_WKB}) "
            "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, lad_code = EXCLUDED.lad_code, "
            "geom = EXCLUDED.geom"
        )
    if table == "lsoa":
        return text(
            f"INSERT INTO lsoa (code, name, lad_code, geom) VALUES (:code, :name, "
            "(SELECT code FROM local_authority WHERE code = :lad), "
            f"{GEOM_FROM_WKB}) ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, "
            "lad_code = EXCLUDED.lad_code, geom = EXCLUDED.geom"
        )
    return text(
        f"INSERT INTO {_area_table(table)} (code, name, geom) VALUES (:code, :name, {GEOM_FROM_WKB}) "
        "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, geom = EXCLUDED.geom"
    )


#: a local authority first seen in a ward file, with a placeholder geometry (its wards' union, ``:wkb``)
INSERT_LOCAL_AUTHORITY_SQL = text(f"INSERT INTO local_authority (code, name, geom) VALUES (:c, :n, {GEOM_FROM_WKB})")
#: every local authority's boundary is the union of its wards
LOCAL_AUTHORITIES_FROM_WARDS_SQL = text(
    "UPDATE local_authority la SET geom = sub.geom FROM ("
    " SELECT lad_code, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_Union(geom)), 3)) AS geom"
    " FROM ward GROUP BY lad_code) sub WHERE sub.lad_code = la.code"
)
#: each ward's constituency is the one holding most of its area
WARD_CONSTITUENCIES_SQL = text(
    "UPDATE ward w SET constituency_code = (SELECT c.code FROM constituency c "
    " WHERE ST_Intersects(c.geom, w.geom) "
    " ORDER BY ST_Area(ST_Intersection(c.geom, w.geom)) DESC LIMIT 1)"
)
#: an LSOA loaded before its local authority takes the authority of the ward holding its representative point
LSOA_LOCAL_AUTHORITIES_SQL = text(
    "UPDATE lsoa l SET lad_code = w.lad_code FROM ward w "
    "WHERE l.lad_code IS NULL AND ST_Covers(w.geom, ST_PointOnSurface(l.geom))"
)
#: LSOAs belong to the ward and constituency that contain their representative point (they do not nest)
ASSIGN_LSOA_AREAS_SQL = text(
    """
    UPDATE lsoa l SET
      ward_code = (SELECT w.code FROM ward w
                   WHERE ST_Covers(w.geom, ST_PointOnSurface(l.geom))
                   ORDER BY w.code LIMIT 1),
      constituency_code = COALESCE(
          (SELECT c.code FROM constituency c
           WHERE ST_Covers(c.geom, ST_PointOnSurface(l.geom)) ORDER BY c.code LIMIT 1),
          (SELECT c.code FROM constituency c
           ORDER BY c.geom <-> ST_PointOnSurface(l.geom) LIMIT 1))
    """
)
#: every place is given its areas again by the location trigger (after boundaries change)
REASSIGN_LOCATIONS_SQL = text("UPDATE location SET geom = geom WHERE geom IS NOT NULL")


# --------------------------------------------------------------------------- loading postcodes (loaders.postcodes)

#: staged postcodes (lon/lat already transformed to 4326) upserted; returns (created, updated)
UPSERT_POSTCODES_SQL = text(f"""
    WITH incoming AS (
      SELECT postcode, ST_SetSRID(ST_MakePoint(lon, lat), {SRID_WGS84}) AS geom, quality,
             NULLIF(lad, '') AS lad, NULLIF(ward, '') AS ward, NULLIF(lsoa, '') AS lsoa, source
      FROM postcode_stage),
    changed AS (
      SELECT i.* FROM incoming i LEFT JOIN postcode p USING (postcode)
      WHERE p.postcode IS NULL OR NOT ST_Equals(p.geom, i.geom)
         OR p.lad_code IS DISTINCT FROM i.lad OR p.ward_code IS DISTINCT FROM i.ward
         OR p.lsoa_code IS DISTINCT FROM COALESCE(i.lsoa, p.lsoa_code)
         OR p.positional_quality IS DISTINCT FROM i.quality),
    upserted AS (
      INSERT INTO postcode (postcode, geom, positional_quality, lad_code, ward_code, lsoa_code, source)
      SELECT postcode, geom, quality, lad, ward, lsoa, source FROM changed
      ON CONFLICT (postcode) DO UPDATE SET geom = EXCLUDED.geom,
         positional_quality = EXCLUDED.positional_quality, lad_code = EXCLUDED.lad_code,
         ward_code = EXCLUDED.ward_code, lsoa_code = COALESCE(EXCLUDED.lsoa_code, postcode.lsoa_code),
         source = EXCLUDED.source
      RETURNING (xmax = 0) AS inserted)
    SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
""")
#: postcodes without an LSOA code get the LSOA that covers them
POSTCODE_LSOAS_SQL = text(
    "UPDATE postcode p SET lsoa_code = l.code FROM lsoa l WHERE p.lsoa_code IS NULL AND ST_Covers(l.geom, p.geom)"
)
#: each LSOA's population-weighted point: the mean of its postcode centroids (else a point inside it)
LSOA_POP_POINTS_SQL = text(
    f"""
    UPDATE lsoa l SET pop_point = COALESCE(
        (SELECT ST_SetSRID(ST_MakePoint(avg(ST_X(p.geom)), avg(ST_Y(p.geom))), {SRID_WGS84})
         FROM postcode p WHERE ST_Covers(l.geom, p.geom) HAVING count(*) > 0),
        ST_PointOnSurface(l.geom))
    """
)


# --------------------------------------------------------------------------- custom area sets

#: below this share of an LSOA (by area, for an LSOA with no postcode) a piece is a drawing slip, not residents
MIN_AREA_SHARE = 0.01

#: Residents of each LSOA shared among the custom areas of one set in proportion to the LSOA's Code-Point
#: postcodes that fall in each (residents taken as spread evenly over its postcodes); an LSOA with no
#: postcode is shared by area on the ellipsoid. Each postcode counts once: one on a shared edge, or inside
#: two overlapping areas, goes to the one it is inside (not on the edge of), then the first by code.
#: ``main`` marks the area holding the largest share.
APPORTION_LSOAS_SQL = text(
    """
    WITH pc AS (SELECT lsoa_code, count(*) AS n FROM postcode WHERE lsoa_code IS NOT NULL GROUP BY lsoa_code),
    placed AS (
      SELECT DISTINCT ON (p.postcode) p.postcode, p.lsoa_code, a.code AS area_code
      FROM custom_area a JOIN postcode p ON ST_Covers(a.geom, p.geom)
      WHERE a.set_id = :set_id AND p.lsoa_code IS NOT NULL
      ORDER BY p.postcode, ST_Contains(a.geom, p.geom) DESC, a.code),
    by_postcode AS (
      SELECT x.area_code, x.lsoa_code, count(*)::float8 / pc.n AS share
      FROM placed x JOIN pc ON pc.lsoa_code = x.lsoa_code GROUP BY x.area_code, x.lsoa_code, pc.n),
    by_area AS (
      SELECT a.code AS area_code, l.code AS lsoa_code,
             ST_Area(ST_Intersection(a.geom, l.geom)::geography) / NULLIF(ST_Area(l.geom::geography), 0) AS share
      FROM custom_area a JOIN lsoa l ON ST_Intersects(a.geom, l.geom)
      WHERE a.set_id = :set_id AND NOT EXISTS (SELECT 1 FROM pc WHERE pc.lsoa_code = l.code)),
    pieces AS (
      SELECT * FROM by_postcode
      UNION ALL SELECT area_code, lsoa_code, LEAST(share, 1.0) FROM by_area WHERE share >= :min_area_share)
    INSERT INTO custom_area_lsoa (set_id, area_code, lsoa_code, share, main)
    SELECT :set_id, p.area_code, p.lsoa_code, p.share,
           row_number() OVER (PARTITION BY p.lsoa_code ORDER BY p.share DESC, p.area_code) = 1
    FROM pieces p JOIN lsoa l ON l.code = p.lsoa_code
    """
)
