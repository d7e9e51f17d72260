"""The heat layer for GIS teams (GeoTIFF) and for the offline map (an inline PNG overlay).

``heat.tif`` holds one float32 band per surface (all crime, the selected types or VAWG,
pubs), EPSG:27700, NaN as nodata outside the study, deflate-compressed, with each band's
description and the bandwidth and cell size in the tags, so QGIS or ArcGIS shows it with
its own colour ramps.

Leaflet draws an image overlay as a rectangle in Web Mercator, and British National Grid
north is not Web Mercator north (about 2 degrees apart in Kent, hundreds of metres at a
county's edge), so the PNG for the map is resampled onto a Web Mercator grid first (each
output pixel looks up the BNG cell under its centre) and sent as a ``data:`` URI inside
the page: nothing is fetched, the map opens with no network.
"""

from __future__ import annotations

import base64
import functools
import io
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_path

__all__ = ["write_heat", "write_heat_geotiff", "heat_overlay_png", "add_heat_overlay", "HEAT_FILE", "HEAT_PANE"]

HEAT_FILE = "heat.tif"


def write_heat(analysis: Any, layers: Any, study: Any, path: str | Path) -> Path | None:
    """The bundle's entry: ``heat.tif`` of the run's heat surfaces (None without the evidence stage)."""
    ev = getattr(analysis, "evidence", None)
    if ev is None or not ev.heat:
        return None
    return write_heat_geotiff(ev.heat, path)


def write_heat_geotiff(surfaces: list[Any], path: str | Path) -> Path:
    """One band per :class:`hotspots.evidence.kde.HeatSurface` (same grid), atomically.

    Raises ValueError when the surfaces are not on one grid (they are when made by one run).
    Deflate at level 1: on Kent's three bands the file is 3% larger than at GDAL's default
    (level 6) and written in two thirds of the time; the values are the same.
    """
    import rasterio
    from rasterio.transform import Affine

    if not surfaces:
        raise ValueError("no heat surfaces to write")
    ref = surfaces[0]
    for s in surfaces[1:]:
        if s.shape != ref.shape or (s.x0, s.y1, s.cell) != (ref.x0, ref.y1, ref.cell):
            raise ValueError(f"heat surface '{s.label}' is not on the grid of '{ref.label}'")
    rows, cols = ref.shape
    profile = {"driver": "GTiff", "height": rows, "width": cols, "count": len(surfaces), "dtype": "float32",
               "crs": "EPSG:27700", "transform": Affine(ref.cell, 0.0, ref.x0, 0.0, -ref.cell, ref.y1),
               "nodata": float("nan"), "compress": "deflate", "zlevel": 1, "predictor": 3, "tiled": True,
               "blockxsize": 256, "blockysize": 256}
    with atomic_path(path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
        for k, s in enumerate(surfaces, start=1):
            dst.write(s.values.astype(np.float32), k)
            dst.set_band_description(k, f"{s.label} per km2")
            dst.update_tags(k, label=s.label, units="per km2", kernel=s.kernel,
                            bandwidth_m=f"{s.bandwidth:g}", cell_m=f"{s.cell:g}", points=f"{s.points:g}")
        dst.update_tags(software="hotspots", method="binned Gaussian kernel density (linear binning, scipy.ndimage.gaussian_filter)",
                        note="values are points per square kilometre; NaN outside the study")
    return Path(path)


@functools.lru_cache(maxsize=4)
def _mercator_index(x0: float, y1: float, cell: float, rows: int, cols: int, max_px: int
                    ) -> tuple[np.ndarray, np.ndarray, tuple[int, int], tuple[float, float, float, float]]:
    """For a BNG grid: the flat source cell of each Web Mercator output pixel (-1 outside),
    the output shape and its lat/lon bounds. Cached: every surface of a run shares one grid."""
    from ...runtime.proj import transformer

    minx, miny, maxx, maxy = x0, y1 - rows * cell, x0 + cols * cell, y1
    to_merc = transformer(27700, 3857)
    to_ll = transformer(3857, 4326)
    ex = np.array([minx, maxx, maxx, minx, (minx + maxx) / 2, (minx + maxx) / 2, minx, maxx])
    ey = np.array([miny, miny, maxy, maxy, miny, maxy, (miny + maxy) / 2, (miny + maxy) / 2])
    mx, my = to_merc.transform(ex, ey)
    mx0, mx1, my0, my1 = float(np.min(mx)), float(np.max(mx)), float(np.min(my)), float(np.max(my))
    scale = max(1.0, max(rows, cols) / max_px)
    ocols = max(1, int(round(cols / scale)))
    orows = max(1, int(round(ocols * (my1 - my0) / (mx1 - mx0))))
    px = mx0 + (np.arange(ocols) + 0.5) * (mx1 - mx0) / ocols
    py = my1 - (np.arange(orows) + 0.5) * (my1 - my0) / orows
    bx, by = _mercator_to_bng(px, py, tol_m=cell / 100)
    c = np.floor((np.asarray(bx) - x0) / cell).astype(np.int64)
    r = np.floor((y1 - np.asarray(by)) / cell).astype(np.int64)
    ok = (c >= 0) & (c < cols) & (r >= 0) & (r < rows)
    flat = np.where(ok, r * cols + c, -1)
    lon0, lat0 = to_ll.transform(mx0, my0)
    lon1, lat1 = to_ll.transform(mx1, my1)
    flat.flags.writeable = False
    return flat, ok, (orows, ocols), (float(lat0), float(lon0), float(lat1), float(lon1))


#: every this many pixels PROJ projects a pixel centre exactly; the pixels between are interpolated
_NODE_STEP = 8


def _mercator_to_bng(px: np.ndarray, py: np.ndarray, tol_m: float, step: int = _NODE_STEP
                     ) -> tuple[np.ndarray, np.ndarray]:
    """BNG x and y of every pixel centre of the grid ``px`` x ``py`` (Web Mercator metres).

    Projecting every pixel (a million points) took ~0.9 s of the map's time. PROJ runs on
    every ``step``-th pixel (and the last row and column) and the pixels between are
    interpolated bilinearly: the projection is smooth, so that is off by about a centimetre on
    a county overlay and under a metre on a national one. PROJ is not smooth everywhere (it
    changes method at the edge of a transformation's area, a jump of ~100 m off the coast), so
    each block's centre is projected too, and a block whose centre is more than ``tol_m`` off
    is projected pixel by pixel.
    """
    from ...runtime.proj import transformer

    proj = transformer(3857, 27700)
    ci = np.unique(np.r_[np.arange(0, len(px), step), len(px) - 1])
    ri = np.unique(np.r_[np.arange(0, len(py), step), len(py) - 1])
    nx, ny = proj.transform(*np.meshgrid(px[ci], py[ri]))
    kc, wc = _spans(ci, len(px))
    kr, wr = _spans(ri, len(py))
    bx, by = (_bilinear(np.asarray(v, float), kr, wr, kc, wc) for v in (nx, ny))
    # each block's centre pixel, exactly and as interpolated
    mc, mr = (ci[:-1] + ci[1:]) // 2, (ri[:-1] + ri[1:]) // 2
    if len(mc) and len(mr):
        ex, ey = proj.transform(*np.meshgrid(px[mc], py[mr]))
        off = np.hypot(ex - bx[np.ix_(mr, mc)], ey - by[np.ix_(mr, mc)]) > tol_m
        if off.any():  # whole blocks, so a jump between two centres is projected on both sides
            bad = off[np.clip(kr, 0, off.shape[0] - 1)][:, np.clip(kc, 0, off.shape[1] - 1)]
            r, c = np.nonzero(bad)
            bx[r, c], by[r, c] = proj.transform(px[c], py[r])
    return bx.ravel(), by.ravel()


def _spans(nodes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """For pixels 0..n-1: the node each one follows and its weight towards the next node."""
    if len(nodes) < 2:
        return np.zeros(n, int), np.zeros(n)
    k = np.clip(np.searchsorted(nodes, np.arange(n), side="right") - 1, 0, len(nodes) - 2)
    return k, (np.arange(n) - nodes[k]) / (nodes[k + 1] - nodes[k])


def _bilinear(v: np.ndarray, kr: np.ndarray, wr: np.ndarray, kc: np.ndarray, wc: np.ndarray) -> np.ndarray:
    """Node values ``v`` (rows x columns) spread over every pixel (see :func:`_spans`)."""
    hi_c = np.minimum(kc + 1, v.shape[1] - 1)
    rows = v[:, kc] * (1 - wc) + v[:, hi_c] * wc
    hi_r = np.minimum(kr + 1, v.shape[0] - 1)
    return rows[kr] * (1 - wr)[:, None] + rows[hi_r] * wr[:, None]


def _mercator_grid(surface: Any, max_px: int) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Resample ``surface`` onto a Web Mercator grid (nearest cell); return (values, lat/lon bounds)."""
    rows, cols = surface.shape
    flat, ok, shape, bounds = _mercator_index(float(surface.x0), float(surface.y1), float(surface.cell), rows, cols,
                                              int(max_px))
    out = np.full(flat.shape, np.nan)
    out[ok] = surface.values.ravel()[flat[ok]]
    return out.reshape(shape), bounds


def heat_overlay_png(surface: Any, *, max_px: int = 1200) -> tuple[bytes, list[list[float]]]:
    """PNG bytes of the surface on a Web Mercator grid and its Leaflet bounds ``[[s, w], [n, e]]``.

    The colours are :func:`hotspots.export.documents._evidence_figures.heat_rgba`'s, truncated to
    bytes as ``matplotlib.image.imsave`` does, written by Pillow itself; a fully transparent
    pixel is written as (0, 0, 0, 0), whatever colour it had (a browser draws nothing there
    either way, and the runs of zeros deflate faster and smaller). Deflated at zlib level 3,
    not Pillow's 6: half the time (a county's two pictures: 0.16 -> 0.09 s, on the map's path
    at the end of the run) for a picture about a tenth larger, the same pixels."""
    from PIL import Image

    from ..documents._evidence_figures import heat_rgba8

    grid, (s, w, n, e) = _mercator_grid(surface, max_px)
    buf = io.BytesIO()
    Image.fromarray(heat_rgba8(grid), "RGBA").save(buf, format="png", compress_level=3)
    return buf.getvalue(), [[s, w], [n, e]]


def start_overlays(surfaces: Any, pool: Any) -> None:
    """Queue the map's pictures of the heat surfaces on ``pool`` once ``surfaces`` (a future:
    the surfaces started beside the analysis) is done; :func:`overlays_for` gives them to the map.

    Deflating them is ~0.1 s each for a county, ~0.3 s each nationally, on the map's path at the
    end of the run; on the early thread it is done beside the patrol zones."""
    from ...runtime import early

    early.start("heat_overlays", pool, _overlays, surfaces)


def _overlays(surfaces: Any) -> list[tuple[Any, tuple[bytes, list[list[float]]]]]:
    return [(s, heat_overlay_png(s)) for s in surfaces.result()]


def overlays_for(surfaces: Any) -> dict[int, tuple[bytes, list[list[float]]]]:
    """The pictures :func:`start_overlays` made of these very surface objects (by ``id``; the
    others are drawn by the map as before: the pictures are the same either way)."""
    from ...runtime import early

    found, answer = early.take("heat_overlays")
    if not found:
        return {}
    return {id(s): png for s, png in answer if any(s is x for x in surfaces)}


HEAT_PANE = "hs_heat"


def add_heat_overlay(fmap: Any, surface: Any, *, name: str | None = None, show: bool = False,
                     opacity: float = 0.85, png: tuple[bytes, list[list[float]]] | None = None) -> Any:
    """Add ``surface`` to a folium map as an inline (``data:``) image overlay layer (``png``:
    its :func:`heat_overlay_png`, when already drawn).

    The image sits in its own pane (z-index 405): above the LSOA fills (the overlay pane, 400),
    below the context, zone and point panes of :mod:`.html_map` (410-460)."""
    import folium

    if HEAT_PANE not in getattr(fmap, "_hs_panes", set()):
        folium.map.CustomPane(HEAT_PANE, z_index=405, pointer_events=False).add_to(fmap)
        fmap._hs_panes = getattr(fmap, "_hs_panes", set()) | {HEAT_PANE}
    png, bounds = png if png is not None else heat_overlay_png(surface)
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    layer = folium.raster_layers.ImageOverlay(image=uri, bounds=bounds, opacity=opacity, interactive=False,
                                              name=name or f"Heat: {surface.label}", show=show, pane=HEAT_PANE)
    layer.add_to(fmap)
    return layer
