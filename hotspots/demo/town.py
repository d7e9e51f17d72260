"""The town's geometry: LSOA-like polygons, their names and codes, deprivation and population.

The boundaries are a clipped Voronoi tiling whose edges are wiggled but exactly shared, so
contiguity weights behave as they do on ONS generalised boundaries; cells are small in the
centre and large in the rural fringe, as real LSOAs are. Also home to the coordinate helpers
the rest of the demo uses (plan metres -> BNG, BNG -> WGS84 lon/lat).
"""

from __future__ import annotations

__all__ = ["Town", "build_town", "to_bng", "gauss", "to_lonlat"]

from dataclasses import dataclass

import numpy as np
import shapely

from .plan import ESTATE, NTE, PARK, X0, Y0

# OSGB36 -> WGS84 7-parameter Helmert (EPSG:1314 family), pinned so the written lon/lat do not
# change when a PROJ install happens to have the OSTN15 grid.
_BNG_TO_WGS84 = (
    "+proj=pipeline +step +inv +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 "
    "+y_0=-100000 +ellps=airy +step +proj=push +v_3 +step +proj=cart +ellps=airy +step "
    "+proj=helmert +x=446.448 +y=-125.157 +z=542.06 +rx=0.15 +ry=0.247 +rz=0.842 +s=-20.489 "
    "+convention=position_vector +step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
    "+step +proj=unitconvert +xy_in=rad +xy_out=deg")


@dataclass
class Town:
    """One entry per LSOA, arrays aligned by position: what the places and events are drawn on."""

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


def to_bng(dx: float, dy: float) -> tuple[float, float]:
    """BNG coordinates of a plan point given in metres from the town centre."""
    return X0 + dx, Y0 + dy


def gauss(x: np.ndarray, y: np.ndarray, centre: tuple[float, float], sigma: float) -> np.ndarray:
    """A bump of height 1 at a plan point: how a planted cluster fades with distance."""
    cx, cy = to_bng(*centre)
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


def build_town(rng: np.random.Generator) -> Town:
    """Draw the whole town from ``rng``: tiling, names and codes, deprivation, population, neighbours."""
    faces, _ = _tiling(rng)
    rp = shapely.point_on_surface(faces)
    px, py = shapely.get_x(rp), shapely.get_y(rp)
    codes, names = _names(px, py, rng)
    order = np.argsort(codes.astype(str), kind="stable")
    faces, px, py, codes, names = faces[order], px[order], py[order], codes[order], names[order]
    r = np.hypot(px - X0, py - Y0)
    rural = r > 5600.0
    park = np.hypot(px - to_bng(*PARK)[0], py - to_bng(*PARK)[1]) < 650.0
    # Deprivation: a deprived old centre and a very deprived estate, a comfortable park side.
    score = (9.0 + 30.0 * gauss(px, py, NTE, 1100.0) + 42.0 * gauss(px, py, ESTATE, 700.0)
             + 6.0 * np.exp(-r / 3000.0) - 5.0 * park - 2.0 * rural)
    score = np.clip(score * rng.lognormal(0.0, 0.22, len(px)), 1.2, 80.0).round(3)
    population = np.clip(rng.normal(1650, 260, len(px)), 1200, 2500).round().astype(int)
    tree = shapely.STRtree(faces)
    i, j = tree.query(faces, predicate="intersects")
    neighbours = [j[(i == k) & (j != k)] for k in range(len(faces))]
    return Town(faces, codes, names, px, py, score, population, neighbours, rural, park)


def to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BNG -> WGS84 longitude and latitude, rounded to the 6 decimals the written files carry."""
    from pyproj import Transformer

    lon, lat = Transformer.from_pipeline(_BNG_TO_WGS84).transform(x, y)
    return np.round(lon, 6), np.round(lat, 6)
