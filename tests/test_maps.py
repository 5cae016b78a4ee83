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


def _draw_and_render(monkeypatch, template_factory):
    """A map with a GeoJSON outline, a circle, a marker and a cluster, drawn with numbered ids."""
    import itertools
    import json

    import branca.element
    from folium import plugins

    counter = itertools.count()
    monkeypatch.setattr(branca.element.Element, "_generate_id", classmethod(lambda cls: f"{next(counter):032x}"))
    monkeypatch.setattr(branca.element, "Template", template_factory)
    outline = {"type": "Polygon", "coordinates": [[[-1.9, 52.4], [-1.8, 52.4], [-1.8, 52.5], [-1.9, 52.4]]]}
    m = make_map((52.47, -1.9), 12)
    folium.GeoJson(json.loads(json.dumps(outline)), tooltip="Ward\r\nboundary").add_to(m)
    folium.Circle((52.47, -1.9), radius=1609).add_to(m)
    folium.Marker((52.47, -1.9), tooltip=safe_html("{{ 7*7 }} café"), popup="Line one\nline two\n").add_to(m)
    plugins.MarkerCluster(name="Results").add_to(m)
    return render_map(m)


def test_maps_render_exactly_as_branca_with_jinja_would(app_ctx, monkeypatch):
    """Text with no Jinja syntax skips compilation (assetmap.maps): the output must not change."""
    import jinja2

    from assetmap import maps

    fast = _draw_and_render(monkeypatch, maps._template)
    plain = _draw_and_render(monkeypatch, jinja2.Template)
    assert fast == plain
    assert "markerClusterGroup" in fast["script"] and "Ward" in fast["script"]


def test_literal_templates_only_when_there_is_no_jinja_syntax():
    from assetmap.maps import _Literal, _template

    assert isinstance(_template('{"a": {"b": 1}}\n'), _Literal)
    assert _template('{"a": {"b": 1}}\n').render(this=None) == '{"a": {"b": 1}}'
    assert _template("a\r\nb\rc").render() == "a\nb\nc"
    for jinja in ("{{ x }}", "{% if x %}{% endif %}", "{# c #}"):
        assert not isinstance(_template(jinja), _Literal)
    assert _template("{{ 6*7 }}").render() == "42"


def test_the_literal_template_shortcut_is_in_effect(app_ctx, monkeypatch):
    """If a branca upgrade stops building templates through ``branca.element.Template``, say so."""
    from assetmap import maps

    made = []
    monkeypatch.setattr(
        maps._Literal, "__init__", lambda self, source: (made.append(source), setattr(self, "text", source))[0]
    )
    m = make_map((52.47, -1.9), 12)
    folium.Marker((52.47, -1.9), tooltip="A place").add_to(m)
    render_map(m)
    assert len(made) >= 3


def test_the_offline_base_map_layers_name_every_ward_and_council_with_a_label_inside_it(client):
    from shapely.geometry import Point, shape

    resp = client.get("/maps/context.json")
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == "public, max-age=3600"
    layers = resp.get_json()
    assert len(layers["wards"]["features"]) == 90 and len(layers["councils"]["features"]) == 2
    names = {f["properties"]["name"] for f in layers["councils"]["features"]}
    assert names == {"Birmingham", "York"}
    for f in layers["wards"]["features"] + layers["councils"]["features"]:
        assert shape(f["geometry"]).buffer(0.0005).contains(Point(f["properties"]["label"])), f["properties"]["name"]


def test_every_map_page_loads_the_offline_base_map_before_its_map_script(client, app_ctx):
    html = client.get("/search").get_data(as_text=True)
    basemap = html.index('src="/static/js/basemap.js"')
    assert html.index("leaflet.js") < basemap < html.index("L.map(")
    assert 'data-tiles="no"' in html and 'data-context="/maps/context.json"' in html
