"""The sortable, filterable table of LSOA results (one row per LSOA, the lsoa_results.csv columns).

The model keeps the columns as numpy arrays and formats on demand, so a 33,000-row England
table scrolls as smoothly as a town; sorting runs on raw numbers (``SORT_ROLE``), never on the
formatted text, so 1,000 sorts after 999.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hotspots.export._time_style import EMERGING_COLOURS

from .sparkline import SERIES_ROLE, SparklineDelegate

__all__ = ["LsoaTableModel", "ResultsTable", "COLUMNS", "SORT_ROLE", "CLUSTER_COLOURS"]

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
_Index = QModelIndex | QPersistentModelIndex

#: column -> (header, tooltip)
COLUMNS: dict[str, tuple[str, str]] = {
    "lsoa_code": ("LSOA", "ONS Lower-layer Super Output Area code"),
    "lsoa_name": ("Name", "LSOA name (district and number)"),
    "zone_id": ("Zone", "Patrol zone this LSOA belongs to (blank: not in a zone)"),
    "crimes": ("Crimes", "Crimes counted with the current filters"),
    "harm": ("Harm", "Crime harm: crimes weighted by the Cambridge Crime Harm Index"),
    "value": ("Value", "The measure that was analysed (count, harm, rate or density)"),
    "lisa_cluster": ("LISA", "Local Moran's I cluster: HH hot spot, LL cold spot, HL/LH outliers, ns not significant"),
    "gi_bin": ("Gi*", "Getis-Ord Gi* bin: +3/+2/+1 hot at 99/95/90%, negative = cold, 0 = neither"),
    "emerging": ("Emerging", "Emerging hot spot category over the analysed months (ArcGIS's 17 categories; "
                 "needs at least 10 months)"),
    "sparkline": ("Trend", "Crimes per month over the analysed months; sorts by Sen's slope "
                  "(change in crimes per month, per month)"),
    "fear_gap": ("Fear vs crime", "StreetSafe reports tested against recorded crime: more (fear, not crime), "
                                  "fewer (crime, not fear), or a crime hot spot with more reports still (both)"),
    "imd_decile": ("IMD decile", "Index of Multiple Deprivation decile: 1 = most deprived 10% in England"),
    "pubs": ("Pubs", "Pubs and licensed premises in the LSOA"),
    "streetsafe": ("StreetSafe", "StreetSafe reports of feeling unsafe in the LSOA"),
    "population": ("Population", "Residents"),
    "lisa_i": ("Local I", "Local Moran's I statistic"),
    "lisa_p": ("LISA p", "Two-sided permutation p-value of Local Moran's I"),
    "gi_z": ("Gi* z", "Gi* z-score: how far above (or below) the area average the neighbourhood is"),
    "gi_p": ("Gi* p", "Two-sided permutation p-value of Gi*"),
}
_FEAR_TEXT = {"fear_not_crime": "fear, not crime", "crime_not_fear": "crime, not fear", "both": "both"}
CLUSTER_COLOURS = {"HH": "#f4a6a6", "LL": "#a9c8ef", "HL": "#f7cfa0", "LH": "#c9dcf3"}
_GI_COLOURS = {3: "#ef8a8a", 2: "#f4a6a6", 1: "#f9d0d0", -1: "#d5e3f5", -2: "#b2cdee", -3: "#8fb5e6"}
_FEAR_COLOURS = {"fear_not_crime": "#e2c4f0", "crime_not_fear": "#f4a6a6", "both": "#f7cfa0"}


def _pale(hex_colour: str, strength: float = 0.4) -> str:
    """``hex_colour`` mixed with white, so black cell text stays readable on it."""
    c = QColor(hex_colour)
    mix = [round(255 - strength * (255 - v)) for v in (c.red(), c.green(), c.blue())]
    return QColor(*mix).name()


#: the map's emerging colours, paled for table cells
EMERGING_CELL = {k: _pale(v) for k, v in EMERGING_COLOURS.items() if k != "No Pattern Detected"}


def _fmt(col: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if col == "fear_gap":
        return _FEAR_TEXT.get(str(v), str(v))
    if col in ("lisa_p", "gi_p"):
        return f"{v:.3f}"
    if col in ("lisa_i", "gi_z"):
        return f"{v:.2f}"
    if col == "gi_bin":
        return f"{int(v):+d}" if v else "0"
    if isinstance(v, float | np.floating):
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"  # a zero count is "0", not "0.00"
    if isinstance(v, int | np.integer):
        return f"{int(v):,}"
    return str(v)


class LsoaTableModel(QAbstractTableModel):
    """Columns of the analysis table as arrays; formatted text for display, raw values for sorting."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._cols: list[str] = []
        self._data: dict[str, np.ndarray] = {}
        self._sort: dict[str, np.ndarray] = {}
        self._n = 0
        self._order = np.zeros(0, dtype=np.int64)  # view row -> table row (sorted here, in numpy)
        self.series: np.ndarray | None = None  # rows x months, for the Trend sparklines

    def set_table(self, table: pd.DataFrame | None, series: np.ndarray | None = None) -> None:
        self.beginResetModel()
        self._cols, self._data, self._sort, self._n = [], {}, {}, 0
        self.series = None if table is None or series is None or len(series) != len(table) else np.asarray(series)
        if table is not None:
            self._cols = [c for c in COLUMNS if c in table.columns]
            self._n = len(table)
            for c in self._cols:
                s = table[c]
                if pd.api.types.is_numeric_dtype(s):
                    f = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
                    self._data[c] = f
                    self._sort[c] = np.where(np.isnan(f), -np.inf, f)
                else:
                    obj = s.astype(object).where(s.notna(), "").to_numpy()
                    self._data[c] = obj
                    self._sort[c] = obj
        self._order = np.arange(self._n, dtype=np.int64)
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column in numpy (stable; missing values last when descending).

        QSortFilterProxyModel's own sort asks ``data()`` for both sides of every comparison: on
        33,755 LSOAs that is a million Python calls and froze the window for seconds whenever
        an analysis was shown. The proxy in front only filters (:class:`_FilterProxy`)."""
        if not self._n or not 0 <= column < len(self._cols):
            return
        key = self._sort[self._cols[column]]
        desc = order == Qt.SortOrder.DescendingOrder
        if key.dtype == object:
            idx = np.argsort(key.astype(str), kind="stable")
            idx = idx[::-1] if desc else idx
        else:
            idx = np.argsort(-key if desc else key, kind="stable")
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        rows = [int(self._order[i.row()]) for i in old]
        self._order = idx.astype(np.int64)
        where = np.empty_like(self._order)
        where[self._order] = np.arange(self._n)
        self.changePersistentIndexList(old, [self.index(int(where[r]), i.column()) for r, i in zip(rows, old, strict=True)])
        self.layoutChanged.emit()

    def columns(self) -> list[str]:
        return list(self._cols)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._n

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._cols)

    def code_at(self, row: int) -> str:
        return str(self._data["lsoa_code"][self._order[row]])

    def row_of(self, code: str) -> int:
        codes = self._data.get("lsoa_code", np.array([]))
        hits = np.flatnonzero(codes[self._order] == code) if len(codes) else []
        return int(hits[0]) if len(hits) else -1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        col = self._cols[index.column()]
        row = int(self._order[index.row()])
        v = self._data[col][row]
        if col == "sparkline":
            return self._sparkline_data(row, v, role)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "zone_id" and isinstance(v, float) and not math.isnan(v):
                return str(int(v))
            return _fmt(col, v.item() if isinstance(v, np.generic) else v)
        if role == SORT_ROLE:
            s = self._sort[col][row]
            return s.item() if isinstance(s, np.generic) else s
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if isinstance(v, float | np.floating):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            colour = None
            if col == "lisa_cluster":
                colour = CLUSTER_COLOURS.get(str(v))
            elif col == "gi_bin" and not math.isnan(v):
                colour = _GI_COLOURS.get(int(v))
            elif col == "fear_gap":
                colour = _FEAR_COLOURS.get(str(v))
            elif col == "emerging":
                colour = EMERGING_CELL.get(str(v))
            return QColor(colour) if colour else None
        return None

    def _sparkline_data(self, row: int, slope: Any, role: int) -> Any:
        if role == SERIES_ROLE:
            return None if self.series is None else self.series[row].tolist()
        if role == SORT_ROLE:
            return self._sort["sparkline"][row].item()
        if role == Qt.ItemDataRole.ToolTipRole and self.series is not None:
            return f"{' '.join(f'{x:g}' for x in self.series[row])}  (Sen's slope {float(slope):+.2f} a month)"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or section >= len(self._cols):
            return None
        head, tip = COLUMNS[self._cols[section]]
        if role == Qt.ItemDataRole.DisplayRole:
            return head
        if role == Qt.ItemDataRole.ToolTipRole:
            return tip
        return None


class _FilterProxy(QSortFilterProxyModel):
    """Filters rows; sorting is passed to the source model, which sorts in numpy."""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)


class ResultsTable(QWidget):
    """Filter box + sortable view; emits the LSOA code the user selects."""

    lsoaSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LsoaTableModel(self)
        self.proxy = _FilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter LSOAs: code, name, HH, zone number…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter_changed)
        self.count = QLabel()
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self._spark = SparklineDelegate(self.view)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # several rows (Ctrl/Shift+click) make the area of an evidence pack
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(22)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.horizontalHeader().setStretchLastSection(True)
        # column widths from the first 100 rows: Qt's default samples 1,000 rows x every role, 144,000
        # Python data() calls that froze the window for 1.3 s on a national table
        self.view.horizontalHeader().setResizeContentsPrecision(100)
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)
        top = QVBoxLayout(self)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter)
        top.addWidget(self.view, 1)
        top.addWidget(self.count)

    def set_table(self, table: pd.DataFrame | None, series: np.ndarray | None = None) -> None:
        """Show ``table``; ``series`` (rows x months) draws the Trend sparklines when the table has them."""
        self.model.set_table(table, series)
        cols = self.model.columns()
        for c in range(self.model.columnCount()):
            self.view.setItemDelegateForColumn(c, self._spark if cols[c] == "sparkline" else self.view.itemDelegate())
        if table is not None and "value" in self.model.columns():
            self.view.sortByColumn(self.model.columns().index("value"), Qt.SortOrder.DescendingOrder)
        self.view.resizeColumnsToContents()
        for c in range(self.model.columnCount()):
            width = 96 if cols[c] == "sparkline" else min(self.view.columnWidth(c) + 8, 260)
            self.view.setColumnWidth(c, width)
        self._update_count()

    def _filter_changed(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        self._update_count()

    def _update_count(self) -> None:
        n, shown = self.model.rowCount(), self.proxy.rowCount()
        self.count.setText(f"{n:,} LSOAs" if n == shown else f"{shown:,} of {n:,} LSOAs")

    def _row_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if current.isValid():
            src = self.proxy.mapToSource(current)
            self.lsoaSelected.emit(self.model.code_at(src.row()))

    def selected_codes(self) -> list[str]:
        """LSOA codes of the selected rows, in table order (the evidence pack's area)."""
        rows = sorted({self.proxy.mapToSource(i).row() for i in self.view.selectionModel().selectedRows()})
        return [self.model.code_at(r) for r in rows]

    def select_lsoa(self, code: str) -> bool:
        """Select and scroll to ``code`` (clears the filter if it hides the row)."""
        row = self.model.row_of(code)
        if row < 0:
            return False
        idx = self.proxy.mapFromSource(self.model.index(row, 0))
        if not idx.isValid():
            self.filter.clear()
            idx = self.proxy.mapFromSource(self.model.index(row, 0))
        self.view.selectionModel().setCurrentIndex(
            idx, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.view.scrollTo(idx)
        return True
