"""The patrol zones' numpy links, splits, attachment and window sums against the plain Python
rule they replaced (dict searches, every candidate against every zone), on random grids."""

from __future__ import annotations

import heapq

import numpy as np
import pytest

from hotspots.plans import cell_zones as CZ
from hotspots.plans.cell_links import link_labels, link_labels_search, neighbour_lists
from hotspots.units import grid as G

OFFS = {g: [(dc, dr) for dc in range(-g - 1, g + 2) for dr in range(-g - 1, g + 2) if (dc, dr) != (0, 0)]
        for g in range(4)}


def _cells(seed: int, n: int, dup: bool = False):
    rng = np.random.default_rng(seed)
    centres = rng.integers(0, 120, (6, 2))
    pick = rng.integers(0, 6, n)
    col = centres[pick, 0] + np.round(rng.normal(0, 6, n)).astype(np.int64)
    row = centres[pick, 1] + np.round(rng.normal(0, 6, n)).astype(np.int64)
    key = G._key(col, row)
    _, first = np.unique(key, return_index=True)
    keep = np.sort(first)
    if dup:  # a few cells listed twice
        keep = np.concatenate([keep, keep[:5]])
    return col[keep], row[keep]


def _ref_split(col, row, v, key, span, gap):
    """The greedy split as first written: a dict of the cells, numpy scalars, 48 lookups a push."""
    n = len(col)
    if col.max() - col.min() < span and row.max() - row.min() < span:
        return [np.arange(n)]
    order = np.lexsort((key, -v)).tolist()
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)
    where = {(int(c), int(r)): i for i, (c, r) in enumerate(zip(col.tolist(), row.tolist(), strict=True))}
    taken = np.zeros(n, bool)
    parts = []
    for seed in order:
        if taken[seed]:
            continue
        taken[seed] = True
        members, box, frontier, queued, skipped = [seed], [col[seed], col[seed], row[seed], row[seed]], [], {seed}, []

        def push(i, frontier=frontier, queued=queued):
            for dc, dr in OFFS[gap]:
                j = where.get((int(col[i]) + dc, int(row[i]) + dr))
                if j is not None and not taken[j] and j not in queued:
                    queued.add(j)
                    heapq.heappush(frontier, (int(rank[j]), j))

        push(seed)
        while frontier:
            _, j = heapq.heappop(frontier)
            if taken[j]:
                continue
            nb = [min(box[0], col[j]), max(box[1], col[j]), min(box[2], row[j]), max(box[3], row[j])]
            if nb[1] - nb[0] >= span or nb[3] - nb[2] >= span:
                skipped.append(j)
                continue
            taken[j], box = True, nb
            members.append(j)
            push(j)
        for j in skipped:
            queued.discard(j)
        parts.append(np.array(sorted(members, key=lambda i: int(rank[i])), dtype=np.int64))
    return parts


def _ref_attach(groups, cand, col, row, span):
    """Every left-out candidate, best first, against every zone's box."""
    taken = set(np.concatenate(groups).tolist())
    boxes = [[col[g].min(), col[g].max(), row[g].min(), row[g].max()] for g in groups]
    members = [list(g) for g in groups]
    for p in cand.tolist():
        if p in taken:
            continue
        c, r = col[p], row[p]
        best, best_d = -1, None
        for z, b in enumerate(boxes):
            if max(b[1], c) - min(b[0], c) >= span or max(b[3], r) - min(b[2], r) >= span:
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


def _ref_window_sums(col, row, v):
    where = {(int(c), int(r)): i for i, (c, r) in enumerate(zip(col.tolist(), row.tolist(), strict=True))}
    out = np.zeros(len(col))
    for i, (c, r) in enumerate(zip(col.tolist(), row.tolist(), strict=True)):
        for dc in (-1, 0, 1):
            for dr in (-1, 0, 1):
                j = where.get((c + dc, r + dr))
                if j is not None:
                    out[i] += v[j]
    return out


def _ref_candidates(v, key, share, tb=None):
    """Every cell with value ordered (value down, tie-break down, key up), then the prefix reaching ``share``."""
    pos = np.flatnonzero(v > 0)
    tb = np.zeros(len(v)) if tb is None else tb
    order = pos[np.lexsort((key[pos], -tb[pos], -v[pos]))]
    cum = np.cumsum(v[order])
    k = int(np.searchsorted(cum, share * cum[-1] * (1 - 1e-12))) + 1
    return order[:min(k, len(order))]


def test_candidates_equal_ordering_every_cell():
    rng = np.random.default_rng(12)
    for _ in range(30):
        n = int(rng.integers(1, 3000))
        v = np.where(rng.random(n) < 0.5, rng.integers(0, 6, n), 0).astype(float) / rng.choice([1.0, 3.0])
        if not (v > 0).any():
            continue
        key, tb = rng.permutation(n), rng.integers(0, 4, n).astype(float)
        for share in (0.01, 0.4, 0.99, 1.0):
            assert np.array_equal(CZ.candidate_cells(v, key, share, tb), _ref_candidates(v, key, share, tb))


def _ref_groups(col, row, key, v, cell, rule):
    tb = _ref_window_sums(col, row, v) if rule.tiebreak else None
    cand = _ref_candidates(v, key, rule.share, tb)
    labels = link_labels_search(col[cand], row[cand], rule.gap)
    span = max(int(np.floor(rule.box_m / cell + 1e-9)), 1)
    groups = []
    for lab in np.unique(labels):
        idx = np.flatnonzero(labels == lab)
        for part in _ref_split(col[cand[idx]], row[cand[idx]], v[cand[idx]], key[cand[idx]], span, rule.gap):
            if len(part) >= rule.min_cells:
                groups.append(cand[idx[part]])
    groups = CZ._ranked(groups, v, key)[:rule.max_zones]
    if rule.attach and groups:
        groups = CZ._ranked(_ref_attach(groups, cand, col, row, span), v, key)
    return groups


@pytest.mark.parametrize("gap", [0, 1, 2, 3])
def test_links_equal_the_dict_search(gap):
    for seed in range(4):
        for dup in (False, True):
            col, row = _cells(seed, 900, dup)
            want = link_labels_search(col, row, gap)
            assert np.array_equal(link_labels(col, row, gap), want)
            assert len(set(want.tolist())) > 3 and (np.bincount(want) > 1).any()
            where = {(int(c), int(r)): i for i, (c, r) in enumerate(zip(col.tolist(), row.tolist(), strict=True))}
            for i, got in enumerate(neighbour_lists(col, row, gap)):
                ref = [where[(int(col[i]) + dc, int(row[i]) + dr)] for dc, dr in OFFS[gap]
                       if (int(col[i]) + dc, int(row[i]) + dr) in where]
                assert sorted(got) == sorted(ref), i


def test_window_sums_of_fractions_equal_the_dict_sums_bit_for_bit(monkeypatch):
    col, row = _cells(7, 3000)
    rng = np.random.default_rng(7)
    v = rng.exponential(1.0, len(col)) * (rng.random(len(col)) < 0.5) / 7.0
    want = _ref_window_sums(col, row, v).view(np.int64)
    assert np.array_equal(CZ.window_sums(col, row, G._key(col, row), v).view(np.int64), want)
    monkeypatch.setattr(G, "DENSE_MAX", 0)  # the binary-search path
    assert np.array_equal(CZ.window_sums(col, row, G._key(col, row), v).view(np.int64), want)


@pytest.mark.parametrize("seed", range(6))
def test_zone_groups_equal_the_plain_rule(seed):
    col, row = _cells(seed, 4000)
    rng = np.random.default_rng(seed)
    v = np.where(rng.random(len(col)) < 0.6, rng.poisson(3.0, len(col)) * rng.integers(1, 4, len(col)), 0.0)
    key = G._key(col, row)
    for rule in (CZ.ZoneRule(), CZ.ZoneRule(share=0.8, box_m=900.0, max_zones=8, gap=1),
                 CZ.ZoneRule(share=0.6, box_m=600.0, max_zones=25, gap=3, tiebreak=False)):
        got = CZ.cell_zone_groups(col, row, key, v, 150.0, rule)
        want = _ref_groups(col, row, key, v, 150.0, rule)
        assert len(got) == len(want) and len(got) > 1
        for a, b in zip(got, want, strict=True):
            assert np.array_equal(a, b)
