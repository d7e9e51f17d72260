"""Benjamini-Hochberg false discovery rate (Benjamini and Hochberg 1995), and what it asks of a
permutation test.

With thousands of areas tested at once, ``alpha`` per area lets through alpha x n false
alarms; BH controls the expected share of false discoveries instead. It rejects the ``r``
smallest p-values when ``p_(r) <= r alpha / n``, so the first rejection needs ``p_(1) <= alpha
/ n``. A pseudo p-value from ``P`` permutations is never below ``2 / (P + 1)`` (two-sided), so
with too few permutations BH cannot reject anything however strong the clustering:
:func:`fdr_min_permutations` is the number that makes ``2 / (P + 1) <= alpha / n``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["fdr_min_permutations", "fdr_nothing_rejected", "fdr_threshold"]


def fdr_threshold(p: np.ndarray, alpha: float) -> float:
    """Benjamini-Hochberg cut-off: p-values <= this are significant at FDR ``alpha`` (0 if none).

    The same rejections as ``scipy.stats.false_discovery_control(p) <= alpha``."""
    p = np.sort(np.asarray(p, float))
    n = len(p)
    if not n:
        return 0.0
    ok = p <= alpha * np.arange(1, n + 1) / n
    return float(p[np.flatnonzero(ok).max()]) if ok.any() else 0.0


def fdr_min_permutations(n: int, alpha: float, *, sides: int = 2) -> int:
    """Fewest permutations with which BH over ``n`` tests at ``alpha`` can reject anything.

    The smallest pseudo p-value is ``sides / (P + 1)``; it must reach ``alpha / n``."""
    p = max(1, math.ceil(sides * n / alpha - 1e-9) - 1)
    while sides / (p + 1.0) > alpha * 1 / n:  # as fdr_threshold compares, to the last bit
        p += 1
    return p


def fdr_nothing_rejected(p: np.ndarray, alpha: float, what: str, floor: float | None = None) -> str | None:
    """The one-line warning for a BH step that rejected nothing, or None when it rejected some.

    ``floor`` is the smallest p-value the permutations could give, named when it is the reason."""
    p = np.asarray(p, float)
    if fdr_threshold(p, alpha) > 0 or not len(p):
        return None
    need = alpha / len(p)
    why = (f"; with these permutations no p-value can go below {floor:.2g}"
           if floor is not None and floor > need else "")
    return (f"--fdr: Benjamini-Hochberg at {alpha:g} found no significant {what} among {len(p):,} areas "
            f"(smallest p {p.min():.2g}; the first discovery needs p <= {need:.2g}{why})")
