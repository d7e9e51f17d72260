"""Patrol zones: significant hot-spot LSOAs grouped into contiguous, ranked areas, with evidence.

An inspector briefs a shift with a few named places, not 1,000 coloured polygons. A zone is a
connected component of hot LSOAs under the analysis' own spatial weights (so "next to" means
what the statistics meant by it), dissolved into one polygon and ranked by the analysed
measure. Each zone carries the evidence a briefing or a bid needs: its crimes, harm, pubs and
StreetSafe reports, its share of crime against its share of area, the Predictive Accuracy Index
(PAI = share of crime / share of area; Chainey, Tompson and Uhlig 2008), the streets where its
crime was recorded and the reasons people gave for feeling unsafe there.

The zones stage returns a new :class:`~hotspots.model.Analysis` with a
:class:`~hotspots.model.ZoneResult` and a ``zone_id`` column on a new table; it changes nothing
it was given.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..lsoa.table import filter_crimes
from ..model import Analysis, Layers, ZoneEvidence, ZoneResult, ZoneSummary
from ..progress import CancelFn, ProgressFn
from ..units.placement import assign_lsoa
from .zone_rules import PEAKS, ZONE_RULES, _weak, components, dense_members, hot_mask, peak_rows

__all__ = ["build_zones", "zones_stage", "hot_mask", "empty_zones", "placed_index", "PEAKS", "ZONE_FIELDS", "ZONE_RULES"]

#: Zone fields in contract order (then ``geometry``).
ZONE_FIELDS = ["zone_id", "rank", "lsoa_codes", "crimes", "harm", "streetsafe", "pubs", "imd_decile_mean",
               "area_km2", "share_of_crimes", "share_of_area", "pai", "top_streets", "top_concerns", "zone_kind"]
_PREFIX = r"^\s*On or near\s+"
_TOP_STREETS, _TOP_CONCERNS, _EVIDENCE_STREETS = 5, 3, 10


def _top_outside(t: pd.DataFrame, zone_of: np.ndarray, k: int = 5) -> list[dict]:
    """The highest-value LSOAs left out of every zone.

    A lone busy LSOA among quiet neighbours is not a *cluster* (LISA calls it ns or HL), so no
    zone holds it; an inspector still wants to see it named next to the zones."""
    out = t.loc[zone_of <= 0, ["lsoa_code", "lsoa_name", "value", "crimes", "lisa_cluster", "gi_bin"]]
    top = out.sort_values(["value", "lsoa_code"], ascending=[False, True], kind="mergesort").head(k)
    return [{"lsoa_code": str(r.lsoa_code), "lsoa_name": str(r.lsoa_name), "value": float(r.value),
             "crimes": int(r.crimes), "lisa_cluster": str(r.lisa_cluster), "gi_bin": int(r.gi_bin)}
            for r in top.itertuples(index=False)]


def _top(counts: pd.Series | list[tuple[object, int]], k: int) -> list[tuple[str, int]]:
    """(name, n) for the ``k`` largest counts (a Series or ``(name, n)`` pairs), ties by name, so
    output never depends on order."""
    pairs = counts.items() if isinstance(counts, pd.Series | dict) else counts
    items = [(str(a), int(b)) for a, b in pairs if b > 0]  # a zone's few rows: plain Python
    items.sort(key=lambda t: (-t[1], t[0]))
    return items[:k]


def _fmt(pairs: list[tuple[str, int]]) -> str:
    return "; ".join(f"{name} ({n:,})" for name, n in pairs)


def _streets(location: pd.Series) -> pd.Categorical:
    """police.uk ``Location`` without "On or near " ("" where missing), as categories of the
    cleaned names (cleaned once per distinct text, not per crime; two texts that clean to the
    same name are one category), so nothing builds a string per crime."""
    cat = location.astype("category")
    names = pd.Series(cat.cat.categories.astype(str)).str.replace(_PREFIX, "", regex=True).str.strip()
    clean, inv = np.unique(np.append(names.to_numpy(dtype=object), ""), return_inverse=True)
    inv = inv.reshape(-1)
    return pd.Categorical.from_codes(inv[cat.cat.codes.to_numpy()], clean)  # code -1 (missing) -> ""


def _sorted_cat(values: pd.Series) -> pd.Categorical:
    """``values`` as categories in sorted order, so a sorted groupby lists them as it lists the
    strings themselves (without turning every crime's category into a string)."""
    cat = values.astype("category").array
    return cat.reorder_categories(sorted(cat.categories, key=str))


def _crime_groups(layers: Layers, s, zone_of: np.ndarray) -> dict[str, dict[int, list[tuple[object, int]]]]:
    """Per-zone counts of analysed crimes by street, type and month: ``{column: {zone: [(value, n),
    ...]}}``, each zone's pairs in the order a sorted groupby of (zone, value) lists them: zones
    ascending, values in sorted category order (counted on integer keys, not grouped by pandas)."""
    crimes = layers.crimes
    mask, _ = filter_crimes(crimes, s.crime_types, s.month_from, s.month_to)
    zone = zone_of[crimes["lsoa"].to_numpy()]
    keep = mask & (zone >= 0)
    sub = crimes.loc[keep, ["location", "crime_type", "month"]]
    z = zone[keep].astype(np.int64)
    streets = _streets(sub["location"])
    out = {}
    for col, cat in (("street", streets), ("crime_type", _sorted_cat(sub["crime_type"])),
                     ("month", _sorted_cat(sub["month"]))):
        codes = np.asarray(cat.codes, np.int64)
        ok = codes >= 0  # a missing value is no group (as groupby drops it)
        if col == "street":
            ok &= codes != int(cat.categories.get_loc(""))  # no street name: not a street
        ncat = max(len(cat.categories), 1)
        key = np.sort(z[ok] * ncat + codes[ok])
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
        n = np.diff(np.r_[starts, len(key)]).tolist()
        key = key[starts]
        zones, values = key // ncat, cat.categories.take(key % ncat).tolist()
        pairs = list(zip(values, n, strict=True))
        bounds = np.flatnonzero(np.r_[True, zones[1:] != zones[:-1], True]).tolist() if len(key) else [0]
        out[col] = {int(zones[a]): pairs[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)}
    return out


def placed_index(layers: Layers, kind: str, geoms: np.ndarray) -> np.ndarray:
    """LSOA row of each pub or report: placed once at load (``layers.placed``), else placed now."""
    idx = layers.placed.get(kind)
    if idx is not None:
        return idx
    pts = getattr(layers, kind)
    return assign_lsoa(pts.geometry.x.to_numpy(float), pts.geometry.y.to_numpy(float), geoms)


def _streetsafe_reasons(layers: Layers, geoms: np.ndarray, zone_of: np.ndarray) -> pd.DataFrame | None:
    """Reports x reason flags with the zone each report falls in (by point-in-polygon)."""
    from ..data.streetsafe import REASONS

    ss = layers.streetsafe
    if ss is None:
        return None
    if len(ss) == 0:
        return pd.DataFrame({"zone": np.zeros(0, int), **{lab: np.zeros(0, bool) for lab in REASONS.values()}})
    idx = placed_index(layers, "streetsafe", geoms)
    zone = np.where(idx >= 0, zone_of[np.maximum(idx, 0)], -1)
    data = {"zone": zone}
    for slug, label in REASONS.items():
        col = f"reason_{slug}"
        data[label] = ss[col].to_numpy(dtype=bool) if col in ss else np.zeros(len(ss), bool)
    return pd.DataFrame(data)


def _pubs_by_zone(layers: Layers, geoms: np.ndarray, zone_of: np.ndarray) -> dict[int, list[str]]:
    pubs = layers.pubs
    if pubs is None or len(pubs) == 0:
        return {}
    idx = placed_index(layers, "pubs", geoms)
    zone = np.where(idx >= 0, zone_of[np.maximum(idx, 0)], -1)
    names = pubs["name"].fillna("").astype(str).to_numpy() if "name" in pubs else np.full(len(pubs), "")
    out: dict[int, list[str]] = {}
    for z, name in zip(zone, names, strict=True):
        if z >= 0:
            out.setdefault(int(z), []).append(name)
    return {z: sorted(v, key=str.casefold) for z, v in out.items()}


def empty_zones(crs) -> gpd.GeoDataFrame:
    """A zones frame with no rows but the contract columns and dtypes (nothing was hot)."""
    dtypes = {"zone_id": "int64", "rank": "int64", "lsoa_codes": object, "crimes": "int64", "harm": float,
              "streetsafe": "int64", "pubs": "int64", "imd_decile_mean": float, "area_km2": float,
              "share_of_crimes": float, "share_of_area": float, "pai": float, "top_streets": object,
              "top_concerns": object, "zone_kind": object}
    df = pd.DataFrame({c: pd.Series([], dtype=dtypes[c]) for c in ZONE_FIELDS})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def build_zones(analysis: Analysis, layers: Layers, rule: str | None = None) -> ZoneResult:
    """Group hot LSOAs into ranked patrol zones, with their evidence.

    Parameters
    ----------
    analysis : an analysis after the statistics stage (its table, weights, settings)
    layers : the loaded layers (crimes for streets, pubs, StreetSafe for concerns)
    rule : one of :data:`ZONE_RULES`; default ``analysis.settings.zone_rule``

    Returns
    -------
    ZoneResult : ``frame`` is a GeoDataFrame in the table's CRS (EPSG:27700), columns
        :data:`ZONE_FIELDS` then ``geometry``, one row per zone, zone 1 = highest total of the
        analysed measure (harm when measure is harm, else crimes; ties by crimes); empty (same
        columns) when nothing is hot. ``zone_of`` is the zone of each LSOA (0 outside).
    """
    s = analysis.settings
    rule = rule or s.zone_rule or "dense"
    t = analysis.table
    hot = hot_mask(t, rule)
    notes: list[str] = []
    n = len(t)
    lone: set[int] = set()
    if rule == "dense":  # peaks join the group they touch; a group without a hot spot is a lone peak
        peaks = np.zeros(n, bool)
        peaks[peak_rows(t)] = True
        weak = _weak(analysis.weights)  # the links, either way round: built once for both
        members = dense_members(t, analysis.weights, hot, weak=weak) | (peaks & (t["value"].to_numpy(float) > 0))
        labels = components(analysis.weights, members, weak)
        lone = {int(c) for c in np.unique(labels[members]) if not hot[labels == c].any()}
    else:
        labels = components(analysis.weights, hot)
    if rule == "peaks":  # the busiest LSOAs are never left out: a lone peak is a zone of its own
        nxt = int(labels.max()) + 1 if (labels >= 0).any() else 0
        for i in peak_rows(t):
            if labels[i] < 0 and t["value"].iloc[i] > 0:
                labels[i] = nxt
                lone.add(nxt)
                nxt += 1

    crimes = t["crimes"].to_numpy(float)
    harm = t["harm"].to_numpy(float)
    sscount = t["streetsafe"].to_numpy(float)
    geoms = t.geometry.values
    lsoa_area = shapely.area(geoms) / 1e6
    total_crimes, total_harm, total_ss = crimes.sum(), harm.sum(), sscount.sum()
    total_area = lsoa_area.sum()

    comps = np.unique(labels[labels >= 0])
    key = "harm" if s.measure == "harm" else "crimes"
    rows = []
    for c in comps:
        members = np.flatnonzero(labels == c)
        rows.append({"comp": int(c), "members": members, "crimes": int(crimes[members].sum()),
                     "kind": "lone peak" if int(c) in lone else "cluster",
                     "harm": float(harm[members].sum()), "first": str(t["lsoa_code"].iloc[members].min())})
    rows.sort(key=lambda r: (-r[key], -r["crimes"], r["first"]))

    zone_of = np.full(n, -1, dtype=np.int64)
    for rank, r in enumerate(rows, start=1):
        zone_of[r["members"]] = rank

    groups = _crime_groups(layers, s, zone_of) if rows else {}
    reasons = _streetsafe_reasons(layers, geoms, zone_of) if rows else None
    concern_sums = reasons.groupby("zone").sum() if reasons is not None else None
    pubs = _pubs_by_zone(layers, geoms, zone_of) if rows else {}
    codes = t["lsoa_code"].astype(str).to_numpy()
    names = t["lsoa_name"].astype(str).to_numpy()
    deciles = t["imd_decile"]
    decile_list = deciles.tolist()  # the evidence reads one LSOA's decile at a time: Python values, not .iloc
    pubs_n = t["pubs"].to_numpy()
    records, geometries, evidence = [], [], {}
    for rank, r in enumerate(rows, start=1):
        m = r["members"]
        geom = shapely.union_all(geoms[m])
        if not geom.is_valid:  # only if the union itself came out invalid
            geom = shapely.make_valid(geom)
        area = float(shapely.area(geom) / 1e6)
        share_c = r["crimes"] / total_crimes if total_crimes else float("nan")
        share_a = area / total_area if total_area else float("nan")
        streets = _top(groups["street"].get(rank, []), _EVIDENCE_STREETS) if groups else []
        concerns = []
        if concern_sums is not None and rank in concern_sums.index:
            concerns = _top(concern_sums.loc[rank], 99)
        dec = deciles.iloc[m].dropna()
        order = m[np.lexsort((codes[m], -crimes[m]))]
        records.append({
            "zone_id": rank, "rank": rank, "lsoa_codes": ";".join(sorted(codes[m])),
            "crimes": r["crimes"], "harm": r["harm"], "streetsafe": int(sscount[m].sum()),
            "pubs": int(pubs_n[m].sum()),
            "imd_decile_mean": float(dec.astype(float).mean()) if len(dec) else float("nan"),
            "area_km2": area, "share_of_crimes": share_c, "share_of_area": share_a,
            "pai": share_c / share_a if share_a else float("nan"),
            "top_streets": _fmt(streets[:_TOP_STREETS]), "top_concerns": _fmt(concerns[:_TOP_CONCERNS]),
            "zone_kind": r["kind"],
        })
        geometries.append(geom)
        evidence[rank] = ZoneEvidence(
            top_streets=streets,
            top_concerns=concerns,
            pubs=pubs.get(rank, []),
            lsoas=[(codes[i], names[i], int(crimes[i]),
                    None if pd.isna(decile_list[i]) else int(decile_list[i])) for i in order],
            crime_types=_top(groups["crime_type"].get(rank, []), 99) if groups else [],
            months=[(str(k), int(v)) for k, v in groups["month"].get(rank, [])] if groups else [],
        )
    if records:
        zones = gpd.GeoDataFrame(pd.DataFrame.from_records(records, columns=ZONE_FIELDS),
                                 geometry=geometries, crs=t.crs)
    else:
        zones = empty_zones(t.crs)
        notes.append(f"no patrol zones: no LSOA is a hot spot under the rule '{rule}' ({ZONE_RULES[rule]})")

    in_zone = zone_of > 0
    share_c = float(crimes[in_zone].sum() / total_crimes) if total_crimes else None
    share_a = float(zones["area_km2"].sum() / total_area) if total_area else None
    summary = ZoneSummary(
        count=len(records), rule=rule, rule_text=ZONE_RULES[rule], lsoas_in_zones=int(in_zone.sum()),
        share_of_crimes=share_c,
        share_of_harm=float(harm[in_zone].sum() / total_harm) if total_harm else None,
        share_of_streetsafe=((float(sscount[in_zone].sum() / total_ss) if total_ss else 0.0)
                             if layers.streetsafe is not None else None),
        share_of_area=share_a,
        pai=share_c / share_a if share_c is not None and share_a else None,
        top_lsoas_outside_zones=_top_outside(t, zone_of), notes=notes)
    return ZoneResult(frame=zones, zone_of=np.maximum(zone_of, 0), evidence=evidence, summary=summary)


def zones_stage(analysis: Analysis, layers: Layers, progress: ProgressFn | None = None,
                cancel: CancelFn | None = None) -> Analysis:
    """The pipeline's zones stage: a new Analysis with ``zones`` and a ``zone_id`` column."""
    from dataclasses import replace

    result = build_zones(analysis, layers)
    zone_of = result.zone_of
    table = analysis.table.copy()
    table["zone_id"] = pd.Series(zone_of, index=table.index).where(zone_of > 0).astype("Int64")
    return replace(analysis, table=table, zones=result,
                   notes=analysis.notes + tuple(result.summary.notes))
