"""Town and street names on the patrol map, drawn with no basemap and no network.

The names and their zooms come from :mod:`hotspots.plans.place_labels` (GeoNames towns, police.uk
street labels). The page holds them as one small array and shows only the names whose first
zoom has been reached and that lie in (or near) the view, as non-interactive ``L.divIcon``
text in a pane above the markers that takes no clicks (a click meant for a zone's popup goes
through). A town's name sits just above its point, where the zone numbers of a town centre
would otherwise cover it. Names are HTML-escaped before they reach the page
and ``</`` is broken up, so a street name cannot end the script or inject markup.
"""

from __future__ import annotations

__all__ = ["add_place_labels", "PLACES_LAYER", "near_shapes", "place_label_data"]

import json
from typing import Any

import numpy as np

from ._map_popups import esc

PLACES_LAYER = "Place names (towns, streets)"

_JS = """
var {{ this.get_name() }} = L.layerGroup();
(function () {
    var map = {{ this._parent.get_name() }}, group = {{ this.get_name() }}, shown = {};
    var data = {{ this.data|safe }};
    function refresh() {
        if (!map.hasLayer(group)) { return; }
        var z = map.getZoom() + 0.01, view = map.getBounds().pad(0.25);
        for (var i = 0; i < data.length; i++) {
            var d = data[i], want = d[2] <= z && view.contains([d[0], d[1]]);
            if (want && !shown[i]) {
                shown[i] = L.marker([d[0], d[1]], {pane: 'hs_labels', interactive: false, keyboard: false,
                    icon: L.divIcon({className: 'hs-place ' + (d[4] ? 'hs-street' : 'hs-town'),
                                     html: '<span>' + d[3] + '</span>', iconSize: null})});
                group.addLayer(shown[i]);
            } else if (!want && shown[i]) {
                group.removeLayer(shown[i]);
                delete shown[i];
            }
        }
    }
    map.on('zoomend moveend', refresh);
    group.on('add', function () { setTimeout(refresh, 0); });
})();
"""


def place_label_data(labels: list[Any]) -> list[list[Any]]:
    """``[lat, lon, first zoom, escaped name, 0 town | 1 street]`` per label (WGS84, 5 decimals)."""
    if not labels:
        return []
    from ...runtime.proj import transformer

    t = transformer(27700, 4326)
    lon, lat = t.transform(np.array([p.x for p in labels], float), np.array([p.y for p in labels], float))
    return [[round(float(la), 5), round(float(lo), 5), int(p.min_zoom), esc(p.name), int(p.kind == "street")]
            for p, la, lo in zip(labels, lat, lon, strict=True)]


def near_shapes(analysis: Any) -> np.ndarray:
    """The patrol zones' and spots' shapes (EPSG:27700), the streets named on the map lie near."""
    near: list[Any] = []
    zones = getattr(getattr(analysis, "zones", None), "frame", None)
    if zones is not None and len(zones):
        near += list(zones.geometry.values)
    near += [s.geometry for s in (getattr(getattr(analysis, "spots", None), "spots", None) or [])]
    out = np.empty(len(near), dtype=object)
    out[:] = near
    return out


def add_place_labels(m: Any, analysis: Any, layers: Any) -> int:
    """Add the names layer (shown by default); returns how many names the page holds (0: none added)."""
    import folium
    from folium.map import Layer
    from folium.template import Template

    from ._prepared import prepared, prepared_streets

    t = analysis.table
    towns = prepared("towns", t.geometry.values, t.crs)  # town_labels, perhaps started early
    near = near_shapes(analysis)
    streets = prepared_streets(getattr(layers, "crimes", None), near, towns) if len(near) else []
    data = place_label_data(towns + streets)
    if not data:
        return 0

    class _Places(Layer):
        _template = Template("{% macro script(this, kwargs) %}" + _JS + "{% endmacro %}")

        def __init__(self) -> None:
            super().__init__(name=PLACES_LAYER, overlay=True, control=True, show=True)
            self._name = "PlaceNames"
            self.data = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")

    folium.map.CustomPane("hs_labels", z_index=610, pointer_events=False).add_to(m)
    _Places().add_to(m)
    return len(data)
