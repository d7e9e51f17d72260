"""``public_summary.pdf`` of a publication set: one page of areas and suppressed figures.

The patrol briefing draws crimes near each spot and prints every count, so it stays internal.
This page is drawn only from the suppressed tables (:mod:`hotspots.publish.disclosure`): LSOAs
coloured by hot-spot class, patrol zones outlined and numbered, and a table of the zones with
"fewer than 5" where the tables say so. Text is drawn with mathtext off, so "$" in a place name
is printed, not parsed.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ...publish.disclosure import Rules
from ..atomic import atomic_path
from ..map._map_style import ATTRIBUTION, LISA_COLOURS, LISA_LABELS, LISA_OPACITY

__all__ = ["write_public_pdf"]

_ROWS = 15


def _fmt(v: Any) -> str:
    if isinstance(v, str):
        return v
    if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
        return "-"
    if isinstance(v, (float, np.floating)) and float(v) != int(v):
        return f"{float(v):,.2f}"
    return f"{int(v):,}"


def _share(v: Any) -> str:
    if isinstance(v, str):
        return v
    try:
        return f"{float(v):.1%}"
    except (TypeError, ValueError):
        return "-"


def write_public_pdf(path: str | Path, lsoas: Any, zones: Any | None, *, title: str, subtitle: str,
                     rules: Rules) -> Path:
    """Write the one-page public summary (A4 portrait) atomically."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=(8.27, 11.69))
    kw = {"usetex": False, "parse_math": False}
    fig.text(0.06, 0.962, "\n".join(textwrap.wrap(title, 80)), fontsize=12, fontweight="bold", va="top", **kw)
    fig.text(0.06, 0.915, textwrap.fill(subtitle, 100), fontsize=9, va="top", **kw)
    fig.text(0.06, 0.895, f"Areas only: no crime or StreetSafe report locations. Counts of 1 to "
                          f"{rules.threshold - 1} are shown as '{rules.label}'.", fontsize=8, va="top",
             color="#1d4e89", **kw)
    ax = fig.add_axes([0.06, 0.42, 0.88, 0.46])
    ax.set_axis_off()
    cls = lsoas["lisa_cluster"].astype(str) if "lisa_cluster" in lsoas else pd.Series(["ns"] * len(lsoas))
    from matplotlib.colors import to_rgba

    colours = [to_rgba(LISA_COLOURS.get(c, LISA_COLOURS["ns"]), LISA_OPACITY.get(c, 0.35)) for c in cls]
    lsoas.plot(ax=ax, color=colours, edgecolor="#999999", linewidth=0.15)
    if zones is not None and len(zones):
        zones.boundary.plot(ax=ax, color="black", linewidth=0.8)
        for r in zones.head(_ROWS).itertuples():
            p = r.geometry.representative_point()
            ax.annotate(str(r.rank), (p.x, p.y), fontsize=6, ha="center", va="center", fontweight="bold",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "black", "lw": 0.4})
    ax.set_aspect("equal")
    ax.legend(handles=[Patch(facecolor=c, edgecolor="#777", label=LISA_LABELS[k]) for k, c in LISA_COLOURS.items()]
              + ([Patch(facecolor="none", edgecolor="black", label="Patrol zone")] if zones is not None else []),
              loc="lower left", fontsize=6, frameon=True)
    if zones is not None and len(zones):
        ta = fig.add_axes([0.06, 0.06, 0.88, 0.33])
        ta.set_axis_off()
        z = zones.sort_values("rank").head(_ROWS)
        street = z["top_streets"] if "top_streets" in z else pd.Series([""] * len(z), index=z.index)
        rows = [[_fmt(r["rank"]), textwrap.shorten(str(s or ""), 60, placeholder="..."), _fmt(r.get("crimes")),
                 _share(r.get("share_of_crimes")), _fmt(r.get("area_km2"))]
                for (_, r), s in zip(z.iterrows(), street, strict=True)]
        tab = ta.table(cellText=rows, colLabels=["Zone", "Busiest streets", "Crimes", "Share of crimes", "Area km²"],
                       loc="upper left", cellLoc="left", colWidths=[0.07, 0.55, 0.13, 0.13, 0.12])
        tab.auto_set_font_size(False)
        tab.set_fontsize(6.5)
        for cell in tab.get_celld().values():
            cell.get_text().set_parse_math(False)
        if len(zones) > _ROWS:
            ta.text(0, 0.0, f"The first {_ROWS} of {len(zones)} zones; all are in hotspots.xlsx.", fontsize=7,
                    transform=ta.transAxes)
    fig.text(0.06, 0.02, textwrap.fill(ATTRIBUTION, 150), fontsize=5.5, color="#555555", **kw)
    with atomic_path(path) as tmp, PdfPages(tmp, metadata={"Title": title, "Subject": "For publication"}) as pdf:
        pdf.savefig(fig)
    return Path(path)
