"""The coverage choropleth (folium) and the area map, kept light enough to load on a council laptop.

Boundaries are simplified as a coverage (shared edges stay shared, so no slivers appear between
areas), rounded to about a metre and sent as encoded polylines, which coverage.js draws. The
deprivation layer is drawn in the browser from the same shapes rather than sent twice.
"""

from __future__ import annotations

import json

import folium
import shapely
from branca.element import MacroElement
from folium.plugins import FastMarkerCluster
from folium.template import Template

from ..maps import make_map
from . import present

#: display tolerance in degrees (about 20 m for wards and constituencies, 30 m for LSOAs)
TOLERANCE = {"ward": 0.0003, "constituency": 0.0003, "lsoa": 0.0004, "la": 0.0005, "custom": 0.0003}
DECIMALS = 5
MAX_POINTS = 3000
#: with no tile layer Leaflet has no zoom limits, and the cluster layer will not start without them
ZOOM_LIMITS = {"zoomSnap": 0.25}  # finer zoom steps for Birmingham's shape (limits come from make_map)


def display_shapes(shapes: dict, geography: str) -> dict:
    """code -> simplified shapely geometry; a coverage simplification keeps neighbours' edges shared."""
    codes = list(shapes)
    geoms = [shapes[c] for c in codes]
    try:
        simple = shapely.coverage_simplify(geoms, TOLERANCE[geography])
    except shapely.errors.GEOSException:
        simple = [g.simplify(TOLERANCE[geography], preserve_topology=True) for g in geoms]
    return dict(zip(codes, simple))


def _round(coords):
    if isinstance(coords, (float, int)):
        return round(coords, DECIMALS)
    return [_round(c) for c in coords]


def geojson_geometry(geom) -> dict:
    gj = shapely.geometry.mapping(geom)
    return {"type": gj["type"], "coordinates": _round(gj["coordinates"])}


def bounds(shapes) -> list[list[float]] | None:
    if not shapes:
        return None
    minx, miny, maxx, maxy = shapely.total_bounds(list(shapes))
    return [[miny, minx], [maxy, maxx]]


def js_data(rows: list) -> str:
    """JSON of lists and scalars for a map script, with no ``{ } < > &`` left in it (all ``\\u`` escapes).

    branca compiles every folium script it renders as a Jinja template, so text such as an asset
    named "{{ 7*7 }}" would run as template code; and "</script>" in a name would end the script.
    Escaped this way no listing's text can do either. Lists only: an object's own braces would be escaped too.
    """
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("{", "\\u007b"), ("}", "\\u007d"), ("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return text


class _AssetCluster(FastMarkerCluster):
    """Clustered asset places; rows [lat, lon, name] drawn by coverage.js, names escaped by js_data."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = AssetMapCoverage.assetCluster({{ this.rows }}, {{ this.options|tojavascript }});
        {% endmacro %}
    """)

    def __init__(self, points, **kwargs):
        super().__init__([], **kwargs)
        self._name = "AssetCluster"
        self.rows = js_data([[round(la, 5), round(lo, 5), name[:80]] for la, lo, name in points])


def encode_ring(coords) -> str:
    """A ring as a Google encoded polyline (lat, lon to 5 decimals): about a quarter the size of GeoJSON."""
    out, prev_lat, prev_lon = [], 0, 0
    for x, y in coords:
        lat_, lon_ = round(y * 1e5), round(x * 1e5)
        for delta in (lat_ - prev_lat, lon_ - prev_lon):
            v = ~(delta << 1) if delta < 0 else delta << 1
            while v >= 0x20:
                out.append(chr((0x20 | (v & 0x1F)) + 63))
                v >>= 5
            out.append(chr(v + 63))
        prev_lat, prev_lon = lat_, lon_
    return "".join(out)


def encode_polygons(geom) -> list[list[str]]:
    """[[outer, hole, …], …] for a Polygon or MultiPolygon, each ring encoded."""
    polys = getattr(geom, "geoms", [geom])
    return [
        [encode_ring(p.exterior.coords)] + [encode_ring(r.coords) for r in p.interiors] for p in polys if not p.is_empty
    ]


class _AreaLayer(MacroElement):
    """The choropleth's areas, drawn by coverage.js from encoded rings; the need hatching reuses them."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = AssetMapCoverage.areaLayer({{ this.areas }})
            .addTo({{ this._parent.get_name() }});
        AssetMapCoverage.hatchLayer({{ this.get_name() }}, {{ this.imd.get_name() }}, {{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, areas: list[list], imd):
        super().__init__()
        self._name = "AreaLayer"
        self.areas, self.imd = js_data(areas), imd


def choropleth(cov, shapes: dict, classes: present.Classes, area_url, points) -> folium.Map:
    """The chosen measure by area with need hatched over it, and clustered assets as a layer to switch on."""
    simple = display_shapes(shapes, cov.params.geography)
    box = bounds(simple.values())
    centre = ((box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2) if box else (52.48, -1.89)
    m = make_map(centre, zoom=11, **ZOOM_LIMITS)
    if box:
        m.fit_bounds(box)
    label = cov.measure_label
    areas = []
    for a in cov.areas:
        geom = simple.get(a.code)
        if geom is None or geom.is_empty:
            continue
        value = a.value(cov.params.measure) if a.has_residents else None
        text = f"{label}: {present.fmt(cov.params.measure, value)}" if a.has_residents else "No residents"
        # a list, not an object: see js_data (coverage.js AREA_FIELDS reads it in this order)
        areas.append(
            [
                a.name,
                area_url(a.code),
                text,
                a.imd_decile,
                classes.colour(value),
                present.hatch(a.imd_decile),
                encode_polygons(geom),
            ]
        )
    imd = folium.FeatureGroup(name="Need: deprivation hatched (IMD deciles 1 to 4)", show=True)
    imd.add_to(m)
    _AreaLayer(areas, imd).add_to(m)
    if points:
        _AssetCluster(points, name="Assets (clustered)", show=False, showCoverageOnHover=False).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def area_map(shape, points) -> folium.Map:
    """One area's boundary and its assets' places (never a confidential one's)."""
    simple = shape.simplify(0.0001, preserve_topology=True)
    box = bounds([simple])
    m = make_map(((box[0][0] + box[1][0]) / 2, (box[0][1] + box[1][1]) / 2), zoom=14, **ZOOM_LIMITS)
    m.fit_bounds(box)
    folium.GeoJson(
        {
            "type": "Feature",
            "geometry": geojson_geometry(simple),
            "properties": {"style": {"fillColor": "#1d70b8", "fillOpacity": 0.08, "color": "#1d70b8", "weight": 3}},
        },
        control=False,
    ).add_to(m)
    if points:
        _AssetCluster(points, control=False, showCoverageOnHover=False, disableClusteringAtZoom=16).add_to(m)
    return m
