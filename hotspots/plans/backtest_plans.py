"""The zone plans a backtest scores, built exactly as an analysis builds them.

``patrol_zones`` are the cell groups of :mod:`hotspots.plans.cell_zones` on the training months'
ranked cells; ``lsoa_zones`` are the LSOA LISA/Gi* clusters (:mod:`hotspots.plans.zones`), kept as the
statistical map they are, scored beside the plan that replaced them.
"""

from __future__ import annotations

import numpy as np

from .cell_zones import cell_zone_groups
from .patrol_zones import zone_rule_of

__all__ = ["patrol_zone_cells", "lsoa_cluster_units"]


def patrol_zone_cells(spots, settings) -> list[np.ndarray]:  # noqa: ANN001 - SpotsResult, Settings
    """Packed cell keys of each patrol zone (zone 1 first) of a spots result's ranked cells."""
    if spots is None or spots.cells is None or len(spots.value) == 0:
        return []
    g = spots.grid
    groups = cell_zone_groups(g.col, g.row, g.key, spots.zone_ranking(), float(g.cell), zone_rule_of(settings))
    return [g.key[c] for c in groups]


def lsoa_cluster_units(analysis) -> list[np.ndarray]:  # noqa: ANN001 - an Analysis
    """LSOA rows of each LSOA cluster, cluster 1 first (``Analysis.lsoa_clusters``)."""
    clusters = getattr(analysis, "lsoa_clusters", None)
    if clusters is None:
        return []
    z = np.asarray(clusters.zone_of)
    return [np.flatnonzero(z == r) for r in sorted(int(v) for v in np.unique(z[z > 0]))]
