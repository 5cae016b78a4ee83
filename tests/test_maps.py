"""Shared map helpers: local assets only, folium's whole-page header removed, listing text inert."""
import folium

from assetmap.maps import make_map, render_map, safe_html


def test_maps_use_local_assets_and_drop_the_whole_page_header(app_ctx):
    m = make_map((52.47, -1.9), 12)
    folium.Marker((52.47, -1.9), tooltip="A place").add_to(m)
    out = render_map(m)
    page = out["header"] + out["html"] + out["script"]
    assert "/static/vendor/leaflet/leaflet.js" in out["header"]
    assert "cdn" not in page.lower() and "https://" not in out["header"]
    assert "user-scalable=no" not in out["header"] and "L_NO_TOUCH" not in out["header"]
    assert '"maxZoom": 18' in out["script"]


def test_listing_text_is_inert_in_tooltips_and_popups(app_ctx):
    evil = "{{ 7*7 }} club `${alert(1)}` <img src=x onerror=alert(2)> {% if 1 %}x{% endif %}"
    m = make_map((52.47, -1.9), 12)
    folium.Marker((52.47, -1.9), tooltip=safe_html(evil), popup=safe_html(evil)).add_to(m)
    out = render_map(m)["script"]
    assert "49 club" not in out
    assert "<img" not in out and "${" not in out and "{%" not in out
    assert "&#123;&#123; 7*7 &#125;&#125; club" in out
