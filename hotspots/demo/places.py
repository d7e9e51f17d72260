"""Places in the town: police.uk-style snap points and the Open Pubs list.

police.uk moves every crime to one of a fixed set of anonymisation points ("On or near High
Street"), so the demo's crimes and StreetSafe reports are placed on such points too: named
streets in the centre, a few invented streets per LSOA elsewhere, and landmarks. The pubs
carry the real file's quirks (a venue under two names, un-geocoded rows).
"""

from __future__ import annotations

__all__ = ["along", "snap_points", "pubs"]

import numpy as np
import shapely

from .plan import LANDMARKS, NIGHTLIFE, OTHER_PLACES, PUB_NAMES, STREETS, X0, Y0
from .town import Town, to_bng, to_lonlat

_PREFIX = ["Oak", "Ash", "Mill", "Orchard", "Willow", "Beech", "Elm", "Chestnut", "Hawthorn", "Holly",
           "Rowan", "Manor", "Farm", "Cherry", "Fern", "Heather", "Ivy", "Juniper", "Laurel", "Maple",
           "Poplar", "Sycamore", "Birch", "Cedar", "Hazel", "Linden", "Alder", "Brook", "Tanners",
           "Weavers", "Coopers", "Glebe", "Meadow", "Copse", "Furlong", "Badger", "Swallow", "Lark",
           "Wren", "Thrush", "Coppice", "Barley", "Clover", "Saxon", "Tithe", "Pound", "Kiln", "Dray",
           "Bramble", "Foxglove", "Primrose", "Bluebell", "Cowslip", "Teasel", "Sorrel", "Yarrow",
           "Wharfdale", "Ferrier", "Chandler", "Thatcher", "Mason", "Fletcher", "Fuller", "Miller"]
_SUFFIX = ["Road", "Lane", "Close", "Avenue", "Drive", "Way", "Crescent", "Gardens", "Grove", "Place",
           "Terrace", "Rise", "View", "Mews", "Court"]


def along(points: list[tuple[float, float]], step: float) -> np.ndarray:
    """Points every ``step`` metres along a local polyline, in BNG."""
    line = shapely.LineString(np.asarray(points, float) + (X0, Y0))
    return shapely.get_coordinates(shapely.line_interpolate_point(line, np.arange(0, line.length, step)))


def _locate(town: Town, x: np.ndarray, y: np.ndarray, margin: float) -> np.ndarray:
    """Index of the LSOA holding each point, or -1 when outside or within ``margin`` of an edge."""
    pts = shapely.points(x, y)
    p_idx, f_idx = shapely.STRtree(town.geoms).query(pts, predicate="within")
    out = np.full(len(x), -1)
    out[p_idx] = f_idx
    ok = out >= 0
    far = shapely.distance(shapely.boundary(town.geoms[out[ok]]), pts[ok]) >= margin
    out[np.flatnonzero(ok)[~far]] = -1
    return out


def snap_points(town: Town, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """police.uk-like anonymisation points: named streets in the centre, a few per LSOA elsewhere."""
    xs, ys, labels = [], [], []
    for street, pts in STREETS.items():
        xy = along(pts, 40.0 if street in NIGHTLIFE else 60.0)
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
    lon, lat = to_lonlat(x[keep], y[keep])
    return {"x": x[keep], "y": y[keep], "label": label[keep], "lsoa": lsoa[keep], "lon": lon, "lat": lat}


def pubs(town: Town, rng: np.random.Generator) -> list[dict]:
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
    club = to_bng(*LANDMARKS["Nightclub"])
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
