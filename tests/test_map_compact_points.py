"""Compact point layers (pubs, partner places): folium's own tooltip and popup functions, rows of
escaped text that cannot end the page's script, one style per layer."""

from __future__ import annotations

import json

import folium
from folium.features import GeoJsonPopup, GeoJsonTooltip

from hotspots.export.map._map_compact import add_compact_points, detail_js, script_json
from hotspots.export.map._map_popups import esc
from hotspots.export.map._offline import render_page


def test_detail_functions_are_the_ones_folium_writes():
    m = folium.Map(tiles=None)
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": 0, "properties": {"name": "A", "address": "B"},
         "geometry": {"type": "Point", "coordinates": [0.5, 51.3]}}]}
    folium.GeoJson(data, tooltip=GeoJsonTooltip(["name"], labels=False),
                   popup=GeoJsonPopup(["name", "address"], aliases=["Pub", "Address"], localize=False)).add_to(m)
    page = render_page(m.get_root())
    tip, pop = detail_js(["name"], labels=False), detail_js(["name", "address"], ["Pub", "Address"])
    assert tip in page and pop in page and tip != pop
    assert "<th>" in pop and "<th>" not in tip


def test_rows_escape_and_layer_nests_in_a_group():
    evil = "</script><img src=x onerror=alert(1)>"
    m = folium.Map(tiles=None)
    group = folium.FeatureGroup(name="Pubs", show=True).add_to(m)
    rows = [[51.3, 0.5, esc(evil), esc("1 High St & Co")], [51.31, 0.51, "The Bell", ""]]
    layer = add_compact_points(group, "Pubs", rows, fields=["name", "address"],
                               tooltip={"fields": ["name"], "labels": False, "sticky": True},
                               popup={"fields": ["name", "address"], "aliases": ["Pub", "Address"], "max_width": 320},
                               marker={"radius": 2.5, "color": "#ffffff", "weight": 0.6, "fill": True,
                                       "fillColor": "#E69F00", "fillOpacity": 0.95})
    assert not layer.control  # the group is in the layer switcher, not the layer inside it
    folium.LayerControl().add_to(m)
    page = render_page(m.get_root())
    assert "</script><img" not in page and "<img src=x" not in page
    assert script_json(rows) in page and "<\\/" not in esc(evil)  # escaped text needs no breaking up
    assert page.count('"Pubs"') == 1  # one entry in the switcher
    assert 'return {"name": r[2], "address": r[3]}' in page
    assert '{"sticky": true, "className": "foliumtooltip"}' in page
    assert '{"maxWidth": 320, "className": "foliumpopup"}' in page
    assert json.dumps({"radius": 2.5, "color": "#ffffff"})[:-1] in page


def test_script_json_breaks_up_a_closing_tag_and_line_separators():
    assert script_json(["a</script>b"]) == '["a<\\/script>b"]'
    assert script_json(["x\u2028y\u2029z", "é"]) == '["x\\u2028y\\u2029z","é"]'


def test_a_point_without_coordinates_is_left_out():
    """Leaflet throws on a NaN position, and the page's script would stop there."""
    m = folium.Map(tiles=None)
    layer = add_compact_points(m, "Pubs", [[float("nan"), 0.5, "a"], [51.3, 0.5, "b"]], fields=["name"],
                               tooltip={"fields": ["name"], "labels": False}, marker={"radius": 2},
                               popup={"fields": ["name"], "max_width": 300})
    assert layer.rows == '[[51.3,0.5,"b"]]' and layer.control
