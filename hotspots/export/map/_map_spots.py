"""Patrol spots on the patrol map: small filled squares at street scale with an evidence popup.

Every string that came from an input file (street and place names, LSOA names, crime types,
StreetSafe reasons, flags) goes through :func:`~hotspots.export.map._map_popups.esc` before folium
sees it, as for the zones.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...stats.window_test import p_text
from ._map_popups import esc

__all__ = ["add_spots", "spot_legend", "spot_popup", "SPOT_COLOUR", "SPOT_LAYER", "add_partner_places", "partner_legend",
           "partner_popup", "spot_test_text"]

SPOT_COLOUR = "#e7298a"
SPOT_LAYER = "Patrol spots (15-minute visits)"


def _pct(x: float) -> str:
    return f"{x:.2%}" if x == x else "n/a"


def _pairs(d: dict, k: int = 6) -> str:
    return ", ".join(f"{esc(a)} {int(b)}" for a, b in list(d.items())[:k]) or "none"


def spot_test_text(s: Any) -> str:
    """The cell test's verdict on a spot in words (p no finer than the test's resolution shown)."""
    verdict = "passes (a significant hot spot)" if s.significant else "does not pass (a busy place, not significant)"
    return (f"Cell test: {verdict}; exact window-sum randomisation test with FDR control, "
            f"strongest cell p {p_text(s.p_value)}")


def spot_popup(s: Any, n: int) -> str:
    """The evidence of one :class:`~hotspots.plans.spots.PatrolSpot` as escaped HTML."""
    months = ", ".join(f"{esc(m[5:])}/{esc(m[2:4])} {c}" for m, c in s.crimes_by_month.items())
    flags = "".join(f"<li>{esc(f)}</li>" for f in s.flags)
    imd = "n/a" if s.imd_decile is None else str(int(s.imd_decile))
    # the body is a block of its own: Qt's rich text (the app's spot card) ran it into the heading
    # ("Maidstone629 crimes") when it followed the heading's block as bare text
    return (f"<div class='hs-pop'><div class='hs-pop-h'>Patrol spot {s.rank} of {n}: {esc(s.name)}</div><div>"
            f"<b>{s.crimes:,}</b> crimes ({_pct(s.share_of_crimes)} of the force's) in {s.area_km2:.3f} km²; "
            f"PAI {s.pai:,.0f}<br>Crime types: {_pairs(s.crimes_by_type)}<br>By month: {months or 'none'}<br>"
            f"{spot_test_text(s)}<br>"
            f"Pubs within 100 m: {s.pubs_100m}; StreetSafe reports within 100 m: {s.streetsafe_100m}"
            f"{' (' + _pairs(s.streetsafe_reasons, 4) + ')' if s.streetsafe_reasons else ''}<br>"
            f"LSOA {esc(s.lsoa_code)} {esc(s.lsoa_name)}, IMD decile {imd}<br>"
            f"<i>{esc(s.dosage)}</i>" + (f"<br>Data quality:<ul>{flags}</ul>" if flags else "") + "</div></div>")


def add_spots(m: Any, analysis: Any, to_display: Any, fc: Any, tooltip_cls: Any, popup_cls: Any) -> bool:
    """Draw the spots (a layer of its own, on top of the zones); False when there are none."""
    import folium

    from ...when.clock import spot_clock_html  # a records extract: the heat clock in the popup

    res = getattr(analysis, "spots", None)
    if res is None or not res.spots:
        return False
    n = len(res.spots)
    geoms = np.array([s.geometry for s in res.spots], dtype=object)
    disp = to_display(geoms, 27700)
    props = [{"rank": s.rank, "label": esc(f"Spot {s.rank}: {s.name} ({s.crimes:,} crimes)"),
              "popup": spot_popup(s, n) + spot_clock_html(analysis, s.spot_id)} for s in res.spots]
    folium.GeoJson(
        fc(disp, props), name=SPOT_LAYER, pane="hs_points",
        style_function=lambda f: {"color": "#7a0177", "weight": 1.5, "fillColor": SPOT_COLOUR, "fillOpacity": 0.6},
        highlight_function=lambda f: {"weight": 3},
        tooltip=tooltip_cls(["label"], labels=False, sticky=True),
        popup=popup_cls(["popup"], labels=False, localize=False, max_width=380, max_height=420),
    ).add_to(m)
    return True


def spot_legend(analysis: Any) -> str:
    """The legend section of the spots layer (shown and hidden with it), or "" without spots."""
    spots = getattr(getattr(analysis, "spots", None), "spots", None) or []
    if not spots:
        return ""
    n = len(spots)
    return (f"<div data-layer='{esc(SPOT_LAYER)}'><div class='hs-lg-h'>Patrol spots</div>"
            f"<div><span class='hs-sw' style='background:{SPOT_COLOUR};border:1.5px solid #7a0177'></span>"
            f"{n} patrol spot{'s' if n != 1 else ''}: 15-minute visits (zoom in to street scale)</div></div>")


PARTNER_COLOUR = "#1f78b4"
PARTNER_LAYER = "Partner places (left out of the patrol plan)"


def partner_popup(p: Any) -> str:
    """One partner place as escaped HTML."""
    from ..partner_places import KIND_WORDS

    shop = f"; {p.share_shoplifting:.0%} shoplifting" if p.kind == "retail" else ""
    return (f"<div class='hs-pop'><div class='hs-pop-h'>Partner place: {esc(p.name)}</div><div>"
            f"{esc(KIND_WORDS.get(p.kind, p.kind))}: <b>{p.crimes:,}</b> crimes{shop}<br>"
            f"<i>{esc(p.reason)}</i></div></div>")


def add_partner_places(m: Any, analysis: Any, to_display: Any, fc: Any = None, tooltip_cls: Any = None,
                       popup_cls: Any = None) -> bool:
    """The partner places as small markers (a layer of their own); False when there are none.

    Drawn from compact rows (:mod:`._map_partners`): a nation has tens of thousands, and a
    GeoJSON feature with its whole popup each made most of a national page. ``fc``,
    ``tooltip_cls`` and ``popup_cls`` are not used (the other point layers' signature)."""
    import shapely

    from ._map_partners import add_partner_layer

    res = getattr(analysis, "spots", None)
    places = getattr(getattr(res, "partners", None), "places", None) or []
    if not places:
        return False
    pts = shapely.points(np.array([p.x for p in places], float), np.array([p.y for p in places], float))
    disp = to_display(pts, 27700, extent_m=0.0)  # rounded as every point on the map
    add_partner_layer(m, PARTNER_LAYER, places, shapely.get_y(disp), shapely.get_x(disp),
                      marker={"radius": 4, "color": "#08306b", "weight": 1, "fill": True,
                              "fillColor": PARTNER_COLOUR, "fillOpacity": 0.9}, max_width=340)
    return True


def partner_legend(analysis: Any) -> str:
    """The legend section of the partner-places layer, or "" without any."""
    places = getattr(getattr(getattr(analysis, "spots", None), "partners", None), "places", None) or []
    if not places:
        return ""
    n = len(places)
    return (f"<div data-layer='{esc(PARTNER_LAYER)}'><div class='hs-lg-h'>Partner places</div>"
            f"<div><span class='hs-sw' style='background:{PARTNER_COLOUR};border-radius:50%'></span>"
            f"{n} place{'s' if n != 1 else ''} for a partner (hospital, police station, prison, shop): "
            "left out of the patrol plan</div></div>")
