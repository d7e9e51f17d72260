"""Grouping ranked cells into patrol spots: compact groups a 15-minute foot visit can cover.

The rule (see :mod:`hotspots.plans.spots`, step 2): cells are taken best first; a cell joins an
adjacent (queen) spot that stays within :data:`SPOT_MAX_CELLS` cells inside a
:data:`SPOT_MAX_EXTENT_M` square when it holds at least :data:`SPOT_MIN_SHARE` of the spot's
first cell; a weaker neighbour is the spot's halo and is skipped, so one busy place does not
become several spots; any other cell starts a spot.
"""

from __future__ import annotations

import numpy as np

from ..units.grid import CellGrid

__all__ = ["group_cells", "SPOT_MAX_CELLS", "SPOT_MAX_EXTENT_M", "SPOT_MIN_SHARE"]

SPOT_MAX_CELLS = 4
SPOT_MAX_EXTENT_M = 300.0
#: a cell joins a spot (or, next to one, starts its own) only with this share of the spot's first cell
SPOT_MIN_SHARE = 0.25


def group_cells(grid: CellGrid, order: np.ndarray, n_spots: int, *, values: np.ndarray | None = None,
                max_cells: int = SPOT_MAX_CELLS, max_extent: float = SPOT_MAX_EXTENT_M,
                min_share: float = SPOT_MIN_SHARE) -> list[np.ndarray]:
    """Group cells, taken in ``order`` (best first), into at most ``n_spots`` compact spots.

    A cell joins the first-made adjacent (queen) spot that stays within ``max_cells`` cells and
    a ``max_extent`` square, if its value is at least ``min_share`` of that spot's first cell;
    a cell next to a spot whose first cell it does not reach that share of is the spot's halo
    and is skipped; any other cell starts a spot, and the cell that would start spot
    ``n_spots + 1`` ends the plan. Returns the positions of each spot's cells.
    """
    span = max(int(np.floor(max_extent / grid.cell + 1e-9)), 1)  # cells a spot may span per axis
    owner: dict[tuple[int, int], int] = {}
    spots: list[list[int]] = []
    seeds: list[float] = []
    boxes: list[list[int]] = []  # [cmin, cmax, rmin, rmax]
    val = np.ones(len(grid)) if values is None else np.asarray(values, float)
    for p in np.asarray(order, np.int64):
        c, r = int(grid.col[p]), int(grid.row[p])
        near = sorted({owner[(c + dc, r + dr)] for dc in (-1, 0, 1) for dr in (-1, 0, 1)
                       if (c + dc, r + dr) in owner})
        joined = False
        for s in near:
            b = boxes[s]
            nb = [min(b[0], c), max(b[1], c), min(b[2], r), max(b[3], r)]
            if (len(spots[s]) < max_cells and nb[1] - nb[0] < span and nb[3] - nb[2] < span
                    and val[p] >= min_share * seeds[s]):
                spots[s].append(int(p))
                boxes[s] = nb
                owner[(c, r)] = s
                joined = True
                break
        if joined:
            continue
        if near and val[p] < min_share * max(seeds[s] for s in near):
            continue  # the halo of a busier spot next to it, not a place of its own
        if len(spots) >= n_spots:
            break
        owner[(c, r)] = len(spots)
        spots.append([int(p)])
        seeds.append(float(val[p]))
        boxes.append([c, c, r, r])
    return [np.array(s, dtype=np.int64) for s in spots]
