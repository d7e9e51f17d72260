"""The briefing's heat-map page: the evidence stage's kernel density over the LSOA outlines.

The same picture as the evidence pack's heat map (:func:`hotspots.export.documents.
_evidence_figures.heat_rgba` colours it), drawn on a :class:`._pdf.Sheet`: the density as one
image no finer than 200 dpi on paper (a county's 50 m grid is averaged down to that, so the
file stays small), the LSOA outlines over it as a prepared path, pubs as dots, towns, a scale
bar and the method in a line.
"""

from __future__ import annotations

__all__ = ["heat_page"]

import math
import warnings
from typing import Any

import numpy as np

from ._briefing_maps import points_in
from ._pdf import rgb
from ._pdf_charts import legend
from ._pdf_maps import DPI, RASTER_FROM, MapFrame, blend_outlines, pixel_rings

_PUB, _GREY, _EDGE = "#3f007d", "#f4f4f4", "#bbbbbb"


def _coarsen(values: np.ndarray, factor: int) -> np.ndarray:
    """Block means of ``factor`` x ``factor`` cells (NaN where a block is all NaN)."""
    if factor <= 1:
        return values
    r, c = values.shape
    pad = np.full((-(-r // factor) * factor, -(-c // factor) * factor), np.nan)
    pad[:r, :c] = values
    blocks = pad.reshape(pad.shape[0] // factor, factor, pad.shape[1] // factor, factor)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "mean of empty slice": a block outside the study
        return np.nanmean(blocks, axis=(1, 3))


def heat_page(sheet: Any, surface: Any, table: Any, *, pubs: Any = None) -> None:
    """The heat surface over the LSOA outlines, titled "Heat map: <what was counted>"."""
    from ..documents._evidence_figures import heat_rgba

    minx, miny, maxx, maxy = surface.bounds
    m = MapFrame(sheet, [0.04, 0.25, 0.92, 0.65], tuple(table.total_bounds))
    values = np.asarray(surface.values, float)
    pos = values[np.isfinite(values) & (values > 0)]
    top = float(np.percentile(pos, 99.5)) if len(pos) else 0.0
    printed_px = (maxx - minx) * m.k / 72 * DPI  # the grid's width in dots at 200 dpi
    factor = max(1, math.ceil(values.shape[1] / max(printed_px, 1.0)))  # never finer than 200 dpi
    m.begin()
    # the density over the study's grey, as one opaque picture (no soft mask to encode), then the
    # outlines over it; the grid is NaN outside the study, which stays white
    coarse = _coarsen(values, factor)
    # the coarse grid covers whole blocks: its east and south edges may lie past the surface's
    maxx, miny = minx + coarse.shape[1] * factor * surface.cell, maxy - coarse.shape[0] * factor * surface.cell
    rgba = heat_rgba(coarse, top if top > 0 else None)
    under = np.where(np.isfinite(coarse)[..., None], np.asarray(rgb(_GREY)), 1.0)
    alpha = rgba[..., 3:4]
    picture = rgba[..., :3] * alpha + under * (1 - alpha)
    geoms = table.geometry.values
    if len(geoms) > RASTER_FROM:  # a national study's outlines go into the picture, not over it
        from PIL import Image

        img = Image.fromarray(np.round(np.clip(picture, 0, 1) * 255).astype(np.uint8), "RGB")
        img = blend_outlines(img, pixel_rings(geoms, (minx, miny, maxx, maxy), img.size[0])[0], _EDGE)
        picture = np.asarray(img, dtype=float) / 255
    m.image(picture, (minx, miny, maxx, maxy))
    if len(geoms) <= RASTER_FROM:
        m.polygons(geoms, None, edge=_EDGE, lw=0.15)
    m.towns()
    if pubs is not None and len(pubs):
        m.points(points_in(pubs, tuple(table.total_bounds)), size=1.4, fill=_PUB)
    m.scale_bar()
    m.c.restoreState()  # no frame: the study's outline is the edge
    if pubs is not None and len(pubs):
        legend(sheet, 0.86, 0.9, [("pub", {"kind": "dot", "fill": _PUB, "edge": _PUB})], ncol=1, col_w=0.1,
               size=7)
    sheet.text(0.02, min(0.25 + 0.65 + 0.02, 0.97), f"Heat map: {surface.label}", 11)
    sheet.para(0.02, 0.2, f"Kernel density, Gaussian, bandwidth {surface.bandwidth:g} m, cell {surface.cell:g} m; "
               f"{surface.points:,.0f} points. Darker = more per km\u00b2 (darkest: {top:,.0f} or more per km\u00b2).",
               7, 0.94)
