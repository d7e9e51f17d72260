"""The workbook's time sheets: district trends (with a chart), emerging hot spots, top 10 by period.

Called from :func:`hotspots.export.workbook.tables.write_xlsx` with the write-only workbook. Every
sheet says what its figures are: the district outlook (recent level, backtest-calibrated band)
is labelled as such in the sheet itself, and the emerging sheet carries each category's meaning and the method's
parameters, so a bid writer quoting a number has its definition beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["add_time_sheets", "district_frame"]

#: lines drawn in the district chart (busiest first); the table lists every district
CHART_DISTRICTS = 12


def district_frame(time: Any) -> pd.DataFrame:
    """The district trend table as the workbook and the briefing show it (rounded, outlook included)."""
    d = time.trends.district_table()
    keep = ["district", "lsoas", "crimes", "mean_per_month", "trend", "mk_z", "mk_p", "sen_slope", "sen_pct_per_year"]
    keep += [c for c in d.columns if str(c).startswith("outlook ")]
    d = d[[c for c in keep if c in d]].copy()
    for c, nd in (("mean_per_month", 1), ("mk_z", 3), ("mk_p", 4), ("sen_slope", 2), ("sen_pct_per_year", 1)):
        if c in d:
            d[c] = d[c].astype(float).round(nd)
    for c in d.columns:
        if str(c).startswith("outlook "):
            d[c] = d[c].astype(float).round(0)
    return d


def _write_rows(ws, rows: list[list[Any]], cell_value: Callable[[Any], Any]) -> None:
    for r in rows:
        ws.append([cell_value(v) for v in r])


def _frame_rows(frame: pd.DataFrame) -> list[list[Any]]:
    return [list(frame.columns)] + frame.astype(object).where(frame.notna(), None).values.tolist()


def _district_sheet(wb, time: Any, cell_value: Callable[[Any], Any]) -> None:
    from openpyxl.chart import LineChart, Reference

    ws = wb.create_sheet("District trends")
    d = district_frame(time)
    n_months = len(time.months)
    source = time.trends.params.get("district_source") or "LSOA name prefix"  # hotspots.lsoa.districts
    rows: list[list[Any]] = [[f"District trends: monthly crimes per district (districts from {source}), "
                              "Mann-Kendall trend and Sen's slope (crimes per month, per month); 'outlook' "
                              "columns: expected crimes that month and its band (low, high)"],
                             [time.trends.note], []]
    rows += _frame_rows(d)
    rows += [[], ["Monthly series"]]
    series_top = len(rows) + 1  # 1-based row of the series header
    names = d["district"].tolist()
    rows.append(["month", *names])
    for k, m in enumerate(time.months):
        rows.append([m, *[float(v) for v in time.trends.district_series[:, k]]])
    _write_rows(ws, rows, cell_value)
    if n_months >= 2 and names:
        chart = LineChart()
        chart.title = "Crimes per month by district"
        chart.y_axis.title = "crimes"
        chart.x_axis.title = "month"
        chart.height, chart.width = 9, 22
        last_col = 1 + min(len(names), CHART_DISTRICTS)
        chart.add_data(Reference(ws, min_col=2, max_col=last_col, min_row=series_top, max_row=series_top + n_months),
                       titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=series_top + 1, max_row=series_top + n_months))
        ws.add_chart(chart, f"A{series_top + n_months + 3}")


def _emerging_sheet(wb, analysis: Any, cell_value: Callable[[Any], Any]) -> None:
    from ...timeseries.emerging import CATEGORIES, DEFINITIONS

    time = analysis.time
    ws = wb.create_sheet("Emerging hot spots")
    p = {k: v for k, v in time.params.items() if k != "harm_weights"}
    rows: list[list[Any]] = [["Emerging hot spot analysis after ArcGIS Pro: space-time Gi* per month (each LSOA, its "
                              "neighbours, this month and the previous k months), Benjamini-Hochberg FDR within each "
                              "month, Mann-Kendall trend of each LSOA's neighbourhood totals (its k = 0 z-scores, which do not "
                              "overlap in time; ArcGIS trends the overlapping ones); ArcGIS's 17 categories."],
                             [f"Months analysed: {len(time.months)} ({time.months[0] if time.months else '-'} to "
                              f"{time.months[-1] if time.months else '-'}); measure: {time.measure}; parameters: "
                              + ", ".join(f"{k}={v}" for k, v in p.items())]]
    if time.emerging is None:
        rows += [["Not run: " + "; ".join(time.notes)]]
        _write_rows(ws, rows, cell_value)
        return
    counts = time.emerging.counts()
    rows += [[], ["category", "LSOAs", "meaning"]]
    rows += [[c, counts[c], DEFINITIONS[c]] for c in CATEGORIES]
    t = analysis.table
    shown = t["emerging"].astype(str) != "No Pattern Detected"
    order = np.argsort([CATEGORIES.index(c) for c in t.loc[shown, "emerging"]], kind="stable")
    listed = pd.DataFrame({
        "lsoa_code": t.loc[shown, "lsoa_code"].to_numpy(), "lsoa_name": t.loc[shown, "lsoa_name"].to_numpy(),
        "emerging": t.loc[shown, "emerging"].to_numpy(), "hot_months": t.loc[shown, "hot_months"].to_numpy(),
        "trend_z": t.loc[shown, "emerging_trend_z"].astype(float).round(3).to_numpy(),
        "crimes": t.loc[shown, "crimes"].to_numpy()}).iloc[order]
    rows += [[], ["LSOAs with a pattern"], list(listed.columns)]
    _write_rows(ws, rows, cell_value)
    # the listing (a nation: thousands of LSOAs, ~0.5 s cell by cell) is spliced in after the save,
    # below the rows above, as the big sheets' rows are (see ._xlsx_rows)
    from ._xlsx_rows import defer_rows
    from ._xlsx_values import _column_values

    defer_rows(wb, ws, [_column_values(listed[c]) for c in listed.columns], [None] * listed.shape[1],
               first_row=len(rows) + 1)


def _stability_sheet(wb, time: Any, cell_value: Callable[[Any], Any]) -> None:
    st = time.stability
    ws = wb.create_sheet("Top 10 by period")
    rows: list[list[Any]] = [[f"Top {st.n} LSOAs per {st.kind} (crimes), and how many stay in the top {st.n} from one "
                              f"{st.kind} to the next"], []]
    tr = st.transitions.copy()
    for c in ("share_in_previous_top", "share_in_own_top"):
        tr[c] = tr[c].astype(float).round(4)
    rows += _frame_rows(tr) + [[]] + _frame_rows(st.periods.round({"top_share": 4}))
    top = st.top.copy()
    top["share"] = top["share"].astype(float).round(5)
    rows += [[]] + _frame_rows(top)
    _write_rows(ws, rows, cell_value)


def add_time_sheets(wb, analysis: Any, cell_value: Callable[[Any], Any]) -> None:
    """Append the time sheets to a write-only openpyxl workbook (nothing without a time result)."""
    time = getattr(analysis, "time", None)
    if time is None:
        return
    _district_sheet(wb, time, cell_value)
    _emerging_sheet(wb, analysis, cell_value)
    _stability_sheet(wb, time, cell_value)
