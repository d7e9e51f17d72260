"""The map's heat overlay: the Web Mercator resampling against PROJ pixel by pixel, and the PNG
against what matplotlib's ``imsave`` wrote before (the same picture)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from pyproj import Transformer

from hotspots.evidence.kde import kde_surface
from hotspots.export.map import heat


def _centres(x0: float, y1: float, cell: float, rows: int, cols: int, max_px: int = 1200):
    """The Mercator pixel centres :func:`heat._mercator_index` samples, and PROJ's BNG for each."""
    _, _, (orows, ocols), _ = heat._mercator_index(x0, y1, cell, rows, cols, max_px)
    to_merc = Transformer.from_crs(27700, 3857, always_xy=True)
    minx, miny, maxx, maxy = x0, y1 - rows * cell, x0 + cols * cell, y1
    ex = np.array([minx, maxx, maxx, minx, (minx + maxx) / 2, (minx + maxx) / 2, minx, maxx])
    ey = np.array([miny, miny, maxy, maxy, miny, maxy, (miny + maxy) / 2, (miny + maxy) / 2])
    mx, my = to_merc.transform(ex, ey)
    px = mx.min() + (np.arange(ocols) + 0.5) * (mx.max() - mx.min()) / ocols
    py = my.max() - (np.arange(orows) + 0.5) * (my.max() - my.min()) / orows
    gx, gy = np.meshgrid(px, py)
    bx, by = Transformer.from_crs(3857, 27700, always_xy=True).transform(gx.ravel(), gy.ravel())
    return px, py, np.asarray(bx), np.asarray(by)


def test_county_overlay_is_within_a_few_centimetres_of_projecting_every_pixel():
    x0, y1, cell, rows, cols = 540_000.0, 180_000.0, 50.0, 1260, 1962  # Kent's grid
    px, py, bx, by = _centres(x0, y1, cell, rows, cols)
    ax, ay = heat._mercator_to_bng(px, py, tol_m=cell / 100)
    assert len(ax) == len(px) * len(py) > 500_000
    assert np.abs(ax - bx).max() < 0.05 and np.abs(ay - by).max() < 0.05
    flat, ok, _, _ = heat._mercator_index(x0, y1, cell, rows, cols, 1200)
    c = np.floor((bx - x0) / cell).astype(np.int64)
    r = np.floor((y1 - by) / cell).astype(np.int64)
    exact = np.where((c >= 0) & (c < cols) & (r >= 0) & (r < rows), r * cols + c, -1)
    assert (exact != flat).mean() < 1e-3  # only pixel centres within ~1 cm of a cell edge


def test_where_proj_jumps_the_blocks_are_projected_pixel_by_pixel():
    """A grid up to Shetland and the North Sea: PROJ's BNG jumps ~100 m where it changes
    transformation off the coast; interpolating across that would be 100 m out."""
    x0, y1, cell, rows, cols = 80_000.0, 1_220_000.0, 500.0, 2000, 1300
    px, py, bx, by = _centres(x0, y1, cell, rows, cols)
    ax, ay = heat._mercator_to_bng(px, py, tol_m=cell / 100)
    err = np.hypot(ax - bx, ay - by)
    assert err.max() < 3.0, err.max()
    ax, ay = heat._mercator_to_bng(px, py, tol_m=np.inf)  # no check: the jump is smeared
    assert np.hypot(ax - bx, ay - by).max() > 50


def test_png_is_the_imsave_picture_with_clear_pixels_zeroed():
    from matplotlib.image import imsave

    from hotspots.export.documents._evidence_figures import heat_rgba

    rng = np.random.default_rng(3)
    pts = np.column_stack([rng.normal(530_000, 300, 400), rng.normal(180_000, 200, 400)])
    s = kde_surface(pts[:, 0], pts[:, 1], (528_000.0, 178_500.0, 532_000.0, 181_500.0), label="Crime")
    png, _ = heat.heat_overlay_png(s)
    got = np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))
    grid, _ = heat._mercator_grid(s, 1200)
    buf = io.BytesIO()
    imsave(buf, heat_rgba(grid), format="png")
    want = np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGBA"))
    shown = want[..., 3] > 0
    assert shown.any() and (~shown).any()
    np.testing.assert_array_equal(got[shown], want[shown])
    assert not got[~shown].any()


@pytest.mark.parametrize("n", [1, 2, 3, 9])
def test_tiny_grids(n: int):
    """One pixel, no pixel between nodes, and one block (pixels ~300 m apart)."""
    px = np.linspace(60_000.0, 62_500.0, n)
    py = np.linspace(6_700_000.0, 6_697_500.0, n)
    ax, ay = heat._mercator_to_bng(px, py, tol_m=0.5)
    gx, gy = np.meshgrid(px, py)
    bx, by = Transformer.from_crs(3857, 27700, always_xy=True).transform(gx.ravel(), gy.ravel())
    assert np.abs(ax - bx).max() < 0.1 and np.abs(ay - by).max() < 0.1


def test_heat_colours_are_matplotlibs_ylorrd_without_importing_it():
    """The heat pictures colour with a copy of matplotlib's YlOrRd table (importing matplotlib
    for one colour ramp cost the map and the briefing ~0.15 s each): every colour is the same,
    at the ends, at the table's steps and in between."""
    from matplotlib import colormaps

    from hotspots.export.documents._evidence_figures import _ylorrd_lut, heat_rgba

    np.testing.assert_array_equal(_ylorrd_lut(), colormaps["YlOrRd"](np.arange(256)))
    rng = np.random.default_rng(11)
    v = np.concatenate([rng.gamma(0.6, 3.0, 20_000), [0.0, np.nan, 1e9, 1e-9], np.linspace(0, 50, 2_001)])
    got = heat_rgba(v)
    top = float(np.percentile(v[np.isfinite(v) & (v > 0)], 99.5))
    f = np.sqrt(np.clip(np.nan_to_num(v, nan=0.0) / top, 0, 1))
    np.testing.assert_array_equal(got[:, :3], colormaps["YlOrRd"](f)[:, :3])


def test_the_heat_pictures_do_not_import_matplotlib():
    from _imports import imported_after

    code = ("import numpy as np\n"
            "from hotspots.export.documents._evidence_figures import heat_rgba, heat_rgba8\n"
            "heat_rgba(np.linspace(0, 5, 100))\n"
            "heat_rgba8(np.linspace(0, 5, 100))")
    assert imported_after(code, "matplotlib", "hotspots.export.documents._evidence_figures") == [False, True]


@pytest.mark.parametrize("top", [None, 0.5, 1e-15])
def test_the_byte_picture_is_the_float_one_truncated_with_clear_pixels_zeroed(top):
    """The map's pictures are built in bytes (:func:`heat_rgba8`), not from the float RGBA grid:
    every byte must be the float picture's, truncated as ``imsave`` does, and a clear pixel all
    zeros, on a grid with NaN, zeros, infinities, values under the faint cut and over the top."""
    from hotspots.export.documents._evidence_figures import heat_rgba, heat_rgba8

    rng = np.random.default_rng(5)
    v = rng.gamma(0.4, 2.0, (120, 170))
    v[rng.random(v.shape) < 0.2] = np.nan
    v[:3] = 0.0
    v[3, :40] = np.inf
    v[4, :40] = -np.inf
    v[5, :40] = 1e-6
    want = (heat_rgba(v, top) * 255).astype(np.uint8)
    want[want[..., 3] == 0] = 0
    got = heat_rgba8(v, top)
    assert got.dtype == np.uint8 and got.shape == want.shape
    assert (got[..., 3] == 0).any() and (got[..., 3] > 0).any()
    np.testing.assert_array_equal(got, want)
