"""Aoristic weights (Ratcliffe 2002): a crime's weight spread evenly over its possible minutes.

A burglary found on Monday morning happened some time since Friday evening; counting it at
the time it was found (or at the start) puts every such crime at the same hour. Ratcliffe's
aoristic method gives each of the span's minutes an equal share, so each crime contributes
exactly its weight (one, or its harm) to the 168 hours of the week, Monday 00:00 first.

Times are whole minutes since Monday 1969-12-29 00:00 (:mod:`hotspots.data.extract_dates`);
a span is ``[t_from, t_to)`` (``t_to`` exclusive; a crime known to the minute has
``t_to = t_from + 1`` and lands wholly in its hour). Spans over ``max_days`` (7 by default)
say nothing about the hour and are kept out of the profiles (and counted by the caller).

The share of a span falling in hour-of-week ``b`` is ``(C_b(t_to) - C_b(t_from)) / span``
with ``C_b(t)`` = the minutes of bin ``b`` in ``[0, t)`` = ``60 * (t // 10080) +
clip(t mod 10080 - 60 b, 0, 60)``: exact for any span, vectorised over a chunk of crimes at
a time (memory ``chunk x 168``), and point-in-time crimes are binned directly.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["WEEK", "HOURS", "MAX_SPAN_DAYS", "hour_of_week", "in_span", "profiles", "row_weights"]

WEEK = 7 * 24 * 60
HOURS = 168
MAX_SPAN_DAYS = 7.0
_EDGES = np.arange(HOURS, dtype=np.int64) * 60


def hour_of_week(t: np.ndarray) -> np.ndarray:
    """Hour of the week (0 = Monday 00:00-01:00) of each minute."""
    return (np.mod(np.asarray(t, np.int64), WEEK) // 60).astype(np.int64)


def in_span(t_from: np.ndarray, t_to: np.ndarray, max_days: float = MAX_SPAN_DAYS) -> np.ndarray:
    """Crimes whose span is at most ``max_days`` (the ones a time profile may use)."""
    return (np.asarray(t_to, np.int64) - np.asarray(t_from, np.int64)) <= int(round(max_days * 1440))


def _cum(t: np.ndarray) -> np.ndarray:
    """C_b(t) for each row (len(t) x 168)."""
    t = np.asarray(t, np.int64)[:, None]
    return 60 * (t // WEEK) + np.clip(np.mod(t, WEEK) - _EDGES[None, :], 0, 60)


def row_weights(t_from: np.ndarray, t_to: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Each crime's weight per hour of the week (n x 168); rows sum to the crime's weight.

    For hand checks and small sets; :func:`profiles` sums these without building all rows.
    """
    s = np.asarray(t_from, np.int64)
    e = np.maximum(np.asarray(t_to, np.int64), s + 1)
    w = np.ones(len(s)) if weights is None else np.asarray(weights, float)
    return (_cum(e) - _cum(s)) / (e - s)[:, None] * w[:, None]


def profiles(t_from: np.ndarray, t_to: np.ndarray, groups: np.ndarray | None = None, n_groups: int = 1,
             weights: np.ndarray | None = None, *, chunk: int = 20_000) -> np.ndarray:
    """Sum of the aoristic weights per group and hour of the week (n_groups x 168).

    ``groups`` gives each crime's group (0..n_groups-1; negative = in none); None puts every
    crime in group 0. Crimes are expected to be filtered for :func:`in_span` by the caller.
    """
    s = np.asarray(t_from, np.int64)
    e = np.maximum(np.asarray(t_to, np.int64), s + 1)
    n = len(s)
    g = np.zeros(n, np.int64) if groups is None else np.asarray(groups, np.int64)
    w = np.ones(n) if weights is None else np.asarray(weights, float)
    out = np.zeros((n_groups, HOURS))
    use = g >= 0
    point = use & (e - s == 1)
    if point.any():  # known to the minute: straight into its hour
        flat = g[point] * HOURS + hour_of_week(s[point])
        out += np.bincount(flat, weights=w[point], minlength=n_groups * HOURS).reshape(n_groups, HOURS)
    idx = np.flatnonzero(use & ~point)
    for k in range(0, len(idx), chunk):
        part = idx[k:k + chunk]
        rows = (_cum(e[part]) - _cum(s[part])) / (e[part] - s[part])[:, None]
        onehot = sparse.csr_matrix((w[part], (g[part], np.arange(len(part)))), shape=(n_groups, len(part)))
        out += onehot @ rows
    return out
