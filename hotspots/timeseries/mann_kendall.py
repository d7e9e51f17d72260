"""Mann-Kendall trend test and Sen's slope for many series at once.

The Mann-Kendall test (Mann 1945; Kendall 1975) asks whether a series tends to rise or fall
without assuming the change is linear or the noise normal: ``S`` sums the signs of every
later-minus-earlier difference. Under "no trend" ``S`` has mean 0 and, with ties (monthly
crime counts tie a lot), variance

    Var(S) = [n(n-1)(2n+5) - sum_g t_g(t_g-1)(2t_g+5)] / 18

over the groups ``g`` of tied values of size ``t_g``. The normal score uses the continuity
correction ``z = (S - sign(S)) / sqrt(Var(S))`` and the p-value is two-sided. This is
pymannkendall's ``original_test`` (Hussain and Mahmud 2019), which the tests pin us to; we
compute it for thousands of series in one vectorised pass (one LSOA or one grid cell per row)
because pymannkendall loops in Python and imports scipy.stats (about a second on a cold start).

Sen's slope (Sen 1968) is the median of the pairwise slopes ``(x_j - x_i) / (j - i)``: a
robust rate of change in units per step, with pymannkendall's intercept
``median(x) - median(t) * slope``.

Series must be complete (no NaN): the space-time cube fills empty months with zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._normal import two_sided_p

__all__ = ["MannKendall", "mann_kendall", "sens_slope", "tie_correction"]

#: pairwise differences held at once (rows x pairs), to bound memory for big unit sets
_CHUNK = 2_000_000


@dataclass(frozen=True)
class MannKendall:
    """Mann-Kendall statistics, one entry per series (row of the input).

    Attributes
    ----------
    s : Mann-Kendall S (sum of the signs of all later-minus-earlier differences).
    var_s : its tie-corrected variance under "no trend".
    z : continuity-corrected normal score of ``S`` (``mk_z``).
    p : two-sided normal p-value of ``z`` (``mk_p``).
    tau : Kendall's tau, ``S / (n(n-1)/2)``.
    slope : Sen's slope, units per time step.
    intercept : Sen's intercept (value of the line at step 0).
    n : series length (time steps).
    """

    s: np.ndarray
    var_s: np.ndarray
    z: np.ndarray
    p: np.ndarray
    tau: np.ndarray
    slope: np.ndarray
    intercept: np.ndarray
    n: int

    def trend(self, alpha: float = 0.05) -> np.ndarray:
        """``"increasing"``, ``"decreasing"`` or ``"no trend"`` at two-sided level ``alpha``."""
        out = np.full(len(self.s), "no trend", dtype=object)
        sig = self.p <= alpha
        out[sig & (self.s > 0)] = "increasing"
        out[sig & (self.s < 0)] = "decreasing"
        return out


def _as_rows(x: np.ndarray) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError("series must be a 1-D array or a 2-D array of rows")
    if np.isnan(a).any():
        raise ValueError("series hold NaN: fill missing steps (the cube fills empty months with 0)")
    return a


def tie_correction(x: np.ndarray) -> np.ndarray:
    """``sum_g t_g(t_g-1)(2t_g+5)`` over the groups of equal values of each row."""
    a = np.sort(_as_rows(x), axis=1)
    m, n = a.shape
    if n == 0:
        return np.zeros(m)
    starts = np.ones((m, n), dtype=bool)
    starts[:, 1:] = a[:, 1:] != a[:, :-1]
    gid = np.cumsum(starts, axis=1) - 1  # group number within the row
    offset = np.arange(m)[:, None] * n
    t = np.bincount((gid + offset).ravel(), minlength=m * n).astype(np.float64)
    per_group = t * (t - 1) * (2 * t + 5)
    return per_group.reshape(m, n).sum(axis=1)


def _pairs(n: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.triu_indices(n, 1)
    return i, j


def _chunks(m: int, pairs: int):
    step = max(1, _CHUNK // max(pairs, 1))
    for a in range(0, m, step):
        yield slice(a, min(m, a + step))


def sens_slope(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sen's slope and intercept of each row (units per step; intercept at step 0)."""
    a = _as_rows(x)
    m, n = a.shape
    slope = np.zeros(m)
    if n >= 2:
        i, j = _pairs(n)
        dt = (j - i).astype(np.float64)
        for sl in _chunks(m, len(i)):
            slope[sl] = np.median((a[sl][:, j] - a[sl][:, i]) / dt, axis=1)
    intercept = np.median(a, axis=1) - np.median(np.arange(n)) * slope if n else np.zeros(m)
    return slope, intercept


def mann_kendall(x: np.ndarray) -> MannKendall:
    """Mann-Kendall S, tie-corrected variance, z, two-sided p, tau and Sen's slope per row.

    Parameters
    ----------
    x : array (n_series, n_steps) or (n_steps,)
        Complete series in time order, one per row.

    Returns
    -------
    MannKendall
        Arrays of length ``n_series``. A series with fewer than 3 steps, or all values tied,
        has ``z = 0`` and ``p = 1`` (nothing to test).
    """
    a = _as_rows(x)
    m, n = a.shape
    s = np.zeros(m)
    slope = np.zeros(m)
    if n >= 2:
        i, j = _pairs(n)
        dt = (j - i).astype(np.float64)
        for sl in _chunks(m, len(i)):
            d = a[sl][:, j] - a[sl][:, i]
            s[sl] = np.sign(d).sum(axis=1)
            slope[sl] = np.median(d / dt, axis=1)
    intercept = np.median(a, axis=1) - np.median(np.arange(n)) * slope if n else np.zeros(m)
    var_s = (n * (n - 1) * (2 * n + 5) - tie_correction(a)) / 18.0
    z = np.zeros(m)
    ok = (var_s > 0) & (n >= 3)
    z[ok] = (s[ok] - np.sign(s[ok])) / np.sqrt(var_s[ok])
    p = np.ones(m)
    p[ok] = two_sided_p(z[ok])
    pairs = n * (n - 1) / 2.0
    tau = s / pairs if pairs else np.zeros(m)
    return MannKendall(s=s, var_s=var_s, z=z, p=p, tau=tau, slope=slope, intercept=intercept, n=n)
