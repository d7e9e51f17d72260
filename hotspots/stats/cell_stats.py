"""Cell-level analytic Getis-Ord Gi* with Benjamini-Hochberg FDR (a reference, no longer the gate).

The patrol spots no longer use this test: on police.uk's sparse, overdispersed cell counts its
normal p-values are far too small (with Kent's counts shuffled over the grid it still passed
~2,500 cells per map; issue 21). The spots use the exact window-sum randomisation test of
:mod:`hotspots.stats.window_test`; this module keeps :func:`bh_threshold` (shared by both) and
the analytic Gi* as the reference the tests compare against (it equals esda's ``G_Local``).

Why analytic, not permutations
------------------------------
A county holds tens of thousands of occupied 150 m cells (Kent 2021: ~13,000 occupied of
~166,000). A permutation p-value cannot be smaller than ``1 / (P + 1)``, so a false discovery
rate across 166,000 tests at 5% (whose strictest cut-off is ``0.05 / 166,000 = 3e-7``) would
need millions of permutations per cell. The analytic Gi* z (Getis and Ord 1992; Ord and Getis
1995) needs none, is what ArcGIS's *Hot Spot Analysis* reports on a fishnet with FDR, and on
the same weights equals esda's ``G_Local(star=True, transform="B").Zs`` (a test pins them).

The test
--------
For cell ``i`` with value ``x_i`` (crimes, or harm) and binary weights ``w_ij = 1`` for the
cell itself and its eight neighbours that are in the grid (``W_i`` of them; ``star=True``)::

    z_i = (sum_j w_ij x_j - xbar W_i) / (s sqrt((n W_i - W_i^2) / (n - 1)))

with ``n`` the number of grid cells, ``xbar`` their mean and ``s^2 = sum x^2 / n - xbar^2``
(Ord and Getis 1995, eq. 14 with binary weights, where ``S1_i = W_i``). ``n``, ``xbar`` and
``s`` run over the *full* grid, empty cells included: they add nothing to the sums, so the
statistic is computed only on the materialised cells (occupied cells and their neighbours)
and every other cell, whose window is empty, has the one z of an empty window,
``-xbar sqrt(W (n - 1) / (n - W)) / s`` (taken at ``W = 9``; cells on the study edge have a
smaller ``W`` and a z closer to 0, so they are never significant either).

p is the two-sided normal p-value ``2 * (1 - Phi(|z|))`` (ArcGIS's convention). The normal
approximation is rough for very skewed counts (Ord and Getis 1995 §3); a cell that passes is
a strong excess over a grid that is mostly empty, which is what a patrol spot needs.

Multiple testing: Benjamini and Hochberg (1995) over all ``n`` grid cells, the empty ones
included as one block of equal p-values (an exact BH over the block, not an approximation;
:func:`bh_threshold` takes multiplicities). A cell is a significant hot cell when ``z > 0``
and ``p`` is at most the BH cut-off at ``alpha``. BH is valid under the positive dependence
that neighbouring Gi* windows share (Benjamini and Yekutieli 2001), as Caldas de Castro and
Singer (2006) discuss for local statistics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..units.grid import CellGrid

__all__ = ["CellGiStar", "cell_gi_star", "bh_threshold", "TEST_NAME"]

TEST_NAME = ("analytic Getis-Ord Gi* z (binary 3x3 window, star), two-sided normal p, "
             "Benjamini-Hochberg FDR over every grid cell")
_EMPTY_W = 9


def bh_threshold(p: np.ndarray, alpha: float, counts: np.ndarray | None = None) -> float:
    """Benjamini-Hochberg cut-off: p-values at most this are discoveries at FDR ``alpha``.

    ``counts[k]`` says how many tests share the p-value ``p[k]`` (1 each by default), so a
    block of identical p-values (the empty cells of a grid) costs one entry. Returns 0.0 when
    nothing is significant.

    References: Benjamini and Hochberg (1995), *JRSS B* 57(1), 289-300.
    """
    p = np.asarray(p, float)
    c = np.ones(len(p), dtype=np.int64) if counts is None else np.asarray(counts, np.int64)
    keep = c > 0
    p, c = p[keep], c[keep]
    if len(p) == 0:
        return 0.0
    order = np.argsort(p, kind="mergesort")
    p, c = p[order], c[order]
    n = c.sum()
    rank = np.cumsum(c)  # the largest rank held by each entry's block
    ok = p <= alpha * rank / n
    return float(p[np.flatnonzero(ok).max()]) if ok.any() else 0.0


@dataclass(frozen=True)
class CellGiStar:
    """Gi* per materialised cell (NaN for cells outside the grid) and the FDR decision.

    Attributes
    ----------
    z : the analytic Gi* z-score (``gi_z``)
    p : its two-sided normal p-value (``gi_p_norm``)
    hot : ``z > 0`` and ``p <= threshold``: a significant hot cell
    threshold : the BH cut-off on p (0.0 when nothing is significant)
    alpha : the FDR level
    n_cells, mean, sd : the full grid's size, mean and standard deviation
    z_empty, p_empty : the z and p of a cell whose window is empty (all unmaterialised cells)
    """

    z: np.ndarray
    p: np.ndarray
    hot: np.ndarray
    threshold: float
    alpha: float
    n_cells: int
    mean: float
    sd: float
    z_empty: float
    p_empty: float
    test: str = TEST_NAME

    def to_dict(self) -> dict:
        """Summary figures (no per-cell arrays)."""
        return {"test": self.test, "alpha": self.alpha, "fdr_p_threshold": self.threshold,
                "n_cells": self.n_cells, "mean": self.mean, "sd": self.sd,
                "significant_hot_cells": int(self.hot.sum()),
                "z_empty_window": self.z_empty, "p_empty_window": self.p_empty}


def _z(window_sum: np.ndarray, w: np.ndarray, n: int, mean: float, sd: float) -> np.ndarray:
    w = np.asarray(w, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (window_sum - mean * w) / (sd * np.sqrt(w * (n - w) / (n - 1)))


def cell_gi_star(grid: CellGrid, values: np.ndarray, *, alpha: float = 0.05) -> CellGiStar:
    """Analytic Gi* over the full sparse grid with BH FDR at ``alpha`` (see the module notes).

    Parameters
    ----------
    grid : the sparse grid (its ``n_cells`` is the n of the test)
    values : one value per materialised cell (0 for cells outside the grid)
    alpha : false discovery rate
    """
    v = np.asarray(values, float)
    if len(v) != len(grid):
        raise ValueError("one value per materialised cell")
    v = np.where(grid.in_grid, v, 0.0)
    n = int(grid.n_cells)
    nan = np.full(len(v), np.nan)
    if n < 2 or len(v) == 0:
        return CellGiStar(nan, nan, np.zeros(len(v), bool), 0.0, alpha, n, float("nan"), float("nan"),
                          float("nan"), float("nan"))
    mean = float(v.sum() / n)
    var = float(max((v * v).sum() / n - mean * mean, 0.0))
    sd = var ** 0.5
    if sd == 0.0:
        return CellGiStar(nan, nan, np.zeros(len(v), bool), 0.0, alpha, n, mean, 0.0, float("nan"), float("nan"))
    from scipy.special import ndtr  # not scipy.stats (~0.5 s); here, not at import (~0.1 s)

    z = np.where(grid.in_grid, _z(grid.window_sum(v), grid.window, n, mean, sd), np.nan)
    p = np.where(grid.in_grid, 2.0 * ndtr(-np.abs(z)), np.nan)
    z0 = float(_z(np.zeros(1), np.array([_EMPTY_W]), n, mean, sd)[0])
    p0 = float(2.0 * ndtr(-abs(z0)))
    inside = grid.in_grid
    n_empty = max(n - int(inside.sum()), 0)
    thr = bh_threshold(np.append(p[inside], p0), alpha, np.append(np.ones(int(inside.sum()), np.int64), n_empty))
    hot = inside & (z > 0) & (p <= thr) if thr > 0 else np.zeros(len(v), bool)
    return CellGiStar(z=z, p=p, hot=np.asarray(hot, bool), threshold=thr, alpha=float(alpha), n_cells=n,
                      mean=mean, sd=sd, z_empty=z0, p_empty=p0)
