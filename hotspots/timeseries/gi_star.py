"""Space-time Getis-Ord Gi* (the statistic ArcGIS's Emerging Hot Spot Analysis runs per bin).

Each bin (unit ``i``, step ``t``) is compared with its space-time neighbourhood: the unit itself
and its spatial neighbours, at step ``t`` and at each of the ``k`` previous steps (ArcGIS's
"neighborhood time step"; sfdep's time lag ``k``). Steps before the first one do not exist,
so the first ``k`` steps have smaller neighbourhoods. With binary weights the statistic is
Ord and Getis's (1995) z-score

    Gi*_it = (sum_{j in N(i,t)} x_j - xbar * m_it) / (s * sqrt((n * m_it - m_it^2) / (n - 1)))

where ``m_it`` is the neighbourhood size and ``xbar``, ``s`` (population standard deviation)
and ``n`` describe the global window: by default the **entire cube** (every unit at every
step), which is ArcGIS Pro's default "Define Global Window" and makes a unit's z-scores
comparable across time (a constant hot spot keeps a steady z while others change).
``window="step"`` uses the bins of each step's own neighbourhood time window instead
(ArcGIS's "Neighborhood time step").

Weights are binary, as ArcGIS's contiguity and fixed-distance neighbourhoods are (scaling all
of one bin's weights by a constant leaves its z unchanged); with ``k = 0`` and one step this is
esda's ``G_Local(transform="B", star=True)`` z-score, which the tests pin. p-values are
two-sided normal p-values of the z-score, as ArcGIS reports for the hot spot bins; FDR is
applied per time step by the caller.

References: Getis and Ord (1992); Ord and Getis (1995) *Geographical Analysis* 27(4);
Esri, "How Emerging Hot Spot Analysis works" (ArcGIS Pro); Parry, sfdep ``local_g_spt``.
"""

from __future__ import annotations

import numpy as np

from ._normal import two_sided_p

__all__ = ["space_time_gi", "spatial_sum", "WINDOWS"]

WINDOWS = ("cube", "step")


def spatial_sum(values: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's value plus its neighbours' (per column), and the neighbourhood size.

    ``weights`` is a :class:`hotspots.stats.weights.Weights` (binary CSR, no self-links) or
    anything with a ``.sparse`` CSR of the same shape; a unit is its own neighbour here (Gi*).
    """
    x = np.asarray(values, dtype=np.float64)
    sp = weights.sparse
    if sp.n != x.shape[0]:
        raise ValueError(f"weights are for {sp.n} units, values for {x.shape[0]}")
    indptr, indices = np.asarray(sp.indptr), np.asarray(sp.indices)
    card = np.diff(indptr)
    rows = np.repeat(np.arange(sp.n), card)
    off = indices != rows  # the unit itself is added once below, whatever the weights hold
    card_off = np.bincount(rows[off], minlength=sp.n)
    lag = np.zeros_like(x)
    if off.any():
        # entries are grouped by row (CSR order), so each row's sum is a cumulative-sum difference
        csum = np.concatenate([np.zeros((1,) + x.shape[1:]), np.cumsum(x[indices[off]], axis=0)])
        ends = np.cumsum(card_off)
        lag = csum[ends] - csum[ends - card_off]
    return lag + x, (card_off + 1).astype(np.float64)


def space_time_gi(values: np.ndarray, weights, *, k: int = 1, window: str = "cube"
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Gi* z-score and two-sided p-value of every (unit, step) bin of a units x steps array.

    Parameters
    ----------
    values : array (n_units, n_steps), counts or harm per unit per step (a cube's matrix).
    weights : spatial weights among the units (binary; self-links are ignored).
    k : previous steps in the neighbourhood (ArcGIS "Neighborhood Time Step", default 1).
    window : global window for the mean and standard deviation: "cube" (all bins, ArcGIS
        Pro's default) or "step" (the bins of each step's neighbourhood time window).

    Returns
    -------
    z, p : arrays (n_units, n_steps). Where the window has no variance (all values equal)
        z is 0 and p is 1.
    """
    if k < 0 or int(k) != k:
        raise ValueError(f"k must be a whole number of steps >= 0, not {k}")
    if window not in WINDOWS:
        raise ValueError(f"window must be one of {WINDOWS}, not {window!r}")
    x = np.asarray(values, dtype=np.float64)
    n_units, n_steps = x.shape
    k = int(k)
    space, card = spatial_sum(x, weights)
    csum = np.concatenate([np.zeros((n_units, 1)), np.cumsum(space, axis=1)], axis=1)
    t = np.arange(n_steps)
    lo = np.maximum(t - k, 0)
    hi = t
    nb_sum = csum[:, hi + 1] - csum[:, lo]  # sum over steps lo..t of the spatial sums
    m = card[:, None] * (hi - lo + 1)[None, :]
    if window == "cube":
        n = float(x.size)
        xbar = np.full(n_steps, x.mean())
        sd = np.full(n_steps, x.std())
        n_win = np.full(n_steps, n)
    else:
        col = np.concatenate([[0.0], np.cumsum(x.sum(axis=0))])
        col2 = np.concatenate([[0.0], np.cumsum((x * x).sum(axis=0))])
        n_win = n_units * (hi - lo + 1).astype(np.float64)
        xbar = (col[hi + 1] - col[lo]) / n_win
        sd = np.sqrt(np.maximum((col2[hi + 1] - col2[lo]) / n_win - xbar * xbar, 0.0))
    var_term = (n_win[None, :] * m - m * m) / (n_win[None, :] - 1)
    denom = sd[None, :] * np.sqrt(np.maximum(var_term, 0.0))
    z = np.zeros_like(nb_sum)
    ok = denom > 0
    num = nb_sum - xbar[None, :] * m
    z[ok] = num[ok] / denom[ok]
    p = np.ones_like(z)
    p[ok] = two_sided_p(z[ok])
    return z, p
