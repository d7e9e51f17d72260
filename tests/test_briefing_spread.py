"""The overview's zone numbers: pushed apart pair by pair, on Python floats (see ``spread``)."""

from __future__ import annotations

import numpy as np
import pytest

from hotspots.export.briefing._briefing_maps import spread


def reference(anchors: np.ndarray, dmin: float, iterations: int = 200) -> np.ndarray:
    """The same repulsion written on numpy rows, as it first was."""
    pos = anchors.copy()
    n = len(pos)
    if n < 2:
        return pos
    rng = np.random.default_rng(0)
    for _ in range(iterations):
        moved = False
        for i in range(n):
            for j in range(i + 1, n):
                d = pos[j] - pos[i]
                dist = float(np.hypot(*d))
                if dist < dmin:
                    if dist < 1e-9:
                        d, dist = rng.normal(size=2), 1.0
                        d = d / np.hypot(*d)
                    push = (dmin - dist) / 2 * d / dist
                    pos[i] -= push
                    pos[j] += push
                    moved = True
        pos += (anchors - pos) * 0.02
        if not moved:
            break
    return pos


@pytest.mark.parametrize("seed", range(12))
def test_spread_is_the_row_by_row_repulsion(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 22))
    anchors = rng.uniform(500_000, 520_000, (n, 2))
    if seed % 3 == 0:
        anchors[1] = anchors[0]  # two zones labelled on one spot: separated by the seeded draw
    dmin = float(rng.uniform(100, 2_000))
    got = spread(anchors, dmin)
    np.testing.assert_allclose(got, reference(anchors, dmin), rtol=0, atol=1e-6)
    assert got.shape == anchors.shape and not np.shares_memory(got, anchors)
    if seed % 3 == 0:
        assert np.hypot(*(got[1] - got[0])) > dmin / 4


def test_one_label_stays_put():
    a = np.array([[1.0, 2.0]])
    np.testing.assert_array_equal(spread(a, 5.0), a)
