"""Global Moran's I (Moran 1950; Cliff and Ord 1981) with normal and permutation inference.

The study-wide test of whether the measure clusters at all, reported in ``summary.json``
beside the local statistics. Row-standardised weights, as ``esda.Moran``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..progress import Cancelled
from .csr import CSR

__all__ = ["global_moran", "row_standardised"]


def row_standardised(w) -> CSR:
    a = CSR.from_any(w.sparse)
    rs = a.row_sums()
    rs[rs == 0] = 1.0
    return a.with_data(a.data / np.repeat(rs, np.diff(a.indptr)))


def global_moran(y: np.ndarray, w, *, permutations: int = 999, seed: int = 12345,
                 cancel: Callable[[], bool] | None = None) -> dict:
    """Global Moran's I with row-standardised weights (as ``esda.Moran``), permutation and normal p.

    Uses its own ``RandomState(seed)`` rather than esda's global RNG, so results are
    reproducible and do not disturb other code. ``cancel`` is polled between batches of
    permutations (a national study spends seconds here).
    """
    y = np.asarray(y, float)
    n = len(y)
    z = y - y.mean()
    wr = row_standardised(w)
    s0 = wr.data.sum()
    zz = z @ z
    i_obs = float(n / s0 * (z @ (wr @ z)) / zz)
    ei = -1.0 / (n - 1)
    # normality assumption variance (Cliff and Ord), as esda's VI_norm
    rows = wr.rows()
    wt = CSR.from_pairs(n, np.concatenate([rows, wr.indices]), np.concatenate([wr.indices, rows]),
                        np.concatenate([wr.data, wr.data]))  # w + w'
    s1 = 0.5 * float((wt.data * wt.data).sum())
    margins = wr.row_sums() + wr.col_sums()
    s2 = float(margins @ margins)
    v_num = n * n * s1 - n * s2 + 3 * s0 * s0
    v_den = (n - 1) * (n + 1) * s0 * s0
    vi = v_num / v_den - ei * ei
    z_norm = (i_obs - ei) / np.sqrt(vi)
    out = {"I": i_obs, "EI": ei, "z_norm": float(z_norm), "p_norm": math.erfc(abs(float(z_norm)) / math.sqrt(2)),
           "permutations": int(permutations)}
    if permutations:
        # permutations are drawn one by one but evaluated in batches: for a county the quadratic
        # form z'Wz runs over the edge list (one gather and one BLAS product per batch); for a
        # nation, over scipy's sparse products
        rs = np.random.RandomState(seed)
        sims = np.empty(permutations)
        small = wr.nnz <= 50_000
        batch = max(1, min(permutations, 4_000_000 // max(wr.nnz if small else n, 1)))
        rows, cols, vals = wr.rows(), wr.indices, wr.data
        zp = np.empty((batch, n))
        for start in range(0, permutations, batch):
            if cancel is not None and cancel():
                raise Cancelled()
            b = min(batch, permutations - start)
            for k in range(b):
                zp[k] = z[rs.permutation(n)]
            block = zp[:b]
            if small:
                quad = (block[:, rows] * block[:, cols]) @ vals
            else:
                quad = np.einsum("ij,ij->j", block.T, wr @ np.ascontiguousarray(block.T))
            sims[start:start + b] = n / s0 * quad / zz
        larger = int((sims >= i_obs).sum())
        folded = min(larger, permutations - larger)
        out["p_sim_folded"] = (folded + 1.0) / (permutations + 1.0)
        out["p_sim"] = min(1.0, 2 * out["p_sim_folded"])
    return out


