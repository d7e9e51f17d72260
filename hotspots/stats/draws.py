"""The permutation draws shared by every site: esda's own stream, or a fast equivalent.

Split from :mod:`hotspots.stats.permutation` (which uses them): esda conditions each site on the
same table of random neighbour ids, drawn once per (n, k, permutations, seed).
"""

from __future__ import annotations

import numpy as np

__all__ = ["DRAWS", "draw_ids", "fast_ids"]

_DRAWS: dict[tuple[int, int, int, int, str], np.ndarray] = {}


DRAWS = ("esda", "fast")


def fast_ids(n: int, k: int, permutations: int, seed: int) -> np.ndarray:
    """``permutations`` rows of ``k`` distinct ids from ``0..n-2``, uniformly, without shuffling.

    The same distribution as esda's draw (a uniformly random ordered k-subset), from a
    different stream: draw with replacement and redraw the rare rows holding a repeat
    (about k^2 / 2n of them). Costs microseconds where a full shuffle per row costs
    O(n) each."""
    rng = np.random.default_rng(seed)
    if k >= n - 1:
        return np.stack([rng.permutation(n - 1)[:k] for _ in range(permutations)]).astype(np.int64)
    ids = rng.integers(0, n - 1, size=(permutations, k), dtype=np.int64)
    srt = np.sort(ids, axis=1)
    for r in np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1)):
        ids[r] = rng.choice(n - 1, size=k, replace=False)
    return ids


def draw_ids(n: int, k: int, permutations: int, seed: int, tick, check, draws: str = "esda") -> np.ndarray:
    """The table of permuted neighbour ids shared by every site.

    ``draws="esda"`` reproduces esda's ``vec_permutations`` exactly: ``choice(n - 1, k,
    replace=False)`` is the first ``k`` of a shuffled ``arange(n - 1)``, so we shuffle directly
    (same stream, less overhead) -- the same seed gives esda's p-values to the last digit, at
    the cost of one O(n) shuffle per permutation. ``draws="fast"`` takes the same distribution
    from :func:`fast_ids`. A few tables are cached: the GUI re-runs a study with other measures."""
    if draws not in DRAWS:
        raise ValueError(f"draws must be one of {DRAWS}, not {draws!r}")
    key = (n, k, permutations, seed, draws)
    if key in _DRAWS:
        return _DRAWS[key]
    if draws == "fast":
        ids = fast_ids(n, k, permutations, seed)
        ids.flags.writeable = False
        if len(_DRAWS) >= 4:
            _DRAWS.pop(next(iter(_DRAWS)))
        _DRAWS[key] = ids
        return ids
    rs = np.random.RandomState(seed)
    ids = np.empty((permutations, k), dtype=np.int64)
    base = np.arange(n - 1, dtype=np.int64)
    work = np.empty_like(base)
    for r in range(permutations):
        work[:] = base
        rs.shuffle(work)
        ids[r] = work[:k]
        if r % 50 == 49:
            check()
            tick((r + 1) / permutations)
    ids.flags.writeable = False
    if len(_DRAWS) >= 4:
        _DRAWS.pop(next(iter(_DRAWS)))
    _DRAWS[key] = ids
    return ids
