"""The analytic Gi* z-score with binary weights (Getis and Ord 1992; Ord and Getis 1995), as
ArcGIS's Hot Spot Analysis reports it and as ``esda.G_Local(y, w, transform="B", star=True).Zs``.

Why not esda's default. ``G_Local`` with row-standardised weights puts the row sum (1) into the
variance where the formula needs the number of terms, so its ``Zs`` comes out too small by
about ``sqrt(k + 1)`` (Kent: a median 0.38 of the binary-weight value) and disagrees with the
permutation p-value beside it. With binary weights the permutation test is unchanged (the
conditional-permutation p of Gi* depends only on the neighbour sum), so the z and the p now
tell the same story.

For site ``i`` with weights ``w_ij`` (1 for a neighbour and for ``i`` itself)::

    W_i = sum_j w_ij,  S1_i = sum_j w_ij^2,  xbar = mean(x),  s = sqrt(mean(x^2) - xbar^2)
    z_i = (sum_j w_ij x_j - xbar W_i) / (s sqrt((n S1_i - W_i^2) / (n - 1)))
"""

from __future__ import annotations

import numpy as np

from .csr import CSR

__all__ = ["gstar_z_binary"]


def gstar_z_binary(y: np.ndarray, a: CSR) -> np.ndarray:
    """Gi* z per site for binary contiguity ``a`` (no self pairs needed: the site is added).

    Areas without neighbours get 0: there is no neighbourhood to compare (their permutation
    p-value is 1 as well)."""
    y = np.asarray(y, float)
    n = len(y)
    binary = CSR(np.ones(a.nnz), a.indices, a.indptr, a.n)
    has_self = binary.diagonal() > 0
    card = np.diff(binary.indptr).astype(float)
    w_sum = card + ~has_self  # the site itself joins its neighbourhood (star)
    local = binary @ y + np.where(has_self, 0.0, y)
    xbar = y.mean()
    s = np.sqrt(max((y * y).mean() - xbar * xbar, 0.0))
    with np.errstate(all="ignore"):
        z = (local - xbar * w_sum) / (s * np.sqrt((n * w_sum - w_sum * w_sum) / (n - 1)))
    z[(card - has_self) <= 0] = 0.0
    return np.where(np.isfinite(z), z, 0.0)
