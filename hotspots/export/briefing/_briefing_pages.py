"""The briefing's pages: the overview (study, method, cluster map, zone table) and a zone page.

Each function fills one A4 :class:`matplotlib.figure.Figure` it is given; the document is
assembled in :mod:`.briefing`. Text from input files is clipped to fit and goes in as plain
text (the caller turns mathtext off), so odd names cannot break a page.
"""

from __future__ import annotations

__all__ = ["overview_page", "zone_page", "zone_list_page", "list_pages", "MAX_ZONE_PAGES", "LIST_ROWS"]

import math
import textwrap
from typing import Any

import numpy as np
import pandas as pd

from .._numbers import finite
from ..map._map_style import ATTRIBUTION, LISA_COLOURS, LISA_LABELS, PUB_COLOUR, STREETSAFE_COLOUR
from ._briefing_maps import (
    draw,
    map_axes,
    page_geoms,
    points_in,
    rank_label,
    scale_bar,
    spread,
    town_names,
)

#: zone pages after the overview; the other zones are listed, a row each, on list pages
MAX_ZONE_PAGES = 20
#: zones per list page
LIST_ROWS = 60

def list_pages(n_zones: int) -> int:
    """List pages for the zones beyond :data:`MAX_ZONE_PAGES` (a national run has hundreds)."""
    return -(-max(0, n_zones - MAX_ZONE_PAGES) // LIST_ROWS)


def _fmt(x: Any, decimals: int = 0, pct: bool = False) -> str:
    v = finite(x)
    if v is None:
        return "-"
    return f"{v:.{decimals}%}" if pct else f"{v:,.{decimals}f}"


def _share(x: Any, decimals: int) -> str:
    """A share as a percentage, '<0.01%' rather than a misleading '0.00%'."""
    v = finite(x)
    if v is not None and 0 < v < 0.5 * 10 ** -(decimals + 2):
        return f"<{10 ** -decimals:.{decimals}f}%"
    return _fmt(v, decimals, pct=True)


def _clip(text: Any, n: int) -> str:
    s = "" if text is None or (isinstance(text, float) and math.isnan(text)) else " ".join(str(text).split())
    return s if len(s) <= n else s[: n - 1] + "\u2026"


def _footer(fig: Any, page: int, pages: int, facts: dict[str, str]) -> None:
    fig.text(0.06, 0.022, textwrap.fill(ATTRIBUTION + ". Map: hotspots, " + facts["generated"] + ".", 150),
             fontsize=5.5, color="#555555", va="bottom")
    fig.text(0.94, 0.022, f"Page {page} of {pages}", fontsize=6.5, color="#555555", ha="right", va="bottom")
    if facts.get("marking"):  # the protective marking, top and bottom of every page (GSC practice)
        for y, va in ((0.992, "top"), (0.004, "bottom")):
            fig.text(0.5, y, facts["marking"], fontsize=7, color="#b00020", ha="center", va=va, fontweight="bold",
                     parse_math=False)


def overview_page(fig: Any, analysis: Any, t: Any, zones: Any, outlines: list, facts: dict[str, str],
                  n_pages: int) -> None:
    """Page 1: what was analysed and how, the LISA map with zones numbered, the zone table."""
    from matplotlib.patches import Patch

    fig.text(0.06, 0.955, "Hot spots and patrol zones", fontsize=17, fontweight="bold")
    fig.text(0.06, 0.933, _clip(facts["study"], 90), fontsize=11)
    lines = [("Period", facts["period"]), ("Crime types", facts["crime_types"]), ("Analysed", facts["measure"]),
             ("Method", facts["method"]), ("Generated", facts["generated"])]
    y = 0.912
    for k, v in lines:
        wrapped = textwrap.wrap(str(v), 105)[:2] or ["-"]
        fig.text(0.06, y, k, fontsize=7.5, fontweight="bold", va="top")
        fig.text(0.17, y, "\n".join(wrapped), fontsize=7.5, va="top", linespacing=1.3)
        y -= 0.0135 * len(wrapped)

    bounds = tuple(t.total_bounds)
    geoms = page_geoms(t)
    ax = map_axes(fig, [0.06, 0.40, 0.88, y - 0.41], bounds)
    town_names(ax)  # offline place names (GeoNames), under the zone numbers
    cl = t["lisa_cluster"].where(t["lisa_cluster"].isin(list(LISA_COLOURS)), "ns")
    # thousands of hairline outlines print as grey mush and take seconds each to write: a
    # large study's area map is an embedded image (zones, labels and text stay vector)
    draw(ax, geoms, [_muted(c) for c in cl], edge="#9a9a9a", lw=0.15)  # as on the map: cold spots pale
    if zones is not None and len(zones):
        draw(ax, outlines, "none", edge="black", lw=1.1, z=5)
        ranks, anchors = [], []
        for rank, g in zip(zones["rank"], outlines, strict=True):
            if g is not None and int(rank) <= MAX_ZONE_PAGES:
                p = g.representative_point()
                ranks.append(int(rank))
                anchors.append((p.x, p.y))
        if anchors:
            anchors_xy = np.asarray(anchors, dtype=float)
            x0, x1 = ax.get_xlim()
            pos = spread(anchors_xy, 0.03 * (x1 - x0))
            for r, (ax_, ay_), (px, py) in zip(ranks, anchors_xy, pos, strict=True):
                if math.hypot(px - ax_, py - ay_) > 1e-6:
                    ax.plot([ax_, px], [ay_, py], color="black", lw=0.5, zorder=9)
                rank_label(ax, px, py, str(r), size=5.5)
    scale_bar(ax)
    counts = t["lisa_cluster"].value_counts()
    handles = [Patch(fc=_muted(k), ec="#777777", lw=0.4, label=f"{LISA_LABELS[k]} ({int(counts.get(k, 0))})")
               for k in ("HH", "HL", "LH", "LL", "ns")]
    if zones is not None and len(zones):
        handles.append(Patch(fc="none", ec="black", lw=1.2, label="Patrol zone (numbered by rank)"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.005), ncol=3, fontsize=6.5, frameon=False,
              handlelength=1.4, columnspacing=1.2)

    if zones is None or not len(zones):
        alpha = facts["alpha"]
        fig.text(0.5, 0.27, "No significant hot spots were found", fontsize=14, fontweight="bold", ha="center")
        fig.text(0.5, 0.24, textwrap.fill(
            f"No LSOA was a significant hot spot at alpha = {alpha} under the patrol-zone rule for the chosen "
            "crimes and period, so no patrol zones were drawn. Try a longer period, more crime types, or check the inputs in summary.json.",
            95), fontsize=8.5, ha="center", va="top", linespacing=1.4)
    else:
        _zone_table(fig, zones, analysis)
    _footer(fig, 1, n_pages, facts)


def _table_rows(shown: Any, analysis: Any) -> list[list[str]]:
    ev = analysis.zones.evidence if getattr(analysis, "zones", None) is not None else {}
    rows = []
    for _, z in shown.iterrows():
        streets = ev[int(z["zone_id"])].top_streets if int(z["zone_id"]) in ev else []
        top = f"{streets[0][0]} ({int(streets[0][1]):,})" if streets else str(z.get("top_streets") or "").split(";")[0]
        top = str(z.get("name") or "") or top  # patrol zones are named by town and streets
        rows.append([str(int(z["rank"])), _fmt(z["crimes"]), _fmt(z["harm"]), _fmt(z["pai"], 1),
                     _share(z["share_of_crimes"], 1), _share(z["share_of_area"], 2), _clip(top, 48)])
    return rows


def _table(fig: Any, rows: list[list[str]], top: float, row_h: float) -> float:
    """The zone table (rank, crimes, harm, PAI, shares, top street) from ``top`` down; returns its bottom."""
    bottom = top - row_h * (len(rows) + 1)
    ax = fig.add_axes([0.06, bottom, 0.88, top - bottom])
    ax.axis("off")
    tab = ax.table(cellText=rows, colLabels=["Zone", "Crimes", "Harm", "PAI", "% of crimes", "% of area", "Where"],
                   colWidths=[0.06, 0.09, 0.11, 0.07, 0.1, 0.09, 0.48], loc="upper left", cellLoc="right",
                   bbox=[0, 0, 1, 1])
    tab.auto_set_font_size(False)
    tab.set_fontsize(7)
    for (r, c), cell in tab.get_celld().items():
        cell.set_linewidth(0.3)
        cell.set_edgecolor("#bbbbbb")
        if c == 6:
            cell.set_text_props(ha="left")
            cell.PAD = 0.02
        if r == 0:
            cell.set_text_props(fontweight="bold")
            cell.set_facecolor("#eeeeee")
    return bottom


def zone_list_page(fig: Any, zones: Any, analysis: Any, facts: dict[str, str], start: int, page: int,
                   n_pages: int) -> None:
    """A page listing zones ``start`` .. ``start + LIST_ROWS - 1`` (0-based rows of ``zones``), a row each."""
    shown = zones.iloc[start:start + LIST_ROWS]
    first, last = int(shown["rank"].iloc[0]), int(shown["rank"].iloc[-1])
    fig.text(0.06, 0.955, f"Patrol zones {first}-{last} of {len(zones)}", fontsize=17, fontweight="bold")
    fig.text(0.06, 0.933, _clip(f"{facts['study']}  |  {facts['period']}  |  {facts['crime_types']}", 120),
             fontsize=8, color="#333333")
    fig.text(0.06, 0.915, "Zones after the first pages, in rank order; each zone's LSOAs, evidence and outline are "
             "in hotspots.xlsx and patrol_zones.gpkg.", fontsize=7, style="italic")
    _table(fig, _table_rows(shown, analysis), 0.895, min(0.0135, 0.84 / (LIST_ROWS + 1)))
    _footer(fig, page, n_pages, facts)


def _zone_table(fig: Any, zones: Any, analysis: Any) -> None:
    rows = _table_rows(zones.head(MAX_ZONE_PAGES), analysis)
    top, row_h = 0.325, 0.0115
    fig.text(0.06, top + 0.012, f"Patrol zones ({len(zones)})", fontsize=10, fontweight="bold")
    bottom = _table(fig, rows, top, row_h)
    y = bottom - 0.016
    if len(zones) > MAX_ZONE_PAGES:
        fig.text(0.06, y, f"Showing the top {MAX_ZONE_PAGES} of {len(zones)} zones; the others are listed after "
                 "the zone pages, and all zones are in patrol_zones.gpkg and hotspots.xlsx.", fontsize=7, style="italic")
        y -= 0.014
    y = min(y, 0.06)
    fig.text(0.06, y, "PAI (Predictive Accuracy Index) = share of crimes / share of area; above 1 means "
             "crime is more concentrated than the area's size alone would suggest.", fontsize=6.5, color="#444444")
    outside = analysis.zones.summary.top_lsoas_outside_zones if getattr(analysis, "zones", None) is not None else []
    if outside:  # busy LSOAs whose crime is spread thin or at single spots: no zone covers them most
        names = ", ".join(f"{_clip(r['lsoa_name'], 30)} ({_fmt(r['value'])})" for r in outside[:4])
        fig.text(0.06, y - 0.012, _clip(f"Busiest LSOAs no zone covers (crime spread out or at single spots): {names}",
                                        170),
                 fontsize=6.5, color="#444444")


def _cells_text(z: pd.Series) -> str:
    """"51 of 150 m, 1.95 km across; 12 pass the cell test" for a zone built from cells."""
    text = f"{int(z['n_cells'])}, {_fmt(float(z.get('extent_m', np.nan)) / 1000, 2)} km across"
    sig = z.get("significant_cells")
    if sig is not None and pd.notna(sig):
        text += f"; {int(sig)} pass the cell test"
    return text


def _list_text(pairs: list, limit: int, empty: str) -> str:
    if not pairs:
        return empty
    out = [f"{i}. {_clip(n, 40)} ({int(c):,})" for i, (n, c) in enumerate(pairs[:limit], start=1)]
    if len(pairs) > limit:
        out.append(f"   and {len(pairs) - limit} more")
    return "\n".join(out)


def zone_page(fig: Any, z: pd.Series, outline: Any, t: Any, disp: Any, zones: Any, outlines: list, layers: Any,
              ev: dict, facts: dict[str, str], page: int, n_pages: int) -> None:
    """One zone: its LSOAs shaded by crimes with pubs and reports, then the evidence beside and below."""
    from matplotlib import colormaps
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    rank, n_z = int(z["rank"]), len(zones)
    name = str(z.get("name") or "")
    fig.text(0.06, 0.955, _clip(f"Patrol zone {rank} of {n_z}" + (f": {name}" if name else ""), 58), fontsize=17,
             fontweight="bold")
    fig.text(0.06, 0.933, _clip(f"{facts['study']}  |  {facts['period']}  |  {facts['crime_types']}", 120),
             fontsize=8, color="#333333")

    minx, miny, maxx, maxy = outline.bounds if outline is not None else z["geometry"].bounds
    pad = max(maxx - minx, maxy - miny) * 0.12 + 200
    view = (minx - pad, miny - pad, maxx + pad, maxy + pad)
    ax = map_axes(fig, [0.06, 0.47, 0.55, 0.44], view)
    town_names(ax, size=7.5)
    import shapely

    (vx0, vx1), (vy0, vy1) = ax.get_xlim(), ax.get_ylim()
    view, view_box = (vx0, vy0, vx1, vy1), shapely.box(vx0, vy0, vx1, vy1)
    near = t.sindex.query(view_box, predicate="intersects")
    zid = t["zone_id"].fillna(-1).to_numpy(dtype=np.int64) if "zone_id" in t else np.full(len(t), -1)
    members = near[zid[near] == int(z["zone_id"])]
    others = np.setdiff1d(near, members)
    draw(ax, disp[others], "#e9e9e9", edge="white", lw=0.6)
    crimes = t["crimes"].to_numpy(float)
    norm = Normalize(0, max(1.0, float(crimes[members].max()) if len(members) else 1.0))
    cmap = colormaps["YlOrRd"]
    draw(ax, disp[members], [cmap(norm(v)) for v in crimes[members]], edge="#666666", lw=0.4, z=2)
    other_zones = [(int(r), g) for r, g in zip(zones["rank"], outlines, strict=True)
                   if int(r) != rank and g is not None and g.intersects(view_box)]
    if other_zones:
        draw(ax, [g for _, g in other_zones], "none", edge="#555555", lw=0.8, z=3, linestyles="--")
        for r, g in other_zones:
            p = g.representative_point()
            if view_box.contains(p):
                ax.text(p.x, p.y, str(r), ha="center", va="center", fontsize=6, color="white", zorder=10,
                        bbox={"boxstyle": "circle,pad=0.25", "fc": "#555555", "ec": "white", "lw": 0.6})
    draw(ax, [outline], "none", edge="black", lw=1.8, z=4)
    names = t["lsoa_name"].astype(str).to_numpy()
    inch = (vx1 - vx0) / (0.55 * fig.get_figwidth())  # map metres per inch of paper
    placed: list[tuple[float, float, float, float]] = []
    for i in members:  # name an LSOA only where its name fits inside it and clears the others
        name = _clip(names[i], 24)
        bx0, by0, bx1, by1 = disp[i].bounds
        tw, th = len(name) * 0.045 * inch, 0.11 * inch
        if (bx1 - bx0) > tw and (by1 - by0) > 1.5 * th:
            p = disp[i].representative_point()
            box = (p.x - tw / 2, p.y - th / 2, p.x + tw / 2, p.y + th / 2)
            if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                continue
            placed.append(box)
            ax.text(p.x, p.y, name, fontsize=5.2, ha="center", va="center", color="#222222", zorder=6,
                    bbox={"fc": "white", "ec": "none", "alpha": 0.6, "pad": 0.6})
    handles = [Line2D([], [], color="black", lw=1.8, label="This zone")]
    pubs = points_in(getattr(layers, "pubs", None), view)
    if len(pubs):
        ax.scatter(pubs[:, 0], pubs[:, 1], s=13, c=PUB_COLOUR, edgecolors="#333333", linewidths=0.5, zorder=9)
        handles.append(Line2D([], [], marker="o", ls="", mfc=PUB_COLOUR, mec="#333333", ms=4.5, label="Pub"))
    ss_layer = getattr(layers, "streetsafe", None)
    ss = points_in(ss_layer, view)
    if len(ss):
        ax.scatter(ss[:, 0], ss[:, 1], s=10, marker="^", c=STREETSAFE_COLOUR, edgecolors="white", linewidths=0.3,
                   zorder=8)
        handles.append(Line2D([], [], marker="^", ls="", mfc=STREETSAFE_COLOUR, mec="white", ms=5,
                              label="StreetSafe report"))
    if other_zones:
        handles.append(Line2D([], [], color="#555555", lw=0.8, ls="--", label="Other patrol zone"))
    handles.append(Line2D([], [], marker="s", ls="", mfc="#e9e9e9", mec="#bbbbbb", ms=6, label="Other LSOAs"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0, -0.005), ncol=3, fontsize=6.5, frameon=False)
    scale_bar(ax)

    share_a = float(z.get("share_of_area", np.nan))
    facts_rows = [
        ("Crimes", f"{_fmt(z['crimes'])} ({_share(z.get('share_of_crimes'), 1)} of all)"),
        ("Harm", _fmt(z.get("harm"))),
        ("Area", f"{_fmt(z.get('area_km2'), 2)} km\u00b2 ({_share(share_a, 2)} of area)"),
        ("PAI", _fmt(z.get("pai"), 1)),
        *([("Cells", _cells_text(z))] if pd.notna(z.get("n_cells", np.nan)) else []),
        ("IMD decile (mean)", f"{_fmt(z.get('imd_decile_mean'), 1)}  (1 = most deprived)"),
        ("LSOAs", str(len([c for c in str(z.get("lsoa_codes") or "").split(";") if c]))),
        ("Pubs", _fmt(z.get("pubs"))),
        ("StreetSafe reports", _fmt(z.get("streetsafe")) if ss_layer is not None else "no StreetSafe file loaded"),
    ]
    fig.text(0.64, 0.905, "Evidence", fontsize=10, fontweight="bold", va="top")
    y = 0.883
    for k, v in facts_rows:
        fig.text(0.64, y, k, fontsize=7.5, fontweight="bold", va="top")
        fig.text(0.78, y, v, fontsize=7.5, va="top")
        y -= 0.0155
    streets = ev.top_streets
    fig.text(0.64, y - 0.008, "Top streets (crimes recorded)", fontsize=10, fontweight="bold", va="top")
    street_text = _list_text(streets, 10, _clip(z.get("top_streets") or "none recorded", 60))
    fig.text(0.64, y - 0.03, street_text, fontsize=7.5, va="top", linespacing=1.45)
    from matplotlib.colorbar import ColorbarBase

    cb_y = max(0.48, y - 0.03 - 0.0152 * (street_text.count("\n") + 1) - 0.035)
    cb = ColorbarBase(fig.add_axes([0.64, cb_y, 0.28, 0.010]), cmap=cmap, norm=norm, orientation="horizontal")
    cb.set_label("Crimes per LSOA in this zone (map shading)", fontsize=6.5)
    cb.ax.tick_params(labelsize=6)

    _bars(fig, [0.30, 0.245, 0.25, 0.165], ev.crime_types, "Crimes by type", horizontal=True)
    _bars(fig, [0.64, 0.275, 0.30, 0.135], ev.months, "Crimes by month", horizontal=False)

    pub_names = [str(p) for p in ev.pubs]
    fig.text(0.06, 0.195, f"Pubs in this zone ({len(pub_names)})", fontsize=10, fontweight="bold", va="top")
    body = ", ".join(_clip(p, 40) for p in pub_names) if pub_names else "No pubs in the pubs file fall in this zone."
    lines = textwrap.wrap(body, 70)
    if len(lines) > 9:
        lines = lines[:8] + [f"\u2026 ({len(pub_names)} in all; the full list is in hotspots.xlsx)"]
    fig.text(0.06, 0.173, "\n".join(lines), fontsize=7, va="top", linespacing=1.35)
    fig.text(0.55, 0.195, "Why people feel unsafe here (StreetSafe)", fontsize=10, fontweight="bold", va="top")
    concerns = ev.top_concerns
    empty = "No StreetSafe file was loaded." if ss_layer is None else "No StreetSafe reports in this zone."
    fig.text(0.55, 0.173, _list_text(concerns, 8, empty), fontsize=7.5, va="top", linespacing=1.45)
    _footer(fig, page, n_pages, facts)


def _bars(fig: Any, rect: list[float], pairs: list, title: str, horizontal: bool) -> None:
    ax = fig.add_axes(rect)
    ax.set_title(title, loc="left", fontweight="bold", fontsize=9)
    if not pairs:
        ax.axis("off")
        ax.text(0, 0.5, "no crimes recorded", fontsize=7.5, transform=ax.transAxes)
        return
    labels = [str(k) for k, _ in pairs]
    vals = np.array([float(v) for _, v in pairs])
    if horizontal:
        if len(labels) > 8:
            labels, vals = labels[:7] + [f"{len(labels) - 7} other types"], np.r_[vals[:7], vals[7:].sum()]
        pos = np.arange(len(labels))[::-1]
        ax.barh(pos, vals, color="#b2182b", height=0.7)
        ax.set_yticks(pos, [_clip(s, 30) for s in labels])
        for p, v in zip(pos, vals, strict=True):
            ax.text(v, p, f" {int(v):,}", va="center", fontsize=6)
        ax.set_xlim(0, vals.max() * 1.22)
        ax.tick_params(axis="y", length=0)
    else:
        pos = np.arange(len(labels))
        ax.bar(pos, vals, color="#b2182b", width=0.75)
        step = max(1, math.ceil(len(labels) / 12))
        ax.set_xticks(pos[::step], labels[::step], rotation=90)
        ax.set_ylim(0, vals.max() * 1.1)


def _muted(cluster: str) -> tuple[float, float, float]:
    """A LISA class's colour as the map draws it (its opacity over white), so hot spots lead on paper too."""
    from matplotlib.colors import to_rgb

    from ..map._map_style import LISA_OPACITY

    r, g, b = to_rgb(LISA_COLOURS.get(cluster, LISA_COLOURS["ns"]))
    a = max(LISA_OPACITY.get(cluster, 0.35), 0.35 if cluster == "ns" else 0.0)
    return (1 - a + a * r, 1 - a + a * g, 1 - a + a * b)
