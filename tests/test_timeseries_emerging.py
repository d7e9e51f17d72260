"""Emerging hot spot analysis: the space-time Gi*, the FDR per step, ArcGIS's 17 rules, planted patterns."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _lattice import EXPECTED, lattice_weights, planted

from hotspots.timeseries import (
    CATEGORIES,
    SpaceTimeCube,
    TooFewSteps,
    classify_units,
    emerging_hot_spots,
)
from hotspots.timeseries.emerging import classify, hot_cold_bins
from hotspots.timeseries.gi_star import space_time_gi

# ---------------------------------------------------------------------------- Gi*


def _brute_gi(x: np.ndarray, w, k: int) -> np.ndarray:
    """Space-time Gi* by its definition, one bin at a time (global window = the whole cube)."""
    n_units, n_steps = x.shape
    xbar, s, n = x.mean(), x.std(), x.size
    out = np.zeros_like(x)
    for i in range(n_units):
        units = [i] + list(w.neighbors[i])
        for t in range(n_steps):
            cells = [(u, s_) for u in units for s_ in range(max(0, t - k), t + 1)]
            m = len(cells)
            total = sum(x[u, s_] for u, s_ in cells)
            out[i, t] = (total - xbar * m) / (s * np.sqrt((n * m - m * m) / (n - 1)))
    return out


@pytest.mark.parametrize("k", [0, 1, 2])
def test_space_time_gi_matches_its_definition(k):
    w = lattice_weights(5, 6)
    x = np.random.default_rng(k).poisson(3.0, size=(30, 11)).astype(float)
    z, p = space_time_gi(x, w, k=k)
    np.testing.assert_allclose(z, _brute_gi(x, w, k), rtol=1e-10, atol=1e-12)
    assert ((p > 0) & (p <= 1)).all()


def test_one_step_without_time_lag_is_esda_g_star():
    esda = pytest.importorskip("esda")
    w = lattice_weights(7, 8)
    y = np.random.default_rng(5).poisson(4.0, size=56).astype(float)
    z, _ = space_time_gi(y[:, None], w, k=0, window="step")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        g = esda.G_Local(y, w.to_libpysal(), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(z[:, 0], g.Zs, rtol=1e-10, atol=1e-12)


def test_step_window_uses_each_steps_own_mean():
    # step 1 is step 0 plus 10 everywhere: with the step window its z-scores (k=0) are unchanged
    w = lattice_weights(4, 4)
    a = np.random.default_rng(1).poisson(3.0, size=16).astype(float)
    x = np.stack([a, a + 10.0], axis=1)
    z, _ = space_time_gi(x, w, k=0, window="step")
    np.testing.assert_allclose(z[:, 0], z[:, 1])
    zc, _ = space_time_gi(x, w, k=0, window="cube")
    assert (zc[:, 1] > zc[:, 0]).all()  # against the whole cube, the busier step is hotter


def test_constant_cube_has_no_hot_spots():
    z, p = space_time_gi(np.zeros((9, 10)), lattice_weights(3, 3))
    assert (z == 0).all() and (p == 1).all()


# ---------------------------------------------------------------------------- FDR per step


def _bh_cut(p: np.ndarray, alpha: float) -> float:
    """Benjamini-Hochberg by the book: the largest p_(i) with p_(i) <= i * alpha / m."""
    ps = sorted(p)
    m = len(ps)
    passing = [ps[i] for i in range(m) if ps[i] <= (i + 1) * alpha / m]
    return max(passing) if passing else 0.0


def test_fdr_is_applied_within_each_step():
    rng = np.random.default_rng(7)
    n = 200
    p = rng.uniform(0.2, 1.0, size=(n, 2))
    # the same p-value 0.004 in both steps: step 0 has many other small p-values, step 1 none
    p[:40, 0] = np.linspace(1e-5, 0.003, 40)
    p[40, :] = 0.004
    z = np.ones_like(p)
    bins, cut = hot_cold_bins(z, p, alpha=0.05, fdr=True)
    assert cut[0] == pytest.approx(_bh_cut(p[:, 0], 0.05))
    assert cut[1] == pytest.approx(_bh_cut(p[:, 1], 0.05))
    assert bins[40, 0] == 1  # 41 discoveries: cut-off 41 * 0.05 / 200 = 0.01025
    assert bins[40, 1] == 0  # alone: cut-off 0.05 / 200 = 0.00025
    pooled = _bh_cut(p.ravel(), 0.05)
    assert pooled != cut[1]  # one FDR over the whole cube would judge step 1 differently
    nofdr, cut_raw = hot_cold_bins(z, p, alpha=0.05, fdr=False)
    assert nofdr[40, 1] == 1 and (cut_raw == 0.05).all()


def test_bins_take_the_sign_of_z():
    z = np.array([[3.0], [-3.0], [0.1]])
    p = np.array([[1e-4], [1e-4], [0.9]])
    bins, _ = hot_cold_bins(z, p, alpha=0.05)
    assert bins[:, 0].tolist() == [1, -1, 0]


# ---------------------------------------------------------------------------- the 17 rules

#: (bins over 10 steps as H/C/., trend: +1 significant rise, -1 significant fall, 0 none, expected)
RULES = [
    (".........H", 0, "New Hot Spot"),
    ("........HH", 0, "Consecutive Hot Spot"),
    ("..HHHHHHHH", 0, "Consecutive Hot Spot"),  # 8 of 10: under 90 percent
    (".HHHHHHHHH", +1, "Intensifying Hot Spot"),  # 9 of 10 is 90 percent
    ("HHHHHHHHHH", 0, "Persistent Hot Spot"),
    ("H.HHHHHHHH", 0, "Persistent Hot Spot"),
    ("HHHHHHHHHH", -1, "Diminishing Hot Spot"),
    ("..H..H...H", 0, "Sporadic Hot Spot"),
    ("H......HHH", 0, "Sporadic Hot Spot"),  # hot before the final run: not consecutive
    ("C....H...H", 0, "Oscillating Hot Spot"),
    ("C........H", 0, "Oscillating Hot Spot"),  # a cold past makes a first hot step oscillating
    ("HHHHHHHHH.", 0, "Historical Hot Spot"),
    ("HHHHHHHHH.", +1, "Historical Hot Spot"),
    (".........C", 0, "New Cold Spot"),
    (".......CCC", 0, "Consecutive Cold Spot"),
    (".CCCCCCCCC", -1, "Intensifying Cold Spot"),  # colder and colder
    ("CCCCCCCCCC", 0, "Persistent Cold Spot"),
    ("CCCCCCCCCC", +1, "Diminishing Cold Spot"),
    (".C...C.C.C", 0, "Sporadic Cold Spot"),
    ("H..C.....C", 0, "Oscillating Cold Spot"),
    ("HHHHHHHHHC", 0, "Oscillating Cold Spot"),  # the final step decides
    ("CCCCCCCCC.", 0, "Historical Cold Spot"),
    ("..........", 0, "No Pattern Detected"),
    ("H....H....", 0, "No Pattern Detected"),  # ArcGIS's sporadic needs a final hot step
    ("HHHHHHHH..", 0, "No Pattern Detected"),  # 8 of 10 hot, not hot now
    ("..........", +1, "No Pattern Detected"),
]


def _bins(text: str) -> np.ndarray:
    return np.array([{"H": 1, "C": -1, ".": 0}[c] for c in text], dtype=np.int8)


@pytest.mark.parametrize("text,trend,expected", RULES)
def test_each_arcgis_rule(text, trend, expected):
    code = classify(_bins(text)[None, :], np.array([trend * 30.0]), np.array([0.001 if trend else 0.5]))
    assert CATEGORIES[code[0]] == expected


def test_every_category_is_reached_and_spelled_as_arcgis():
    assert len(CATEGORIES) == 17 and len(set(CATEGORIES)) == 17
    assert {e for _, _, e in RULES} == set(CATEGORIES)
    assert "No Pattern Detected" in CATEGORIES and "Oscillating Cold Spot" in CATEGORIES


def test_rules_vectorised_over_units_equal_one_by_one():
    bins = np.stack([_bins(t) for t, _, _ in RULES])
    s = np.array([tr * 30.0 for _, tr, _ in RULES])
    p = np.array([0.001 if tr else 0.5 for _, tr, _ in RULES])
    assert [CATEGORIES[c] for c in classify(bins, s, p)] == [e for _, _, e in RULES]


def test_ninety_percent_of_twelve_steps_is_eleven():
    ten = _bins("HHHHHHHHHH..")  # 10 of 12 = 83%: not persistent, not historical
    eleven = _bins("HHHHHHHHHHH.")
    codes = classify(np.stack([ten, eleven]), np.zeros(2), np.ones(2))
    assert [CATEGORIES[c] for c in codes] == ["No Pattern Detected", "Historical Hot Spot"]


def test_trend_needs_its_threshold():
    b = _bins("HHHHHHHHHH")[None, :]
    assert CATEGORIES[classify(b, np.array([20.0]), np.array([0.03]))[0]] == "Persistent Hot Spot"
    assert CATEGORIES[classify(b, np.array([20.0]), np.array([0.03]), trend_alpha=0.05)[0]] == "Intensifying Hot Spot"


def test_needs_ten_months():
    w = lattice_weights(3, 3)
    with pytest.raises(TooFewSteps, match="at least 10"):
        emerging_hot_spots(np.ones((9, 9)), w)
    with pytest.raises(TooFewSteps):
        classify(np.zeros((1, 9), dtype=np.int8), np.zeros(1), np.ones(1))


# ---------------------------------------------------------------------------- end to end


def test_hand_made_cube_end_to_end():
    """A 10 x 10 lattice, 10 months, no noise: a 3 x 3 block busy every month, one only at the end."""
    w = lattice_weights(10, 10)
    x = np.full((10, 10, 10), 2.0)
    x[1:4, 1:4, :] = 30.0  # busy every month, centre cell 22
    x[6:9, 6:9, -1] = 60.0  # busy in the final month only, centre cell 77
    r = emerging_hot_spots(x.reshape(100, 10), w)
    assert r.category[22] == "Persistent Hot Spot"
    assert r.category[77] == "New Hot Spot"
    assert r.category[0 * 10 + 9] == "No Pattern Detected"
    assert (r.bins[22] == 1).all() and r.bins[77, :-1].tolist() == [0] * 9
    assert sum(r.counts().values()) == 100
    frame = r.frame()
    assert list(frame.columns[:3]) == ["emerging", "emerging_trend_z", "emerging_trend_p"]
    assert frame.loc[22, "hot_steps"] == 10


def test_classify_units_runs_on_a_cube():
    counts, w, blocks, _ = planted(1, rows=12, cols=12)
    cells, months = np.nonzero(counts.astype(int))
    reps = counts.astype(int)[cells, months]
    crimes = pd.DataFrame({
        "month": pd.Categorical([f"2021-{m + 1:02d}" for m in np.repeat(months, reps)]),
        "crime_type": pd.Categorical(["Burglary"] * int(reps.sum())),
    })
    cube = SpaceTimeCube.from_crimes(crimes, units=np.repeat(cells, reps), n_units=144)
    r = classify_units(cube, w)
    direct = emerging_hot_spots(counts, w)
    np.testing.assert_array_equal(r.code, direct.code)
    assert r.months == cube.months and len(r.months) == 12


# ---------------------------------------------------------------------------- planted patterns


@pytest.mark.parametrize("seed", range(6))
def test_planted_lattice(seed):
    counts, w, blocks, quiet = planted(seed)
    r = emerging_hot_spots(counts, w)
    cat = r.category
    for name, mask in blocks.items():
        values, n = np.unique(cat[mask], return_counts=True)
        assert values[np.argmax(n)] == EXPECTED[name], (name, dict(zip(values, n, strict=True)))
        assert np.mean(cat[mask] == EXPECTED[name]) > 0.5, name  # most of the block, not only its mode
    assert np.mean(cat[quiet] == "No Pattern Detected") >= 0.85


@pytest.mark.parametrize("kwargs", [
    {"rows": 30, "cols": 30, "background": 1.0, "hot": 10.0, "rise": (6.0, 20.0), "fall": (20.0, 6.0), "new": 12.0},
    {"rows": 20, "cols": 20, "months": 24, "background": 5.0, "hot": 25.0, "rise": (18.0, 45.0),
     "fall": (45.0, 18.0), "new": 30.0},
    {"rows": 30, "cols": 30, "months": 10, "background": 0.5, "hot": 8.0, "rise": (5.0, 15.0),
     "fall": (15.0, 5.0), "new": 10.0},
])
def test_planted_lattice_other_shapes(kwargs):
    counts, w, blocks, quiet = planted(11, **kwargs)
    cat = emerging_hot_spots(counts, w).category
    for name, mask in blocks.items():
        values, n = np.unique(cat[mask], return_counts=True)
        assert values[np.argmax(n)] == EXPECTED[name], (name, dict(zip(values, n, strict=True)))
    assert np.mean(cat[quiet] == "No Pattern Detected") >= 0.85


def test_quiet_noise_is_no_pattern():
    """Pure Poisson noise, sparse and dense: almost every area is No Pattern Detected."""
    w = lattice_weights(25, 25)
    for lam in (0.2, 3.0, 20.0):
        x = np.random.default_rng(int(lam * 10)).poisson(lam, size=(625, 12)).astype(float)
        cat = emerging_hot_spots(x, w).category
        assert np.mean(cat == "No Pattern Detected") >= 0.97, lam


def test_trend_size_on_trendless_hot_blocks():
    """Hot blocks at a constant rate for 24 months: at most 1.5% of block cells get a trend category.

    The Mann-Kendall test of the overlapping (k = 1) z-scores called 5-7% here; the neighbourhood
    totals do not overlap in time, so the 1% test holds its size (module notes).
    """
    rows = cols = 24
    w = lattice_weights(rows, cols)
    lam = np.full((rows, cols), 2.0)
    mask = np.zeros((rows, cols), bool)
    for r, c in ((5, 5), (5, 17), (17, 5), (17, 17)):
        lam[r - 1:r + 2, c - 1:c + 2] = 15.0
        mask[r - 1:r + 2, c - 1:c + 2] = True
    called, cells, trend = 0, 0, []
    for seed in range(12):
        x = np.random.default_rng(seed).poisson(np.repeat(lam.reshape(-1, 1), 24, axis=1)).astype(float)
        r = emerging_hot_spots(x, w)
        cat = r.category[mask.ravel()]
        called += sum(any(k in c for k in ("Intensifying", "Diminishing", "New", "Oscillating")) for c in cat)
        cells += len(cat)
        trend.append(np.mean(r.trend.p <= 0.01))
    assert called / cells <= 0.015, called
    assert np.mean(trend) <= 0.015  # every trendless cell, hot or not: about the nominal 1%
