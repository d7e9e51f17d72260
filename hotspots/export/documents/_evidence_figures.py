"""PNG figures for the evidence pack: the cross-table chart, area maps, trend and heat pictures.

Plain ``matplotlib.figure.Figure`` objects (never pyplot), so a GUI worker thread can draw,
written atomically. Text from input files (area and LSOA names) reaches matplotlib through
:func:`~hotspots.export.safe_text.figure_text` (no control characters: they were drawn as
missing-glyph boxes) with mathtext off (``parse_math=False``, or its dollars escaped in a
legend entry): a ``$`` in a name must not turn into maths.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import atomic_path
from ..briefing._briefing_maps import draw, map_axes, points_in, scale_bar, town_names
from ..safe_text import figure_text

__all__ = ["crosstab_chart", "area_map", "trend_chart", "heat_figure", "draw_heat", "heat_rgba", "heat_rgba8"]

DPI = 150


def _save(fig: Any, path: str | Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)
    return Path(path)


def crosstab_chart(ct: Any, path: str | Path, *, title: str = "") -> Path:
    """Two heat tables (crime and VAWG per 1,000) side by side: deprivation down, pubs across.

    Each cell shows the pooled rate and, small, how many LSOAs are in the group; empty groups
    stay blank so a reader never takes "no LSOAs" for "no crime"."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4.2))
    axes = fig.subplots(1, 2)
    n = ct.wide("lsoas")
    for ax, key, name in ((axes[0], "crime_per_1000", "All crime"),
                          (axes[1], "vawg_per_1000", "VAWG (violence and sexual offences)")):
        w = ct.wide(key)
        arr = w.to_numpy(float)
        top = np.nanmax(arr) if np.isfinite(arr).any() else 1.0
        ax.imshow(np.ma.masked_invalid(arr), cmap="OrRd", aspect="auto", vmin=0, vmax=top)
        for r in range(arr.shape[0]):
            for k in range(arr.shape[1]):
                if np.isfinite(arr[r, k]):
                    dark = arr[r, k] > top * 0.6
                    ax.text(k, r - 0.1, f"{arr[r, k]:,.0f}", ha="center", va="center", fontsize=9,
                            color="white" if dark else "black", fontweight="bold")
                    ax.text(k, r + 0.25, f"{int(n.iloc[r, k])} LSOAs", ha="center", va="center", fontsize=6.5,
                            color="white" if dark else "#444444")
        ax.set_xticks(range(arr.shape[1]), [c.replace(" per km²", "/km²") for c in w.columns], fontsize=7.5)
        ax.set_yticks(range(arr.shape[0]), list(w.index), fontsize=7.5)
        ax.set_xlabel("Pubs per km²", fontsize=8)
        ax.set_title(f"{name} per 1,000 residents\n(force {ct.force.get(key, float('nan')):,.0f})", fontsize=9)
    axes[0].set_ylabel("IMD decile band", fontsize=8)
    if title:
        fig.suptitle(figure_text(title), fontsize=10, parse_math=False)
    fig.tight_layout()
    return _save(fig, path)


#: ColorBrewer's YlOrRd, nine classes (matplotlib's ``"YlOrRd"``, ``matplotlib._cm._YlOrRd_data``)
_YLORRD = ((1.0, 1.0, 0.8), (1.0, 0.9294117647058824, 0.6274509803921569),
           (0.996078431372549, 0.8509803921568627, 0.4627450980392157),
           (0.996078431372549, 0.6980392156862745, 0.2980392156862745),
           (0.9921568627450981, 0.5529411764705883, 0.23529411764705882),
           (0.9882352941176471, 0.3058823529411765, 0.16470588235294117),
           (0.8901960784313725, 0.10196078431372549, 0.10980392156862745),
           (0.7411764705882353, 0.0, 0.14901960784313725), (0.5019607843137255, 0.0, 0.14901960784313725))
_LUT: list[np.ndarray] = []


def _ylorrd_lut(n: int = 256) -> np.ndarray:
    """matplotlib's 256-colour lookup table of ``"YlOrRd"``, worked out as its
    ``LinearSegmentedColormap`` does (equally spaced anchors, linear in between), so the heat
    pictures need not import matplotlib (~0.15 s of the map's and the briefing's cold start);
    a test pins it to matplotlib's table."""
    if not _LUT:
        anchors = np.asarray(_YLORRD, float)
        x = np.linspace(0.0, 1.0, len(anchors)) * (n - 1)
        idx = (n - 1) * np.linspace(0.0, 1.0, n) ** 1.0  # its positions (gamma 1), floats as it has them
        ind = np.searchsorted(x, idx)[1:-1]
        dist = (idx[1:-1] - x[ind - 1]) / (x[ind] - x[ind - 1])
        lut = np.ones((n, 4))
        for ch in range(3):
            y = anchors[:, ch]
            lut[:, ch] = np.clip(np.concatenate([[y[0]], dist * (y[ind] - y[ind - 1]) + y[ind - 1], [y[-1]]]), 0, 1)
        _LUT.append(lut)
    return _LUT[0]


def _heat_fraction(values: np.ndarray, top: float | None) -> tuple[np.ndarray, np.ndarray]:
    """(the grid as floats, each cell's place on the colour ramp: the square root of density over
    ``top``, the 99.5th percentile of positive cells by default), shared by both pictures."""
    v = np.asarray(values, float)
    pos = v[np.isfinite(v) & (v > 0)]
    if top is None:
        top = float(np.percentile(pos, 99.5)) if len(pos) else 1.0
    with np.errstate(over="ignore"):  # a density past the float range over a tiny top is off the ramp: 1
        return v, np.sqrt(np.clip(np.nan_to_num(v, nan=0.0) / max(top, 1e-12), 0, 1))


def heat_rgba(values: np.ndarray, top: float | None = None) -> np.ndarray:
    """A density grid as RGBA (0-1): transparent where zero or NaN, yellow to dark red by
    the square root of density over ``top`` (the 99.5th percentile of positive cells), so a
    few extreme cells do not wash out the rest."""
    v, f = _heat_fraction(values, top)
    lut = _ylorrd_lut()
    rgba = lut[np.minimum((f * len(lut)).astype(np.int64), len(lut) - 1)]  # as a colormap indexes it
    rgba[..., 3] = np.where(np.isfinite(v) & (f > 0.03), 0.25 + 0.7 * f, 0.0)
    return rgba


def heat_rgba8(values: np.ndarray, top: float | None = None) -> np.ndarray:
    """:func:`heat_rgba` in bytes, as ``(heat_rgba(values, top) * 255).astype(np.uint8)`` truncates
    it, with every clear pixel all zeros (the map's PNG: no colour where nothing shows).

    The colours come from the 256-entry table in bytes and only the pixels shown are worked out,
    rather than a float RGBA grid four times the picture's size: about half the time of a county's
    two pictures. A test pins it to :func:`heat_rgba` byte for byte."""
    v, f = _heat_fraction(values, top)
    lut = _ylorrd_lut()
    out = np.zeros((*v.shape, 4), np.uint8)
    show = np.isfinite(v) & (f > 0.03)
    fs = f[show]
    idx = np.minimum((fs * len(lut)).astype(np.int64), len(lut) - 1)
    shown = np.empty((len(fs), 4), np.uint8)
    shown[:, :3] = (lut[:, :3] * 255).astype(np.uint8)[idx]
    shown[:, 3] = ((0.25 + 0.7 * fs) * 255).astype(np.uint8)
    out[show] = shown
    return out


def draw_heat(fig: Any, surface: Any, table: Any, *, title: str = "", rect: list[float] | None = None,
              pubs: Any = None, footer: float = 0.03) -> Any:
    """The heat surface over the LSOA outlines on ``fig`` (a scale bar, the method in a line)."""
    minx, miny, maxx, maxy = surface.bounds
    ax = map_axes(fig, rect or [0.02, 0.08, 0.96, 0.84], tuple(table.total_bounds))
    town_names(ax)
    draw(ax, table.geometry.values, face="#f4f4f4", edge="#bbbbbb", lw=0.15, z=1)
    ax.imshow(heat_rgba(surface.values), extent=(minx, maxx, miny, maxy), origin="upper", zorder=2,
              interpolation="bilinear")
    if pubs is not None and len(pubs):
        xy = points_in(pubs, tuple(table.total_bounds))
        ax.scatter(xy[:, 0], xy[:, 1], s=2, c="#3f007d", zorder=3, linewidths=0, label="pub")
        ax.legend(loc="upper right", fontsize=7, frameon=True, markerscale=3)
    scale_bar(ax)
    ax.set_axis_off()
    top_y = (rect[1] + rect[3] + 0.02) if rect else 0.95
    fig.text(0.02, min(top_y, 0.97), figure_text(title or f"Heat map: {surface.label}"), fontsize=11, parse_math=False)
    v = surface.values[np.isfinite(surface.values) & (surface.values > 0)]
    top = float(np.percentile(v, 99.5)) if len(v) else 0.0
    fig.text(0.02, footer, f"Kernel density, Gaussian, bandwidth {surface.bandwidth:g} m, cell {surface.cell:g} m; "
             f"{surface.points:,.0f} points. Darker = more per km² (darkest: {top:,.0f} or more per km²).",
             fontsize=7, parse_math=False)
    return ax


def heat_figure(surface: Any, table: Any, path: str | Path, *, title: str = "") -> Path:
    """The heat map as a PNG (the evidence pack's picture)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 6))
    draw_heat(fig, surface, table, title=title)
    return _save(fig, path)


def area_map(area: Any, table: Any, layers: Any, path: str | Path) -> Path:
    """The area's LSOAs (shaded by rate against the force) in their surroundings, with pubs.

    No heat layer here: two red ramps on one map would read as one; the heat map has its own."""
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 5.6))
    geoms = table.geometry.values
    sel = geoms[area.lsoa_index]
    import shapely

    minx, miny, maxx, maxy = shapely.total_bounds(sel)
    pad = max(maxx - minx, maxy - miny) * 0.25 + 300
    box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    ax = map_axes(fig, [0.02, 0.1, 0.96, 0.82], box)
    town_names(ax, size=8)
    draw(ax, geoms, face="#f2f2f2", edge="#c8c8c8", lw=0.3, z=1)
    by_code = {r.code: r.rate_vs_force for r in area.lsoas}
    vs = np.array([by_code.get(c, np.nan) for c in area.lsoa_codes], float)
    bounds = [0, 0.5, 1, 1.5, 2, 4, 1e9]
    cmap = ListedColormap(["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"])
    colours = cmap(BoundaryNorm(bounds, cmap.N)(np.nan_to_num(vs, nan=0.0)))
    colours[:, 3] = 0.75
    draw(ax, sel, face=colours, edge="#333333", lw=0.8, z=3)
    pubs = points_in(getattr(layers, "pubs", None), box)
    if len(pubs):
        ax.scatter(pubs[:, 0], pubs[:, 1], s=9, c="#3f007d", marker="o", zorder=5, label="pub", linewidths=0)
        ax.legend(loc="upper right", fontsize=7, frameon=True)
    scale_bar(ax)
    ax.set_axis_off()
    fig.text(0.02, 0.95, figure_text(area.title), fontsize=12, parse_math=False)
    labels = ["< 0.5", "0.5-1", "1-1.5", "1.5-2", "2-4", "4+"]
    for k, lab in enumerate(labels):
        fig.patches.append(_swatch(fig, 0.02 + k * 0.11, 0.04, cmap.colors[k]))
        fig.text(0.045 + k * 0.11, 0.045, lab, fontsize=7)
    fig.text(0.02, 0.075, "Crime rate per 1,000 residents, times the force rate:", fontsize=7.5)
    return _save(fig, path)


def _swatch(fig: Any, x: float, y: float, colour: str) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), 0.02, 0.02, transform=fig.transFigure, facecolor=colour, edgecolor="#555555", lw=0.4)


def trend_chart(area: Any, path: str | Path) -> Path:
    """Monthly crimes in the area, and the force's monthly crimes scaled to the area's mean
    (dashed), so a reader sees whether the area moves with the force or against it."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 2.8))
    ax = fig.add_axes([0.08, 0.2, 0.9, 0.68])
    m = area.monthly
    x = np.arange(len(m))
    ax.plot(x, m.to_numpy(float), marker="o", ms=3, lw=1.6, color="#b2182b",
            label=figure_text(area.title, math_off=False))
    f = area.monthly_force.reindex(m.index).to_numpy(float)
    if len(f) and np.nanmean(f) > 0 and m.mean() > 0:
        ax.plot(x, f / np.nanmean(f) * m.mean(), ls="--", lw=1, color="#555555", label="force (scaled to area mean)")
    ax.set_xticks(x, [str(k) for k in m.index], rotation=45, fontsize=6.5, ha="right")
    ax.set_ylabel("crimes a month", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, loc="lower left", frameon=False)
    ax.set_title(figure_text(f"Trend: {area.trend}"), fontsize=8, loc="left", parse_math=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _save(fig, path)
