"""``hotspots evaluate``: backtest the patrol plans and say the verdict."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .analyse import _check_out, _progress_printer, _study
from .parser import _one_line


def _evaluate(args: argparse.Namespace) -> int:
    from ..evaluation.backtest import evaluate_study

    _check_out(args)
    study = _study(args)
    from ..evaluation.report import report_lines, verdict_lines

    # evaluate_study holds the folder (an analysis writing into it meanwhile refuses, and vice versa)
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
