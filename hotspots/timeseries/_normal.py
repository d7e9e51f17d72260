"""Normal tail probabilities in NumPy, without importing scipy.special (about 0.3 s cold).

``erfc`` uses the Chebyshev fit of Press et al. (*Numerical Recipes*, 2nd ed., 6.2), whose
fractional error is below 1.2e-7 everywhere: far finer than any significance cut-off needs.
The tests pin it to :func:`math.erfc`.
"""

from __future__ import annotations

import numpy as np

__all__ = ["erfc", "two_sided_p", "upper_p"]

_C = (-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398,
      1.48851587, -0.82215223, 0.17087277)


def erfc(x: np.ndarray) -> np.ndarray:
    """Complementary error function, elementwise."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * ax)
    poly = np.zeros_like(t)
    for c in reversed(_C[1:]):
        poly = (poly + c) * t
    with np.errstate(under="ignore"):
        ans = t * np.exp(-ax * ax + _C[0] + poly)
    return np.where(x >= 0, ans, 2.0 - ans)


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """``P(|Z| >= |z|)`` for a standard normal ``Z``."""
    return erfc(np.abs(np.asarray(z, dtype=np.float64)) / np.sqrt(2.0))


def upper_p(z: np.ndarray) -> np.ndarray:
    """``P(Z >= z)`` for a standard normal ``Z``."""
    return 0.5 * erfc(np.asarray(z, dtype=np.float64) / np.sqrt(2.0))
