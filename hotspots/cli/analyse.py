"""``hotspots analyse``: the Study the flags describe, the run, and what the analyst is told."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .extract import apply_extract_arguments
from .parser import _one_line

#: the last progress message (what the run was doing), for a failure's error line
_STAGE: list[str | None] = [None]


def _progress_printer(quiet: bool):
    last = {"msg": None}
    start = time.perf_counter()

    def show(message: str, fraction: float) -> None:
        _STAGE[0] = message
        if quiet:
            return
        if message != last["msg"]:
            sys.stderr.write(f"[{time.perf_counter() - start:6.1f}s] {message}\n")
            sys.stderr.flush()
            last["msg"] = message

    return show


def _study(args: argparse.Namespace):  # noqa: ANN202 - a Study
    """The Study the analyse/evaluate flags describe."""
    from ..data.errors import DataError
    from ..study import Settings, Study, demo_study

    if args.demo:
        study = demo_study()
        if not Path(study.boundaries).exists():  # an installed copy without gis_data/: make it once
            from ..demo import generate_demo
            from ..study import DEMO_DIR

            target = DEMO_DIR
            try:
                target.mkdir(parents=True, exist_ok=True)
            except OSError:
                target = Path.home() / ".cache" / "hotspots" / "demo"
            study = demo_study(generate_demo(target))
        if args.crimes:
            raise DataError(None, "the demo brings its own crimes", hint="drop --crimes or --demo", setting="crimes")
    else:
        study = Study(boundaries=args.boundaries, crimes=list(args.crimes or []), imd=args.imd, pubs=args.pubs,
                      streetsafe=args.streetsafe, population=args.population,
                      harm_weights_file=args.harm_weights, lsoa_lookup=args.lsoa_lookup,
                      name=Path(args.boundaries).stem)
    if args.demo:
        for flag in ("imd", "pubs", "streetsafe", "population"):
            if getattr(args, flag):
                setattr(study, flag, getattr(args, flag))
        if args.harm_weights:
            study.harm_weights_file = args.harm_weights
        if args.lsoa_lookup:
            study.lsoa_lookup = args.lsoa_lookup
    if (getattr(args, "title", None) or "").strip():  # the user's title (hotspots.study_title)
        study.name = args.title.strip()
    if args.actions:  # a bad actions log stops the run before any work, naming its line
        from ..data.actions import read_actions

        read_actions(args.actions)
        study.actions = args.actions
    study.settings = Settings(crime_types=args.crime_type, month_from=args.month_from, month_to=args.month_to,
                              measure=args.measure, weights=args.weights, permutations=args.permutations,
                              seed=args.seed, alpha=args.alpha, fdr=args.fdr, n_jobs=args.n_jobs,
                              draws=args.draws, cell=args.cell, spots=args.spots, zones=args.zones,
                              zone_share=args.zone_share, keep_partner_places=args.keep_partner_places,
                              evidence_area=args.evidence_area)
    apply_extract_arguments(args, study)
    return study


def _check_out(args: argparse.Namespace) -> None:
    from ..data.errors import DataError

    if not str(args.out).strip():  # Path("") is ".": it would write into the current folder
        raise DataError(None, "no output folder given", hint="name a folder for the results", setting="out")


def _analyse(args: argparse.Namespace) -> int:
    _check_out(args)
    study = _study(args)
    _disclosure_settings(study, args)
    progress = _progress_printer(args.quiet)
    _parse_while_importing(study, progress)
    from ..pipeline import run_study
    from ..runtime.collector import for_a_run

    for_a_run()  # the imports frozen out of the collector, rarer passes (hotspots.runtime.collector)
    result = run_study(study, Path(args.out), progress=progress,
                       exports=not args.no_exports, public=bool(getattr(args, "public", False)))
    _say_what_was_seen(result, args)
    return 0


#: crime files from this many bytes are parsed while the analysis imports (see below)
PARSE_EARLY_FROM = 64 << 20


def _parse_while_importing(study, progress) -> None:  # noqa: ANN001 - a Study and a ProgressFn
    """Start reading large crime files on a thread before the analysis is imported (~0.5-0.9 s
    of one core that the files' Arrow parse can share: :mod:`hotspots.data.early_parse`), once
    the settings are known to be good, so bad settings still stop the run before a gigabyte is
    read. England-sized (1.1 GB of CSV), 3 alternated pairs: analysis 16.2 -> 15.5 s. Kent's
    24 MB gained nothing (5 pairs: 1.90 -> 1.95 s): a short parse is mostly its Python half,
    which takes turns with the imports for the GIL, so small files wait for the load."""
    if not study.crimes:
        return
    study.settings.validated()  # (raises the same DataError run_study would)
    from ..data.early_parse import start_parse
    from ..data.file_identity import file_identity
    from ..progress import scaled

    identity = file_identity(study.crimes)
    if sum(max(size, 0) for _path, size, _mtime in identity) < PARSE_EARLY_FROM:
        return
    start_parse(study.crimes, scaled(scaled(progress, 0.0, 0.4), 0.1, 0.6), identity)  # as the load scales its own


def _disclosure_settings(study, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Study
    """The publication flags onto the study's settings (checked in Settings.validated)."""
    if getattr(args, "public", False) and args.no_exports:
        from ..data.errors import DataError

        raise DataError(None, "--public and --no-exports cannot be used together",
                        hint="drop --no-exports: a publication set is its own set of files", setting="public")
    s = study.settings
    s.suppress_below = args.suppress_below
    s.sensitive_types = list(args.sensitive_type) if args.sensitive_type else None
    s.update_under_review = bool(args.under_review)
    if args.marking is not None:
        s.marking = args.marking


def _say_what_was_seen(result, args: argparse.Namespace) -> None:  # noqa: ANN001 - a RunResult
    """Load-report and stage warnings as ``warning:`` lines, then a one-line headline."""
    for rep in result.layers.reports.values():
        for text in rep.warnings:
            sys.stderr.write(f"warning: {rep.kind}: {_one_line(text)}\n")
    for note in result.analysis.notes:
        sys.stderr.write(f"warning: {_one_line(note)}\n")
    for name, why in result.summary.get("kept_files", {}).items():
        sys.stderr.write(f"warning: kept {_one_line(name)} in {_one_line(args.out)}: {_one_line(why)} "
                         "(this run did not write it; summary.json lists it under kept_files)\n")
    if args.quiet:
        return
    from ..summary import cluster_counts

    a = result.analysis
    counts = cluster_counts(a.table)
    zs = a.zones.summary if a.zones is not None else None
    zone_text = "no patrol zones"
    if zs is not None and zs.count:
        share = f"{zs.share_of_crimes:.1%}" if zs.share_of_crimes is not None else "n/a"
        area = f"{zs.share_of_area:.2%}" if zs.share_of_area is not None else "n/a"
        zone_text = f"{zs.count} patrol zone{'s' if zs.count != 1 else ''} holding {share} of crime in {area} of the area"
    sys.stderr.write(f"{int(a.table['crimes'].sum()):,} crimes in {len(a.table):,} LSOAs: {counts['HH']} High-High "
                     f"LSOAs, {counts['hot']} Gi* hot spots; {zone_text}\n")
    sys.stderr.write(f"wrote {len(result.written)} files to {args.out}\n")
