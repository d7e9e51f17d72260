"""Kernel density surfaces against KDEpy's exact evaluation and a hand-computed Gaussian sum;
the GeoTIFF and the map overlay written from them."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from hotspots.evidence.kde import DEFAULT_BANDWIDTH_M, DEFAULT_CELL_M, kde_surface

RNG = np.random.default_rng(11)
PTS = np.column_stack([RNG.normal(530_000, 300, 400), RNG.normal(180_000, 200, 400)])
BOUNDS = (528_000.0, 178_500.0, 532_000.0, 181_500.0)


def _direct(px: float, py: float, pts: np.ndarray, bw: float, w: np.ndarray | None = None) -> float:
    d2 = ((pts - [px, py]) ** 2).sum(axis=1)
    k = np.exp(-d2 / (2 * bw * bw)) / (2 * np.pi * bw * bw)
    return float((k if w is None else k * w).sum() * 1e6)


def test_matches_kdepy_naive_and_hand_sum():
    from KDEpy import NaiveKDE

    s = kde_surface(PTS[:, 0], PTS[:, 1], BOUNDS, label="test")
    assert (s.bandwidth, s.cell) == (DEFAULT_BANDWIDTH_M, DEFAULT_CELL_M)
    cx, cy = s.centres()
    exact = NaiveKDE(kernel="gaussian", bw=150.0).fit(PTS)
    peak = np.nanmax(s.values)
    cells = np.argwhere(s.values > 0.1 * peak)  # where the surface matters, not the far tail
    for r, c in cells[np.random.default_rng(2).choice(len(cells), 6, replace=False)]:
        want = exact.evaluate(np.array([[cx[c], cy[r]]]))[0] * len(PTS) * 1e6
        assert s.values[r, c] == pytest.approx(want, rel=0.02)  # linear binning on a 50 m grid
        assert s.values[r, c] == pytest.approx(_direct(cx[c], cy[r], PTS, 150.0), rel=0.03)
    # the surface holds the points: its integral over the grid is their number
    assert np.nansum(s.values) * (s.cell / 1000) ** 2 == pytest.approx(len(PTS), rel=0.01)


def test_weights_bandwidth_mask_and_empty():
    w = RNG.uniform(1, 10, len(PTS))
    s = kde_surface(PTS[:, 0], PTS[:, 1], BOUNDS, weights=w, bandwidth=300, cell=100)
    cx, cy = s.centres()
    assert s.values[15, 20] == pytest.approx(_direct(cx[20], cy[15], PTS, 300.0, w), rel=0.03)
    assert s.points == pytest.approx(w.sum())
    study = [shapely.box(529_000, 179_000, 531_000, 181_000)]
    m = kde_surface(PTS[:, 0], PTS[:, 1], BOUNDS, study=study)
    cx, cy = m.centres()
    inside = (cx[None, :] > 529_000) & (cx[None, :] < 531_000) & (cy[:, None] > 179_000) & (cy[:, None] < 181_000)
    assert np.isfinite(m.values[inside]).all() and np.isnan(m.values[~inside]).all()
    again = kde_surface(PTS[:, 0], PTS[:, 1], BOUNDS, mask=~np.isnan(m.values))  # the mask reused
    np.testing.assert_array_equal(again.values, m.values)
    e = kde_surface(np.array([]), np.array([]), BOUNDS, study=study)
    assert np.nanmax(e.values) == 0
    with pytest.raises(Exception, match="positive"):
        kde_surface(PTS[:, 0], PTS[:, 1], BOUNDS, bandwidth=0)


def test_big_grid_coarsened(monkeypatch):
    import hotspots.evidence.kde as kde

    monkeypatch.setattr(kde, "MAX_CELLS", 1000)
    s = kde.kde_surface(PTS[:, 0], PTS[:, 1], BOUNDS)
    assert s.values.size <= 1000 and s.cell > 50 and s.notes


def test_geotiff_round_trip_and_overlay(tmp_path):
    import rasterio

    from hotspots.export.map.heat import heat_overlay_png, write_heat_geotiff

    a = kde_surface(PTS[:, 0], PTS[:, 1], BOUNDS, label="Crime", study=[shapely.box(*BOUNDS).buffer(-200)])
    b = kde_surface(PTS[::2, 0], PTS[::2, 1], BOUNDS, label="Pubs")
    p = write_heat_geotiff([a, b], tmp_path / "heat.tif")
    with rasterio.open(p) as src:
        assert src.count == 2 and src.crs.to_epsg() == 27700
        assert src.descriptions == ("Crime per km2", "Pubs per km2")
        assert src.transform.a == a.cell and src.transform.c == a.x0 and src.transform.f == a.y1
        band = src.read(1)
        np.testing.assert_allclose(band, a.values.astype(np.float32), equal_nan=True)
        # a cell centre in map units reads back the same cell
        cx, cy = a.centres()
        r, c = src.index(cx[33], cy[21])
        assert (r, c) == (21, 33)
        assert src.tags(1)["bandwidth_m"] == "150"
    png, bounds = heat_overlay_png(a)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    (s_, w_), (n_, e_) = bounds
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(530_000, 180_000)
    assert s_ < lat < n_ and w_ < lon < e_
    assert not list(tmp_path.glob(".*tmp*"))


def test_every_cell_that_matters_matches_the_exact_sum():
    """Not a sample: every cell above a tenth of the peak, against KDEpy's exact NaiveKDE."""
    from KDEpy import NaiveKDE

    s = kde_surface(PTS[:, 0], PTS[:, 1], BOUNDS)
    cx, cy = s.centres()
    rr, cc = np.nonzero(s.values > 0.1 * np.nanmax(s.values))
    want = NaiveKDE(kernel="gaussian", bw=150.0).fit(PTS).evaluate(np.column_stack([cx[cc], cy[rr]])) * len(PTS) * 1e6
    rel = np.abs(s.values[rr, cc] - want) / want
    assert len(rr) > 200 and rel.max() < 0.02, rel.max()


def _binned_reference(x, y, w, x0, y1, rows, cols, cell, bandwidth):
    """The binning as first written (before it was done in place for a nation's crimes)."""
    from scipy.ndimage import gaussian_filter

    u = (x - x0) / cell - 0.5 + 1.0
    v = (y1 - y) / cell - 0.5 + 1.0
    i0, j0 = np.floor(v).astype(np.int64), np.floor(u).astype(np.int64)
    fv, fu = v - i0, u - j0
    shape = (rows + 2, cols + 2)
    binned = np.zeros(shape[0] * shape[1])
    for di, dj, share in ((0, 0, (1 - fv) * (1 - fu)), (0, 1, (1 - fv) * fu), (1, 0, fv * (1 - fu)), (1, 1, fv * fu)):
        binned += np.bincount((i0 + di) * shape[1] + (j0 + dj), weights=w * share, minlength=binned.size)
    dens = gaussian_filter(binned.reshape(shape), sigma=bandwidth / cell, mode="constant", cval=0.0, truncate=5.0)
    return np.clip(dens[1:-1, 1:-1], 0.0, None) / (cell * cell) * 1e6


def test_the_binning_is_bit_for_bit_the_first_formula():
    """In place, unit weights unmultiplied, one flat index: the same bytes as the plain formula."""
    from hotspots.evidence import kde

    rng = np.random.default_rng(7)
    x = rng.uniform(0.3, 9_999.7, 20_000) + 123_456.789
    y = rng.uniform(0.3, 7_999.7, 20_000) + 654_321.123
    w = rng.gamma(2.0, 3.0, 20_000)
    args = (123_400.0, 662_350.0, 161, 202, 50.0, 150.0)
    assert kde._binned_gaussian(x, y, None, *args).tobytes() == _binned_reference(x, y, np.ones(len(x)), *args).tobytes()
    assert kde._binned_gaussian(x, y, w, *args).tobytes() == _binned_reference(x, y, w, *args).tobytes()
    s = kde.kde_surface(np.r_[x, np.nan, 1e9], np.r_[y, 0.0, 1e9], (123_456.0, 654_321.0, 133_457.0, 662_322.0))
    assert s.points == 20_000 and s.notes == ["1 points outside the study's extent were left out"]
