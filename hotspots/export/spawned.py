"""The briefing, GeoPackage and heat GeoTIFF in a fresh process, for a study too large to fork.

A forked child (:mod:`hotspots.export.parallel`) shares the parent's pages, but its resident
set counts them again, so a national study (a parent of ~1 GiB at export time) would look
twice its size; below :data:`~hotspots.export.parallel.CHILD_LIMIT_BYTES` the CLI forks. Above
it the briefing (England-sized: ~3 s), the GeoPackage (~0.7 s) and the heat GeoTIFF go to a
*spawned* interpreter beside the parent's map (~2 s), workbook (~1.5 s), partner places and
GeoJSON files (~1 s together), which receives only what those read (the split is
:data:`SPAWNED`; the workbook, the child's before, still can be written there):

- the analysis with its per-cell grid, Gi* arrays and snap mask emptied (the briefing reads
  the ranked spots, the cell size and the test's name, never the four million cells), the
  space-time cube and the unit set (the table's geometry again) dropped, and the heat surfaces
  already computed (the map needs them all, so the parent computes them once, first);
- the crimes cut to the points within 300 m of a patrol spot (the spot cards' sketches), and
  the pubs, StreetSafe reports, harm weights and load reports as they are;
- what the parent works out from the layers it keeps (:func:`handover`): the places the study
  covers (its title: districts from the boundaries, deprivation file and lookup) and the
  workbook's evidence pack (rates from every crime), so the files say what the parent's would.

The interpreter is started first (:func:`warm_spawned`: the CLI starts it once a large study's
statistics are done, so it imports the writers during the rest of the analysis), then given the run. The child writes the same files with the same
functions (tests compare the briefing's text page by page and the workbook's cells) into the
same staging folder (every writer is atomic), and reports in
:func:`~hotspots.export.parallel.collect`'s format, so failures and Cancel behave as with a
forked child. ``spawn`` exists on every platform; the CLI asks for it only when it would fork
otherwise (more than one worker), never the GUI.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["SPAWNED", "handover", "slim_for_briefing", "start_spawned", "warm_spawned"]

#: the exports a spawned child writes, in this order (the evidence pack stays with the parent: it
#: reads more layers). Generated England (33,755 LSOAs, 5M crimes), seconds, 2026-12-07: the
#: hand-over ~0.5 (pickling ~100 MB) + the child's unpickling ~0.5 + briefing ~3.2 + GeoPackage
#: ~0.7 + GeoTIFF ~0.15, beside the parent's workbook ~1.3 + GeoJSON files ~0.5 + partner places
#: ~0.5 + map ~1.8 (its shapes, heat pictures and street names worked out beside the analysis:
#: :func:`hotspots.export.bundle.prepare_early`); with the map at ~4 s the workbook was the child's
SPAWNED = ("briefing.pdf", "patrol_zones.gpkg", "heat.tif")
#: the modules the child imports while it waits for the run (see :func:`warm_spawned`)
_WARM = ("hotspots.export.bundle", "hotspots.export.briefing.briefing",
         "hotspots.export.map.heat", "hotspots.export.gis", "rasterio", "pyogrio", "reportlab.pdfgen.canvas",
         "PIL.ImageDraw")


def _empty_arrays(obj: Any) -> Any:
    """A copy of a frozen result with every numpy array field emptied (scalars kept)."""
    if obj is None or not is_dataclass(obj):
        return obj
    return replace(obj, **{f.name: np.empty(0, dtype=getattr(obj, f.name).dtype)
                           for f in fields(obj) if isinstance(getattr(obj, f.name), np.ndarray)})


def slim_for_briefing(analysis: Any, layers: Any) -> tuple[Any, Any]:
    """The analysis and layers cut to what the briefing, the GeoPackage, the workbook and the GeoTIFF read
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
        heat = list(evidence.heat)  # computed once, in the parent (the map reads them all too)
        evidence = replace(evidence, _heat_inputs=None, _cache={"heat": heat})
    time_result = analysis.time
    if time_result is not None:
        time_result = replace(time_result, cube=None)
    slim = replace(analysis, spots=spots, evidence=evidence, time=time_result, units=None)  # units: the table's geometry again
    slim_layers = Layers(crimes=crimes, pubs=getattr(layers, "pubs", None),
                         streetsafe=getattr(layers, "streetsafe", None), harm_weights=getattr(layers, "harm_weights", None),
                         reports=dict(getattr(layers, "reports", {})))
    return slim, slim_layers


def handover(names: list[str], analysis: Any, layers: Any, study: Any) -> dict[str, Any]:
    """What the child cannot work out from the slimmed run, worked out here from the whole one:
    the places the study covers (the title's fallback) and, for the workbook, the evidence pack."""
    from ..study_title import places_title, user_title

    given: dict[str, Any] = {}
    if not user_title(study):  # (the map reads it too: computed once, remembered for this table and layers)
        given["places"] = places_title(getattr(analysis, "table", None), layers)
    if "hotspots.xlsx" in names:
        from .workbook.evidence_sheets import pack_for

        given["pack"] = pack_for(analysis, layers, study)
    return given


def _take_over(given: dict[str, Any], analysis: Any, layers: Any, study: Any) -> None:
    """In the child: remember the parent's answers for this slimmed run (by identity, as the
    title's own cache and the workbook's pack look them up)."""
    from .. import study_title
    from .workbook import evidence_sheets

    table = getattr(analysis, "table", None)
    cache = getattr(study_title, "_CACHE", None)  # (table, layers, title) by identity, newest first
    if "places" in given and table is not None and len(table) and isinstance(cache, list):
        cache.insert(0, (table, layers, given["places"]))
    if "pack" in given:
        evidence_sheets.given_pack(analysis, layers, study, given["pack"])


def _warm(names: list[str]) -> None:
    """In the child, first: import the writers (1-2 s of a cold interpreter) and read the place
    names the briefing's maps are labelled with, ranked and projected once (the shipped table:
    the British Isles and the near Continent, which an England-wide overview frame reaches),
    while the parent still analyses. The world's list (a 1.5 s JSON parse) is read only by a
    map whose frame reaches past that table."""
    import importlib

    for module in _WARM:
        try:
            importlib.import_module(module)
        except Exception:  # noqa: BLE001, S112 - only a head start: the job itself reports a missing module
            continue
    if "briefing.pdf" in names or any(n.startswith("briefing") for n in names):
        from ..data.gazetteer import PLACES_BOX, places_in

        places_in(*PLACES_BOX, bng=True)  # the shipped table, ranked and projected
    from ..runtime.collector import for_a_run

    for_a_run(child=True)  # its imports frozen out of the collector (it ends with the run)


def _spawned_child(names: list[str], analysis: Any, layers: Any, study: Any, out: str, write_job: Callable,
                   given: dict[str, Any] | None = None) -> list:
    """In the spawned interpreter: write ``names`` with the bundle's writers, results as data.

    ``write_job`` (:func:`hotspots.export.bundle.write_job`) comes in as an argument, pickled by
    name, so this module never imports the bundle that imports it (no import cycle)."""
    from . import parallel

    if given:
        _take_over(given, analysis, layers, study)

    def write(job: str) -> Path | None:
        return write_job(job, analysis, layers, study, Path(out))

    parallel._JOB["write"] = write
    try:
        return parallel._child(names)
    finally:
        parallel._JOB.clear()


def warm_spawned(names: list[str], out: Path) -> ProcessPoolExecutor:
    """Start the spawned child now (it imports the writers of ``names`` while the parent works out
    the slimmed run); :func:`start_spawned` then gives it the job."""
    from .parallel import _remember, new_pool, submit_quietly

    pool = new_pool("spawn", out)  # dies with the parent, stdio to a log in the staging folder (see parallel)
    pool._hotspots_warm = submit_quietly(pool, _warm, list(names))  # type: ignore[attr-defined]
    _remember(pool)
    return pool


def start_spawned(names: list[str], analysis: Any, layers: Any, study: Any, out: Path,
                  write_job: Callable, pool: ProcessPoolExecutor | None = None) -> tuple[ProcessPoolExecutor, Future]:
    """Give one spawned child (``pool`` from :func:`warm_spawned`, else a new one) ``names`` to write
    from the slimmed run with ``write_job`` (the bundle's :func:`~hotspots.export.bundle.write_job`);
    returns it and its future. Should working out the run fail, the child is stopped."""
    from .parallel import _remember, abandon, submit_quietly

    pool = pool if pool is not None else warm_spawned(names, out)
    try:
        slim, slim_layers = slim_for_briefing(analysis, layers)
        given = handover(names, analysis, layers, study)
        future = submit_quietly(pool, _spawned_child, list(names), slim, slim_layers, study, str(out), write_job, given)
    except BaseException:
        abandon(pool)
        raise
    _remember(pool)
    return pool, future
