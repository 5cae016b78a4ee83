"""The journey's maps: the point picker, the results map and the asset map.

Results markers are not inlined: ``static/js/practitioners_map.js`` fetches the markers inside
the current map view from ``/search/results/<id>/features.json`` into an (initially empty)
marker-cluster layer, so a 10,000-result search still ships a small page. The search point is
only ever drawn snapped to a 250 m grid (``geo.fuzz_point``).
"""

from __future__ import annotations

import json
import math

import folium
from folium import plugins
from sqlalchemy import select

from .. import geo
from ..db import session
from ..maps import make_map, render_map, safe_html
from ..models import LocalAuthority, Ward
from .queries import ward_outline

BOUNDARY_STYLE = {"color": "#505a5f", "weight": 2, "fill": False, "dashArray": "6 4"}
SEARCH_AREA_STYLE = {"color": "#1d70b8", "weight": 2, "fill": True, "fillOpacity": 0.04}
ZOOM_FOR_MILES = [(0.25, 16), (0.5, 15), (1, 14), (2, 13), (3, 12), (5, 12), (10, 11)]
#: the search point is drawn on a grid this coarse, never at the postcode centroid
FUZZ_M = 250.0


def circle_bounds(lon: float, lat: float, radius_m: float) -> list[list[float]]:
    """[[south, west], [north, east]] of a circle, for fitting the map to the search area."""
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * math.cos(math.radians(lat)))
    return [[lat - dlat, lon - dlon], [lat + dlat, lon + dlon]]


def _zoom(miles: float) -> int:
    for limit, zoom in ZOOM_FOR_MILES:
        if miles <= limit:
            return zoom
    return 10


def results_map(s, scope: str, names: dict) -> dict:
    """The results map: approximate search point, search circle or ward outline, empty cluster layer."""
    lon, lat = geo.fuzz_point(s.origin.lon, s.origin.lat, FUZZ_M)
    zoom = _zoom(s.filters.miles) if scope == "near" else (13 if scope == "ward" else 12)
    m = make_map((lat, lon), zoom)
    if s.origin.ward_code:
        outline = ward_outline(s.origin.ward_code)
        if outline:
            folium.GeoJson(
                json.loads(outline),
                name="Ward boundary",
                style_function=lambda _: BOUNDARY_STYLE,
                tooltip=safe_html(f"{names.get('ward_name') or 'Ward'} ward boundary"),
            ).add_to(m)
    if scope == "near":
        folium.Circle((lat, lon), radius=s.filters.radius_m, interactive=False, **SEARCH_AREA_STYLE).add_to(m)
        m.fit_bounds(circle_bounds(lon, lat, s.filters.radius_m))
    folium.CircleMarker(
        (lat, lon),
        radius=9,
        color="#0b0c0c",
        weight=3,
        fill=True,
        fill_color="#ffdd00",
        fill_opacity=1,
        tooltip="Search area (approximate, to about 250 metres)",
    ).add_to(m)
    cluster = plugins.MarkerCluster(name="Results").add_to(m)
    rendered = render_map(m)
    rendered["cluster"] = cluster.get_name()
    return rendered


def asset_map(view: dict) -> dict | None:
    """A small map of the asset's place, or None when it has no place or the point is confidential."""
    place = view["place"]
    if place["lat"] is None:
        return None
    m = make_map((place["lat"], place["lon"]), 15)
    outline = ward_outline(place["ward_code"]) if place["ward_code"] else None
    if outline:
        folium.GeoJson(
            json.loads(outline),
            name="Ward boundary",
            style_function=lambda _: BOUNDARY_STYLE,
            tooltip=safe_html(f"{place['ward_name'] or 'Ward'} ward boundary"),
        ).add_to(m)
    # listing text is made inert: branca renders folium content as a Jinja template
    folium.Marker((place["lat"], place["lon"]), tooltip=safe_html(view["name"]), alt=safe_html(view["name"])).add_to(m)
    return render_map(m)


def picker_map() -> dict:
    """The search page's map for picking a point; ward outlines are loaded by the page script."""
    m = make_map((52.78, -1.72), 7)
    return render_map(m)


def ward_outlines(tolerance_deg: float = 0.0005) -> dict:
    """Every ward's outline (simplified) as a GeoJSON FeatureCollection, for the point picker."""
    rows = session.execute(
        select(Ward.code, Ward.name, LocalAuthority.name, geo.simplified_geojson(Ward.geom, tolerance_deg))
        .join(LocalAuthority, LocalAuthority.code == Ward.lad_code)
        .order_by(LocalAuthority.name, Ward.code)
    ).all()
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(g), "properties": {"code": c, "name": n, "authority": la}}
            for c, n, la, g in rows
        ],
    }
