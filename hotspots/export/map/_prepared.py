"""Map pieces that depend only on the LSOA shapes, started on a thread while the analysis runs.

The patrol map's LSOA layer needs the shapes simplified and reprojected for display, and its
names layer the towns inside the study; neither depends on any result. On an England-sized
study they cost ~1.5 s and ~0.35 s of a map that is the exports' longest path, while the
analysis before it (patrol spots and zones) keeps one core busy and leaves the other idle. So
the CLI starts them as soon as the boundaries are loaded (:func:`prepare_shapes`) and the map
takes the answers (:func:`prepared`) instead of working them out again. The work is GEOS and
PROJ, which release the GIL, so the thread costs the analysis little.

An answer is used only for the very same shapes (the same shapely objects, element by element;
the analysis table shares them with the loaded boundaries) and the same CRS, once; anything else
is computed as before, so the map is the same with or without the head start.
"""

from __future__ import annotations

__all__ = ["prepare_shapes", "prepared", "settle"]

import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

import numpy as np

#: kind -> (the shapes asked for, their CRS, the answer to come, the process that asked)
_READY: dict[str, tuple[np.ndarray, Any, Future, int]] = {}
_LOCK = threading.Lock()


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _display(geoms: np.ndarray, crs: Any) -> Any:
    from ._map_geometry import _to_display

    return _to_display(geoms, crs, threads=1)  # beside the analysis: one thread, not two more


def _towns(geoms: np.ndarray, crs: Any) -> Any:
    from ...plans.place_labels import town_labels

    return town_labels(geoms)


#: what the map asks of the LSOA shapes, in the order it asks
WORK: dict[str, Callable[[np.ndarray, Any], Any]] = {"lsoa_display": _display, "towns": _towns}


def prepare_shapes(geoms: Any, crs: Any, pool: Executor | None = None) -> None:
    """Start the map's shape-only work on ``pool`` (a thread of its own if None); returns at once."""
    geoms = np.asarray(geoms, dtype=object)
    own = pool is None
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="map-shapes") if own else pool
    with _LOCK:
        for kind, fn in WORK.items():
            _READY[kind] = (geoms, crs, pool.submit(fn, geoms, crs), os.getpid())
    if own:
        pool.shutdown(wait=False)


def prepared(kind: str, geoms: Any, crs: Any) -> Any:
    """The answer to ``kind`` for these shapes: the one started early if it was for the same
    shapes and CRS (waiting for it if need be), else worked out now."""
    geoms = np.asarray(geoms, dtype=object)
    with _LOCK:
        ready = _READY.pop(kind, None)
    # (a forked child has the parent's futures but not its threads: it works its answer out itself)
    if ready is not None and ready[3] == os.getpid() and ready[1] == crs and _same(ready[0], geoms):
        return ready[2].result()
    return WORK[kind](geoms, crs)


def settle() -> None:
    """Wait until the work started here is done (before a fork: a child must not inherit a
    thread's half-held locks, nor futures no thread of its own will complete)."""
    with _LOCK:
        pending = [r[2] for r in _READY.values() if r[3] == os.getpid()]
    for future in pending:
        future.exception()  # waits; a failure is raised where the answer is asked for
