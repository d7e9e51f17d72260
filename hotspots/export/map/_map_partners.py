"""The partner places on the patrol map as compact rows, their tooltips and popups built in the page.

Every partner place is drawn (:mod:`hotspots.plans.partner_places`: "every place found is
listed"), so a national study draws tens of thousands. As a ``folium.GeoJson`` each place
carried a GeoJSON feature, its tooltip text and its whole popup HTML, ``\\u003c``-escaped
by folium's ``tojson`` (about 600 bytes a place: 34 MB of a 56 MB national page, and ~4 s to
build and write). Here a place is one row ``[lat, lon, name, kind, crimes, shop, reason]``
(kinds, shoplifting shares and reasons are indexes into small tables, as most places share
them) of a compact point layer (:mod:`._map_compact`: folium's markers, tooltip and popup
functions), and the page puts the text together in the words and markup of
:func:`hotspots.export.map._map_spots.partner_popup` (a test runs the page's function against
it). Names and reasons are HTML-escaped before they reach the page.
"""

from __future__ import annotations

__all__ = ["partner_rows", "add_partner_layer", "PARTNER_JS"]

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


def add_partner_layer(m: Any, name: str, places: list[Any], lat: np.ndarray, lon: np.ndarray, *,
                      marker: dict[str, Any], max_width: int) -> Any:
    """Add the partner places to ``m`` as one layer (shown, in the layer switcher)."""
    from ._map_compact import add_compact_points
    from ._offline import raw_element

    rows, tables = partner_rows(places, lat, lon)
    m.get_root().header.add_child(raw_element(f"<script>\n{PARTNER_JS}</script>"), name="hs_partner_js")
    return add_compact_points(m, name, rows, fields=["label", "popup"], marker=marker, props_js="hs_partner_text",
                              tables=tables, tooltip={"fields": ["label"], "labels": False, "sticky": True},
                              popup={"fields": ["popup"], "labels": False, "max_width": max_width})
