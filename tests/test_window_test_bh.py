"""The cell test's FDR cut-off, taken over the distinct (window size, window sum) blocks, equals
Benjamini-Hochberg over every grid cell one by one."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from hotspots.stats.cell_stats import bh_threshold
from hotspots.stats.window_test import cell_window_test
from hotspots.units.grid import build_grid


def test_cut_off_equals_bh_over_every_cell():
    b = gpd.GeoDataFrame({"lsoa_code": ["A"], "lsoa_name": ["a"]}, geometry=[shapely.box(0, 0, 9000, 9000)], crs=27700)
    passed = 0
    for seed in range(6):
        rng = np.random.default_rng(seed)
        hot = rng.uniform(1000, 8000, (4, 2))
        pts = np.concatenate([rng.uniform(0, 9000, (3000, 2))] + [h + rng.normal(0, 120, (400, 2)) for h in hot])
        g, pos = build_grid(b, pts[:, 0], pts[:, 1], 150.0)
        counts = np.bincount(pos, minlength=len(g)).astype(float)
        for values in (counts, counts * rng.uniform(0.5, 3.0, len(g))):  # counts, and harm-like fractions
            for alpha in (0.001, 0.05, 0.3):
                t = cell_window_test(g, values, alpha=alpha)
                inside = np.asarray(g.in_grid, bool)
                n_empty = g.n_cells - int(inside.sum())
                want = bh_threshold(np.append(t.p[inside], 1.0), alpha,
                                    np.append(np.ones(int(inside.sum()), np.int64), n_empty))
                assert t.threshold == want
                passed += want > 0
    assert passed > 10
