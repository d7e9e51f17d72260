"""``hotspots evaluate`` outputs: evaluation.json, evaluation.csv and concentration.png.

``evaluation.json`` holds one object per plan under the plan's name (``patrol_spots``,
``patrol_zones``, ``lsoa_zones``, ``naive_cells``, ``naive_cells_patrol`` (the naive cells
without the partner places), ``naive_lsoa_density``, whatever
:data:`hotspots.plans.backtest.PLANS` scored) with ``area_share``, ``capture``, ``crimes``,
``crimes_per_km2``, ``share_per_km2``, ``pai``, ``rri``, ``pei`` (PEI*) and ``ceiling`` (the
hindsight ceiling) at the plan's own area (a naive ranking's own area is that of the plan it is
the baseline for, named in ``area_basis``) and ``equal_area`` figures at every other plan's
area; the same objects are listed in ``plans``. Each plan's ``addressable`` object holds
the same figures on the test crime a patrol can address (outside the partner places the plan
left out on the training months); the top-level ``addressable`` says the rule, the crimes and
partner places left out, and the comparisons on that crime. ``verdict`` is the plain-words sentence,
``snap_points.caveat`` the snap-point caveat on PAI. A rolling backtest adds ``windows`` (each
month's split in full) and its plan figures are the means over the windows.

The CSV is one row per window, plan and area basis (a split is window 1), with the window's
months and ``snap_share``, the share of its test crimes on a point that held training crime
(the figure that qualifies its PAI), and ``addressable_capture``, ``addressable_crimes``,
``addressable_pai``, ``addressable_rri``, ``addressable_ceiling`` and ``addressable_pei``, the
same row's figures on addressable test crime. The chart (matplotlib, imported here only) is every plan's
concentration curve (a rolling backtest's mean curve) with the hindsight ceiling dashed.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..plans.backtest import CEILING, Backtest, RollingBacktest, plan_words, snap_caveat
from .atomic import atomic_path, write_text_atomic
from .safe_text import neutralise

__all__ = ["write_evaluation", "write_evaluation_json", "write_evaluation_csv", "write_concentration_png",
           "CSV_COLUMNS", "SEAL", "evaluation_dict"]

#: written last; holds the run id and the manifest of the other two (:class:`..run_folder.RunFolder`)
SEAL = "evaluation.json"

CSV_COLUMNS = ["window", "train_from", "train_to", "test_from", "test_to", "plan", "at", "area_share", "capture",
               "crimes", "crimes_per_km2", "share_per_km2", "pai", "rri", "pei", "ceiling", "train_share", "area_km2",
               "units", "snap_share", "addressable_capture", "addressable_crimes", "addressable_pai", "addressable_rri",
               "addressable_ceiling", "addressable_pei"]
_COLOURS = {"patrol_spots": "#d7301f", "patrol_zones": "#6a51a3", "lsoa_zones": "#2b8cbe", "naive_cells": "#636363",
            "naive_cells_patrol": "#bdbdbd", "naive_lsoa_density": "#74c476", CEILING: "#000000"}

Result = Backtest | RollingBacktest


def _split(bt: Result) -> Backtest:
    """What a chart or table shows: the split itself, or a rolling backtest's means."""
    return bt.mean if isinstance(bt, RollingBacktest) else bt


def evaluation_dict(bt: Result) -> dict:
    d = bt.to_dict()
    out = {p["plan"]: p for p in d["plans"]}
    out.update(d)
    return out


def write_evaluation_json(bt: Result, path: str | Path) -> Path:
    return write_text_atomic(path, json.dumps(evaluation_dict(bt), indent=2, allow_nan=False, ensure_ascii=False))


def write_evaluation_csv(bt: Result, path: str | Path) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    windows = bt.windows if isinstance(bt, RollingBacktest) else [bt]
    for i, win in enumerate(windows, start=1):
        snap = "" if win.snap_share is None else round(win.snap_share, 4)
        for row in win.rows(i):
            row["snap_share"] = snap
            w.writerow({k: ("" if v is None else neutralise(v)) for k, v in row.items()})
    return write_text_atomic(path, buf.getvalue())


def _title(bt: Result) -> str:
    if isinstance(bt, RollingBacktest):
        m = bt.mean
        return (f"Mean of {len(bt.windows)} windows: each month of {m.test_months[0]}..{m.test_months[1]} "
                f"found by the plans of the {bt.k} month{'s' if bt.k != 1 else ''} before it")
    return (f"Where the plans of {bt.train_months[0]}..{bt.train_months[1]} found the crime of "
            f"{bt.test_months[0]}..{bt.test_months[1]} ({bt.test_crimes:,} crimes)")


def write_concentration_png(bt: Result, path: str | Path) -> Path:
    """Two panels: the first 2% of the area (where patrols work), and all of it on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    split = _split(bt)
    curves = [(p.name, p.curve_area, p.curve_capture, p) for p in split.plans]
    if split.ceiling_curve is not None:
        curves.append((CEILING, split.ceiling_curve[0], split.ceiling_curve[1], None))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.9), dpi=120)
    for ax, log in zip(axes, (False, True), strict=True):
        for name, area, cap, p in curves:
            x, y = area * 100, cap * 100
            keep = x > 0 if log else x <= 2.0
            x, y = x[keep], y[keep]
            if len(x) == 0:
                continue
            ax.plot(x, y, color=_COLOURS.get(name, "k"), lw=1.2 if p is None else 1.6, label=plan_words(name),
                    ls="--" if p is None else "-", marker="o" if len(x) < 40 else None, ms=3)
            if p is None:
                continue
            o = p.own
            if o.area_share == o.area_share and o.capture == o.capture and p.area_basis == "own":
                ax.plot([o.area_share * 100], [o.capture * 100], marker="s", color=_COLOURS.get(name, "k"), ms=6)
        if log:
            ax.set_xscale("log")
            ax.set_title("All of the area (log scale)", fontsize=10)
        else:
            ax.set_xlim(0, 2.0)
            ax.set_title("The first 2% of the area", fontsize=10)
        ax.set_xlabel("share of the study area (%)")
        ax.set_ylabel("share of test-month crime (%)")
        ax.set_ylim(0, 100 if log else None)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, loc="lower right")
    fig.suptitle(_title(bt), fontsize=11)
    fig.text(0.5, 0.01, snap_caveat(split.snap_share), ha="center", va="bottom", fontsize=7, wrap=True,
             color="#444444")
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)


def write_evaluation(bt: Result, out: Path) -> list[Path]:
    """The three files, each written atomically into ``out`` (``hotspots evaluate`` writes them
    into its staging folder, then proves and renames them in with :data:`SEAL` last)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [write_evaluation_csv(bt, out / "evaluation.csv"), write_concentration_png(bt, out / "concentration.png"),
            write_evaluation_json(bt, out / SEAL)]
