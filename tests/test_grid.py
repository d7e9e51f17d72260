"""The sparse micro-place grid: ids, counts against an independent binning, grid size, windows."""

from __future__ import annotations

import math
from collections import Counter

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real
from shapely.geometry import Polygon, box

from hotspots.data.errors import DataError
from hotspots.units.cell_counts import count_cells
from hotspots.units.grid import (
    build_grid,
    cell_ids,
    check_cell,
    count_centres_inside,
    grid_keys,
    keys_from_ids,
)


def two_lsoas() -> gpd.GeoDataFrame:
    """Two LSOAs side by side, 1,200 m x 900 m each, not aligned on the 150 m grid."""
    g = gpd.GeoDataFrame({"lsoa_code": ["A", "B"], "lsoa_name": ["Alpha 001A", "Beta 002B"]},
                         geometry=[box(500_010, 200_020, 501_210, 200_920), box(501_210, 200_020, 502_410, 200_920)],
                         crs=27700)
    g["area_km2"] = g.area / 1e6
    return g


def random_crimes(b: gpd.GeoDataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = b.total_bounds
    # clustered: half the points near three centres
    x = np.concatenate([rng.uniform(x0, x1, n // 2), rng.normal(500_700, 60, n // 4), rng.normal(501_900, 40, n - n // 2 - n // 4)])
    y = np.concatenate([rng.uniform(y0, y1, n // 2), rng.normal(200_500, 60, n // 4), rng.normal(200_300, 40, n - n // 2 - n // 4)])
    x, y = np.clip(x, x0 + 1, x1 - 1), np.clip(y, y0 + 1, y1 - 1)
    lsoa = (x >= 501_210).astype(np.int32)
    types = rng.choice(["Burglary", "Robbery", "Shoplifting"], n)
    return pd.DataFrame({"month": "2021-01", "crime_type": pd.Categorical(types), "location": "On or near X",
                         "x": x, "y": y, "lsoa": lsoa})


def test_ids_are_the_lower_left_corner_in_metres_and_round_trip():
    col, row, key = grid_keys(np.array([551_900.0, 551_850.0, 551_849.99]), np.array([156_350.0, 156_300.0, 156_300.0]), 150)
    ids = cell_ids(col, row, 150)
    assert list(ids) == ["E551850N156300", "E551850N156300", "E551700N156300"]
    assert (keys_from_ids(ids, 150) == key).all()


def test_cell_size_is_checked():
    assert check_cell(150) == 150.0
    for bad in (20, 600, "x", float("nan")):
        with pytest.raises(DataError) as e:
            check_cell(bad)
        assert e.value.setting == "cell" and "cell size" in str(e.value)


def test_counts_equal_an_independent_binning():
    b = two_lsoas()
    crimes = random_crimes(b, 3000, seed=1)
    grid, pos = build_grid(b, crimes["x"], crimes["y"], 150, lsoa=crimes["lsoa"].to_numpy())
    weights = {"Burglary": 40.0, "Robbery": 365.0, "Shoplifting": 2.0}
    counts = count_cells(grid, pos, crimes, None, b, harm_weights=weights)
    # independent: Python floor division per point, and shapely boxes for containment
    ref = Counter((math.floor(x / 150), math.floor(y / 150)) for x, y in zip(crimes["x"], crimes["y"], strict=True))
    harm = Counter()
    for x, y, t in zip(crimes["x"], crimes["y"], crimes["crime_type"], strict=True):
        harm[(math.floor(x / 150), math.floor(y / 150))] += weights[t]
    got = {(int(c), int(r)): int(n) for c, r, n in zip(grid.col, grid.row, counts.crimes, strict=True) if n}
    assert got == dict(ref)
    occ = np.flatnonzero(counts.crimes > 0)
    for p in occ[:40]:
        inside = shapely.contains_xy(grid.boxes(np.array([p]))[0], crimes["x"], crimes["y"]).sum()
        assert inside == counts.crimes[p]
        assert counts.harm[p] == pytest.approx(harm[(int(grid.col[p]), int(grid.row[p]))])
    assert counts.crimes.sum() == len(crimes)


def test_only_occupied_cells_and_their_neighbours_are_materialised():
    b = two_lsoas()
    crimes = random_crimes(b, 300, seed=2)
    grid, pos = build_grid(b, crimes["x"], crimes["y"], 150)
    occ = {(c, r) for c, r in zip(grid.col[grid.occupied], grid.row[grid.occupied], strict=True)}
    expect = {(c + dc, r + dr) for c, r in occ for dc in (-1, 0, 1) for dr in (-1, 0, 1)}
    assert set(zip(grid.col.tolist(), grid.row.tolist(), strict=True)) == expect
    assert np.all(np.diff(grid.key) > 0)


def test_grid_size_counts_cell_centres_in_the_study_area():
    b = two_lsoas()
    # brute force over the bounding box
    x0, y0, x1, y1 = b.total_bounds
    cols = np.arange(math.floor(x0 / 150) - 1, math.ceil(x1 / 150) + 1)
    rows = np.arange(math.floor(y0 / 150) - 1, math.ceil(y1 / 150) + 1)
    cx, cy = np.meshgrid((cols + 0.5) * 150, (rows + 0.5) * 150)
    union = shapely.union_all(b.geometry.values)
    brute = int(shapely.contains_xy(union, cx.ravel(), cy.ravel()).sum())
    assert count_centres_inside(b.geometry.values, 150) == brute
    # an irregular polygon with a hole
    poly = Polygon([(0, 0), (3000, 100), (2500, 2600), (400, 1900)], holes=[[(1000, 800), (1500, 800), (1500, 1300)]])
    cx, cy = np.meshgrid((np.arange(-2, 25) + 0.5) * 150, (np.arange(-2, 25) + 0.5) * 150)
    assert count_centres_inside(np.array([poly]), 150) == int(shapely.contains_xy(poly, cx.ravel(), cy.ravel()).sum())


def test_windows_and_membership_at_the_edge():
    # one LSOA exactly 10 x 10 cells: the corner cell's window holds 4 grid cells, an inner one 9
    b = gpd.GeoDataFrame({"lsoa_code": ["A"], "lsoa_name": ["A 001A"]}, geometry=[box(0, 0, 1500, 1500)], crs=27700)
    x = np.array([10.0, 700.0])
    y = np.array([10.0, 700.0])
    grid, _ = build_grid(b, x, y, 150)
    assert grid.n_cells == 100
    w = dict(zip(zip(grid.col.tolist(), grid.row.tolist(), strict=True), grid.window.tolist(), strict=True))
    assert w[(0, 0)] == 4 and w[(4, 4)] == 9 and w[(1, 0)] == 6
    assert not grid.in_grid[grid.lookup(grid_keys(np.array([-10.0]), np.array([-10.0]), 150)[2])[0]]


def test_cell_lsoa_is_where_most_of_its_crimes_lie():
    b = two_lsoas()
    # a cell straddling the A/B edge at x=501,210: 3 crimes placed in B, 1 in A
    x = np.array([501_205.0, 501_215, 501_220, 501_230])
    y = np.full(4, 200_400.0)
    grid, pos = build_grid(b, x, y, 150, lsoa=np.array([0, 1, 1, 1]))
    counts = count_cells(grid, pos, pd.DataFrame({"crime_type": ["Burglary"] * 4}), None, b)
    assert len(np.unique(pos)) == 1  # all four in the cell E501150N200400
    assert counts.lsoa_code[pos[0]] == "B" and counts.lsoa_name[pos[0]] == "Beta 002B"
    assert grid.ids_at(pos[:1])[0] == "E501150N200400"
    # an empty neighbour takes the LSOA of its centre: the cell to the left is in A
    left = grid.lookup(grid_keys(np.array([501_100.0]), np.array([200_400.0]), 150)[2])[0]
    assert counts.lsoa_code[left] == "A"


@pytest.mark.realdata
def test_kent_grid_is_sparse_and_its_size_matches_the_area():
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    from hotspots.data.boundaries import read_boundaries
    from hotspots.data.crimes import read_crimes

    b, _ = read_boundaries(KENT_BOUNDARIES)
    crimes, _ = read_crimes(sorted(KENT_CRIME.glob("2021-0[1-3]-*.csv")), b)
    grid, pos = build_grid(b, crimes["x"], crimes["y"], 150, lsoa=crimes["lsoa"].to_numpy())
    expect = b["area_km2"].sum() / 0.0225
    assert abs(grid.n_cells - expect) / expect < 0.005
    assert len(grid) < 0.4 * grid.n_cells
    # each crime's cell holds it (independent floor binning)
    assert (grid.col[pos] == np.floor(crimes["x"].to_numpy() / 150)).all()
    assert (grid.row[pos] == np.floor(crimes["y"].to_numpy() / 150)).all()
