"""The evidence layers of the patrol map: bivariate clusters and heat overlays, with legends.

Added by :func:`hotspots.export.map.html_map.build_map` when the run has an evidence stage:

- "Crime vs pubs" and "Crime vs deprivation" (bivariate Local Moran, off by default): the
  significant LSOAs in the GeoDa bivariate colours, each legend section carrying the caution
  that a bivariate cluster is co-location, not cause (Anselin);
- one heat overlay per kernel density surface (off by default), an inline PNG resampled to
  Web Mercator (:mod:`.heat`), so the page still opens with no network.
"""

from __future__ import annotations

from typing import Any

__all__ = ["add_evidence_layers", "BV_COLOURS", "BV_LABELS", "BV_LAYER_NAMES"]

#: GeoDa's bivariate LISA colours (the univariate ones, read as "x here / y around")
BV_COLOURS = {"HH": "#e31a1c", "HL": "#fb9a99", "LH": "#a6cee3", "LL": "#1f78b4"}
BV_LABELS = {"HH": "High crime, high {y} around", "HL": "High crime, low {y} around",
             "LH": "Low crime, high {y} around", "LL": "Low crime, low {y} around"}
BV_LAYER_NAMES = {"bv_pubs": "Crime vs pubs (bivariate LISA)", "bv_imd": "Crime vs deprivation (bivariate LISA)"}
_Y_WORDS = {"bv_pubs": "pub density", "bv_imd": "deprivation"}


def add_evidence_layers(m: Any, analysis: Any, shared: Any) -> str:
    """Add the bivariate layers (views of the map's shared LSOA shapes,
    :class:`hotspots.export.map._map_lsoa.SharedLsoa`) and the heat layers to ``m``; return their
    legend sections (HTML)."""
    from ...evidence.bivariate import CAUTION
    from ._map_popups import esc
    from .heat import add_heat_overlay, overlays_for

    ev = getattr(analysis, "evidence", None)
    if ev is None:
        return ""
    t = analysis.table
    parts: list[str] = []
    sw = "<span class='hs-sw' style='background:{c}'></span>"
    bv = ev.bivariate
    for col, name in BV_LAYER_NAMES.items():
        if bv is None or col not in t:
            continue
        labels = t[col].astype(str).to_numpy()
        pvals = t[f"{col}_p"].to_numpy(float)
        idx = [i for i, lab in enumerate(labels) if lab in BV_COLOURS]
        if idx:
            extra = [{"b": labels[i], "bv": BV_LABELS[labels[i]].format(y=_Y_WORDS[col]), "bvp": f"{pvals[i]:.3f}"}
                     for i in idx]
            shared.layer(m, name=name, idx=idx, extra=extra, pane="hs_context", key="b", colours=BV_COLOURS,
                         line="#555555", weight=0.5, opacity=0.7, fields=["code", "name", "bv", "bvp", "crimes"],
                         aliases=["LSOA", "Name", "Bivariate cluster", "p (two-sided)", "Crimes"])
        counts = bv.counts.get(col, {})
        rows = "".join(f"<div>{sw.format(c=BV_COLOURS[k])}{esc(BV_LABELS[k].format(y=_Y_WORDS[col]))} "
                       f"({int(counts.get(k, 0))})</div>" for k in ("HH", "HL", "LH", "LL"))
        parts.append(f"<div data-layer='{esc(name)}' style='display:none'><div class='hs-lg-h'>{esc(name)}</div>"
                     f"<div class='hs-note'>y = {esc(bv.variables.get(col, ''))}</div>{rows}"
                     f"<div class='hs-note' style='max-width:260px'>{esc(CAUTION)}</div></div>")
    ramp = ("<span class='hs-sw' style='width:90px;background:linear-gradient(90deg,#ffffcc,#fd8d3c,"
            "#bd0026,#800026)'></span>")
    drawn = overlays_for(ev.heat)  # drawn beside the analysis (the CLI), else drawn here
    for surface in ev.heat:
        name = f"Heat map: {surface.label}"
        add_heat_overlay(m, surface, name=name, show=False, png=drawn.get(id(surface)))
        parts.append(f"<div data-layer='{esc(name)}' style='display:none'><div class='hs-lg-h'>{esc(name)}</div>"
                     f"<div>{ramp} fewer → more per km²</div>"
                     f"<div class='hs-note'>Kernel density, bandwidth {surface.bandwidth:g} m, cell "
                     f"{surface.cell:g} m (about one patrol place)</div></div>")
    return "".join(parts)
