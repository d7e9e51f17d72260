"""``patrol_map.html``: one self-contained Leaflet page of clusters, hot spots and patrol zones.

The page is what an inspector opens before a shift and what the desktop app shows in its map
tab, so it must open anywhere: no CDN (Leaflet is inlined, see :mod:`._offline`), basemap
tiles optional (LSOAs and zones draw on a plain background when tiles fail), and no text
from an input file ever reaches the page as HTML (every name, street and comment is escaped
before folium sees it, because folium's GeoJSON tooltips and popups insert values as HTML).

Layers (toggleable): LISA clusters (GeoDa colours), Getis-Ord Gi* bins (ArcGIS colours, off
by default), emerging hot spots over time (ArcGIS-like colours, off by default; see
:mod:`._map_emerging`), fear against recorded crime (when StreetSafe was analysed, off by default),
patrol zones (outlines, rank labels, an evidence popup), pubs and StreetSafe reports. Display
geometry is simplified by 5 m and rounded to 5 decimals (about 1 m) to keep the file small;
a study wider than ~100 km is simplified more (1/20,000 of its extent: ~30 m for England,
about a pixel at town zoom) and rounded to 4 decimals, so a national map stays a size a
browser opens quickly (:func:`display_tolerance`). The analysis itself never sees these shapes.
"""

from __future__ import annotations

__all__ = ["build_map", "map_html", "write_map", "run_facts", "ATTRIBUTION", "LISA_COLOURS", "GI_COLOURS",
           "FEAR_COLOURS", "SIMPLIFY_M", "zone_outline", "display_tolerance"]

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...study_title import run_facts  # shared with the briefing, the pack and the public set
from ..atomic import write_text_atomic
from ._map_geometry import SIMPLIFY_M, _fc, _to_display, display_tolerance, zone_outline
from ._map_lsoa import SharedLsoa
from ._map_popups import esc, legend_html, lsoa_props, reason_labels, zone_popup
from ._map_style import (
    ATTRIBUTION,
    FEAR_COLOURS,
    FEAR_LABELS,
    FEAR_NOT_TESTABLE,
    GI_COLOURS,
    LAYER_NAMES,
    LISA_COLOURS,
    LISA_LINES,
    LISA_OPACITY,
    LISA_WEIGHTS,
    MAP_CSS,
    PUB_COLOUR,
    STREETSAFE_COLOUR,
    ZONE_COLOUR,
)
from ._prepared import prepared

_OSM = "OpenStreetMap (needs internet)"


_LABEL_JS = """function(feature, layer) {
    layer.setIcon(L.divIcon({className: 'hs-zone-label', html: '<span>' + feature.properties.rank + '</span>',
                             iconSize: [24, 24], iconAnchor: [12, 12]}));
}"""


def _extras_element(legend: str, title: str, attribution: str) -> Any:
    """Legend control (sections follow the layer switcher), title box and data attribution."""
    from folium.elements import MacroElement
    from folium.template import Template

    class _Extras(MacroElement):
        _template = Template("""
            {% macro html(this, kwargs) %}<div class="hs-title">{{ this.title }}</div>{% endmacro %}
            {% macro script(this, kwargs) %}
            (function () {
                var map = {{ this._parent.get_name() }};
                window.hotspotsMap = map;  // a stable handle for the desktop app's QWebEngineView
                map.attributionControl.addAttribution({{ this.attribution|tojson }});
                var legend = L.control({position: 'bottomleft'});
                legend.onAdd = function () {
                    var div = L.DomUtil.create('div', 'hs-legend');
                    div.innerHTML = {{ this.legend|tojson }};
                    L.DomEvent.disableClickPropagation(div);
                    L.DomEvent.disableScrollPropagation(div);
                    return div;
                };
                legend.addTo(map);
                map.on('overlayadd overlayremove', function (e) {
                    document.querySelectorAll('.hs-legend [data-layer]').forEach(function (el) {
                        if (el.getAttribute('data-layer') === e.name) {
                            el.style.display = e.type === 'overlayadd' ? '' : 'none';
                        }
                    });
                });
            })();
            {% endmacro %}""")

        def __init__(self) -> None:
            super().__init__()
            self._name = "HotspotsExtras"
            self.legend, self.title, self.attribution = legend, title, attribution

    return _Extras()


def build_map(analysis: Any, layers: Any = None, study: Any = None) -> Any:
    """The patrol map as a ``folium.Map`` (EPSG:4326), Leaflet inlined, no CDN references.

    Parameters
    ----------
    analysis : :class:`hotspots.model.Analysis` (``table``, ``zones``, ``settings``)
    layers : :class:`hotspots.model.Layers` or None; its ``pubs`` and ``streetsafe`` are drawn
    study : optional :class:`hotspots.study.Study`, for the title (its ``name``)
    """
    import folium
    from folium.features import GeoJsonPopup, GeoJsonTooltip
    from folium.utilities import JsCode

    from ._offline import leaflet_css, leaflet_js, raw_element

    t = analysis.table
    facts = run_facts(analysis, layers, study)
    disp = prepared("lsoa_display", t.geometry.values, t.crs)  # _to_display; the study's own extent sets the tolerance
    minx, miny, maxx, maxy = _bounds(disp)
    m = folium.Map(tiles=None, control_scale=True, location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=11,
                   font_size="12px", zoom_snap=0.5)
    m.default_js, m.default_css = [], []  # instance lists: folium's module-level CDN lists stay untouched
    root = m.get_root()
    root.header.add_child(raw_element(f"<style>{leaflet_css()}</style>"), name="leaflet_css_inline")
    root.header.add_child(raw_element(f"<script>{leaflet_js()}</script>"), name="leaflet_js_inline")
    from ._map_controls import CONTROLS_CSS, add_control_behaviour

    root.header.add_child(raw_element(f"<style>{MAP_CSS}{CONTROLS_CSS}</style>"), name="hotspots_css")
    root.title = "Patrol map"

    folium.TileLayer("OpenStreetMap", name=_OSM, show=True, max_zoom=19).add_to(m)
    folium.FeatureGroup(name="No basemap (offline)", overlay=False, show=False).add_to(m)
    for pane, z in (("hs_context", 410), ("hs_zones", 450), ("hs_points", 460)):
        folium.map.CustomPane(pane, z_index=z, pointer_events=False).add_to(m)

    props = lsoa_props(t)
    tip_fields = ["code", "name", "crimes", "harm", "value", "imd", "cluster", "gi", "zone"]
    tip_alias = ["LSOA", "Name", "Crimes", "Harm", f"Analysed: {facts['measure']}", "IMD decile", "LISA cluster",
                 "Gi*", "Patrol zone"]
    if getattr(analysis.settings, "measure", "count") == "count":  # value == crimes: say it once
        del tip_fields[4], tip_alias[4]
    shared = SharedLsoa(m, disp, props)  # the LSOA shapes once, for every LSOA layer
    shared.layer(m, name=LAYER_NAMES["lisa"], show=True, key="c", colours=LISA_COLOURS, opacity=LISA_OPACITY,
                 line="#9a9a9a", weight=0.4, lines=LISA_LINES, weights=LISA_WEIGHTS, fields=tip_fields, aliases=tip_alias, sticky=True, highlight=True)
    hot = [i for i, p in enumerate(props) if p["g"] != 0]
    if hot:
        shared.layer(m, name=LAYER_NAMES["gi"], idx=hot, pane="hs_context", key="g", colours=GI_COLOURS,
                     line="#666666", weight=0.5, opacity=0.75, fields=["code", "name", "gi", "crimes"],
                     aliases=["LSOA", "Name", "Gi*", "Crimes"])

    from ._map_emerging import add_emerging_layer

    emerging_legend = add_emerging_layer(m, analysis, shared)
    has = {"fear": False, "pubs": False, "ss": False}
    if "fear_gap" in t:
        gap = t["fear_gap"].fillna("").astype(str).to_numpy().astype(object)
        if "fear_status" in t:  # not testable: shown, so a blank is never read as "no gap"
            untested = (t["fear_status"].fillna("").astype(str) == "too few reports").to_numpy()
            gap[untested & (gap == "")] = FEAR_NOT_TESTABLE
        idx = [i for i, g in enumerate(gap) if g in FEAR_COLOURS]
        if idx:
            has["fear"] = True
            shared.layer(m, name=LAYER_NAMES["fear"], idx=idx, extra=[{"f": gap[i], "gap": FEAR_LABELS[gap[i]]}
                                                                     for i in idx],
                         pane="hs_context", key="f", colours=FEAR_COLOURS, line="#555555", weight=0.6, opacity=0.7,
                         fields=["code", "name", "gap", "crimes"], aliases=["LSOA", "Name", "Fear vs crime", "Crimes"])

    zone_result = getattr(analysis, "zones", None)
    zones = zone_result.frame if zone_result is not None else None
    if zones is not None and len(zones):
        _add_zones(m, zones, zone_result.evidence, getattr(layers, "streetsafe", None) is not None,
                   GeoJsonTooltip, GeoJsonPopup, JsCode, when=getattr(analysis, "when", None))
    from ._map_spots import add_partner_places, add_spots

    add_spots(m, analysis, _to_display, _fc, GeoJsonTooltip, GeoJsonPopup)
    add_partner_places(m, analysis, _to_display, _fc, GeoJsonTooltip, GeoJsonPopup)
    from ._map_places import add_place_labels

    has["places"] = add_place_labels(m, analysis, layers) > 0  # town and street names with no basemap
    has["pubs"] = _add_points(m, getattr(layers, "pubs", None), "pubs", GeoJsonTooltip, GeoJsonPopup)
    has["ss"] = _add_points(m, getattr(layers, "streetsafe", None), "ss", GeoJsonTooltip, GeoJsonPopup)

    from ._map_evidence import add_evidence_layers

    evidence_legend = add_evidence_layers(m, analysis, shared)  # bivariate clusters, heat overlays
    title = (f"<b style='color:#b00020'>{esc(facts['marking'])}</b><br>"
             f"<b>{esc(facts['study'])}</b><span class='hs-title-more'><br>{esc(facts['measure'])}; "
             f"{esc(facts['crime_types'])}<br>{esc(facts['period'])}; {esc(facts['zones'])} patrol "
             f"zone{'s' if facts['zones'] != '1' else ''}</span>")
    from ...data.gazetteer import GEONAMES_CREDIT

    attribution = (ATTRIBUTION + (_pubs_attribution(layers) if has["pubs"] else "")
                   + (f"; {GEONAMES_CREDIT}" if has["places"] else ""))
    from ._map_spots import partner_legend, spot_legend

    legend = (legend_html(t, zones, has) + spot_legend(analysis) + partner_legend(analysis) + evidence_legend
              + emerging_legend)
    _extras_element(f"<div class='hs-fold-b'>{legend}</div>", title, attribution).add_to(m)
    control = folium.LayerControl(collapsed=False, position="topright").add_to(m)
    add_control_behaviour(m, control)  # foldable list and legend, zooms padded clear of them
    m.fit_bounds(_opening_view(zones, (minx, miny, maxx, maxy)))
    return m


def _pubs_attribution(layers: Any) -> str:
    """Credit the pubs layer by its real source: Open Pubs is OGL (FSA/ONS), OSM is ODbL."""
    reports = getattr(layers, "reports", {}) or {}
    fmt = str(getattr(reports.get("pubs"), "info", {}).get("format", ""))
    if fmt.startswith("Open Pubs"):
        return "; pubs: Open Pubs (FSA food hygiene register and ONS postcodes, Open Government Licence v3.0)"
    if "OSM" in fmt:
        return "; pubs \u00a9 OpenStreetMap contributors (ODbL)"
    return "; pubs: supplied file"


def _opening_view(zones: Any, extent: tuple[float, float, float, float]) -> list[list[float]]:
    """Open on the patrol zones with a margin of context, not on the whole (mostly rural) area.

    Zones are what the map is for; an inspector zooms out for the county view. With no
    zones the whole area is shown."""
    minx, miny, maxx, maxy = extent
    if zones is not None and len(zones):
        zx0, zy0, zx1, zy1 = _bounds(_to_display(zones.geometry.values, zones.crs))
        pad = 0.6 * max(zx1 - zx0, zy1 - zy0, 0.02)
        minx, miny = max(minx, zx0 - pad), max(miny, zy0 - pad)
        maxx, maxy = min(maxx, zx1 + pad), min(maxy, zy1 + pad)
    return [[miny, minx], [maxy, maxx]]


def _bounds(geoms: np.ndarray) -> tuple[float, float, float, float]:
    import shapely

    b = shapely.total_bounds(geoms)
    if not np.all(np.isfinite(b)):
        return -0.2, 51.4, 0.0, 51.6  # nothing to draw: a neutral view (central London)
    return tuple(float(v) for v in b)  # type: ignore[return-value]


def _add_zones(m: Any, zones: Any, evidence: dict, streetsafe: bool, tooltip_cls: Any, popup_cls: Any,
               jscode: Any, when: Any = None) -> None:
    import folium
    import geopandas as gpd

    from ...when.clock import zone_clock_html  # a records extract: each zone's heat clock

    z = zones.sort_values("rank", kind="mergesort")
    n = len(z)
    geoms = np.array([zone_outline(g) for g in z.geometry.values], dtype=object)
    disp = _to_display(geoms, zones.crs)
    pts = gpd.GeoSeries(geoms, crs=zones.crs if zones.crs is not None else 27700)
    pts = pts.map(lambda g: g.representative_point() if g is not None and not g.is_empty else None)
    pts = _to_display(pts.values, pts.crs, extent_m=0.0)  # label anchors: full precision
    props = []
    for _, row in z.iterrows():
        ev = evidence.get(int(row["zone_id"]))
        props.append({"rank": int(row["rank"]), "label": f"Patrol zone {int(row['rank'])}: click for the evidence",
                      "popup": zone_popup(row, ev, n, streetsafe) + zone_clock_html(when, int(row["zone_id"]))})
    group = folium.FeatureGroup(name=LAYER_NAMES["zones"], show=True).add_to(m)
    popup_opts = {"max_width": 380, "max_height": 420}
    folium.GeoJson(
        _fc(disp, props), pane="hs_zones",
        style_function=lambda f: {"color": ZONE_COLOUR, "weight": 3.5, "fill": False, "opacity": 0.95},
        highlight_function=lambda f: {"weight": 6},
        tooltip=tooltip_cls(["label"], labels=False, sticky=True),
        popup=popup_cls(["popup"], labels=False, localize=False, **popup_opts),
    ).add_to(group)
    folium.GeoJson(
        _fc(pts, props), marker=folium.Marker(), on_each_feature=jscode(_LABEL_JS),
        tooltip=tooltip_cls(["label"], labels=False),
        popup=popup_cls(["popup"], labels=False, localize=False, **popup_opts),
    ).add_to(group)


def _add_points(m: Any, gdf: Any, kind: str, tooltip_cls: Any, popup_cls: Any) -> bool:
    """Pubs (compact rows, :mod:`._map_compact`) or StreetSafe reports (one GeoJSON layer in a
    marker cluster) as circle markers."""
    import folium
    import shapely

    if gdf is None or len(gdf) == 0:
        return False
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if not len(gdf):
        return False
    disp = _to_display(gdf.geometry.values, gdf.crs, extent_m=0.0)  # points: nothing to simplify, ~1 m
    if kind == "pubs":
        names = gdf["name"] if "name" in gdf else pd.Series([""] * len(gdf), index=gdf.index)
        addr = gdf["address"] if "address" in gdf else pd.Series([""] * len(gdf), index=gdf.index)
        props = [{"name": esc(nm) or "(unnamed pub)", "address": esc(a)} for nm, a in zip(names, addr, strict=True)]
        fields, aliases, colour, radius = ["name", "address"], ["Pub", "Address"], PUB_COLOUR, 3.5
        tip = ["name"]
    else:
        cols = {c: (gdf[c] if c in gdf else pd.Series([""] * len(gdf), index=gdf.index))
                for c in ("month", "reasons", "comment", "report_id")}
        props = [{"month": esc(mo), "reasons": esc(reason_labels(r)) or "-", "comment": esc(c) or "-",
                  "id": esc(i)}
                 for mo, r, c, i in zip(cols["month"], cols["reasons"], cols["comment"], cols["report_id"], strict=True)]
        fields, aliases, colour, radius = ["month", "reasons", "comment", "id"], ["Month", "Why unsafe", "Comment",
                                                                                 "Report"], STREETSAFE_COLOUR, 3.5
        tip = ["reasons"]
    if kind == "pubs":  # context, not the plan: small marks under the zones, never bubbles over them
        # a nation's ~45,000 pubs: compact rows, not GeoJSON features
        from ._map_compact import add_compact_points

        rows = [[la, lo, p["name"], p["address"]]
                for la, lo, p in zip(shapely.get_y(disp).tolist(), shapely.get_x(disp).tolist(), props, strict=True)]
        add_compact_points(folium.FeatureGroup(name=LAYER_NAMES[kind], show=True).add_to(m), LAYER_NAMES[kind],
                           rows, fields=fields, tooltip={"fields": tip, "labels": False, "sticky": True},
                           popup={"fields": fields, "aliases": aliases, "max_width": 320},
                           marker={"radius": 2.5, "color": "#ffffff", "weight": 0.6, "fill": True,
                                   "fillColor": colour, "fillOpacity": 0.95})
        return True
    from ._map_points import cluster_group

    # StreetSafe reports: numbered bubbles at county zoom, points close up
    group = cluster_group(m, LAYER_NAMES[kind], colour)
    pane, line = "hs_points", {"color": "#333333", "weight": 1}
    folium.GeoJson(
        _fc(disp, props), pane=pane,
        marker=folium.CircleMarker(radius=radius, pane=pane),
        style_function=lambda f: {**line, "fill": True, "fillColor": colour, "fillOpacity": 0.95},
        tooltip=tooltip_cls(tip, labels=False),
        popup=popup_cls(fields, aliases=aliases, localize=False, max_width=320),
    ).add_to(group)
    return True


def map_html(analysis: Any, layers: Any = None, study: Any = None) -> str:
    """The map as one HTML string with no external script or stylesheet references."""
    from ._offline import render_page, strip_external

    return strip_external(render_page(build_map(analysis, layers, study).get_root()))


def write_map(analysis: Any, layers: Any, path: str | Path, *, study: Any = None) -> Path:
    """Write ``patrol_map.html`` atomically; returns the path."""
    return write_text_atomic(path, map_html(analysis, layers, study))
