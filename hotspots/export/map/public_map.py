"""``patrol_map.html`` of a publication set: areas only, suppressed counts, for publication.

The internal patrol map draws StreetSafe reports, pubs and heat surfaces made from crime
points, and its popups print every count. The public map is built here from the tables the
publication set already suppressed (:mod:`hotspots.publish.disclosure`), so it can show nothing
the tables do not: LSOAs coloured by their hot-spot class, patrol zones and patrol spots as
outlines, popups with "fewer than 5" where the tables say so. No point layer is ever added.
Leaflet is inlined (opens offline), and every value goes through :func:`esc` before folium
inserts it as HTML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..atomic import write_text_atomic
from ._map_geometry import _fc, _to_display
from ._map_popups import esc, num
from ._map_style import ATTRIBUTION, LISA_COLOURS, LISA_LABELS, LISA_OPACITY, MAP_CSS, ZONE_COLOUR

__all__ = ["public_map_html", "write_public_map"]

_SPOT_COLOUR = "#e7298a"


def _show(v: Any) -> str:
    """A cell of a suppressed table as text: "fewer than 5" stays words, numbers get separators."""
    if isinstance(v, str):
        return esc(v)
    if v is None or (isinstance(v, float) and not np.isfinite(v)) or v is pd.NA:
        return "-"
    return num(v)


def _props(frame: pd.DataFrame, fields: list[tuple[str, str]], title: Any) -> list[dict]:
    out = []
    for i, r in enumerate(frame.to_dict("records")):
        rows = "".join(f"<tr><th>{esc(label)}</th><td>{_show(r.get(col))}</td></tr>" for col, label in fields
                       if col in r)
        out.append({"tip": esc(title(r, i)), "popup": f"<table class='hs-pop'>{rows}</table>"})
    return out


def public_map_html(lsoas: Any, zones: Any | None, spots: Any | None, *, title: str, subtitle: str,
                    threshold: int) -> str:
    """The page as one HTML string (Leaflet inlined, no external references).

    Parameters
    ----------
    lsoas, zones, spots : suppressed GeoDataFrames (any CRS); zones and spots may be None
    title, subtitle : plain text (escaped here)
    """
    import folium
    from folium.features import GeoJsonPopup, GeoJsonTooltip

    from ._offline import leaflet_css, leaflet_js, raw_element, render_page, strip_external

    disp = _to_display(lsoas.geometry.values, lsoas.crs)
    import shapely

    b = shapely.total_bounds(disp)
    if not np.all(np.isfinite(b)):
        b = np.array([-0.2, 51.4, 0.0, 51.6])
    m = folium.Map(tiles=None, control_scale=True, location=[(b[1] + b[3]) / 2, (b[0] + b[2]) / 2], zoom_start=10)
    m.default_js, m.default_css = [], []
    root = m.get_root()
    root.header.add_child(raw_element(f"<style>{leaflet_css()}</style>"), name="leaflet_css_inline")
    root.header.add_child(raw_element(f"<script>{leaflet_js()}</script>"), name="leaflet_js_inline")
    css = MAP_CSS + (".hs-pop th{text-align:left;padding-right:8px;font-weight:600}"
                     ".hs-pub{position:absolute;top:8px;left:50px;z-index:1000;background:#fff;padding:6px 10px;"
                     "border:2px solid #1d4e89;font:13px Arial,sans-serif;max-width:420px}")
    root.header.add_child(raw_element(f"<style>{css}</style>"), name="hotspots_css")
    root.title = title
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap (needs internet)", show=True, max_zoom=19).add_to(m)
    folium.FeatureGroup(name="No basemap (offline)", overlay=False, show=False).add_to(m)

    cls = lsoas["lisa_cluster"].astype(str).where(lsoas["lisa_cluster"].astype(str).isin(list(LISA_COLOURS)), "ns") \
        if "lisa_cluster" in lsoas else pd.Series(["ns"] * len(lsoas))
    lp = _props(lsoas.assign(_cls=[LISA_LABELS[c] for c in cls]),
                [("lsoa_code", "LSOA"), ("lsoa_name", "Name"), ("crimes", "Crimes"), ("_cls", "Hot spot class"),
                 ("streetsafe", "StreetSafe reports"), ("zone_id", "Patrol zone")],
                lambda r, i: f"{r.get('lsoa_name', '')}: {r.get('crimes', '')} crimes")
    for p, c in zip(lp, cls, strict=True):
        p["c"] = c
    folium.GeoJson(
        _fc(disp, lp), name="LSOAs by hot spot class (Local Moran's I)",
        style_function=lambda f: {"fillColor": LISA_COLOURS[f["properties"]["c"]], "color": "#7a7a7a",
                                  "weight": 0.5, "fillOpacity": LISA_OPACITY[f["properties"]["c"]]},
        tooltip=GeoJsonTooltip(["tip"], labels=False, sticky=True),
        popup=GeoJsonPopup(["popup"], labels=False, localize=False),
    ).add_to(m)
    for frame, name, colour, label in ((zones, "Patrol zones", ZONE_COLOUR, "Patrol zone"),
                                       (spots, "Patrol spots", _SPOT_COLOUR, "Patrol spot")):
        if frame is None or not len(frame):
            continue
        fields = [("rank", "Rank"), ("name", "Place"), ("crimes", "Crimes"), ("share_of_crimes", "Share of crimes"),
                  ("area_km2", "Area (km²)"), ("streetsafe", "StreetSafe reports"),
                  ("streetsafe_100m", "StreetSafe reports within 100 m")]
        props = _props(frame, fields, lambda r, i, lab=label: f"{lab} {r.get('rank', i + 1)}")
        folium.GeoJson(
            _fc(_to_display(frame.geometry.values, frame.crs), props), name=name,
            style_function=lambda f, col=colour: {"color": col, "weight": 2, "fill": True, "fillOpacity": 0.05},
            tooltip=GeoJsonTooltip(["tip"], labels=False, sticky=True),
            popup=GeoJsonPopup(["popup"], labels=False, localize=False),
        ).add_to(m)
    legend = "".join(f"<div><span style='display:inline-block;width:12px;height:12px;background:{c};"
                     f"border:1px solid #777;margin-right:4px'></span>{esc(LISA_LABELS[k])}</div>"
                     for k, c in LISA_COLOURS.items())
    box = (f"<div class='hs-pub'><b>{esc(title)}</b><br>{esc(subtitle)}<br><small>Areas only: no crime or "
           f"StreetSafe report locations. Counts of 1 to {threshold - 1} are shown as 'fewer than {threshold}'."
           f"</small><hr style='margin:4px 0'>{legend}<small>{esc(ATTRIBUTION)}</small></div>")
    root.html.add_child(raw_element(box), name="hs_public_box")
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds([[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]])
    return strip_external(render_page(root))


def write_public_map(path: str | Path, lsoas: Any, zones: Any | None, spots: Any | None, *, title: str,
                     subtitle: str, threshold: int) -> Path:
    """Write the public map atomically."""
    return write_text_atomic(path, public_map_html(lsoas, zones, spots, title=title, subtitle=subtitle,
                                                   threshold=threshold))
