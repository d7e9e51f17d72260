"""The fast permutation kernel is pinned to esda 2.9 (run without numba, same seed, n_jobs=1)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from libpysal.weights import KNN, W, lat2W
from scipy.spatial import Delaunay

from hotspots.progress import Cancelled as ProgressCancelled
from hotspots.stats import permutation as pm

esda_moran = pytest.importorskip("esda.moran")
esda_g = pytest.importorskip("esda.getisord")


def _copy(w: W) -> W:
    """esda transforms its W in place; give it its own."""
    return W(w.neighbors, w.weights, id_order=w.id_order, silence_warnings=True)


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # esda's DeprecationWarning about `alternative`
        return fn(*args, **kw)


def _counts(p, perms):
    return np.rint(np.asarray(p, float) * (perms + 1)).astype(int)


def _assert_p(ours, theirs, perms):
    """Exact for >= 99.5% of areas, within 2/(P+1) everywhere (float ties only)."""
    a, b = _counts(ours, perms), _counts(theirs, perms)
    assert (a == b).mean() >= 0.995
    assert np.abs(a - b).max() <= 2


def _lattice():
    rng = np.random.default_rng(11)
    return lat2W(10, 10), rng.poisson(4, 100).astype(float)


def _knn9():
    rng = np.random.default_rng(12)
    pts = rng.uniform(0, 1000, (300, 2))
    return KNN.from_array(pts, k=9), rng.poisson(2, 300).astype(float)  # k >= 8: other BLAS path


def _islands():
    # six strips of nine linked cells, each followed by an isolated cell
    nb = {i: [j for j in (i - 1, i + 1) if 0 <= j < 60 and j // 10 == i // 10 and j % 10 != 9]
          for i in range(60)}
    nb = {i: ([] if i % 10 == 9 else v) for i, v in nb.items()}
    rng = np.random.default_rng(13)
    return W(nb, silence_warnings=True), rng.poisson(3, 60).astype(float)


def _delaunay():
    """~2,000 random areas with Voronoi (Delaunay-dual) contiguity: cardinalities 3..12."""
    rng = np.random.default_rng(14)
    pts = rng.uniform(0, 10_000, (2000, 2))
    indptr, indices = Delaunay(pts).vertex_neighbor_vertices
    nb = {i: indices[indptr[i]:indptr[i + 1]].tolist() for i in range(len(pts))}
    hot = np.hypot(pts[:, 0] - 3000, pts[:, 1] - 6000) < 1500
    return W(nb, silence_warnings=True), rng.poisson(np.where(hot, 6, 1.5)).astype(float)


CASES = {"lattice": _lattice, "knn9": _knn9, "islands": _islands, "delaunay": _delaunay}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    return CASES[request.param]()


PERMS, SEED = 199, 20240


def test_moran_matches_esda(case):
    w, y = case
    ref = _quiet(esda_moran.Moran_Local, y, _copy(w), transformation="r", permutations=PERMS,
                 seed=SEED, n_jobs=1, keep_simulations=True)
    got = pm.local_moran(y, w, permutations=PERMS, seed=SEED)
    np.testing.assert_allclose(got.stat, ref.Is, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(got.quad, ref.q)
    _assert_p(got.p_sim, ref.p_sim, PERMS)
    fin = np.isfinite(ref.z_sim)
    np.testing.assert_array_equal(np.isfinite(got.z), fin)
    np.testing.assert_allclose(got.z[fin], ref.z_sim[fin], rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(got.p_two_sided[fin], np.minimum(1, 2 * ref.p_sim[fin]))


def test_gstar_matches_esda(case):
    w, y = case
    ref = _quiet(esda_g.G_Local, y, _copy(w), transform="R", permutations=PERMS, star=True,
                 seed=SEED, n_jobs=1)
    got = pm.local_gstar(y, w, permutations=PERMS, seed=SEED)
    np.testing.assert_allclose(got.stat, ref.Gs, rtol=0, atol=1e-10)
    np.testing.assert_allclose(got.z, ref.Zs, rtol=0, atol=1e-10, equal_nan=True)
    assert got.quad is None
    _assert_p(got.p_sim, ref.p_sim, PERMS)


def test_bivariate_matches_esda(case):
    w, y = case
    x = np.roll(y, 7) + np.arange(len(y)) % 3
    ref = _quiet(esda_moran.Moran_Local_BV, x, y, _copy(w), transformation="r",
                 permutations=PERMS, seed=SEED, n_jobs=1)
    got = pm.local_moran_bv(x, y, w, permutations=PERMS, seed=SEED)
    np.testing.assert_allclose(got.stat, ref.Is, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(got.quad, ref.q)
    _assert_p(got.p_sim, ref.p_sim, PERMS)


def test_rate_matches_esda(case):
    w, y = case
    base = 1000.0 + 250 * (np.arange(len(y)) % 9)
    ref = _quiet(esda_moran.Moran_Local_Rate, y, base, _copy(w), transformation="r",
                 permutations=PERMS, seed=SEED, n_jobs=1)
    got = pm.local_moran_rate(y, base, w, permutations=PERMS, seed=SEED)
    np.testing.assert_allclose(got.stat, ref.Is, rtol=0, atol=1e-10)
    np.testing.assert_array_equal(got.quad, ref.q)
    _assert_p(got.p_sim, ref.p_sim, PERMS)


def test_999_permutations_on_2000_areas_exact():
    w, y = _delaunay()
    ref = _quiet(esda_moran.Moran_Local, y, _copy(w), permutations=999, seed=7, n_jobs=1)
    ref_g = _quiet(esda_g.G_Local, y, _copy(w), transform="R", permutations=999, star=True,
                   seed=7, n_jobs=1)
    lisa, gi = pm.local_moran_and_gstar(y, w, permutations=999, seed=7, n_jobs=2)
    _assert_p(lisa.p_sim, ref.p_sim, 999)
    _assert_p(gi.p_sim, ref_g.p_sim, 999)


def test_draws_are_esdas_without_touching_global_rng():
    from esda.crand import vec_permutations

    state = np.random.get_state()
    from hotspots.stats.draws import draw_ids

    ours = draw_ids(500, 7, 50, 99, lambda f: None, lambda: None)
    assert np.random.get_state()[1].tolist() == state[1].tolist()
    np.testing.assert_array_equal(ours, vec_permutations(7, 500, 50, 99))


def test_hand_computed_3x3_rook():
    """One high centre: z = 2*sqrt(2) there, -1/(2*sqrt(2)) elsewhere, sum z^2 = n = 9."""
    w = lat2W(3, 3, rook=True)
    y = np.array([0, 0, 0, 0, 9, 0, 0, 0, 0], float)
    got = pm.local_moran(y, w, permutations=99, seed=1)
    corner, edge, centre = 8 * (1 / 8) / 9, 8 * (-1 / 4) / 9, 8 * (-1.0) / 9
    expect = [corner, edge, corner, edge, centre, edge, corner, edge, corner]
    np.testing.assert_allclose(got.stat, expect, atol=1e-12)
    np.testing.assert_array_equal(got.quad, [3, 2, 3, 2, 4, 2, 3, 2, 3])  # LL, LH, HL
    gi = pm.local_gstar(y, w, permutations=99, seed=1)
    # row-standardised with the site itself: corner 3 terms, edge 4, centre 5; sum y = 9
    np.testing.assert_allclose(gi.stat[[0, 1, 4]], [0.0, (9 / 4) / 9, (9 / 5) / 9], atol=1e-12)
    assert ((gi.p_sim > 0) & (gi.p_sim <= 1)).all()


def test_combined_equals_separate_and_threads_do_not_change_answers():
    w, y = _knn9()
    lisa, gi = pm.local_moran_and_gstar(y, w, permutations=99, seed=3)
    lisa1 = pm.local_moran(y, w, permutations=99, seed=3, n_jobs=1)
    gi2 = pm.local_gstar(y, w, permutations=99, seed=3, n_jobs=2)
    for a, b in ((lisa, lisa1), (gi, gi2)):
        np.testing.assert_array_equal(a.stat, b.stat)
        np.testing.assert_array_equal(a.p_sim, b.p_sim)


def test_islands_never_significant_and_callers_w_untouched():
    w, y = _islands()
    before = w.sparse.toarray().copy()
    got = pm.local_moran(y, w, permutations=99, seed=5)
    island = np.array([w.cardinalities[i] == 0 for i in w.id_order])
    assert island.sum() == 6
    np.testing.assert_allclose(got.p_sim[island], 1 / 100)  # esda's artefact, kept in p_sim
    assert (got.p_two_sided[island] == 1.0).all()
    assert got.stat[island].tolist() == [0.0] * 6
    assert w.transform == "O"
    np.testing.assert_array_equal(w.sparse.toarray(), before)


def test_transformed_w_gives_same_answer():
    w, y = _lattice()
    a = pm.local_moran(y, w, permutations=99, seed=2)
    w2 = _copy(w)
    w2.transform = "r"
    b = pm.local_moran(y, w2, permutations=99, seed=2)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert w2.transform == "R"


def test_progress_reaches_one_and_cancel_raises():
    w, y = _delaunay()
    seen = []
    pm.local_moran(y, w, permutations=99, seed=8, progress=seen.append)
    assert seen[-1] == 1.0
    assert all(b >= a for a, b in zip(seen, seen[1:], strict=False))
    polls = []

    def cancel():
        polls.append(1)
        return len(polls) > 3  # stop part-way through

    with pytest.raises(pm.Cancelled) as err:
        pm.local_gstar(y, w, permutations=99, seed=9, cancel=cancel)
    assert isinstance(err.value, ProgressCancelled)
    with pytest.raises(pm.Cancelled):
        pm.local_moran(y, w, permutations=99, seed=8, n_jobs=2, cancel=cancel)


@pytest.mark.parametrize("y", [np.full(100, 3.0), np.r_[np.nan, np.ones(99)]])
def test_bad_values_raise(y):
    with pytest.raises(ValueError):
        pm.local_moran(y, lat2W(10, 10), permutations=9)


def test_fast_draws_are_distinct_uniform_and_agree_with_esda_within_mc_error():
    from hotspots.stats.draws import fast_ids as _fast_ids
    from hotspots.stats.permutation import local_moran_and_gstar

    ids = _fast_ids(50, 8, 4000, seed=3)
    assert ids.shape == (4000, 8) and ids.min() >= 0 and ids.max() <= 48
    srt = np.sort(ids, axis=1)
    assert not (srt[:, 1:] == srt[:, :-1]).any()  # no repeats within a permutation
    freq = np.bincount(ids.ravel(), minlength=49) / ids.size
    assert np.abs(freq - 1 / 49).max() < 0.005  # uniform over the other sites
    rng = np.random.default_rng(8)
    w = lat2W(20, 20)
    y = rng.poisson(4, 400).astype(float)
    y[:40] += 6
    lf, gf = local_moran_and_gstar(y, w, permutations=999, seed=1, draws="fast")
    le, ge = local_moran_and_gstar(y, w, permutations=999, seed=1)
    np.testing.assert_array_equal(lf.stat, le.stat)  # statistics do not depend on the draws
    np.testing.assert_array_equal(gf.z, ge.z)
    # p-values from independent draws differ by Monte Carlo error only (sd ~ sqrt(p(1-p)/999))
    sd = np.sqrt(np.clip(le.p_sim * (1 - le.p_sim), 1e-4, None) / 999)
    assert (np.abs(lf.p_sim - le.p_sim) <= 4 * sd + 2 / 1000).mean() >= 0.99
    assert not np.array_equal(lf.p_sim, le.p_sim)


def test_prefetched_draws_are_the_ones_the_kernel_uses():
    from hotspots.stats import draws as _draws

    rng = np.random.default_rng(12)
    w = lat2W(9, 9)
    y = rng.poisson(5, 81).astype(float)
    _draws._DRAWS.clear()
    cold = pm.local_moran_and_gstar(y, w, permutations=199, seed=77)
    _draws._DRAWS.clear()
    pm.prefetch_draws(w, 199, 77)
    assert len(_draws._DRAWS) == 1
    (n, kmax, perms, seed, kind), ids = next(iter(_draws._DRAWS.items()))
    assert (n, kmax, perms, seed, kind) == (81, 4, 199, 77, "esda") and ids.shape == (199, 4)
    warm = pm.local_moran_and_gstar(y, w, permutations=199, seed=77)
    assert len(_draws._DRAWS) == 1  # the kernel found the prefetched table
    for a, b in zip(cold, warm, strict=True):
        np.testing.assert_array_equal(a.p_sim, b.p_sim)
