"""Benjamini-Hochberg false discovery rate (Benjamini and Hochberg 1995).

With thousands of areas tested at once, ``alpha`` per area lets through alpha x n false
alarms; BH controls the expected share of false discoveries instead.
"""

from __future__ import annotations

import numpy as np

__all__ = ["fdr_threshold"]


def fdr_threshold(p: np.ndarray, alpha: float) -> float:
    """Benjamini-Hochberg cut-off: p-values <= this are significant at FDR ``alpha`` (0 if none)."""
    p = np.sort(np.asarray(p, float))
    n = len(p)
    ok = p <= alpha * np.arange(1, n + 1) / n
    return float(p[np.flatnonzero(ok).max()]) if ok.any() else 0.0


