"""The values a local statistic is given, checked and standardised as esda does.

Shared by the permutation kernel (:mod:`hotspots.stats.permutation`) and the stable draws
(:mod:`hotspots.stats.local_stable`), so each says the same thing about a bad input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["checked", "standardise"]


def checked(v, w: Any, what: str) -> np.ndarray:
    """``v`` as float64, one finite value per area of ``w`` (at least 3); ``what`` names it."""
    v = np.asarray(v, dtype=np.float64).ravel()
    if len(v) != w.n:
        raise ValueError(f"{what} has {len(v)} values but the weights have {w.n} areas")
    if len(v) < 3:
        raise ValueError("local statistics need at least 3 areas")
    if not np.isfinite(v).all():
        raise ValueError(f"{what} has missing or infinite values")
    return v


def standardise(v: np.ndarray, what: str) -> np.ndarray:
    """``(v - mean) / sd`` (population sd, esda's order); an error when every value is the same."""
    sd = v.std()
    if not sd > 0:
        raise ValueError(f"{what} is the same in every area: there is nothing to cluster")
    z = v - v.mean()
    z /= sd  # esda's order: centre, then divide by the population sd
    return z
