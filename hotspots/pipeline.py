"""The one composer: files -> layers -> per-unit table -> statistics -> spots -> zones -> ... -> exports.

Every front end drives exactly these functions, with a ``progress(message, fraction)``
callback and a ``cancel()`` flag that every stage and chunk polls:

- :func:`load_layers` reads a :class:`~hotspots.study.Study`'s files into
  :class:`~hotspots.model.Layers`. Given the ``previous`` layers it re-reads only what changed
  (file identity = path, size, modification time) and what depends on it (crimes, pubs and
  reports are placed in the boundaries), so the GUI adding one file never re-reads the rest.
- :func:`analyse` runs the table and statistics stages, then :data:`STAGES` in order; each
  returns a new :class:`~hotspots.model.Analysis`.
- :func:`write_outputs` writes lsoa_results.csv, summary.json and the exports.
- :func:`run_study` is all three, for the CLI.

Caches (spatial weights, permutation draws) are keyed on what they were built from: the
boundaries' geometry fingerprint and the weights spec, never on a count of areas.
How to add a stage: see :mod:`hotspots.model`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .data.errors import DataError
from .evidence.stage import evidence_stage
from .load import load_layers, without
from .lsoa.districts import district_time_stage
from .lsoa.vintage import vintage_stage
from .model import Analysis, Layers, UnitSet
from .plans.patrol_zones import patrol_zones_stage
from .plans.spots import spots_stage
from .progress import CancelFn, Cancelled, ProgressFn, scaled
from .runtime.memory import release
from .streetsafe.fear_gap import fear_gap_stage
from .study import Settings, Study
from .units.neighbours import weights_for
from .when.stage import when_stage

__all__ = ["STAGES", "RunResult", "load_layers", "analyse", "write_outputs", "run_study", "without", "check_study",
           "check_out_dir"]

Stage = Callable[[Analysis, Layers, ProgressFn | None, CancelFn | None], Analysis]
#: the stages after the statistics: (name, progress label, share of the analysis bar, function)
STAGES: list[tuple[str, str, float, Stage]] = [
    ("lsoa_vintage", "Marking deprivation carried across the LSOA lookup", 0.0, vintage_stage),
    ("spots", "Finding patrol spots", 0.05, spots_stage),
    # after the spots: patrol zones group the spots' ranked cells (partner places left out alike)
    ("zones", "Building patrol zones", 0.05, patrol_zones_stage),
    ("when", "When to patrol: day-by-hour profiles", 0.02, when_stage),
    ("fear_gap", "Comparing StreetSafe reports with recorded crime", 0.15, fear_gap_stage),
    ("evidence", "Rates, crime against pubs and deprivation", 0.05, evidence_stage),
    ("time", "Emerging hot spots and trends over time", 0.05, district_time_stage),  # districts: hotspots.lsoa.districts
]


def _check(cancel: CancelFn | None) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


# -------------------------------------------------------------------------------- analysis
def analyse(layers: Layers, settings: Settings, *, progress: ProgressFn | None = None,
            cancel: CancelFn | None = None, beside: Callable[[str, Analysis], None] | None = None) -> Analysis:
    """Filter, count per LSOA, run the local statistics, then every stage of :data:`STAGES`.

    ``beside(stage, analysis)`` is called as the statistics and each stage are done
    ("statistics", then the :data:`STAGES` names) with the analysis so far; the CLI starts
    export work there, on the core the single-threaded stages after them leave idle."""
    from .lsoa.table import build_table, filter_crimes
    from .stats.local import analyse_clusters

    if layers.boundaries is None:
        raise DataError(None, "no LSOA boundaries are loaded", hint="load an LSOA boundary file",
                        setting="boundaries")
    if layers.crimes is None:
        raise DataError(None, "no crimes are loaded", hint="load police.uk street-level crime files",
                        setting="crimes")
    s = settings.validated()
    timings: dict[str, float] = {}

    def tick(name: str, t0: float) -> None:
        timings[name] = round(time.perf_counter() - t0, 3)

    t = time.perf_counter()
    if progress:
        progress("Counting crimes per LSOA", 0.0)
    units = UnitSet.from_boundaries(layers.boundaries, layers.boundary_key)
    mask, filters = filter_crimes(layers.crimes, s.crime_types, s.month_from, s.month_to)
    from .streetsafe.stage import placed_in_period

    placed = placed_in_period(layers.placed, layers.streetsafe, s.month_from, s.month_to)
    table = build_table(layers.boundaries, layers.crimes, mask, measure=s.measure,
                        harm_weights=s.harm_weights or layers.harm_weights, imd=layers.imd, pubs=layers.pubs,
                        streetsafe=layers.streetsafe, population=layers.population, placed=placed)
    tick("aggregate", t)
    _check(cancel)
    t = time.perf_counter()
    if progress:
        progress("Building spatial weights", 0.1)
    w, winfo = weights_for(units, s.weights, cancel=cancel)
    tick("weights", t)
    _check(cancel)
    t = time.perf_counter()
    rate = None
    if s.measure == "rate":
        rate = (table["crimes"].to_numpy(float), table["population"].to_numpy(float))
    stats_end = 1.0 - sum(share for *_, share, _fn in STAGES)
    clusters = analyse_clusters(table["value"].to_numpy(float), w, permutations=s.permutations, seed=s.seed,
                                alpha=s.alpha, fdr=s.fdr, n_jobs=s.n_jobs, rate=rate, draws=s.draws,
                                codes=table["lsoa_code"].to_numpy(),  # stable draws are keyed on the codes
                                progress=scaled(progress, 0.15, stats_end), cancel=cancel,
                                moran_later=len(table) >= MORAN_BESIDE_FROM)
    tick("statistics", t)
    moran = _start_moran(clusters)
    for c in clusters.frame.columns:
        table[c] = clusters.frame[c].to_numpy()
    table["zone_id"] = pd.array([pd.NA] * len(table), dtype="Int64")
    analysis = Analysis(units=units, table=table, weights=w, weights_info=winfo, clusters=clusters,
                        filters=filters, settings=s, timings=timings, notes=tuple(clusters.warnings))
    if beside is not None:
        beside("statistics", analysis)
    start = stats_end
    for name, label, share, fn in STAGES:
        _check(cancel)
        if progress:
            progress(label, start)
        t = time.perf_counter()
        analysis = fn(analysis, layers, scaled(progress, start, start + share), cancel)
        analysis.timings[name] = round(time.perf_counter() - t, 3)
        if beside is not None:
            beside(name, analysis)
        start += share
    if moran is not None:
        from .stats.local import with_global_moran

        analysis = replace(analysis, clusters=with_global_moran(analysis.clusters, moran.result()))
    if progress:
        progress("Analysis done", 1.0)
    return analysis


#: areas from which the Global Moran's I runs on a thread beside the stages after the local
#: statistics: a nation's takes ~0.4 s on one core, where the patrol spots and zones leave one
#: idle for seconds; a county's takes ~0.02 s, not worth a thread
MORAN_BESIDE_FROM = 5_000


def _start_moran(clusters: Any) -> Future | None:
    """Start the local statistics' Global Moran's I (``moran_job``) on a thread of its own."""
    job = getattr(clusters, "moran_job", None)
    if job is None:
        return None
    side = ThreadPoolExecutor(max_workers=1, thread_name_prefix="global-moran")
    try:
        return side.submit(job)
    finally:
        side.shutdown(wait=False)  # (its thread ends with the job)


# --------------------------------------------------------------------------------- outputs
@dataclass
class RunResult:
    layers: Layers
    analysis: Analysis
    summary: dict
    written: list[Path] = field(default_factory=list)


def write_outputs(analysis: Analysis, layers: Layers, study: Study, out: Path, *, exports: bool = True,
                  timings: dict[str, float] | None = None, progress: ProgressFn | None = None,
                  cancel: CancelFn | None = None, run_folder: Any = None, workers: int = 1,
                  public: bool = False, warm: Any = None) -> tuple[dict, list[Path]]:
    """Write lsoa_results.csv, summary.json and (with ``exports``) the map/GIS/XLSX/PDF files.

    With ``public`` the folder gets a publication set instead (:mod:`hotspots.export.public_set`:
    small counts suppressed, areas only, a disclosure log) and nothing internal.

    The files are written into the run folder's staging area and swapped in together, each
    stamped with the run id (:mod:`hotspots.export.run_folder`); ``run_folder`` is the one
    :func:`run_study` holds for the whole run, else one is taken here. ``workers`` > 1 lets the
    briefing and evidence pack be written beside the other exports (a forked process)."""
    from .export.run_folder import RunFolder

    if run_folder is None:
        with RunFolder(out) as rf:
            return write_outputs(analysis, layers, study, out, exports=exports, timings=timings,
                                 progress=progress, cancel=cancel, run_folder=rf, workers=workers, public=public,
                                 warm=warm)
    summary, staged = _write_staged(analysis, layers, study, run_folder.staging, exports=exports, timings=timings,
                                    progress=progress, cancel=cancel, workers=workers, public=public, warm=warm)
    written = run_folder.commit(staged)
    summary = {"run_id": run_folder.run_id, **summary}
    if run_folder.kept:  # an earlier run's files the analyst changed since: kept, and said so
        summary["kept_files"] = dict(run_folder.kept)
    return summary, written


def _write_staged(analysis: Analysis, layers: Layers, study: Study, out: Path, *, exports: bool,
                  timings: dict[str, float] | None, progress: ProgressFn | None,
                  cancel: CancelFn | None, workers: int = 1, public: bool = False,
                  warm: Any = None) -> tuple[dict, list[Path]]:
    from .export.results import write_results_csv, write_summary_json
    from .summary import build_summary

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if public:  # a publication set: only files fit to publish, and the disclosure log
        from .export.public_set import write_public_set
        from .export.results import write_summary_json

        summary, files = write_public_set(analysis, layers, study, out, progress=progress, cancel=cancel,
                                          under_review=bool(getattr(analysis.settings, "update_under_review", False)))
        return summary, [*files, write_summary_json(summary, out / "summary.json")]
    timings = dict(timings if timings is not None else {**layers.timings, **analysis.timings})
    written: list[Path] = []
    export_timings: dict[str, float] = {}
    skipped: list[str] = []
    results: list[Path] = []

    def write_results() -> None:
        t = time.perf_counter()
        results.append(write_results_csv(analysis.table, out / "lsoa_results.csv"))
        timings["write_results"] = round(time.perf_counter() - t, 3)

    t = time.perf_counter()
    if exports:
        from .export import bundle

        # the results table is written while the export child finishes (the parent would only wait)
        written += bundle.write_all(analysis, layers, study, out, progress=progress, cancel=cancel,
                                    timings=export_timings, skipped=skipped, workers=workers, warm=warm,
                                    while_waiting=write_results)
        timings["exports"] = round(time.perf_counter() - t, 3)
    if not results:
        write_results()
    written.append(results[0])
    timings.update({f"export_{k}": v for k, v in export_timings.items()})
    summary = build_summary(analysis, layers, study, timings, skipped=skipped)
    written.append(write_summary_json(summary, out / "summary.json"))
    return summary, written


def check_out_dir(out: Path) -> None:
    """The output folder must be a folder we can write to; say so before any work is done."""
    if str(out).strip() == "":
        raise DataError(None, "no output folder given", hint="name a folder for the results", setting="out")
    if out.exists() and not out.is_dir():
        raise DataError(out, "the output names a file, not a folder",
                        hint="give a folder path (it is created if missing)", setting="out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(out, f"cannot create the output folder ({exc.strerror})",
                        hint="choose a folder you can write to", setting="out") from None
    if not os.access(out, os.W_OK):
        raise DataError(out, "the output folder is not writable", hint="choose a folder you can write to",
                        setting="out")


def check_study(study: Study) -> None:
    """The inputs a run cannot start without, said once in the engine's words."""
    if not study.boundaries:
        raise DataError(None, "no LSOA boundary file given", hint="give the LSOA boundaries (or use the demo)",
                        setting="boundaries")
    if not study.crimes and not getattr(study, "extract", None):
        raise DataError(None, "no crime files given",
                        hint="give police.uk street-level crime files (a CSV, a folder or the police.uk zip)",
                        setting="crimes")


def _spawns(workers: int) -> bool:
    from .export.parallel import child_mode

    return child_mode(workers) == "spawn"


def _warm_export_child(staging: Path, workers: int) -> Any:
    """For a study already too large to fork once loaded: start the spawned export child now,
    so it imports its writers during the analysis (about 3 s of CPU on the core the analysis
    leaves idle, not on the exports' path); None where the exports will not spawn."""
    if not _spawns(workers):
        return None
    from .export.spawned import SPAWNED, warm_spawned

    return warm_spawned(list(SPAWNED), staging)


def run_study(study: Study, out: Path, *, progress: ProgressFn | None = None, cancel: CancelFn | None = None,
              exports: bool = True, public: bool = False) -> RunResult:
    """Load, analyse and write a whole study into ``out`` (the CLI's job); ``public``: a publication set."""
    t0 = time.perf_counter()
    settings = study.settings.validated()  # fail on bad settings before reading gigabytes
    check_study(study)
    check_out_dir(Path(out))
    from .export.run_folder import RunFolder

    with RunFolder(Path(out)) as rf:  # locked for the whole run; SIGTERM unwinds cleanly
        layers = load_layers(study, settings=settings, progress=scaled(progress, 0.0, 0.4), cancel=cancel)
        release()  # the parse buffers: a national run's resident set would keep them to the end
        early: dict[str, Any] = {}

        def start_exports_early(stage: str, so_far: Analysis) -> None:
            """After the statistics (two threads) the rest of the analysis leaves a core idle: the
            export child warms there, then the map's shapes are worked out; a nation's heat
            surfaces wait for the patrol spots (their temporaries and the spots' were its peak). A
            study small enough to fork has its heat and the briefing's warm-up queued at once, after
            the shapes: a forked child is copied only once the thread is done, and started after
            the spots they ran ~0.2-0.4 s past the end of Kent's analysis.

            A study large enough to spawn its export child also has the map's pictures of the
            heat and its street names drawn there (after the spots and the zones): the trends
            leave the time. A forked child is copied only once the thread is done, and a
            county's analysis ends ~0.3 s after its zones: there they would hold the child back
            for what they save the parent's map (Kent: the whole job ~0.5 s slower)."""
            from .export.bundle import (
                prepare_briefing_early,
                prepare_early,
                prepare_heat_early,
                prepare_labels_early,
            )

            if stage == "statistics":
                early["warm"] = warm = _warm_export_child(rf.staging, int(settings.n_jobs))
                early["pool"] = prepare_early(layers, int(settings.n_jobs), after=getattr(warm, "_hotspots_warm", None))
                pool = early["pool"]
                if pool is not None and warm is not None:  # a spawned child writes the briefing; the parent, the map
                    from .runtime.warm_imports import import_now
                    from .study_title import start_county_counts, user_title

                    pool.submit(import_now, ("folium",))
                    if not user_title(study):  # the title's areas, asked just before the child takes over
                        start_county_counts(layers.boundaries.geometry, pool)
                elif pool is not None:  # no spawned child (a study small enough to fork): see above
                    prepare_heat_early(layers, settings, pool, overlays=False)
                    prepare_briefing_early(pool)  # a forked child inherits its imports and fonts
                    early.pop("pool").shutdown(wait=False)
            elif stage == "spots" and early.get("pool") is not None:
                prepare_heat_early(layers, settings, early["pool"], overlays=True)
            elif stage == "zones" and early.get("pool") is not None:
                prepare_labels_early(layers, so_far, early["pool"])
                early.pop("pool").shutdown(wait=False)

        try:
            analysis = analyse(layers, settings, progress=scaled(progress, 0.4, 0.8), cancel=cancel,
                               beside=start_exports_early if exports and not public else None)
            warm = early.get("warm")
            if exports and analysis.spots is not None and _spawns(int(settings.n_jobs)):
                from .plans.spots import without_cells

                analysis = replace(analysis, spots=without_cells(analysis.spots))  # see without_cells
            release()
            timings = {**layers.timings, **analysis.timings}
            summary, written = write_outputs(analysis, layers, study, Path(out), exports=exports, timings=timings,
                                             progress=scaled(progress, 0.8, 1.0), cancel=cancel, run_folder=rf,
                                             workers=int(settings.n_jobs), public=public, warm=warm)
        except BaseException:
            if early.get("pool") is not None:  # (its thread, idle or not, ends with its work)
                early["pool"].shutdown(wait=False)
            if early.get("warm") is not None:  # (write_all owns it once called, and stops it on its own failure)
                from .export.parallel import abandon

                abandon(early["warm"])
            raise
        finally:
            if exports and not public:  # the early work no output took: the briefing's warm-up is
                # waited for (an import on a thread must not outlive the run); the county counts' thread ends alone
                from .export.bundle import BRIEFING_WARM
                from .runtime import early as early_answers
                from .study_title import COUNTY_COUNTS

                early_answers.let_go(BRIEFING_WARM, wait=True)
                early_answers.let_go(COUNTY_COUNTS)
    timings["total_in_process"] = round(time.perf_counter() - t0, 3)
    return RunResult(layers=layers, analysis=analysis, summary=summary, written=written)

