"""Mann-Kendall S, tie-corrected variance, z, p and Sen's slope: hand-computed cases and pymannkendall."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

from hotspots.timeseries import _normal
from hotspots.timeseries.mann_kendall import mann_kendall, sens_slope, tie_correction

# the package re-exports the function under the module's name: fetch the module itself
mk_mod = importlib.import_module("hotspots.timeseries.mann_kendall")


def test_rising_series_without_ties_by_hand():
    r = mann_kendall(np.array([1.0, 2, 3, 4, 5]))
    # every one of the 10 pairs rises; Var(S) = n(n-1)(2n+5)/18 = 5*4*15/18
    assert r.s[0] == 10
    assert r.var_s[0] == pytest.approx(300 / 18)
    assert r.z[0] == pytest.approx(9 / math.sqrt(300 / 18))
    assert r.p[0] == pytest.approx(math.erfc(r.z[0] / math.sqrt(2)), rel=1e-6)
    assert r.tau[0] == 1.0
    assert r.slope[0] == 1.0 and r.intercept[0] == pytest.approx(1.0)


def test_series_with_ties_by_hand():
    # x = 1 2 2 3 1: signs of the 10 later-minus-earlier pairs sum to +3 +0 +0 -1 = 2
    x = np.array([1.0, 2, 2, 3, 1])
    r = mann_kendall(x)
    assert r.s[0] == 2
    # two tie groups of size 2 (the 1s and the 2s): sum t(t-1)(2t+5) = 2 * (2*1*9) = 36
    assert tie_correction(x)[0] == 36
    assert r.var_s[0] == pytest.approx((300 - 36) / 18)
    assert r.z[0] == pytest.approx(1 / math.sqrt(264 / 18))  # continuity-corrected (S - 1)
    # pairwise slopes: 1, .5, 2/3, 0, 0, .5, -1/3, 1, -.5, -2 -> median (0 + .5) / 2
    assert r.slope[0] == pytest.approx(0.25)
    assert r.intercept[0] == pytest.approx(2 - 2 * 0.25)  # median(x) - median(t) * slope


def test_falling_series_with_a_tie_by_hand():
    r = mann_kendall(np.array([5.0, 5, 3, 1]))
    # pairs: (5,5) 0, (5,3) -, (5,1) -, (5,3) -, (5,1) -, (3,1) -  ->  S = -5
    assert r.s[0] == -5
    assert r.var_s[0] == pytest.approx((4 * 3 * 13 - 2 * 1 * 9) / 18)
    assert r.z[0] == pytest.approx(-4 / math.sqrt(138 / 18))


def test_constant_series_has_no_trend():
    r = mann_kendall(np.array([[3.0, 3, 3, 3, 3], [0, 0, 0, 0, 0]]))
    assert (r.s == 0).all() and (r.var_s == 0).all()
    assert (r.z == 0).all() and (r.p == 1).all()
    assert list(r.trend()) == ["no trend", "no trend"]


def test_nan_is_refused():
    with pytest.raises(ValueError, match="NaN"):
        mann_kendall(np.array([1.0, np.nan, 3.0]))


@pytest.mark.parametrize("n", [4, 10, 12, 24, 37])
def test_pinned_to_pymannkendall(n):
    pmk = pytest.importorskip("pymannkendall")
    rng = np.random.default_rng(n)
    rows = np.vstack([rng.normal(size=(15, n)),
                      rng.poisson(2.0, size=(15, n)),  # many ties
                      rng.poisson(3.0, size=(10, n)) + 0.3 * np.arange(n)])  # ties and a trend
    ours = mann_kendall(rows)
    for k, x in enumerate(rows):
        ref = pmk.original_test(x)
        assert ours.s[k] == ref.s
        assert ours.var_s[k] == pytest.approx(ref.var_s, rel=1e-12)
        assert ours.z[k] == pytest.approx(ref.z, rel=1e-12, abs=1e-12)
        assert ours.p[k] == pytest.approx(ref.p, rel=1e-6, abs=1e-12)
        assert ours.tau[k] == pytest.approx(ref.Tau)
        assert ours.slope[k] == pytest.approx(ref.slope, abs=1e-12)
        assert ours.intercept[k] == pytest.approx(ref.intercept, abs=1e-9)
        assert ours.trend()[k] == ref.trend


def test_chunked_rows_equal_one_pass(monkeypatch):
    rng = np.random.default_rng(3)
    x = rng.poisson(4.0, size=(50, 12)).astype(float)
    whole = mann_kendall(x)
    monkeypatch.setattr(mk_mod, "_CHUNK", 70)  # one row (66 pairs) per chunk
    parts = mann_kendall(x)
    np.testing.assert_array_equal(whole.s, parts.s)
    np.testing.assert_array_equal(whole.slope, parts.slope)
    slope, icpt = sens_slope(x)
    np.testing.assert_array_equal(slope, whole.slope)
    np.testing.assert_array_equal(icpt, whole.intercept)


def test_normal_tail_matches_math_erfc():
    x = np.linspace(-6, 25, 20001)
    ref = np.array([math.erfc(v) for v in x])
    ok = ref > 1e-300
    np.testing.assert_allclose(_normal.erfc(x)[ok], ref[ok], rtol=2e-7)
    assert _normal.two_sided_p(np.array([1.959963984540054]))[0] == pytest.approx(0.05, rel=1e-6)
    assert _normal.upper_p(np.array([0.0]))[0] == pytest.approx(0.5, rel=1e-7)
