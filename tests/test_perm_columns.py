"""The permutation columns of lsoa_results.csv: draws per LSOA and the permutation z beside gi_bin."""

from __future__ import annotations

import numpy as np
import pytest
from libpysal.weights import lat2W
from scipy.stats import norm

from hotspots.export.results import results_frame
from hotspots.stats.local import analyse_clusters, perm_z


def _run(fdr: bool = False):
    rng = np.random.default_rng(8)
    w = lat2W(16, 16)
    y = rng.poisson(5, 256).astype(float)
    y[:30] += 6
    y[200:215] = rng.poisson(1.5, 15)
    return analyse_clusters(y, w, permutations=999, seed=3, fdr=fdr, codes=[f"E0100{i:04d}" for i in range(256)])


def test_perm_z_is_the_bins_test_on_the_z_scale():
    f = _run().frame
    z = f["gi_perm_z"].to_numpy()
    binned = f["gi_bin"].to_numpy()
    # one test: the bin and the permutation z agree exactly at ArcGIS's cut-offs (no --fdr)
    for level, b in ((0.10, 1), (0.05, 2), (0.01, 3)):
        assert ((np.abs(binned) >= b) == (np.abs(z) >= norm.isf(level / 2) - 1e-12)).all()
    assert (np.sign(z[binned != 0]) == np.sign(binned[binned != 0])).all()
    # the analytic z can disagree with the bin; the permutation z cannot
    assert np.allclose(np.abs(z), norm.isf(f["gi_p"].to_numpy() / 2).clip(0))
    # never more precise than the draws: |z| <= Phi^-1(1 - 1 / (P + 1))
    assert (np.abs(z) <= norm.isf(1.0 / (f["mc_permutations"].to_numpy() + 1)) + 1e-9).all()


def test_mc_permutations_are_the_draws_each_area_got_and_reach_the_csv():
    res = _run()
    f = res.frame
    perms = f["mc_permutations"].to_numpy()
    assert perms.min() == 199 and perms.max() > 999
    # a p-value's resolution is its draws: the smallest possible is 1 / (P + 1) (two-sided 2 / (P + 1))
    assert (f["gi_p"] >= 2.0 / (perms + 1) - 1e-12).all()
    table = f.assign(lsoa_code=[f"E{i}" for i in range(len(f))], lsoa_name="x", crimes=0, harm=0.0, value=0.0,
                     imd_decile=None, pubs=0, streetsafe=0, zone_id=None)
    csv = results_frame(table)
    assert {"mc_permutations", "gi_perm_z"} <= set(csv.columns)
    np.testing.assert_array_equal(csv["mc_permutations"].to_numpy(), perms)


def test_perm_z_handles_p_one_and_zero_sign():
    assert perm_z(np.array([1.0, 0.10, 0.002]), np.array([2.0, -1.0, 0.0])).tolist() == pytest.approx(
        [0.0, -norm.isf(0.05), 0.0])
