"""Synthetic England: an outline, population-like seed points and LSOA-like polygons.

Used only by ``generate_national.py``. The polygons are a Voronoi tessellation whose edges are
densified and jittered *once per edge*, so two neighbours always share the very same vertices
(queen and rook contiguity then behave as on real ONS boundaries), and whose vertex counts follow
the real Kent BGC file (see ``EDGE_SPACING_M``). Everything is vectorised numpy/shapely.
"""

from __future__ import annotations

import numpy as np
import shapely
from scipy.spatial import Voronoi, cKDTree

__all__ = ["england_outline", "seed_points", "tessellate", "nearest", "EDGE_SPACING_M"]

# Spacing of the extra vertices put on a Voronoi edge: EDGE_SPACING_M * d**SPACING_POWER, d the
# distance in km between the two seeds that share the edge, times a per-edge lognormal factor.
# Real generalised boundaries have more vertices per km in towns than in the countryside: in the
# Kent+Medway BGC file vertices ~ 14.8 * perimeter_km**0.665. The constants are tuned so that
# vertices per polygon match that file (Kent: median 43, mean 59, p95 155, max 333; seed 1 here:
# median 42, mean 56, p95 128, max 340). Voronoi cells are rounder than real LSOAs (a smaller
# perimeter for their area), so the power is below the 0.335 that the Kent fit alone suggests.
EDGE_SPACING_M = 140.0
SPACING_POWER = 0.15
SPACING_SIGMA = 0.5
MIN_EXTRA_M = 60.0
# Largest sideways jitter of an edge vertex, as a share of the edge length and in metres. The
# share bounds the "lens" each jittered edge can occupy (half-angle atan(pi * 0.03) ~ 5 degrees)
# so that edges meeting at a Voronoi vertex cannot cross.
JITTER_SHARE = 0.03
JITTER_MAX_M = 45.0

# A coarse England outline in EPSG:27700 (metres), clockwise from Berwick: the real coastline's
# main capes and estuaries, enough for an England-sized, England-shaped study area (~130,000 km2).
_OUTLINE = [
    (399500, 653000), (418000, 635000), (427000, 604000), (437000, 569000), (441000, 557000),
    (453000, 533000), (462000, 525000), (490000, 511000), (505000, 489000), (525000, 470000),
    (518000, 466000), (521000, 447000), (540000, 412000), (510000, 426000), (500000, 422000),
    (526000, 407000), (557000, 363000), (556000, 358000), (535000, 340000), (562000, 322000),
    (567000, 341000), (592000, 344000), (622000, 342000), (638000, 330000), (653000, 306000),
    (655000, 293000), (651000, 276000), (647000, 257000), (645000, 249000), (630000, 233000),
    (626000, 222000), (617000, 214000), (603000, 212000), (605000, 192000), (588000, 186000),
    (578000, 182000), (565000, 177500), (588000, 176000), (592000, 175000), (610000, 167000),
    (618000, 168000), (635000, 171000), (640000, 170000), (638000, 164000), (637000, 152000),
    (636000, 143000), (632000, 141000), (623000, 135000), (615000, 133000), (609000, 117000),
    (593000, 119000), (582000, 109000), (561000, 98000), (559000, 96000), (531000, 104000),
    (515000, 102000), (485000, 92000), (465000, 99000), (445000, 105000), (432000, 94000),
    (410000, 90000), (403000, 78000), (396000, 75000), (368000, 78000), (367000, 68000),
    (334000, 91000), (313000, 87000), (300000, 80000), (292000, 63000), (283000, 37000),
    (272000, 37000), (248000, 53000), (225000, 52000), (212000, 51000), (200000, 39000),
    (181000, 32000), (170000, 11500), (162000, 25000), (147000, 30000), (134000, 25000),
    (135000, 32000), (152000, 41000), (181000, 62000), (192000, 76000), (205000, 89000),
    (220000, 106000), (223000, 127000), (245000, 127000), (245000, 145000), (252000, 148000),
    (272000, 150000), (297000, 147000), (330000, 149000), (331000, 161000), (340000, 171000),
    (351000, 179000), (353000, 194000), (351000, 213000), (323000, 242000), (330000, 257000),
    (329000, 272000), (325000, 296000), (330000, 310000), (329000, 330000), (329000, 338000),
    (338000, 362000), (325000, 375000), (321000, 389000), (331000, 394000), (333000, 398000),
    (327000, 407000), (333000, 418000), (335000, 427000), (330000, 436000), (333000, 448000),
    (343000, 464000), (340000, 477000), (320000, 469000), (318000, 462000), (315000, 480000),
    (308000, 496000), (295000, 512000), (297000, 518000), (299000, 528000), (303000, 537000),
    (310000, 553000), (325000, 563000), (332000, 567000), (348000, 582000), (363000, 595000),
    (369000, 607000), (391000, 620000), (385000, 640000), (390000, 647000),
]

# Conurbations and cities: (easting, northing, LSOAs). Sizes are close to their 2021 LSOA counts.
CITIES = [
    (530000, 180000, 4994), (405000, 288000, 1700), (385000, 398000, 1700), (425000, 432000, 1400),
    (337000, 392000, 900), (425000, 564000, 700), (436000, 387000, 700), (359000, 173000, 450),
    (457000, 340000, 450), (459000, 304000, 350), (445000, 110000, 450), (509000, 432000, 170),
    (388000, 346000, 170), (433000, 279000, 200), (248000, 57000, 160), (531000, 107000, 250),
    (471000, 173000, 200), (623000, 308000, 150), (545000, 258000, 130), (451000, 206000, 130),
    (435000, 336000, 170), (450000, 518000, 250), (485000, 238000, 150), (292000, 93000, 80),
    (410000, 94000, 250),
]
URBAN_LSOAS = 27_000          # ~80% of LSOAs are urban; the rest are spread over the countryside
SMALL_TOWNS = 700
URBAN_AREA_KM2 = 0.3          # typical urban LSOA area: sets how wide a town of n LSOAs spreads
CORE_SHARE = 0.7              # share of a town's LSOAs in its dense core ...
CORE_DIVISOR = 2.2            # ... a Gaussian of sigma radius / 2.2
SUBURB_DIVISOR = 1.3          # the rest: sigma radius / 1.3
FRINGE_SHARE = 0.5            # share of rural LSOAs on the fringe of towns and villages
FRINGE_KM = 3.0               # fringe sigma: 3 km + twice the town radius


def _displace(xy: np.ndarray, rng: np.random.Generator, share: float, levels: int) -> np.ndarray:
    """Midpoint displacement of a closed ring: a coastline-like wiggle at several scales."""
    ring = xy[:-1]
    for _ in range(levels):
        nxt = np.roll(ring, -1, axis=0)
        seg = nxt - ring
        length = np.hypot(seg[:, 0], seg[:, 1])
        normal = np.column_stack([-seg[:, 1], seg[:, 0]]) / np.maximum(length, 1e-9)[:, None]
        mid = (ring + nxt) / 2 + normal * (rng.uniform(-share, share, len(ring)) * length)[:, None]
        out = np.empty((2 * len(ring), 2))
        out[0::2], out[1::2] = ring, mid
        ring = out
    return np.vstack([ring, ring[:1]])


def england_outline(rng: np.random.Generator) -> shapely.Polygon:
    """England-shaped study area with a coastline wiggling down to ~100 m segments."""
    coarse = np.asarray(_OUTLINE + _OUTLINE[:1], dtype=float)
    xy = _displace(coarse, rng, share=0.06, levels=5)
    xy = _densify(xy, rng, spacing=EDGE_SPACING_M, share=0.05, cap=25.0)
    poly = shapely.make_valid(shapely.Polygon(xy))
    parts = shapely.get_parts(poly)
    parts = parts[shapely.get_type_id(parts) == 3]
    return parts[np.argmax(shapely.area(parts))]


def _densify(xy: np.ndarray, rng, spacing: float, share: float, cap: float) -> np.ndarray:
    """Put Poisson-many jittered vertices on every segment of an open/closed line."""
    a, b = xy[:-1], xy[1:]
    pts, edge_of = _edge_points(a, b, rng, spacing, share, cap)
    counts = np.bincount(edge_of, minlength=len(a))
    out = np.empty((len(xy) + len(pts), 2))
    starts = np.arange(len(a)) + np.concatenate([[0], np.cumsum(counts)[:-1]])
    is_vertex = np.zeros(len(out), bool)
    is_vertex[starts] = True
    is_vertex[-1] = True
    out[is_vertex] = xy
    out[~is_vertex] = pts
    return out


def _edge_points(a: np.ndarray, b: np.ndarray, rng, spacing, share: float, cap: float,
                 min_extra_m: float = np.inf):
    """Interior vertices for edges a->b: Poisson count, sorted positions, tapered sideways jitter.

    Edges longer than ``min_extra_m`` get one vertex more than the Poisson draw: even a short
    real boundary between two houses' back gardens is rarely one straight segment.

    Returns the points (grouped by edge, in a->b order) and the edge index of each point. The
    jitter is perpendicular and the position along the edge is monotone, so each edge stays a
    simple polyline inside a thin lens around the straight segment.
    """
    seg = b - a
    length = np.hypot(seg[:, 0], seg[:, 1])
    n = rng.poisson(length / np.asarray(spacing)) + (length > min_extra_m)
    edge = np.repeat(np.arange(len(a)), n)
    u = rng.random(len(edge))
    order = np.lexsort((u, edge))
    t = u[order]
    amp = np.minimum(share * length, cap)[edge] * np.sin(np.pi * t) * rng.uniform(-1, 1, len(t))
    unit = seg / np.maximum(length, 1e-9)[:, None]
    normal = np.column_stack([-unit[:, 1], unit[:, 0]])
    pts = a[edge] + seg[edge] * t[:, None] + normal[edge] * amp[:, None]
    return pts, edge


def _inside(outline: shapely.Polygon, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    shapely.prepare(outline)
    return shapely.contains_xy(outline, x, y)


def _uniform_in(outline, rng, n: int) -> np.ndarray:
    minx, miny, maxx, maxy = outline.bounds
    out = []
    have = 0
    while have < n:
        x = rng.uniform(minx, maxx, 4 * n)
        y = rng.uniform(miny, maxy, 4 * n)
        keep = _inside(outline, x, y)
        out.append(np.column_stack([x[keep], y[keep]]))
        have += int(keep.sum())
    return np.vstack(out)[:n]


def seed_points(outline: shapely.Polygon, rng: np.random.Generator, n: int):
    """Population-like seed points: dense cities and towns, sparse countryside.

    Towns are two Gaussians (a dense core and a wider suburb); part of the countryside is a fringe
    around towns and villages, the rest is spread evenly, which leaves remote areas with the
    few very large LSOAs real uplands have. Returns the points (n x 2), the town centres and
    their radius in metres (crime hot spots go in town centres later).
    """
    towns = [(x, y, s) for x, y, s in CITIES]
    rest = URBAN_LSOAS - sum(s for *_, s in CITIES)
    sizes = np.minimum(5 + rng.pareto(1.2, SMALL_TOWNS) * 12, 150)
    sizes = np.maximum(np.round(sizes * rest / sizes.sum()), 3).astype(int)
    sizes[np.argmax(sizes)] += rest - sizes.sum()
    centres = _uniform_in(outline, rng, SMALL_TOWNS)
    towns += [(cx, cy, int(s)) for (cx, cy), s in zip(centres, sizes, strict=True)]
    town_xy = np.array([(x, y) for x, y, _ in towns], dtype=float)
    size = np.array([s for *_, s in towns])
    radius = np.sqrt(size * URBAN_AREA_KM2 / np.pi) * 1000
    core = np.round(size * CORE_SHARE).astype(int)
    centre = np.repeat(np.arange(len(towns)), size)
    sigma = np.concatenate([np.repeat([r / CORE_DIVISOR, r / SUBURB_DIVISOR], [c, s - c])
                            for r, c, s in zip(radius, core, size, strict=True)])
    urban = _gaussians(outline, rng, town_xy[centre], sigma)
    n_rural = n - len(urban)
    n_fringe = int(round(n_rural * FRINGE_SHARE))
    pick = rng.choice(len(towns), n_fringe, p=np.sqrt(size) / np.sqrt(size).sum())
    fringe = _gaussians(outline, rng, town_xy[pick], FRINGE_KM * 1000 + 2 * radius[pick])
    rural = _uniform_in(outline, rng, n_rural - n_fringe)
    pts = np.vstack([urban, fringe, rural])
    # Nudge exact or near duplicates apart (they would make sliver cells).
    pts += rng.normal(scale=1.0, size=pts.shape)
    return pts, town_xy, radius


def _gaussians(outline, rng, centre: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """One point near each centre (normal, given sigma), redrawn until it falls on land."""
    out = np.empty_like(centre)
    todo = np.arange(len(centre))
    while len(todo):
        p = centre[todo] + rng.normal(size=(len(todo), 2)) * np.asarray(sigma)[todo, None]
        ok = _inside(outline, p[:, 0], p[:, 1])
        out[todo[ok]] = p[ok]
        todo = todo[~ok]
    return out


def _guards(outline, step: float = 10_000.0, margin: float = 150_000.0) -> np.ndarray:
    """A ring of far points so every real Voronoi cell is bounded."""
    minx, miny, maxx, maxy = outline.bounds
    minx, miny, maxx, maxy = minx - margin, miny - margin, maxx + margin, maxy + margin
    xs = np.arange(minx, maxx + step, step)
    ys = np.arange(miny, maxy + step, step)
    return np.vstack([
        np.column_stack([xs, np.full_like(xs, miny)]), np.column_stack([xs, np.full_like(xs, maxy)]),
        np.column_stack([np.full_like(ys, minx), ys]), np.column_stack([np.full_like(ys, maxx), ys]),
    ])


def _cells(pts: np.ndarray, guards: np.ndarray):
    vor = Voronoi(np.vstack([pts, guards]))
    regions = [vor.regions[i] for i in vor.point_region[: len(pts)]]
    lens = np.fromiter((len(r) for r in regions), int, len(regions))
    flat = np.fromiter((v for r in regions for v in r), np.int64, int(lens.sum()))
    if (flat < 0).any():
        raise RuntimeError("an unbounded Voronoi cell: widen the guard ring")
    return vor, flat, lens


def _lloyd(pts, guards, outline, iterations: int):
    """Move seeds towards their cell centroids: rounder, more LSOA-like cells."""
    for _ in range(iterations):
        vor, flat, lens = _cells(pts, guards)
        verts = vor.vertices
        starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
        nxt = np.arange(len(flat)) + 1
        nxt[starts + lens - 1] = starts
        x0, y0 = verts[flat, 0], verts[flat, 1]
        x1, y1 = verts[flat[nxt], 0], verts[flat[nxt], 1]
        cross = x0 * y1 - x1 * y0
        cell = np.repeat(np.arange(len(lens)), lens)
        a = np.bincount(cell, cross) / 2
        cx = np.bincount(cell, (x0 + x1) * cross) / (6 * a)
        cy = np.bincount(cell, (y0 + y1) * cross) / (6 * a)
        ok = _inside(outline, cx, cy)
        pts = np.where(ok[:, None], np.column_stack([cx, cy]), pts)
    return pts


def tessellate(outline: shapely.Polygon, pts: np.ndarray, rng: np.random.Generator,
               lloyd: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """LSOA-like polygons: one per seed, neighbours sharing every boundary vertex exactly.

    Returns the polygons (clipped to the outline, in seed order) and the final seed points.
    """
    guards = _guards(outline)
    pts = _lloyd(pts, guards, outline, lloyd)
    vor, flat, lens = _cells(pts, guards)
    verts = vor.vertices
    nv = len(verts)
    starts = np.concatenate([[0], np.cumsum(lens)[:-1]])
    nxt = np.arange(len(flat)) + 1
    nxt[starts + lens - 1] = starts
    a, b = flat, flat[nxt]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keys, inv = np.unique(lo * nv + hi, return_inverse=True)
    elo, ehi = keys // nv, keys % nv
    # the two seeds on either side of every edge, from Voronoi's ridge table
    rv = np.asarray(vor.ridge_vertices)
    rkey = np.minimum(rv[:, 0], rv[:, 1]) * nv + np.maximum(rv[:, 0], rv[:, 1])
    order = np.argsort(rkey)
    ridge = order[np.searchsorted(rkey[order], keys)]
    seeds = vor.points[vor.ridge_points[ridge]]
    d_km = np.hypot(*(seeds[:, 0] - seeds[:, 1]).T) / 1000
    spacing = (EDGE_SPACING_M * d_km**SPACING_POWER
               * np.exp(SPACING_SIGMA * rng.standard_normal(len(keys))))
    pts_e, edge_of = _edge_points(verts[elo], verts[ehi], rng, spacing, JITTER_SHARE,
                                  JITTER_MAX_M, MIN_EXTRA_M)
    n_e = np.bincount(edge_of, minlength=len(keys))
    off_e = np.concatenate([[0], np.cumsum(n_e)[:-1]])
    cell = np.repeat(np.arange(len(lens)), lens)
    polys = _assemble(verts, pts_e, a, inv, elo, n_e, off_e, lens)
    bad = ~shapely.is_valid(polys)
    if bad.any():
        # Straighten every edge of an invalid cell, in both cells that share it (so they stay
        # shared); a straight edge with collinear vertices cannot cross its neighbours.
        on_bad = np.isin(edge_of, np.unique(inv[bad[cell]]))
        seg = (verts[ehi] - verts[elo])[edge_of]
        t = ((pts_e - verts[elo][edge_of]) * seg).sum(1) / np.maximum((seg**2).sum(1), 1e-18)
        pts_e = np.where(on_bad[:, None], verts[elo][edge_of] + seg * t[:, None], pts_e)
        polys = _assemble(verts, pts_e, a, inv, elo, n_e, off_e, lens)
    polys = np.where(shapely.is_valid(polys), polys, shapely.make_valid(polys))
    return _clip(polys, outline), pts


def _assemble(verts, pts_e, a, inv, elo, n_e, off_e, lens):
    """Rings from directed edges: vertex a, then the shared edge points in a's direction."""
    nv = len(verts)
    table = np.vstack([verts, pts_e])
    e = inv
    cnt = 1 + n_e[e]
    total = int(cnt.sum())
    d_start = np.concatenate([[0], np.cumsum(cnt)[:-1]])
    d_of = np.repeat(np.arange(len(a)), cnt)
    k = np.arange(total) - d_start[d_of]
    forward = (a == elo[e])[d_of]
    j = k - 1
    jj = np.where(forward, j, n_e[e][d_of] - 1 - j)
    idx = np.where(k == 0, a[d_of], nv + off_e[e][d_of] + jj)
    # close every ring by repeating its first coordinate
    cell_cnt = np.bincount(np.repeat(np.arange(len(lens)), lens), cnt, minlength=len(lens))
    cell_cnt = cell_cnt.astype(np.int64)
    cell_start = np.concatenate([[0], np.cumsum(cell_cnt)[:-1]])
    idx = np.insert(idx, cell_start + cell_cnt, idx[cell_start])
    ring_off = np.concatenate([[0], np.cumsum(cell_cnt + 1)])
    geom_off = np.arange(len(lens) + 1)
    return shapely.from_ragged_array(shapely.GeometryType.POLYGON, table[idx],
                                     (ring_off, geom_off))


def _clip(polys: np.ndarray, outline: shapely.Polygon) -> np.ndarray:
    """Cut cells to the coastline; cells well inland are untouched (vertices stay shared)."""
    shapely.prepare(outline)
    inside = shapely.contains_properly(outline, polys)
    out = polys.copy()
    for i in np.flatnonzero(~inside):
        piece = shapely.clip_by_rect(outline, *polys[i].bounds)
        if not shapely.is_valid(piece):
            piece = outline
        g = shapely.intersection(polys[i], piece)
        parts = shapely.get_parts(g)
        parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1.0)]
        out[i] = parts[0] if len(parts) == 1 else shapely.MultiPolygon(list(parts))
    return out


def nearest(centres: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for every point."""
    return cKDTree(centres).query(pts)[1]
