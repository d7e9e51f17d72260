"""The backtest as lines of text for a terminal: a table a user can read, the caveat and the verdict.

One line per plan: the share of the area it covers, the share of the test crime it caught and
that per km², its PAI and RRI, and beside it what a naive ranking caught at the same area and
the hindsight ceiling (with PEI*); then the same on the test crime a patrol can address
(outside the partner places the plan left out). A rolling backtest adds one block per window, so a user sees
whether a plan wins every month or only on average.
"""

from __future__ import annotations

import numpy as np

from ..plans.backtest import Backtest, RollingBacktest, naive_at, plan_words, snap_caveat
from ..plans.verdict import pct

__all__ = ["report_lines", "plan_line", "verdict_lines"]


def _num(x: float, fmt: str) -> str:
    return "n/a" if x is None or not np.isfinite(x) else format(x, fmt)


#: the naive rankings' short names in the table's "vs" columns
_SHORT = {"naive_cells": "cells", "naive_cells_patrol": "cells no partner", "naive_lsoa_density": "LSOA density"}


def _header(bt: Backtest) -> str:
    vs = "".join(f" {'vs ' + _SHORT.get(n, n):>19s}" for n in bt.baselines)
    return (f"{'plan':28s} {'area':>7s} {'caught':>7s} {'per km²':>8s} {'PAI':>7s} {'RRI':>5s} {'ceiling':>8s} "
            f"{'PEI*':>5s}{vs}")


def plan_line(bt: Backtest, name: str) -> str:
    """One plan at its own area: area, capture, crimes per km², PAI, RRI, the hindsight ceiling and PEI*,
    and its capture over each naive ranking's at the same area."""
    o = bt.plan(name).own
    vs = ""
    for n in bt.baselines:
        s = naive_at(bt, n, name)
        ratio = o.capture / s.capture if s is not None and s.capture > 0 else float("nan")
        vs += f" {_num(ratio, '.2f') + 'x' if np.isfinite(ratio) else '-':>19s}"
    return (f"{plan_words(name)[:28]:28s} {pct(o.area_share):>7s} {pct(o.capture):>7s} "
            f"{_num(o.crimes_per_km2, ',.0f'):>8s} {_num(o.pai, '.1f'):>7s} {_num(o.rri, '.2f'):>5s} "
            f"{pct(o.ceiling):>8s} {_num(o.pei, '.2f'):>5s}{vs}")


def _split_lines(bt: Backtest) -> list[str]:
    lines = [_header(bt)] + [plan_line(bt, p.name) for p in bt.plans if p.name not in bt.baselines]
    a = bt.addressable
    if a is not None:
        info = bt.partners or {}
        if info.get("kept_in_plan"):
            lines.append("on the crime a patrol can address: every test crime (partner places kept in the plan)")
        else:
            lines.append(f"on the crime a patrol can address ({a.test_crimes:,} test crimes outside the partner places "
                         "found on the training months):")
            lines += ["  " + line for line in [_header(a)] + [plan_line(a, p.name) for p in a.plans
                                                               if p.name not in a.baselines]]
    return lines


def verdict_lines(bt: Backtest | RollingBacktest) -> list[str]:
    """The headline verdict first, then the other plans' sentences."""
    from ..plans.verdict import rolling_verdicts, verdicts

    head = bt.verdict()
    every = rolling_verdicts(bt) if isinstance(bt, RollingBacktest) else verdicts(bt)
    return [head] + [v for v in every.values() if v != head]


def report_lines(bt: Backtest | RollingBacktest) -> list[str]:
    """The lines the CLI prints on stderr after an evaluation: the figures and the snap-point caveat."""
    lines: list[str] = []
    if isinstance(bt, RollingBacktest):
        for i, w in enumerate(bt.windows, start=1):
            lines.append(f"window {i}: trained {w.train_months[0]}..{w.train_months[1]} ({w.train_crimes:,} crimes), "
                         f"tested {w.test_months[0]} ({w.test_crimes:,} crimes)")
            lines += ["  " + line for line in _split_lines(w)]
        lines.append(f"mean of {len(bt.windows)} windows:")
        lines += ["  " + line for line in _split_lines(bt.mean)]
        snap = bt.mean.snap_share
    else:
        lines.append(f"trained {bt.train_months[0]}..{bt.train_months[1]} ({bt.train_crimes:,} crimes), "
                     f"tested {bt.test_months[0]}..{bt.test_months[1]} ({bt.test_crimes:,} crimes)")
        lines += ["  " + line for line in _split_lines(bt)]
        snap = bt.snap_share
    lines.append(snap_caveat(snap))
    return lines
