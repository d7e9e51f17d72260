"""The one place that decides whether a cell holds a number worth printing."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["finite"]


def finite(x: Any) -> float | None:
    """``x`` as a float, or None when it is missing, not a number, NaN or infinite.

    Exports print None as '-': a blank IMD decile or a PAI over a zero area must not read as 0."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None
