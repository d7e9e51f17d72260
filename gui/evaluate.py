"""The Evaluate action: backtest the patrol plans on the loaded study and show the table and curve.

The engine does the work (:func:`hotspots.evaluation.run_backtest` in a worker, the chart by
:func:`hotspots.export.evaluation.write_concentration_png`); this module only picks the split
(the last three months with data are the test, the months before them the training) and shows
the result in a window of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

__all__ = ["default_split", "EvaluationView", "start_evaluation", "PLAN_WORDS"]

PLAN_WORDS = {"patrol_spots": "Patrol spots", "lsoa_zones": "LSOA zones",
              "naive_cells": "Cells ranked by count (same area as the spots)",
              "naive_lsoa_density": "LSOAs ranked by density (same area as the zones)"}


def default_split(months: list[str], test_months: int = 3) -> tuple[str, str, str, str] | None:
    """Train on all but the last ``test_months`` months with data, test on those; None if too few."""
    months = sorted(months)
    if len(months) < test_months + 1:
        return None
    return months[0], months[-test_months - 1], months[-test_months], months[-1]


def _pct(x: float | None, d: int) -> str:
    return "-" if x is None or x != x else f"{100 * x:.{d}f}%"


class EvaluationView(QDialog):
    """The backtest table (one row per plan, at its own area) over the concentration curve."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evaluate: plans built on earlier months, scored on later months")
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.table = QTableWidget(0, 6)
        self.table.setHorizontalHeaderLabels(["Plan", "Area basis", "% of test crime", "% of area", "PAI", "RRI"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.chart = QLabel()
        self.chart.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay = QVBoxLayout(self)
        lay.addWidget(self.caption)
        lay.addWidget(self.table)
        lay.addWidget(self.chart, 1)
        self.resize(1000, 760)

    def show_backtest(self, bt: Any, png: Path) -> None:
        self.caption.setText(f"Built on {bt.train_months[0]} to {bt.train_months[1]} ({bt.train_crimes:,} crimes), "
                             f"scored on {bt.test_months[0]} to {bt.test_months[1]} ({bt.test_crimes:,} crimes). "
                             "PAI = share of crime / share of area; RRI (Levine 2008) = test share / training share.")
        self.table.setRowCount(len(bt.plans))
        for r, p in enumerate(bt.plans):
            o = p.own
            vals = [PLAN_WORDS.get(p.name, p.name), p.area_basis, _pct(o.capture, 1), _pct(o.area_share, 3),
                    "-" if o.pai != o.pai else f"{o.pai:,.1f}", "-" if o.rri != o.rri else f"{o.rri:.2f}"]
            for c, v in enumerate(vals):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.chart.setPixmap(QPixmap(str(png)).scaledToWidth(960, Qt.TransformationMode.SmoothTransformation))


def start_evaluation(win: Any) -> Any:
    """Run the backtest of the window's study in a worker; show the result when done."""
    from hotspots.evaluation import run_backtest
    from hotspots.export.evaluation import write_concentration_png

    state = win.state
    if not state.can_analyse():
        win._error("Cannot evaluate", "Load LSOA boundaries and crime files first.")
        return None
    split = default_split(state.months())
    if split is None:
        win._error("Cannot evaluate", "The crime files hold fewer than four months: a backtest needs earlier "
                   "months to build the plans and later months to score them.")
        return None
    layers = state.layers
    settings = state.output.analysis.settings if state.output is not None else state.study.settings
    png = Path(win._tmp) / "concentration.png"

    def work(progress, cancel):  # noqa: ANN001, ANN202 - the Task signature
        bt = run_backtest(layers, settings, *split, progress=progress, cancel=cancel)
        return bt, write_concentration_png(bt, png)

    def done(result) -> None:  # noqa: ANN001
        bt, path = result
        if getattr(win, "evaluation_view", None) is None:
            win.evaluation_view = EvaluationView(win)
        win.evaluation_view.show_backtest(bt, path)
        win.evaluation_view.show()
        sp = bt.plan("patrol_spots").own
        win.status.setText(f"Evaluated: patrol spots held {_pct(sp.capture, 1)} of {split[2]}..{split[3]} crime "
                           f"in {_pct(sp.area_share, 3)} of the area.")

    return win._start("evaluation", work, done, f"Evaluating the plans ({split[0]}..{split[1]} vs {split[2]}..{split[3]})…")
