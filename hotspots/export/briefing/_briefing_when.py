"""The heat clock on a briefing spot card: a small 7x24 grid under the card's facts.

Drawn as shaded cells in the same white-to-dark-red ramp as the map popups and the app
(:func:`hotspots.when.clock.shade`), with the spot's patrol windows beside it. Nothing is
drawn for police.uk data (no times).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._pdf_charts import heat_grid

__all__ = ["draw_spot_clock"]


def draw_spot_clock(sheet: Any, analysis: Any, spot: Any, top: float) -> bool:
    """Draw spot ``spot``'s clock on a card whose top edge is at page height ``top``; returns
    whether there was one to draw."""
    when = getattr(analysis, "when", None)
    prof = None if when is None else when.spots.get(spot.spot_id)
    if prof is None:
        return False
    from ...when.clock import shade
    from ...when.windows import DAYS

    grid = np.asarray(prof, float).reshape(7, 24)
    heat_grid(sheet, [0.29, top - 0.19, 0.3, 0.042], grid, shade, DAYS, {0: "00", 6: "06", 12: "12", 18: "18"})
    texts = when.spot_texts(spot.spot_id) or ["too few timed crimes here"]
    sheet.text(0.61, top - 0.15, "When to patrol:\n" + "\n".join(texts), 6.2, va="top", linespacing=1.3)
    return True
