"""``hotspots evaluate`` outputs: evaluation.json, evaluation.csv and concentration.png.

``evaluation.json`` holds one object per plan under the plan's name (``patrol_spots``,
``lsoa_zones``, ``naive_cells``, ``naive_lsoa_density``) with ``area_share``, ``capture``,
``pai``, ``rri`` at the plan's own area (a naive ranking's own area is that of the plan it is
the baseline for, named in ``area_basis``) and ``equal_area`` figures at every other plan's
area; the same objects are listed in ``plans``. The CSV is one row per plan and area basis.
The chart (matplotlib, imported here only) is every plan's concentration curve: share of the
test months' crime against share of the study area, in rank order.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from ..backtest import Backtest
from .atomic import atomic_path, write_text_atomic
from .safe_text import neutralise

__all__ = ["write_evaluation", "write_evaluation_json", "write_evaluation_csv", "write_concentration_png",
           "CSV_COLUMNS"]

CSV_COLUMNS = ["plan", "at", "area_share", "capture", "pai", "rri", "train_share", "area_km2", "units"]
_COLOURS = {"patrol_spots": "#d7301f", "lsoa_zones": "#2b8cbe", "naive_cells": "#636363",
            "naive_lsoa_density": "#74c476"}
_LABELS = {"patrol_spots": "Patrol spots", "lsoa_zones": "LSOA zones", "naive_cells": "Cells by training count",
           "naive_lsoa_density": "LSOAs by training density"}


def evaluation_dict(bt: Backtest) -> dict:
    d = bt.to_dict()
    out = {p["plan"]: p for p in d["plans"]}
    out.update(d)
    return out


def write_evaluation_json(bt: Backtest, path: str | Path) -> Path:
    return write_text_atomic(path, json.dumps(evaluation_dict(bt), indent=2, allow_nan=False, ensure_ascii=False))


def write_evaluation_csv(bt: Backtest, path: str | Path) -> Path:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in bt.rows():
        w.writerow({k: ("" if v is None else neutralise(v)) for k, v in row.items()})
    return write_text_atomic(path, buf.getvalue())


def write_concentration_png(bt: Backtest, path: str | Path) -> Path:
    """Two panels: the first 2% of the area (where patrols work), and all of it on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), dpi=120)
    for ax, log in zip(axes, (False, True), strict=True):
        for p in bt.plans:
            x, y = p.curve_area * 100, p.curve_capture * 100
            if log:
                keep = x > 0
                x, y = x[keep], y[keep]
            else:
                keep = x <= 2.0
                x, y = x[keep], y[keep]
            if len(x) == 0:
                continue
            ax.plot(x, y, color=_COLOURS.get(p.name, "k"), lw=1.6, label=_LABELS.get(p.name, p.name),
                    marker="o" if len(x) < 40 else None, ms=3)
            o = p.own
            if o.area_share == o.area_share and o.capture == o.capture and p.area_basis == "own":
                ax.plot([o.area_share * 100], [o.capture * 100], marker="s", color=_COLOURS.get(p.name, "k"), ms=6)
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
    fig.suptitle(f"Where the plans of {bt.train_months[0]}..{bt.train_months[1]} found the crime of "
                 f"{bt.test_months[0]}..{bt.test_months[1]} ({bt.test_crimes:,} crimes)", fontsize=11)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
    return Path(path)


def write_evaluation(bt: Backtest, out: Path) -> list[Path]:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [write_evaluation_json(bt, out / "evaluation.json"), write_evaluation_csv(bt, out / "evaluation.csv"),
            write_concentration_png(bt, out / "concentration.png")]
