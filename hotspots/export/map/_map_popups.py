"""The HTML inside the patrol map: LSOA tooltips, zone evidence popups and the legend.

folium's GeoJSON tooltips and popups insert property values as HTML, so every string that
came from an input file (LSOA and pub names, streets, StreetSafe comments) goes through
:func:`esc` here before folium sees it; numbers are formatted once, the same way everywhere.
"""

from __future__ import annotations

__all__ = ["esc", "num", "lsoa_props", "zone_popup", "legend_html", "reason_labels"]

import html
import math
from typing import Any

import numpy as np
import pandas as pd

from ...model import ZoneEvidence
from .._numbers import finite
from ._map_style import (
    FEAR_COLOURS,
    FEAR_LABELS,
    GI_COLOURS,
    GI_LABELS,
    LAYER_NAMES,
    LISA_COLOURS,
    LISA_LABELS,
    LISA_OPACITY,
    PUB_COLOUR,
    STREETSAFE_COLOUR,
    ZONE_COLOUR,
)


def esc(value: Any) -> str:
    """Text from an input file, safe inside HTML (and so inside folium tooltips/popups)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return html.escape(str(value), quote=True)


def num(x: Any, decimals: int | None = None) -> str:
    """A readable number: thousands separators, no spurious decimals, '-' when missing."""
    v = finite(x)
    if v is None:
        return "-"
    if decimals is None:
        decimals = 0 if abs(v) >= 100 or v == int(v) else 2
    return f"{v:,.{decimals}f}"


def _floats(col: Any) -> np.ndarray:
    """A column as floats, NaN where missing or not a number (what :func:`num` prints as '-')."""
    return pd.to_numeric(pd.Series(col), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _nums(v: np.ndarray, decimals: int | None = None) -> list[str]:
    """:func:`num` of every value of a float array (one pass, no per-value type checks)."""
    out = []
    for x in v.tolist():
        if not math.isfinite(x):
            out.append("-")
        else:
            d = decimals if decimals is not None else (0 if abs(x) >= 100 or x == int(x) else 2)
            out.append(f"{x:,.{d}f}")
    return out


def lsoa_props(t: pd.DataFrame) -> list[dict]:
    """Tooltip properties per LSOA (escaped text, formatted numbers) and its LISA/Gi* keys ``c``/``g``.

    Column by column (a national table has 33,755 LSOAs: per-row pandas scalars, ``pd.notna``
    and :func:`num` took ~1.6 s), the same text as :func:`num` and :func:`esc` give."""
    n = len(t)
    zone = _floats(t["zone_id"]) if "zone_id" in t else np.full(n, np.nan)
    imd = _floats(t["imd_decile"]) if "imd_decile" in t else zone
    gbs = _floats(t["gi_bin"])
    cols = {
        "code": [esc(v) for v in t["lsoa_code"].to_numpy(dtype=object)],
        "name": [esc(v) for v in t["lsoa_name"].to_numpy(dtype=object)],
        "crimes": _nums(_floats(t["crimes"]), 0), "harm": _nums(_floats(t["harm"]), 0),
        "value": _nums(_floats(t["value"])), "imd": _nums(imd, 0),
    }
    clusters = [c if isinstance(c, str) and c in LISA_COLOURS else "ns" for c in t["lisa_cluster"].to_numpy(dtype=object)]
    out = []
    for k, (cl, gb, z) in enumerate(zip(clusters, gbs.tolist(), zone.tolist(), strict=True)):
        gb = 0 if gb != gb else int(gb)
        out.append({"c": cl, "g": gb, "code": cols["code"][k], "name": cols["name"][k], "crimes": cols["crimes"][k],
                    "harm": cols["harm"][k], "value": cols["value"][k], "imd": cols["imd"][k],
                    "cluster": LISA_LABELS[cl], "gi": f"{GI_LABELS.get(gb, gb)} ({gb:+d})" if gb else GI_LABELS[0],
                    "zone": f"Zone {int(z)}" if z == z else "-"})
    return out


def _pairs_html(pairs: Any, limit: int) -> str:
    pairs = list(pairs or [])
    if not pairs:
        return "<i>none recorded</i>"
    items = "".join(f"<li>{esc(n)} ({num(c, 0)})</li>" for n, c in pairs[:limit])
    more = f"<li><i>and {len(pairs) - limit} more</i></li>" if len(pairs) > limit else ""
    return f"<ol>{items}{more}</ol>"


def zone_popup(z: pd.Series, ev: ZoneEvidence | None, n_zones: int, streetsafe: bool) -> str:
    """Evidence for one zone as HTML; every input-file string goes through ``esc``."""
    share_c, share_a = float(z.get("share_of_crimes", np.nan)), float(z.get("share_of_area", np.nan))
    rows = [("Crimes", f"{num(z['crimes'], 0)} ({share_c:.1%} of all)" if math.isfinite(share_c)
             else num(z["crimes"], 0)),
            ("Harm", num(z.get("harm"), 0)),
            ("Area", f"{num(z.get('area_km2'), 2)} km\u00b2 ({share_a:.2%} of the area)" if math.isfinite(share_a)
             else f"{num(z.get('area_km2'), 2)} km\u00b2"),
            ("PAI", num(z.get("pai"), 1)),
            *([("Grid cells", num(z.get("n_cells"), 0))] if z.get("n_cells") is not None else []),
            ("IMD decile (mean)", num(z.get("imd_decile_mean"), 1)),
            ("Pubs", num(z.get("pubs"), 0))]
    if streetsafe:
        rows.append(("StreetSafe reports", num(z.get("streetsafe"), 0)))
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    if ev is not None:
        streets_html, concerns_html = _pairs_html(ev.top_streets, 8), _pairs_html(ev.top_concerns, 5)
        pubs = [str(p) for p in ev.pubs]
    else:  # only the zone table's "Name (n); Name (n)" strings
        streets_html = esc(z.get("top_streets") or "") or "<i>none recorded</i>"
        concerns_html = esc(z.get("top_concerns") or "") or "<i>none recorded</i>"
        pubs = []
    sec = "<div class='hs-sec'>{}</div>"
    name = str(z.get("name") or "") if isinstance(z.get("name"), str) else ""
    head = f"Patrol zone {int(z['rank'])} of {n_zones}" + (f": {esc(name)}" if name else "")
    out = [f"<div class='hs-pop'><div class='hs-pop-h'>{head}</div>",
           f"<table>{table}</table>", sec.format("Top streets (crimes)"), streets_html]
    if streetsafe:
        out += [sec.format("Why people feel unsafe (StreetSafe)"), concerns_html]
    if pubs:
        more = f" <i>and {len(pubs) - 15} more</i>" if len(pubs) > 15 else ""
        out += [sec.format(f"Pubs ({len(pubs)})"), f"<div>{', '.join(esc(p) for p in pubs[:15])}{more}</div>"]
    codes = [c for c in str(z.get("lsoa_codes") or "").split(";") if c]
    out.append(f"<div class='hs-note'>{len(codes)} LSOA{'s' if len(codes) != 1 else ''}: "
               f"{esc(', '.join(codes))}</div></div>")
    return "".join(out)


def legend_html(t: pd.DataFrame, zones: Any, has: dict[str, bool]) -> str:
    """The legend, one section per layer (tagged ``data-layer`` so it follows the layer switcher)."""
    counts = t["lisa_cluster"].value_counts()
    sw = "<span class='hs-sw' style='background:{c};{extra}'></span>"
    rows = ["<div class='hs-lg-h'>LISA clusters</div>"]
    for k in ("HH", "HL", "LH", "LL", "ns"):
        swatch = sw.format(c=LISA_COLOURS[k], extra=f"opacity:{LISA_OPACITY[k]}")  # as drawn on the map
        rows.append(f"<div>{swatch}{LISA_LABELS[k]} ({int(counts.get(k, 0))})</div>")
    parts = [f"<div data-layer='{esc(LAYER_NAMES['lisa'])}'>{''.join(rows)}</div>"]
    n_z = 0 if zones is None else len(zones)
    z_text = f"Patrol zone, numbered by rank ({n_z})" if n_z else "No patrol zones at this alpha"
    parts.append(f"<div data-layer='{esc(LAYER_NAMES['zones'])}'><div class='hs-lg-h'>Zones</div>"
                 f"<div><span class='hs-sw' style='border:3px solid {ZONE_COLOUR};background:none'></span>"
                 f"<span class='hs-num'>1</span>{z_text}</div></div>")
    gi = "".join(f"<div>{sw.format(c=GI_COLOURS[b], extra='')}{GI_LABELS[b]}</div>" for b in (3, 2, 1, -1, -2, -3))
    parts.append(f"<div data-layer='{esc(LAYER_NAMES['gi'])}' style='display:none'><div class='hs-lg-h'>Getis-Ord Gi*</div>"
                 f"{gi}</div>")
    if has.get("fear"):
        from ._map_points import FEAR_CLASS_MEANING

        fear = "".join(f"<div title='{esc(FEAR_CLASS_MEANING[k])}'>{sw.format(c=c, extra='')}{FEAR_LABELS[k]}</div>"
                       for k, c in FEAR_COLOURS.items())
        parts.append(f"<div data-layer='{esc(LAYER_NAMES['fear'])}' style='display:none'>"
                     f"<div class='hs-lg-h'>Fear vs recorded crime</div>{fear}"
                     "<div class='hs-note'>StreetSafe reports tested against recorded crime (negative binomial with the "
                     "reports' overdispersion estimated, FDR);<br>"
                     "LSOAs with too few reports to test are grey (not testable).</div></div>")
    dot = "<span class='hs-dot' style='background:{c}'></span>"
    if has.get("pubs"):
        parts.append(f"<div data-layer='{esc(LAYER_NAMES['pubs'])}'><div class='hs-lg-h'>Pubs</div>"
                     f"{dot.format(c=PUB_COLOUR)}Pub (a small dot)</div>")
    if has.get("ss"):
        parts.append(f"<div data-layer='{esc(LAYER_NAMES['ss'])}'><div class='hs-lg-h'>StreetSafe reports</div>"
                     f"{dot.format(c=STREETSAFE_COLOUR)}StreetSafe report "
                     "(a numbered bubble: reports grouped at this zoom)</div>")
    return "".join(parts)


def reason_labels(text: Any) -> str:
    """StreetSafe reason slugs (``a;b``) as readable labels for a popup."""
    try:
        from ...data.streetsafe import REASONS
    except ImportError:  # pragma: no cover - the reader ships with the package
        REASONS = {}  # noqa: N806
    slugs = [s for s in str(text or "").split(";") if s]
    return ", ".join(REASONS.get(s, s) for s in slugs)
