"""Synthetic StreetSafe inputs for the StreetSafe tests: a coast-clipped strip of LSOAs."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box

X0, Y0, SIDE = 630_000.0, 170_000.0, 500.0  # a 4 x 2 block of 500 m LSOAs; the sea lies north


def coast_lsoas() -> gpd.GeoDataFrame:
    """Eight LSOAs; the northern row is clipped at y = Y0 + 2*SIDE (the coastline)."""
    geoms, codes = [], []
    for r in range(2):
        for c in range(4):
            geoms.append(box(X0 + c * SIDE, Y0 + r * SIDE, X0 + (c + 1) * SIDE, Y0 + (r + 1) * SIDE))
            codes.append(f"E0100{r}{c:03d}")
    return gpd.GeoDataFrame({"lsoa_code": codes, "lsoa_name": codes}, geometry=geoms, crs=27700)


def coast_reports(rng: np.random.Generator, n_inside: int = 39, n_near: int = 11, n_far: int = 3
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, true LSOA index or -1, distance to the coast) for reports inland, on the beach, at sea."""
    top = Y0 + 2 * SIDE
    xi = rng.uniform(X0 + 1, X0 + 4 * SIDE - 1, n_inside)
    yi = rng.uniform(Y0 + 1, top - 1, n_inside)
    xn = rng.uniform(X0 + 1, X0 + 4 * SIDE - 1, n_near)
    dn = rng.uniform(5, 240, n_near)
    xf = rng.uniform(X0 + 1, X0 + 4 * SIDE - 1, n_far)
    df = rng.uniform(300, 2000, n_far)
    x = np.concatenate([xi, xn, xf])
    y = np.concatenate([yi, top + dn, top + df])
    col = np.floor((x - X0) / SIDE).astype(int)
    row = np.floor((y - Y0) / SIDE).astype(int)
    truth = np.where(np.arange(len(x)) < n_inside, row * 4 + col, 4 + col)  # near -> the coastal LSOA below
    truth[n_inside + n_near:] = -1
    dist = np.concatenate([np.zeros(n_inside), dn, df])
    return x, y, truth, dist


def write_reports(path: Path, x: np.ndarray, y: np.ndarray, months: list[str] | None = None,
                  reasons: list[str] | None = None, broken: int = 0) -> Path:
    """A StreetSafe CSV (easting/northing) with ``broken`` extra rows of impossible coordinates."""
    months = months or ["2025-03-14"] * len(x)
    reasons = reasons or ["Badly lit"] * len(x)
    lines = ["id,date,easting,northing,reasons"]
    for i, (xx, yy) in enumerate(zip(x, y, strict=True)):
        lines.append(f"R{i},{months[i]},{xx:.1f},{yy:.1f},{reasons[i]}")
    bad = [("", ""), ("abc", "def"), ("9999999", "170000"), ("630100", "-99999"), ("\\N", "\\N")]
    for k in range(broken):
        e, n = bad[k % len(bad)]
        lines.append(f"B{k},2025-03-14,{e},{n},Catcalled")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
