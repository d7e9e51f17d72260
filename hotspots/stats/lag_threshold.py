"""Exact per-site thresholds on the neighbour lag for esda's conditional-permutation counts.

Split from :mod:`hotspots.stats.permutation` (its only user). esda counts ``#sim >= observed``
with the simulated statistic computed in a fixed order of float operations; the statistic is
a monotone function of the lag, so one threshold per site on the lag gives the same count, to
the last bit, as evaluating every simulated statistic.
"""

from __future__ import annotations

import numpy as np

__all__ = ["lag_thresholds"]

_TOP = np.uint64(1 << 63)


def _to_key(x: np.ndarray) -> np.ndarray:
    b = np.ascontiguousarray(x, dtype=np.float64).view(np.uint64)
    return np.where(b & _TOP, ~b, b | _TOP)


def _from_key(u: np.ndarray) -> np.ndarray:
    return np.where(u & _TOP, u & ~_TOP, ~u).view(np.float64)


def lag_thresholds(spec) -> tuple[np.ndarray, np.ndarray]:
    """Per site, orientation ``o`` (+1/-1) and threshold ``t`` with: sim(lag) >= observed
    exactly when ``o * lag >= t``. Exact in floating point: the statistic is a monotone
    function of the lag (each rounded step is), so we bisect on the ordered float grid,
    starting from a bracket of 2 x 32 floats around the algebraic solution."""
    slope, guess = spec.slope_and_guess()
    o = np.where(slope < 0, -1.0, 1.0)
    big = np.finfo(np.float64).max
    klo, khi, pad = _to_key(np.array([-big]))[0], _to_key(np.array([big]))[0], np.uint64(32)

    def ok(key, sel):  # non-decreasing in the key for every site
        return spec.sims(o[sel] * _from_key(key), sel) >= spec.observed[sel]

    k0 = _to_key(np.clip(np.nan_to_num(o * guess), -big, big))
    lo, hi = np.maximum(k0, klo + pad) - pad, np.minimum(k0, khi - pad) + pad
    every = np.arange(len(o))
    lo_ok, hi_ok = ok(lo, every), ok(hi, every)
    wide = np.flatnonzero(lo_ok | ~hi_ok)  # the guess missed (or a constant statistic)
    lo[wide], hi[wide] = klo, khi
    lo_ok[wide], hi_ok[wide] = ok(lo[wide], wide), ok(hi[wide], wide)
    t = np.where(lo_ok, -np.inf, np.inf)
    act = np.flatnonzero(~lo_ok & hi_ok)
    done = act
    while len(act):
        mid = lo[act] + (hi[act] - lo[act]) // np.uint64(2)
        m_ok = ok(mid, act)
        hi[act[m_ok]], lo[act[~m_ok]] = mid[m_ok], mid[~m_ok]
        act = act[(hi[act] - lo[act]) > np.uint64(1)]
    t[done] = _from_key(hi[done])
    return o, t
