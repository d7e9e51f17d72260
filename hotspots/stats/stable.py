"""Order- and seed-stable conditional permutation: one random stream per (seed, area code),
spent sequentially where a p-value is still close to a cut-off.

Why. esda draws one table of random neighbour ids and gives it to every site, so one seed's
luck moves the whole map together, and site ``i``'s draws depend on its row number, so the
same boundaries in another row order give another map. Here every site has its own stream,
keyed by a hash of ``(seed, area code)``, and the ids it draws index the areas sorted by code:
reordering the rows changes nothing, and Monte Carlo errors of different sites are independent
(they average out in counts such as "how many HH").

The stream. Draw ``p`` of site ``i`` (``p = 0, 1, ...``) is a uniformly random ``k``-subset of
the ``n - 1`` other areas (Floyd's algorithm: every subset equally likely), built from the
counter-based generator ``u = mix(row_key + (j + 1) * golden)`` with ``row_key =
mix(site_key ^ mix((p + 1) * golden))``; ``mix`` is SplitMix64's finaliser (Steele, Lea and Flood
2014) and ``site_key`` the first 8 bytes of BLAKE2b of ``"seed\\x1fcode"``. Draw ``p`` of a site
is the same however many draws are taken and whatever happens elsewhere. Ids ``0 .. n - 2`` stand
for the other areas, the site's own id standing for area ``n - 1``.

The test. With binary weights (row-standardised or not) Local Moran's I and Gi* of site ``i``
are monotone functions of the sum of the values on its ``k`` neighbours (the site itself is held
fixed: conditional randomisation, Anselin 1995), so the kernel compares simulated neighbour
sums with the observed one. Ties (common with integer counts) count in **both** tails:
``p_directed = (min(#sim >= obs, #sim <= obs) + 1) / (P + 1)``, "at least as extreme" on either
side; a site whose every draw ties (an island, a Moran site exactly at the mean) gets 1. The
two-sided ``p = min(1, 2 p_directed)``.

Sequential Monte Carlo. Every site gets ``base`` draws; a site whose two-sided p-value lies
within ``z`` Monte Carlo standard errors of any cut-off ``c`` (``se = 2 sqrt(c/2 (1 - c/2) / (P +
1))``) gets more, in doubling batches, up to ``max_permutations``. That is the sequential idea of
Besag and Clifford (1991) turned towards Gandy's (2009) goal: bounding the chance that a
decision (significant or not) would come out differently with other random numbers. The
p-value of each site stays the plain ``(m + 1) / (P + 1)`` over the draws it got.
"""

from __future__ import annotations

__all__ = ["SequentialResult", "neighbour_sums", "sequential_counts", "site_keys"]

import hashlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..progress import Cancelled
from .csr import CSR

_M = (1 << 64) - 1
_GOLD = 0x9E3779B97F4A7C15
_C1, _C2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S27, _S30, _S31, _S32 = np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(32)
_LOW = np.uint64(0xFFFFFFFF)
#: rows (site x draw) per chunk: the arrays of one chunk stay in cache (4x faster than one pass)
_CHUNK = 65536

NearFn = Callable[["SequentialResult"], np.ndarray]


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function, in place on a uint64 array (returns it)."""
    z ^= z >> _S30
    z *= _C1
    z ^= z >> _S27
    z *= _C2
    z ^= z >> _S31
    return z


def site_keys(codes: Sequence, seed: int) -> np.ndarray:
    """One 64-bit stream key per area: BLAKE2b of ``"hotspots-stable-1\\x1fseed\\x1fcode"``.

    Depends on the seed and the code only, never on the row the area sits in."""
    prefix = f"hotspots-stable-1\x1f{int(seed)}\x1f".encode()
    return np.array([int.from_bytes(hashlib.blake2b(prefix + str(c).encode(), digest_size=8).digest(), "little")
                     for c in codes], dtype=np.uint64)


class _Draws:
    """The draws ``p0 .. p0 + count - 1`` of ``sites`` (all with ``k`` neighbours), in chunks."""

    def __init__(self, n: int, sites: np.ndarray, k: int, keys: np.ndarray, p0: int, count: int) -> None:
        self.n, self.sites, self.k, self.keys, self.count = n, sites, k, keys, count
        perm = np.arange(p0 + 1, p0 + count + 1, dtype=np.uint64)
        self.pkey = _mix(perm * np.uint64(_GOLD))
        self.steps = [np.uint64(((j + 1) * _GOLD) & _M) for j in range((k + 1) // 2)]
        per = max(1, _CHUNK // max(count, 1))
        pcut = min(count, _CHUNK)
        self.tasks = [(a, min(a + per, len(sites)), q0, min(q0 + pcut, count))
                      for a in range(0, len(sites), per) for q0 in range(0, count, pcut)]

    def sums(self, ys: list[np.ndarray], task: tuple[int, int, int, int]) -> list[np.ndarray]:
        """Neighbour sums of each ``ys[t]`` for one chunk, shaped (sites, draws)."""
        a, b, q0, q1 = task
        k, big = self.k, self.n - 1  # ids 0 .. n - 2 stand for the other areas: id i means area n - 1
        rkey = _mix(self.keys[a:b, None] ^ self.pkey[None, q0:q1]).ravel()
        me = np.repeat(self.sites[a:b], q1 - q0)
        r = np.empty((k, len(rkey)), dtype=np.int64)
        acc = [np.zeros(len(rkey)) for _ in ys]
        for j in range(k):
            if j % 2 == 0:  # one 64-bit hash gives two 32-bit uniforms
                u = _mix(rkey + self.steps[j // 2])
                half = u >> _S32
            else:
                half = u & _LOW
            top = big - k + j  # Floyd: draw from 0..top; a repeat takes top itself
            half *= np.uint64(top + 1)
            half >>= _S32
            rj = half.view(np.int64)  # < 2^32: the same bits
            if j:
                dup = r[0] == rj
                for q in range(1, j):
                    dup |= r[q] == rj
                np.copyto(rj, top, where=dup)
            r[j] = rj
            np.copyto(rj, big, where=rj == me)
            for t, y in enumerate(ys):
                acc[t] += y[rj]
        return [x.reshape(b - a, q1 - q0) for x in acc]


def neighbour_sums(ys: list[np.ndarray], sites: np.ndarray, k: int, keys: np.ndarray,
                   p0: int, count: int) -> np.ndarray:
    """Sums of ``ys[t]`` over draws ``p0 .. p0 + count - 1`` of each site's random neighbours.

    Parameters
    ----------
    ys : values per area in canonical (code) order; all are gathered with the same draws
    sites : canonical positions of the sites (all with ``k`` neighbours)
    keys : their stream keys (:func:`site_keys`, same order as ``sites``)

    Returns
    -------
    array (len(ys), len(sites), count)
    """
    d = _Draws(len(ys[0]), sites, k, keys, p0, count)
    out = np.zeros((len(ys), len(sites), count))
    for task in d.tasks:
        a, b, q0, q1 = task
        for t, x in enumerate(d.sums(ys, task)):
            out[t, a:b, q0:q1] = x
    return out


@dataclass
class SequentialResult:
    """Per-site tail counts and draws, canonical order.

    Attributes
    ----------
    ge, le : per test, ``#sim >= obs`` and ``#sim <= obs`` (ties in both)
    perms : draws each site got
    rounds : (total draws, sites drawn) per round, for the record
    """

    ge: list[np.ndarray]
    le: list[np.ndarray]
    perms: np.ndarray
    rounds: list[tuple[int, int]]

    def p_directed(self, t: int) -> np.ndarray:
        return (np.minimum(self.ge[t], self.le[t]) + 1.0) / (self.perms + 1.0)

    def p_two_sided(self, t: int) -> np.ndarray:
        return np.minimum(1.0, 2.0 * self.p_directed(t))


def schedule(base: int, max_permutations: int, first: int | None = None) -> list[int]:
    """Cumulative draws per round: ``first`` (if smaller), ``base``, then doubling to the max."""
    totals = [int(first)] if first is not None and first < base else []
    totals.append(int(base))
    while totals[-1] < max_permutations:
        totals.append(min(int(max_permutations), 2 * (totals[-1] + 1) - 1))
    return totals


def _tolerance(y: np.ndarray, k: np.ndarray) -> np.ndarray:
    """0 for integer values (their sums are exact); else a few ulps of a k-term sum."""
    if np.all(y == np.round(y)) and np.abs(y).sum() < 2.0**52:
        return np.zeros(len(k))
    return 16.0 * np.finfo(float).eps * np.maximum(k, 1) * np.abs(y).max()


def sequential_counts(ys: list[np.ndarray], off: CSR, keys: np.ndarray, *, base: int = 999,
                      max_permutations: int = 9_999, first: int | None = None, near: NearFn | None = None,
                      n_jobs: int = 1, progress: Callable[[float], None] | None = None,
                      cancel: Callable[[], bool] | None = None) -> SequentialResult:
    """Tail counts of every site's neighbour sum, drawing more where ``near`` says so.

    Parameters
    ----------
    ys : per test, values in canonical order (the kernel compares neighbour sums of each)
    off : binary neighbour structure in canonical order, no self pairs
    keys : :func:`site_keys` in canonical order
    base : draws every site gets that ``near`` does not let go after ``first``
    max_permutations : most draws any site gets
    first : a first, smaller round (Besag and Clifford's early stop for clearly
        non-significant sites); ``near`` is asked after it too
    near : ``near(result so far) -> bool mask`` of the sites that need more draws
    n_jobs : threads for a large round (NumPy releases the GIL in its loops); the answer is
        the same for any number
    """
    n = len(ys[0])
    card = np.diff(off.indptr)
    rows = off.rows()
    obs = [np.bincount(rows, weights=y[off.indices], minlength=n) for y in ys]
    tol = [_tolerance(y, card) for y in ys]
    ge = [np.zeros(n, np.int64) for _ in ys]
    le = [np.zeros(n, np.int64) for _ in ys]
    perms = np.zeros(n, np.int64)
    res = SequentialResult(ge, le, perms, [])
    totals = schedule(base, max(base, max_permutations), first)
    active = np.flatnonzero(card > 0)
    isl = card == 0  # no neighbours: every draw ties
    for t in range(len(ys)):
        ge[t][isl] = le[t][isl] = totals[0]
    perms[isl] = totals[0]
    done, work = 0, max(1.0, 1.3 * float(card.sum()) * base)  # progress: the base round and a typical tail
    for r, total in enumerate(totals):
        if r and near is not None:
            want = near(res)
            active = active[want[active]]
        elif r:
            active = active[:0]
        if not len(active):
            break
        p0 = int(perms[active[0]])
        count = total - p0
        res.rounds.append((total, len(active)))
        jobs = []
        for k in np.unique(card[active]):
            s = active[card[active] == k]
            d = _Draws(n, s, int(k), keys[s], p0, count)
            jobs += [(d, task) for task in d.tasks]

        def run(job):
            d, (a, b, _, _) = job
            part = d.sites[a:b]
            out = []
            for t, x in enumerate(d.sums(ys, job[1])):
                o, e = obs[t][part][:, None], tol[t][part][:, None]
                out.append((part, (x >= o - e).sum(1), (x <= o + e).sum(1)))
            return job, out

        rows_k = sum(len(d.sites[a:b]) * (q1 - q0) * d.k for d, (a, b, q0, q1) in jobs)
        pool = ThreadPoolExecutor(n_jobs) if n_jobs > 1 and rows_k >= 2_000_000 else None
        try:
            for job, out in (pool.map(run, jobs) if pool else map(run, jobs)):
                for t, (part, g, lo) in enumerate(out):
                    ge[t][part] += g
                    le[t][part] += lo
                d, (a, b, q0, q1) = job
                done += d.k * (b - a) * (q1 - q0)
                if progress is not None:
                    progress(min(0.98, done / work))
                if cancel is not None:
                    if cancel():
                        raise Cancelled()
                    time.sleep(0)  # let a GUI thread waiting for the GIL have a turn
        finally:
            if pool:
                pool.shutdown(wait=True, cancel_futures=True)
        perms[active] = total
    if progress is not None:
        progress(1.0)
    return res
