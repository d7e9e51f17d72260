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

__all__ = ["prepare_shapes", "prepare_streets", "prepared", "prepared_streets"]

from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

import numpy as np

from ...runtime import early


def _display(geoms: np.ndarray, crs: Any) -> Any:
    from ._map_geometry import _to_display

    return _to_display(geoms, crs)


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
    for kind, fn in WORK.items():
        early.start(kind, pool, fn, geoms, crs, same=(geoms,), equal=crs)
    if own:
        pool.shutdown(wait=False)


def prepared(kind: str, geoms: Any, crs: Any) -> Any:
    """The answer to ``kind`` for these shapes: the one started early if it was for the same
    shapes and CRS (waiting for it if need be), else worked out now (:mod:`hotspots.runtime.early`)."""
    geoms = np.asarray(geoms, dtype=object)
    found, answer = early.take(kind, same=(geoms,), equal=crs)
    return answer if found else WORK[kind](geoms, crs)


def prepare_streets(crimes: Any, near: np.ndarray, geoms: Any, crs: Any, pool: Executor) -> None:
    """Start the map's street names (near the zones and spots ``near``) on ``pool``, after its
    towns (a street never covers a town): the towns started for these shapes if they were,
    without taking them from the map, else worked out on the thread."""
    geoms = np.asarray(geoms, dtype=object)
    towns = early.peek("towns", same=(geoms,), equal=crs)
    early.start("street_labels", pool, _streets, crimes, near, towns, geoms, crs, same=(crimes, near))


def _streets(crimes: Any, near: np.ndarray, towns: Any, geoms: np.ndarray, crs: Any) -> tuple[list, list]:
    from ...plans.place_labels import street_labels

    towns = towns.result() if towns is not None else WORK["towns"](geoms, crs)
    return towns, street_labels(crimes, near=near, towns=towns)


def prepared_streets(crimes: Any, near: np.ndarray, towns: list) -> list:
    """The street names for these crimes near these shapes after these towns: the ones started
    early if they were for the very same crimes and shapes and equal towns, else worked out now."""
    from ...plans.place_labels import street_labels

    found, answer = early.take("street_labels", same=(crimes, near))
    if found and answer[0] == towns:
        return answer[1]
    return street_labels(crimes, near=near, towns=towns)
