"""The briefing's "over time" page: district trends, emerging hot spots, how stable the top 10 is.

An inspector asks whether a hot spot is new, growing or fading; a panel asks which districts
are rising. The page answers both in one A4 sheet: a chart of each district's monthly crimes
(busiest eight), the district table with Mann-Kendall trend, Sen's slope and a 1-3 month
outlook at the recent level with its backtest-calibrated band (labelled on the page), the emerging hot spot map
and counts in ArcGIS's categories, and one sentence on the stability of the top 10.
"""

from __future__ import annotations

__all__ = ["time_page", "CHART_LINES"]

from typing import Any

import numpy as np

from .._time_style import EMERGING_COLOURS, PRIORITY
from ._pdf_charts import legend, line_chart
from ._pdf_maps import MapFrame

#: district lines in the chart (busiest first)
CHART_LINES = 8
_LINE_COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"]


def _fmt(v: Any, nd: int = 0) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return "-"
    return "-" if not np.isfinite(f) else f"{f:,.{nd}f}"


def _clip(text: Any, n: int) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _district_chart(sheet: Any, time: Any, rect: list[float]) -> None:
    d = time.trends.district
    n = min(CHART_LINES, len(d))
    series = [(_clip(d["district"].iloc[k], 22), time.trends.district_series[k], _LINE_COLOURS[k]) for k in range(n)]
    line_chart(sheet, rect, [m[2:] for m in time.months], series, ylabel="crimes per month",
               title=f"Crimes per month, busiest {n} district{'' if n == 1 else 's'}")


def _district_table(sheet: Any, time: Any, top: float, row_h: float, n_rows: int) -> float:
    """The busiest ``n_rows`` districts (every district is in the XLSX); returns the table's bottom."""
    from ..workbook.time_sheets import district_frame

    d = district_frame(time)
    d = d.sort_values(["crimes", "district"], ascending=[False, True], kind="mergesort").head(n_rows)
    months = time.trends.outlook().months
    rows = []
    for r in d.to_dict("records"):
        band = "-"
        if months:
            first, last = months[0], months[-1]
            band = (f"{_fmt(r[f'outlook {first}'])} ({_fmt(r[f'outlook {first} low'])}-"
                    f"{_fmt(r[f'outlook {first} high'])}")
            band += (f"; {last[5:]}: {_fmt(r[f'outlook {last} low'])}-{_fmt(r[f'outlook {last} high'])})"
                     if last != first else ")")
        rows.append([_clip(r["district"], 24), _fmt(r["crimes"]), r["trend"], _fmt(r["sen_slope"], 1),
                     _fmt(r["sen_pct_per_year"], 1), band])
    head = (f"Outlook a month {months[0]} to {months[-1]} (95% band)" if months
            else "Outlook (too few months)")
    return sheet.table(0.06, top, 0.88, [0.22, 0.1, 0.12, 0.1, 0.09, 0.37],
                       ["District", "Crimes", "Trend (MK)", "Sen /month", "% a year", head], rows, row_h, 6.5,
                       left=(0,))


def _emerging_map(sheet: Any, analysis: Any, rect: list[float]) -> None:
    t = analysis.table
    cats = t["emerging"].astype(str).to_numpy()
    x, y, w, h = rect
    sheet.text(x, y + h + 0.006, "Emerging hot spots (ArcGIS categories)", 8.5)
    m = MapFrame(sheet, rect, tuple(t.total_bounds))
    m.begin()
    m.polygons(t.geometry.values, [EMERGING_COLOURS.get(c, "#ffffff") if c else "#ffffff" for c in cats],
               edge="#b0b0b0", lw=0.12)
    m.scale_bar()
    m.end()
    counts = analysis.time.emerging.counts()
    shown = [c for c in EMERGING_COLOURS if counts.get(c) and c != "No Pattern Detected"]
    items = [(f"{c} ({counts[c]})", {"fill": EMERGING_COLOURS[c]}) for c in shown]
    items.append((f"No Pattern Detected ({counts.get('No Pattern Detected', 0)})", {"fill": "#ffffff"}))
    legend(sheet, x + w + 0.01, y + h, items, ncol=1, col_w=0.3, size=6, row_h=0.0115)


def _priority_text(analysis: Any) -> str:
    t = analysis.table
    parts = []
    for cat in PRIORITY[:3]:
        sel = t[t["emerging"] == cat].sort_values("crimes", ascending=False)
        if len(sel):
            names = ", ".join(_clip(n, 28) for n in sel["lsoa_name"].head(4))
            more = f" and {len(sel) - 4} more" if len(sel) > 4 else ""
            parts.append(f"{cat}: {names}{more}.")
    return " ".join(parts) or "No new, intensifying or consecutive hot spots."


def _stability_text(time: Any) -> str:
    st = time.stability
    if not len(st.transitions):
        return f"Top {st.n} stability: one {st.kind} only, nothing to compare."
    bits = [f"{int(r.stayed)} of {st.n} stayed from {r.previous} to {r.period} (the {r.previous} top {st.n} held "
            f"{r.share_in_previous_top:.1%} of {r.period}'s crime)" for r in st.transitions.itertuples()]
    return f"Top {st.n} LSOAs by {st.kind}: " + "; ".join(bits) + "."


def time_page(sheet: Any, analysis: Any, facts: dict[str, str], page: int, n_pages: int, footer: Any) -> None:
    """One A4 page about crime over time (see the module notes)."""
    time = analysis.time
    sheet.text(0.06, 0.955, "Crime over time", 17, bold=True)
    span = f"{time.months[0]} to {time.months[-1]}" if time.months else "-"
    n = len(time.months)
    sheet.para(0.06, 0.934 + sheet.lines_height(1, 8.5), f"{_clip(facts['study'], 60)}: {n} month"
               f"{'' if n == 1 else 's'}, {span}; {facts['crime_types']}", 8.5, 0.88, max_lines=1)
    _district_chart(sheet, time, [0.11, 0.72, 0.68, 0.19])
    n_rows = min(len(time.trends.district), 16)
    y = _district_table(sheet, time, 0.69, 0.0118, n_rows) - 0.012
    more = len(time.trends.district) - n_rows
    note = (f"The busiest {n_rows} of {len(time.trends.district)} districts; every district is in the workbook "
            "(District trends). " if more > 0 else "") + time.trends.note
    sheet.para(0.06, y, note, 6.3, 0.88, color="#444444", italic=True)
    y -= 0.03
    # the sentences at the foot first, from the footer up, so the map takes the room left
    stability = sheet.wrap(_stability_text(time), 6.8, 0.88)
    stab_top = 0.045 + sheet.lines_height(len(stability), 6.8)
    sheet.text(0.06, stab_top, "\n".join(stability), 6.8, va="top")
    if time.emerging is not None:
        priority = sheet.wrap("Priority: " + _priority_text(analysis), 6.8, 0.88)
        prio_top = stab_top + 0.008 + sheet.lines_height(len(priority), 6.8)
        sheet.text(0.06, prio_top, "\n".join(priority), 6.8, va="top")
        _emerging_map(sheet, analysis, [0.06, prio_top + 0.01, 0.56, y - 0.04 - prio_top])
    else:
        sheet.para(0.06, y - 0.01, "Emerging hot spots: " + "; ".join(time.notes), 8, 0.88)
    footer(sheet, page, n_pages, facts)
