"""The results map's markers for any view: each result's point when the view holds few, else grid clusters.

A view of a dense search (10 miles round central London holds some 200,000 results at 1,000,000 assets)
cannot be sent as points: 1,000 markers were already 262 KB. A view holding at most ``MAP_POINTS_LIMIT``
results gets its points as before (and Leaflet.markercluster groups them on screen); a fuller one gets
its results grouped by a grid of about ``GRID_CELLS`` cells across (``geo.cell_of``: a level's cell is
2**-level degrees of latitude by twice that of longitude, counted from 0°, so a cell stays put while the
map pans) and each cell sends one marker: its count and the mean position of its results, or the result
itself when it holds one. The bytes are bounded by the grid, not by the results.

Counting every result in view live costs place -> link -> service lookups per result (3-5 s for the
10-mile view of central London). For a search without filters or words the counts are read instead
from what triggers keep (migration 0014): ``marker_cell``, per cell at levels 4-11, visibility, ward and
constituency, the count and the sums of lon and lat; ``marker_point``, the counted (service, place)
pairs themselves. The view is cut into cells (``_decompose``): a cell wholly inside the view and the
search circle (or in the searched ward or constituency, by its rows' codes) is read from its row; a
cell wholly outside either is dropped; a cell crossing an edge is split into its four children at the
next level while it holds more than ``LIVE_CELL_MAX`` results, else its points are counted live from
``marker_point`` (no joins), in the same circles. The counts are exact. "Wholly inside" asks each of
the cell's corners to be within the radius (less a metre): along a parallel or a meridian the distance
from a point has no maximum inside a segment, so the farthest point of a cell is a corner.

What a search without filters counts is ``marker_class`` in SQL: an active, unarchived listing's place,
``public`` for everyone, ``practitioners`` for signed-in users, never a confidential one (so a refuge is
in no count and moves no cluster).

A search with filters or words is counted from ``marker_point`` alone, each row tested as it is read
(``_point_filters``, the search's own values): terms (category, audience, what matters, type), least cost,
ways to take part and the words on the row's own columns (migrations 0015, 0017: the words are the service's
``search_tsv`` and its terms, as the search asks); days, parts of the day, this week and accessibility on its
kept slots and features (migration 0021), looked up by the row's service only where those cannot decide.
``marker_cell`` counts every listing, so no cell is read from it: the view's points are counted by grid cell
straight from the GiST index (ANDed with the GIN indexes on ``terms`` or ``search_tsv`` when the planner finds
that cheaper; 80 ms for the 10-mile view of central London with one category at 1,000,000 assets, against
2.5-3 s counted from the search's statement). A search without words or terms is counted from ``marker_dot``
instead (migration 0022): the same rows with only the columns such a search tests, a sixth of the pages, so a
dense view reads far less (10-mile view of central London, "on a Monday": 0.45 s with lookups, 0.25 s with
0021's slots, 0.1 s from ``marker_dot``; ``bench/markers.py``), and with a day or a part of the day only the
points that may pass, found from the slots' keys (``_may_be_on``, migration 0023: 0.07 s). A point inside
``_inner_box`` (a box wholly inside every circle, about the largest square in their overlap) is not measured
against the circles: the spheroid distances from two centres cost some 60 ms over the 70,000 points a broad
filter keeps in that view. Finer ways were tried and measured worse (boxes per cell wholly inside the circles, or per row of
cells: the GIN indexes read once per box, or the planner's choice lost; finding a lone result's cell again
instead of carrying a link through the count: 25 -> 310 ms in one view).
A search whose only filter is broad ("this week", one part of the day, one accessibility feature: ``_kept_bit``)
keeps too many points to count one by one (two in three of that view for "this week"); its view is cut into
cells as an unfiltered one is, from ``marker_bit_cell`` (migration 0024: the points holding the filter's bit,
levels 4-9), the points holding the bit counted in the cells crossing an edge, and the few rows whose bit may
not decide (``_unsure``) weighed one by one over the whole view (``_bit_clusters``).
A view holding at most ``MAP_POINTS_LIMIT`` results gets its points from ``marker_point`` too
(``kept_points``). A filter added to ``Filters`` later and not named in ``_CARRIED`` is counted live from
the search's own statement (``queries.features_statement``, ``live_clusters``) after a bounded count (at
most ``MAP_POINTS_LIMIT`` + 1 rows) says whether the results are more than the points limit: exact, and
slow in a dense view (seconds in the 10-mile view of central London; ``bench/markers.py``). The property
test (tests/test_markers.py) holds every kept count equal to that live count.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import uuid

import numpy as np
from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Date,
    Float,
    Integer,
    SmallInteger,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql import visitors

from .. import geo
from ..db import planner_off, session
from ..directory import access
from ..models import MarkerBitCell, MarkerCell, MarkerDot, MarkerPoint, Service
from . import filters as F
from . import queries
from .filters import p as _p
from .queries import Origin

#: a view with at most this many results gets every point (about 250 bytes each)
MAP_POINTS_LIMIT = 300
#: clusters: about this many grid cells across the view's width and height
GRID_CELLS = 10
#: a map narrower than ten cells of this many pixels (a phone) gets fewer, bigger cells; never fewer than
#: ``MIN_CELLS`` (a numbered marker is about 40 px across)
CELL_PX, MIN_CELLS = 64, 4
#: the levels ``marker_cell`` keeps (migration 0014), and the finest ``marker_bit_cell`` keeps (0024)
MIN_LEVEL, MAX_LEVEL = 4, 11
BIT_MAX_LEVEL = 9
#: the bits of ``marker_point.slots`` that ``marker_bit_cell`` keeps (0024: "this week", the parts of the day),
#: and the number its first accessibility feature is kept as
KEPT_SLOT_BITS, FEATURE_BIT_BASE = (0, 8, 9, 10), 32
#: a cell crossing the edge of the view or search area with at most this many results is counted live
LIVE_CELL_MAX = 48
#: a cell is "wholly inside" a circle when its farthest corner is this much inside (metres)
INSIDE_MARGIN_M = 1.0


def grid_cells(px: int | None) -> int:
    """Cells across a map ``px`` pixels wide (its shorter side): one per ``CELL_PX`` so that numbered markers
    do not overlap on a phone, at most ``GRID_CELLS``; ``GRID_CELLS`` when the size is not given."""
    if px is None:
        return GRID_CELLS
    return max(MIN_CELLS, min(GRID_CELLS, px // CELL_PX))


def cell_size_deg(view_r_m: float, across: int | None = None) -> float:
    """A grid cell's side in degrees of latitude for a view of radius ``view_r_m``: a power of two."""
    side_m = 2 * view_r_m / math.sqrt(2)
    raw = side_m / (across or GRID_CELLS) / 111_320.0
    return 2.0 ** round(math.log2(raw))


def grid_level(view_r_m: float, across: int | None = None) -> int:
    """The level of the grid a view of radius ``view_r_m`` is clustered by (``cell_size_deg``)."""
    return max(MIN_LEVEL, -round(math.log2(cell_size_deg(view_r_m, across))))


def _view_values(values: dict, view: tuple[float, float, float]) -> dict:
    return {**values, **queries.point_values("v", view[0], view[1]), "view_m": float(view[2])}


def more_than(origin: Origin, f, user, scope: str, view, limit: int) -> bool:
    """Whether the view holds more than ``limit`` results (reads at most ``limit`` + 1 rows)."""
    stmt, values = queries.features_statement(origin, f, user, scope)
    inner = stmt.order_by(None).limit(limit + 1).subquery("p")
    n = session.execute(select(func.count()).select_from(inner), _view_values(values, view)).scalar_one()
    return n > limit


#: the fields of ``Filters`` that filter nothing, and those ``_point_filters`` asks of a ``marker_point`` row:
#: a field added to ``Filters`` later and not named here sends the search to the live count
_NOT_FILTERING = {"radius_m", "sort", "pace", "as_typed", "extra"}
_CARRIED = {
    *F.POINT_TERM_TAXONOMIES,
    "cost",
    "mode",
    "q",
    "access",
    "open_day",
    "open_part",
    "this_week",
}


def point_filtered(f) -> bool:
    """True when every filter of the search (and its words) can be asked of a ``marker_point`` row."""
    rest = (field.name for field in dataclasses.fields(f) if field.name not in _NOT_FILTERING | _CARRIED)
    return not any(getattr(f, name) for name in rest)


def _point_filters(origin: Origin, f, user, scope: str) -> tuple[list, dict, type, bool, KeptBit | None]:
    """The search's filters and words as tests of a ``marker_point`` row (``queries.point_tests``, as the near
    view's candidates are tested), their values (the search's own), the table to count from (the narrow
    ``marker_dot``, migration 0022, for a search without words or terms, the tests asked of its columns),
    whether a whole view is read as one box (``_points_in``), and the bit of ``marker_bit_cell`` whose counts
    the view's cells are read from (``_kept_bit``), if any."""
    shape, _readable, values, _words = queries._shape_and_values(origin, f, user, scope, None)
    conds, table, one_box = _tests_of(shape)
    if _keyed(shape, table):
        values = {**values, "slot_keys": slot_keys(values["slots"])}
    kept = _kept_bit(shape, table, values)
    if kept is not None:
        values = {**values, "bit_mask": kept.mask}
    return list(conds), (values if conds else {}), table, one_box, kept


@dataclasses.dataclass(frozen=True)
class KeptBit:
    """A filter whose passing points ``marker_bit_cell`` counts (migration 0024): its bit there, whether it is a
    bit of the slots (else an accessibility feature), and its mask in ``slots`` or ``access``."""

    bit: int
    slots: bool
    mask: int


def _kept_bit(shape, table, values: dict) -> KeptBit | None:
    """The kept bit of a search whose only filter is "this week" or one part of the day (with "this week" or
    not: the part's bit, ``filters.point_slots``), or one accessibility feature; None for any other."""
    if table is not MarkerDot or shape.days or shape.cost or shape.mode:
        return None
    sessions = shape.parts or shape.this_week
    if sessions and not shape.access:
        mask = values["slots"]
        bit = mask.bit_length() - 1
        return KeptBit(bit, True, mask) if mask == 1 << bit and bit in KEPT_SLOT_BITS else None
    if shape.access and not sessions:
        mask = values["access_all"]
        k = mask.bit_length() - 1
        return KeptBit(FEATURE_BIT_BASE + k, False, mask) if mask == 1 << k else None
    return None


def _keyed(shape, table) -> bool:
    """Whether the count reads ``marker_dot`` by its slots' keys too (``_may_be_on``): for a day or a part of the
    day. "This week" alone asks for bit 0, which two points in three hold: ANDing that index with the view cost
    more than it saved (10-mile view of central London at 1,000,000 assets, medians of 7: 193 -> 211 ms)."""
    return table is MarkerDot and bool(shape.days or shape.parts)


def slot_keys(slots: int) -> list[int]:
    """The value of ``:slot_keys``: the numbers of the bits of ``:slots`` (``filters.point_slots``), and -1."""
    return [bit for bit in range(slots.bit_length()) if slots >> bit & 1] + [-1]


@functools.cache
def _may_be_on() -> ColumnElement:
    """The points of ``marker_dot`` that may pass a day or a part of the day (migration 0023): their slots share a
    bit with the search's, or only the lookup can decide (-1: other sessions), or they were worked out after
    ``:today``. Implied by ``filters.point_sessions_filter``, so the count is the same; read from the indexes and
    ANDed with the view's box, a dense view reads only these rows: 10-mile view of central London, 1,000,000
    assets, "on a Monday" 108 -> 71 ms, Monday mornings 85 -> 41 ms, evenings 104 -> 80 ms (medians of 7)."""
    d = MarkerDot
    keys = func.marker_slot_keys(d.slots, d.slots_unsettled)
    return or_(keys.op("&&")(_p("slot_keys", ARRAY(Integer))), d.slots_settled_on > _p("today", Date))


@functools.lru_cache(maxsize=512)
def _tests_of(shape) -> tuple[tuple, type, bool]:
    """``_point_filters``' tests, table and way of reading for a search's shape, built once per shape (as
    ``queries._shared`` builds its statements): the values are bound at execute time.

    Words and terms together are read from a table of boxes, the GiST index walked and each point in view
    tested: given the box, the planner ANDs the words' and the terms' indexes for all of England with it
    (50,000 and 125,000 entries for "singing" and a category), which cost more than testing the 40,000
    points of the 10-mile view of Birmingham (bench/markers.py: 46 -> 76 ms by the indexes)."""
    terms = any(getattr(shape, t) for t in F.POINT_TERM_TAXONOMIES)
    if not shape.has_words and not terms:
        keyed = (_may_be_on(),) if _keyed(shape, MarkerDot) else ()
        return (*keyed, *(_on_dots(c) for c in queries.point_tests(shape, keys=False))), MarkerDot, True
    return tuple(queries.point_tests(shape)), MarkerPoint, not (shape.has_words and terms)


def _on_dots(expr):
    """A test of ``marker_point`` columns asked of the same columns of ``marker_dot``."""
    points, dots = MarkerPoint.__table__, MarkerDot.__table__

    def swap(elem, **_kw):
        if getattr(elem, "table", None) is points:
            return dots.c[elem.name]
        return None

    return visitors.replacement_traverse(expr, {}, swap)


def shown_classes(user) -> list[str]:
    """The ``marker_class`` values a search by ``user`` counts (``access.readable_filter``, less confidential)."""
    return [v for v in access.readable_visibilities(user) if v != "confidential"]


# --------------------------------------------------------------------------- clusters counted live


def live_clusters(origin: Origin, f, user, scope: str, view, across: int | None = None) -> list[dict]:
    """The results in view grouped by grid cell, counted from the search's own statement (any filters)."""
    stmt, values = queries.features_statement(origin, f, user, scope)
    p = stmt.order_by(None).limit(None).subquery("p")
    gx, gy = geo.cell_of(p.c.lon, p.c.lat, grid_level(view[2], across))
    rows = session.execute(
        select(
            gx.label("gx"),
            gy.label("gy"),
            func.count().label("n"),
            func.sum(p.c.lon).label("sx"),
            func.sum(p.c.lat).label("sy"),
            func.min(cast(p.c.id, String)).label("id"),  # the listing itself when the cell holds one
            func.min(p.c.name).label("name"),
            func.min(cast(p.c.distance_m, Float)).label("distance_m"),
        ).group_by(gx, gy),
        _view_values(values, view),
    ).all()
    return _markers([(r.n, r.sx, r.sy, r.id, r.name, r.distance_m) for r in rows])


def _markers(cells) -> list[dict]:
    """[(count, sum of lon, sum of lat, id, name, distance)] -> the clusters' JSON-ready dicts, largest first."""
    out = []
    for n, sx, sy, sid, name, dist in cells:
        if n == 1:
            m = {"count": 1, "lon": round(sx, 6), "lat": round(sy, 6), "id": sid, "name": name}
            m["distance_m"] = round(dist)
        else:
            m = {"count": n, "lon": round(sx / n, 5), "lat": round(sy / n, 5)}
        out.append(m)
    out.sort(key=lambda m: (-m["count"], m["lon"], m["lat"]))
    return out


# --------------------------------------------------------------------------- clusters from the kept counts


def _circle_bbox(lon: float, lat: float, r: float) -> tuple[float, float, float, float]:
    """A lon/lat box sure to hold the circle (degrees of latitude are at least 110,574 m; of longitude at
    least 111,319 m x cos(latitude) on the spheroid)."""
    dlat = r / 110_574.0 * 1.01
    dlon = r / (111_319.0 * math.cos(math.radians(min(89.0, abs(lat) + dlat)))) * 1.01
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def _classify(level: int, keys: list[tuple[int, int]], circles) -> np.ndarray:
    """Per cell: 1 wholly inside every circle, -1 wholly outside one, 0 crossing an edge."""
    w, h = geo.cell_sides(level)
    xs = np.array([k[0] for k in keys], dtype=float)
    ys = np.array([k[1] for k in keys], dtype=float)
    west, south = xs * w, ys * h
    east, north = west + w, south + h
    state = np.ones(len(keys), dtype=int)
    for lon, lat, r in circles:
        far = np.zeros(len(keys))
        for cx, cy in ((west, south), (west, north), (east, south), (east, north)):
            far = np.maximum(far, geo.spheroid_m(lon, lat, cx, cy))
        # the nearest point, near enough: the centre clamped into the box (within a metre or so of the
        # true nearest at these sizes; the margin makes "outside" safe)
        near = geo.spheroid_m(lon, lat, np.clip(lon, west, east), np.clip(lat, south, north))
        state = np.where(far > r - INSIDE_MARGIN_M, np.minimum(state, 0), state)
        state = np.where(near > r * 1.001 + 50.0, -1, state)
    return state


def _cell_sums(level: int, keys, classes: list[str], scope: str, area: str | None, bit: int | None = None) -> dict:
    """{(cx, cy): (n, sum lon, sum lat)} of the level's cells in ``keys`` that hold results (``bit``: the points
    holding that kept bit, from ``marker_bit_cell``)."""
    c = func.unnest(_p("xs", ARRAY(Integer)), _p("ys", ARRAY(Integer))).table_valued("x", "y").render_derived(name="c")
    m = MarkerCell if bit is None else MarkerBitCell
    on = (m.level == _p("level", Integer)) & (m.cx == c.c.x) & (m.cy == c.c.y)
    if bit is not None:
        on = on & (MarkerBitCell.bit == _p("bit", SmallInteger))
    stmt = (
        select(c.c.x, c.c.y, func.sum(m.n), func.sum(m.sum_lon), func.sum(m.sum_lat))
        .select_from(c)
        .join(m, on)
        .where(m.visibility.in_(classes))
        .group_by(c.c.x, c.c.y)
        .having(func.sum(m.n) > 0)
    )
    if scope == "ward":
        stmt = stmt.where(m.ward_code == area)
    elif scope == "constituency":
        stmt = stmt.where(m.constituency_code == area)
    values = {"xs": [k[0] for k in keys], "ys": [k[1] for k in keys], "level": level}
    if bit is not None:
        values["bit"] = bit
    rows = session.execute(stmt, values).all()
    return {(r[0], r[1]): (int(r[2]), r[3], r[4]) for r in rows}


def _inner_box(circles) -> tuple[float, float, float, float] | None:
    """A lon/lat box wholly inside every circle (each corner, its farthest points from a centre, at least
    ``INSIDE_MARGIN_M`` inside), about the largest square inside their overlap, or None. A point in it needs no
    distance test: the spheroid distance from two centres cost some 60 ms over the 70,000 points that pass a
    broad filter in the 10-mile view of central London."""
    west, south, east, north = -180.0, -90.0, 180.0, 90.0
    for lon, lat, r in circles:
        half = r / math.sqrt(2)
        dlat = half / 111_700.0  # at most a degree of latitude's length: the box is no taller than the circle's square
        dlon = half / (111_700.0 * math.cos(math.radians(min(89.0, abs(lat) + dlat))))
        west, south = max(west, lon - dlon), max(south, lat - dlat)
        east, north = min(east, lon + dlon), min(north, lat + dlat)
    for _ in range(8):
        if west >= east or south >= north:
            return None
        xs, ys = np.array([west, west, east, east]), np.array([south, north, south, north])
        if all((geo.spheroid_m(lon, lat, xs, ys) <= r - INSIDE_MARGIN_M).all() for lon, lat, r in circles):
            return west, south, east, north
        mx, my, wx, wy = (west + east) / 2, (south + north) / 2, (east - west) * 0.45, (north - south) * 0.45
        west, south, east, north = mx - wx, my - wy, mx + wx, my + wy
    return None


def _add(cells: dict, key: tuple[int, int], n: int, sx: float, sy: float) -> None:
    """Add a count and its sums of lon and lat to a grid cell's (``cells``: {grid cell: [n, sum lon, sum lat]})."""
    acc = cells.setdefault(key, [0, 0.0, 0.0])
    acc[0] += n
    acc[1] += sx
    acc[2] += sy


def _decompose(circles, bbox, k0: int, classes, scope, area, bit: int | None = None):
    """(sums of the cells wholly inside, by grid cell; the cells to count live as (level, cx, cy)), from
    ``marker_cell`` or (``bit``) ``marker_bit_cell``."""
    finest = MAX_LEVEL if bit is None else BIT_MAX_LEVEL
    inside: dict = {}
    live: list[tuple[int, int, int]] = []
    w, h = geo.cell_sides(k0)
    west, south, east, north = bbox
    keys = [
        (x, y)
        for x in range(math.floor(west / w), math.floor(east / w) + 1)
        for y in range(math.floor(south / h), math.floor(north / h) + 1)
    ]
    level = k0
    while keys:
        sums = _cell_sums(level, keys, classes, scope, area, bit)
        found = list(sums)
        states = _classify(level, found, circles) if found else []
        keys = []
        for key, state in zip(found, states):
            n, sx, sy = sums[key]
            if state == 1:
                shift = level - k0
                _add(inside, (key[0] >> shift, key[1] >> shift), n, sx, sy)
            elif state == 0 and (n <= LIVE_CELL_MAX or level == finest):
                live.append((level, *key))
            elif state == 0:
                x, y = key
                keys += [(2 * x, 2 * y), (2 * x + 1, 2 * y), (2 * x, 2 * y + 1), (2 * x + 1, 2 * y + 1)]
        level += 1
    return inside, live


def _boxes(cells) -> dict:
    """The cells to count live as boxes, a row's neighbours at one level joined into one box."""
    runs: list[tuple[int, int, int, int]] = []
    for level, x, y in sorted(cells, key=lambda c: (c[0], c[2], c[1])):
        if runs and runs[-1][0] == level and runs[-1][2] == y and runs[-1][1] + runs[-1][3] == x:
            runs[-1] = (level, runs[-1][1], y, runs[-1][3] + 1)
        else:
            runs.append((level, x, y, 1))
    boxes = [geo.cell_box(level, x, y, columns) for level, x, y, columns in runs]
    return {k: [b[i] for b in boxes] for i, k in enumerate(("x0", "y0", "x1", "y1"))}


def _box(bbox) -> dict:
    """One box (west, south, east, north) as a table of boxes (``_points_in``)."""
    return dict(zip(("x0", "y0", "x1", "y1"), ([v] for v in bbox)))


def _points_in(
    boxes: dict | tuple, values: dict, classes, scope: str, area, circles, conds=(), table=MarkerPoint, inner=None
):
    """Rows of ``table`` (``marker_point`` or its narrow copy ``marker_dot``) in the boxes that a search by these
    classes counts, in every circle, passing the tests ``conds`` (``_point_filters``; their values already
    in ``values``): (a select of them, the point's columns).

    ``boxes`` is either cells (``_boxes``: lists of corners, joined as a table, each box's edges half-open so
    that boxes side by side never count a point twice) or one box (west, south, east, north) holding every
    circle (``_searched``). One box is given to the planner as values, so it estimates the rows from the
    GiST index's statistics: joined as a table it guessed one row and walked the index a point at a time
    (193,792 page visits for 236,000 points in the 10-mile view of central London, against 7,224 read by
    bitmap). Its edges are not tested exactly: ``&&`` may pass a point a centimetre outside (the index's
    boxes are rounded outward), but the box holds the circles with room to spare, so the circles' own test
    drops such a point (the four coordinate tests a point cost some 40 ms over that view)."""
    mp = table
    if isinstance(boxes, tuple):
        keys = ("bx0", "by0", "bx1", "by1")
        stmt = select().select_from(mp).where(geo.near_box(mp.geom, *(_p(k, Float) for k in keys)))
        values.update(zip(keys, (float(v) for v in boxes)))
    else:
        b = (
            func.unnest(*(_p(k, ARRAY(Float)) for k in ("x0", "y0", "x1", "y1")))
            .table_valued("x0", "y0", "x1", "y1")
            .render_derived(name="b")
        )
        stmt = select().select_from(b).join(mp, geo.in_box(mp.geom, b.c.x0, b.c.y0, b.c.x1, b.c.y1))
        values.update(boxes)
    stmt = stmt.where(mp.visibility.in_(classes), *conds)
    in_circles = [
        geo.within_m(mp.geom, geo.point(_p(f"c{i}_lon", Float), _p(f"c{i}_lat", Float)), _p(f"c{i}_m", Float))
        for i, _circle in enumerate(circles)
    ]
    if inner is None:
        stmt = stmt.where(*in_circles)
    else:  # a point in ``inner`` is in every circle: only the others are measured
        x, y = geo.lon(mp.geom), geo.lat(mp.geom)
        keys = ("in_x0", "in_y0", "in_x1", "in_y1")
        x0, y0, x1, y1 = (_p(k, Float) for k in keys)
        stmt = stmt.where(or_(and_(x >= x0, x < x1, y >= y0, y < y1), and_(*in_circles)))
        values.update(zip(keys, inner))
    if scope == "ward":
        stmt = stmt.where(mp.ward_code == area)
    elif scope == "constituency":
        stmt = stmt.where(mp.constituency_code == area)
    for i, (lon, lat, r) in enumerate(circles):
        values.update({f"c{i}_lon": float(lon), f"c{i}_lat": float(lat), f"c{i}_m": float(r)})
    return stmt, values


def _searched(origin: Origin, f, scope: str, view):
    """(the circles a point must be in, a box holding them, the ward or constituency searched) of a view,
    or None when the view and the search circle do not meet."""
    circles = [view]
    bbox = _circle_bbox(*view)
    area = None
    if scope == "near":
        circles.append((origin.lon, origin.lat, f.radius_m))
        sb = _circle_bbox(origin.lon, origin.lat, f.radius_m)
        bbox = (max(bbox[0], sb[0]), max(bbox[1], sb[1]), min(bbox[2], sb[2]), min(bbox[3], sb[3]))
        if bbox[0] > bbox[2] or bbox[1] > bbox[3]:
            return None
    else:
        area = (origin.ward_code if scope == "ward" else origin.constituency_code) or ""
    return circles, bbox, area


def kept_points(origin: Origin, f, user, scope: str, view, limit: int, tests: tuple | None = None) -> list[dict]:
    """The results in view as points from ``marker_point`` (``point_filtered`` searches), nearest the view's
    middle first, at most ``limit``: what ``queries.map_features`` returns, without the search's joins
    (``tests``: the search's ``_point_filters`` when the caller has them already)."""
    found = _searched(origin, f, scope, view)
    if found is None:
        return []
    circles, bbox, area = found
    conds, fvalues, table, one_box, _kept = tests or _point_filters(origin, f, user, scope)
    box = bbox if one_box else _box(bbox)
    stmt, values = _points_in(box, dict(fvalues), shown_classes(user), scope, area, circles, conds, table)
    mp = table
    stmt = (
        stmt.add_columns(
            mp.service_id,
            Service.name,
            geo.lon(mp.geom),
            geo.lat(mp.geom),
            geo.distance_m(mp.geom, geo.point(origin.lon, origin.lat)),
        )
        .join(Service, Service.id == mp.service_id)
        .order_by(geo.distance_m(mp.geom, geo.point(view[0], view[1])), mp.service_id)
        .limit(limit)
    )
    return [
        {"id": str(sid), "name": name, "lon": round(lon, 6), "lat": round(lat, 6), "distance_m": round(dist)}
        for sid, name, lon, lat, dist in session.execute(stmt, values).all()
    ]


def kept_clusters(
    origin: Origin, f, user, scope: str, view, across: int | None = None, tests: tuple | None = None
) -> list[dict]:
    """The results in view by grid cell from ``marker_cell`` and ``marker_point`` (a search without filters
    or words); a search whose only filter is a kept bit from ``marker_bit_cell`` (``_bit_clusters``); a view
    finer than the kept levels, or a search with filters ``marker_point`` carries (``point_filtered``), is
    counted from ``marker_point`` alone (``tests``: as ``kept_points``)."""
    k0 = grid_level(view[2], across)
    conds, fvalues, table, one_box, kept = tests or _point_filters(origin, f, user, scope)
    classes = shown_classes(user)
    found = _searched(origin, f, scope, view)
    if found is None:
        return []
    circles, bbox, area = found
    if kept is not None and k0 <= BIT_MAX_LEVEL:
        return _bit_clusters(origin, kept, conds, fvalues, classes, scope, area, circles, bbox, k0)
    if k0 > MAX_LEVEL or conds:  # a street's view (finer than the kept cells), or filters marker_cell lacks
        inside: dict = {}
        boxes: dict | tuple | None = bbox if one_box else _box(bbox)
        inner = _inner_box(circles)
    else:
        inner = None
        inside, live = _decompose(circles, bbox, k0, classes, scope, area)
        boxes = _boxes(live) if live else None
    cells = {k: list(v) for k, v in inside.items()}
    links: dict = {}  # per grid cell counted from the points, one of its links
    if boxes:
        stmt, values = _points_in(boxes, dict(fvalues), classes, scope, area, circles, conds, table, inner)
        mp = table
        gx, gy = geo.cell_of(geo.lon(mp.geom), geo.lat(mp.geom), k0)
        stmt = stmt.add_columns(
            gx.label("gx"),
            gy.label("gy"),
            func.count(),
            func.sum(geo.lon(mp.geom)),
            func.sum(geo.lat(mp.geom)),
            func.min(cast(mp.link_id, String)),
        ).group_by(gx, gy)
        with _by_bitmap(isinstance(boxes, tuple)):
            rows = session.execute(stmt, values).all()
        for x, y, n, sx, sy, link in rows:
            _add(cells, (int(x), int(y)), n, sx, sy)
            links[(int(x), int(y))] = link
    ones = [k for k, v in cells.items() if v[0] == 1]
    # a cell holding one result counted from the points is that point's link; one from marker_cell is found
    single = _singles([k for k in ones if k in inside], k0, origin, classes, scope, area, circles, table)
    single.update(_links({k: links[k] for k in ones if k not in inside}, origin, table))
    return _markers([(n, sx, sy, *single.get(k, (None, None, None))) for k, (n, sx, sy) in cells.items() if n > 0])


def _holds(kept: KeptBit) -> ColumnElement:
    """A ``marker_dot`` row holding the kept bit: one ``marker_bit_cell`` counts."""
    d = MarkerDot
    return (d.slots if kept.slots else d.access).op("&")(_p("bit_mask", BigInteger)) != 0


def _unsure(kept: KeptBit) -> ColumnElement:
    """The rows of ``marker_dot`` whose kept bit may not say whether they pass: for the slots, those lacking it
    whose service has sessions only the lookup decides (their -1 key, 0023) and those worked out after
    ``:today`` (held or not: none, when the day is today); for a feature, those lacking it whose listing has
    another place. Found from their indexes, so a view reads only these."""
    d = MarkerDot
    if kept.slots:
        keys = func.marker_slot_keys(d.slots, d.slots_unsettled)
        lookup = and_(keys.op("&&")(literal([-1], ARRAY(Integer))), ~_holds(kept))
        return or_(lookup, d.slots_settled_on > _p("today", Date))
    return and_(d.access_elsewhere, ~_holds(kept))


def _bit_clusters(origin: Origin, kept: KeptBit, conds, fvalues, classes, scope, area, circles, bbox, k0: int):
    """The clusters of a view of a search whose only filter is a kept bit (``_kept_bit``): the cells wholly
    inside read from ``marker_bit_cell`` (``_decompose``), the points holding the bit counted in the cells
    crossing an edge, and over the whole view each of the few ``_unsure`` rows weighed by the search's own tests
    (+1 when it passes, -1 when it holds the bit and so was counted already). The counts are exact."""
    inside, live = _decompose(circles, bbox, k0, classes, scope, area, kept.bit)
    cells = {k: list(v) for k, v in inside.items()}
    # the slots' keys (implied by the tests) read for each small box cost more than testing its few rows: a GIN
    # read of 346,000 entries for "mornings" per box, 65 ms for Birmingham's 10-mile view's three lone results
    conds = [c for c in conds if c is not _may_be_on()]
    d = MarkerDot
    x, y = geo.lon(d.geom), geo.lat(d.geom)
    gx, gy = geo.cell_of(x, y, k0)
    holds = case((_holds(kept), 1), else_=0)
    reads: list = [(_unsure(kept), case((and_(*conds), 1), else_=0) - holds, bbox, _inner_box(circles))]
    if live:
        reads.append((_holds(kept), literal(1), _boxes(live), None))
    for test, weight, boxes, inner in reads:
        stmt, values = _points_in(boxes, dict(fvalues), classes, scope, area, circles, (test,), d, inner)
        stmt = stmt.add_columns(gx, gy, func.sum(weight), func.sum(weight * x), func.sum(weight * y))
        with _by_bitmap(isinstance(boxes, tuple)):
            rows = session.execute(stmt.group_by(gx, gy), values).all()
        for cx, cy, n, sx, sy in rows:
            _add(cells, (int(cx), int(cy)), n, sx, sy)
    ones = [k for k, v in cells.items() if v[0] == 1]
    single = _singles(ones, k0, origin, classes, scope, area, circles, d, conds, fvalues)
    return _markers([(n, sx, sy, *single.get(k, (None, None, None))) for k, (n, sx, sy) in cells.items() if n > 0])


def _by_bitmap(whole_view: bool):
    """``whole_view``: the count reads one box holding the whole view; it reads it by bitmap (each page once)
    and groups the points by hashing. The planner charges every point the sessions' lookup a filter may ask
    (most rows never reach it: their kept slots decide) and then expects a handful of rows. So it walked the
    GiST index a point at a time (193,792 page visits for the 236,000 points of the 10-mile view of central
    London, "this week, mornings", 1,000,000 assets, against 7,224 by bitmap) and sorted the 74,000 that pass
    on disk to group them. Statement alone, that view, medians of 11 (bench/README.md): 183 ms as planned,
    162 by bitmap, 131 by bitmap and hashing."""
    return planner_off(whole_view, "indexscan", "sort")


def _links(links: dict, origin: Origin, table=MarkerPoint) -> dict:
    """{grid cell: (id, name, distance)} of the links ``links`` ({grid cell: link id}), by their keys."""
    if not links:
        return {}
    mp = table
    stmt = (
        select(
            cast(mp.link_id, String),
            cast(mp.service_id, String),
            Service.name,
            geo.distance_m(mp.geom, geo.point(origin.lon, origin.lat)),
        )
        .join(Service, Service.id == mp.service_id)
        .where(mp.link_id.in_([uuid.UUID(link) for link in links.values()]))
    )
    found = {link: rest for link, *rest in session.execute(stmt).all()}
    return {k: tuple(found[link]) for k, link in links.items()}


def _singles(
    keys, k0: int, origin: Origin, classes, scope: str, area, circles, table=MarkerPoint, conds=(), fvalues=None
) -> dict:
    """{grid cell: (id, name, distance)} of the grid cells in ``keys``, each holding one result (the cells of
    ``marker_cell``; of ``marker_bit_cell``, with the search's tests ``conds`` and their values)."""
    if not keys:
        return {}
    boxes = _boxes([(k0, *k) for k in keys])
    stmt, values = _points_in(boxes, dict(fvalues or {}), classes, scope, area, circles, conds, table)
    mp = table
    gx, gy = geo.cell_of(geo.lon(mp.geom), geo.lat(mp.geom), k0)
    stmt = stmt.add_columns(
        gx, gy, cast(mp.service_id, String), Service.name, geo.distance_m(mp.geom, geo.point(origin.lon, origin.lat))
    ).join(Service, Service.id == mp.service_id)
    return {(int(x), int(y)): (sid, name, dist) for x, y, sid, name, dist in session.execute(stmt, values).all()}


def markers(origin: Origin, f, user, scope: str, view: tuple[float, float, float], across: int | None = None) -> dict:
    """Markers for a map view (centre lon, lat and radius in metres): {"points": [...]} or {"clusters": [...]}
    (about ``across`` grid cells across: ``grid_cells`` of the map's size)."""
    # no JIT here (it compiled a 20 ms query for ~100 ms): every connection has it off (``db.make_engine``)
    kept = point_filtered(f)
    # the search's tests once (reading its words asks the lexicon): the clusters and the points share them
    tests = _point_filters(origin, f, user, scope) if kept else None
    if kept:
        clusters = kept_clusters(origin, f, user, scope, view, across, tests)
        many = sum(c["count"] for c in clusters) > MAP_POINTS_LIMIT
    else:
        many = more_than(origin, f, user, scope, view, MAP_POINTS_LIMIT)
        clusters = live_clusters(origin, f, user, scope, view, across) if many else []
    if many:
        return {"clusters": clusters}
    if kept and not clusters:  # nothing in view: no need to read it again for points
        return {"points": []}
    if kept:
        return {"points": kept_points(origin, f, user, scope, view, MAP_POINTS_LIMIT, tests)}
    points, _more = queries.map_features(origin, f, user, scope, view, limit=MAP_POINTS_LIMIT)
    return {"points": points}
