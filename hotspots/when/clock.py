"""The heat clock: a 7x24 grid (days down, hours across, Monday first) as a small HTML table.

Used where HTML is drawn (map popups, the briefing's HTML parts); the app draws its own with
Qt (gui/heat_clock.py) from the same profile. Every text is escaped; colours are computed here
(no script, no external style), so the table is safe inside any popup.
"""

from __future__ import annotations

from html import escape

import numpy as np

from .aoristic import HOURS
from .windows import DAYS

__all__ = ["clock_html", "shade", "spot_clock_html", "zone_clock_html"]


def shade(v: float) -> str:
    """0 -> white, 1 -> dark red (a sequential ramp readable in greyscale)."""
    v = float(min(max(v, 0.0), 1.0))
    r = round(255 - 75 * v)
    g = round(255 - 235 * v)
    b = round(255 - 225 * v)
    return f"#{r:02x}{g:02x}{b:02x}"


def clock_html(profile: np.ndarray | list[float], title: str = "", *, cell_px: int = 7) -> str:
    """A 7x24 table; cell tooltips give the day, hour and share of the total."""
    p = np.asarray(profile, float)
    if p.shape != (HOURS,) or not np.isfinite(p).all():
        return ""
    total = float(p.sum())
    top = float(p.max()) if total > 0 else 1.0
    rows = []
    for d in range(7):
        cells = []
        for h in range(24):
            v = p[d * 24 + h]
            tip = f"{DAYS[d]} {h:02d}:00 {100 * v / total:.1f}%" if total > 0 else f"{DAYS[d]} {h:02d}:00"
            cells.append(f'<td title="{escape(tip)}" style="width:{cell_px}px;height:{cell_px}px;padding:0;'
                         f'background:{shade(v / top if top > 0 else 0)}"></td>')
        rows.append(f'<tr><th style="font:9px sans-serif;padding:0 3px 0 0;text-align:right">{DAYS[d]}</th>'
                    + "".join(cells) + "</tr>")
    hours = "".join(f'<th colspan="6" style="font:8px sans-serif;text-align:left;padding:0">{h:02d}</th>'
                    for h in (0, 6, 12, 18))
    cap = f'<caption style="font:10px sans-serif;text-align:left">{escape(title)}</caption>' if title else ""
    return ('<table class="heat-clock" style="border-collapse:collapse;border-spacing:0">' + cap
            + "<tr><th></th>" + hours + "</tr>" + "".join(rows) + "</table>")


def spot_clock_html(analysis: object, spot_id: str) -> str:
    """A spot's heat clock and patrol windows for its map popup ("" without times)."""
    when = getattr(analysis, "when", None)
    if when is None or spot_id not in when.spots:  # type: ignore[attr-defined]
        return ""
    texts = when.spot_texts(spot_id)  # type: ignore[attr-defined]
    words = "; ".join(texts) if texts else "too few timed crimes here"
    return ("<div class='hs-pop-when'><b>When:</b> " + escape(words)
            + clock_html(when.spots[spot_id], "Crimes by day and hour (Mon first)") + "</div>")  # type: ignore[attr-defined]


def zone_clock_html(when: object, zone_id: int) -> str:
    """A patrol zone's heat clock and windows for its map popup ("" without times)."""
    if when is None or int(zone_id) not in when.zones:  # type: ignore[attr-defined]
        return ""
    texts = when.zone_texts(int(zone_id))  # type: ignore[attr-defined]
    words = "; ".join(texts) if texts else "too few timed crimes here"
    return ("<div class='hs-pop-when'><b>When:</b> " + escape(words)
            + clock_html(when.zones[int(zone_id)], "Crimes by day and hour (Mon first)") + "</div>")  # type: ignore[attr-defined]
