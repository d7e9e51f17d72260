"""``patrol_map.html``: one self-contained Leaflet page of clusters, hot spots and patrol zones.

The page is what an inspector opens before a shift and what the desktop app shows in its map
tab, so it must open anywhere: no CDN (Leaflet is inlined, see :mod:`._offline`), basemap
tiles optional (LSOAs and zones draw on a plain background when tiles fail), and no text
from an input file ever reaches the page as HTML (every name, street and comment is escaped
before folium sees it, because folium's GeoJSON tooltips and popups insert values as HTML).

Layers (toggleable): LISA clusters (GeoDa colours), Getis-Ord Gi* bins (ArcGIS colours, off
by default), fear against recorded crime (when StreetSafe was analysed, off by default),
patrol zones (outlines, rank labels, an evidence popup), pubs and StreetSafe reports. Display
geometry is simplified by 5 m and rounded to 5 decimals (about 1 m) to keep the file small;
the analysis itself never sees these shapes.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .atomic import write_text_atomic

__all__ = ["build_map", "map_html", "write_map", "run_facts", "ATTRIBUTION", "LISA_COLOURS", "GI_COLOURS",
           "FEAR_COLOURS", "SIMPLIFY_M", "zone_outline"]

#: GeoDa's conventional LISA cluster colours
LISA_COLOURS = {"HH": "#ff0000", "LL": "#0000ff", "LH": "#a7adf9", "HL": "#f4ada8", "ns": "#eeeeee"}
LISA_LABELS = {"HH": "High-High (hot spot)", "HL": "High-Low (high outlier)", "LH": "Low-High (low outlier)",
               "LL": "Low-Low (cold spot)", "ns": "Not significant"}
#: ArcGIS Hot Spot Analysis palette by Gi* bin
GI_COLOURS = {3: "#d62f27", 2: "#ed7551", 1: "#fab984", 0: "#ffffbf", -1: "#c0ccbe", -2: "#849eba",
              -3: "#4575b5"}
GI_LABELS = {3: "Hot spot, 99% confidence", 2: "Hot spot, 95% confidence", 1: "Hot spot, 90% confidence",
             0: "Not significant", -1: "Cold spot, 90% confidence", -2: "Cold spot, 95% confidence",
             -3: "Cold spot, 99% confidence"}
FEAR_COLOURS = {"fear_not_crime": "#7b3294", "crime_not_fear": "#f58518", "both": "#6b4226"}
FEAR_LABELS = {"fear_not_crime": "Fear, not recorded crime", "crime_not_fear": "Recorded crime, no fear reports",
               "both": "Both fear and crime cluster"}
PUB_COLOUR, STREETSAFE_COLOUR, ZONE_COLOUR = "#ffb000", "#00897b", "#000000"
#: display-only simplification tolerance (metres, EPSG:27700)
SIMPLIFY_M = 5.0
ATTRIBUTION = ("Crime: police.uk; boundaries: ONS, contains OS data \u00a9 Crown copyright and database right; "
               "IMD: MHCLG; all under the Open Government Licence v3.0")
_LAYER = {"lisa": "LISA clusters (Local Moran's I)", "gi": "Gi* hot and cold spots", "fear": "Fear vs recorded crime",
          "zones": "Patrol zones", "pubs": "Pubs", "ss": "StreetSafe reports"}
_OSM = "OpenStreetMap (needs internet)"


def _esc(value: Any) -> str:
    """Text from an input file, safe inside HTML (and so inside folium tooltips/popups)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def _num(x: Any, decimals: int | None = None) -> str:
    """A readable number: thousands separators, no spurious decimals, '-' when missing."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return "-"
    if not math.isfinite(v):
        return "-"
    if decimals is None:
        decimals = 0 if abs(v) >= 100 or v == int(v) else 2
    return f"{v:,.{decimals}f}"


def run_facts(analysis: Any, layers: Any = None, study: Any = None) -> dict[str, str]:
    """Plain-text facts about a run (study, period, crime types, measure, method) for titles.

    Shared by the map and the briefing so both describe a run in the same words. Values are
    *not* escaped: callers escape for HTML; matplotlib gets them with mathtext off.
    """
    from ..aggregate import MEASURES

    s = analysis.settings
    name = getattr(study, "name", None) or "Hot spot analysis"
    start, end = getattr(s, "month_from", None), getattr(s, "month_to", None)
    crimes = getattr(layers, "crimes", None)
    if (not start or not end) and crimes is not None and "month" in crimes and len(crimes):
        months = crimes["month"].dropna().astype(str)
        start, end = start or months.min(), end or months.max()
    period = f"{start} to {end}" if start and end else (start or end or "all months")
    types = getattr(s, "crime_types", None)
    measure = getattr(s, "measure", "count")
    alpha = float(getattr(s, "alpha", 0.05))
    method = (f"Local Moran's I and Getis-Ord Gi*, {getattr(s, 'permutations', 999):,} permutations, "
              f"alpha {alpha:g}{' with FDR' if getattr(s, 'fdr', False) else ''}, "
              f"{getattr(s, 'weights', 'queen')} weights")
    zones = getattr(analysis, "zones", None)
    return {
        "study": str(name),
        "period": period,
        "crime_types": ", ".join(types) if types else "all crime types",
        "measure": MEASURES.get(measure, measure),
        "method": method,
        "alpha": f"{alpha:g}",
        "zones": str(0 if zones is None else len(zones)),
        "generated": _dt.datetime.now().strftime("%d %B %Y %H:%M"),
    }


def _to_display(geoms: Any, crs: Any) -> np.ndarray:
    """27700 shapes -> simplified, rounded EPSG:4326 shapes (for drawing only)."""
    import geopandas as gpd
    import shapely

    g = gpd.GeoSeries(geoms, crs=crs if crs is not None else 27700)
    g = g.simplify(SIMPLIFY_M, preserve_topology=True).to_crs(4326)
    return shapely.transform(np.asarray(g.values, dtype=object), lambda c: np.round(c, 5))


def zone_outline(geom: Any, min_hole_m2: float = 1000.0) -> Any:
    """A zone's polygon parts without sliver holes, for drawing.

    Unioning generalised (BGC) LSOAs leaves zero-area holes where neighbours' edges do not
    quite meet; drawn, they look like stray lines inside a zone. A real hole is a whole
    LSOA (at least ~90,000 m\u00b2), so anything under ``min_hole_m2`` goes; the
    polygons written to GIS files are not touched.
    """
    import shapely

    if geom is None or geom.is_empty:
        return None
    polys = []
    for p in shapely.get_parts(geom):
        if p.geom_type == "MultiPolygon":
            polys.extend(shapely.get_parts(p))
        elif p.geom_type == "Polygon":
            polys.append(p)
    polys = [shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= min_hole_m2])
             for p in polys if p.area > 0]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def _fc(geoms: np.ndarray, props: list[dict]) -> dict:
    """A FeatureCollection with integer ids (folium keys its style lookup on them)."""
    from shapely.geometry import mapping

    feats = [{"type": "Feature", "id": i, "properties": p, "geometry": mapping(g)}
             for i, (g, p) in enumerate(zip(geoms, props, strict=True)) if g is not None and not g.is_empty]
    return {"type": "FeatureCollection", "features": feats}


def _lsoa_props(t: pd.DataFrame) -> list[dict]:
    zone = t["zone_id"] if "zone_id" in t else pd.Series([pd.NA] * len(t), index=t.index)
    out = []
    for code, name, crimes, harm, value, imd, cl, gb, z in zip(
            t["lsoa_code"], t["lsoa_name"], t["crimes"], t["harm"], t["value"], t.get("imd_decile", zone),
            t["lisa_cluster"], t["gi_bin"], zone, strict=True):
        cl = cl if cl in LISA_COLOURS else "ns"
        gb = int(gb) if pd.notna(gb) else 0
        out.append({"c": cl, "g": gb, "code": _esc(code), "name": _esc(name), "crimes": _num(crimes, 0),
                    "harm": _num(harm, 0), "value": _num(value), "imd": _num(imd, 0) if pd.notna(imd) else "-",
                    "cluster": LISA_LABELS[cl], "gi": f"{GI_LABELS.get(gb, gb)} ({gb:+d})" if gb else GI_LABELS[0],
                    "zone": f"Zone {int(z)}" if pd.notna(z) else "-"})
    return out


def _pairs_html(pairs: Any, limit: int) -> str:
    pairs = list(pairs or [])
    if not pairs:
        return "<i>none recorded</i>"
    items = "".join(f"<li>{_esc(n)} ({_num(c, 0)})</li>" for n, c in pairs[:limit])
    more = f"<li><i>and {len(pairs) - limit} more</i></li>" if len(pairs) > limit else ""
    return f"<ol>{items}{more}</ol>"


def _zone_popup(z: pd.Series, ev: dict, n_zones: int, streetsafe: bool) -> str:
    """Evidence for one zone as HTML; every input-file string goes through ``_esc``."""
    share_c, share_a = float(z.get("share_of_crimes", np.nan)), float(z.get("share_of_area", np.nan))
    rows = [("Crimes", f"{_num(z['crimes'], 0)} ({share_c:.1%} of all)" if math.isfinite(share_c)
             else _num(z["crimes"], 0)),
            ("Harm", _num(z.get("harm"), 0)),
            ("Area", f"{_num(z.get('area_km2'), 2)} km\u00b2 ({share_a:.2%} of the area)" if math.isfinite(share_a)
             else f"{_num(z.get('area_km2'), 2)} km\u00b2"),
            ("PAI", _num(z.get("pai"), 1)),
            ("IMD decile (mean)", _num(z.get("imd_decile_mean"), 1)),
            ("Pubs", _num(z.get("pubs"), 0))]
    if streetsafe:
        rows.append(("StreetSafe reports", _num(z.get("streetsafe"), 0)))
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    if ev:
        streets_html, concerns_html = _pairs_html(ev.get("top_streets"), 8), _pairs_html(ev.get("top_concerns"), 5)
        pubs = [str(p) for p in ev.get("pubs") or []]
    else:  # only the zone table's "Name (n); Name (n)" strings
        streets_html = _esc(z.get("top_streets") or "") or "<i>none recorded</i>"
        concerns_html = _esc(z.get("top_concerns") or "") or "<i>none recorded</i>"
        pubs = []
    sec = "<div class='hs-sec'>{}</div>"
    out = [f"<div class='hs-pop'><div class='hs-pop-h'>Patrol zone {int(z['rank'])} of {n_zones}</div>",
           f"<table>{table}</table>", sec.format("Top streets (crimes)"), streets_html]
    if streetsafe:
        out += [sec.format("Why people feel unsafe (StreetSafe)"), concerns_html]
    if pubs:
        more = f" <i>and {len(pubs) - 15} more</i>" if len(pubs) > 15 else ""
        out += [sec.format(f"Pubs ({len(pubs)})"), f"<div>{', '.join(_esc(p) for p in pubs[:15])}{more}</div>"]
    codes = [c for c in str(z.get("lsoa_codes") or "").split(";") if c]
    out.append(f"<div class='hs-note'>{len(codes)} LSOA{'s' if len(codes) != 1 else ''}: "
               f"{_esc(', '.join(codes))}</div></div>")
    return "".join(out)


def _legend_html(t: pd.DataFrame, zones: Any, has: dict[str, bool]) -> str:
    counts = t["lisa_cluster"].value_counts()
    sw = "<span class='hs-sw' style='background:{c};{extra}'></span>"
    rows = ["<div class='hs-lg-h'>LISA clusters</div>"]
    for k in ("HH", "HL", "LH", "LL", "ns"):
        rows.append(f"<div>{sw.format(c=LISA_COLOURS[k], extra='')}{LISA_LABELS[k]} ({int(counts.get(k, 0))})</div>")
    parts = [f"<div data-layer='{_esc(_LAYER['lisa'])}'>{''.join(rows)}</div>"]
    n_z = 0 if zones is None else len(zones)
    z_text = f"Patrol zone, numbered by rank ({n_z})" if n_z else "No patrol zones at this alpha"
    parts.append(f"<div data-layer='{_esc(_LAYER['zones'])}'><div class='hs-lg-h'>Zones</div>"
                 f"<div><span class='hs-sw' style='border:3px solid {ZONE_COLOUR};background:none'></span>"
                 f"<span class='hs-num'>1</span>{z_text}</div></div>")
    gi = "".join(f"<div>{sw.format(c=GI_COLOURS[b], extra='')}{GI_LABELS[b]}</div>" for b in (3, 2, 1, -1, -2, -3))
    parts.append(f"<div data-layer='{_esc(_LAYER['gi'])}' style='display:none'><div class='hs-lg-h'>Getis-Ord Gi*</div>"
                 f"{gi}</div>")
    if has.get("fear"):
        fear = "".join(f"<div>{sw.format(c=c, extra='')}{FEAR_LABELS[k]}</div>" for k, c in FEAR_COLOURS.items())
        parts.append(f"<div data-layer='{_esc(_LAYER['fear'])}' style='display:none'>"
                     f"<div class='hs-lg-h'>Fear vs recorded crime</div>{fear}</div>")
    dot = "<span class='hs-dot' style='background:{c}'></span>"
    if has.get("pubs") or has.get("ss"):
        parts.append("<div class='hs-lg-h'>Places and reports</div>")
    if has.get("pubs"):
        parts.append(f"<div data-layer='{_esc(_LAYER['pubs'])}'>{dot.format(c=PUB_COLOUR)}Pub</div>")
    if has.get("ss"):
        parts.append(f"<div data-layer='{_esc(_LAYER['ss'])}'>{dot.format(c=STREETSAFE_COLOUR)}StreetSafe report</div>")
    return "".join(parts)


_CSS = """
.leaflet-container { background: #f2f0eb; font-family: "Segoe UI", Arial, sans-serif; }
.leaflet-pane > svg { pointer-events: none; }
.leaflet-control-layers { font-size: 13px; line-height: 18px; }
.leaflet-control-attribution { font-size: 10.5px; line-height: 13px; max-width: 75vw; }
.hs-legend, .hs-title { background: rgba(255,255,255,0.93); border-radius: 5px; box-shadow: 0 1px 5px rgba(0,0,0,0.35);
  padding: 7px 10px; color: #222; font-family: "Segoe UI", Arial, sans-serif; }
.hs-legend { font-size: 12px; line-height: 18px; max-height: 60vh; overflow-y: auto; }
.hs-lg-h { font-weight: 600; margin-top: 3px; }
.hs-sw { display: inline-block; width: 16px; height: 12px; margin-right: 6px; vertical-align: -1px;
  border: 1px solid #777; box-sizing: border-box; }
.hs-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; border: 1px solid #333;
  margin: 0 8px 0 3px; vertical-align: -1px; }
.hs-num { display: inline-block; width: 16px; height: 16px; line-height: 16px; border-radius: 50%; background: #000;
  color: #fff; font-size: 10px; font-weight: 700; text-align: center; margin-right: 6px; }
.hs-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%); z-index: 1000; max-width: 46%;
  font-size: 12px; line-height: 16px; text-align: center; pointer-events: none; }
.hs-title b { font-size: 15px; }
.hs-zone-label { background: none; border: none; }
.hs-zone-label span { display: block; width: 24px; height: 24px; line-height: 20px; border-radius: 50%; background: #000;
  color: #fff; border: 2px solid #fff; box-sizing: border-box; font: 700 12px Arial, sans-serif; text-align: center;
  box-shadow: 0 0 3px rgba(0,0,0,0.6); cursor: pointer; }
.hs-pop { font-size: 12px; line-height: 15px; max-width: 340px; }
.hs-pop-h { font-size: 14px; font-weight: 700; margin-bottom: 4px; }
.hs-pop table { border-collapse: collapse; margin: 0 0 4px 0 !important; }
.hs-sec { font-weight: 700; margin-top: 5px; }
.hs-pop th { text-align: left; padding: 1px 8px 1px 0; font-weight: 600; }
.hs-pop ol { margin: 2px 0 6px 0; padding-left: 20px; }
.hs-note { color: #555; font-size: 11px; margin-top: 4px; }
"""

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
    analysis : :class:`hotspots.pipeline.Analysis` (``table``, ``zones``, ``extras``, ``settings``)
    layers : :class:`hotspots.pipeline.Layers` or None; its ``pubs`` and ``streetsafe`` are drawn
    study : optional :class:`hotspots.study.Study`, for the title (its ``name``)
    """
    import folium
    from folium.features import GeoJsonPopup, GeoJsonTooltip
    from folium.utilities import JsCode

    from ._offline import leaflet_css, leaflet_js

    t = analysis.table
    facts = run_facts(analysis, layers, study)
    disp = _to_display(t.geometry.values, t.crs)
    minx, miny, maxx, maxy = _bounds(disp)
    m = folium.Map(tiles=None, control_scale=True, location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=11,
                   font_size="12px", zoom_snap=0.5)
    m.default_js, m.default_css = [], []  # instance lists: folium's module-level CDN lists stay untouched
    root = m.get_root()
    root.header.add_child(folium.Element(f"<style>{leaflet_css()}</style>"), name="leaflet_css_inline")
    root.header.add_child(folium.Element(f"<script>{leaflet_js()}</script>"), name="leaflet_js_inline")
    root.header.add_child(folium.Element(f"<style>{_CSS}</style>"), name="hotspots_css")
    root.title = "Patrol map"

    folium.TileLayer("OpenStreetMap", name=_OSM, show=True, max_zoom=19).add_to(m)
    folium.FeatureGroup(name="No basemap (offline)", overlay=False, show=False).add_to(m)
    for pane, z in (("hs_context", 410), ("hs_zones", 450), ("hs_points", 460)):
        folium.map.CustomPane(pane, z_index=z, pointer_events=False).add_to(m)

    props = _lsoa_props(t)
    tip_fields = ["code", "name", "crimes", "harm", "value", "imd", "cluster", "gi", "zone"]
    tip_alias = ["LSOA", "Name", "Crimes", "Harm", f"Analysed: {facts['measure']}", "IMD decile", "LISA cluster",
                 "Gi*", "Patrol zone"]
    if getattr(analysis.settings, "measure", "count") == "count":  # value == crimes: say it once
        del tip_fields[4], tip_alias[4]
    folium.GeoJson(
        _fc(disp, props), name=_LAYER["lisa"],
        style_function=lambda f: {"fillColor": LISA_COLOURS[f["properties"]["c"]], "color": "#7a7a7a",
                                  "weight": 0.5, "fillOpacity": 0.35 if f["properties"]["c"] == "ns" else 0.6},
        highlight_function=lambda f: {"weight": 2.5, "color": "#333333"},
        tooltip=GeoJsonTooltip(tip_fields, aliases=tip_alias, sticky=True),
    ).add_to(m)

    hot = [i for i, p in enumerate(props) if p["g"] != 0]
    if hot:
        folium.GeoJson(
            _fc(disp[hot], [props[i] for i in hot]), name=_LAYER["gi"], show=False, pane="hs_context",
            style_function=lambda f: {"fillColor": GI_COLOURS[f["properties"]["g"]], "color": "#666666",
                                      "weight": 0.5, "fillOpacity": 0.75},
            tooltip=GeoJsonTooltip(["code", "name", "gi", "crimes"], aliases=["LSOA", "Name", "Gi*", "Crimes"]),
        ).add_to(m)

    has = {"fear": False, "pubs": False, "ss": False}
    if "fear_gap" in t:
        gap = t["fear_gap"].fillna("").astype(str).to_numpy()
        idx = [i for i, g in enumerate(gap) if g in FEAR_COLOURS]
        if idx:
            has["fear"] = True
            fprops = [{**props[i], "f": gap[i], "gap": FEAR_LABELS[gap[i]]} for i in idx]
            folium.GeoJson(
                _fc(disp[idx], fprops), name=_LAYER["fear"], show=False, pane="hs_context",
                style_function=lambda f: {"fillColor": FEAR_COLOURS[f["properties"]["f"]], "color": "#555555",
                                          "weight": 0.6, "fillOpacity": 0.7},
                tooltip=GeoJsonTooltip(["code", "name", "gap", "crimes"], aliases=["LSOA", "Name", "Fear vs crime",
                                                                                  "Crimes"]),
            ).add_to(m)

    zones = getattr(analysis, "zones", None)
    if zones is not None and len(zones):
        _add_zones(m, zones, getattr(analysis, "extras", {}) or {}, getattr(layers, "streetsafe", None) is not None,
                   GeoJsonTooltip, GeoJsonPopup, JsCode)
    has["pubs"] = _add_points(m, getattr(layers, "pubs", None), "pubs", GeoJsonTooltip, GeoJsonPopup)
    has["ss"] = _add_points(m, getattr(layers, "streetsafe", None), "ss", GeoJsonTooltip, GeoJsonPopup)

    title = (f"<b>{_esc(facts['study'])}</b><br>{_esc(facts['measure'])}; {_esc(facts['crime_types'])}<br>"
             f"{_esc(facts['period'])}; {_esc(facts['zones'])} patrol zone{'s' if facts['zones'] != '1' else ''}")
    attribution = ATTRIBUTION + ("; pubs from OSM \u00a9 OpenStreetMap contributors (ODbL)" if has["pubs"] else "")
    _extras_element(_legend_html(t, zones, has), title, attribution).add_to(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _bounds(geoms: np.ndarray) -> tuple[float, float, float, float]:
    import shapely

    b = shapely.total_bounds(geoms)
    if not np.all(np.isfinite(b)):
        return -0.2, 51.4, 0.0, 51.6  # nothing to draw: a neutral view (central London)
    return tuple(float(v) for v in b)  # type: ignore[return-value]


def _add_zones(m: Any, zones: Any, extras: dict, streetsafe: bool, tooltip_cls: Any, popup_cls: Any,
               jscode: Any) -> None:
    import folium
    import geopandas as gpd

    evidence = extras.get("zone_evidence") or {}
    z = zones.sort_values("rank", kind="mergesort")
    n = len(z)
    geoms = np.array([zone_outline(g) for g in z.geometry.values], dtype=object)
    disp = _to_display(geoms, zones.crs)
    pts = gpd.GeoSeries(geoms, crs=zones.crs if zones.crs is not None else 27700)
    pts = pts.map(lambda g: g.representative_point() if g is not None and not g.is_empty else None)
    pts = _to_display(pts.values, pts.crs)
    props = []
    for _, row in z.iterrows():
        ev = evidence.get(int(row["zone_id"])) or evidence.get(str(row["zone_id"])) or {}
        props.append({"rank": int(row["rank"]), "label": f"Patrol zone {int(row['rank'])}: click for the evidence",
                      "popup": _zone_popup(row, ev, n, streetsafe)})
    group = folium.FeatureGroup(name=_LAYER["zones"], show=True).add_to(m)
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


def _reason_labels(text: Any) -> str:
    try:
        from ..data.streetsafe import REASONS
    except ImportError:  # pragma: no cover - the reader ships with the package
        REASONS = {}  # noqa: N806
    slugs = [s for s in str(text or "").split(";") if s]
    return ", ".join(REASONS.get(s, s) for s in slugs)


def _add_points(m: Any, gdf: Any, kind: str, tooltip_cls: Any, popup_cls: Any) -> bool:
    """Pubs or StreetSafe reports as one GeoJSON layer of circle markers (no per-point JS)."""
    import folium

    if gdf is None or len(gdf) == 0:
        return False
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
    if not len(gdf):
        return False
    disp = _to_display(gdf.geometry.values, gdf.crs)
    if kind == "pubs":
        names = gdf["name"] if "name" in gdf else pd.Series([""] * len(gdf), index=gdf.index)
        addr = gdf["address"] if "address" in gdf else pd.Series([""] * len(gdf), index=gdf.index)
        props = [{"name": _esc(nm) or "(unnamed pub)", "address": _esc(a)} for nm, a in zip(names, addr, strict=True)]
        fields, aliases, colour, radius = ["name", "address"], ["Pub", "Address"], PUB_COLOUR, 3.5
        tip = ["name"]
    else:
        cols = {c: (gdf[c] if c in gdf else pd.Series([""] * len(gdf), index=gdf.index))
                for c in ("month", "reasons", "comment", "report_id")}
        props = [{"month": _esc(mo), "reasons": _esc(_reason_labels(r)) or "-", "comment": _esc(c) or "-",
                  "id": _esc(i)}
                 for mo, r, c, i in zip(cols["month"], cols["reasons"], cols["comment"], cols["report_id"], strict=True)]
        fields, aliases, colour, radius = ["month", "reasons", "comment", "id"], ["Month", "Why unsafe", "Comment",
                                                                                 "Report"], STREETSAFE_COLOUR, 3.5
        tip = ["reasons"]
    folium.GeoJson(
        _fc(disp, props), name=_LAYER[kind], pane="hs_points",
        marker=folium.CircleMarker(radius=radius, pane="hs_points"),
        style_function=lambda f: {"color": "#333333", "weight": 1, "fill": True, "fillColor": colour,
                                  "fillOpacity": 0.95},
        tooltip=tooltip_cls(tip, labels=False),
        popup=popup_cls(fields, aliases=aliases, localize=False, max_width=320),
    ).add_to(m)
    return True


def map_html(analysis: Any, layers: Any = None, study: Any = None) -> str:
    """The map as one HTML string with no external script or stylesheet references."""
    from ._offline import strip_external

    return strip_external(build_map(analysis, layers, study).get_root().render())


def write_map(analysis: Any, layers: Any, path: str | Path, *, study: Any = None) -> Path:
    """Write ``patrol_map.html`` atomically; returns the path."""
    return write_text_atomic(path, map_html(analysis, layers, study))
