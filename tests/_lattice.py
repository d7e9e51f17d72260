"""A square lattice with planted space-time patterns, for the emerging hot spot tests.

Cells are areas with queen contiguity (8 neighbours inside the lattice), counts are Poisson
per cell per month. Four 3 x 3 blocks are planted in the four quadrants: hot every month
(persistent), rising, falling, and hot only in the last month (new); every other cell is
background. "Quiet far" cells are more than two cells (Chebyshev distance) from any block,
beyond the reach of any block's space-time neighbourhood.
"""

from __future__ import annotations

import numpy as np

from hotspots.stats.weights import Weights

EXPECTED = {"persistent": "Persistent Hot Spot", "rising": "Intensifying Hot Spot",
            "falling": "Diminishing Hot Spot", "new": "New Hot Spot"}


def lattice_weights(rows: int, cols: int) -> Weights:
    """Queen contiguity on a rows x cols grid of square cells (ids row-major)."""
    idx = np.arange(rows * cols).reshape(rows, cols)
    i, j = [], []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0, r1 = 0, rows - dr
        c0, c1 = max(0, -dc), cols - max(0, dc)
        i.append(idx[r0:r1, c0:c1].ravel())
        j.append(idx[r0 + dr:r1 + dr, c0 + dc:c1 + dc].ravel())
    return Weights(rows * cols, np.concatenate(i), np.concatenate(j))


def planted(seed: int, *, rows: int = 24, cols: int = 24, months: int = 12, background: float = 2.0,
            hot: float = 15.0, rise: tuple[float, float] = (10.0, 30.0), fall: tuple[float, float] = (30.0, 10.0),
            new: float = 20.0, size: int = 3):
    """Counts (cells x months), weights, the block masks and the quiet-far mask."""
    rng = np.random.default_rng(seed)
    lam = np.full((rows, cols, months), float(background))
    t = np.linspace(0.0, 1.0, months)
    centres = {"persistent": (rows // 4, cols // 4), "rising": (rows // 4, 3 * cols // 4),
               "falling": (3 * rows // 4, cols // 4), "new": (3 * rows // 4, 3 * cols // 4)}
    blocks = {}
    for name, (r, c) in centres.items():
        sl = (slice(r - size // 2, r - size // 2 + size), slice(c - size // 2, c - size // 2 + size))
        if name == "persistent":
            lam[sl] = hot
        elif name == "rising":
            lam[sl] = rise[0] + (rise[1] - rise[0]) * t
        elif name == "falling":
            lam[sl] = fall[0] + (fall[1] - fall[0]) * t
        else:
            lam[sl[0], sl[1], -1] = new
        mask = np.zeros((rows, cols), dtype=bool)
        mask[sl] = True
        blocks[name] = mask.ravel()
    counts = rng.poisson(lam).reshape(rows * cols, months).astype(float)
    rr, cc = np.divmod(np.arange(rows * cols), cols)
    in_block = np.flatnonzero(np.any(np.stack(list(blocks.values())), axis=0))
    br, bc = np.divmod(in_block, cols)
    dist = np.min(np.maximum(np.abs(rr[:, None] - br[None, :]), np.abs(cc[:, None] - bc[None, :])), axis=1)
    return counts, lattice_weights(rows, cols), blocks, dist > 2


def planted_study(tmp_path, seed: int = 0, **kwargs):
    """:func:`planted` written as a study: square LSOA boundaries (GeoJSON) and a police.uk CSV.

    Returns the boundary path, the crime path, the code of every cell (row-major, as in
    :func:`planted`), the block masks and the quiet-far mask.
    """
    import json

    from _study import HEADER

    rows_n, cols_n = kwargs.get("rows", 24), kwargs.get("cols", 24)
    counts, _, blocks, quiet = planted(seed, **kwargs)
    rng = np.random.default_rng(seed + 1000)
    step = 0.01
    feats, lines, codes = [], [], []
    for r in range(rows_n):
        for c in range(cols_n):
            # corners from whole indices, so neighbours share them exactly (queen by shared vertices)
            x0, x1 = 0.5 + c * step, 0.5 + (c + 1) * step
            y0, y1 = 51.2 - r * step, 51.2 - (r - 1) * step
            code = f"E01{r:03d}{c:03d}"
            codes.append(code)
            ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
            feats.append({"type": "Feature", "properties": {"LSOA11CD": code, "LSOA11NM": f"Grid {r:03d}{'ABCD'[c % 4]}"},
                          "geometry": {"type": "Polygon", "coordinates": [ring]}})
            for m, k in enumerate(counts[r * cols_n + c].astype(int)):
                for q in range(k):
                    lon, lat = x0 + step * (0.1 + 0.8 * rng.random()), y0 + step * (0.1 + 0.8 * rng.random())
                    lines.append(f"c{r}-{c}-{m}-{q},2021-{m + 1:02d},X,X,{lon:.6f},{lat:.6f},On or near Grid,"
                                 f"{code},Grid,Burglary,,\n")
    b = tmp_path / "grid.geojson"
    b.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    crimes = tmp_path / "grid-crimes.csv"
    crimes.write_text(HEADER + "".join(lines))
    return b, crimes, np.array(codes), blocks, quiet
