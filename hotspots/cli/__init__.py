"""``hotspots`` command line: the same engine as the desktop app, headless.

Exit codes (a contract): 0 success; 2 bad input or usage, with one ``error:`` line on stderr
naming the file (row/column where known) and the fix; 1 anything else; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .analyse import _STAGE, _analyse, _study
from .arguments import build_parser
from .evaluate import _evaluate
from .parser import _one_line

__all__ = ["main", "entry", "build_parser", "FLAGS", "EVALUATE_FLAGS", "_study"]


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
    from ..demo import generate_demo
    from ..study import DEMO_DIR

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
    from .. import HotspotsWarning

    def show(message, category, filename, lineno, file=None, line=None) -> None:
        if debug:
            original(message, category, filename, lineno, file, line)
        elif issubclass(category, HotspotsWarning) and not quiet:
            sys.stderr.write(f"warning: {str(message).splitlines()[0] if str(message) else category.__name__}\n")

    return show


def main(argv: list[str] | None = None) -> int:
    import warnings

    from ..runtime.blas import one_blas_thread
    from ..runtime.memory import limit_arenas

    one_blas_thread()  # before NumPy loads (see hotspots.runtime.blas)
    limit_arenas()  # address space a memory-limited machine can give (see hotspots.runtime.memory)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from .. import __version__

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
    from ..data.errors import DataError
    from ..progress import Cancelled

    try:
        if args.command in ("analyse", "analyze"):
            return _analyse(args)
        if args.command == "fetch":
            from .fetch import run as run_fetch

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
        from ..runtime.failures import as_failure

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
    milliseconds on every run, which matters for the quick re-runs analysts make. The process
    ends with its run, so the cycle collector may leave its imports alone
    (:mod:`hotspots.runtime.collector`)."""
    from ..runtime.collector import whole_process

    whole_process()
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

