"""The asset form's map: a draggable pin over the ward boundaries, with latitude/longitude inputs as
the keyboard and no-JavaScript alternative (static/js/upkeep_form.js keeps them in step)."""

from __future__ import annotations

import json

import folium
from sqlalchemy import select

from ..db import session
from ..geo import simplified_geojson
from ..maps import make_map, render_map, safe_html
from ..models import Ward

#: central Birmingham, used when there is neither a pin nor a ward to show
DEFAULT_CENTRE = (52.4796, -1.9026)
MAX_WARDS_DRAWN = 25


def _ward_features(codes: set[str]) -> list[dict]:
    if not codes:
        return []
    rows = session.execute(
        select(Ward.code, Ward.name, simplified_geojson(Ward.geom)).where(
            Ward.code.in_(sorted(codes)[:MAX_WARDS_DRAWN])
        )
    ).all()
    return [
        {"type": "Feature", "properties": {"name": safe_html(name), "code": code}, "geometry": json.loads(gj)}
        for code, name, gj in rows
    ]


def pin_map(lat: float | None, lon: float | None, ward_codes: set[str]) -> dict:
    """A rendered map plus the JS names of the map and the pin."""
    features = _ward_features(ward_codes)
    has_pin = lat is not None and lon is not None
    m = make_map(center=(lat, lon) if has_pin else DEFAULT_CENTRE, zoom=16 if has_pin else 12)
    at = (lat, lon) if has_pin else DEFAULT_CENTRE
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name="Wards",
            style_function=lambda f: {"color": "#1d70b8", "weight": 2, "fillOpacity": 0.05},
            tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False),
        ).add_to(m)
        if not has_pin:
            # a coordinator's wards can be in different cities: start on the first one
            first = folium.GeoJson(features[0])
            m.fit_bounds(first.get_bounds())
            (s, w), (n, e) = first.get_bounds()
            at = ((s + n) / 2, (w + e) / 2)
    marker = folium.Marker(location=at, draggable=True, tooltip="Drag the pin to the exact place")
    marker.add_to(m)
    rendered = render_map(m)
    return {"rendered": rendered, "map_name": m.get_name(), "marker_name": marker.get_name(), "has_pin": has_pin}
