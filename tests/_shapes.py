"""Test helper: rough LSOA-like polygons (noisy circles on a grid), for the map and briefing
geometry tests."""

from __future__ import annotations

import numpy as np
import shapely


def noisy_circles(n: int, *, origin: tuple[float, float], step: float, per_row: int, radius: float,
                  noise: float, vertices: int, seed: int) -> list:
    """``n`` polygons of ``vertices`` points, ``radius`` metres round with ``noise`` metres of jitter,
    ``per_row`` to a row, ``step`` metres apart from ``origin`` (EPSG:27700)."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        x, y = origin[0] + (k % per_row) * step, origin[1] + (k // per_row) * step
        ring = [(x + radius * np.cos(a) + rng.normal(0, noise), y + radius * np.sin(a) + rng.normal(0, noise))
                for a in np.linspace(0, 2 * np.pi, vertices, endpoint=False)]
        out.append(shapely.Polygon(ring))
    return out
