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

__all__ = ["start_heat", "take_heat"]

from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

import numpy as np

from ..runtime import early


def _key(settings: Any) -> tuple:
    """The settings :func:`~hotspots.evidence.stage.heat_surfaces` reads."""
    return (tuple(getattr(settings, "crime_types", None) or ()), getattr(settings, "month_from", None),
            getattr(settings, "month_to", None))


def start_heat(boundaries: Any, crimes: Any, pubs: Any, settings: Any, pool: Executor,
               compute: Callable[..., list]) -> Future:
    """Compute the heat surfaces of these inputs with ``compute`` (the evidence stage's
    ``heat_surfaces``, passed in: that module asks this one) on ``pool``; returns at once, with
    the surfaces' future (the map's pictures of them are queued after it)."""
    geoms = np.asarray(boundaries.geometry.values, dtype=object)
    return early.start("heat", pool, compute, boundaries, crimes, pubs, settings, same=(geoms, crimes, pubs),
                       equal=_key(settings))


def take_heat(table: Any, crimes: Any, pubs: Any, settings: Any) -> list | None:
    """The surfaces started early for exactly these inputs (waiting for them), else None
    (:mod:`hotspots.runtime.early`)."""
    found, surfaces = early.take("heat", same=(np.asarray(table.geometry.values, dtype=object), crimes, pubs),
                                 equal=_key(settings))
    return surfaces if found else None
