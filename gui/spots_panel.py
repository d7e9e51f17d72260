"""Patrol spots, ranked, and the evidence for the selected one; selecting a spot zooms the map.

The engine's :func:`hotspots.export.map._map_spots.spot_popup` writes the evidence (escaped HTML),
so the panel shows exactly what the map popup and the briefing card say.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from .heat_clock import HeatClock, show_when

__all__ = ["SpotsPanel"]

_HEAD = ["Spot", "Where", "Crimes", "PAI", "Pubs", "Test", "Check"]


class SpotsPanel(QWidget):
    """Spots table over an evidence browser; ``spotSelected`` carries the spot's rank."""

    spotSelected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: Any = None
        self.summary = QLabel("No analysis yet.")
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, len(_HEAD))
        self.table.setHorizontalHeaderLabels(_HEAD)
        self.table.horizontalHeaderItem(3).setToolTip("Predictive Accuracy Index: share of crime / share of area")
        self.table.horizontalHeaderItem(5).setToolTip("'pass' = one of the spot's cells passes the cell test (exact "
                                                      "window-sum randomisation test, FDR); '-' = a busy place that "
                                                      "does not")
        self.table.horizontalHeaderItem(6).setToolTip("'!' = a data-quality note (snap point, place label, one month)")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.currentCellChanged.connect(self._row_changed)
        self.table.cellClicked.connect(self._row_changed)
        self.evidence = QTextBrowser()
        self.evidence.setOpenLinks(False)
        self._when: Any = None  # a records extract's day-by-hour profiles (hotspots.when), else None
        self.clock = HeatClock()
        self.clock_label = QLabel("")
        self.clock_label.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.evidence)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.summary)
        lay.addWidget(split, 1)
        lay.addWidget(self.clock_label)
        lay.addWidget(self.clock)

    def set_when(self, when: Any) -> None:
        """The run's :class:`hotspots.when.stage.WhenResult` (None: no times); shows the current spot's."""
        self._when = when
        row = self.table.currentRow()
        if self._result is not None and 0 <= row < len(self._result.spots):
            show_when(self.clock, self.clock_label, when, "spot", self._result.spots[row].spot_id)

    def set_spots(self, result: Any) -> None:
        """Show a :class:`hotspots.plans.spots.SpotsResult` (or nothing for None)."""
        from hotspots.export.map._map_spots import spot_popup

        self._result = result
        spots = [] if result is None else result.spots
        self.table.blockSignals(True)
        self.table.setRowCount(len(spots))
        for r, s in enumerate(spots):
            vals = [str(s.rank), s.name, f"{s.crimes:,}", f"{s.pai:,.0f}", str(s.pubs_100m),
                    "pass" if s.significant else "-", "!" if s.flags else ""]
            for c, text in enumerate(vals):
                item = QTableWidgetItem(text)  # plain text: Qt does not render it as HTML
                if c != 1:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                item.setToolTip("; ".join(s.flags) if c == 6 and s.flags else text)
                self.table.setItem(r, c, item)
        self.table.blockSignals(False)
        if result is None:
            self.summary.setText("Patrol spots are not available.")
            self.evidence.setHtml("")
            return
        share = sum(s.crimes for s in spots) / result.total_crimes if result.total_crimes else 0.0
        self.summary.setText(f"<b>{len(spots)} patrol spots</b> ({result.cell:.0f} m cells): {share:.1%} of crime "
                             f"on {sum(s.area_km2 for s in spots):.2f} km²; "
                             f"{sum(bool(s.significant) for s in spots)} pass the cell test. "
                             f"{_partners_text(result)}")
        if spots:
            self.table.blockSignals(True)
            self.table.selectRow(0)
            self.table.blockSignals(False)
            self.evidence.setHtml(spot_popup(spots[0], len(spots)))
            show_when(self.clock, self.clock_label, self._when, "spot", spots[0].spot_id)
        else:
            self.evidence.setHtml("<p>" + "; ".join(result.notes) + "</p>")

    def spot_count(self) -> int:
        return self.table.rowCount()

    def select_spot(self, rank: int) -> None:
        if self._result is not None and 1 <= rank <= len(self._result.spots):
            self.table.selectRow(rank - 1)

    def _row_changed(self, row: int, *_: int) -> None:
        from hotspots.export.map._map_spots import spot_popup

        if self._result is None or not 0 <= row < len(self._result.spots):
            return
        s = self._result.spots[row]
        self.evidence.setHtml(spot_popup(s, len(self._result.spots)))
        show_when(self.clock, self.clock_label, self._when, "spot", s.spot_id)
        self.spotSelected.emit(s.rank)


def _partners_text(result: Any) -> str:
    """One line on the partner places (hospital sites, police stations, prisons, shops)."""
    partners = getattr(result, "partners", None)
    if partners is None or not partners.places:
        return ""
    n, crimes = len(partners.places), partners.total
    if partners.kept:
        return f"{n:,} partner places ({crimes:,} crimes) kept in the plan by the setting."
    return (f"{n:,} partner places (hospital sites, police stations, prisons, shoplifting-dominated shops; "
            f"{crimes:,} crimes) left out for the partner: see partner_places.csv and the map.")
