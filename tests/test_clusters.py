import warnings

import esda
import numpy as np
import pytest
from libpysal.weights import W, lat2W

from hotspots.data.errors import DataError
from hotspots.stats.local import analyse_clusters, fdr_threshold, global_moran


def _fresh(w):
    return W(w.neighbors, id_order=w.id_order, silence_warnings=True)


def test_hand_checked_3x3_rook_lattice():
    # one high centre among zeros: z = (y - 1)/sqrt(8); I_i = (n-1)/n * z_i * lag_i (row-standardised)
    y = np.array([0, 0, 0, 0, 9, 0, 0, 0, 0], float)
    w = lat2W(3, 3, rook=True)
    res = analyse_clusters(y, w, permutations=99, seed=1, engine="esda")
    f = res.frame
    assert f.loc[4, "lisa_i"] == pytest.approx(-8 / 9)  # centre: high among lows
    assert f.loc[0, "lisa_i"] == pytest.approx(1 / 9)  # corner: low among lows
    assert f.loc[1, "lisa_i"] == pytest.approx(-2 / 9)  # edge next to the centre
    # Gi* z with binary weights incl. self (ArcGIS): W = 5 terms, sum 9, mean 1, s = sqrt(81/9 - 1):
    # z = (9 - 1 * 5) / (sqrt(8) * sqrt((9 * 5 - 25) / 8)) = 4 / sqrt(20)
    assert f.loc[4, "gi_z"] == pytest.approx(4 / np.sqrt(20))
    assert f.loc[4, "lisa_q"] == 4  # HL quadrant
    # global Moran = sum of the local I_i / (n - 1) with esda's (n-1) scaling
    assert res.global_moran["I"] == pytest.approx(f["lisa_i"].sum() / 8)


def test_two_sided_p_is_double_esda_folded_p():
    rng = np.random.default_rng(0)
    w = lat2W(10, 10)
    y = rng.poisson(5, 100).astype(float)
    y[:15] += 12  # a hot corner
    res = analyse_clusters(y, w, permutations=199, seed=7, engine="esda")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = esda.Moran_Local(y, _fresh(w), permutations=199, seed=7, n_jobs=1)
        gi = esda.G_Local(y, _fresh(w), star=True, permutations=199, seed=7, n_jobs=1)
        gi_b = esda.G_Local(y, _fresh(w), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(res.frame["lisa_i"], lm.Is, atol=1e-12)
    np.testing.assert_allclose(res.frame["lisa_p"], np.minimum(1, 2 * lm.p_sim))
    np.testing.assert_allclose(res.frame["lisa_p_directed"], lm.p_sim, atol=1e-6)
    np.testing.assert_allclose(res.frame["gi_z"], gi_b.Zs, atol=1e-12)  # binary weights: ArcGIS's z
    np.testing.assert_allclose(res.frame["gi_p"], np.minimum(1, 2 * gi.p_sim))
    labels = np.where(np.minimum(1, 2 * lm.p_sim) <= 0.05, np.array(["", "HH", "LH", "LL", "HL"])[lm.q], "ns")
    assert list(res.frame["lisa_cluster"]) == list(labels)
    assert (res.frame.loc[:14, "lisa_cluster"] == "HH").sum() >= 5
    bins = res.frame["gi_bin"].to_numpy()
    p = res.frame["gi_p"].to_numpy()
    assert np.all((np.abs(bins) == 3) == (p <= 0.01))
    assert np.all((bins != 0) == (p <= 0.10))
    assert np.all(np.sign(bins[bins != 0]) == np.sign(res.frame["gi_z"].to_numpy()[bins != 0]))


def test_global_moran_matches_esda():
    rng = np.random.default_rng(3)
    w = lat2W(8, 8)
    y = rng.normal(size=64).cumsum()
    gm = global_moran(y, w, permutations=499, seed=1)
    ref = esda.Moran(y, _fresh(w), permutations=0)
    assert gm["I"] == pytest.approx(ref.I)
    assert gm["EI"] == pytest.approx(ref.EI)
    assert gm["z_norm"] == pytest.approx(ref.z_norm)
    assert 0 < gm["p_sim"] <= 1


def test_fdr_threshold_benjamini_hochberg():
    p = np.array([0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216])
    # BH at 0.05: largest k with p_(k) <= k/10*0.05 is k=2 (0.008 <= 0.01)
    assert fdr_threshold(p, 0.05) == 0.008
    assert fdr_threshold(np.array([0.5, 0.9]), 0.05) == 0.0


def test_fdr_makes_fewer_or_equal_significant():
    rng = np.random.default_rng(5)
    w = lat2W(12, 12)
    y = rng.poisson(3, 144).astype(float)
    y[:20] += 6
    a = analyse_clusters(y, w, permutations=199, seed=2)
    b = analyse_clusters(y, w, permutations=199, seed=2, fdr=True)
    assert (b.frame["lisa_cluster"] != "ns").sum() <= (a.frame["lisa_cluster"] != "ns").sum()
    assert b.thresholds["lisa_p_cutoff"] <= 0.05


def test_constant_values_is_a_clear_error():
    with pytest.raises(DataError, match="same"):
        analyse_clusters(np.ones(9), lat2W(3, 3), permutations=99)


def test_seed_reproducible_and_does_not_touch_callers_weights():
    w = lat2W(6, 6)
    y = np.arange(36, dtype=float) % 7
    a = analyse_clusters(y, w, permutations=99, seed=11)
    b = analyse_clusters(y, w, permutations=99, seed=11)
    assert a.frame.equals(b.frame)
    assert w.transform.upper() == "O"  # still binary


def test_bivariate_matches_esda_bv():
    from hotspots.stats.local import bivariate_lisa

    rng = np.random.default_rng(9)
    w = lat2W(7, 7)
    x = rng.poisson(4, 49).astype(float)
    y = x * 0.5 + rng.poisson(2, 49)
    bv = bivariate_lisa(x, y, w, permutations=99, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local_BV(x, y, _fresh(w), permutations=99, seed=4, n_jobs=1)
    np.testing.assert_allclose(bv["bv_i"], ref.Is)
    np.testing.assert_allclose(bv["bv_p"], np.minimum(1, 2 * ref.p_sim))


@pytest.mark.parametrize("rate", [False, True])
def test_fast_engine_equals_esda_engine(rate):
    rng = np.random.default_rng(21)
    w = lat2W(9, 9)
    y = rng.poisson(4, 81).astype(float)
    y[:10] += 9
    pop = rng.integers(1200, 2500, 81).astype(float)
    kw = {"rate": (y, pop)} if rate else {}
    fast = analyse_clusters(y, w, permutations=199, seed=5, engine="fast", draws="esda", **kw)
    ref = analyse_clusters(y, w, permutations=199, seed=5, engine="esda", **kw)
    assert fast.engine == "fast" and ref.engine == "esda"
    np.testing.assert_allclose(fast.frame["lisa_i"], ref.frame["lisa_i"], atol=1e-12)
    np.testing.assert_allclose(fast.frame["gi_z"], ref.frame["gi_z"], atol=1e-12)
    assert (fast.frame["lisa_p"] == ref.frame["lisa_p"]).mean() >= 0.99
    assert (fast.frame["lisa_cluster"] == ref.frame["lisa_cluster"]).mean() >= 0.99
    assert (fast.frame["gi_bin"] == ref.frame["gi_bin"]).mean() >= 0.99
