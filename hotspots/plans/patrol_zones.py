"""The patrol zones of an analysis: cell groups (:mod:`.cell_zones`) with names, figures and evidence.

The zones stage runs after the patrol-spots stage and reads its ranked cells
(:meth:`hotspots.plans.spots.SpotsResult.zone_ranking`), so the crimes the spots leave out of the ranking
(at police-station and prison snap points, partner places) are left out of the zones too; a cell
such places dominate, left out of the spots whole, keeps its other crime in a zone. It also
keeps the LSOA LISA/Gi* clusters (:mod:`hotspots.plans.zones`) as ``Analysis.lsoa_clusters``: the
statistical map and the bids' areas, not a patrol plan.

Each LSOA's ``zone_id`` (lsoa_results.csv) is the zone that overlaps it most by area (0 / empty
outside every zone); a zone lists every LSOA it overlaps in ``lsoa_codes``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..model import Analysis, Layers, ZoneEvidence, ZoneResult, ZoneSummary
from ..progress import CancelFn, ProgressFn
from .cell_zones import ZoneRule, cell_zone_groups, rule_text
from .spots import cached_positions
from .zone_names import unique_names, zone_name

__all__ = ["PATROL_ZONE_FIELDS", "build_patrol_zones", "patrol_zones_stage", "empty_patrol_zones", "polygonal",
           "zone_rule_of", "overlap_zone_of"]

#: patrol_zones.geojson / the ``patrol_zones`` GPKG layer, in order (then ``geometry``)
PATROL_ZONE_FIELDS = ["zone_id", "rank", "name", "town", "crimes", "harm", "share_of_crimes", "area_km2",
                      "share_of_area", "pai", "n_cells", "significant_cells", "extent_m", "top_streets", "pubs",
                      "streetsafe", "top_concerns", "lsoa_codes", "imd_decile_mean"]
_DTYPES = {"zone_id": "int64", "rank": "int64", "name": object, "town": object, "crimes": "int64", "harm": float,
           "share_of_crimes": float, "area_km2": float, "share_of_area": float, "pai": float, "n_cells": "int64",
           "significant_cells": "Int64", "extent_m": float, "top_streets": object, "pubs": "int64",
           "streetsafe": "int64", "top_concerns": object, "lsoa_codes": object, "imd_decile_mean": float}
_TOP_STREETS, _TOP_CONCERNS, _EVIDENCE_STREETS = 5, 3, 10


def zone_rule_of(settings) -> ZoneRule:  # noqa: ANN001 - a hotspots.study.Settings
    """The zone rule of an analysis' settings."""
    return ZoneRule(share=float(getattr(settings, "zone_share", ZoneRule.share)),
                    max_zones=int(getattr(settings, "zones", ZoneRule.max_zones)))


def polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """``geom`` as a valid Polygon or MultiPolygon (GeoJSON/GPKG layers hold one geometry type):
    invalid unions are repaired and any line or point parts of the repair dropped."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polys = [q for p in parts for q in shapely.get_parts(p)]
    if not polys:
        return shapely.MultiPolygon()
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def empty_patrol_zones(crs) -> gpd.GeoDataFrame:  # noqa: ANN001
    """A patrol-zones frame with no rows but the contract columns and dtypes."""
    df = pd.DataFrame({c: pd.Series([], dtype=_DTYPES[c]) for c in PATROL_ZONE_FIELDS})
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def overlap_zone_of(zone_geoms: list, lsoa_geoms: np.ndarray) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Zone id (1-based, 0 for none) of each LSOA = the zone overlapping it most by area (ties: the
    better-ranked zone); and, per zone, the LSOA rows it overlaps and the overlap areas (m²)."""
    n = len(lsoa_geoms)
    best = np.zeros(n)
    zone_of = np.zeros(n, dtype=np.int64)
    rows, areas = [], []
    if not zone_geoms:
        return zone_of, rows, areas
    tree = shapely.STRtree(lsoa_geoms)
    for z, geom in enumerate(zone_geoms, start=1):
        cand = tree.query(geom, predicate="intersects")
        cand = np.sort(cand)
        a = shapely.area(shapely.intersection(lsoa_geoms[cand], geom)) if len(cand) else np.zeros(0)
        keep = a > 0
        cand, a = cand[keep], a[keep]
        rows.append(cand)
        areas.append(a)
        better = a > best[cand]  # strictly larger: an equal overlap stays with the better-ranked zone
        zone_of[cand[better]] = z
        best[cand[better]] = a[better]
    return zone_of, rows, areas


def _top(counts: dict[str, float] | pd.Series, k: int) -> list[tuple[str, int]]:
    items = [(str(a), int(b)) for a, b in dict(counts).items() if b > 0]
    items.sort(key=lambda t: (-t[1], t[0]))
    return items[:k]


def _part(counts: pd.Series, z: int) -> dict:
    """The counts of zone ``z`` from a (zone, item) -> n series, as item -> n."""
    try:
        sub = counts.xs(z, level=0)
    except KeyError:
        return {}
    return {k: int(v) for k, v in sub.items()}


def _fmt(pairs: list[tuple[str, int]]) -> str:
    return "; ".join(f"{name} ({n:,})" for name, n in pairs)


def _points_zone(grid, zone_of_cell: np.ndarray, layer) -> np.ndarray:  # noqa: ANN001
    """Zone (0 for none) of each point of a layer, by the cell it falls in."""
    if layer is None or len(layer) == 0:
        return np.zeros(0, dtype=np.int64)
    p = grid.positions(np.asarray(layer.geometry.x, float), np.asarray(layer.geometry.y, float))
    return np.where(p >= 0, zone_of_cell[np.maximum(p, 0)], 0)


def _empty(analysis: Analysis, note: str, rule: ZoneRule, cell: float) -> ZoneResult:
    t = analysis.table
    summary = ZoneSummary(count=0, rule="cells", rule_text=rule_text(rule, cell), lsoas_in_zones=0,
                          share_of_crimes=None, share_of_harm=None, share_of_streetsafe=None, share_of_area=None,
                          pai=None, notes=[note])
    return ZoneResult(frame=empty_patrol_zones(t.crs), zone_of=np.zeros(len(t), dtype=np.int64), evidence={},
                      summary=summary, cell_keys=[], cell=float(cell))


def _zone_towns(groups: list[np.ndarray], g: Any, spots: Any, zone_lsoas: list[dict], names: np.ndarray
                ) -> np.ndarray:
    """Each zone's town: the GeoNames town its busiest cell is in, else the district of the LSOA
    holding most of its crimes; asked in one batch (a town per zone cost ~6 ms)."""
    from .place_labels import towns_at
    from .spot_evidence import town_of

    fallback, xs, ys = [], [], []
    for cells, lsoa_counts in zip(groups, zone_lsoas, strict=True):
        town_lsoa = max(lsoa_counts.items(), key=lambda kv: (kv[1], -int(kv[0])))[0] if lsoa_counts else None
        fallback.append(town_of(names[int(town_lsoa)]) if town_lsoa is not None else
                        town_of(str(spots.cells.lsoa_name[cells[0]])))
        busiest = g.boxes(np.asarray([cells[int(np.argmax(spots.cells.crimes[cells]))]]))[0].centroid
        xs.append(busiest.x)
        ys.append(busiest.y)
    if not groups:
        return np.zeros(0, dtype=object)
    return towns_at(np.asarray(xs, float), np.asarray(ys, float), np.asarray(fallback, dtype=object))


def build_patrol_zones(analysis: Analysis, layers: Layers) -> ZoneResult:
    """Patrol zones from the spots stage's ranked cells (see :mod:`hotspots.plans.cell_zones`).

    Returns a :class:`~hotspots.model.ZoneResult`: ``frame`` (EPSG:27700, :data:`PATROL_ZONE_FIELDS`
    then ``geometry``, zone 1 = the most ranked crime or harm), ``zone_of`` (zone id per LSOA row by
    largest overlap, 0 outside), ``evidence`` per zone, ``summary``, and ``cell_keys`` per zone.
    """
    from ..lsoa.table import filter_crimes
    from ..units.grid import drop_dense
    from .snap_points import label_kinds, strip_prefixes

    s = analysis.settings
    rule = zone_rule_of(s)
    spots = analysis.spots
    cell = float(getattr(spots, "cell", getattr(s, "cell", 150.0)))
    if spots is None or spots.cells is None or len(spots.value) == 0:
        return _empty(analysis, "no patrol zones: the patrol-spot cells were not ranked", rule, cell)
    g = spots.grid
    groups = cell_zone_groups(g.col, g.row, g.key, spots.zone_ranking(), cell, rule)
    if not groups:
        return _empty(analysis, "no patrol zones: no group of top-ranked cells is large enough "
                      f"({rule.min_cells}+ cells)", rule, cell)
    zone_of_cell = np.zeros(len(g), dtype=np.int64)
    for z, cells in enumerate(groups, start=1):
        zone_of_cell[cells] = z

    crimes = layers.crimes
    sel, _ = filter_crimes(crimes, s.crime_types, s.month_from, s.month_to)
    rows = np.flatnonzero(sel)
    known = cached_positions(crimes, g)  # the spots' own (a nation: the dense table is not built again)
    pos = known[rows] if known is not None else g.positions(crimes["x"].to_numpy(float)[rows],
                                                             crimes["y"].to_numpy(float)[rows])
    cz = np.where(pos >= 0, zone_of_cell[np.maximum(pos, 0)], 0)
    rows, cz = rows[cz > 0], cz[cz > 0]
    sub = crimes.iloc[rows]
    kinds = label_kinds(sub["location"])
    labels = strip_prefixes(sub["location"])
    frame = pd.DataFrame({"zone": cz, "street": np.where(kinds == "street", labels, ""),
                          "crime_type": sub["crime_type"].astype(str).to_numpy(),
                          "month": sub["month"].astype(str).to_numpy(), "lsoa": sub["lsoa"].to_numpy()})
    by_street = frame[frame["street"] != ""].groupby(["zone", "street"], sort=True).size()
    by_type = frame.groupby(["zone", "crime_type"], sort=True).size()
    by_month = frame.groupby(["zone", "month"], sort=True).size()
    by_lsoa = frame[frame["lsoa"] >= 0].groupby(["zone", "lsoa"], sort=True).size()
    pub_zone = _points_zone(g, zone_of_cell, layers.pubs)
    ss_zone = _points_zone(g, zone_of_cell, layers.streetsafe)
    drop_dense(g)  # the lookups are done: do not carry the dense table into the exports

    t = analysis.table
    lsoa_geoms = np.asarray(t.geometry.values)
    geoms = [polygonal(shapely.union_all(g.boxes(cells))) for cells in groups]
    zone_of, overlap_rows, _ = overlap_zone_of(geoms, lsoa_geoms)
    codes = t["lsoa_code"].astype(str).to_numpy()
    names = t["lsoa_name"].astype(str).to_numpy()
    deciles = t["imd_decile"] if "imd_decile" in t else pd.Series([np.nan] * len(t))
    test = getattr(spots, "cell_test", None) or getattr(spots, "gi", None)  # the spots' cell-level test
    hot = getattr(test, "hot", None)
    hot = None if hot is None or len(hot) != len(g) else np.asarray(hot, bool)

    pubs_names = (layers.pubs["name"].fillna("").astype(str).to_numpy()
                  if layers.pubs is not None and "name" in layers.pubs else np.full(len(pub_zone), ""))
    reasons = _reason_table(layers.streetsafe, ss_zone)
    total_crimes = max(int(spots.total_crimes), 0)
    total_harm = float(np.nansum(spots.cells.harm))
    study_area = float(spots.study_area_km2)
    records, evidence, street_lists = [], {}, []
    zone_lsoas = [_part(by_lsoa, z) for z in range(1, len(groups) + 1)]  # LSOA -> crimes, per zone
    zone_towns = _zone_towns(groups, g, spots, zone_lsoas, names)
    for z, cells in enumerate(groups, start=1):
        n_crimes = int(spots.cells.crimes[cells].sum())
        area = len(cells) * g.cell_km2
        share_c = n_crimes / total_crimes if total_crimes else float("nan")
        share_a = area / study_area if study_area > 0 else float("nan")
        streets = _top(_part(by_street, z), _EVIDENCE_STREETS)
        lsoa_counts = zone_lsoas[z - 1]
        town = zone_towns[z - 1]
        concerns = _top(reasons.get(z, {}), 99) if reasons else []
        over = overlap_rows[z - 1]
        dec = deciles.iloc[over].dropna().astype(float) if len(over) else pd.Series(dtype=float)
        ext = max(int(np.ptp(g.col[cells])), int(np.ptp(g.row[cells]))) + 1
        in_zone_lsoa = {int(k): int(v) for k, v in lsoa_counts.items()}
        order = sorted(over.tolist(), key=lambda i: (-in_zone_lsoa.get(i, 0), codes[i]))
        street_lists.append([name for name, _ in streets])
        records.append({
            "zone_id": z, "rank": z, "name": zone_name(town, [n for n, _ in streets], z), "town": town,
            "crimes": n_crimes, "harm": float(spots.cells.harm[cells].sum()), "share_of_crimes": share_c,
            "area_km2": area, "share_of_area": share_a, "pai": share_c / share_a if share_a else float("nan"),
            "n_cells": len(cells), "significant_cells": None if hot is None else int(hot[cells].sum()),
            "extent_m": ext * float(g.cell), "top_streets": _fmt(streets[:_TOP_STREETS]),
            "pubs": int((pub_zone == z).sum()), "streetsafe": int((ss_zone == z).sum()),
            "top_concerns": _fmt(concerns[:_TOP_CONCERNS]), "lsoa_codes": ";".join(sorted(codes[over])),
            "imd_decile_mean": float(dec.mean()) if len(dec) else float("nan"),
        })
        evidence[z] = ZoneEvidence(
            top_streets=streets, top_concerns=concerns,
            pubs=sorted((str(n) for n in pubs_names[pub_zone == z]), key=str.casefold),
            lsoas=[(codes[i], names[i], in_zone_lsoa.get(i, 0),
                    None if pd.isna(deciles.iloc[i]) else int(deciles.iloc[i])) for i in order],
            crime_types=_top(_part(by_type, z), 99),
            months=[(str(k), int(v)) for k, v in sorted(_part(by_month, z).items())],
        )
    for r, name in zip(records, unique_names([r["name"] for r in records], street_lists), strict=True):
        r["name"] = name
    zones = gpd.GeoDataFrame(pd.DataFrame.from_records(records, columns=PATROL_ZONE_FIELDS).astype(
        {"significant_cells": "Int64"}), geometry=geoms, crs=t.crs)

    in_zone = zone_of_cell > 0
    crimes_in = float(spots.cells.crimes[in_zone].sum())
    share_c = crimes_in / total_crimes if total_crimes else None
    share_a = float(zones["area_km2"].sum()) / study_area if study_area > 0 else None
    from .zones import _top_outside

    summary = ZoneSummary(
        count=len(records), rule="cells", rule_text=rule_text(rule, cell), lsoas_in_zones=int((zone_of > 0).sum()),
        share_of_crimes=share_c,
        share_of_harm=float(spots.cells.harm[in_zone].sum()) / total_harm if total_harm > 0 else None,
        share_of_streetsafe=((float((ss_zone > 0).sum()) / len(ss_zone) if len(ss_zone) else 0.0)
                             if layers.streetsafe is not None else None),
        share_of_area=share_a, pai=share_c / share_a if share_c is not None and share_a else None,
        top_lsoas_outside_zones=_top_outside(t, zone_of), notes=[])
    return ZoneResult(frame=zones, zone_of=zone_of, evidence=evidence, summary=summary,
                      cell_keys=[g.key[c].copy() for c in groups], cell=float(g.cell))


def _reason_table(streetsafe, ss_zone: np.ndarray) -> dict[int, dict[str, int]]:  # noqa: ANN001
    """Reports' reasons for feeling unsafe, counted per zone (``reason_<slug>`` columns)."""
    if streetsafe is None or len(streetsafe) == 0 or not (ss_zone > 0).any():
        return {}
    from ..data.streetsafe import REASONS

    out: dict[int, dict[str, int]] = {}
    for slug, label in REASONS.items():
        col = f"reason_{slug}"
        if col not in streetsafe:
            continue
        flag = streetsafe[col].to_numpy(dtype=bool)
        counts = np.bincount(ss_zone[flag], minlength=int(ss_zone.max()) + 1)
        for z in np.flatnonzero(counts[1:]) + 1:
            out.setdefault(int(z), {})[label] = int(counts[z])
    return out


def patrol_zones_stage(analysis: Analysis, layers: Layers, progress: ProgressFn | None = None,
                       cancel: CancelFn | None = None) -> Analysis:
    """The pipeline's zones stage (after the spots): patrol zones from cells as ``zones``, the LSOA
    clusters as ``lsoa_clusters``, and each LSOA's ``zone_id`` (the zone overlapping it most)."""
    from .zones import build_zones

    if progress:
        progress("Grouping the LSOA clusters", 0.0)
    clusters = build_zones(analysis, layers)
    if progress:
        progress("Building patrol zones from cells", 0.5)
    result = build_patrol_zones(analysis, layers)
    zone_of = result.zone_of
    table = analysis.table.copy()
    table["zone_id"] = pd.Series(zone_of, index=table.index).where(zone_of > 0).astype("Int64")
    return replace(analysis, table=table, zones=result, lsoa_clusters=clusters,
                   notes=analysis.notes + tuple(result.summary.notes))
