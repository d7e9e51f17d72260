"""Stable draws: per-(seed, code) streams, order invariance, ties in both tails, sequential MC,
the binary-weight Gi* z, BH with the permutation floor, and the Monte Carlo error report."""

import itertools
import warnings

import esda
import numpy as np
import pytest
from libpysal.weights import W, lat2W
from scipy.stats import chisquare, false_discovery_control

from hotspots.data.errors import DataError
from hotspots.stats.analytic_z import gstar_z_binary
from hotspots.stats.fdr import fdr_min_permutations, fdr_nothing_rejected, fdr_threshold
from hotspots.stats.kernel_weights import original
from hotspots.stats.local import analyse_clusters
from hotspots.stats.stability import mc_se, near_cutoff, stability_report
from hotspots.stats.stable import neighbour_sums, schedule, sequential_counts, site_keys


def _fresh(w):
    return W(w.neighbors, id_order=w.id_order, silence_warnings=True)


def _codes(n):
    return [f"E0100{i:04d}" for i in range(n)]


def test_each_draw_is_a_uniform_subset_of_the_other_areas():
    # 10 areas, site 4 draws 3 of the other 9: all C(9, 3) = 84 subsets equally often, never itself
    n, y = 10, 2.0 ** np.arange(10)
    keys = site_keys(_codes(n), 3)
    sums = neighbour_sums([y], np.array([4]), 3, keys[[4]], 0, 84 * 500)[0, 0]
    vals, counts = np.unique(sums, return_counts=True)
    assert len(vals) == 84
    assert not np.any((sums.astype(np.int64) >> 4) & 1)  # area 4 is never its own neighbour
    assert chisquare(counts).pvalue > 0.001


def test_a_sites_stream_depends_on_seed_and_code_only():
    n, y = 30, np.arange(30, dtype=float) ** 1.5
    keys = site_keys(_codes(n), 7)
    a = neighbour_sums([y], np.array([2, 5]), 4, keys[[2, 5]], 0, 60)[0]
    b = neighbour_sums([y], np.array([5]), 4, keys[[5]], 25, 35)[0]
    assert np.array_equal(a[1, 25:], b[0])  # draw p is the same whatever was drawn before
    assert not np.array_equal(site_keys(_codes(n), 7), site_keys(_codes(n), 8))
    assert site_keys(["E01000001"], 7)[0] == site_keys(["X", "E01000001"], 7)[1]


def test_reversed_or_shuffled_rows_give_identical_results_per_code():
    rng = np.random.default_rng(4)
    w = lat2W(12, 12)
    y = rng.poisson(5, 144).astype(float)
    y[:20] += 8
    codes = np.array(_codes(144))
    ref = analyse_clusters(y, w, permutations=199, seed=9, codes=codes)
    for perm in (np.arange(144)[::-1], rng.permutation(144)):
        inv = np.argsort(perm)
        nb = {int(inv[i]): [int(inv[j]) for j in w.neighbors[i]] for i in range(144)}
        w2 = W({new: nb[new] for new in range(144)}, silence_warnings=True)
        # row r of the new file is old row perm[r]
        got = analyse_clusters(y[perm], w2, permutations=199, seed=9, codes=codes[perm])
        back = got.frame.iloc[inv].reset_index(drop=True)
        assert back.equals(ref.frame)
        assert got.global_moran == ref.global_moran


def test_ties_count_in_both_tails_hand_made():
    # 3x3 rook lattice, zeros and a 9 in the centre. Corner 0 has neighbours 1 and 3 (both 0);
    # its 2 random neighbours come from 8 others holding one 9: the sum is 0 (a tie with the
    # observed 0) with probability C(7,2)/C(8,2) = 3/4 and 9 otherwise. At least as extreme in
    # both tails: min(#sim >= 0, #sim <= 0) = min(P, 3P/4), so p_directed ~ 3/4, two-sided 1.
    # esda counts the ties in the upper tail only: min(#>=, #<) = P/4, p ~ 1/4.
    y = np.array([0, 0, 0, 0, 9, 0, 0, 0, 0], float)
    w = lat2W(3, 3, rook=True)
    res = analyse_clusters(y, w, permutations=9999, max_permutations=9999, seed=1, codes=_codes(9))
    p = res.frame.loc[0, "lisa_p_directed"]
    assert abs(p - 0.75) < 4 * np.sqrt(0.75 * 0.25 / 10000)
    assert res.frame.loc[0, "lisa_p"] == 1.0
    ref = analyse_clusters(y, w, permutations=9999, seed=1, draws="esda")
    assert abs(ref.frame.loc[0, "lisa_p_directed"] - 0.25) < 4 * np.sqrt(0.75 * 0.25 / 10000)


def test_every_draw_tied_gives_p_one():
    # site 0's neighbours and every other area hold the same value: every draw ties
    y = np.array([5, 1, 1, 1, 1, 1], float)
    w = W({0: [1, 2], 1: [0, 2], 2: [0, 1, 3], 3: [2, 4], 4: [3, 5], 5: [4]}, silence_warnings=True)
    res = analyse_clusters(y, w, permutations=99, seed=3, codes=_codes(6))
    assert res.frame.loc[0, "gi_p"] == 1.0 and res.frame.loc[0, "gi_p_directed"] == 1.0


def test_stable_p_values_agree_with_esda_within_monte_carlo_error():
    # continuous values (no ties), the same number of draws: only Monte Carlo error separates them
    rng = np.random.default_rng(11)
    w = lat2W(15, 15)
    gx, gy = np.meshgrid(np.arange(15), np.arange(15))
    y = rng.normal(size=225) + np.exp(-((gx - 4) ** 2 + (gy - 9) ** 2).ravel() / 8) * 3
    ours = analyse_clusters(y, w, permutations=999, max_permutations=999, seed=2, codes=_codes(225))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lm = esda.Moran_Local(y, _fresh(w), permutations=999, seed=2, n_jobs=1)
    p1, p2 = ours.frame["lisa_p_directed"].to_numpy(), np.asarray(lm.p_sim, float)
    q = np.maximum(p1, p2)  # binomial error of each, ours from the draws each site got (199 or 999)
    se = np.sqrt(q * (1 - q) * (1 / ours.frame["mc_permutations"].to_numpy() + 1 / 999)) + 1e-3
    assert np.mean(np.abs(p1 - p2) <= 3 * se) >= 0.98
    assert abs(np.mean(p1 - p2)) < 0.01  # no bias
    np.testing.assert_allclose(ours.frame["lisa_i"], lm.Is, atol=1e-12)


def test_sequential_draws_go_where_the_p_value_is_near_a_cutoff():
    rng = np.random.default_rng(5)
    w = lat2W(14, 14)
    y = rng.poisson(6, 196).astype(float)
    y[:25] += 7
    res = analyse_clusters(y, w, permutations=999, seed=4, codes=_codes(196))
    f = res.frame
    perms = f["mc_permutations"].to_numpy()
    assert perms.min() == 199 and perms.max() > 999  # the clearly insignificant stop early
    assert f.loc[perms == 199, "lisa_p"].min() > 0.15
    far = (f["lisa_p"] - 0.05).abs() > 0.2
    assert (perms[far] <= 999).all()
    assert res.stability["sites_given_more_permutations"] == int((perms > 999).sum())
    assert schedule(999, 9999, 199) == [199, 999, 1999, 3999, 7999, 9999]


def test_sequential_counts_equal_a_single_batch_of_the_same_draws():
    rng = np.random.default_rng(8)
    w = lat2W(6, 6)
    y = rng.poisson(4, 36).astype(float)
    a = original(w)
    keys = site_keys(_codes(36), 1)
    one = sequential_counts([y], a, keys, base=3999, max_permutations=3999)
    calls = []
    seq = sequential_counts([y], a, keys, base=999, max_permutations=3999,
                            near=lambda r: calls.append(1) or np.ones(36, bool))
    assert len(calls) == 2 and (seq.perms == 3999).all()
    assert np.array_equal(one.ge[0], seq.ge[0]) and np.array_equal(one.le[0], seq.le[0])


def test_gi_z_is_the_binary_weight_analytic_z():
    rng = np.random.default_rng(2)
    w = lat2W(9, 7)
    y = rng.poisson(8, 63).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(y, _fresh(w), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(gstar_z_binary(y, original(w)), ref.Zs, atol=1e-12)
    res = analyse_clusters(y, w, permutations=99, seed=1, codes=_codes(63))
    np.testing.assert_allclose(res.frame["gi_z"], ref.Zs, atol=1e-12)
    # hand-checked: corner of a 3x3 rook lattice, neighbours 1 and 3, all of value 1 but the centre 9
    y3 = np.array([1, 1, 1, 1, 9, 1, 1, 1, 1], float)
    z = gstar_z_binary(y3, original(lat2W(3, 3, rook=True)))
    xbar, s = 17 / 9, np.sqrt((8 + 81) / 9 - (17 / 9) ** 2)
    assert z[0] == pytest.approx((3 - 3 * xbar) / (s * np.sqrt((9 * 3 - 9) / 8)))


def test_bh_matches_scipy_and_knows_the_permutation_floor():
    rng = np.random.default_rng(0)
    for _ in range(20):
        p = np.concatenate([rng.uniform(size=200), rng.uniform(0, 0.002, size=rng.integers(0, 30))])
        for q in (0.01, 0.05, 0.1):
            assert ((p <= fdr_threshold(p, q)) & (fdr_threshold(p, q) > 0)).sum() == (false_discovery_control(p) <= q).sum()
    n = 1065
    need = fdr_min_permutations(n, 0.05)
    assert 2 / (need + 1) <= 0.05 / n < 2 / need
    # 999 permutations: the floor 0.002 passes BH only when 43 areas sit at it
    floor = 2 / 1000
    p = np.full(n, 0.5)
    p[:42] = floor
    assert fdr_threshold(p, 0.05) == 0 and "no p-value can go below 0.002" in fdr_nothing_rejected(p, 0.05, "x", floor)
    p[:43] = floor
    assert fdr_threshold(p, 0.05) == floor and fdr_nothing_rejected(p, 0.05, "x", floor) is None


def test_fdr_refuses_too_few_fixed_permutations_and_stable_raises_them():
    rng = np.random.default_rng(5)
    w = lat2W(12, 12)
    y = rng.poisson(3, 144).astype(float)
    block = (np.arange(144) // 12 >= 3) & (np.arange(144) // 12 < 8) & (np.arange(144) % 12 >= 3) & (np.arange(144) % 12 < 8)
    y[block] += 10  # a 5 x 5 hot square: its centre's exact p is far below alpha / n
    with pytest.raises(DataError, match="at least 5759 permutations"):
        analyse_clusters(y, w, permutations=999, seed=2, draws="esda", fdr=True)
    res = analyse_clusters(y, w, permutations=999, seed=2, fdr=True, codes=_codes(144))
    assert res.stability["max_permutations"] >= fdr_min_permutations(144, 0.05)
    cut = res.thresholds["lisa_p_cutoff"]
    assert cut > 0 and (res.frame["lisa_cluster"] != "ns").sum() == (res.frame["lisa_p"] <= cut).sum()
    assert (false_discovery_control(res.frame["lisa_p"]) <= 0.05).sum() == (res.frame["lisa_p"] <= cut).sum()
    assert not res.warnings
    noise = analyse_clusters(rng.normal(size=144), w, permutations=199, seed=2, fdr=True, codes=_codes(144))
    assert noise.thresholds["lisa_p_cutoff"] == 0 or (noise.frame["lisa_cluster"] != "ns").any()
    if noise.thresholds["lisa_p_cutoff"] == 0:
        assert any(m.startswith("--fdr: Benjamini-Hochberg") and "\n" not in m for m in noise.warnings)


def test_monte_carlo_error_report():
    assert mc_se(0.05, 999) == pytest.approx(2 * np.sqrt(0.025 * 0.975 / 999))
    p = np.array([0.01, 0.045, 0.05, 0.055, 0.08, 0.5])
    perms = np.full(6, 999)
    rep = stability_report({"lisa": (p, [0.05])}, perms, draws="esda", base=999, alpha=0.05)
    se = mc_se(0.05, 999)
    assert rep["lisa_within_2se"] == int((np.abs(p - 0.05) < 2 * se).sum()) == 3
    assert rep["mc_se_at_alpha"] == pytest.approx(se, abs=1e-5)
    # the rule the sequential scheme uses: tail count within z sd of c / 2
    m = np.array([0, 25, 60])
    assert list(near_cutoff(m, np.full(3, 1000), [0.05], 2.0)) == [False, True, False]
    assert near_cutoff(np.array([0]), np.array([999]), [0.001], 3.0)[0]  # too few draws to tell


def test_seed_stability_beats_shared_draws():
    # independent per-site errors: the HH count moves less over seeds than with esda's shared table
    rng = np.random.default_rng(12)
    w = lat2W(20, 20)
    gx, gy = np.meshgrid(np.arange(20), np.arange(20))
    y = rng.poisson(3 + 6 * np.exp(-((gx - 6) ** 2 + (gy - 12) ** 2).ravel() / 30)).astype(float)
    codes = _codes(400)
    labs = [analyse_clusters(y, w, permutations=999, seed=s, codes=codes).frame["lisa_cluster"].to_numpy()
            for s in range(1, 5)]
    agree = min((a == b).mean() for a, b in itertools.combinations(labs, 2))
    assert agree >= 0.98


@pytest.mark.realdata
def test_kent_rows_reversed_identical_and_gi_z_binary(kent_base):
    """Kent 2021, all crime, count, queen: the file's rows reversed give the same answer per LSOA."""
    from hotspots.pipeline import analyse
    from hotspots.stats.weights import build_weights
    from hotspots.study import Settings

    _, layers = kent_base
    a = analyse(layers, Settings())
    y, codes = a.table["value"].to_numpy(float), a.table["lsoa_code"].to_numpy()
    b = layers.boundaries.iloc[::-1].reset_index(drop=True)
    w2, _ = build_weights(b, "queen")
    pos = {c: i for i, c in enumerate(codes)}
    idx = np.array([pos[c] for c in b["lsoa_code"]])
    rev = analyse_clusters(y[idx], w2, codes=codes[idx], seed=12345)
    back = rev.frame.iloc[np.argsort(idx)].reset_index(drop=True)
    cols = ["lisa_i", "lisa_p", "lisa_cluster", "gi_z", "gi_p", "gi_bin"]
    assert back[cols].equals(a.table[cols].reset_index(drop=True))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zb = esda.G_Local(y, _fresh(a.weights), transform="B", star=True, permutations=0).Zs
    big = np.abs(zb) > 1
    assert 0.85 <= np.median(a.table["gi_z"].to_numpy()[big] / zb[big]) <= 1.15
    assert a.clusters.stability["draws"] == "stable" and a.clusters.stability["lisa_within_2se"] < 60


def test_rate_measure_runs_lisa_on_eb_rates_and_gi_on_the_raw_rate():
    rng = np.random.default_rng(6)
    w = lat2W(10, 10)
    pop = rng.integers(800, 3000, 100).astype(float)
    events = rng.poisson(pop / 100).astype(float)
    events[:12] *= 3
    rate = events / pop * 1000
    codes = np.array(_codes(100))
    res = analyse_clusters(rate, w, permutations=199, seed=3, rate=(events, pop), codes=codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local_Rate(events, pop, _fresh(w), transformation="r", permutations=0)
        gz = esda.G_Local(rate, _fresh(w), transform="B", star=True, permutations=0).Zs
    np.testing.assert_allclose(res.frame["lisa_i"], ref.Is, atol=1e-10)
    np.testing.assert_allclose(res.frame["gi_z"], gz, atol=1e-10)
    perm = np.arange(100)[::-1]
    nb = {99 - i: [99 - j for j in w.neighbors[i]] for i in range(100)}
    again = analyse_clusters(rate[perm], W(nb, silence_warnings=True), permutations=199, seed=3,
                             rate=(events[perm], pop[perm]), codes=codes[perm])
    assert again.frame.iloc[::-1].reset_index(drop=True).equals(res.frame)


def test_stable_bivariate_agrees_with_esda_within_monte_carlo_error():
    from hotspots.stats.local_stable import stable_bivariate

    rng = np.random.default_rng(9)
    w = lat2W(12, 12)
    x = rng.normal(size=144).cumsum() % 7
    y = x * 0.6 + rng.normal(size=144)
    ours = stable_bivariate(x, y, w, permutations=999, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.Moran_Local_BV(x, y, _fresh(w), permutations=999, seed=4, n_jobs=1)
    np.testing.assert_allclose(ours.stat, ref.Is, atol=1e-12)
    p1, p2 = np.asarray(ours.p_sim), np.asarray(ref.p_sim, float)
    q = np.maximum(p1, p2)
    assert np.mean(np.abs(p1 - p2) <= 3 * np.sqrt(q * (1 - q) * (1 / 199 + 1 / 999)) + 1e-3) >= 0.97
