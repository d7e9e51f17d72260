"""The heat surfaces, started on a thread as soon as the boundaries and crimes are loaded.

Only the exports read the heat surfaces (:attr:`~hotspots.evidence.stage.EvidenceResult.heat`),
and they depend on nothing the analysis works out: the study's LSOA shapes, the crimes, the
pubs and the period and crime types chosen. On an England-sized study they cost ~0.8 s at the
start of the exports, before the export child can be given its job; started early (the CLI,
:func:`hotspots.export.bundle.prepare_early`) they are ready by then, computed on a core the
patrol spots and zones leave idle (the binning and smoothing are NumPy and SciPy loops).

An early answer is taken only for the very same inputs: the same crimes and pubs objects, the
same shapely shapes (the analysis table shares them with the loaded boundaries, whose extent
and mask are the table's), and the same period and crime types; anything else is computed as
before, so the surfaces are the same with or without the head start.
"""

from __future__ import annotations

__all__ = ["settle_heat", "start_heat", "take_heat"]

import os
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import numpy as np

#: (shapes, crimes, pubs, settings key, the surfaces to come, the process that asked)
_EARLY: list[tuple[np.ndarray, Any, Any, tuple, Future, int]] = []
_LOCK = threading.Lock()


def _key(settings: Any) -> tuple:
    """The settings :func:`~hotspots.evidence.stage.heat_surfaces` reads."""
    return (tuple(getattr(settings, "crime_types", None) or ()), getattr(settings, "month_from", None),
            getattr(settings, "month_to", None))


def start_heat(boundaries: Any, crimes: Any, pubs: Any, settings: Any, pool: Executor,
               compute: Callable[..., list]) -> None:
    """Compute the heat surfaces of these inputs with ``compute`` (the evidence stage's
    ``heat_surfaces``, passed in: that module asks this one) on ``pool``; returns at once."""
    geoms = np.asarray(boundaries.geometry.values, dtype=object)
    future = pool.submit(compute, boundaries, crimes, pubs, settings)
    with _LOCK:
        _EARLY[:] = [(geoms, crimes, pubs, _key(settings), future, os.getpid())]


def take_heat(table: Any, crimes: Any, pubs: Any, settings: Any) -> list | None:
    """The surfaces started early for exactly these inputs (waiting for them), else None."""
    with _LOCK:
        early = _EARLY.pop() if _EARLY else None
    if early is None:
        return None
    geoms, e_crimes, e_pubs, key, future, pid = early
    if pid != os.getpid():  # a forked child: the thread that would finish it is the parent's
        return None
    if e_crimes is not crimes or e_pubs is not pubs or key != _key(settings):
        return None
    mine = np.asarray(table.geometry.values, dtype=object)
    if len(mine) != len(geoms) or not all(a is b for a, b in zip(mine, geoms, strict=True)):
        return None
    return future.result()


def settle_heat() -> None:
    """Wait until surfaces started in this process are done (before a fork: see
    :func:`hotspots.export.map._prepared.settle`)."""
    with _LOCK:
        pending = [e[4] for e in _EARLY if e[5] == os.getpid()]
    for future in pending:
        future.exception()
