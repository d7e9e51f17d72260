"""``hotspots`` command line: the same engine as the desktop app, headless.

Exit codes (a contract): 0 success; 2 bad input or usage, with one ``error:`` line on stderr
naming the file (row/column where known) and the fix; 1 anything else; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .cli_extract import add_extract_arguments, apply_extract_arguments

__all__ = ["main", "entry", "build_parser"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one ``error:`` line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message} (fix: see '{self.prog} --help')\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="hotspots", description="Crime hot spots and patrol zones from police.uk, ONS and IMD data.")
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    a = _Parser(add_help=False)  # the inputs and flags analyse and evaluate share
    src = a.add_mutually_exclusive_group(required=True)
    src.add_argument("--demo", action="store_true", help="use the synthetic demo town in gis_data/demo")
    src.add_argument("--boundaries", metavar="PATH", help="LSOA polygons (GeoJSON/GPKG/SHP/zip; 2011 or 2021 codes)")
    a.add_argument("--crimes", metavar="PATH", nargs="+", help="police.uk street CSV(s), folder(s) or bulk zip")
    add_extract_arguments(a)  # a force's records extract (hotspots.cli_extract)
    a.add_argument("--imd", metavar="PATH", help="IMD 2019 / IoD 2025 file (CSV or XLSX)")
    a.add_argument("--pubs", metavar="PATH", help="pubs: Open Pubs CSV, OSM GeoJSON, or CSV with lat/lon or E/N")
    a.add_argument("--streetsafe", metavar="PATH", help="StreetSafe report export (CSV or XLSX)")
    a.add_argument("--population", metavar="PATH", help="population per LSOA (IoD2019 File 6 or code,population)")
    a.add_argument("--harm-weights", metavar="PATH", help="CSV of category,weight overriding the harm weights")
    a.add_argument("--lsoa-lookup", metavar="PATH",
                   help="ONS LSOA 2011 to 2021 exact-fit lookup CSV (LSOA11CD, LSOA21CD, CHGIND): joins IMD 2019 "
                        "to 2021 boundaries and IoD 2025 to 2011 boundaries")
    a.add_argument("--actions", metavar="PATH",
                   help="StreetSafe actions log (CSV/XLSX: concern_id,date,action,agency,status) for 'You said, we did'")
    a.add_argument("--crime-type", metavar="NAME", action="append",
                   help="police.uk category or slug (repeatable), e.g. 'Violence and sexual offences' or violent-crime")
    a.add_argument("--from", dest="month_from", metavar="YYYY-MM", help="first month to include")
    a.add_argument("--to", dest="month_to", metavar="YYYY-MM", help="last month to include")
    a.add_argument("--measure", choices=["count", "harm", "rate", "density"], default="count")
    a.add_argument("--weights", default="queen", metavar="SPEC", help="queen (default), rook, knn:K or distance:METRES")
    a.add_argument("--permutations", type=int, default=999, metavar="N")
    a.add_argument("--seed", type=int, default=12345, metavar="N")
    a.add_argument("--alpha", type=float, default=0.05, metavar="A")
    a.add_argument("--fdr", action="store_true", help="control the false discovery rate (Benjamini-Hochberg)")
    a.add_argument("--n-jobs", type=int, default=2, metavar="N", help="threads for the permutations (default 2)")
    a.add_argument("--draws", choices=["stable", "esda", "fast"], default="stable",
                   help="permutation draws: stable (default; one random stream per LSOA code, more permutations "
                        "where a p-value is near a cut-off: the map does not depend on the row order and "
                        "hardly on the seed), esda (the same seed gives esda's p-values exactly) or fast "
                        "(esda's scheme, quicker; agrees with esda within Monte Carlo error)")
    a.add_argument("--cell", type=float, default=150.0, metavar="METRES",
                   help="patrol-spot grid cell side in metres, 50-500 (default 150)")
    a.add_argument("--spots", type=int, default=20, metavar="N", help="patrol spots in the plan (default 20)")
    a.add_argument("--keep-partner-places", action="store_true",
                   help="keep hospital sites, police stations, prisons and shoplifting-dominated retail places in "
                        "the patrol spots and zones (by default they are left out and listed in partner_places.csv)")
    a.add_argument("--zones", type=int, default=40, metavar="N",
                   help="at most N patrol zones, compact groups of top-ranked cells in a 2 km square (default 40)")
    a.add_argument("--zone-share", type=float, default=0.35, metavar="S",
                   help="patrol zones are built from the top-ranked cells that together hold this share of the "
                        "crime, 0.01-0.9 (default 0.35)")
    a.add_argument("--out", required=True, metavar="DIR", help="output folder (created if missing)")
    a.add_argument("--evidence-area", metavar="AREA", default=None,
                   help="area of evidence.docx: top[:N] zones (default top:3), zone:K, lsoa:CODE,..., district:NAME")
    a.add_argument("--no-exports", action="store_true", help="write only lsoa_results.csv and summary.json")
    a.add_argument("--public", action="store_true",
                   help="write a publication set instead of the working files: counts below --suppress-below as "
                        "'fewer than N', areas only (no crime or StreetSafe points), no free text, the public "
                        "'you said, we did', and disclosure.txt listing every suppression")
    a.add_argument("--suppress-below", type=int, default=5, metavar="N",
                   help="in a publication set, counts from 1 to N-1 are shown as 'fewer than N' (default 5)")
    a.add_argument("--sensitive-type", metavar="NAME", action="append", default=None,
                   help="a crime type published only at LSOA level and above the threshold (repeatable; sexual "
                        "offences always are)")
    a.add_argument("--under-review", action="store_true",
                   help="the public 'you said, we did' also lists concerns with no action yet, as 'Under review'")
    a.add_argument("--marking", metavar="TEXT", default=None,
                   help="protective marking line on the working map, briefing, evidence pack, workbooks and "
                        "summary.json (default 'OFFICIAL - SENSITIVE: not for publication')")
    a.add_argument("--title", metavar="TEXT", default=None,
                   help="the study's name on the map, briefing, evidence pack and workbook (default: the places it "
                        "covers, e.g. 'Kent and Medway', from the LSOAs' districts)")
    a.add_argument("--quiet", action="store_true", help="no progress messages")
    a.add_argument("--debug", action="store_true", help="show tracebacks for unexpected errors")
    sub.add_parser("analyse", aliases=["analyze"], parents=[a],
                        help="count crime per LSOA, find hot spots and patrol spots, write results",
                        description="Count crime per LSOA, run Local Moran's I and Getis-Ord Gi* with permutation "
                                    "inference, find patrol spots on a micro-place grid, and write "
                                    "lsoa_results.csv and summary.json (and the exports).")
    ev = sub.add_parser("evaluate", parents=[a], help="backtest the patrol plans: build on training months, "
                        "score on test months",
                        description="Build the patrol plans and two naive rankings on the training months and "
                                    "score them on the test months (share of test crime, crimes per km², PAI, "
                                    "Levine's RRI, PEI* against the hindsight ceiling, at each plan's area and at "
                                    "equal area), and say the verdict in one sentence; writes evaluation.json, "
                                    "evaluation.csv and concentration.png. With --rolling K every month from "
                                    "--test-from to --test-to is scored from the K months before it.")
    for flag, what in (("--train-from", "first training month (not with --rolling)"),
                       ("--train-to", "last training month (not with --rolling)"),
                       ("--test-from", "first test month"), ("--test-to", "last test month")):
        ev.add_argument(flag, metavar="YYYY-MM", help=what)
    ev.add_argument("--rolling", metavar="K", default=None,
                    help="rolling backtest: each month from --test-from to --test-to is a window trained on the K "
                         "months before it (e.g. --rolling 3 --test-from 2021-04 --test-to 2021-12)")

    from .cli_fetch import add_parser as add_fetch_parser

    add_fetch_parser(sub, _Parser)

    d = sub.add_parser("demo", help="generate the synthetic demo town",
                       description="Write the synthetic demo study (boundaries, crimes, IMD, pubs, StreetSafe).")
    d.add_argument("--out", default=None, metavar="DIR", help="folder to write (default gis_data/demo)")
    d.add_argument("--seed", type=int, default=None, metavar="N")
    return p


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
    from .data.errors import DataError
    from .study import Settings, Study, demo_study

    if args.demo:
        study = demo_study()
        if not Path(study.boundaries).exists():  # an installed copy without gis_data/: make it once
            from .demo import generate_demo
            from .study import DEMO_DIR

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
        from .data.actions import read_actions

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
    from .data.errors import DataError

    if not str(args.out).strip():  # Path("") is ".": it would write into the current folder
        raise DataError(None, "no output folder given", hint="name a folder for the results", setting="out")


def _analyse(args: argparse.Namespace) -> int:
    from .pipeline import run_study

    _check_out(args)
    study = _study(args)
    _disclosure_settings(study, args)
    result = run_study(study, Path(args.out), progress=_progress_printer(args.quiet),
                       exports=not args.no_exports, public=bool(getattr(args, "public", False)))
    _say_what_was_seen(result, args)
    return 0


def _disclosure_settings(study, args: argparse.Namespace) -> None:  # noqa: ANN001 - a Study
    """The publication flags onto the study's settings (checked in Settings.validated)."""
    if getattr(args, "public", False) and args.no_exports:
        from .data.errors import DataError

        raise DataError(None, "--public and --no-exports cannot be used together",
                        hint="drop --no-exports: a publication set is its own set of files", setting="public")
    s = study.settings
    s.suppress_below = args.suppress_below
    s.sensitive_types = list(args.sensitive_type) if args.sensitive_type else None
    s.update_under_review = bool(args.under_review)
    if args.marking is not None:
        s.marking = args.marking


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_study

    _check_out(args)
    study = _study(args)
    from .evaluation_report import report_lines, verdict_lines
    from .export.run_folder import folder_lock

    with folder_lock(Path(args.out)):  # an analysis writing into the same folder refuses, and vice versa
        bt, written = evaluate_study(study, Path(args.out), args.train_from, args.train_to, args.test_from,
                                     args.test_to, rolling=args.rolling, progress=_progress_printer(args.quiet))
    for note in getattr(bt, "mean", bt).notes:
        if note.startswith("no ") or ": none built in" in note:
            sys.stderr.write(f"warning: {_one_line(note)}\n")
    if not args.quiet:
        for line in report_lines(bt):
            sys.stderr.write(line + "\n")
        sys.stderr.write(f"wrote {len(written)} files to {args.out}\n")
    for line in verdict_lines(bt):  # the answer, on stdout even when --quiet
        sys.stdout.write(line + "\n")
    return 0


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
    from .summary import cluster_counts

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


def _one_line(text: str) -> str:
    """Text from input files on one line, with control characters (terminal escapes) shown safely."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text).replace("\n", " "))


#: the CLI's words for the settings and layers a DataError names
FLAGS = {
    "boundaries": "--boundaries", "crimes": "--crimes", "imd": "--imd", "pubs": "--pubs",
    "streetsafe": "--streetsafe", "population": "--population", "harm_weights": "--harm-weights",
    "lsoa_lookup": "--lsoa-lookup",
    "actions": "--actions",
    "measure": "--measure", "weights": "--weights", "permutations": "--permutations", "seed": "--seed",
    "alpha": "--alpha", "fdr": "--fdr", "draws": "--draws", "months": "--from/--to", "month_from": "--from",
    "month_to": "--to", "crime_types": "--crime-type", "n_jobs": "--n-jobs", "out": "--out",
    "filters": "--crime-type/--from/--to", "zone_rule": "zone rule", "evidence_area": "--evidence-area",
    "cell": "--cell", "spots": "--spots", "keep_partner_places": "--keep-partner-places",
    "public": "--public", "suppress_below": "--suppress-below", "marking": "--marking", "zones": "--zones", "zone_share": "--zone-share",
    "train_from": "--train-from", "train_to": "--train-to", "test_from": "--test-from", "test_to": "--test-to",
    "split": "--train-from/--train-to/--test-from/--test-to",
    "rolling": "--rolling", "rolling_start": "--rolling/--test-from", "test_range": "--test-from/--test-to",
}


#: ``evaluate`` ignores --from/--to: its months are the training and test months
EVALUATE_FLAGS = {"filters": "--crime-type/--train-from/--train-to", "months": "--train-from/--test-to",
                  "month_from": "--train-from", "month_to": "--test-to"}


def _demo(args: argparse.Namespace) -> int:
    from .demo import generate_demo
    from .study import DEMO_DIR

    kwargs = {} if args.seed is None else {"seed": args.seed}
    out = generate_demo(Path(args.out) if args.out else DEMO_DIR, **kwargs)
    sys.stderr.write(f"demo study written to {out}\n")
    return 0


def _warning_printer(quiet: bool, debug: bool, original):
    """``warnings.showwarning`` for the CLI: ours as one ``warning:`` line, libraries' hidden.

    GDAL, pandas and friends warn about things the analyst cannot act on (and in several
    lines with a source excerpt), which would break the one-``error:``-line contract; what
    matters from the inputs is in summary.json. ``--debug`` shows everything as Python would.
    """
    from . import HotspotsWarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if debug:
            original(message, category, filename, lineno, file, line)
        elif issubclass(category, HotspotsWarning) and not quiet:
            sys.stderr.write(f"warning: {str(message).splitlines()[0] if str(message) else category.__name__}\n")

    return show


def main(argv: list[str] | None = None) -> int:
    import warnings

    from .memory import limit_arenas

    limit_arenas()  # address space a memory-limited machine can give (see hotspots.memory)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"hotspots {__version__}")
        return 0
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    original = warnings.showwarning
    warnings.showwarning = _warning_printer(getattr(args, "quiet", False), getattr(args, "debug", False),
                                            original)
    try:
        return _run(args)
    finally:
        warnings.showwarning = original


def _run(args: argparse.Namespace) -> int:
    from .data.errors import DataError
    from .progress import Cancelled

    try:
        if args.command in ("analyse", "analyze"):
            return _analyse(args)
        if args.command == "fetch":
            from .cli_fetch import run as run_fetch

            return run_fetch(args)
        if args.command == "evaluate":
            return _evaluate(args)
        return _demo(args)
    except DataError as exc:
        names = {**FLAGS, **EVALUATE_FLAGS} if args.command == "evaluate" else FLAGS
        sys.stderr.write(f"error: {_one_line(exc.describe(names))}\n")
        return 2
    except (KeyboardInterrupt, Cancelled):
        sys.stderr.write("error: interrupted; no partial outputs were kept\n")
        return 130
    except Exception as exc:  # the last line of defence: one line, no traceback
        from .failures import as_failure

        failure = as_failure(exc, _STAGE[0])  # out of memory, a killed export worker: said plainly
        if failure is not None and not getattr(args, "debug", False):
            sys.stderr.write(f"error: {_one_line(failure.describe())}\n")
            return 1
        if getattr(args, "debug", False):
            raise
        sys.stderr.write(f"error: unexpected {type(exc).__name__}: {exc} (fix: rerun with --debug and report it)\n")
        return 1


def entry() -> None:
    """Console-script entry: run, flush, and leave without tearing the interpreter down.

    Every output is already written and renamed into place (atomically) when ``main`` returns;
    skipping the interpreter's teardown of pandas, GEOS and PROJ objects saves a few tens of
    milliseconds on every run, which matters for the quick re-runs analysts make."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
