"""Every export of a run, in one call: GIS files, the workbook, the patrol map and the briefing.

The CLI and the GUI both call :func:`write_all`, so a folder written from either holds the
same files. Each export is optional at import time (the map and the briefing need folium and
matplotlib, which load only here), reports progress and is timed, and Cancel is honoured
between files; since every writer is atomic, a cancelled run leaves whole files or none.
"""

from __future__ import annotations

import importlib
import inspect
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..model import Analysis, Layers
from ..progress import CancelFn, Cancelled, ProgressFn
from ..runtime.memory import release
from ..study import Study
from .briefing import briefing_parts
from .spawned import SPAWNED, start_spawned, warm_spawned

__all__ = ["write_all", "write_job", "prepare_early", "settle_early", "EXPORT_FILES", "BRIEFING_WARM"]

#: the early kind of the briefing's warm-up (:func:`prepare_briefing_early`); let go at the run's end
BRIEFING_WARM = "briefing_warm"

#: file name -> (module under hotspots.export, function, label); written in this order
EXPORT_FILES: dict[str, tuple[str, str, str]] = {
    "patrol_zones.gpkg": ("gis", "write_gpkg", "GeoPackage"),
    "patrol_zones.geojson": ("gis", "write_geojson", "GeoJSON"),
    "patrol_spots.geojson": ("spots", "write_spots_geojson", "patrol spots GeoJSON"),
    "partner_places.csv": ("partner_places", "write_partner_places_csv", "partner places"),
    "lsoa_clusters.geojson": ("gis", "write_clusters_geojson", "LSOA clusters GeoJSON"),
    "hotspots.xlsx": ("workbook.tables", "write_xlsx", "spreadsheet"),
    "patrol_map.html": ("map.html_map", "write_map", "patrol map"),
    "briefing.pdf": ("briefing.briefing", "write_briefing", "briefing"),
    "evidence.docx": ("documents.evidence_docx", "write_evidence", "evidence pack"),
    "heat.tif": ("map.heat", "write_heat", "heat layer (GeoTIFF)"),
    # StreetSafe: written only when a StreetSafe layer is loaded (the writers return None otherwise)
    "streetsafe_concerns.csv": ("streetsafe_files", "write_concerns_csv", "StreetSafe concerns"),
    "streetsafe_update.xlsx": ("streetsafe_files", "write_update", "StreetSafe 'You said, we did'"),
}


def _writer(module: str, func: str) -> Callable:
    """The export function (its module is imported only now: folium, matplotlib, openpyxl load here)."""
    return getattr(importlib.import_module(f"{__package__}.{module}"), func)


def _call(func: Callable, analysis: Analysis, layers: Layers, study: Study, path: Path):
    """Call a writer with the pieces of the run it names: every writer takes some of ``analysis``,
    ``layers``, ``study`` and ``path`` under those names (the GIS files need no layers, the map
    takes the study by keyword), so one call fits them all and a new writer needs no case here."""
    given = {"analysis": analysis, "layers": layers, "study": study, "path": path}
    names = inspect.signature(func).parameters
    return func(**{k: v for k, v in given.items() if k in names})


def write_job(job: str, analysis: Analysis, layers: Layers, study: Study, out: Path) -> Path | None:
    """Write one export (a name of :data:`EXPORT_FILES`, or a part of the briefing) into ``out``."""
    part = briefing_parts.parse_job(job)
    if part is not None:
        write = _writer("briefing.briefing", "write_briefing")
        return write(analysis, layers, study, briefing_parts.part_path(out, part[0]), pages=part)
    module, func_name, _ = EXPORT_FILES[job]
    return _call(_writer(module, func_name), analysis, layers, study, Path(out) / job)


def prepare_early(layers: Layers, workers: int = 1, after: Any = None) -> Any:
    """Start what the exports need of the loaded boundaries alone on a thread, beside the
    analysis: the map's shapes and towns (:mod:`hotspots.export.map._prepared`). Returns the
    thread's executor, for the caller to queue more on as the analysis goes (the heat surfaces:
    :func:`prepare_heat_early`; the street names: :func:`prepare_labels_early`) and then shut
    down, or None where nothing was started. Only with a second core's worth of workers (the
    CLI) and no address-space limit; the exports are the same without it.

    ``after``: a future to wait for first (the spawned export child's warm start: with both at
    once beside the analysis, three things want two cores and its patrol spots took 2 s longer
    on an England-sized study; one after the other, about 0.8 s)."""
    boundaries = getattr(layers, "boundaries", None)
    if workers < 2 or boundaries is None or not len(boundaries) or _memory_capped():
        return None
    from concurrent.futures import ThreadPoolExecutor
    from concurrent.futures import wait as wait_for

    from .map._prepared import prepare_shapes

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exports-early")
    if after is not None:
        pool.submit(wait_for, [after])
    prepare_shapes(boundaries.geometry.values, boundaries.crs, pool)
    return pool


def prepare_heat_early(layers: Layers, settings: Any, pool: Any, overlays: bool = True) -> None:
    """Queue the heat surfaces (:mod:`hotspots.evidence.early_heat`) on :func:`prepare_early`'s
    thread, and with ``overlays`` the map's pictures of them after them."""
    crimes = getattr(layers, "crimes", None)
    if pool is None or crimes is None or not len(crimes):
        return
    from ..evidence.early_heat import start_heat
    from ..evidence.stage import heat_surfaces
    from .map.heat import start_overlays

    surfaces = start_heat(layers.boundaries, crimes, getattr(layers, "pubs", None), settings, pool, heat_surfaces)
    if overlays:  # the map's pictures of them
        start_overlays(surfaces, pool)


def prepare_briefing_early(pool: Any) -> None:
    """Queue the briefing's cold start on :func:`prepare_early`'s thread, after the heat surfaces:
    importing its writer and reading its three TrueType fonts (~0.3 s of a fresh process) while
    the analysis finishes, so the child forked at its end inherits them. Kent, 4 x 3 alternated
    runs: the briefing 1.2 -> 0.9 s, the whole job ~0.1 s quicker (the trends, beside it, ~0.1 s
    slower). A spawned child warms itself (:func:`hotspots.export.spawned.warm_spawned`)."""
    from ..runtime import early

    early.start(BRIEFING_WARM, pool, _warm_briefing)


def _warm_briefing() -> None:
    from .briefing import briefing  # noqa: F401 - the import is the work
    from .briefing._pdf import register_fonts

    register_fonts()


def prepare_labels_early(layers: Layers, analysis: Analysis, pool: Any) -> None:
    """Queue the map's street names (:func:`hotspots.export.map._prepared.prepare_streets`) on
    :func:`prepare_early`'s thread once the patrol zones are done: they are named near the zones
    and spots (~1.5 s of an England-sized map, done beside the trends instead)."""
    crimes = getattr(layers, "crimes", None)
    table = getattr(analysis, "table", None)
    if pool is None or crimes is None or not len(crimes) or table is None:
        return
    from .map._map_places import near_shapes
    from .map._prepared import prepare_streets

    near = near_shapes(analysis)
    if len(near):
        prepare_streets(crimes, near, table.geometry.values, table.crs, pool)


def _share_with_child(analysis: Analysis, layers: Layers, study: Study) -> None:
    """Work out before a fork what the parent needs anyway and the child would work out again:
    the child then inherits it.

    - The heat surfaces: an early answer is only taken in the process that started it (a forked
      child has the parent's futures but not its threads: :mod:`hotspots.runtime.early`), so a
      child forked before the parent's map had asked for them worked them out again for its
      briefing and GeoTIFF (Kent: ~0.2-0.3 s of the child's ~1.5 s). Once :func:`settle_early`
      has waited, taking the early answer costs nothing.
    - The study's title (the places its LSOAs cover, remembered per table): the briefing's cover
      and the parent's map and ``summary.json`` each asked for it (Kent: ~0.08 s)."""
    from ..study_title import study_title

    evidence = getattr(analysis, "evidence", None)
    if evidence is not None:
        evidence.heat  # noqa: B018 - the property caches the surfaces on the (copied) analysis
    study_title(study, analysis, layers)


def _memory_capped() -> bool:
    """Whether the process runs under an address-space limit (``ulimit -v``, ``prlimit --as``).

    There the early work stays off: its heat surfaces hold a few hundred MB of a national
    study's temporaries while the patrol spots hold theirs, and under a 700 MB cap an
    allocation failing inside NumPy on that thread ended the process with a segmentation
    fault instead of the CLI's "ran out of memory" line."""
    try:
        import resource
    except ImportError:  # Windows: no such limit
        return False
    try:
        soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    except (OSError, ValueError):
        return False
    return soft != resource.RLIM_INFINITY


def settle_early() -> None:
    """Wait for the work :func:`prepare_early` started (a fork copies no thread, only its locks)."""
    from ..runtime import early

    early.settle()


def write_all(
    analysis: Analysis,
    layers: Layers,
    study: Study,
    out: str | Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    timings: dict[str, float] | None = None,
    skipped: list[str] | None = None,
    workers: int = 1,
    warm: ProcessPoolExecutor | None = None,
    while_waiting: Callable[[], None] | None = None,
) -> list[Path]:
    """Write the GeoPackage, GeoJSON, XLSX, patrol map and briefing into ``out``.

    Returns the paths written. A writer that returns None had nothing to write for this study
    (its layer is not loaded) and is appended to ``skipped``; seconds per file go into ``timings`` (both owned by the caller, so the
    analysis itself is never written to). Raises :class:`~hotspots.progress.Cancelled` when
    ``cancel()`` turns true between files. With ``workers`` > 1 the briefing and the evidence
    pack are written by a forked child beside the rest (:mod:`hotspots.export.parallel`), where
    that is safe, or, for a study too large to fork, the briefing, the GeoPackage and the heat
    GeoTIFF by a spawned one (:data:`~hotspots.export.spawned.SPAWNED`);
    the files and their contents are the same either way. ``warm``: a spawned child already
    started (:func:`~hotspots.export.spawned.warm_spawned`) that this call takes over: given the
    job when the exports spawn, stopped otherwise. ``while_waiting``: the caller's own work,
    called once the parent's files are written and before it waits for the child's (the caller
    writes it after this call where there is no child: it is not called then).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    timings = {} if timings is None else timings
    skipped = [] if skipped is None else skipped
    from . import parallel

    def write(job: str):
        return write_job(job, analysis, layers, study, out)

    mode = parallel.child_mode(workers)
    if warm is not None and mode != "spawn":  # the run came out small enough to fork after all
        parallel.abandon(warm)
        warm = None
    names = {"fork": parallel.ALONGSIDE, "spawn": SPAWNED}.get(mode or "", ())
    alongside = [f for f in names if f in EXPORT_FILES]
    results: dict[str, Path | None] = {}
    total = len(EXPORT_FILES)
    pool = None
    parts: list[tuple[int, int]] = []  # the briefing's page ranges: the child's, then the parent's
    if "briefing.pdf" in alongside and briefing_parts.CHILD_SHARE.get(mode or "", 1.0) < 1.0:
        # only a split needs the page count (planning the pages costs ~0.3 s before the child starts)
        n_pages = importlib.import_module(f"{__package__}.briefing.briefing").page_count(analysis, layers, study)
        k = briefing_parts.split(n_pages, mode)
        if k < n_pages:
            parts = [(0, k), (k, n_pages)]
    jobs = [briefing_parts.job_name(*parts[0]) if f == "briefing.pdf" and parts else f for f in alongside]
    if alongside:
        if progress:
            progress("Writing " + " and ".join(EXPORT_FILES[f][2] for f in alongside) + " alongside", 0.0)
        if mode == "fork":
            settle_early()  # no thread of ours mid-work when the process is copied
            _share_with_child(analysis, layers, study)
            pool, future = parallel.start_alongside(jobs, write, out)  # its log: in the staging folder
        else:  # too large to fork: a fresh interpreter, started first, gets the little its files read
            t = time.perf_counter()
            pool, future = start_spawned(jobs, analysis, layers, study, out, write_job,
                                         warm if warm is not None else warm_spawned(jobs, out))
            warm = None
            timings["spawn_briefing"] = round(time.perf_counter() - t, 3)
    try:
        own = [f for f in EXPORT_FILES if f not in alongside]
        if parts:  # the parent draws the last pages once its own files are written
            own.append(briefing_parts.job_name(*parts[1]))
        for k, fname in enumerate(own):
            if cancel and cancel():
                raise Cancelled()
            if progress:
                label = "briefing, last pages" if briefing_parts.parse_job(fname) else EXPORT_FILES[fname][2]
                progress(f"Writing {label} ({fname.split('@')[0]})", k / total)
            t = time.perf_counter()
            results[fname] = write(fname)
            timings[fname] = round(time.perf_counter() - t, 3)
            release()  # a national map's feature dicts are gone: do not carry them into the next file
        if pool is not None:
            if while_waiting is not None:
                while_waiting()
            from ._stamps import ready_to_stamp

            ready_to_stamp(alongside)  # (beside the child's last work, not after it at the commit)
            if progress:
                progress("Waiting for the " + " and ".join(EXPORT_FILES[f][2] for f in alongside), len(own) / total)
            t = time.perf_counter()
            for fname, path, secs in parallel.collect(pool, future, cancel=cancel):
                results[fname] = None if path is None else Path(path)
                timings[fname] = secs
            timings["alongside_wait"] = round(time.perf_counter() - t, 3)
            pool = None
        if parts:  # join the child's pages and the parent's into briefing.pdf
            t = time.perf_counter()
            names_ = [briefing_parts.job_name(*p) for p in parts]
            results["briefing.pdf"] = briefing_parts.join([Path(results.pop(n)) for n in names_], out / "briefing.pdf")
            timings["briefing.pdf"] = round(sum(timings.pop(n, 0.0) for n in names_), 3)
            timings["briefing_join"] = round(time.perf_counter() - t, 3)
    finally:
        if pool is not None:  # the parent failed or was cancelled: the child goes too
            parallel.abandon(pool)
        if warm is not None:  # (a warm child never given its job)
            parallel.abandon(warm)
    written: list[Path] = []
    for fname in EXPORT_FILES:  # the contract's order, whoever wrote the file
        if fname not in results:
            continue
        if results[fname] is None:  # nothing to write for this study (e.g. no StreetSafe layer)
            skipped.append(fname)
        else:
            written.append(Path(results[fname]))
    if progress:
        progress("Exports written", 1.0)
    return written
