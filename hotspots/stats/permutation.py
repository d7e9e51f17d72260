"""Conditional-permutation inference for local statistics: esda's answers, without numba.

esda 2.9 (``esda.crand``) runs conditional randomisation with numba; without it (we do not ship
numba: its JIT costs ~15 s in every fresh process) it loops over observations in Python and
copies the whole data vector for each one, which is slow for 30,000+ areas. This module gives
**the same numbers** as ``Moran_Local``, ``Moran_Local_BV``, ``Moran_Local_Rate`` and ``G_Local(star=True)``
with the same seed and ``n_jobs=1`` (numba-free esda), pinned by ``tests/test_permutation.py``.

How, briefly. esda draws one table ``ids`` (P replications x the largest cardinality) with
``np.random.seed(seed)`` and ``np.random.choice(n - 1, k, replace=False)`` per replication; we
draw the identical table from a private ``RandomState`` (no global RNG state). Site ``i`` with
``k`` neighbours takes ``z_without_i[ids[:, :k]]``, i.e. ``z[id + (id >= i)]``. So row ``p`` of
site ``i``'s random neighbour matrix is one of only ``k + 1`` versions (``c`` = how many of
the row's ids are below ``i``), the same for every site with that cardinality and weights. We
compute each version's lag once with the very BLAS call esda makes (a ``(P, k) @ (k,)`` matvec,
so every simulated value is bit-identical), then sweep the sites in index order: between
neighbouring sites only the few rows holding an id in between change version. Counting
"simulated >= observed" uses an exact per-site threshold on the lag (the statistic is a
monotone function of the lag, found by bisection on the float grid), a sorted base row and
those few changed rows. Cost is ``O(P k^2)`` per cardinality plus ``O(n log P)``, against esda's
``O(n P k)`` gathers; the draw itself (the same Fisher-Yates shuffles esda runs) dominates.

p-values: ``p_sim`` is esda's directed value ``(min(#>=, #<) + 1) / (P + 1)``; we report
``p_two_sided = min(1, 2 p_sim)``. esda gives islands and sites exactly at the mean (``z_i = 0``)
the smallest ``p_sim`` (every simulation ties); ``p_sim`` keeps that, ``p_two_sided`` is 1 there.

References: Anselin (1995) *Geographical Analysis* 27(2); Getis and Ord (1992), Ord and Getis (1995);
Assunção and Reis (1999) (EB rate); Sokal, Oden and Thomson (1998) (conditional randomisation).
"""

from __future__ import annotations

__all__ = [
    "Cancelled",
    "LocalResult",
    "local_gstar",
    "local_moran",
    "local_moran_and_gstar",
    "local_moran_bv",
    "local_moran_rate",
    "prefetch_draws",
]

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..progress import Cancelled as _StopRequested
from .checked_values import checked as _values
from .checked_values import standardise as _standardise
from .csr import CSR
from .draws import draw_ids
from .kernel_weights import gstar_weights, original, row_standardise, split_diagonal
from .lag_threshold import lag_thresholds as _thresholds

if TYPE_CHECKING:  # the caller built its W, so libpysal is loaded by then; keep import light
    from libpysal.weights import W

ProgressCb = Callable[[float], None] | None
CancelCb = Callable[[], bool] | None


class Cancelled(_StopRequested):  # noqa: N818 - a signal, not an error
    """The ``cancel`` callback returned True; raised between chunks (a ``progress.Cancelled``)."""


@dataclass(frozen=True)
class LocalResult:
    """Per-area arrays of one local statistic, aligned with ``w.id_order``.

    Attributes
    ----------
    stat : local Moran's I (``Is``) or Gi* (``Gs``)
    p_sim : esda's folded pseudo p-value, ``(min(#sim >= stat, P - that) + 1) / (P + 1)``
    p_two_sided : ``min(1, 2 * p_sim)``; 1 where the test is degenerate (see module notes)
    quad : 1=HH 2=LH 3=LL 4=HL (esda's ``q``) for Moran; None for Gi*
    z : Gi*'s analytic z (``Zs``); for Moran the permutation z (``z_sim``)
    """

    stat: np.ndarray
    p_sim: np.ndarray
    p_two_sided: np.ndarray
    quad: np.ndarray | None
    z: np.ndarray | None


@dataclass
class _Spec:
    """One statistic for the kernel: sim = (mult * (lag + sw * src)) * scale  (Moran)
    or (lag + sw * src) / scale  (Gi*, mult None), in esda's order of operations."""

    src: np.ndarray
    mult: np.ndarray | None
    scale: float
    off: CSR
    self_w: np.ndarray
    observed: np.ndarray

    def sims(self, lag: np.ndarray, sel=slice(None)) -> np.ndarray:
        """Simulated statistics of the sites ``sel`` given their lags, as esda computes them."""
        with np.errstate(all="ignore"):
            if self.mult is None:
                return (lag + self.self_w[sel] * self.src[sel]) / self.scale
            return self.mult[sel] * (lag + self.self_w[sel] * self.src[sel]) * self.scale

    def slope_and_guess(self) -> tuple[np.ndarray, np.ndarray]:
        """Sign of d sim / d lag per site, and the lag at which sim ~ observed."""
        c = self.self_w * self.src
        with np.errstate(all="ignore"):
            if self.mult is None:
                return np.full(len(c), np.sign(self.scale)), self.observed * self.scale - c
            return np.sign(self.mult) * np.sign(self.scale), self.observed / (self.mult * self.scale) - c


def _check(cancel: CancelCb) -> None:
    """Raise :class:`Cancelled` when asked to stop; otherwise give other threads a turn.

    The loops here run many small NumPy calls that keep the GIL; a GUI thread waiting for it
    (to repaint, to see the Cancel click) gets it straight away at these points."""
    if cancel is not None:
        if cancel():
            raise Cancelled()
        time.sleep(0)


# ---------------------------------------------------------------------------------- kernel
@dataclass
class _Group:
    obs: np.ndarray  # sites (ascending) sharing cardinality k and the weight vectors
    sid: np.ndarray  # the (P, k) draws for this cardinality, flattened and sorted ...
    srow: np.ndarray  # ... and the row (replication) each came from
    lags: list[np.ndarray]  # per spec: (k + 1, P) lag of every row version


def _group_lags(ids_k: np.ndarray, specs: list[_Spec], wrows: list[np.ndarray]) -> list:
    rank = np.argsort(np.argsort(ids_k, axis=1, kind="stable"), axis=1, kind="stable")
    k = ids_k.shape[1]
    out = [np.empty((k + 1, ids_k.shape[0])) for _ in specs]
    for c in range(k + 1):
        idx = ids_k + (rank >= c)  # version c: the c smallest ids are below site i
        for s, spec in enumerate(specs):
            out[s][c] = np.ascontiguousarray(spec.src.take(idx)) @ wrows[s]  # esda's matvec
    return out


def _chunk(g: _Group, lo: int, hi: int, thr: list, moments: list[bool]):
    """Counts (and lag moments) for the sites ``g.obs[lo:hi]``, an index-contiguous run."""
    sites = g.obs[lo:hi]
    m, p = len(sites), g.lags[0].shape[1]
    a, b = np.searchsorted(g.sid, [sites[0], sites[-1]])  # ids some site in the run passes
    c0 = np.bincount(g.srow[:a], minlength=p)  # version of every row at the first site
    touched, col = np.unique(g.srow[a:b], return_inverse=True)
    nt = len(touched)
    at = np.searchsorted(sites, g.sid[a:b], side="right")  # first site that sees the event
    steps = np.bincount(at * nt + col, minlength=(m + 1) * nt).reshape(m + 1, nt)[:m]
    version = c0[touched] + np.cumsum(steps, axis=0)  # (m, nt)
    flat = c0 * p + np.arange(p)
    res = []
    for s, lag in enumerate(g.lags):
        o, t = thr[s][0][sites], thr[s][1][sites]
        base = lag.ravel()[flat]
        srt = np.sort(base)
        count = np.where(o > 0, p - np.searchsorted(srt, t, "left"),
                         np.searchsorted(srt, -t, "right"))
        new = lag.ravel()[version * p + touched]
        old = base[touched]
        count += ((o[:, None] * new) >= t[:, None]).sum(1) - ((o[:, None] * old) >= t[:, None]).sum(1)
        mom = None
        if moments[s]:
            ref = srt[p // 2]
            d0 = base - ref
            s1 = d0.sum() + (new - old).sum(1)
            s2 = (d0 * d0).sum() + ((new - ref) ** 2 - (old - ref) ** 2).sum(1)
            mean = s1 / p
            mom = (ref + mean, np.maximum(s2 / p - mean * mean, 0.0))
        res.append((count, mom))
    return sites, res


def _crand(specs: list[_Spec], permutations: int, seed: int, n_jobs: int, moments: list[bool],
           progress: ProgressCb, cancel: CancelCb, draws: str = "esda"):
    """Counts of simulated >= observed and the lag mean/variance per site, per spec."""
    n = len(specs[0].src)
    card = np.diff(specs[0].off.indptr)
    report = progress if progress is not None else (lambda f: None)
    _check(cancel)
    kmax = int(card.max())
    ids = draw_ids(n, kmax, permutations, seed, lambda f: report(0.7 * f), lambda: _check(cancel), draws) if kmax else None
    report(0.7)
    thr = [_thresholds(s) for s in specs]
    counts = [np.zeros(n, np.int64) for _ in specs]
    mean = [np.zeros(n) for _ in specs]
    var = [np.zeros(n) for _ in specs]
    for s, (o, t) in enumerate(thr):  # islands: the lag is 0 (esda's island_weight=0)
        isl = card == 0
        counts[s][isl] = np.where(o[isl] * 0.0 >= t[isl], permutations, 0)
    tasks = []
    for k in np.unique(card[card > 0]):
        obs = np.flatnonzero(card == k)
        pos = specs[0].off.indptr[obs][:, None] + np.arange(k)
        keys = np.hstack([s.off.data[pos] for s in specs])
        if (keys == keys[0]).all():  # binary W: one weight vector per cardinality
            uniq, inv = keys[:1], np.zeros(len(obs), dtype=np.int64)
        else:
            uniq, inv = np.unique(keys, axis=0, return_inverse=True)
        ids_k = np.ascontiguousarray(ids[:, :k])
        order = np.argsort(ids_k, axis=None, kind="stable")
        sid, srow = ids_k.ravel()[order], order // k
        for u in range(len(uniq)):
            wrows = [np.ascontiguousarray(uniq[u, s * k:(s + 1) * k]) for s in range(len(specs))]
            _check(cancel)
            g = _Group(obs[inv.ravel() == u], sid, srow, _group_lags(ids_k, specs, wrows))
            # runs touch ~64 rows when every site has this k, more when few do (fewer runs)
            width = max(1, int(64 * n / (permutations * k) * (n / len(g.obs)) ** 0.5))
            cut = np.flatnonzero(np.diff((g.obs - g.obs[0]) // width)) + 1
            edges = np.concatenate([[0], cut, [len(g.obs)]])
            tasks += [(g, int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]

    def run(task):
        return _chunk(*task, thr, moments)

    # threads pay off only on big studies: for a county (~1,000 areas) handing out hundreds of
    # small chunks costs more than it saves
    pool = ThreadPoolExecutor(n_jobs) if n_jobs > 1 and n * permutations >= 5_000_000 else None
    try:  # builtin map runs lazily, so cancel is polled between chunks either way
        for done, (sites, res) in enumerate((pool.map if pool else map)(run, tasks), 1):
            for s, (cnt, mom) in enumerate(res):
                counts[s][sites] = cnt
                if mom is not None:
                    mean[s][sites], var[s][sites] = mom
            report(0.7 + 0.3 * done / len(tasks))
            _check(cancel)
    finally:
        if pool:
            pool.shutdown(wait=True, cancel_futures=True)
    report(1.0)
    return counts, mean, var, card == 0


# ------------------------------------------------------------------------------ statistics
def _moran_part(zx: np.ndarray, zy: np.ndarray, a: CSR):
    ar = row_standardise(a)
    n, lag = len(zx), ar @ zy
    stat = (n - 1) * zx * lag / (zx * zx).sum()
    quad = np.where(zx > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
    off, diag = split_diagonal(ar)
    return _Spec(zy, zx, (n - 1) / (zx * zx).sum(), off, diag, stat), quad, None


def _gstar_part(y: np.ndarray, a: CSR):
    wr = gstar_weights(a)
    if not (wr.diagonal() > 0).any() or y.sum() == 0:
        raise ValueError("Gi* needs areas with neighbours and values that do not sum to zero")
    n = len(y)
    stat = (wr @ y) / (y.sum() - y * False)
    # esda's analytic moments (G_Local.calc with star=True, so N = n), in esda's order
    mean, mean_sq = y.sum() / n, (y**2).sum() / n
    card = wr.row_sums()
    ev = card * (n - card)
    ev /= n - 1
    ev *= 1 / n**2
    ev *= (mean_sq - mean**2) / (mean**2)
    with np.errstate(all="ignore"):
        z = (stat - card / n) / np.sqrt(ev)
    off, diag = split_diagonal(wr)
    return _Spec(y, None, y.sum(), off, diag, stat), None, z


def prefetch_draws(w, permutations: int = 999, seed: int = 12345, draws: str = "esda",
                   cancel: CancelCb = None) -> None:
    """Draw (and cache) the permutation table a later call on ``w`` with these settings will use.

    The pipeline calls it on a spare thread while the crime files are still being read, so
    the draw -- esda's stream costs one shuffle of all areas per permutation -- is off the
    critical path."""
    if draws not in ("esda", "fast"):  # stable draws are per site, drawn as they are used
        return
    a = original(w)
    off, _ = split_diagonal(row_standardise(a))
    card = np.diff(off.indptr)
    kmax = int(card.max()) if len(card) else 0
    if kmax:
        draw_ids(a.n, kmax, int(permutations), int(seed), lambda f: None, lambda: _check(cancel), draws)


def _run(parts, permutations, seed, n_jobs, progress, cancel, draws: str = "esda") -> list[LocalResult]:
    """Run the kernel for ``(spec, quad, z)`` parts (Moran's z, None here, is z_sim)."""
    if int(permutations) < 1:
        raise ValueError(f"permutations must be at least 1, not {permutations}")
    permutations, n_jobs = int(permutations), int(n_jobs)
    n_jobs = (os.cpu_count() or 1) if n_jobs == -1 else max(1, n_jobs)
    counts, means, vars_, isl = _crand([p[0] for p in parts], permutations, int(seed), n_jobs,
                                       [p[2] is None for p in parts], progress, cancel, draws)
    out = []
    for (spec, quad, z), larger, mean, var in zip(parts, counts, means, vars_, strict=True):
        low = (permutations - larger) < larger
        larger[low] = permutations - larger[low]
        p_sim = (larger + 1.0) / (permutations + 1.0)
        p_two = np.minimum(1.0, 2 * p_sim)
        p_two[isl if spec.mult is None else isl | (spec.mult == 0)] = 1.0  # all sims tie
        if z is None:  # z_sim from the lag moments: the statistic is affine in the lag
            with np.errstate(all="ignore"):
                centre = spec.mult * (mean + spec.self_w * spec.src) * spec.scale
                se = np.abs(spec.mult * spec.scale) * np.sqrt(var)
                z = np.where(se > 0, (spec.observed - centre) / se, np.nan)
        out.append(LocalResult(spec.observed, p_sim, p_two, quad, z))
    return out


def local_moran(y, w: W, *, permutations: int = 999, seed: int = 12345, n_jobs: int = 1,
                progress: ProgressCb = None, cancel: CancelCb = None, draws: str = "esda") -> LocalResult:
    """Local Moran's I (Anselin 1995) with row-standardised ``w``, as
    ``esda.Moran_Local(y, w, transformation="r", permutations=, seed=, n_jobs=1)``.

    Parameters
    ----------
    y : values per area, aligned with ``w.id_order``
    w : libpysal W (binary, as built); transformed on a copy, never in place
    permutations, seed : as esda; the same seed gives esda's exact draws
    n_jobs : threads for the per-site sweep (-1: all cores)
    progress : called with the fraction done (0..1) after each chunk
    cancel : polled between chunks; returning True raises :class:`Cancelled`
    draws : "esda" (default): esda's own permutation draws, so the same seed gives esda's
        p-values exactly; "fast": the same distribution without a shuffle per permutation
        (p-values then agree with esda's within Monte Carlo error, not digit for digit)
    """
    z = _standardise(_values(y, w, "y"), "y")
    return _run([_moran_part(z, z, original(w))], permutations, seed, n_jobs, progress, cancel, draws)[0]


def local_moran_bv(x, y, w: W, *, permutations: int = 999, seed: int = 12345, n_jobs: int = 1,
                   progress: ProgressCb = None, cancel: CancelCb = None, draws: str = "esda") -> LocalResult:
    """Bivariate local Moran: ``x`` at the site against the lag of ``y``, as
    ``esda.Moran_Local_BV(x, y, w, transformation="r", ...)``. Parameters as :func:`local_moran`;
    ``draws`` "esda" or "fast". The stable draws are
    :func:`hotspots.stats.local_stable.stable_bivariate`, which builds on this module (so this
    module never imports it: no import cycle)."""
    if draws not in ("esda", "fast"):
        raise ValueError(f"local_moran_bv: draws={draws!r}; stable draws are stats.local_stable.stable_bivariate")
    x, y = _values(x, w, "x"), _values(y, w, "y")
    part = _moran_part(_standardise(x, "x"), _standardise(y, "y"), original(w))
    return _run([part], permutations, seed, n_jobs, progress, cancel, draws)[0]


def local_moran_rate(events, base, w: W, *, permutations: int = 999, seed: int = 12345,
                     n_jobs: int = 1, progress: ProgressCb = None,
                     cancel: CancelCb = None, draws: str = "esda") -> LocalResult:
    """Local Moran of the empirical-Bayes standardised rate ``events / base`` (Assunção and
    Reis 1999), as ``esda.Moran_Local_Rate(events, base, w, ...)``: small populations no
    longer produce the most extreme rates. Parameters as :func:`local_moran`."""
    from esda.smoothing import assuncao_rate

    e, b = _values(events, w, "events"), _values(base, w, "base")
    if (b <= 0).any():
        raise ValueError(f"base (population) must be positive; {int((b <= 0).sum())} areas are not")
    return local_moran(assuncao_rate(e, b), w, permutations=permutations, seed=seed,
                       n_jobs=n_jobs, progress=progress, cancel=cancel, draws=draws)


def local_gstar(y, w: W, *, permutations: int = 999, seed: int = 12345, n_jobs: int = 1,
                progress: ProgressCb = None, cancel: CancelCb = None, draws: str = "esda") -> LocalResult:
    """Getis-Ord Gi* (Getis and Ord 1992; Ord and Getis 1995), as ``esda.G_Local(y, w,
    transform="R", star=True, permutations=, seed=, n_jobs=1)``: the site itself counts as
    its own neighbour and is held fixed. ``z`` is esda's analytic ``Zs``; ``p_sim`` is
    float64 where esda stores float32. Parameters as :func:`local_moran`."""
    part = _gstar_part(_values(y, w, "y"), original(w))
    return _run([part], permutations, seed, n_jobs, progress, cancel, draws)[0]


def local_moran_and_gstar(y, w: W, *, permutations: int = 999, seed: int = 12345,
                          n_jobs: int = 1, progress: ProgressCb = None,
                          cancel: CancelCb = None, draws: str = "esda") -> tuple[LocalResult, LocalResult]:
    """:func:`local_moran` and :func:`local_gstar` of the same ``y`` in one pass: one draw,
    one sweep (esda uses the same draws for both when given the same seed)."""
    y = _values(y, w, "y")
    z, a = _standardise(y, "y"), original(w)
    lisa, gi = _run([_moran_part(z, z, a), _gstar_part(y, a)], permutations, seed, n_jobs,
                    progress, cancel, draws)
    return lisa, gi
