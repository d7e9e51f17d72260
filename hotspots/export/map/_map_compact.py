"""Point layers of the patrol map written as compact rows, with folium's own tooltips and popups.

A ``folium.GeoJson`` of points writes each point as a GeoJSON feature through ``tojson``
(HTML in a property is ``\\u003c``-escaped) and runs its style function once per point. A
national study has tens of thousands of pubs and partner places (54,370 generated partner
places were 34 MB of a 56 MB page; Kent's map with 40,000 pubs added took 3.0 s and 11.8 MB,
now 1.5 s and 6.5 MB). Here a layer is one array of rows ``[lat, lon, value, ...]``; the
page makes each ``L.circleMarker`` with the layer's one style and gives it the
``feature.properties`` a GeoJSON layer would have, and the tooltip and popup are bound with
the functions folium writes for ``GeoJsonTooltip``/``GeoJsonPopup`` (rendered from folium's own
template, with its classes and options), so the markers, their pane and what a click or hover
shows are unchanged (Chromium's DOM of Kent's 538 pubs and 100 partner places is identical). Values
are escaped text before they get here (:func:`hotspots.export.map._map_popups.esc`), and
``</`` is broken up, so no input text can end the script or become markup.
"""

from __future__ import annotations

__all__ = ["add_compact_points", "detail_js", "script_json"]

import json
import math
from types import SimpleNamespace
from typing import Any

_LAYER_JS = """
var {{ this.get_name() }} = L.featureGroup();
(function () {
    var group = {{ this.get_name() }}, rows = {{ this.rows|safe }}, tables = {{ this.tables|safe }};
    var props = {{ this.props_js|safe }};
    for (var i = 0; i < rows.length; i++) {
        var marker = L.circleMarker([rows[i][0], rows[i][1]], {{ this.marker|safe }});
        marker.feature = {type: "Feature", properties: props(rows[i], tables)};
        group.addLayer(marker);
    }
})();
{{ this.get_name() }}.bindTooltip({{ this.tooltip_js|safe }}, {{ this.tooltip_opts|safe }});
{{ this.get_name() }}.bindPopup({{ this.popup_js|safe }}, {{ this.popup_opts|safe }});
"""

#: folium's table styles for its tooltip and popup classes (again: harmless where folium wrote them)
_TABLE_CSS = "".join(f".{c} table{{margin: auto;}} .{c} tr{{text-align: left;}} .{c} th{{padding: 2px; "
                     "padding-right: 8px;}" for c in ("foliumtooltip", "foliumpopup")) + ".foliumpopup{margin: auto;}"


def script_json(value: Any) -> str:
    """JSON for inside a ``<script>``: ``</`` broken up so no text can end the script, and the
    line separators older JavaScript reads as line ends inside a string escaped."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def detail_js(fields: list[str], aliases: list[str] | None = None, labels: bool = True) -> str:
    """The ``function(layer)`` folium binds for a ``GeoJsonTooltip``/``GeoJsonPopup`` (not localised)."""
    from folium.features import GeoJsonDetail
    from folium.template import Template

    this = SimpleNamespace(fields=list(fields), aliases=list(aliases if aliases is not None else fields),
                           labels=labels, localize=False)
    return Template(GeoJsonDetail.base_template).render(this=this)


def add_compact_points(parent: Any, name: str, rows: list[list[Any]], *, fields: list[str], marker: dict[str, Any],
                       tooltip: dict[str, Any], popup: dict[str, Any], props_js: str | None = None,
                       tables: Any = None, show: bool = True) -> Any:
    """Add a layer of circle markers, one per row ``[lat, lon, *values]``, to ``parent``.

    ``fields`` name the values (the ``feature.properties`` the tooltip and popup read), unless
    ``props_js`` (a JavaScript ``function(row, tables)``) makes the properties from the row and
    ``tables``. ``tooltip``: ``fields``, ``labels``, ``sticky``; ``popup``: ``fields``,
    ``aliases``, ``labels``, ``max_width``, as for folium's classes. The layer is listed in the
    layer switcher when ``parent`` is the map (inside a group, the group is)."""
    from folium import Map
    from folium.map import Layer
    from folium.template import Template

    from ._offline import raw_element

    class CompactPoints(Layer):
        _template = Template("{% macro script(this, kwargs) %}" + _LAYER_JS + "{% endmacro %}")

        def __init__(self) -> None:  # in the layer switcher when on the map itself, not inside a group
            super().__init__(name=name, overlay=True, control=isinstance(parent, Map), show=show)
            self._name = "CompactPoints"

    rows = [r for r in rows if math.isfinite(r[0]) and math.isfinite(r[1])]  # L.circleMarker throws on NaN
    if props_js is None:
        props_js = ("function (r) { return {" + ", ".join(f"{json.dumps(f)}: r[{k + 2}]" for k, f in enumerate(fields))
                    + "}; }")
    root = parent.get_root()
    root.header.add_child(raw_element(f"<style>{_TABLE_CSS}</style>"), name="hs_compact_css")
    layer = CompactPoints()
    layer.rows, layer.tables, layer.props_js = script_json(rows), script_json(tables), props_js
    layer.marker = json.dumps(marker)
    layer.tooltip_js = detail_js(tooltip["fields"], labels=tooltip.get("labels", True))
    layer.tooltip_opts = json.dumps({"sticky": bool(tooltip.get("sticky", True)), "className": "foliumtooltip"})
    layer.popup_js = detail_js(popup["fields"], popup.get("aliases"), labels=popup.get("labels", True))
    layer.popup_opts = json.dumps({"maxWidth": int(popup["max_width"]), "className": "foliumpopup"})
    layer.add_to(parent)
    return layer
