"""How the patrol map looks: layer names, colours, labels, attribution and the page's CSS.

One place for the conventions an analyst recognises (GeoDa's LISA colours, the ArcGIS Hot
Spot Analysis palette), shared by the map, its legend and the briefing PDF so that paper and
screen agree. Pure data: importing it loads nothing.
"""

from __future__ import annotations

from ._map_points import FEAR_CLASS_COLOURS, FEAR_CLASS_LABELS, PUB_POINT_COLOUR, REPORT_COLOUR

__all__ = ["LISA_COLOURS", "LISA_OPACITY", "LISA_LINES", "LISA_WEIGHTS", "LISA_LABELS", "GI_COLOURS", "GI_LABELS", "FEAR_COLOURS", "FEAR_LABELS", "FEAR_NOT_TESTABLE",
           "PUB_COLOUR", "STREETSAFE_COLOUR", "ZONE_COLOUR", "ATTRIBUTION", "LAYER_NAMES", "MAP_CSS"]

#: GeoDa's conventional LISA cluster colours
LISA_COLOURS = {"HH": "#ff0000", "LL": "#0000ff", "LH": "#a7adf9", "HL": "#f4ada8", "ns": "#eeeeee"}
#: fill opacity by class: hot spots stand out, cold spots (often big rural LSOAs) stay pale in the background
#: (at county scale 69 saturated blue cold spots used to dominate 69 small urban hot spots)
LISA_OPACITY = {"HH": 0.8, "HL": 0.6, "LH": 0.3, "LL": 0.18, "ns": 0.12}
#: outline by class: hot spots keep a dark red edge so small urban LSOAs still read at county zoom
LISA_LINES = {"HH": "#8b0000", "HL": "#b5524a"}
LISA_WEIGHTS = {"HH": 1.6, "HL": 1.0}
LISA_LABELS = {"HH": "High-High (hot spot)", "HL": "High-Low (high outlier)", "LH": "Low-High (low outlier)",
               "LL": "Low-Low (cold spot)", "ns": "Not significant"}
#: ArcGIS Hot Spot Analysis palette by Gi* bin
GI_COLOURS = {3: "#d62f27", 2: "#ed7551", 1: "#fab984", 0: "#ffffbf", -1: "#c0ccbe", -2: "#849eba",
              -3: "#4575b5"}
GI_LABELS = {3: "Hot spot, 99% confidence", 2: "Hot spot, 95% confidence", 1: "Hot spot, 90% confidence",
             0: "Not significant", -1: "Cold spot, 90% confidence", -2: "Cold spot, 95% confidence",
             -3: "Cold spot, 99% confidence"}
#: fear vs crime, pubs and reports: Okabe-Ito colours, distinct under colour-vision deficiency
#: (see :mod:`._map_points`, which also clusters the point layers at county zoom)
#: plus a light grey for LSOAs the fear test could not test (too few reports in the neighbourhood)
FEAR_NOT_TESTABLE = "not_testable"
FEAR_COLOURS = {**FEAR_CLASS_COLOURS, FEAR_NOT_TESTABLE: "#d9d9d9"}
FEAR_LABELS = {**FEAR_CLASS_LABELS, FEAR_NOT_TESTABLE: "Not testable (too few reports)"}
PUB_COLOUR, STREETSAFE_COLOUR, ZONE_COLOUR = PUB_POINT_COLOUR, REPORT_COLOUR, "#000000"
ATTRIBUTION = ("Crime: police.uk; boundaries: ONS, contains OS data \u00a9 Crown copyright and database right; "
               "IMD: MHCLG; all under the Open Government Licence v3.0")
#: the layer switcher's names (the legend shows and hides its sections by them)
LAYER_NAMES = {"lisa": "LISA clusters (Local Moran's I)", "gi": "Gi* hot and cold spots", "fear": "Fear vs recorded crime",
               "zones": "Patrol zones", "pubs": "Pubs", "ss": "StreetSafe reports"}
#: the page's own CSS: legend, title box, numbered zone labels, popups
MAP_CSS = """
.leaflet-container { background: #f2f0eb; font-family: "Segoe UI", Arial, sans-serif; }
.leaflet-pane > svg { pointer-events: none; }
.leaflet-control-layers { font-size: 13px; line-height: 18px; }
.leaflet-control-attribution { font-size: 10.5px; line-height: 13px; max-width: 75vw; }
.hs-legend, .hs-title { background: rgba(255,255,255,0.93); border-radius: 5px; box-shadow: 0 1px 5px rgba(0,0,0,0.35);
  padding: 7px 10px; color: #222; font-family: "Segoe UI", Arial, sans-serif; }
.hs-legend { font-size: 12px; line-height: 18px; max-height: 60vh; overflow-y: auto; }
.hs-lg-h { font-weight: 600; margin-top: 3px; }
.hs-sw { display: inline-block; width: 16px; height: 12px; margin-right: 6px; vertical-align: -1px;
  border: 1px solid #777; box-sizing: border-box; }
.hs-dot { display: inline-block; width: 10px; height: 10px; border-radius: 50%; border: 1px solid #333;
  margin: 0 8px 0 3px; vertical-align: -1px; }
.hs-num { display: inline-block; width: 16px; height: 16px; line-height: 16px; border-radius: 50%; background: #000;
  color: #fff; font-size: 10px; font-weight: 700; text-align: center; margin-right: 6px; }
.hs-title { position: absolute; top: 10px; left: 50%; transform: translateX(-50%); z-index: 1000; max-width: 46%;
  font-size: 12px; line-height: 16px; text-align: center; pointer-events: none; }
.hs-title b { font-size: 15px; }
.hs-zone-label { background: none; border: none; }
.hs-zone-label span { display: block; width: 24px; height: 24px; line-height: 20px; border-radius: 50%; background: #000;
  color: #fff; border: 2px solid #fff; box-sizing: border-box; font: 700 12px Arial, sans-serif; text-align: center;
  box-shadow: 0 0 3px rgba(0,0,0,0.6); cursor: pointer; }
.hs-pop { font-size: 12px; line-height: 15px; max-width: 340px; }
.hs-pop-h { font-size: 14px; font-weight: 700; margin-bottom: 4px; }
.hs-pop table { border-collapse: collapse; margin: 0 0 4px 0 !important; }
.hs-sec { font-weight: 700; margin-top: 5px; }
.hs-pop th { text-align: left; padding: 1px 8px 1px 0; font-weight: 600; }
.hs-pop ol { margin: 2px 0 6px 0; padding-left: 20px; }
.hs-note { color: #555; font-size: 11px; margin-top: 4px; }
.hs-tip { border-collapse: collapse; font-size: 12px; }
.hs-tip th { text-align: left; padding: 0 8px 0 0; font-weight: 600; }
"""
