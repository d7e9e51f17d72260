"""The briefing's "over time" page: district trends, emerging hot spots, how stable the top 10 is.

An inspector asks whether a hot spot is new, growing or fading; a panel asks which districts
are rising. The page answers both in one A4 sheet: a chart of each district's monthly crimes
(busiest eight), the district table with Mann-Kendall trend, Sen's slope and a 1-3 month
outlook at the recent level with its backtest-calibrated band (labelled on the page), the emerging hot spot map
and counts in ArcGIS's categories, and one sentence on the stability of the top 10.
"""

from __future__ import annotations

__all__ = ["time_page", "CHART_LINES"]

import textwrap
from typing import Any

import numpy as np

from .._time_style import EMERGING_COLOURS, PRIORITY
from ._briefing_maps import draw, map_axes, page_geoms, scale_bar

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


def _district_chart(fig: Any, time: Any, rect: list[float]) -> None:
    ax = fig.add_axes(rect)
    d = time.trends.district
    x = np.arange(len(time.months))
    for k in range(min(CHART_LINES, len(d))):
        ax.plot(x, time.trends.district_series[k], color=_LINE_COLOURS[k], lw=1.2, marker="o", ms=2,
                label=_clip(d["district"].iloc[k], 22))
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], [m[2:] for m in time.months][::step], rotation=0)
    ax.set_ylabel("crimes per month")
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#dddddd", lw=0.5)
    ax.legend(fontsize=6, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    n = min(CHART_LINES, len(d))
    ax.set_title(f"Crimes per month, busiest {n} district{'' if n == 1 else 's'}", loc="left", fontsize=8.5)


def _district_table(fig: Any, time: Any, rect: list[float], n_rows: int) -> None:
    """The busiest ``n_rows`` districts (the box is sized for them; every district is in the XLSX)."""
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
    ax = fig.add_axes(rect)
    ax.axis("off")
    head = (f"Outlook a month {months[0]} to {months[-1]} (95% band)" if months
            else "Outlook (too few months)")
    tab = ax.table(cellText=rows, colLabels=["District", "Crimes", "Trend (MK)", "Sen /month", "% a year", head],
                   colWidths=[0.22, 0.1, 0.12, 0.1, 0.09, 0.37], loc="upper left", cellLoc="right", bbox=[0, 0, 1, 1])
    tab.auto_set_font_size(False)
    tab.set_fontsize(6.5)
    for (r, c), cell in tab.get_celld().items():
        cell.set_linewidth(0.3)
        cell.set_edgecolor("#bbbbbb")
        if c == 0:
            cell.set_text_props(ha="left")
        if r == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#eeeeee")


def _emerging_map(fig: Any, analysis: Any, rect: list[float]) -> None:
    from matplotlib.patches import Patch

    t = analysis.table
    cats = t["emerging"].astype(str).to_numpy()
    geoms = page_geoms(t)
    ax = map_axes(fig, rect, tuple(t.total_bounds))
    draw(ax, geoms, [EMERGING_COLOURS.get(c, "#ffffff") if c else "#ffffff" for c in cats], edge="#b0b0b0", lw=0.12)
    scale_bar(ax)
    counts = analysis.time.emerging.counts()
    shown = [c for c in EMERGING_COLOURS if counts.get(c) and c != "No Pattern Detected"]
    handles = [Patch(fc=EMERGING_COLOURS[c], ec="#777777", lw=0.4, label=f"{c} ({counts[c]})") for c in shown]
    handles.append(Patch(fc="#ffffff", ec="#777777", lw=0.4,
                         label=f"No Pattern Detected ({counts.get('No Pattern Detected', 0)})"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=6, frameon=False,
              handlelength=1.3)
    ax.set_title("Emerging hot spots (ArcGIS categories)", loc="left", fontsize=8.5)


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


def time_page(fig: Any, analysis: Any, facts: dict[str, str], page: int, n_pages: int, footer: Any) -> None:
    """One A4 page about crime over time (see the module notes)."""
    time = analysis.time
    fig.text(0.06, 0.955, "Crime over time", fontsize=17, fontweight="bold")
    span = f"{time.months[0]} to {time.months[-1]}" if time.months else "-"
    n = len(time.months)
    fig.text(0.06, 0.934, f"{_clip(facts['study'], 60)}: {n} month{'' if n == 1 else 's'}, {span}; "
             f"{facts['crime_types']}", fontsize=8.5)
    _district_chart(fig, time, [0.09, 0.72, 0.70, 0.19])
    n_rows = min(len(time.trends.district), 16)
    top = 0.69
    _district_table(fig, time, [0.06, top - 0.0118 * (n_rows + 1), 0.88, 0.0118 * (n_rows + 1)], n_rows)
    y = top - 0.0118 * (n_rows + 1) - 0.012
    more = len(time.trends.district) - n_rows
    note = (f"The busiest {n_rows} of {len(time.trends.district)} districts; every district is in the workbook "
            "(District trends). " if more > 0 else "") + time.trends.note
    fig.text(0.06, y, textwrap.fill(note, 150), fontsize=6.3, color="#444444", va="top", style="italic")
    y -= 0.03
    if time.emerging is not None:
        _emerging_map(fig, analysis, [0.06, 0.10, 0.56, y - 0.13])
        fig.text(0.06, 0.095, textwrap.fill("Priority: " + _priority_text(analysis), 150), fontsize=6.8, va="top")
    else:
        fig.text(0.06, y - 0.01, textwrap.fill("Emerging hot spots: " + "; ".join(time.notes), 120), fontsize=8,
                 va="top")
    fig.text(0.06, 0.062, textwrap.fill(_stability_text(time), 150), fontsize=6.8, va="top")
    footer(fig, page, n_pages, facts)
