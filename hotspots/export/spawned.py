"""The briefing in a fresh process beside the other exports, for a study too large to fork.

A forked child (:mod:`hotspots.export.parallel`) shares the parent's pages, but its resident
set counts them again, so a national study (a parent of ~1 GiB at export time) would look
twice its size; below :data:`~hotspots.export.parallel.CHILD_LIMIT_BYTES` the CLI forks. Above
it the briefing, which is most of a large run's export time (England-sized: ~17 s of ~31 s),
goes to a *spawned* interpreter that receives only what the briefing reads:

- the analysis with its per-cell grid, Gi* arrays and snap mask emptied (the briefing reads
  the ranked spots, the cell size and the test's name, never the four million cells), the
  space-time cube and the unit set (the table's geometry again) dropped, and the first heat
  surface already computed (the map needs them all, so the parent computes them once, first);
- the crimes cut to the points within 300 m of a patrol spot (the spot cards' sketches), and
  the pubs, StreetSafe reports and load reports as they are.

The child writes the same file with the same functions (a test compares the two briefings'
text page by page), into the same staging folder (the writer is atomic), and reports the
result in :func:`~hotspots.export.parallel.collect`'s format, so failures and Cancel behave
as with a forked child. ``spawn`` exists on every platform; the CLI asks for it only when it
would fork otherwise (more than one worker), never the GUI.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SPAWNED", "slim_for_briefing", "start_spawned"]

#: the exports a spawned child writes (the evidence pack stays with the parent: it reads more layers)
SPAWNED = ("briefing.pdf",)


def _empty_arrays(obj: Any) -> Any:
    """A copy of a frozen result with every numpy array field emptied (scalars kept)."""
    if obj is None or not is_dataclass(obj):
        return obj
    return replace(obj, **{f.name: np.empty(0, dtype=getattr(obj, f.name).dtype)
                           for f in fields(obj) if isinstance(getattr(obj, f.name), np.ndarray)})


def slim_for_briefing(analysis: Any, layers: Any) -> tuple[Any, Any]:
    """The analysis and layers cut to what :func:`hotspots.export.briefing.briefing.write_briefing` reads
    (see the module notes); the heat surfaces are computed here if they were not yet."""
    from ..model import Layers
    from .briefing._briefing_spots import near_spot_rows

    spots = analysis.spots
    crimes = getattr(layers, "crimes", None)
    if spots is not None:
        ex = spots.exclusions
        spots = replace(spots, cells=None, cell_test=_empty_arrays(spots.cell_test), value=np.empty(0),
                        exclusions=replace(ex, mask=np.ones(ex.total, dtype=bool)),
                        partners=replace(spots.partners, mask=np.ones(spots.partners.total, dtype=bool)))
        if crimes is not None and len(crimes) and spots.spots:
            rows = np.unique(np.concatenate(near_spot_rows(crimes, spots.spots)))  # the cards' own cut
            crimes = crimes.iloc[rows][[c for c in ("x", "y", "month") if c in crimes]].reset_index(drop=True)
    evidence = analysis.evidence
    if evidence is not None:
        heat = evidence.heat[:1]  # computed once, in the parent (the map reads them all); the briefing shows one
        evidence = replace(evidence, _heat_inputs=None, _cache={"heat": heat})
    time_result = analysis.time
    if time_result is not None:
        time_result = replace(time_result, cube=None)
    slim = replace(analysis, spots=spots, evidence=evidence, time=time_result, units=None)  # units: the table's geometry again
    slim_layers = Layers(crimes=crimes, pubs=getattr(layers, "pubs", None),
                         streetsafe=getattr(layers, "streetsafe", None), reports=dict(getattr(layers, "reports", {})))
    return slim, slim_layers


def _spawned_child(names: list[str], analysis: Any, layers: Any, study: Any, out: str, write_job: Callable) -> list:
    """In the spawned interpreter: write ``names`` with the bundle's writers, results as data.

    ``write_job`` (:func:`hotspots.export.bundle.write_job`) comes in as an argument, pickled by
    name, so this module never imports the bundle that imports it (no import cycle)."""
    from . import parallel

    def write(job: str) -> Path | None:
        return write_job(job, analysis, layers, study, Path(out))

    parallel._JOB["write"] = write
    try:
        return parallel._child(names)
    finally:
        parallel._JOB.clear()


def start_spawned(names: list[str], analysis: Any, layers: Any, study: Any, out: Path,
                  write_job: Callable) -> tuple[ProcessPoolExecutor, Future]:
    """Start one spawned child writing ``names`` from the slimmed run with ``write_job`` (the
    bundle's :func:`~hotspots.export.bundle.write_job`); returns it and its future."""
    from .parallel import _remember, new_pool, submit_quietly

    slim, slim_layers = slim_for_briefing(analysis, layers)
    pool = new_pool("spawn", out)  # dies with the parent, stdio to a log in the staging folder (see parallel)
    future = submit_quietly(pool, _spawned_child, list(names), slim, slim_layers, study, str(out), write_job)
    _remember(pool)
    return pool, future
