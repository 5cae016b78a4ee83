"""Folium (Leaflet) maps served with local assets only.

Folium points at CDNs by default; ``use_local_assets`` repoints every class we use at
``/static/vendor``. Maps draw on the configured tiles (``TILE_URL``); with none configured, or when
the tiles cannot be reached (the tile host blocked, offline, a licence lapsed), ``static/js/basemap.js``
draws a base map of our own instead: ward outlines with the wards' names and the council boundaries,
from ``context_layers`` (``/maps/context.json``), so a person can still see where they are and pick a
point. Rendered maps are split into header, html and script so templates can put the script under the
CSP nonce.
"""

from __future__ import annotations

import re

import branca.element
import folium
import jinja2
from flask import current_app
from folium import plugins
from markupsafe import escape
from sqlalchemy import select

#: Attribution shown on every map and on the data page (kept from each SOURCES.md).
ATTRIBUTION = (
    "Boundaries: Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2024."
)


LOCAL_JS = [("leaflet", "/static/vendor/leaflet/leaflet.js")]
LOCAL_CSS = [("leaflet_css", "/static/vendor/leaflet/leaflet.css"), ("assetmap_map_css", "/static/css/map.css")]
CLUSTER_JS = [("markerclusterjs", "/static/vendor/leaflet.markercluster/leaflet.markercluster.js")]
CLUSTER_CSS = [
    ("markerclustercss", "/static/vendor/leaflet.markercluster/MarkerCluster.css"),
    ("markerclusterdefaultcss", "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css"),
]


def use_local_assets() -> None:
    """Point folium's classes at the locally served copies (idempotent)."""
    folium.Map.default_js = LOCAL_JS
    folium.Map.default_css = LOCAL_CSS
    for cls in (plugins.MarkerCluster, plugins.FastMarkerCluster):
        cls.default_js = CLUSTER_JS
        cls.default_css = CLUSTER_CSS


use_local_assets()


_JINJA_SYNTAX = re.compile(r"\{[{%#]")
_NEWLINES = re.compile(r"\r\n|\r")


class _Literal:
    """A "template" with no Jinja syntax in it: renders to its text, exactly as Jinja would."""

    __slots__ = ("text",)

    def __init__(self, source: str):
        text = _NEWLINES.sub("\n", source)  # Jinja normalises newlines ...
        self.text = text[:-1] if text.endswith("\n") else text  # ... and drops one trailing newline

    def render(self, *_args, **_kwargs) -> str:
        return self.text


def _template(source: str):
    return jinja2.Template(source) if _JINJA_SYNTAX.search(source) else _Literal(source)


# folium wraps every piece of rendered output (whole scripts, GeoJSON included) in a new branca
# Element, and branca compiles each one as a Jinja template: about a third of a map's render time,
# and it is how listing text could be evaluated (see ``safe_html``). Text with no Jinja syntax in it
# renders to itself, so it need not be compiled; anything else still goes through Jinja unchanged.
branca.element.Template = _template


_JINJA_AND_JS = str.maketrans({"{": "&#123;", "}": "&#125;", "`": "&#96;", "$": "&#36;", "%": "&#37;"})


def safe_html(value) -> str:
    """Text for a folium tooltip or popup: HTML-escaped, and inert as Jinja and JS template literal.

    branca renders folium elements' content as Jinja templates, and folium puts popups inside JS
    template literals, so listing text such as "{{ 7*7 }}" or "${alert(1)}" would be evaluated.
    """
    return str(escape("" if value is None else value)).translate(_JINJA_AND_JS)


#: with no tile layer Leaflet has no zoom limits, and the cluster layer refuses to start without them
ZOOM_LIMITS = {"maxZoom": 18, "minZoom": 6}

# folium's page header is written for a whole-page map: it pins html/body to the viewport height,
# blocks pinch-zoom (a WCAG 1.4.4 failure) and adds an inline script the CSP refuses. Drop those.
_HEADER_JUNK = re.compile(
    r"<meta name=\"viewport\"[^>]*>|<meta http-equiv=[^>]*>|<style>\s*html, body \{.*?</style>"
    r"|<style>\s*#map \{.*?</style>|<script>\s*L_NO_TOUCH.*?</script>",
    re.S,
)


def make_map(center: tuple[float, float], zoom: int = 13, **kw) -> folium.Map:
    """A map centred on (lat, lon) with the configured tiles, or none (plain background)."""
    kw = {**ZOOM_LIMITS, **kw}
    tile_url = current_app.config.get("TILE_URL") or None
    tile_attr = current_app.config.get("TILE_ATTRIBUTION") or ""
    m = folium.Map(location=list(center), zoom_start=zoom, tiles=None, control_scale=True, prefer_canvas=False, **kw)
    if tile_url:
        folium.TileLayer(
            tiles=tile_url, attr=f"{tile_attr} | {ATTRIBUTION}", name="Background map", control=False
        ).add_to(m)
    return m


def render_map(m: folium.Map) -> dict:
    """Split a folium map into parts for a page: header (local links), html (div), script."""
    fig = m.get_root()
    fig.render()
    tiles = current_app.config.get("TILE_ATTRIBUTION") or ""
    header = _HEADER_JUNK.sub("", fig.header.render())
    return {
        "header": header,
        "html": fig.html.render(),
        "script": fig.script.render(),
        "attribution": (tiles + " " if tiles else "") + ATTRIBUTION,
        "id": m.get_name(),
    }


# --------------------------------------------------------------------------- the base map drawn when tiles cannot load


def _features(rows) -> dict:
    import json

    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": json.loads(geom),
                "properties": {"code": code, "name": name, "label": [round(x, 5), round(y, 5)]},
            }
            for code, name, geom, x, y in rows
        ],
    }


def context_layers(tolerance_deg: float = 0.0005) -> dict:
    """Every ward (with its name and a point inside it for the label) and every council boundary, simplified."""
    from . import geo
    from .db import session
    from .models import LocalAuthority, Ward

    out = {}
    for key, model in (("wards", Ward), ("councils", LocalAuthority)):
        rows = session.execute(
            select(
                model.code, model.name, geo.simplified_geojson(model.geom, tolerance_deg), *geo.label_point(model.geom)
            ).order_by(model.code)
        ).all()
        out[key] = _features(rows)
    return out
