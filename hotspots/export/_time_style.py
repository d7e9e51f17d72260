"""How emerging hot spots look on the map, in the briefing and in the app: ArcGIS-like colours.

ArcGIS Pro draws Emerging Hot Spot Analysis results in reds for hot patterns and blues for
cold ones, strongest for the patterns that matter most now (intensifying, persistent, new)
and palest for the ones in the past (historical); "No Pattern Detected" is left unfilled. The
same palette serves the map, its legend, the briefing and the desktop app. Pure data.
"""

from __future__ import annotations

__all__ = ["EMERGING_COLOURS", "EMERGING_LAYER", "PRIORITY"]

EMERGING_COLOURS = {
    "New Hot Spot": "#e31a1c",
    "Consecutive Hot Spot": "#f03b20",
    "Intensifying Hot Spot": "#99000d",
    "Persistent Hot Spot": "#cb181d",
    "Diminishing Hot Spot": "#fb6a4a",
    "Sporadic Hot Spot": "#fc9272",
    "Oscillating Hot Spot": "#fcbba1",
    "Historical Hot Spot": "#fee0d2",
    "New Cold Spot": "#1f78b4",
    "Consecutive Cold Spot": "#2b8cbe",
    "Intensifying Cold Spot": "#08306b",
    "Persistent Cold Spot": "#2171b5",
    "Diminishing Cold Spot": "#6baed6",
    "Sporadic Cold Spot": "#9ecae1",
    "Oscillating Cold Spot": "#c6dbef",
    "Historical Cold Spot": "#deebf7",
    "No Pattern Detected": "#ffffff",
}
#: the map's layer name (the legend section follows the layer switcher by it)
EMERGING_LAYER = "Emerging hot spots (over time)"
#: the categories a shift briefing should name first (new or growing hot spots)
PRIORITY = ("New Hot Spot", "Intensifying Hot Spot", "Consecutive Hot Spot", "Persistent Hot Spot")
