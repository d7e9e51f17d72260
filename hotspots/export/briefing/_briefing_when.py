"""The heat clock on a briefing spot card: a small 7x24 grid under the card's facts.

Drawn with matplotlib in the same white-to-dark-red ramp as the map popups and the app
(:func:`hotspots.when.clock.shade`), with the spot's patrol windows beside it. Nothing is
drawn for police.uk data (no times).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["draw_spot_clock"]


def draw_spot_clock(fig: Any, analysis: Any, spot: Any, top: float) -> None:
    """Draw spot ``spot``'s clock on a card whose top edge is at figure height ``top``."""
    when = getattr(analysis, "when", None)
    prof = None if when is None else when.spots.get(spot.spot_id)
    if prof is None:
        return
    from matplotlib.colors import LinearSegmentedColormap

    from ...when.clock import shade
    from ...when.windows import DAYS

    cmap = LinearSegmentedColormap.from_list("hs_clock", [shade(0.0), shade(0.5), shade(1.0)])
    grid = np.asarray(prof, float).reshape(7, 24)
    ax = fig.add_axes([0.29, top - 0.19, 0.3, 0.042])
    ax.imshow(grid, cmap=cmap, vmin=0, vmax=max(float(grid.max()), 1e-9), aspect="auto", interpolation="nearest")
    ax.set_yticks(range(7), DAYS, fontsize=4.5)
    ax.set_xticks([0, 6, 12, 18], ["00", "06", "12", "18"], fontsize=4.5)
    ax.tick_params(length=0, pad=1)
    for side in ax.spines.values():
        side.set_linewidth(0.3)
    texts = when.spot_texts(spot.spot_id) or ["too few timed crimes here"]
    fig.text(0.61, top - 0.15, "When to patrol:\n" + "\n".join(texts), fontsize=6.2, va="top", linespacing=1.3)
