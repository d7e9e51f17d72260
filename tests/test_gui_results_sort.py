"""The results table sorts in numpy (the proxy only filters): the order a user sees, and the
selection kept across a sort."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.gui


def _table(n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    v = rng.integers(0, 50, n).astype(float)
    v[::37] = np.nan
    return pd.DataFrame({"lsoa_code": [f"E01{i:06d}" for i in range(n)],
                         "lsoa_name": [f"Town {rng.integers(0, 99):03d}{'ABCD'[i % 4]}" for i in range(n)],
                         "crimes": rng.integers(0, 900, n), "value": v,
                         "lisa_cluster": rng.choice(["HH", "LL", "ns"], n)})


def test_sorted_views_match_pandas_and_keep_the_selection(qtbot):
    from PySide6.QtCore import QItemSelectionModel, Qt

    from gui.results_table import ResultsTable

    w = ResultsTable()
    qtbot.addWidget(w)
    t = _table()
    w.set_table(t)
    cols = w.model.columns()
    shown = [w.model.code_at(w.proxy.mapToSource(w.proxy.index(r, 0)).row()) for r in range(w.proxy.rowCount())]
    # opened sorted by value, largest first, missing last, ties in table order
    want = t.assign(k=t["value"].fillna(-np.inf)).sort_values("k", ascending=False, kind="stable")["lsoa_code"]
    assert shown == want.tolist()
    # select one LSOA, sort by name: the same LSOA stays selected
    row = w.proxy.mapFromSource(w.model.index(w.model.row_of("E01000123"), 0)).row()
    w.view.selectionModel().setCurrentIndex(w.proxy.index(row, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                            | QItemSelectionModel.SelectionFlag.Rows)
    w.view.sortByColumn(cols.index("lsoa_name"), Qt.SortOrder.AscendingOrder)
    names = [w.proxy.index(r, cols.index("lsoa_name")).data() for r in range(w.proxy.rowCount())]
    assert names == sorted(names)
    cur = w.proxy.mapToSource(w.view.selectionModel().currentIndex()).row()
    assert w.model.code_at(cur) == "E01000123"
    # crimes ascending: numbers, not text
    w.view.sortByColumn(cols.index("crimes"), Qt.SortOrder.AscendingOrder)
    got = [w.model.code_at(w.proxy.mapToSource(w.proxy.index(r, 0)).row()) for r in range(w.proxy.rowCount())]
    assert got == t.sort_values("crimes", kind="stable")["lsoa_code"].tolist()
    # the filter still works on the sorted view
    w.filter.setText("E01000123")
    assert w.proxy.rowCount() == 1
