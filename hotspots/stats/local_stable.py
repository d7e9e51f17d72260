"""The default local statistics: LISA and Gi* with order- and seed-stable sequential permutations.

Everything runs on the areas sorted by code (so the row order of the boundary file cannot
matter, down to the last bit) and the results are put back in row order. The draws and the
sequential rule are in :mod:`hotspots.stats.stable`; the analytic Gi* z in
:mod:`hotspots.stats.analytic_z`.

Which sites get how many draws. Every site gets a first round of ``(permutations + 1) / 5 - 1``
(199 of 999); a site whose tail count is then more than ``STOP_Z = 2`` binomial sd above the
largest cut-off stops there (Besag and Clifford's early stop: its p-value is large whatever
happens). The rest get ``permutations``, and a site keeps drawing (doubling rounds) while its
tail count is within ``STOP_Z`` sd of a cut-off it is judged against: ``alpha`` for ``lisa_p``
and 0.05 for ``gi_p`` up to ``max_permutations`` (default 19,999); Gi*'s 0.01 and 0.10 bin
edges up to ``SIDE_SHARE (permutations + 1) - 1`` (3,999). With ``fdr`` the cut-offs are the
current Benjamini-Hochberg thresholds (``level / n`` while nothing is rejected), recomputed
after every round, and the most draws rise to what BH needs for ``n`` areas
(:func:`fdr_min_permutations`). Kent 2021 (all crime, seed 12345, measured): 726 of 1,065
LSOAs stop at 199, 102 at 999 and 237 get more than 999 (up to 19,999), 1.45 million draws in all
(about 1,360 per LSOA); each LSOA's count is the ``mc_permutations`` column.
"""

from __future__ import annotations

__all__ = ["FDR_PERMUTATION_LIMIT", "GI_LEVELS", "StableOutcome", "canonical_order", "stable_bivariate", "stable_local"]

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..data.errors import DataError
from .analytic_z import gstar_z_binary
from .checked_values import standardise as _standardise
from .csr import CSR
from .fdr import fdr_min_permutations, fdr_threshold
from .global_moran import global_moran
from .kernel_weights import original, split_diagonal
from .permutation import _moran_part
from .stability import near_cutoff
from .stable import SequentialResult, sequential_counts, site_keys

#: the Gi* bin levels (ArcGIS's 99/95/90% confidence)
GI_LEVELS = (0.01, 0.05, 0.10)
#: most draws one site may get with --fdr (England at alpha 0.05 needs 1.35 million)
FDR_PERMUTATION_LIMIT = 2_000_000
#: binomial sd from a cut-off within which a site keeps drawing
STOP_Z = 2.0
#: the Gi* 99% and 90% bin edges get at most this many times ``permutations + 1`` draws
SIDE_SHARE = 4
#: the first round is this share of ``permutations`` (199 of 999): sites clearly above every
#: cut-off stop there (Besag and Clifford 1991)
FIRST_SHARE = 5


@dataclass
class StableOutcome:
    """Per-site arrays in row order, plus what the sequential scheme did."""

    lisa_i: np.ndarray
    lisa_p_directed: np.ndarray
    lisa_p: np.ndarray
    quad: np.ndarray
    gi_z: np.ndarray
    gi_p_directed: np.ndarray
    gi_p: np.ndarray
    perms: np.ndarray
    global_moran: dict | None
    max_permutations: int
    rounds: list = field(default_factory=list)
    #: with ``moran_later``: the Global Moran's I still to work out (``global_moran`` is None)
    moran_job: Callable[[], dict] | None = None


class _Canonical:
    """Weights in code order, shaped like what :func:`global_moran` reads (``.sparse``)."""

    def __init__(self, a: CSR) -> None:
        self.sparse = a
        self.n = a.n


def canonical_order(codes, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(codes as str, order, inverse)``: ``x[order]`` is ``x`` sorted by code and
    ``x_sorted[inverse]`` is back in row order. Without codes the row numbers serve."""
    codes = np.array([str(i) for i in range(n)] if codes is None else [str(c) for c in codes], dtype=object)
    if len(codes) != n:
        raise ValueError(f"{len(codes)} area codes for {n} areas")
    order = np.argsort(codes.astype(str), kind="stable")
    inv = np.empty(n, dtype=np.int64)
    inv[order] = np.arange(n)
    return codes, order, inv


def _binary_in_order(w, inv: np.ndarray) -> CSR:
    a = original(w)
    if a.nnz and not np.all(a.data == a.data[0]):
        raise ValueError("stable draws need binary weights (every neighbour weighted alike); "
                         "use draws='esda' for general weights")
    rows = a.rows()
    keep = a.indices != rows
    return CSR.from_pairs(a.n, inv[rows[keep]], inv[a.indices[keep]], binary=True)


def fdr_permutations(n: int, alpha: float) -> int:
    """Most draws a site gets with --fdr: what BH at ``alpha`` needs over ``n`` areas, or a
    DataError naming that number when it is beyond :data:`FDR_PERMUTATION_LIMIT`."""
    need = fdr_min_permutations(n, alpha)
    if need > FDR_PERMUTATION_LIMIT:
        raise DataError(None, f"Benjamini-Hochberg over {n:,} areas at alpha {alpha:g} needs p-values down to "
                        f"{alpha / n:.2g}: at least {need:,} permutations for the strongest areas, more than the "
                        f"{FDR_PERMUTATION_LIMIT:,} allowed",
                        hint="raise alpha, analyse a smaller area, or turn FDR off", setting="fdr")
    return need


def stable_local(y: np.ndarray, w, codes, *, permutations: int, max_permutations: int, seed: int,
                 alpha: float, fdr: bool, rate: tuple[np.ndarray, np.ndarray] | None = None,
                 n_jobs: int = 1, progress=None, cancel=None, moran_later: bool = False) -> StableOutcome:
    """LISA (on the EB rates of ``rate`` when given) and Gi* (on ``y``) with stable draws.

    Parameters
    ----------
    y : the analysed measure, row order (Gi* runs on it; LISA too unless ``rate``)
    w : binary weights in row order
    codes : area codes in row order (the draws are keyed on them)
    rate : (events, population) in row order: LISA then runs on the empirical-Bayes
        standardised rates (Assunção and Reis 1999), Gi* still on ``y``
    moran_later : leave the Global Moran's I (its own 999 permutations, single-threaded) as
        ``moran_job`` for the caller to run where a core is idle
    """
    n = len(y)
    codes, order, inv = canonical_order(codes, n)
    a = _binary_in_order(w, inv)
    yc = np.asarray(y, float)[order]
    if rate is None:
        lisa_src = yc
    else:
        from esda.smoothing import assuncao_rate

        lisa_src = np.asarray(assuncao_rate(np.asarray(rate[0], float)[order], np.asarray(rate[1], float)[order]),
                              float)
    z = _standardise(lisa_src, "y")
    spec, quad, _ = _moran_part(z, z, a)
    ys = [lisa_src] if rate is None else [lisa_src, yc]
    gi_t = len(ys) - 1
    top = int(max_permutations)
    side = min(top, SIDE_SHARE * (permutations + 1) - 1)
    if fdr:
        top = max(top, fdr_permutations(n, alpha))
        top = max(top, min(FDR_PERMUTATION_LIMIT, fdr_min_permutations(n, min(GI_LEVELS))))
    flat = z == 0  # Local Moran is 0 whatever the draw: p = 1

    def cuts(p: np.ndarray, levels) -> list[float]:
        if not fdr:
            return list(levels)
        return [fdr_threshold(p, q) or q / n for q in levels]

    def near(res: SequentialResult) -> np.ndarray:
        if res.perms.max() < permutations:  # after the first round: let go what is clearly above all cut-offs
            q = max(alpha, *GI_LEVELS) / 2
            keep = np.zeros(n, bool)
            for t in range(len(ys)):
                m = np.minimum(res.ge[t], res.le[t]) / np.maximum(res.perms, 1)
                keep |= m < q + STOP_Z * np.sqrt(q * (1 - q) / np.maximum(res.perms, 1))
            return keep
        lisa_p, gi_p = res.p_two_sided(0), res.p_two_sided(gi_t)
        # (test, cut-offs, most draws): alpha and Gi*'s 95% level up to ``top``; the 99% and 90%
        # bin edges up to ``side``; with FDR the current BH thresholds, all up to ``top``
        plan = [(0, cuts(np.where(flat, 1.0, lisa_p), [alpha]), top)]
        if fdr:
            plan.append((gi_t, cuts(gi_p, GI_LEVELS), top))
        else:
            plan += [(gi_t, [0.05], top), (gi_t, [lv for lv in GI_LEVELS if lv != 0.05], side)]
        want = np.zeros(n, bool)
        for t, cs, cap in plan:
            m = np.minimum(res.ge[t], res.le[t])
            hit = near_cutoff(m, res.perms, cs, STOP_Z) & (res.perms < cap)
            want |= hit & ~flat if t == 0 and gi_t else hit
        return want

    off, _ = split_diagonal(a)
    first = (permutations + 1) // FIRST_SHARE - 1 if permutations + 1 >= 100 * FIRST_SHARE else None
    res = sequential_counts(ys, off, site_keys(codes[order], seed), base=permutations, first=first,
                            max_permutations=top, near=near, n_jobs=n_jobs, progress=progress, cancel=cancel)
    lisa_dir, gi_dir = res.p_directed(0), res.p_directed(gi_t)
    lisa_dir[flat] = 1.0
    job = functools.partial(global_moran, lisa_src, _Canonical(a), permutations=permutations, seed=seed, cancel=cancel)
    gm = None if moran_later else job()
    return StableOutcome(lisa_i=spec.observed[inv], lisa_p_directed=lisa_dir[inv],
                         lisa_p=np.minimum(1.0, 2 * lisa_dir)[inv], quad=np.asarray(quad, int)[inv],
                         gi_z=gstar_z_binary(yc, a)[inv], gi_p_directed=gi_dir[inv],
                         gi_p=np.minimum(1.0, 2 * gi_dir)[inv], perms=res.perms[inv], global_moran=gm,
                         max_permutations=top, rounds=res.rounds, moran_job=job if moran_later else None)


def stable_bivariate(x, y, w, *, permutations: int = 999, seed: int = 12345, alpha: float = 0.05,
                     codes=None, progress=None, cancel=None):
    """Bivariate Local Moran (``x`` here against the lag of ``y``) with stable sequential draws.

    The statistic is esda's ``Moran_Local_BV``; it is monotone in the neighbour sum of ``y``,
    so the same kernel tests it. Returns a :class:`hotspots.stats.permutation.LocalResult`
    (``z`` None), in row order."""
    from .checked_values import checked as _values
    from .permutation import LocalResult

    x, y = _values(x, w, "x"), _values(y, w, "y")
    n = len(x)
    codes, order, inv = canonical_order(codes, n)
    a = _binary_in_order(w, inv)
    zx, yc = _standardise(x[order], "x"), y[order]
    spec, quad, _ = _moran_part(zx, _standardise(yc, "y"), a)
    flat = zx == 0

    def near(res: SequentialResult) -> np.ndarray:
        m = np.minimum(res.ge[0], res.le[0])
        if res.perms.max() < permutations:
            q = alpha / 2
            return m / np.maximum(res.perms, 1) < q + STOP_Z * np.sqrt(q * (1 - q) / np.maximum(res.perms, 1))
        return near_cutoff(m, res.perms, [alpha], STOP_Z) & ~flat & (res.perms < 20 * (permutations + 1) - 1)

    first = (permutations + 1) // FIRST_SHARE - 1 if permutations + 1 >= 100 * FIRST_SHARE else None
    off, _ = split_diagonal(a)
    res = sequential_counts([yc], off, site_keys(codes[order], seed), base=int(permutations), first=first,
                            max_permutations=20 * (int(permutations) + 1) - 1, near=near,
                            progress=progress, cancel=cancel)
    p_dir = res.p_directed(0)
    p_dir[flat] = 1.0
    return LocalResult(spec.observed[inv], p_dir[inv], np.minimum(1.0, 2 * p_dir)[inv],
                       np.asarray(quad, int)[inv], None)
