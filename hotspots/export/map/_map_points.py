"""Point layers of the patrol map that stay readable at county zoom: clustered, distinct colours.

At county zoom 538 pub dots and a thousand StreetSafe pins bury each other and the LSOAs
beneath. Both layers are therefore Leaflet.markercluster groups (Leaflet.markercluster 1.5.3,
MIT, vendored in ``vendor/markercluster`` and inlined, so the page still needs no network):
a county view shows a few numbered bubbles, a street view the points. Colours are from the
Okabe-Ito palette (Okabe and Ito 2008), chosen to stay distinct under the common colour-vision
deficiencies: StreetSafe reports blue, pubs orange, and the three fear-vs-crime classes reddish
purple, bluish green and vermillion, so no class can be mistaken for another layer.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

__all__ = ["OKABE_ITO", "REPORT_COLOUR", "PUB_POINT_COLOUR", "FEAR_CLASS_COLOURS", "FEAR_CLASS_LABELS",
           "FEAR_CLASS_MEANING", "markercluster_js", "markercluster_css", "add_cluster_assets", "cluster_group"]

OKABE_ITO = {"orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "black": "#000000"}
REPORT_COLOUR = OKABE_ITO["blue"]
PUB_POINT_COLOUR = OKABE_ITO["orange"]
FEAR_CLASS_COLOURS = {"fear_not_crime": OKABE_ITO["reddish_purple"], "crime_not_fear": OKABE_ITO["bluish_green"],
                      "both": OKABE_ITO["vermillion"]}
FEAR_CLASS_LABELS = {"fear_not_crime": "More fear reports than crime explains",
                     "crime_not_fear": "Fewer fear reports than crime predicts",
                     "both": "Crime hot spot, and more fear reports still"}
#: one sentence per class for the legend and popups
FEAR_CLASS_MEANING = {
    "fear_not_crime": "Significantly more StreetSafe reports than this area's recorded crime predicts "
                      "(and crime is not a hot spot here).",
    "crime_not_fear": "Significantly fewer StreetSafe reports than recorded crime predicts, where people "
                      "do use StreetSafe.",
    "both": "A recorded-crime hot spot with significantly more StreetSafe reports than even its crime predicts.",
    "not_testable": "Fewer than 5 StreetSafe reports in this LSOA and its neighbours: too few to test either way "
                    "(no reports is not no fear).",
}
_DIR = Path(__file__).with_name("vendor") / "markercluster"


@functools.lru_cache(maxsize=1)
def markercluster_js() -> str:
    """Leaflet.markercluster's JavaScript, safe inside a ``<script>`` element."""
    js = (_DIR / "leaflet.markercluster.js").read_text(encoding="utf-8")
    js = js.replace("//# sourceMappingURL=leaflet.markercluster.js.map", "")
    return js.replace("</script", "<\\/script")


@functools.lru_cache(maxsize=1)
def markercluster_css() -> str:
    """Its two stylesheets (no external images), safe inside a ``<style>`` element."""
    css = "\n".join((_DIR / n).read_text(encoding="utf-8") for n in ("MarkerCluster.css", "MarkerCluster.Default.css"))
    return css.replace("</style", "<\\/style")


def add_cluster_assets(m: Any) -> None:
    """Inline the cluster plugin into the page's header, once (after Leaflet itself)."""
    from ._offline import raw_element

    root = m.get_root()
    if "markercluster_js_inline" in root.header._children:
        return
    root.header.add_child(raw_element(f"<style>{markercluster_css()}</style>"), name="markercluster_css_inline")
    root.header.add_child(raw_element(f"<script>{markercluster_js()}</script>"), name="markercluster_js_inline")


def cluster_group(m: Any, name: str, colour: str, *, show: bool = True, disable_at: int = 15) -> Any:
    """A MarkerCluster layer whose bubbles take the layer's colour; points show from ``disable_at``.

    folium's MarkerCluster would load the plugin from a CDN: its asset lists are emptied on the
    instance and the inlined copy (:func:`add_cluster_assets`) is used instead.
    """
    from folium.plugins import MarkerCluster

    add_cluster_assets(m)
    m.options.setdefault("max_zoom", 19)  # the plugin refuses a map without one (no tiles -> none)
    icon = (
        "function(cluster) { var n = cluster.getChildCount();"
        " var s = n < 10 ? 26 : (n < 100 ? 32 : 40);"
        f" return L.divIcon({{html: '<div style=\"background:{colour};color:#fff;border:2px solid #fff;"
        "border-radius:50%;width:' + s + 'px;height:' + s + 'px;line-height:' + (s - 4) + 'px;"
        "text-align:center;font:700 12px Arial,sans-serif;box-shadow:0 0 3px rgba(0,0,0,.6)\">' + n + '</div>',"
        " className: 'hs-cluster', iconSize: L.point(s, s)}); }"
    )
    mc = MarkerCluster(name=name, show=show, icon_create_function=icon,
                       options={"disableClusteringAtZoom": disable_at, "showCoverageOnHover": False,
                                "spiderfyOnMaxZoom": False, "maxClusterRadius": 50})
    mc.default_js, mc.default_css = [], []
    mc.add_to(m)
    return mc
