"""The evidence each patrol spot carries: a name a patrol understands, counts, neighbours, flags.

Split from :mod:`hotspots.plans.spots` (which decides *where* the spots are) because this is about
*what to say* about them: the busiest real street or place and the town, crimes by month and
type, the share of the force's crime and the PAI (Chainey, Tompson and Uhlig 2008), pubs and
StreetSafe reports within 100 m, the LSOA and its IMD decile, and data-quality flags for
police.uk's anonymised snap points.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from .snap_points import label_kinds, place_text, strip_prefixes

if TYPE_CHECKING:
    from .spot_result import PatrolSpot, SpotsResult

__all__ = ["describe_spots", "town_of", "spot_name", "FLAG_SINGLE_POINT", "FLAG_ONE_MONTH"]

#: flag a spot when one snap point holds at least this share of its crimes
FLAG_SINGLE_POINT = 0.5
#: flag a spot when one month holds at least this share of its crimes (and it has 10 or more)
FLAG_ONE_MONTH = 0.4
_LSOA_SUFFIX = re.compile(r"\s+\d{3}[A-Z]$")


def town_of(lsoa_name: str) -> str:
    """The district of an LSOA name: "Maidstone 004F" -> "Maidstone" (a spot's or zone's town is the
    GeoNames town it is in, :func:`hotspots.plans.place_labels.town_at`; this is its fallback)."""
    return _LSOA_SUFFIX.sub("", str(lsoa_name or "")).strip()


def spot_name(street: str, place: str, place_is_busiest: bool, town: str) -> str:
    """A name a patrol understands: "High Street, Maidstone", "Supermarket by Week Street, Maidstone"."""
    if street and place and place_is_busiest:
        core = f"{place.capitalize()} by {street}"
    elif street:
        core = street
    elif place:
        core = place_text(place).capitalize()
    else:
        core = "Unnamed place"
    return f"{core}, {town}" if town else core


def _near(geoms: np.ndarray, layer, distance: float) -> list[np.ndarray]:
    """Rows of ``layer`` within ``distance`` m of each geometry."""
    if layer is None or len(layer) == 0:
        return [np.zeros(0, np.int64) for _ in geoms]
    pts = np.asarray(layer.geometry.values)
    gi, pi = shapely.STRtree(pts).query(geoms, predicate="dwithin", distance=distance)
    return [np.sort(pi[gi == k]) for k in range(len(geoms))]


def _reasons(rows: np.ndarray, streetsafe) -> dict[str, int]:
    if streetsafe is None or len(rows) == 0 or "reasons" not in streetsafe:
        return {}
    from ..data.streetsafe import REASONS

    counts: dict[str, int] = {}
    for text in streetsafe["reasons"].to_numpy()[rows]:
        for slug in str(text or "").split(";"):
            if slug:
                label = REASONS.get(slug, slug)
                counts[label] = counts.get(label, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def describe_spots(result: SpotsResult, groups: list[np.ndarray], crimes: pd.DataFrame, sel: np.ndarray,
                   pos: np.ndarray, *, pubs=None, streetsafe=None) -> list[PatrolSpot]:
    """Ranked :class:`~hotspots.plans.spots.PatrolSpot` objects for the cell groups of a plan."""
    from ..runtime.proj import transformer
    from .place_labels import towns_at
    from .spot_result import DOSAGE, NEAR_M, PatrolSpot, spot_test

    g = result.grid
    if not groups:
        return []
    spot_of_cell = np.full(len(g), -1, dtype=np.int64)
    for k, cells in enumerate(groups):
        spot_of_cell[cells] = k
    rows = np.flatnonzero(np.asarray(sel, bool))
    which = spot_of_cell[np.asarray(pos)[rows]]
    rows, which = rows[which >= 0], which[which >= 0]
    sub = crimes.iloc[rows]
    kinds = label_kinds(sub["location"])
    names = strip_prefixes(sub["location"])
    months = sub["month"].astype(str).to_numpy(dtype=object)
    types = sub["crime_type"].astype(str).to_numpy(dtype=object)
    xy = np.round(sub[["x", "y"]].to_numpy(float), 1)
    excluded = result.exclusions.mask[rows]
    at_partner = result.partners.mask[rows]
    kinds_left = "partner places" if result.partners.kept else "partner places (hospital sites, police stations, prisons, shoplifting-dominated shops)"
    geoms = np.array([shapely.union_all(g.boxes(c)) for c in groups], dtype=object)
    near_pubs = _near(geoms, pubs, NEAR_M)
    near_ss = _near(geoms, streetsafe, NEAR_M)
    to_wgs = transformer(27700, 4326)
    total, area_all = max(result.total_crimes, 1), result.study_area_km2
    out = []
    # the town people say each spot is in (GeoNames, at its centre), else its busiest LSOA's district
    mains = [cells[int(np.argmax(result.cells.crimes[cells]))] for cells in groups]
    centres = shapely.centroid(geoms) if len(groups) else np.zeros(0, dtype=object)
    spot_towns = towns_at(shapely.get_x(centres), shapely.get_y(centres),
                          np.array([town_of(str(result.cells.lsoa_name[m])) for m in mains], dtype=object))
    for k, cells in enumerate(groups):
        m = which == k
        n = int(m.sum())
        main = mains[k]
        lsoa_name = str(result.cells.lsoa_name[main])
        town = str(spot_towns[k])
        lab = pd.Series(names[m])
        kd = kinds[m]
        streets = lab[kd == "street"].value_counts()
        places = lab[kd == "place"].value_counts()
        street = str(streets.index[0]) if len(streets) else ""
        place = str(places.index[0]) if len(places) else ""
        place_busiest = bool(place) and (not street or places.iloc[0] > streets.iloc[0])
        flags = []
        n_ex = int(excluded[m].sum())
        n_partner = int(at_partner[m].sum())
        if n_partner and not result.partners.kept:
            flags.append(f"{n_partner} crimes at {kinds_left} here were left out of the ranking "
                         "(see partner_places.csv)")
        elif n_partner:
            flags.append(f"{n_partner} crimes here are at {kinds_left}: kept in the plan by the setting")
        if place_busiest:
            flags.append(f"the busiest snap point label is a place, not a street: {place} "
                         f"({int(places.iloc[0])} crimes)")
        if n:
            _, per_point = np.unique(xy[m], axis=0, return_counts=True)
            top_point = per_point.max() / n
            if top_point >= FLAG_SINGLE_POINT:
                flags.append(f"one anonymised snap point holds {top_point:.0%} of the crimes: the true places "
                             "are nearby, not necessarily at it")
            per_month = pd.Series(months[m]).value_counts()
            if n >= 10 and per_month.iloc[0] / n >= FLAG_ONE_MONTH:
                flags.append(f"{per_month.index[0]} alone holds {per_month.iloc[0] / n:.0%} of the crimes "
                             "(a one-off event?)")
        c = shapely.centroid(geoms[k])
        lon, lat = to_wgs.transform(shapely.get_x(c), shapely.get_y(c))
        area = len(cells) * g.cell_km2
        share = n / total
        dec = result.cells.imd_decile[main]
        by_month = {str(a): int(b) for a, b in sorted(pd.Series(months[m]).value_counts().items())}
        by_type = {str(a): int(b) for a, b in pd.Series(types[m]).value_counts().items()}
        out.append(dict(
            spot_id=str(g.ids_at(cells[:1])[0]), name=spot_name(street, place, place_busiest, town), street=street, town=town,
            cell_ids=tuple(str(i) for i in g.ids_at(cells)), n_cells=len(cells), area_km2=area,
            centre_lat=float(lat), centre_lon=float(lon), crimes=n, harm=float(result.cells.harm[cells].sum()),
            value=float(result.value[cells].sum()), crimes_by_month=by_month, crimes_by_type=by_type,
            share_of_crimes=share, pai=share / (area / area_all) if area_all > 0 else float("nan"),
            significant=spot_test(result, cells)[0], p_value=spot_test(result, cells)[1],
            pubs_100m=len(near_pubs[k]), streetsafe_100m=len(near_ss[k]),
            streetsafe_reasons=_reasons(near_ss[k], streetsafe),
            lsoa_code=str(result.cells.lsoa_code[main]), lsoa_name=lsoa_name,
            imd_decile=None if dec != dec else int(dec), dosage=DOSAGE, flags=tuple(flags),
            excluded_snap_crimes=n_ex, partner_crimes=n_partner, geometry=geoms[k], _second=str(streets.index[1]) if len(streets) > 1 else ""))
    out.sort(key=lambda d: (-d["value"], -d["crimes"], d["spot_id"]))
    seen: set[str] = set()
    for r, d in enumerate(out, start=1):  # two spots on one long street: tell them apart
        if d["name"] in seen:
            second = d.pop("_second")
            core = f"{d['street']} near {second}" if second and d["street"] else f"{d['name'].split(', ')[0]} (spot {r})"
            d["name"] = f"{core}, {d['town']}" if d["town"] else core
        d.pop("_second", None)
        seen.add(d["name"])
    return [PatrolSpot(rank=r, **d) for r, d in enumerate(out, start=1)]
