"""Spatial weights for a unit set, cached on what they were built from.

The cache key is the units' geometry fingerprint and the weights spec, never a count of
areas: the same boundaries with their rows reversed, or other polygons with the same count,
build their own neighbours (a stale-weights bug came from keying on the count).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Future
from typing import Any

from ..model import UnitSet
from ..progress import CancelFn
from ..study import Settings

__all__ = ["weights_for", "prefetch"]


_WEIGHTS: OrderedDict[tuple[str, str], Any] = OrderedDict()
_WEIGHTS_LOCK = threading.Lock()


def weights_for(units: UnitSet, spec: str, *, cancel: CancelFn | None = None):
    """The ``(Weights, WeightsInfo)`` for ``units`` under ``spec``, from the cache when it holds them.

    The key is the units' geometry fingerprint and the spec, so boundaries with the same count
    but other polygons (or the same polygons in another order) never reuse stale neighbours.
    A build already running on another thread (the prefetch) is waited for, not repeated.
    """
    from ..stats.weights import build_weights

    key = (units.key, spec)
    with _WEIGHTS_LOCK:
        hit = _WEIGHTS.get(key)
        if hit is None:
            hit = Future()
            _WEIGHTS[key] = hit
            owner = True
        else:
            owner = False
        while len(_WEIGHTS) > 4:
            _WEIGHTS.popitem(last=False)
    if not owner:
        try:
            return hit.result()
        except BaseException:
            with _WEIGHTS_LOCK:
                if _WEIGHTS.get(key) is hit:
                    del _WEIGHTS[key]
            return weights_for(units, spec, cancel=cancel)
    try:
        import geopandas as gpd

        gdf = gpd.GeoDataFrame({"lsoa_code": units.codes}, geometry=units.geometry, crs=units.crs)
        result = build_weights(gdf, spec)
    except BaseException as exc:
        hit.set_exception(exc)
        raise
    hit.set_result(result)
    return result


def prefetch(units: UnitSet, settings: Settings, timings: dict[str, float], cancel: CancelFn | None) -> None:
    """Weights and permutation draws for ``settings``, built while the crimes are parsed."""
    from ..stats.permutation import prefetch_draws

    t = time.perf_counter()
    w, _info = weights_for(units, settings.weights, cancel=cancel)
    timings["weights_prepared"] = round(time.perf_counter() - t, 3)
    if len(units) >= 3 and 99 <= int(settings.permutations) <= 99_999:
        t = time.perf_counter()
        prefetch_draws(w, int(settings.permutations), int(settings.seed), settings.draws, cancel=cancel)
        timings["draws_prepared"] = round(time.perf_counter() - t, 3)
