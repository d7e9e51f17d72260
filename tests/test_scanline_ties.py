"""The scan lines' tie list names exactly the cell centres on a polygon's edge or vertex (brute
force by distance to the boundary), on random polygons drawn on the centres' own lattice."""

from __future__ import annotations

import numpy as np
import shapely

from hotspots.units.scanline import centre_runs

CELL = 150.0


def _lattice_polygons(seed: int) -> np.ndarray:
    """Polygons with vertices on cell centres and half-cells (so many centres lie on edges), a hole, a multipart."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(12):
        cx, cy = rng.integers(0, 40, 2)
        pts = []
        for ang in np.sort(rng.uniform(0, 2 * np.pi, rng.integers(3, 9))):
            r = rng.integers(2, 9)
            pts.append((cx + np.round(r * np.cos(ang) * 2) / 2, cy + np.round(r * np.sin(ang) * 2) / 2))
        p = shapely.make_valid(shapely.Polygon([((x + 0.5) * CELL, (y + 0.5) * CELL) for x, y in pts]))
        out.append(p)
    out.append(shapely.box(0.5 * CELL, 0.5 * CELL, 9.5 * CELL, 6.5 * CELL).difference(
        shapely.box(3.5 * CELL, 2.5 * CELL, 5.5 * CELL, 4.5 * CELL)))
    out.append(shapely.MultiPolygon([shapely.box(50 * CELL, 0, 53 * CELL, 3 * CELL),
                                     shapely.box(55.5 * CELL, 0.5 * CELL, 58.5 * CELL, 2.5 * CELL)]))
    return np.array(out, dtype=object)


def test_ties_are_the_centres_on_a_boundary():
    for seed in range(5):
        polys = _lattice_polygons(seed)
        _, _, _, _, tr, tc = centre_runs(polys, CELL, ties=True)
        got = set(zip(tr.tolist(), tc.tolist(), strict=True))
        cols, rows = np.meshgrid(np.arange(-15, 75), np.arange(-15, 60))
        pts = shapely.points((cols.ravel() + 0.5) * CELL, (rows.ravel() + 0.5) * CELL)
        d = np.min([shapely.distance(pts, shapely.boundary(p)) for p in polys if not p.is_empty], axis=0)
        want = set(zip(rows.ravel()[d < 1e-6].tolist(), cols.ravel()[d < 1e-6].tolist(), strict=True))
        assert got == want and len(want) > 20
