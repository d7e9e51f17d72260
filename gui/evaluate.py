"""The Evaluate window: pick the months, backtest the patrol plans, read the verdict, table and curve.

The engine does the work (:func:`hotspots.evaluation.backtest.run_backtest` or
:func:`hotspots.evaluation.backtest.run_rolling` in the window's worker, the chart by
:func:`hotspots.export.evaluation.write_concentration_png`, the sentence by
:mod:`hotspots.plans.verdict`); this module picks the months with the user (the last three months
with data are the default test, the months before them the training; or a rolling backtest of
every month from the K before it), shows progress with a Cancel button while the worker runs,
and shows the result. The months are checked by the engine's own rules before anything runs,
and a bad choice is said under the controls, naming the control.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hotspots.plans.backtest import PLAN_WORDS

__all__ = ["default_split", "default_rolling", "EvaluationView", "start_evaluation", "run_evaluation", "PLAN_WORDS",
           "CONTROLS"]

#: the controls a month error names (the engine's setting -> this window's words)
CONTROLS = {"train_from": "Evaluate > Train from", "train_to": "Evaluate > Train to",
            "test_from": "Evaluate > Test from", "test_to": "Evaluate > Test to",
            "split": "Evaluate > months", "rolling": "Evaluate > Months before each test month",
            "rolling_start": "Evaluate > Months before each test month / Test from",
            "test_range": "Evaluate > Test from / Test to"}

SPLIT, ROLLING = "One split: train on some months, test on the months after", \
    "Rolling: each test month from the months just before it"
_COLUMNS = ["Window", "Plan", "Area", "% of area", "% of test crime", "Crimes per km²", "PAI", "RRI",
            "Ceiling", "PEI*", "vs cells by past crime", "vs cells, partner places left out",
            "% of crime a patrol can address", "Addressable: vs cells / vs cells without partner places"]


#: what the addressable columns mean (the caption's last sentence)
_ADDRESSABLE = ("Crime a patrol can address: the test crime outside the partner places (hospital sites, police "
                "stations, prisons, shoplifting-dominated retail places) the plan left out on the training months.")


def default_split(months: list[str], test_months: int = 3) -> tuple[str, str, str, str] | None:
    """Train on all but the last ``test_months`` months with data, test on those; None if too few."""
    months = sorted(months)
    if len(months) < test_months + 1:
        return None
    return months[0], months[-test_months - 1], months[-test_months], months[-1]


def default_rolling(months: list[str], k: int = 3) -> tuple[int, str, str] | None:
    """``k`` months before each test month (fewer when the data are short), every later month tested."""
    months = sorted(months)
    if len(months) < 2:
        return None
    k = max(1, min(k, len(months) - 1))
    return k, months[k], months[-1]


def _pct(x: float | None, d: int) -> str:
    return "-" if x is None or x != x else f"{100 * x:.{d}f}%"


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None or x != x else format(x, fmt)


def _basis(basis: str) -> str:
    """'own', or the plan whose area a naive ranking is cut to, in words."""
    if basis == "own" or not basis.endswith(" area"):
        return basis
    words = PLAN_WORDS.get(basis[:-5], basis[:-5])
    return f"as {words if words[1:2].isupper() else words[0].lower() + words[1:]}"


def _vs_cells(bt: Any, name: str, naive: str = "naive_cells") -> str:
    """The plan's capture over a naive cells ranking's at the plan's area ('-' for a naive ranking)."""
    from hotspots.plans.backtest import naive_at

    if bt is None or name in bt.baselines or not bt.has(name):
        return "-"
    s = naive_at(bt, naive, name)
    mine = bt.plan(name).own.capture
    if s is None or not s.capture > 0 or mine != mine:
        return "-"
    return f"{mine / s.capture:.2f}x"


def _addressable(bt: Any, name: str) -> tuple[str, str]:
    """The plan's share of the test crime a patrol can address, and its ratios over both naive cells there."""
    a = getattr(bt, "addressable", None)
    if a is None or not a.has(name):
        return "-", "-"
    ratios = "-" if name in a.baselines else \
        f"{_vs_cells(a, name)} / {_vs_cells(a, name, 'naive_cells_patrol')}"
    return _pct(a.plan(name).own.capture, 1), ratios


class EvaluationView(QDialog):
    """Month pickers and Run/Cancel over the verdict, the table, the PAI caveat and the curve."""

    def __init__(self, months: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Evaluate: plans built on earlier months, scored on later months")
        self.months = sorted(months)
        self.mode = QComboBox()
        self.mode.addItems([SPLIT, ROLLING])
        self.train_from, self.train_to, self.test_from, self.test_to = (self._month_box() for _ in range(4))
        self.rolling = QSpinBox()
        self.rolling.setRange(1, 36)
        self.rolling.setSuffix(" months")
        self.rolling.setToolTip("Each test month is scored by the plans built on this many months just before it")
        form = QFormLayout()
        form.addRow("Backtest", self.mode)
        form.addRow("Train from", self.train_from)
        form.addRow("Train to", self.train_to)
        form.addRow("Months before each test month", self.rolling)
        form.addRow("Test from", self.test_from)
        form.addRow("Test to", self.test_to)
        self.run_button = QPushButton("Run backtest")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        self.message = QLabel("")  # errors in choosing months, progress text, "cancelled"
        self.message.setWordWrap(True)
        self.caption = QLabel("")
        self.caption.setWordWrap(True)
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict.setStyleSheet("font-weight: bold")
        self.table = QTableWidget(0, len(_COLUMNS))
        self.table.setHorizontalHeaderLabels(_COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.caveat = QLabel("")
        self.caveat.setWordWrap(True)
        self.caveat.setStyleSheet("color: #555555")
        self.chart = QLabel()
        self.chart.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.chart)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addWidget(self.verdict)
        lay.addWidget(self.caption)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.caveat)
        lay.addWidget(scroll, 2)
        self.running = False
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self._set_defaults()
        self._mode_changed()
        self.resize(1040, 900)

    # -- months ------------------------------------------------------------------------------
    def _month_box(self) -> QComboBox:
        box = QComboBox()
        box.addItems(self.months)
        return box

    def _set_defaults(self) -> None:
        split = default_split(self.months)
        if split is not None:
            for box, m in zip((self.train_from, self.train_to, self.test_from, self.test_to), split, strict=True):
                box.setCurrentText(m)
        rolling = default_rolling(self.months)
        if rolling is not None:
            self.rolling.setValue(rolling[0])

    def _mode_changed(self) -> None:
        rolling = self.is_rolling()
        self.train_from.setEnabled(not rolling)
        self.train_to.setEnabled(not rolling)
        self.rolling.setEnabled(rolling)

    def is_rolling(self) -> bool:
        return self.mode.currentIndex() == 1

    def choose_split(self, train_from: str, train_to: str, test_from: str, test_to: str) -> None:
        """Pick a single split (tests and scripted use)."""
        self.mode.setCurrentIndex(0)
        for box, m in zip((self.train_from, self.train_to, self.test_from, self.test_to),
                          (train_from, train_to, test_from, test_to), strict=True):
            box.setCurrentText(m)

    def choose_rolling(self, k: int, test_from: str, test_to: str) -> None:
        """Pick a rolling backtest (tests and scripted use)."""
        self.mode.setCurrentIndex(1)
        self.rolling.setValue(int(k))
        self.test_from.setCurrentText(test_from)
        self.test_to.setCurrentText(test_to)

    def request(self) -> tuple:
        """``("split", train_from, train_to, test_from, test_to)`` or ``("rolling", k, test_from, test_to)``,
        checked by the engine's rules (raises :class:`DataError` naming the setting)."""
        from hotspots.evaluation.backtest import check_split, rolling_windows

        tf, tt = self.test_from.currentText(), self.test_to.currentText()
        if self.is_rolling():
            k = int(self.rolling.value())
            rolling_windows(k, tf, tt, self.months)
            return ("rolling", k, tf, tt)
        split = (self.train_from.currentText(), self.train_to.currentText(), tf, tt)
        check_split(*split)
        return ("split", *split)

    # -- running -----------------------------------------------------------------------------
    def set_running(self, running: bool) -> None:
        self.running = running
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.progress.setVisible(running)
        self.progress.setValue(0)
        for w in (self.mode, self.train_from, self.train_to, self.rolling, self.test_from, self.test_to):
            w.setEnabled(not running)
        if not running:
            self._mode_changed()

    def show_progress(self, message: str, fraction: float) -> None:
        """The worker's progress, while this view's backtest runs (the window's other jobs are not ours)."""
        if not self.running:
            return
        self.progress.setValue(int(1000 * max(0.0, min(1.0, fraction))))
        self.message.setText(message)

    def job_ended(self, name: str, outcome: str) -> None:
        """The window's worker ended a job: if it was our backtest, give the controls back."""
        if name != "evaluation" or not self.running:
            return
        self.set_running(False)
        if outcome == "cancelled":
            self.message.setText("Backtest cancelled; the table shows the last finished run.")
        elif outcome == "finished":
            self.message.setText("")

    # -- results -----------------------------------------------------------------------------
    def show_backtest(self, bt: Any, png: Path) -> None:
        """Show a split's or a rolling backtest's verdict, table, caveat and curve."""
        from hotspots.plans.backtest import RollingBacktest, snap_caveat

        rolling = isinstance(bt, RollingBacktest)
        split = bt.mean if rolling else bt
        self.verdict.setText(bt.verdict())
        if rolling:
            self.caption.setText(
                f"{len(bt.windows)} windows: each month from {split.test_months[0]} to {split.test_months[1]} scored "
                f"by the plans of the {bt.k} month{'s' if bt.k != 1 else ''} before it; the first rows are the means. "
                "PAI = share of crime / share of area; RRI (Levine 2008) = test share / training share; ceiling = "
                "the most any plan of that area could have caught (the test month's own top cells); PEI* = share "
                "caught / ceiling. " + _ADDRESSABLE)
        else:
            self.caption.setText(
                f"Built on {bt.train_months[0]} to {bt.train_months[1]} ({bt.train_crimes:,} crimes), scored on "
                f"{bt.test_months[0]} to {bt.test_months[1]} ({bt.test_crimes:,} crimes). PAI = share of crime / "
                "share of area; RRI (Levine 2008) = test share / training share; ceiling = the most any plan of that "
                "area could have caught (the test months' own top cells); PEI* = share caught / ceiling. "
                + _ADDRESSABLE)
        rows = [(f"mean of {len(bt.windows)}" if rolling else "", split, p) for p in split.plans]
        if rolling:
            rows += [(w.test_months[0], w, p) for w in bt.windows for p in w.plans]
        self.table.setColumnHidden(0, not rolling)  # a split has one window
        self.table.setRowCount(len(rows))
        for r, (window, b, p) in enumerate(rows):
            o = p.own
            vals = [window, PLAN_WORDS.get(p.name, p.name), _basis(p.area_basis), _pct(o.area_share, 3),
                    _pct(o.capture, 1), _num(o.crimes_per_km2, ",.0f"), _num(o.pai, ",.1f"), _num(o.rri, ".2f"),
                    _pct(o.ceiling, 1), _num(o.pei, ".2f"), _vs_cells(b, p.name),
                    _vs_cells(b, p.name, "naive_cells_patrol"), *_addressable(b, p.name)]
            for c, v in enumerate(vals):
                self.table.setItem(r, c, QTableWidgetItem(v))
        self.caveat.setText(snap_caveat(split.snap_share))
        self.chart.setPixmap(QPixmap(str(png)).scaledToWidth(980, Qt.TransformationMode.SmoothTransformation))


def _view(win: Any) -> EvaluationView:
    """The window's Evaluate view, made (and wired to the window's worker) once per set of months."""
    months = win.state.months()
    view = getattr(win, "evaluation_view", None)
    if view is None or view.months != sorted(months):
        if view is not None:  # new crime files: the months to pick from changed
            view.close()
            view.deleteLater()
        view = EvaluationView(months, win)
        view.run_button.clicked.connect(lambda: run_evaluation(win, view))
        view.cancel_button.clicked.connect(win.cancel)
        win.runner.progress.connect(view.show_progress)
        win.runner.ended.connect(view.job_ended)
        win.evaluation_view = view
    return view


def start_evaluation(win: Any) -> Any:
    """The Evaluate action: open the Evaluate view and run its default months (the last three tested)."""
    state = win.state
    if not state.can_analyse():
        win._error("Cannot evaluate", "Load LSOA boundaries and crime files first.")
        return None
    if default_split(state.months()) is None:
        win._error("Cannot evaluate", "The crime files hold fewer than four months: a backtest needs earlier "
                   "months to build the plans and later months to score them.")
        return None
    view = _view(win)
    view.show()
    view.raise_()
    return run_evaluation(win, view)


def run_evaluation(win: Any, view: EvaluationView) -> Any:
    """Backtest the months the view shows in the window's worker; the view shows progress and Cancel."""
    from hotspots.data.errors import DataError
    from hotspots.evaluation.backtest import run_backtest, run_rolling
    from hotspots.export.evaluation import write_concentration_png

    try:
        req = view.request()
    except DataError as exc:
        view.message.setText(f"Check the months: {exc.describe(CONTROLS)}")
        return None
    layers = win.state.layers
    settings = win.state.output.analysis.settings if win.state.output is not None else win.state.study.settings
    png = Path(win._tmp) / f"concentration_{id(req)}.png"

    def work(progress, cancel):  # noqa: ANN001, ANN202 - the Task signature
        if req[0] == "rolling":
            bt = run_rolling(layers, settings, req[1], req[2], req[3], progress=progress, cancel=cancel)
        else:
            bt = run_backtest(layers, settings, *req[1:], progress=progress, cancel=cancel)
        return bt, write_concentration_png(bt, png)

    def done(result) -> None:  # noqa: ANN001
        bt, path = result
        view.show_backtest(bt, path)
        view.show()
        win.status.setText(f"Evaluated: {bt.verdict()}")

    def failed(text: str) -> None:
        view.message.setText(f"The backtest could not finish: {text}")
        win._failed("evaluation", text)

    what = (f"rolling, {req[1]} months before each of {req[2]}..{req[3]}" if req[0] == "rolling"
            else f"{req[1]}..{req[2]} vs {req[3]}..{req[4]}")
    task = win._start("evaluation", work, done, f"Evaluating the plans ({what})…", on_error=failed)
    if task is None:
        view.message.setText("Another job is running: wait for it, or cancel it, then run the backtest.")
        return None
    view.set_running(True)
    view.message.setText(f"Evaluating the plans ({what})…")
    return task
