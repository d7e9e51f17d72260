"""Patrol zones from cells: compact, walkable groups of the top-ranked 150 m cells.

Measured as a plan (train January-September 2021, score October-December, Kent), zones made of
LSOA clusters captured 27% of the later crime where the 150 m cells ranked by count captured 46%
at the same area: an LSOA is 0.15-23 km², and a cluster of them pulls in quiet streets beside a
busy one. A zone is therefore built from the cells the patrol-spot stage ranked
(:meth:`hotspots.plans.spots.SpotsResult.zone_ranking`: crimes or harm without the crimes at partner
places, :mod:`hotspots.plans.partner_places`; unlike a spot, a cell a partner place dominates keeps its
other crime, because a zone is a beat walked past the premises, not a visit to their door), so at
its own area it keeps what the cells know:

1. **Candidate cells**: the cells from the highest value down that together hold ``share`` of
   the ranked measure (:data:`ZONE_SHARE_DEFAULT`); among cells of equal value (common in a few
   months' counts) those with more crime in their 3 x 3 window come first, not those further west.
2. **Walkable groups**: two candidate cells are linked when at most ``gap`` (2) other cells lie
   between them (Chebyshev distance ``gap + 1``: a 300 m gap at 150 m cells, four minutes' walk),
   and a linked set is a group.
3. **Beat-sized**: a group must fit a ``box_m`` square (2 km, a beat an officer on foot can
   cross in half an hour). A group that does not fit is split by greedy growth: from its best
   remaining cell, the best linked cell that keeps the group inside the box joins, until none
   can; then the next best remaining cell starts a new group.
4. **Worthwhile**: a group of fewer than ``min_cells`` cells is no zone of its own (a lone busy
   cell is a patrol *spot*).
5. **Ranked**: groups by their total of the measure (ties: cells, then the first cell's key);
   the best ``max_zones`` are the zones.
6. **Attached**: each candidate cell still outside every zone (a lone cell, a small group, a
   group past the last zone), best first, joins the nearest zone whose square it fits in; then
   the zones are ranked again.

Measured on Kent (train January-September 2021, score October-December; partner places left
out): at their own area (0.38% of Kent) the zones caught 0.92x what the naive 150 m cells caught
(0.916x all crime; 0.911x violence and sexual offences), 29.0% of the later crime, against 20% for
LSOAs sorted by density. The rule's parts, each measured the same way: linking across 0 or 1 empty cells
instead of 2 lost 0.5-1 point, attaching gained 1.4 points, a share of 0.30 or 0.45 lost 0.5-2
points; the cap of 40 zones costs ~2 points (60 zones: +1.8). The candidates themselves reach
0.94x: a zone cannot hold a lone busy cell far from any zone, nor a partner place's own crimes.
Rolling windows (each month of April-December 2021 from the 3 months before): 0.90x on average
(0.879x-0.916x; 0.95x with partner places kept), ahead of the LSOA density sort in every window;
breaking ties by the window's crime added 0.4 points there, and keeping the other crime of cells
partner places dominate (rather than leaving them out whole, as the spots do) took the ratio from
0.895x to 0.901x (split: 0.907x to 0.916x).

The zone's area is the union of its cells (never a hull), so the plan's area is exactly the
ground it asks a patrol to cover, and a backtest scores what the map shows.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from ..limits import ZONE_SHARE_DEFAULT, ZONES_DEFAULT, check_zone_share, check_zones

__all__ = ["ZONE_SHARE_DEFAULT", "ZONES_DEFAULT", "ZONE_BOX_M", "ZONE_GAP", "ZONE_MIN_CELLS", "ZoneRule",
           "candidate_cells", "window_sums", "link_groups", "split_to_box", "cell_zone_groups", "check_zones", "check_zone_share",
           "rule_text"]

#: a zone fits in a square of this side (metres)
ZONE_BOX_M = 2000.0
#: candidate cells with at most this many empty cells between them are one walkable group
ZONE_GAP = 2
#: a group needs at least this many cells to be a zone
ZONE_MIN_CELLS = 3


@dataclass(frozen=True)
class ZoneRule:
    """The zone rule's settings (see the module notes)."""

    share: float = ZONE_SHARE_DEFAULT
    max_zones: int = ZONES_DEFAULT
    box_m: float = ZONE_BOX_M
    gap: int = ZONE_GAP
    min_cells: int = ZONE_MIN_CELLS
    #: add top-ranked cells left out (too far to link, or in a group too small) to a zone whose box they fit
    attach: bool = True
    #: among cells of equal value, take first those with more crime in their 3 x 3 window
    tiebreak: bool = True


def rule_text(rule: ZoneRule, cell: float) -> str:
    """The rule in words, for summary.json, the briefing and the GUI."""
    attach = "; a top cell too far to link joins the nearest zone whose square it fits" if rule.attach else ""
    return (f"the top-ranked {cell:.0f} m cells that together hold {rule.share:.0%} of the ranked crime, "
            f"linked when at most {rule.gap} cell{'s' if rule.gap != 1 else ''} lie between them, "
            f"each group split to fit a {rule.box_m / 1000:g} km square, groups of {rule.min_cells}+ cells, "
            f"ranked by their crime, at most {rule.max_zones} zones{attach}")




def window_sums(col: np.ndarray, row: np.ndarray, key: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Sum of ``value`` over each cell's 3 x 3 window (cells not listed count 0).

    On a dense table of the cells' box (when it is small enough and no cell is listed twice)
    each neighbour is one gather, a missing one reading an appended 0 (``s + 0.0`` is ``s``);
    else nine binary searches over the sorted keys. Either way the window is added in the same
    order, so the sums are the same to the last bit."""
    from ..units.grid import _key

    key = np.asarray(key, np.int64)
    v = np.asarray(value, float)
    col, row = np.asarray(col, np.int64), np.asarray(row, np.int64)
    out = np.zeros(len(key))
    dense = _box_table(col, row) if len(key) else None
    if dense is not None:
        flat, nrows, table = dense
        vx = np.append(v, 0.0)
        for dc in (-1, 0, 1):
            for dr in (-1, 0, 1):
                out += vx[table[flat + (dc * nrows + dr)]]
        return out
    order = np.argsort(key, kind="stable")
    sk = key[order]
    for dc in (-1, 0, 1):
        for dr in (-1, 0, 1):
            nb = _key(col + dc, row + dr)
            p = np.minimum(np.searchsorted(sk, nb), max(len(sk) - 1, 0))
            hit = sk[p] == nb if len(sk) else np.zeros(len(nb), bool)
            out[hit] += v[order[p[hit]]]
    return out


def _box_table(col: np.ndarray, row: np.ndarray) -> tuple[np.ndarray, int, np.ndarray] | None:
    """(each cell's flat index, rows, int32 positions) on the cells' box with a margin of one
    cell, or None when the box is larger than the grid's dense bound or a cell is listed twice."""
    from ..units.grid import DENSE_MAX

    c0, r0 = int(col.min()) - 1, int(row.min()) - 1
    ncols, nrows = int(col.max()) - c0 + 2, int(row.max()) - r0 + 2
    if ncols * nrows > DENSE_MAX or len(col) >= 2**31:
        return None
    flat = (col - c0) * nrows + (row - r0)
    table = np.full(ncols * nrows, -1, dtype=np.int32)
    table[flat] = np.arange(len(col), dtype=np.int32)
    if not np.array_equal(table[flat], np.arange(len(col), dtype=np.int32)):
        return None  # a cell listed twice: the searched path says which copy counts
    return flat, nrows, table


def candidate_cells(value: np.ndarray, key: np.ndarray, share: float, tiebreak: np.ndarray | None = None
                    ) -> np.ndarray:
    """Positions of the highest-value cells that together first reach ``share`` of the total value;
    cells with no value never count. Ties by ``tiebreak`` (higher first; e.g. the crime around the
    cell), then by key."""
    v = np.nan_to_num(np.asarray(value, float), nan=0.0)
    pos = np.flatnonzero(v > 0)
    if len(pos) == 0:
        return pos
    tb = np.zeros(len(v)) if tiebreak is None else np.asarray(tiebreak, float)
    # the running total follows the values in descending order whatever breaks their ties, so the
    # cut is found on the sorted values and only the cells down to the cut's value are ordered
    # (England: 24,000 of 756,000 cells with value)
    desc = np.sort(v[pos])[::-1]
    cum = np.cumsum(desc)
    k = min(int(np.searchsorted(cum, share * cum[-1] * (1 - 1e-12))) + 1, len(pos))
    pos = pos[v[pos] >= desc[k - 1]]
    order = pos[np.lexsort((np.asarray(key)[pos], -tb[pos], -v[pos]))]
    return order[:k]


def link_groups(col: np.ndarray, row: np.ndarray, gap: int = ZONE_GAP) -> np.ndarray:
    """Group label (0..) of each cell: cells within Chebyshev distance ``gap + 1`` are linked (at most
    ``gap`` cells between them), and linked cells are one group (transitively). Labels follow each
    group's lowest index (:func:`hotspots.plans.cell_links.link_labels`)."""
    from .cell_links import link_labels

    return link_labels(col, row, gap)


def split_to_box(col: np.ndarray, row: np.ndarray, value: np.ndarray, key: np.ndarray, span: int,
                 gap: int = ZONE_GAP) -> list[np.ndarray]:
    """Split one linked group into parts that each span at most ``span`` cells a side.

    Greedy growth: the best remaining cell (highest value, ties by key) seeds a part; the best
    remaining cell linked to the part (within ``gap``) that keeps its bounding box within
    ``span`` joins, until none can. Returns index arrays into the inputs, best part first."""
    col, row = np.asarray(col, np.int64), np.asarray(row, np.int64)
    v = np.asarray(value, float)
    n = len(col)
    if n == 0:
        return []
    if col.max() - col.min() < span and row.max() - row.min() < span:
        return [np.arange(n)]
    from .cell_links import neighbour_lists

    order = np.lexsort((np.asarray(key), -v)).tolist()  # best first
    rank_a = np.empty(n, np.int64)
    rank_a[order] = np.arange(n)
    rank = rank_a.tolist()
    links = neighbour_lists(col, row, gap)  # each cell's linked cells, found once (not per push)
    cl, rl = col.tolist(), row.tolist()
    taken = [False] * n
    parts: list[np.ndarray] = []
    for seed in order:
        if taken[seed]:
            continue
        taken[seed] = True
        members = [seed]
        box = [cl[seed], cl[seed], rl[seed], rl[seed]]
        frontier: list[tuple[int, int]] = []
        queued = {seed}

        def push(i: int, frontier: list[tuple[int, int]] = frontier, queued: set[int] = queued) -> None:
            for j in links[i]:  # the heap orders by rank (unique), so the order they are pushed in is moot
                if not taken[j] and j not in queued:
                    queued.add(j)
                    heapq.heappush(frontier, (rank[j], j))

        push(seed)
        skipped: list[int] = []
        while frontier:
            _, j = heapq.heappop(frontier)
            if taken[j]:
                continue
            c, r = cl[j], rl[j]
            nb = [min(box[0], c), max(box[1], c), min(box[2], r), max(box[3], r)]
            if nb[1] - nb[0] >= span or nb[3] - nb[2] >= span:
                skipped.append(j)  # outside this part's box: left for another part
                continue
            taken[j] = True
            members.append(j)
            box = nb
            push(j)
        for j in skipped:
            queued.discard(j)
        parts.append(np.array(sorted(members, key=rank.__getitem__), dtype=np.int64))
    return parts


def cell_zone_groups(col: np.ndarray, row: np.ndarray, key: np.ndarray, value: np.ndarray, cell: float,
                     rule: ZoneRule = ZoneRule()) -> list[np.ndarray]:
    """The zones of a ranked grid: positions (into the grid arrays) of each zone's cells, zone 1 first.

    Parameters
    ----------
    col, row, key : the grid's cell columns, rows and packed keys (:class:`hotspots.units.grid.CellGrid`)
    value : the ranked measure per cell (the zones' value: the crimes at partner places left out)
    cell : cell side in metres
    rule : the :class:`ZoneRule`

    Each zone's cells are listed best first (highest value, ties by key).
    """
    v = np.nan_to_num(np.asarray(value, float), nan=0.0)
    key = np.asarray(key, np.int64)
    tb = None
    if rule.tiebreak:  # read only at cells with value: their windows over the cells with value are the same sums
        tb = np.zeros(len(v))
        nz = np.flatnonzero(v != 0)
        tb[nz] = window_sums(np.asarray(col, np.int64)[nz], np.asarray(row, np.int64)[nz], key[nz], v[nz])
    cand = candidate_cells(v, key, rule.share, tb)
    if len(cand) == 0:
        return []
    ccol, crow = np.asarray(col, np.int64)[cand], np.asarray(row, np.int64)[cand]
    labels = link_groups(ccol, crow, rule.gap)
    span = max(int(np.floor(rule.box_m / cell + 1e-9)), 1)  # cells a zone may span per axis
    groups: list[np.ndarray] = []
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.r_[True, labels[order][1:] != labels[order][:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        idx = order[a:b]
        for part in split_to_box(ccol[idx], crow[idx], v[cand[idx]], key[cand[idx]], span, rule.gap):
            if len(part) >= rule.min_cells:
                groups.append(cand[idx[part]])
    groups = _ranked(groups, v, key)[:rule.max_zones]
    if rule.attach and groups:
        groups = _ranked(_attach(groups, cand, np.asarray(col, np.int64), np.asarray(row, np.int64), v, key, span),
                         v, key)
    return groups


def _ranked(groups: list[np.ndarray], v: np.ndarray, key: np.ndarray) -> list[np.ndarray]:
    """Groups by total value (ties: more cells, then the first cell's key), each listed best cell first."""
    groups = [g[np.lexsort((key[g], -v[g]))] for g in groups]
    totals = [(-float(v[g].sum()), -len(g), int(key[g[0]])) for g in groups]
    return [groups[i] for i in sorted(range(len(groups)), key=lambda i: totals[i])]


def _attach(groups: list[np.ndarray], cand: np.ndarray, col: np.ndarray, row: np.ndarray, v: np.ndarray,
            key: np.ndarray, span: int) -> list[np.ndarray]:
    """Add each candidate cell left out (best first) to the nearest zone whose box it fits in.

    A busy cell a few hundred metres from a town centre's zone, too far to be linked, is in the
    same beat: leaving it out would leave a top-ranked cell out of the plan for no gain."""
    taken = set(np.concatenate(groups).tolist())
    boxes = [[int(col[g].min()), int(col[g].max()), int(row[g].min()), int(row[g].max())] for g in groups]
    members = [list(g) for g in groups]
    # a box only grows, so a cell that fits no zone's square now never will: only the cells that
    # fit one are walked in Python (England: ~30 of 24,000 candidates, each against every zone)
    left = np.asarray(cand, np.int64)
    left = left[~np.isin(left, np.fromiter(taken, np.int64, len(taken)))]
    c_all, r_all = col[left], row[left]
    fits = np.zeros(len(left), bool)
    for b in boxes:
        fits |= ((np.maximum(b[1], c_all) - np.minimum(b[0], c_all) < span)
                 & (np.maximum(b[3], r_all) - np.minimum(b[2], r_all) < span))
    for p in left[fits].tolist():  # candidates are best first
        if p in taken:
            continue
        c, r = int(col[p]), int(row[p])
        best, best_d = -1, None
        for z, b in enumerate(boxes):
            nb = (min(b[0], c), max(b[1], c), min(b[2], r), max(b[3], r))
            if nb[1] - nb[0] >= span or nb[3] - nb[2] >= span:
                continue
            d = max(b[0] - c, c - b[1], b[2] - r, r - b[3], 0)
            if best_d is None or d < best_d:
                best, best_d = z, d
        if best >= 0:
            b = boxes[best]
            boxes[best] = [min(b[0], c), max(b[1], c), min(b[2], r), max(b[3], r)]
            members[best].append(p)
            taken.add(p)
    return [np.array(m, dtype=np.int64) for m in members]
