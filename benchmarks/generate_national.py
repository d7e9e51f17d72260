"""Generate an England-sized synthetic study for the national benchmark.

    .venv/bin/python benchmarks/generate_national.py --out benchmarks/_data/national --seed 1

Writes, deterministically for a given seed:

- ``boundaries/lsoa21_national.gpkg`` (layer ``lsoa21``, EPSG:27700): 33,755 LSOA-like polygons
  over an England-shaped area of ~130,000 km2, with ``LSOA21CD`` (synthetic ``E01xxxxxx``) and
  ``LSOA21NM`` ("<district> 001A"). A Voronoi tessellation of population-like points (dense
  cities, towns, sparse countryside), every edge densified and jittered once so neighbours
  share their vertices exactly, vertex counts matched to the real Kent BGC file.
- ``crime/YYYY-MM/YYYY-MM-national-street.csv``: 12 monthly police.uk street files, 5,000,000
  rows in all, exact police.uk header, WGS84 lon/lat to 6 decimals drawn from ~700,000 snap
  points with clustered intensity, "On or near ..." locations, 14 categories in realistic
  shares (ASB ~19% with an empty Crime ID), ~1% rows with no location, ``LSOA code`` taken
  from the polygon that contains the (rounded) point.
- with ``--exact``: the same rows, but every located crime at its own point (a Gaussian offset
  of ~60 m from its snap point, kept inside the same polygon, see ``_exact.py``): ~5M distinct
  coordinates, as in a force's own extract; LSOA codes and per-LSOA counts are unchanged.
- ``lsoa_counts.csv``: the true located-crime count per LSOA (for the kernel benchmark).
- ``manifest.json``: parameters and sizes, written last (its presence means "complete").

Everything is synthetic: no real place, force or crime is represented.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _geometry as geo  # noqa: E402
from _exact import degrees_text, jitter_inside  # noqa: E402
from _names import crime_ids, district_names, snap_locations  # noqa: E402

__all__ = ["main", "HEADER", "CATEGORIES"]

N_LSOA = 33_755
N_ROWS = 5_000_000
N_SNAP = 700_000
N_DISTRICTS = 309
N_FORCES = 39
YEAR = 2024
NO_LOCATION_SHARE = 0.01
KENT_BGC = (Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "kent"
            / "boundaries" / "kent_medway_lsoa2011_bgc.geojson")

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")
# Shares of street-level records in England, 2023/24 (police.uk), rounded.
CATEGORIES = {
    "Violence and sexual offences": 33.5, "Anti-social behaviour": 19.0,
    "Criminal damage and arson": 8.3, "Public order": 7.0, "Other theft": 6.8,
    "Shoplifting": 7.0, "Vehicle crime": 5.9, "Burglary": 4.4, "Other crime": 1.5,
    "Drugs": 2.9, "Possession of weapons": 0.9, "Robbery": 1.2, "Bicycle theft": 1.0,
    "Theft from the person": 1.6,
}
ASB = "Anti-social behaviour"
# Last outcome shares for crimes (not ASB), from the real Kent files.
OUTCOMES = {
    "Unable to prosecute suspect": 49.0, "Investigation complete; no suspect identified": 30.6,
    "Status update unavailable": 5.5, "Court result unavailable": 5.4,
    "Action to be taken by another organisation": 2.4,
    "Further investigation is not in the public interest": 2.0, "Local resolution": 1.5,
    "Awaiting court outcome": 1.4, "Offender given a caution": 1.3,
    "Offender given a drugs possession warning": 0.9,
    "Formal action is not in the public interest": 0.4, "Offender given penalty notice": 0.3,
    "Further action is not in the public interest": 0.2,
}
# Crime intensity: a base level, town-centre peaks, estate-sized bumps, LSOA and snap-point noise.
# Tuned (seed 1) so crimes per LSOA look like the real Kent 2021 year: quantiles over the median
# p5/p95/p99 0.27/4.0/7.1 (Kent 0.33/3.6/7.2), median/mean 0.70 (0.71), global Moran's I 0.31
# (0.34) and ~25% of LSOAs significant in Local Moran at 0.05 (22%).
BASE_HEAT, TOWN_AMP, BUMP_AMP, BUMPS = 4.0, 4.0, 1.0, 3000
LSOA_SIGMA, POINT_SIGMA = 0.55, 1.0
SEASON = np.array([0.95, 0.88, 0.98, 0.98, 1.04, 1.03, 1.10, 1.05, 1.01, 1.02, 0.99, 0.97])


def _p(shares) -> np.ndarray:
    v = np.asarray(list(shares), float)
    return v / v.sum()


def _say(t0: float, msg: str) -> None:
    print(f"[{time.perf_counter() - t0:6.1f}s] {msg}", flush=True)


def make_areas(rng: np.random.Generator, t0: float):
    """Polygons plus codes, names, districts and forces, sorted by code."""
    outline = geo.england_outline(rng)
    pts, town_xy, town_r = geo.seed_points(outline, rng, N_LSOA)
    polys, pts = geo.tessellate(outline, pts, rng)
    _say(t0, f"{len(polys):,} polygons over {outline.area / 1e6:,.0f} km2")
    # Districts: nearest of 309 centres drawn from the seeds (so population-proportional);
    # forces: nearest of 39 district centres. MSOA numbers run north to south in a district.
    d_centre = rng.choice(len(pts), N_DISTRICTS, replace=False)
    district = geo.nearest(pts[d_centre], pts)
    force_of_district = geo.nearest(pts[d_centre[rng.choice(N_DISTRICTS, N_FORCES, replace=False)]],
                                    pts[d_centre])
    names = district_names(rng, N_DISTRICTS)
    order = np.lexsort((-pts[:, 1], district))
    district, polys, pts = district[order], polys[order], pts[order]
    first = np.searchsorted(district, district)
    rank = np.arange(len(district)) - first
    msoa, letter = rank // 5 + 1, np.array(list("ABCDE"))[rank % 5]
    frame = gpd.GeoDataFrame({
        "LSOA21CD": [f"E01{i:06d}" for i in range(1, len(polys) + 1)],
        "LSOA21NM": [f"{names[d]} {m:03d}{c}" for d, m, c in zip(district, msoa, letter, strict=True)],
    }, geometry=polys, crs=27700)
    force_names = np.array([f"{names[np.flatnonzero(force_of_district == f)[0]]} Constabulary"
                            for f in range(N_FORCES)])
    force = force_of_district[district]
    return frame, pts, force, force_names, town_xy, town_r


def hotness(rng, pts: np.ndarray, town_xy: np.ndarray, town_r: np.ndarray) -> np.ndarray:
    """Relative crime intensity per LSOA: town centres, estate-sized bumps, local noise.

    The bumps make neighbouring LSOAs alike (positive spatial autocorrelation), so Local Moran
    and Gi* find genuine clusters, as on real data.
    """
    tree = cKDTree(pts)
    heat = np.full(len(pts), BASE_HEAT)
    bump_c = pts[rng.choice(len(pts), BUMPS, replace=False)]
    centres = np.vstack([town_xy, bump_c])
    sigma = np.concatenate([np.maximum(0.25 * town_r, 400.0), rng.uniform(800, 3000, BUMPS)])
    amp = np.concatenate([np.full(len(town_xy), TOWN_AMP),
                          rng.lognormal(0.0, 0.5, BUMPS) * BUMP_AMP])
    for c, s, a in zip(centres, sigma, amp, strict=True):
        idx = np.asarray(tree.query_ball_point(c, 3 * s), dtype=int)
        if len(idx):
            d2 = ((pts[idx] - c) ** 2).sum(1)
            heat[idx] += a * np.exp(-d2 / (2 * s * s))
    return heat * rng.lognormal(0.0, LSOA_SIGMA, len(pts))


def snap_points(rng, polys: np.ndarray, heat: np.ndarray):
    """~700k snap points inside the polygons, rounded as police.uk publishes them.

    Returns lon, lat (rounded to 6 decimals), the containing polygon of each rounded point, a
    crime weight per point and the rounded points in EPSG:27700.
    """
    area = shapely.area(polys)
    lam = rng.lognormal(0.0, 0.4, len(polys)) * (area / np.median(area)) ** 0.15
    k = np.maximum(rng.poisson(lam * N_SNAP / lam.sum()), 3)
    shapely.prepare(polys)
    b = shapely.bounds(polys)
    fill = area / ((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]))
    xs, ys, cs = [], [], []
    need = k.copy()
    todo = np.arange(len(polys))
    while len(todo):
        m = np.ceil(need[todo] / fill[todo] * 1.2).astype(int) + 2
        c = np.repeat(todo, m)
        x = rng.uniform(b[c, 0], b[c, 2])
        y = rng.uniform(b[c, 1], b[c, 3])
        ok = shapely.contains_xy(polys[c], x, y)
        c, x, y = c[ok], x[ok], y[ok]
        keep = np.arange(len(c)) - np.searchsorted(c, c) < need[c]
        xs.append(x[keep])
        ys.append(y[keep])
        cs.append(c[keep])
        need -= np.bincount(c[keep], minlength=len(polys))
        todo = np.flatnonzero(need > 0)
    x, y, cell = np.concatenate(xs), np.concatenate(ys), np.concatenate(cs)
    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)
    lon, lat = (np.round(v, 6) for v in to_wgs.transform(x, y))
    bx, by = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
    hit = shapely.STRtree(polys).query(shapely.points(bx, by), predicate="within")
    owner = np.full(len(x), -1)
    owner[hit[0][::-1]] = hit[1][::-1]  # first containing polygon wins
    found = owner >= 0
    lon, lat, owner, cell = lon[found], lat[found], owner[found], cell[found]
    bx, by = np.asarray(bx)[found], np.asarray(by)[found]
    # crimes per point: the LSOA's heat shared among its points, times a heavy-tailed
    # point factor (a supermarket or a town-centre street attracts far more than a cul-de-sac)
    per_cell = np.bincount(owner, minlength=len(polys))
    weight = heat[owner] / np.maximum(per_cell[owner], 1) * rng.lognormal(0.0, POINT_SIGMA, len(owner))
    order = np.argsort(owner, kind="stable")
    return lon[order], lat[order], owner[order], weight[order], bx[order], by[order]


def _fmt(v: np.ndarray) -> pa.Array:
    return pa.array([f"{x:.6f}" for x in v.tolist()], pa.string())


def write_crimes(rng, out: Path, frame, force, force_names, lon, lat, owner, weight, t0, exact=None):
    """Draw 5M records, sort them like police.uk files, write 12 monthly CSVs.

    ``exact``: ``(rng, x, y)`` of the snap points in EPSG:27700 to give every located row its own
    point near its snap point (its own generator, so the rows are those of the snapped data).
    """
    n_noloc = int(round(N_ROWS * NO_LOCATION_SHARE))
    n_loc = N_ROWS - n_noloc
    per_point = rng.multinomial(n_loc, weight / weight.sum())
    snap = np.concatenate([np.repeat(np.arange(len(lon)), per_point), np.full(n_noloc, -1)])
    cat_names = list(CATEGORIES)
    asb = cat_names.index(ASB)
    cat = rng.choice(len(cat_names), N_ROWS, p=_p(CATEGORIES.values()))
    non_asb_p = _p(v if k != ASB else 0.0 for k, v in CATEGORIES.items())
    cat[n_loc:] = rng.choice(len(cat_names), n_noloc, p=non_asb_p)
    month = rng.choice(12, N_ROWS, p=_p(SEASON))
    lsoa = np.where(snap >= 0, owner[np.maximum(snap, 0)], len(frame))
    row_force = np.where(snap >= 0, force[np.minimum(lsoa, len(frame) - 1)],
                         rng.choice(len(force_names), N_ROWS))
    order = np.lexsort((lsoa, month))
    snap, cat, month, row_force = snap[order], cat[order], month[order], row_force[order]
    _say(t0, f"{N_ROWS:,} records drawn ({n_noloc:,} without a location); "
             f"{(per_point > 0).sum():,} of {len(lon):,} snap points used")

    lon_s, lat_s = _fmt(lon), _fmt(lat)
    if exact is not None:
        ex_rng, sx, sy = exact
        located = snap >= 0
        row_lon, row_lat = np.full(N_ROWS, np.nan), np.full(N_ROWS, np.nan)
        row_lon[located], row_lat[located] = jitter_inside(ex_rng, sx[snap[located]], sy[snap[located]],
                                                           frame.geometry.values, owner[snap[located]])
        key = (np.round(row_lon[located] * 1e6).astype(np.int64) * 1_000_000_000
               + np.round(row_lat[located] * 1e6).astype(np.int64))
        _say(t0, f"{len(np.unique(key)):,} distinct exact points")
    location = snap_locations(rng, len(lon))
    codes = pa.array(frame["LSOA21CD"].to_numpy(), pa.string())
    names = pa.array(frame["LSOA21NM"].to_numpy(), pa.string())
    forces = pa.array(force_names, pa.string())
    cats = pa.array(cat_names, pa.string())
    outcomes = pa.array(list(OUTCOMES), pa.string())
    bounds = np.searchsorted(month, np.arange(13))
    files = []
    for m in range(12):
        sl = slice(bounds[m], bounds[m + 1])
        s, c, f = snap[sl], cat[sl], row_force[sl]
        n = len(s)
        noloc = s < 0
        sidx = pa.array(np.maximum(s, 0), mask=noloc)
        lidx = pa.array(owner[np.maximum(s, 0)], mask=noloc)
        is_asb = c == asb
        oidx = pa.array(rng.choice(len(outcomes), n, p=_p(OUTCOMES.values())), mask=is_asb)
        ids = pc.if_else(pa.array(is_asb), pa.scalar(None, pa.string()), crime_ids(rng, n))
        label = f"{YEAR}-{m + 1:02d}"
        force_col = forces.take(pa.array(f))
        if exact is None:
            lon_col, lat_col = lon_s.take(sidx), lat_s.take(sidx)
        else:
            null = pa.scalar(None, pa.string())
            lon_col = pc.if_else(pa.array(noloc), null, degrees_text(np.nan_to_num(row_lon[sl])))
            lat_col = pc.if_else(pa.array(noloc), null, degrees_text(np.nan_to_num(row_lat[sl])))
        table = pa.table({
            "Crime ID": ids,
            "Month": pa.array(np.full(n, label), pa.string()),
            "Reported by": force_col,
            "Falls within": force_col,
            "Longitude": lon_col,
            "Latitude": lat_col,
            "Location": pc.fill_null(location.take(sidx), "No Location"),
            "LSOA code": codes.take(lidx),
            "LSOA name": names.take(lidx),
            "Crime type": cats.take(pa.array(c)),
            "Last outcome category": outcomes.take(oidx),
            "Context": pa.nulls(n, pa.string()),
        })
        path = out / "crime" / label / f"{label}-national-street.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            fh.write((HEADER + "\n").encode())
            pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False,
                                                          quoting_style="none"))
        files.append({"path": str(path.relative_to(out)), "rows": n,
                      "bytes": path.stat().st_size})
    counts = np.bincount(owner[snap[snap >= 0]], minlength=len(frame))
    return files, counts


def _vertex_stats(geoms) -> dict:
    v = shapely.get_num_coordinates(np.asarray(geoms))
    q = [round(float(x), 1) for x in np.percentile(v, [5, 25, 50, 75, 95, 99])]
    return {"n": int(len(v)), "mean": round(float(v.mean()), 1), "p5": q[0], "p25": q[1],
            "median": q[2], "p75": q[3], "p95": q[4], "p99": q[5], "max": int(v.max()),
            "total": int(v.sum())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("benchmarks/_data/national"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--exact", action="store_true",
                    help="every crime at its own point (~5M distinct coordinates) instead of snap points")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    rng = np.random.default_rng(args.seed)
    out = args.out
    (out / "manifest.json").unlink(missing_ok=True)
    frame, pts, force, force_names, town_xy, town_r = make_areas(rng, t0)
    gpkg = out / "boundaries" / "lsoa21_national.gpkg"
    gpkg.parent.mkdir(parents=True, exist_ok=True)
    gpkg.unlink(missing_ok=True)
    frame.to_file(gpkg, layer="lsoa21", driver="GPKG")
    ours = _vertex_stats(frame.geometry.values)
    _say(t0, f"wrote {gpkg} ({gpkg.stat().st_size / 2**20:,.1f} MiB); vertices per polygon {ours}")
    kent = None
    if KENT_BGC.exists():
        kent = _vertex_stats(gpd.read_file(KENT_BGC).geometry.values)
        _say(t0, f"real Kent BGC vertices per polygon  {kent}")
    heat = hotness(rng, pts, town_xy, town_r)
    lon, lat, owner, weight, sx, sy = snap_points(rng, frame.geometry.values, heat)
    _say(t0, f"{len(lon):,} snap points")
    exact = (np.random.default_rng([args.seed, 1]), sx, sy) if args.exact else None
    files, counts = write_crimes(rng, out, frame, force, force_names, lon, lat, owner, weight, t0, exact)
    pd.DataFrame({"LSOA21CD": frame["LSOA21CD"], "crimes": counts}).to_csv(
        out / "lsoa_counts.csv", index=False)
    total = sum(f["bytes"] for f in files)
    for f in files:
        print(f"  {f['path']}: {f['rows']:,} rows, {f['bytes'] / 2**20:,.1f} MiB")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    manifest = {
        "seed": args.seed, "lsoas": len(frame), "rows": N_ROWS, "snap_points": len(lon),
        "coordinates": "exact" if args.exact else "snapped",
        "rows_without_location": int(round(N_ROWS * NO_LOCATION_SHARE)),
        "boundaries": str(gpkg.relative_to(out)), "boundaries_bytes": gpkg.stat().st_size,
        "crime_dir": "crime", "crime_files": files, "crime_bytes": total,
        "vertices_per_polygon": ours, "kent_bgc_vertices_per_polygon": kent,
        "seconds": round(time.perf_counter() - t0, 1), "peak_rss_gib": round(peak, 2),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=float))
    _say(t0, f"done: {len(frame):,} LSOAs, {N_ROWS:,} rows in 12 files, "
             f"{total / 2**30:,.2f} GiB of CSV; peak RSS {peak:.2f} GiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
