"""Demoton: a synthetic demo study written in the real file formats.

The desktop app opens a study on first start and ``hotspots analyse --demo`` needs inputs
that work offline, so this module writes a small fictional town ("Demoton") whose files
look like the real ones (ONS boundaries, police.uk monthly CSVs, MHCLG IoD tables, Open
Pubs, StreetSafe exports) *including their quirks*, so the demo exercises the same readers
as real data. The town carries planted patterns with known answers: a night-time-economy
hot spot, a smaller deprived-estate cluster, and a park/underpass where people report
feeling unsafe but little crime is recorded. Every number comes from
``np.random.default_rng`` streams spawned from one seed, so a seed gives byte-identical
CSVs (and the same polygons).

Nothing here is real: codes are ``E0190xxxx`` (outside the ONS ranges), postcodes use the
non-existent ``DM`` area, and the town sits on open land on Salisbury Plain only so that a
basemap shows countryside under it.
"""

from __future__ import annotations

__all__ = ["generate_demo", "demo_files", "main", "DEFAULT_SEED", "DEFAULT_DIR", "CRIME_TYPES",
           "STREETSAFE_REASONS", "POLICE_UK_COLUMNS"]

import argparse
import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

DEFAULT_SEED = 20260101
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "gis_data" / "demo"
X0, Y0 = 405_000.0, 150_000.0  # BNG metres: open land on Salisbury Plain, Wiltshire
FORCE = "Demoton Constabulary"
YEAR = 2025
POLICE_UK_COLUMNS = ["Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude",
                     "Location", "LSOA code", "LSOA name", "Crime type", "Last outcome category",
                     "Context"]
# police.uk category: (rows a year, share in the night-time-economy centre, share on the estate).
# Totals follow Kent's 2021 mix (violence ~40 %, ASB ~19 %, ...); the shares plant the clusters.
CRIME_TYPES: dict[str, tuple[int, float, float]] = {
    "Violence and sexual offences": (4150, 0.30, 0.09),
    "Anti-social behaviour": (1970, 0.22, 0.13),
    "Criminal damage and arson": (980, 0.10, 0.15),
    "Public order": (700, 0.40, 0.06),
    "Other theft": (580, 0.28, 0.04),
    "Shoplifting": (470, 0.45, 0.07),
    "Vehicle crime": (400, 0.06, 0.09),
    "Burglary": (310, 0.04, 0.12),
    "Other crime": (280, 0.12, 0.08),
    "Drugs": (215, 0.30, 0.18),
    "Possession of weapons": (65, 0.30, 0.15),
    "Robbery": (60, 0.35, 0.10),
    "Bicycle theft": (56, 0.30, 0.04),
    "Theft from the person": (52, 0.60, 0.03),
}
OUTCOMES = {"Unable to prosecute suspect": 40, "Investigation complete; no suspect identified": 27,
            "Under investigation": 6, "Status update unavailable": 5, "Court result unavailable": 5,
            "Awaiting court outcome": 4, "Local resolution": 3, "Offender given a caution": 3,
            "Action to be taken by another organisation": 3,
            "Further investigation is not in the public interest": 2,
            "Formal action is not in the public interest": 1, "Offender given penalty notice": 1}
STREETSAFE_REASONS = ["No CCTV", "Badly lit", "Empty or isolated", "Poor layout", "Restricted visibility",
                      "Rundown area", "Drugs or alcohol", "Other (environmental)", "Harassed by one person",
                      "Harassed by a group", "Being followed", "Other harassment"]
# IoD2025 IMD score at the 0th, 10th, ..., 100th percentile of England's 33,755 LSOAs: turns a
# demo score into a plausible national rank and decile.
_IMD_QUANTILES = [0.165, 5.462, 8.379, 11.135, 14.140, 17.450, 21.539, 26.604, 33.510, 44.912, 94.223]
_N_LSOA21 = 33_755
# OSGB36 -> WGS84 7-parameter Helmert (EPSG:1314 family), pinned so the written lon/lat do not
# change when a PROJ install happens to have the OSTN15 grid.
_BNG_TO_WGS84 = (
    "+proj=pipeline +step +inv +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 "
    "+y_0=-100000 +ellps=airy +step +proj=push +v_3 +step +proj=cart +ellps=airy +step "
    "+proj=helmert +x=446.448 +y=-125.157 +z=542.06 +rx=0.15 +ry=0.247 +rz=0.842 +s=-20.489 "
    "+convention=position_vector +step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
    "+step +proj=unitconvert +xy_in=rad +xy_out=deg")

# --- the town plan, in metres from the centre --------------------------------------------------
NTE, ESTATE, PARK = (0.0, 0.0), (2600.0, -2100.0), (-1550.0, 600.0)
STREETS: dict[str, list[tuple[float, float]]] = {
    # night-time economy
    "High Street": [(-650, -20), (-300, 0), (0, 0), (350, 30), (700, 80)],
    "Market Square": [(-60, -50), (60, -50), (60, 50), (-60, 50), (-60, -50)],
    "Castle Street": [(-250, 0), (-280, 250), (-330, 520)],
    "Church Street": [(250, 25), (300, 260), (380, 480)],
    "Bridge Street": [(40, 0), (60, -260), (90, -520)],
    "King Street": [(-180, 0), (-200, -230), (-240, -460)],
    "Wharf Street": [(-420, -300), (-150, -300), (200, -320), (480, -330)],
    "Queen Street": [(150, 30), (160, 300)],
    "Silver Street": [(-450, -10), (-470, 260)],
    "Station Road": [(-650, -20), (-900, 120), (-1150, 250)],
    # station, riverside path and park: feared, little recorded crime
    "Station Approach": [(-1150, 250), (-1260, 330)],
    "Riverside Walk": [(-1260, 330), (-1500, 500), (-1800, 650), (-2100, 720)],
    "Park Lane": [(-1300, 850), (-1750, 950)],
    # the estate
    "Moorfield Road": [(2150, -2100), (2600, -2080), (3050, -2150)],
    "Kestrel Parade": [(2520, -1960), (2720, -1950)],
    "Heron Way": [(2480, -2450), (2560, -1780)],
    "Falcon Close": [(2760, -2350), (2880, -1880)],
}
NIGHTLIFE = ["High Street", "Market Square", "Castle Street", "Church Street", "Bridge Street",
             "King Street", "Wharf Street", "Queen Street", "Silver Street"]
FEAR_PATH = ["Station Approach", "Riverside Walk", "Park Lane"]
ESTATE_STREETS = ["Moorfield Road", "Kestrel Parade", "Heron Way", "Falcon Close"]
LANDMARKS = {"Nightclub": (90, -250), "Shopping Area": (-100, 120), "Parking Area": (300, -150),
             "Theatre/Concert Hall": (200, 150), "Bus/Coach Station": (-520, 120),
             "Pedestrian Subway": (-1190, 285), "Park/Open Space": (-1650, 760),
             "Supermarket": (2640, -1900), "Sports/Recreation Area": (-2000, 900)}
OTHER_PLACES = {"Parking Area": 5, "Supermarket": 3, "Petrol Station": 2, "Sports/Recreation Area": 3,
                "Shopping Area": 2, "Park/Open Space": 3, "Further/Higher Educational Building": 1,
                "Hospital": 0.3}
_PREFIX = ["Oak", "Ash", "Mill", "Orchard", "Willow", "Beech", "Elm", "Chestnut", "Hawthorn", "Holly",
           "Rowan", "Manor", "Farm", "Cherry", "Fern", "Heather", "Ivy", "Juniper", "Laurel", "Maple",
           "Poplar", "Sycamore", "Birch", "Cedar", "Hazel", "Linden", "Alder", "Brook", "Tanners",
           "Weavers", "Coopers", "Glebe", "Meadow", "Copse", "Furlong", "Badger", "Swallow", "Lark",
           "Wren", "Thrush", "Coppice", "Barley", "Clover", "Saxon", "Tithe", "Pound", "Kiln", "Dray",
           "Bramble", "Foxglove", "Primrose", "Bluebell", "Cowslip", "Teasel", "Sorrel", "Yarrow",
           "Wharfdale", "Ferrier", "Chandler", "Thatcher", "Mason", "Fletcher", "Fuller", "Miller"]
_SUFFIX = ["Road", "Lane", "Close", "Avenue", "Drive", "Way", "Crescent", "Gardens", "Grove", "Place",
           "Terrace", "Rise", "View", "Mews", "Court"]
PUB_NAMES = ["Red Lion", "Crown", "Royal Oak", "White Hart", "Swan", "Plough", "Bell", "Kings Arms",
             "Queens Head", "Rose and Crown", "Wheatsheaf", "George", "Black Horse", "White Horse",
             "Fox and Hounds", "Star", "Coach and Horses", "Three Horseshoes", "Nags Head",
             "New Inn", "Green Man", "Cross Keys", "Prince of Wales", "Golden Lion", "Bull", "Angel",
             "Globe", "Feathers", "Woolpack", "Old Bell", "Castle Tap", "Market Vaults", "Wharf Inn",
             "Brewers Arms", "Saracens Head", "Half Moon", "Railway Tavern", "Vaults Bar", "Lamb",
             "Eagle", "Mitre", "Duke of York"]


@dataclass
class _Town:
    geoms: np.ndarray  # shapely polygons, BNG
    code: np.ndarray
    name: np.ndarray
    px: np.ndarray  # a point inside each polygon
    py: np.ndarray
    score: np.ndarray
    population: np.ndarray
    neighbours: list[np.ndarray]
    rural: np.ndarray
    park: np.ndarray


def _at(dx: float, dy: float) -> tuple[float, float]:
    return X0 + dx, Y0 + dy


def _gauss(x: np.ndarray, y: np.ndarray, centre: tuple[float, float], sigma: float) -> np.ndarray:
    cx, cy = _at(*centre)
    return np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * sigma**2))


# --- boundaries ------------------------------------------------------------------------------
def _outline(rng: np.random.Generator) -> shapely.Polygon:
    """A star-shaped district outline (single-valued radius, so it can never self-intersect)."""
    theta = np.linspace(0, 2 * np.pi, 720, endpoint=False)
    r = np.full_like(theta, 10_000.0)
    for k in range(2, 14):
        r += 10_000.0 * rng.normal(0, 0.09 / k**1.2) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    r += rng.normal(0, 12.0, theta.size)
    return shapely.Polygon(np.round(np.c_[X0 + r * np.cos(theta), Y0 + r * np.sin(theta)], 2))


def _spacing(r: np.ndarray) -> np.ndarray:
    """Target distance between LSOA seeds: ~250 m in the centre, ~1.6 km in the rural fringe."""
    w = 1.0 / (1.0 + np.exp(-(r - 5600.0) / 350.0))
    return (1 - w) * (255.0 + 0.072 * r) + w * 1600.0


def _seeds(outline: shapely.Polygon, rng: np.random.Generator) -> np.ndarray:
    """Dart-throwing (variable-radius Poisson disk) seeds: even cells, smaller in the centre."""
    cand = np.r_[rng.uniform(-11_000, 11_000, (24_000, 2)), rng.normal(0, 2500, (12_000, 2))]
    cand = cand[shapely.contains_xy(outline, cand[:, 0] + X0, cand[:, 1] + Y0)]
    pts, sp = np.empty((0, 2)), np.empty(0)
    for p, s in zip(cand, _spacing(np.hypot(cand[:, 0], cand[:, 1])), strict=True):
        if sp.size == 0 or np.all(np.hypot(*(pts - p).T) >= 0.5 * (sp + s)):
            pts, sp = np.vstack([pts, p]), np.append(sp, s)
    return pts + (X0, Y0)


def _wiggle(line: shapely.LineString, rng: np.random.Generator) -> shapely.LineString:
    """Turn a straight Voronoi edge into a generalised-boundary-like line with fixed ends."""
    (ax, ay), (bx, by) = np.asarray(line.coords)[[0, -1]]
    length = float(np.hypot(bx - ax, by - ay))
    step = 32.0 + 0.012 * float(np.hypot((ax + bx) / 2 - X0, (ay + by) / 2 - Y0))
    t = np.linspace(0.0, 1.0, max(2, int(length / step)) + 1)
    d = sum(rng.normal(0, 1 / k) * np.sin(k * np.pi * t) for k in (1, 2, 3))
    d = d + rng.normal(0, 0.2, t.size) * np.sin(np.pi * t)
    d *= min(0.07 * length, 70.0) * rng.uniform(0.3, 1.0) / max(np.abs(d).max(), 1e-9)
    nx, ny = -(by - ay) / length, (bx - ax) / length
    xy = np.c_[ax + t * (bx - ax) + d * nx, ay + t * (by - ay) + d * ny]
    xy[0], xy[-1] = (ax, ay), (bx, by)
    return shapely.LineString(np.round(xy, 2))


def _tiling(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Clipped Voronoi cells with wiggled, exactly shared edges: (polygons, seeds)."""
    from scipy.spatial import Voronoi

    outline = _outline(rng)
    seeds = _seeds(outline, rng)
    ang = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    far = np.c_[X0 + 40_000 * np.cos(ang), Y0 + 40_000 * np.sin(ang)]
    vor = Voronoi(np.r_[seeds, far])
    ridges = np.array([r for r in vor.ridge_vertices if -1 not in r])
    segs = shapely.linestrings(np.round(vor.vertices[ridges], 2))
    noded = shapely.get_parts(shapely.line_merge(shapely.union_all(np.r_[segs, outline.exterior])))
    noded = shapely.set_precision(noded, 0.01)  # centimetres; shared nodes round alike
    mid = shapely.line_interpolate_point(noded, 0.5, normalized=True)
    on_ring = shapely.distance(outline.exterior, mid) < 1e-3
    inside = shapely.within(mid, outline) & ~on_ring
    straight = np.r_[noded[inside], noded[on_ring]]
    edges = straight.copy()
    edges[: inside.sum()] = [_wiggle(e, rng) for e in noded[inside]]
    for _ in range(5):  # straighten any wiggled edge that crosses another one
        tree = shapely.STRtree(edges)
        i, j = tree.query(edges, predicate="intersects")
        keep = i < j
        i, j = i[keep], j[keep]
        bad = ~shapely.touches(edges[i], edges[j])
        bad_ids = np.unique(np.r_[i[bad], j[bad], np.flatnonzero(~shapely.is_simple(edges))])
        if bad_ids.size == 0:
            break
        edges[bad_ids] = straight[bad_ids]
    faces = shapely.get_parts(shapely.polygonize(edges))
    tree = shapely.STRtree(faces)
    pt_idx, face_idx = tree.query(shapely.points(seeds), predicate="within")
    if len(faces) != len(seeds) or not np.array_equal(np.sort(face_idx), np.arange(len(faces))):
        raise RuntimeError("demo tiling failed: faces do not match seeds one-to-one")
    order = np.empty(len(seeds), dtype=int)
    order[pt_idx] = face_idx
    return faces[order], seeds


def _names(px: np.ndarray, py: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """ONS-style names: LSOAs grouped into ~5-LSOA "MSOAs" numbered north to south (as ONS does)."""
    xy = np.c_[px, py]
    k = len(xy) // 5
    centres = xy[rng.choice(len(xy), k, replace=False)]
    for _ in range(15):  # a few Lloyd steps of k-means
        lab = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
        centres = np.array([xy[lab == c].mean(0) if (lab == c).any() else centres[c] for c in range(k)])
    lab = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
    used = np.unique(lab)
    number = {c: i + 1 for i, c in enumerate(used[np.argsort(-centres[used, 1], kind="stable")])}
    names = np.empty(len(xy), dtype=object)
    for c in used:
        members = np.flatnonzero(lab == c)
        for j, m in enumerate(members[np.argsort(px[members], kind="stable")]):
            names[m] = f"Demoton {number[c]:03d}{chr(ord('A') + j)}"
    order = np.argsort(names.astype(str), kind="stable")
    codes = np.empty(len(xy), dtype=object)
    codes[order] = [f"E0190{i + 1:04d}" for i in range(len(xy))]
    return codes, names


def _build_town(rng: np.random.Generator) -> _Town:
    faces, _ = _tiling(rng)
    rp = shapely.point_on_surface(faces)
    px, py = shapely.get_x(rp), shapely.get_y(rp)
    codes, names = _names(px, py, rng)
    order = np.argsort(codes.astype(str), kind="stable")
    faces, px, py, codes, names = faces[order], px[order], py[order], codes[order], names[order]
    r = np.hypot(px - X0, py - Y0)
    rural = r > 5600.0
    park = np.hypot(px - _at(*PARK)[0], py - _at(*PARK)[1]) < 650.0
    # Deprivation: a deprived old centre and a very deprived estate, a comfortable park side.
    score = (9.0 + 30.0 * _gauss(px, py, NTE, 1100.0) + 42.0 * _gauss(px, py, ESTATE, 700.0)
             + 6.0 * np.exp(-r / 3000.0) - 5.0 * park - 2.0 * rural)
    score = np.clip(score * rng.lognormal(0.0, 0.22, len(px)), 1.2, 80.0).round(3)
    population = np.clip(rng.normal(1650, 260, len(px)), 1200, 2500).round().astype(int)
    tree = shapely.STRtree(faces)
    i, j = tree.query(faces, predicate="intersects")
    neighbours = [j[(i == k) & (j != k)] for k in range(len(faces))]
    return _Town(faces, codes, names, px, py, score, population, neighbours, rural, park)


# --- places: snap points and pubs ----------------------------------------------------------------
def _along(points: list[tuple[float, float]], step: float) -> np.ndarray:
    """Points every ``step`` metres along a local polyline, in BNG."""
    line = shapely.LineString(np.asarray(points, float) + (X0, Y0))
    return shapely.get_coordinates(shapely.line_interpolate_point(line, np.arange(0, line.length, step)))


def _locate(town: _Town, x: np.ndarray, y: np.ndarray, margin: float) -> np.ndarray:
    """Index of the LSOA holding each point, or -1 when outside or within ``margin`` of an edge."""
    pts = shapely.points(x, y)
    p_idx, f_idx = shapely.STRtree(town.geoms).query(pts, predicate="within")
    out = np.full(len(x), -1)
    out[p_idx] = f_idx
    ok = out >= 0
    far = shapely.distance(shapely.boundary(town.geoms[out[ok]]), pts[ok]) >= margin
    out[np.flatnonzero(ok)[~far]] = -1
    return out


def _snap_points(town: _Town, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """police.uk-like anonymisation points: named streets in the centre, a few per LSOA elsewhere."""
    xs, ys, labels = [], [], []
    for street, pts in STREETS.items():
        xy = _along(pts, 40.0 if street in NIGHTLIFE else 60.0)
        xs.append(xy[:, 0])
        ys.append(xy[:, 1])
        labels += [street] * len(xy)
    for place, (dx, dy) in LANDMARKS.items():
        xs.append(np.array([X0 + dx]))
        ys.append(np.array([Y0 + dy]))
        labels.append(place)
    pool = [f"{p} {s}" for p in _PREFIX for s in _SUFFIX]
    pool = [pool[i] for i in rng.permutation(len(pool))]
    places = np.array(list(OTHER_PLACES), dtype=object)
    p_place = np.array(list(OTHER_PLACES.values())) / sum(OTHER_PLACES.values())
    first: dict[int, list[str]] = {}  # a street may run on into the next LSOA
    for k, poly in enumerate(town.geoms):
        n = 6 + rng.poisson(3 if town.rural[k] else 2)
        take = int(rng.integers(2, 4))
        names, pool = pool[:take], pool[take:]
        names += [own[0] for own in (first.get(int(j)) for j in town.neighbours[k]) if own][:1]
        first[k] = names[:1]
        (minx, miny, maxx, maxy), inner = poly.bounds, poly.buffer(-25.0)
        cx = rng.uniform(minx, maxx, 400)
        cy = rng.uniform(miny, maxy, 400)
        inside = np.flatnonzero(shapely.contains_xy(inner, cx, cy))[:n]
        xs.append(cx[inside])
        ys.append(cy[inside])
        labels += [rng.choice(places, p=p_place) if rng.random() < 0.06
                   else names[rng.integers(len(names))] for _ in inside]
    x, y, label = np.concatenate(xs), np.concatenate(ys), np.array(labels, dtype=object)
    lsoa = _locate(town, x, y, margin=20.0)
    keep = lsoa >= 0
    lon, lat = _to_lonlat(x[keep], y[keep])
    return {"x": x[keep], "y": y[keep], "label": label[keep], "lsoa": lsoa[keep], "lon": lon, "lat": lat}


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    lon, lat = Transformer.from_pipeline(_BNG_TO_WGS84).transform(x, y)
    return np.round(lon, 6), np.round(lat, 6)


def _pubs(town: _Town, rng: np.random.Generator) -> list[dict]:
    """40 Open Pubs rows: most on the nightlife streets, some on the estate and in villages,
    a nightclub listed twice under two names, and two un-geocoded rows (the real quirks)."""
    plan = {"High Street": 8, "Market Square": 5, "Castle Street": 4, "Wharf Street": 3,
            "Bridge Street": 3, "Church Street": 2, "Silver Street": 1, "Station Road": 1,
            "Kestrel Parade": 2, "Moorfield Road": 2}
    spots = []
    for street, n in plan.items():
        line = shapely.LineString(np.asarray(STREETS[street], float) + (X0, Y0))
        at = shapely.line_interpolate_point(line, np.sort(rng.uniform(0.05, 0.95, n)), normalized=True)
        spots += [(x, y, street) for x, y in zip(shapely.get_x(at) + rng.normal(0, 12, n),
                                                 shapely.get_y(at) + rng.normal(0, 12, n), strict=True)]
    villages = np.flatnonzero(town.rural)[rng.choice(town.rural.sum(), 5, replace=False)]
    spots += [(town.px[v], town.py[v], lane) for v, lane in
              zip(villages, ["Church Lane", "The Green", "Main Road", "Chapel Lane", "The Street"], strict=True)]
    names = [str(n) for n in rng.permutation(PUB_NAMES)[: len(spots) + 2]]
    names[2] = "The Ship \\\\& Anchor"  # the real file's literal '\\&'
    names[len(spots) - 1] = "Demoton Bowls Club"  # FHRS "Pub/bar/nightclub" includes clubs
    names[len(spots):len(spots)] = ["Club Neon", "Neon Nightclub Ltd"]  # one venue, two registrations
    club = _at(*LANDMARKS["Nightclub"])
    spots += [(club[0], club[1], "Wharf Street")] * 2
    spots += [(None, None, "High Street"), (None, None, "Mill Lane")]  # postcode not geocoded
    rows = []
    for k, (name, (x, y, street)) in enumerate(zip(names, spots, strict=True)):
        district = 1 if street in NIGHTLIFE or street == "Station Road" else 4 if street in STREETS else 7 + k % 3
        number = 1 + 2 * int(rng.integers(0, 60))
        inward = f"{rng.integers(1, 10)}{''.join(rng.choice(list('ABDEFGHJLNPQRSTUWXYZ'), 2))}"
        rows.append({"name": name, "address": f"{name} {number} {street}, Demoton",
                     "postcode": f"DM{district} {inward}", "x": x, "y": y, "street": street})
    club_row, twin = (r for r in rows if "Neon" in r["name"])  # same door, same address
    twin.update(address=club_row["address"].replace("Club Neon", twin["name"]), postcode=club_row["postcode"])
    return sorted(rows, key=lambda r: r["name"])


# --- events: crimes and StreetSafe reports ---------------------------------------------------------
def _norm(w: np.ndarray) -> np.ndarray:
    return w / w.sum()


def _crimes(town: _Town, snaps: dict[str, np.ndarray], pubs: list[dict],
            rng: np.random.Generator) -> dict[str, list[list[str]]]:
    """Monthly police.uk rows: background + night-time-economy + estate intensities per snap point."""
    x, y, lsoa = snaps["x"], snaps["y"], snaps["lsoa"]
    n_lsoa = len(town.code)
    per_lsoa = (town.population * (0.45 + town.score / 30.0) * np.where(town.rural, 0.55, 1.0)
                * np.where(town.park, 0.3, 1.0))
    share = rng.gamma(2.0, 1.0, len(x))
    share /= np.bincount(lsoa, weights=share, minlength=n_lsoa)[lsoa]  # sums to 1 in each LSOA
    bg = _norm(per_lsoa[lsoa] * share)
    est = _norm(_gauss(town.px, town.py, ESTATE, 550.0)[lsoa] * share)  # spread over the estate's LSOAs
    nte = np.zeros(len(x))
    for p in pubs:
        if p["x"] is not None and p["street"] in NIGHTLIFE:
            nte += np.exp(-((x - p["x"]) ** 2 + (y - p["y"]) ** 2) / (2 * 220.0**2))
    nte = _norm(nte)
    season = 1 + 0.08 * np.sin(2 * np.pi * (np.arange(12) - 4) / 12) + rng.normal(0, 0.04, 12)
    outcomes, p_out = list(OUTCOMES), _norm(np.array(list(OUTCOMES.values()), float))
    months: dict[str, list[list[str]]] = {}
    for m in range(12):
        month, rows = f"{YEAR}-{m + 1:02d}", []
        for ctype, (total, f_nte, f_est) in CRIME_TYPES.items():
            n = rng.poisson(total / 12 * season[m])
            at = rng.choice(len(x), n, p=(1 - f_nte - f_est) * bg + f_nte * nte + f_est * est)
            asb = ctype == "Anti-social behaviour"
            for s in at:
                k = int(lsoa[s])
                if rng.random() < 0.03 and len(town.neighbours[k]):  # police.uk anonymisation
                    k = int(rng.choice(town.neighbours[k]))
                outcome = "" if asb else str(rng.choice(outcomes, p=p_out))
                if ctype == "Drugs" and rng.random() < 0.35:
                    outcome = "Offender given a drugs possession warning"
                if not asb and m >= 9 and rng.random() < 0.25:
                    outcome = "Under investigation"
                row = ["" if asb else rng.bytes(32).hex(), month, FORCE, FORCE, f"{snaps['lon'][s]:.6f}",
                       f"{snaps['lat'][s]:.6f}", f"On or near {snaps['label'][s]}", town.code[k],
                       town.name[k], ctype, outcome, ""]
                if not asb and rng.random() < 0.012:
                    row[4:9] = ["", "", "No Location", "", ""]
                rows.append(row)
        rows.sort(key=lambda r: (r[8] == "", r[8], r[6], r[9], r[0]))
        months[month] = rows
    return months


_SS_GROUPS = {  # reason weights (STREETSAFE_REASONS order), reports, streets
    "nightlife": ([2, 2, 1, 1, 1, 2, 5, 1, 5, 6, 4, 3], 125, NIGHTLIFE),
    "fear": ([4, 7, 7, 3, 5, 2, 1, 2, 2, 1, 5, 1], 95, FEAR_PATH),
    "estate": ([2, 3, 2, 2, 1, 5, 4, 1, 2, 3, 1, 1], 25, ESTATE_STREETS),
}
_SS_COMMENTS = {
    "nightlife": ["Groups of men shouting at women outside the bars at closing time",
                  "Was followed from the taxi rank, nobody stopped him", "Drunk people blocking the pavement",
                  "Comments and whistling every weekend near the square", "No taxis, long dark walk home"],
    "fear": ["The underpass lights have been broken for weeks", "Nobody around on the river path after dark",
             "Bushes right up to the path, you can't see who is there", "Man hanging around the subway",
             "Park gates left open at night, no lighting at all"],
    "estate": ["Young people drinking by the shops", "Needles near the garages", "Boarded-up flats feel unsafe"],
    "other": ["Street lights out", "Felt watched walking home", "Dark alleyway between the houses"],
}


def _streetsafe(town: _Town, snaps: dict[str, np.ndarray], rng: np.random.Generator) -> list[list[str]]:
    """~300 reports: nightlife streets (agreeing with crime), a park/underpass path (fear where
    little crime is recorded), the estate, and a thin scatter over the rest of the town."""
    xs, ys, groups = [], [], []
    for group, (_, n, streets) in _SS_GROUPS.items():
        line_pts = np.vstack([_along(STREETS[s], 10.0) for s in streets])
        pick = line_pts[rng.integers(0, len(line_pts), n)]
        xs += list(pick[:, 0] + rng.normal(0, 18, n))
        ys += list(pick[:, 1] + rng.normal(0, 18, n))
        groups += [group] * n
    urban = np.flatnonzero(~town.rural[snaps["lsoa"]])
    pick = urban[rng.integers(0, len(urban), 55)]
    xs += list(snaps["x"][pick] + rng.normal(0, 40, 55))
    ys += list(snaps["y"][pick] + rng.normal(0, 40, 55))
    groups += ["other"] * 55
    lon, lat = _to_lonlat(np.asarray(xs), np.asarray(ys))
    first_day = np.datetime64(f"{YEAR}-01-01")
    rows = []
    for k, group in enumerate(groups):
        w = np.array(_SS_GROUPS[group][0] if group in _SS_GROUPS else [1] * 12, float)
        chosen = rng.choice(12, 1 + rng.binomial(2, 0.35), replace=False, p=_norm(w))
        day = int(rng.integers(0, 365))
        if group == "nightlife":  # pulled towards the Friday/Saturday of the same week
            day = min(364, day - (day + 2) % 7 + int(rng.choice([4, 5])))  # 1 Jan 2025 was a Wednesday
        comment = str(rng.choice(_SS_COMMENTS[group])) if rng.random() < 0.3 else ""
        rows.append([str(first_day + day), f"{lat[k]:.6f}", f"{lon[k]:.6f}",
                     ";".join(STREETSAFE_REASONS[i] for i in sorted(chosen)), comment])
    rows[0][4] = "<script>alert(1)</script>"  # exporters must escape HTML ...
    rows[130][4] = '=HYPERLINK("https://example.invalid","help"), the lights are out'  # ... and formulas
    order = sorted(range(len(rows)), key=lambda i: (rows[i][0], i))
    return [[str(250_001 + j)] + rows[i] for j, i in enumerate(order)]


# --- writing ---------------------------------------------------------------------------------------
def _csv(rows: list[list[str]], header: list[str], newline: str = "\n") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    """Write next to the target, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_boundaries(path: Path, town: _Town) -> None:
    import geopandas as gpd
    import pyogrio

    gdf = gpd.GeoDataFrame({"LSOA21CD": town.code.astype(str), "LSOA21NM": town.name.astype(str)},
                           geometry=town.geoms, crs="EPSG:27700")
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.gpkg")
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    try:
        tmp.unlink(missing_ok=True)
        # A fixed GeoPackage timestamp makes the file byte-identical too (no git churn).
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{YEAR + 1}-01-01T00:00:00.000Z"})
        pyogrio.write_dataframe(gdf, tmp, layer="lsoa", driver="GPKG")
        os.replace(tmp, path)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})
        tmp.unlink(missing_ok=True)


def _imd_csv(town: _Town) -> bytes:
    """IoD-style File 1 with MHCLG headers, quoted "12,345" ranks, CRLF and a UTF-8 BOM."""
    share_below = np.interp(town.score, _IMD_QUANTILES, np.linspace(0, 1, 11))
    rank = np.rint(_N_LSOA21 - share_below * (_N_LSOA21 - 1)).astype(int)
    order = np.argsort(-town.score, kind="stable")
    for a, b in zip(order[:-1], order[1:], strict=True):  # national ranks are unique
        rank[b] = max(rank[b], rank[a] + 1)
    decile = np.minimum(10, (rank - 1) * 10 // _N_LSOA21 + 1)
    header = ["LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
              "Local Authority District name (2024)", "Index of Multiple Deprivation (IMD) Score",
              "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
              "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]
    rows = [[c, n, "E07900001", "Demoton", f"{s:.3f}", f"{r:,}", str(d)]
            for c, n, s, r, d in zip(town.code, town.name, town.score, rank, decile, strict=True)]
    return ("\ufeff" + _csv(rows, header, "\r\n")).encode("utf-8")


def _pubs_csv(pubs: list[dict]) -> bytes:
    """Open Pubs layout: every field quoted, MySQL ``\\N`` for null, the failed-geocode sentinel."""
    lines = ["fas_id,name,address,postcode,easting,northing,latitude,longitude,local_authority"]
    for k, p in enumerate(pubs):
        if p["x"] is None:
            e, n, lat, lon = '"622675"', '"-5527598"', "\\N", "\\N"
        else:
            lo, la = _to_lonlat(np.array([p["x"]]), np.array([p["y"]]))
            e, n = f'"{int(round(p["x"]))}"', f'"{int(round(p["y"]))}"'
            lat, lon = f'"{la[0]:.6f}"', f'"{lo[0]:.6f}"'
        fields = [f'"{900_101 + 7 * k}"', f'"{p["name"]}"', f'"{p["address"]}"', f'"{p["postcode"]}"']
        lines.append(",".join(fields + [e, n, lat, lon, '"Demoton"']))
    return ("\n".join(lines) + "\n").encode("utf-8")


def demo_files(folder: str | Path = DEFAULT_DIR) -> dict[str, Path]:
    """Where each input of the demo study lives inside ``folder`` (what ``--demo`` loads)."""
    folder = Path(folder)
    return {"boundaries": folder / "boundaries.gpkg", "crimes": folder / "crime", "imd": folder / "imd.csv",
            "pubs": folder / "pubs.csv", "streetsafe": folder / "streetsafe.csv",
            "population": folder / "population.csv"}


def generate_demo(out_dir: Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the synthetic Demoton study into ``out_dir`` and return ``out_dir``.

    Parameters
    ----------
    out_dir : folder to write (created if needed); existing demo files are replaced one by
        one, each atomically (temporary name in the same folder, then ``os.replace``).
    seed : the only source of randomness; the same seed gives byte-identical CSVs and the
        same polygons, so tests and screenshots can rely on the demo's answers.

    Notes
    -----
    Each component draws from its own child stream of ``np.random.SeedSequence(seed)``, so
    changing, say, the StreetSafe generator does not move the boundaries or the crimes.
    """
    out_dir = Path(out_dir)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    town = _build_town(streams[0])
    snaps = _snap_points(town, streams[1])
    pubs = _pubs(town, streams[2])
    months = _crimes(town, snaps, pubs, streams[3])
    reports = _streetsafe(town, snaps, streams[4])

    out_dir.mkdir(parents=True, exist_ok=True)
    files = demo_files(out_dir)
    _write_boundaries(files["boundaries"], town)
    for month, rows in months.items():
        _atomic_write(files["crimes"] / month / f"{month}-demo-street.csv",
                      _csv(rows, POLICE_UK_COLUMNS).encode("utf-8"))
    _atomic_write(files["imd"], _imd_csv(town))
    _atomic_write(files["pubs"], _pubs_csv(pubs))
    _atomic_write(files["streetsafe"], _csv(reports, ["id", "date", "latitude", "longitude", "reasons",
                                                      "comment"]).encode("utf-8"))
    _atomic_write(files["population"], _csv([[c, str(p)] for c, p in zip(town.code, town.population, strict=True)],
                                            ["lsoa_code", "population"]).encode("utf-8"))
    n_crimes = sum(len(r) for r in months.values())
    _atomic_write(out_dir / "README.md", _readme(seed, len(town.code), n_crimes, len(reports)).encode("utf-8"))
    return out_dir


def _readme(seed: int, n_lsoa: int, n_crimes: int, n_reports: int) -> str:
    return f"""# Demoton: SYNTHETIC demo data - not real crimes, not real places

**Everything in this folder is invented.** It was generated by `hotspots demo` (that is,
`python -m hotspots.demo --out gis_data/demo --seed {seed}`; code in `hotspots/demo.py`).
The same seed gives byte-identical CSV files. Do not use it for any decision about a real
place: Demoton, its streets, its pubs, its people and its crimes do not exist.

The town is drawn on open land on Salisbury Plain (Wiltshire, around British National Grid
{X0:.0f} E, {Y0:.0f} N) only so that a basemap shows countryside underneath; it has nothing to
do with any real settlement there. LSOA codes are `E0190xxxx` (outside the ONS code ranges),
names are `Demoton 001A`..., postcodes use the non-existent `DM` area, the force is the
"{FORCE}".

## Files (all in the real formats, quirks included, so the real readers are exercised)

| file | format | contents |
| --- | --- | --- |
| `boundaries.gpkg` | GeoPackage, layer `lsoa`, EPSG:27700 | {n_lsoa} LSOA-like polygons (`LSOA21CD`, `LSOA21NM`): a clipped Voronoi tiling with exactly shared, generalised-looking edges; small in the centre, large in the rural fringe |
| `crime/{YEAR}-MM/{YEAR}-MM-demo-street.csv` | police.uk street-level CSV, bulk-download folder layout | {n_crimes:,} rows over 12 months, all 14 police.uk categories in Kent-like proportions. ASB rows have no Crime ID (and identical ASB rows at one snap point in one month are separate incidents); other rows carry 64-hex IDs; about 1 % have no location (`No Location`, no coordinates, no LSOA); points sit on snap points ("On or near ..."); about 3 % carry a neighbouring LSOA's code, as police.uk anonymisation does |
| `imd.csv` | IoD2025 File 1/7 style (MHCLG headers, UTF-8 BOM, CRLF, ranks like `"12,345"`) | a fictional IMD score, national rank and decile per LSOA |
| `pubs.csv` | Open Pubs (getthedata.com) CSV | 40 licensed premises; two rows are un-geocoded (`\\N` latitude/longitude, sentinel easting/northing `622675,-5527598`); one venue is listed under two names at one address; one name has the literal `\\\\&` of the real file |
| `streetsafe.csv` | `id,date,latitude,longitude,reasons,comment` | {n_reports} reports of feeling unsafe in {YEAR}; `reasons` are `;`-separated StreetSafe labels |
| `population.csv` | `lsoa_code,population` | 1,200-2,500 residents per LSOA |

## Planted patterns (what the analysis should find)

- **Night-time-economy hot spot.** Violence and sexual offences, public order and theft from
  the person concentrate around the pubs on High Street, Market Square, Castle Street and Wharf
  Street, in deprived central LSOAs: Local Moran's I finds a High-High cluster and Gi* hot
  spots there, and it becomes the top patrol zone.
- **Deprived estate.** A smaller cluster (violence, ASB, criminal damage, drugs) around the
  Moorfield estate (Moorfield Road, Heron Way, Kestrel Parade) about 3 km south-east of the
  centre, the most deprived part of the town: the second patrol zone.
- **Fear without recorded crime.** Station Approach, the pedestrian subway, Riverside Walk
  and Park Lane (about 1.5 km west of the centre) draw many StreetSafe reports (badly lit,
  empty or isolated, being followed) while recorded crime there is *below* the town's
  background: the case the tool must surface because most victims never report.
- Background crime follows population and deprivation, lower in the countryside; monthly
  totals vary mildly with a summer peak.

## Traps for the exporters

`streetsafe.csv` holds one comment `<script>alert(1)</script>` (HTML/map popups must escape
it) and one starting `=HYPERLINK(` (CSV/XLSX exports must not let it run as a formula).

## Licence

Generated by code released under the project's MIT licence. The data are synthetic and contain
no real records, so no Open Government Licence attribution applies to them; you may use,
copy and modify them freely.
"""


def main(argv: list[str] | None = None) -> int:
    """``python -m hotspots.demo --out DIR --seed N``: write the demo study, print where."""
    parser = argparse.ArgumentParser(prog="hotspots demo",
                                     description="Write the synthetic Demoton demo study (not real data).")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help=f"output folder (default {DEFAULT_DIR})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    out = generate_demo(args.out, seed=args.seed)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
