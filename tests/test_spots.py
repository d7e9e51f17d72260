"""Patrol spots on a planted study: the documented test (re-done with esda and scipy), the grouping
rule, the snap-point exclusion, the evidence, and the Kent acceptance figures."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from _paths import IMD_FILE1, KENT_BOUNDARIES, KENT_CRIME, KENT_PUBS, need_real
from shapely.geometry import box

from hotspots.data.errors import DataError
from hotspots.plans.spots import DOSAGE, build_spots, check_spots, group_cells
from hotspots.units.grid import build_grid

K = 20  # the study is K x K cells of 150 m, four LSOAs


def study() -> gpd.GeoDataFrame:
    half = K * 150 / 2
    geoms = [box(c * half, r * half, (c + 1) * half, (r + 1) * half) for r in range(2) for c in range(2)]
    g = gpd.GeoDataFrame({"lsoa_code": ["E0001", "E0002", "E0003", "E0004"],
                          "lsoa_name": ["Newtown 001A", "Newtown 001B", "Oldham 002A", "Oldham 002B"]},
                         geometry=geoms, crs=27700)
    g["area_km2"] = g.area / 1e6
    return g


def planted_crimes(seed: int = 0) -> pd.DataFrame:
    """Background crime, a busy cell on High Street, a hot 2 x 2 block, and a police station."""
    rng = np.random.default_rng(seed)
    rows = []

    def add(c, r, n, loc, ctype="Violence and sexual offences"):
        for _ in range(n):
            rows.append((c, r, loc, ctype, f"2021-{rng.integers(1, 13):02d}"))

    for c in range(K):
        for r in range(K):
            add(c, r, int(rng.poisson(0.5)), "On or near Back Lane", "Burglary")
    add(4, 4, 60, "On or near High Street")
    for c, r in ((12, 12), (13, 12), (12, 13), (13, 13)):
        add(c, r, 30, "On or near Parking Area", "Shoplifting")
        add(c, r, 5, "On or near Market Square")
    add(16, 4, 200, "On or near Police Station", "Public order")
    c, r, loc, ctype, month = zip(*rows, strict=True)
    c, r = np.array(c), np.array(r)
    x = (c + rng.uniform(0.1, 0.9, len(c))) * 150
    y = (r + rng.uniform(0.1, 0.9, len(c))) * 150
    half = K * 150 / 2
    lsoa = (x >= half).astype(int) + 2 * (y >= half).astype(int)
    return pd.DataFrame({"month": pd.Categorical(month), "crime_type": pd.Categorical(ctype),
                         "location": pd.Categorical(loc), "x": x, "y": y, "lsoa": lsoa.astype(np.int32)})


def pubs_at(points) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"Pub {k}" for k in range(len(points))]},
                            geometry=[shapely.Point(p) for p in points], crs=27700)


def test_spots_are_the_top_of_the_ranking_and_carry_the_cell_test_verdict():
    """No significance gate: the spots' cells are the busiest cells (partner places left out); each
    spot's p is its strongest cell's exact window-sum p (redone here by brute-force convolution on
    the dense lattice) and ``significant`` says whether one of its cells passes BH."""
    from hotspots.stats.cell_stats import bh_threshold

    b, crimes = study(), planted_crimes()
    res = build_spots(crimes, None, b, n_spots=10)
    assert res.spots
    keep = ~crimes["location"].astype(str).str.contains("Police Station").to_numpy()
    y = np.zeros(K * K, int)
    np.add.at(y, (np.floor(crimes["y"][keep] / 150) * K + np.floor(crimes["x"][keep] / 150)).astype(int), 1)
    top = int(y.max())
    spot_cells = {cid for s in res.spots for cid in s.cell_ids}
    first = {s.cell_ids[0] for s in res.spots}
    assert max(y) == max(res.value)  # the ranked value is the count without the station's crimes
    # the window sums and sizes recomputed on the dense lattice by array shifts; the tails from
    # window_sum_tails (pinned to brute-force enumeration in test_window_test)
    win = np.zeros((K, K), int)
    grid2 = y.reshape(K, K)
    wsize = np.zeros((K, K), int)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            sh = np.zeros((K + 2, K + 2), int)
            sh[1:-1, 1:-1] = grid2
            win += sh[1 + dr:K + 1 + dr, 1 + dc:K + 1 + dc]
            one = np.zeros((K + 2, K + 2), int)
            one[1:-1, 1:-1] = 1
            wsize += one[1 + dr:K + 1 + dr, 1 + dc:K + 1 + dc]
    from hotspots.stats.window_test import window_sum_tails

    tails = window_sum_tails(y[y > 0], K * K, int(win.max()))
    p = tails[wsize.ravel(), win.ravel()]
    thr = bh_threshold(p, 0.05)
    for s in res.spots:
        idx = []
        for cid in s.cell_ids:
            x0, y0 = (int(v) for v in cid[1:].split("N"))
            idx.append((y0 // 150) * K + x0 // 150)
        assert s.p_value == pytest.approx(p[idx].min(), rel=1e-9)  # exact; shown no finer than 0.0001
        assert s.significant == bool((p[idx] <= thr).any())
    assert res.spots[0].significant  # the planted 2 x 2 block
    assert res.summary()["significance"]["significant_hot_cells"] == int((p <= thr).sum())
    assert "window sum" in res.summary()["significance"]["test"]
    assert top in [y[(int(c[1:].split("N")[1]) // 150) * K + int(c[1:].split("N")[0]) // 150] for c in first]
    assert spot_cells


def test_station_crimes_are_left_out_of_spots_and_counted():
    b, crimes = study(), planted_crimes()
    res = build_spots(crimes, None, b, n_spots=10)
    station = "E2400N600"
    assert all(station not in s.cell_ids for s in res.spots)
    assert res.exclusions.total == 200 and res.exclusions.by_kind["police_station"] == 200
    assert res.summary()["snap_points"]["excluded"] == 200
    # kept in every other count: the cell table still holds them
    assert res.cells.crimes.sum() == len(crimes)
    # and with the rule off, the station is the top spot
    off = build_spots(crimes, None, b, n_spots=10, exclude_snap=False)
    assert station in off.spots[0].cell_ids


def test_spots_are_ranked_compact_and_named():
    b, crimes = study(), planted_crimes()
    pubs = pubs_at([(4.5 * 150, 4.5 * 150), (4 * 150 - 90, 4.5 * 150), (4 * 150 - 120, 4.5 * 150), (2000, 2000)])
    res = build_spots(crimes, None, b, n_spots=10, pubs=pubs)
    ranks = [s.rank for s in res.spots]
    assert ranks == list(range(1, len(ranks) + 1))
    assert [s.value for s in res.spots] == sorted((s.value for s in res.spots), reverse=True)
    for s in res.spots:
        assert 1 <= s.n_cells <= 4
        x0, y0, x1, y1 = s.geometry.bounds
        assert x1 - x0 <= 300 + 1e-6 and y1 - y0 <= 300 + 1e-6
        assert s.area_km2 == pytest.approx(s.geometry.area / 1e6)
        assert s.dosage == DOSAGE and "time of day" in s.dosage
    block = res.spots[0]  # the 2 x 2 block: 140 crimes
    assert sorted(block.cell_ids) == sorted(["E1800N1800", "E1950N1800", "E1800N1950", "E1950N1950"])
    assert block.name == "Parking area by Market Square, Oldham"
    assert any("place, not a street" in f for f in block.flags)
    assert block.crimes_by_type["Shoplifting"] == 120
    busy = next(s for s in res.spots if "E600N600" in s.cell_ids)
    assert busy.name.startswith("High Street") and busy.town == "Newtown"
    # pubs within 100 m, by an independent distance
    d = pubs.distance(busy.geometry)
    assert busy.pubs_100m == int((d <= 100).sum()) >= 2
    # centre lat/lon by geopandas
    c = gpd.GeoSeries([busy.geometry.centroid], crs=27700).to_crs(4326).iloc[0]
    assert busy.centre_lon == pytest.approx(c.x) and busy.centre_lat == pytest.approx(c.y)
    assert sum(busy.crimes_by_month.values()) == busy.crimes
    n_all = len(crimes)
    assert busy.share_of_crimes == pytest.approx(busy.crimes / n_all)
    assert busy.pai == pytest.approx(busy.share_of_crimes / (busy.area_km2 / b["area_km2"].sum()))


def test_grouping_rule_by_hand():
    b = gpd.GeoDataFrame({"lsoa_code": ["A"], "lsoa_name": ["A 001A"]}, geometry=[box(0, 0, 3000, 3000)], crs=27700)
    cells = [(5, 5), (6, 5), (5, 6), (6, 6), (7, 5), (10, 10), (4, 4), (15, 15)]
    x = np.array([(c + 0.5) * 150 for c, _ in cells])
    y = np.array([(r + 0.5) * 150 for _, r in cells])
    grid, pos = build_grid(b, x, y, 150)
    spots = group_cells(grid, pos, n_spots=3)
    got = [sorted((int(grid.col[p]), int(grid.row[p])) for p in s) for s in spots]
    # the 2 x 2 block fills spot 1; (7, 5) would make it 5 cells and 3 wide: a new spot;
    # (10, 10) is spot 3; (4, 4) would start spot 4: the plan ends there
    assert got == [[(5, 5), (5, 6), (6, 5), (6, 6)], [(7, 5)], [(10, 10)]]
    one = group_cells(grid, pos, n_spots=1)
    assert len(one) == 1 and sorted(one[0].tolist()) == sorted(spots[0].tolist())


def test_bad_settings_are_data_errors():
    b, crimes = study(), planted_crimes()
    with pytest.raises(DataError, match="patrol spots") as e:
        build_spots(crimes, None, b, n_spots=0)
    assert e.value.setting == "spots"
    with pytest.raises(DataError, match="cell size") as e:
        build_spots(crimes, None, b, cell=10)
    assert e.value.setting == "cell"
    for bad in (2.5, "x", 501):
        with pytest.raises(DataError):
            check_spots(bad)
    assert check_spots("7") == 7


def test_no_significant_cell_means_spots_that_say_so():
    # one crime in every cell: no variation, nothing stands out; the ranking still gives spots
    b = study()
    c, r = np.meshgrid(np.arange(K), np.arange(K))
    n = K * K
    crimes = pd.DataFrame({"month": pd.Categorical(["2021-01"] * n), "crime_type": pd.Categorical(["Burglary"] * n),
                           "location": pd.Categorical(["On or near A"] * n), "x": (c.ravel() + 0.5) * 150.0,
                           "y": (r.ravel() + 0.5) * 150.0, "lsoa": np.zeros(n, np.int32)})
    res = build_spots(crimes, None, b)
    assert res.spots and not any(s.significant for s in res.spots)
    assert res.summary()["significance"]["significant_hot_cells"] == 0
    assert any("no cell passes the cell test" in n for n in res.notes)


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("types", [None, ["Violence and sexual offences"]])
def test_kent_acceptance_train_jan_sep_test_oct_dec(types):
    """Spots vs the naive 150 m ranking at the same area, by an independent point-in-polygon count."""
    need_real(KENT_BOUNDARIES, KENT_CRIME, KENT_PUBS, IMD_FILE1)
    from hotspots.data.boundaries import read_boundaries
    from hotspots.data.crimes import read_crimes
    from hotspots.lsoa.table import filter_crimes

    b, _ = read_boundaries(KENT_BOUNDARIES)
    crimes, _ = read_crimes(KENT_CRIME, b)
    train, _ = filter_crimes(crimes, types, "2021-01", "2021-09")
    test, _ = filter_crimes(crimes, types, "2021-10", "2021-12")
    months, _ = filter_crimes(crimes, None, "2021-01", "2021-09")
    test_months, _ = filter_crimes(crimes, None, "2021-10", "2021-12")
    # the test months' partner-place crimes (the same rules on the test months)
    at_partner = build_spots(crimes, test, b, mix_mask=test_months, with_evidence=False).partners.mask[test]
    trx, try_ = crimes["x"].to_numpy()[train], crimes["y"].to_numpy()[train]
    tr_cells = pd.Series(list(zip(np.floor(trx / 150), np.floor(try_ / 150), strict=True))).value_counts()
    tx, ty = crimes["x"].to_numpy()[test], crimes["y"].to_numpy()[test]
    te_cells = np.array([hash(c) for c in zip(np.floor(tx / 150), np.floor(ty / 150), strict=True)])

    def capture(res, among):
        union = shapely.union_all([s.geometry for s in res.spots])
        captured = shapely.contains_xy(union, tx[among], ty[among]).sum() / among.sum()
        # naive: 150 m cells ranked by training count, as many as the spots' area holds
        k = int(round(union.area / 150 ** 2))
        top = {hash(c) for c in tr_cells.sort_values(ascending=False, kind="mergesort").index[:k]}
        return captured, np.isin(te_cells[among], list(top)).sum() / among.sum()

    everything = np.ones(len(tx), bool)
    kept = build_spots(crimes, train, b, mix_mask=months, keep_partner_places=True, with_evidence=False)
    got, naive = capture(kept, everything)
    assert got >= 0.95 * naive  # the ranking: the naive cells grouped into places
    res = build_spots(crimes, train, b, mix_mask=months)
    assert 5 <= len(res.spots) <= 60
    areas = np.array([s.geometry.area / 1e6 for s in res.spots])
    assert np.median(areas) <= 0.1 and areas.max() <= 0.5
    # the default leaves hospitals, a shopping complex, police stations and prisons to their partners:
    # on the crime a patrol can reach (not at a partner place) it beats the naive cells
    got, naive = capture(res, ~at_partner)
    assert got >= 0.95 * naive


def test_harm_measure_ranks_cells_by_harm():
    b, crimes = study(), planted_crimes()
    rng = np.random.default_rng(9)
    extra = pd.DataFrame({"month": "2021-03", "crime_type": "Robbery", "location": "On or near Dark Lane",
                          "x": (8 + rng.uniform(0.2, 0.8, 25)) * 150, "y": (15 + rng.uniform(0.2, 0.8, 25)) * 150,
                          "lsoa": np.int32(2)})
    allc = pd.concat([crimes.astype({"month": str, "crime_type": str, "location": str}), extra], ignore_index=True)
    for col in ("month", "crime_type", "location"):
        allc[col] = allc[col].astype("category")
    by_count = build_spots(allc, None, b, n_spots=3)
    by_harm = build_spots(allc, None, b, n_spots=3, measure="harm")
    assert "E1200N2250" not in by_count.spots[0].cell_ids  # 25 robberies are fewer crimes than the block
    assert by_harm.spots[0].cell_ids == ("E1200N2250",)  # 25 x 365 days of harm outweigh everything
    assert by_harm.spots[0].value == pytest.approx(by_harm.spots[0].harm)
