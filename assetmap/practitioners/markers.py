"""The results map's markers for any view: each result's point when the view holds few, else grid clusters.

A view of a dense search (10 miles round central London holds some 200,000 results at 1,000,000 assets)
cannot be sent as points: 1,000 markers were already 262 KB, and choosing the 1,000 nearest the middle
meant working out and sorting the distance of every result in view (1.6 s). So the view is first asked,
with a bounded count, whether it holds more than ``MAP_POINTS_LIMIT`` results; if not, the points go as
before (and Leaflet.markercluster groups them on screen). If it does, PostgreSQL groups the results in view
by a grid of about ``GRID_CELLS`` × ``GRID_CELLS`` cells (``geo.grid_cell``, cell sizes a power of two of a
degree so a cell stays put while the map pans) and sends one marker per cell: its count and the mean
position of its results, or the result itself when a cell holds one. The bytes are bounded by the grid,
not by the results, and nothing is sorted.

Clusters are built from the same statement as the points (``queries`` "features": the search's filters,
the view, never a confidential place), so a refuge is in no count and moves no cluster.
"""

from __future__ import annotations

import math

from sqlalchemy import Float, String, cast, func, select

from .. import geo
from ..db import session
from . import queries
from .queries import Origin

#: a view with at most this many results gets every point (about 250 bytes each)
MAP_POINTS_LIMIT = 300
#: clusters: about this many grid cells across the view's width and height
GRID_CELLS = 10


def _features_statement(origin: Origin, f, user, scope: str):
    return queries.features_statement(origin, f, user, scope)


def cell_size_deg(view_r_m: float) -> float:
    """A grid cell's side in degrees of latitude for a view of radius ``view_r_m``: a power of two."""
    side_m = 2 * view_r_m / math.sqrt(2)
    raw = side_m / GRID_CELLS / 111_320.0
    return 2.0 ** round(math.log2(raw))


def _view_values(values: dict, view: tuple[float, float, float]) -> dict:
    return {**values, "v_lon": float(view[0]), "v_lat": float(view[1]), "view_m": float(view[2])}


def more_than(origin: Origin, f, user, scope: str, view, limit: int) -> bool:
    """Whether the view holds more than ``limit`` results (reads at most ``limit`` + 1 rows)."""
    stmt, values = _features_statement(origin, f, user, scope)
    inner = stmt.order_by(None).limit(limit + 1).subquery("p")
    n = session.execute(select(func.count()).select_from(inner), _view_values(values, view)).scalar_one()
    return n > limit


def clusters(origin: Origin, f, user, scope: str, view) -> list[dict]:
    """The results in view grouped by grid cell: [{count, lon, lat, id?, name?, distance_m?}]."""
    stmt, values = _features_statement(origin, f, user, scope)
    p = stmt.order_by(None).limit(None).subquery("p")
    cell = cell_size_deg(view[2])
    # square on the ground: a cell is 1/cos(latitude) times wider in degrees of longitude
    lon_cell = cell / max(0.2, math.cos(math.radians(view[1])))
    gx, _ = geo.grid_cell(p.c.lon, p.c.lat, lon_cell)
    _, gy = geo.grid_cell(p.c.lon, p.c.lat, cell)
    rows = session.execute(
        select(
            func.count().label("n"),
            func.avg(p.c.lon).label("lon"),
            func.avg(p.c.lat).label("lat"),
            func.min(cast(p.c.id, String)).label("id"),  # the listing itself when the cell holds one
            func.min(p.c.name).label("name"),
            func.min(cast(p.c.distance_m, Float)).label("distance_m"),
        ).group_by(gx, gy),
        _view_values(values, view),
    ).all()
    out = []
    for r in rows:
        m = {"count": r.n, "lon": round(r.lon, 5), "lat": round(r.lat, 5)}
        if r.n == 1:
            m.update(id=r.id, name=r.name, distance_m=round(r.distance_m), lon=round(r.lon, 6), lat=round(r.lat, 6))
        out.append(m)
    out.sort(key=lambda m: (-m["count"], m["lon"], m["lat"]))
    return out


def markers(origin: Origin, f, user, scope: str, view: tuple[float, float, float]) -> dict:
    """Markers for a map view (centre lon, lat and radius in metres): {"points": [...]} or {"clusters": [...]}."""
    if not more_than(origin, f, user, scope, view, MAP_POINTS_LIMIT):
        points, _more = queries.map_features(origin, f, user, scope, view, limit=MAP_POINTS_LIMIT)
        return {"points": points}
    return {"clusters": clusters(origin, f, user, scope, view)}
