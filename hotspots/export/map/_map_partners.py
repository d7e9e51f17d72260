"""The partner places on the patrol map as compact rows, their tooltips and popups built in the page.

Every partner place is drawn (:mod:`hotspots.plans.partner_places`: "every place found is
listed"), so a national study draws tens of thousands. As a ``folium.GeoJson`` each place
carried a GeoJSON feature, its tooltip text and its whole popup HTML, ``\\u003c``-escaped
by folium's ``tojson`` (about 600 bytes a place: 34 MB of a 56 MB national page, and ~4 s to
build and write). Here a place is one row ``[lat, lon, name, kind, crimes, shop, reason]``
(kinds, shoplifting shares and reasons are indexes into small tables, as most places share
them), and the page puts the text together when a tooltip or popup opens, in the words and
markup of :func:`hotspots.export.map._map_spots.partner_popup` (a test runs the page's
function against it). The markers, their pane and the tooltip and popup elements are those
folium drew (the same ``L.circleMarker`` options, ``foliumtooltip``/``foliumpopup`` classes and
table markup). Names and reasons are HTML-escaped before they reach the page, and ``</`` is
broken up, so no input text can end the script or become markup.
"""

from __future__ import annotations

__all__ = ["partner_rows", "add_partner_layer", "PARTNER_JS"]

import json
from typing import Any

import numpy as np

from ._map_popups import esc

#: the page's text of one row ``r`` given the tables ``t`` (kinds, shops, reasons): label and popup
PARTNER_JS = """function hs_partner_text(r, t) {
  var shop = t.shops[r[5]];
  return {label: "Partner place: " + r[2] + " (" + r[4] + " crimes)",
          popup: "<div class='hs-pop'><div class='hs-pop-h'>Partner place: " + r[2] + "</div><div>"
                 + t.kinds[r[3]] + ": <b>" + r[4] + "</b> crimes" + (shop ? "; " + shop + " shoplifting" : "")
                 + "<br><i>" + t.reasons[r[6]] + "</i></div></div>"};
}
"""

# folium's GeoJsonTooltip/GeoJsonPopup markup with labels=False (one row, one cell)
_CELL = "'<table><tr>\\n            <td>' + {} + '</td>\\n        </tr></table>'"

_LAYER_JS = """
var {{ this.get_name() }} = L.featureGroup();
(function () {
    var group = {{ this.get_name() }}, rows = {{ this.rows|safe }}, tables = {{ this.tables|safe }};
    for (var i = 0; i < rows.length; i++) {
        var marker = L.circleMarker([rows[i][0], rows[i][1]], {{ this.marker|safe }});
        marker.hsText = hs_partner_text(rows[i], tables);
        group.addLayer(marker);
    }
})();
{{ this.get_name() }}.bindTooltip(function (layer) {
    var div = L.DomUtil.create('div');
    div.innerHTML = """ + _CELL.format("layer.hsText.label") + """;
    return div;
}, {"sticky": true, "className": "foliumtooltip"});
{{ this.get_name() }}.bindPopup(function (layer) {
    var div = L.DomUtil.create('div');
    div.innerHTML = """ + _CELL.format("layer.hsText.popup") + """;
    return div;
}, {"maxWidth": {{ this.max_width }}, "className": "foliumpopup"});
"""

#: folium's table styles for its tooltip and popup classes (added again: harmless if folium added them)
_TABLE_CSS = "".join(f".{c} table{{margin: auto;}} .{c} tr{{text-align: left;}} .{c} th{{padding: 2px; "
                     "padding-right: 8px;}" for c in ("foliumtooltip", "foliumpopup")) + ".foliumpopup{margin: auto;}"


def partner_rows(places: list[Any], lat: np.ndarray, lon: np.ndarray) -> tuple[list[list[Any]], dict[str, list[str]]]:
    """The page's rows and tables for ``places`` at ``lat``/``lon`` (escaped text throughout)."""
    from ..partner_places import KIND_WORDS

    tables: dict[str, list[str]] = {"kinds": [], "shops": [], "reasons": []}
    index: dict[str, dict[str, int]] = {k: {} for k in tables}

    def ref(table: str, raw: str) -> int:
        """The index of ``raw``'s escaped text in ``table`` (escaped once per distinct text)."""
        at = index[table]
        if raw not in at:
            at[raw] = len(tables[table])
            tables[table].append(esc(raw))
        return at[raw]

    rows = []
    for p, la, lo in zip(places, lat.tolist(), lon.tolist(), strict=True):
        shop = f"{p.share_shoplifting:.0%}" if p.kind == "retail" else ""
        rows.append([la, lo, esc(p.name), ref("kinds", KIND_WORDS.get(p.kind, p.kind)), f"{p.crimes:,}",
                     ref("shops", shop), ref("reasons", p.reason)])
    return rows, tables


def _script_json(value: Any) -> str:
    """JSON for inside a ``<script>``: ``</`` broken up so no text can end the script."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def add_partner_layer(m: Any, name: str, places: list[Any], lat: np.ndarray, lon: np.ndarray, *,
                      marker: dict[str, Any], max_width: int) -> Any:
    """Add the partner places to ``m`` as one layer (shown, in the layer switcher)."""
    from folium.map import Layer
    from folium.template import Template

    from ._offline import raw_element

    class PartnerLayer(Layer):
        _template = Template("{% macro script(this, kwargs) %}" + _LAYER_JS + "{% endmacro %}")

        def __init__(self) -> None:
            super().__init__(name=name, overlay=True, control=True, show=True)
            self._name = "PartnerPlaces"

    rows, tables = partner_rows(places, lat, lon)
    root = m.get_root()
    root.header.add_child(raw_element(f"<script>\n{PARTNER_JS}</script>"), name="hs_partner_js")
    root.header.add_child(raw_element(f"<style>{_TABLE_CSS}</style>"), name="hs_partner_css")
    layer = PartnerLayer()
    layer.rows, layer.tables = _script_json(rows), _script_json(tables)
    layer.marker, layer.max_width = json.dumps(marker), int(max_width)
    layer.add_to(m)
    return layer
