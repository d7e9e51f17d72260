"""The patrol map's emerging hot spot layer and its legend section (ArcGIS-like colours).

Only LSOAs with a pattern are drawn (No Pattern Detected stays clear, as in ArcGIS), off by
default so the LISA view the map opens on is unchanged; the legend section appears with the
layer and lists the categories present with their counts and meaning on hover.
"""

from __future__ import annotations

__all__ = ["add_emerging_layer"]

from typing import Any

from ...timeseries.emerging import CATEGORIES, DEFINITIONS, NO_PATTERN
from .._time_style import EMERGING_COLOURS, EMERGING_LAYER
from ._map_popups import esc


def add_emerging_layer(m: Any, analysis: Any, shared: Any) -> str:
    """Add the layer to folium map ``m`` as a view of the map's shared LSOA shapes
    (:class:`hotspots.export.map._map_lsoa.SharedLsoa`); returns its legend HTML ("" when there is
    nothing to show)."""
    time = getattr(analysis, "time", None)
    if time is None or time.emerging is None or "emerging" not in analysis.table:
        return ""
    t = analysis.table
    cats = t["emerging"].fillna("").astype(str).to_numpy()
    hot = t["hot_months"].to_numpy() if "hot_months" in t else [None] * len(t)
    idx = [i for i, c in enumerate(cats) if c in EMERGING_COLOURS and c != NO_PATTERN]
    if idx:
        extra = [{"e": cats[i], "em": esc(cats[i]), "hm": f"{int(hot[i])} of {len(time.months)}"} for i in idx]
        shared.layer(m, name=EMERGING_LAYER, idx=idx, extra=extra, pane="hs_context", key="e",
                     colours=EMERGING_COLOURS, line="#555555", weight=0.6, opacity=0.8,
                     fields=["code", "name", "em", "hm", "crimes"],
                     aliases=["LSOA", "Name", "Emerging", "Hot months", "Crimes"])
    counts = time.emerging.counts()
    sw = "<span class='hs-sw' style='background:{c}'></span>"
    rows = [f"<div title='{esc(DEFINITIONS[c])}'>{sw.format(c=EMERGING_COLOURS[c])}{esc(c)} ({counts[c]})</div>"
            for c in CATEGORIES if counts[c] and c != NO_PATTERN]
    rows.append(f"<div title='{esc(DEFINITIONS[NO_PATTERN])}'><span class='hs-sw' style='background:none'></span>"
                f"{NO_PATTERN} ({counts[NO_PATTERN]})</div>")
    span = f"{time.months[0]} to {time.months[-1]}"
    return (f"<div data-layer='{esc(EMERGING_LAYER)}' style='display:none'><div class='hs-lg-h'>Emerging hot spots, "
            f"{esc(span)}</div>{''.join(rows)}</div>")
