"""Patrol zones from cells: the grouping rule on hand-made grids, the LSOA overlap rule, polygon-only
geometry, the settings, and (real data) Kent's held-out months against the naive plans."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real
from _zone_stages import staged_cells
from shapely.geometry import box
from test_zones import crimes_at, planted_analysis

from hotspots.data.errors import DataError
from hotspots.plans.cell_zones import (
    ZoneRule,
    candidate_cells,
    cell_zone_groups,
    check_zone_share,
    check_zones,
    link_groups,
    split_to_box,
    window_sums,
)
from hotspots.plans.patrol_zones import overlap_zone_of, polygonal
from hotspots.plans.zone_names import unique_names, zone_name
from hotspots.study import Settings
from hotspots.units.grid import _key

CELL = 150.0


def _grid(cells: dict[tuple[int, int], float]):
    """col, row, key, value arrays of a hand-made grid (cells not listed do not exist)."""
    col = np.array([c for c, _ in cells], np.int64)
    row = np.array([r for _, r in cells], np.int64)
    return col, row, _key(col, row), np.array(list(cells.values()), float)


def _spans(col, row, groups):
    return [max(int(np.ptp(col[g])), int(np.ptp(row[g]))) + 1 for g in groups]


# --- the rule on hand-made grids ----------------------------------------------------------------

def test_candidates_are_the_shortest_prefix_reaching_the_share():
    v = np.array([1.0, 10.0, 0.0, 5.0, 4.0])
    key = np.arange(5)
    assert candidate_cells(v, key, 0.5).tolist() == [1]  # 10 of 20
    assert candidate_cells(v, key, 0.51).tolist() == [1, 3]
    assert candidate_cells(v, key, 0.9).tolist() == [1, 3, 4]  # the empty cell never counts
    assert candidate_cells(np.zeros(3), np.arange(3), 0.5).tolist() == []


def test_ties_go_to_the_cell_with_more_crime_around_it():
    # three cells of 5; the one at (10, 0) has a neighbour of 3, so it is taken first at the cut
    col, row, key, v = _grid({(0, 0): 5.0, (5, 0): 5.0, (10, 0): 5.0, (11, 0): 3.0})
    tb = window_sums(col, row, key, v)
    assert tb.tolist() == [5.0, 5.0, 8.0, 8.0]
    assert candidate_cells(v, key, 0.25, tb).tolist() == [2]
    assert candidate_cells(v, key, 0.25).tolist() == [0]  # without: by key (west first)


def test_gap_links_cells_with_up_to_gap_empty_cells_between():
    col, row = np.array([0, 2, 6, 6]), np.array([0, 0, 0, 5])
    assert len(set(link_groups(col, row, gap=0).tolist())) == 4
    lab = link_groups(col, row, gap=1)  # (0,0)-(2,0): one empty cell between
    assert lab[0] == lab[1] and len(set(lab.tolist())) == 3
    lab = link_groups(col, row, gap=3)  # (2,0)-(6,0): three empty cells; (6,0)-(6,5): four
    assert lab[0] == lab[1] == lab[2] != lab[3]


def test_ranking_compactness_and_lone_cells_on_a_hand_made_grid():
    cells = {}
    for c in range(3):  # a 3x3 town centre, 20 crimes a cell (180)
        for r in range(3):
            cells[(c, r)] = 20.0
    for c in range(40, 70):  # a 30-cell high street (4.5 km) of 8 a cell (240): longer than 2 km
        cells[(c, 0)] = 8.0
    for c in range(100, 102):  # a pair of cells (too small for a zone)
        cells[(c, 0)] = 30.0
    cells[(200, 200)] = 50.0  # one very busy lone cell: a patrol spot, not a zone
    col, row, key, v = _grid(cells)
    groups = cell_zone_groups(col, row, key, v, CELL, ZoneRule(share=1.0 - 1e-9, gap=1, min_cells=3, attach=False))
    totals = [float(v[g].sum()) for g in groups]
    assert totals == sorted(totals, reverse=True)  # ranked by their total
    spans = _spans(col, row, groups)
    assert max(spans) * CELL <= 2000.0  # each fits a 2 km square
    # the 4.5 km street is split into 13-cell parts (1,950 m); the centre is one zone of 9 cells
    assert sorted(len(g) for g in groups) == [4, 9, 13, 13]
    members = {(int(col[i]), int(row[i])) for g in groups for i in g}
    assert (200, 200) not in members and (100, 0) not in members  # lone cell and pair dropped
    assert all(len(g) >= 3 for g in groups)
    street = [g for g in groups if len(g) == 13]
    assert all(np.ptp(row[g]) == 0 for g in street)
    # each zone lists its cells best first
    for g in groups:
        assert (np.diff(v[g]) <= 0).all()


def test_left_out_cells_attach_to_the_nearest_zone_whose_square_they_fit():
    cells = {(c, r): 10.0 for c in range(3) for r in range(3)}  # a 3x3 zone
    cells[(7, 1)] = 9.0  # four cells from the zone: not linked (gap 2), but inside its 2 km square
    cells[(30, 1)] = 9.5  # 27 cells away: outside any zone's square
    col, row, key, v = _grid(cells)
    for attach, want in ((True, {(7, 1)}), (False, set())):
        groups = cell_zone_groups(col, row, key, v, CELL, ZoneRule(share=1.0 - 1e-9, gap=2, attach=attach))
        assert len(groups) == 1
        members = {(int(col[i]), int(row[i])) for i in groups[0]}
        assert members - {(c, r) for c in range(3) for r in range(3)} == want
        assert (30, 1) not in members
        assert _spans(col, row, groups)[0] * CELL <= 2000.0


def test_split_grows_from_the_best_cell():
    # a 20-cell line, the busiest cell at column 15: the first part is the 13-cell window around it
    col = np.arange(20)
    row = np.zeros(20, np.int64)
    v = np.ones(20)
    v[15] = 10.0
    parts = split_to_box(col, row, v, _key(col, row), span=13, gap=1)
    assert 15 in parts[0] and len(parts[0]) == 13
    assert sorted(np.concatenate(parts).tolist()) == list(range(20))  # every cell in exactly one part
    assert all(np.ptp(col[p]) < 13 for p in parts)


def test_max_zones_and_share_and_order_independence():
    rng = np.random.default_rng(3)
    cells = {}
    for k in range(60):  # 60 separate 2x2 blocks of random weight
        w = float(rng.integers(1, 50))
        for dc in (0, 1):
            for dr in (0, 1):
                cells[(k * 10 + dc, dr)] = w
    col, row, key, v = _grid(cells)
    g40 = cell_zone_groups(col, row, key, v, CELL, ZoneRule(share=0.9, max_zones=40, min_cells=3))
    assert len(g40) == 40
    assert len(cell_zone_groups(col, row, key, v, CELL, ZoneRule(share=0.9, max_zones=5, min_cells=3))) == 5
    perm = rng.permutation(len(col))  # the same grid in another row order gives the same zones
    g2 = cell_zone_groups(col[perm], row[perm], key[perm], v[perm], CELL, ZoneRule(share=0.9, max_zones=40))
    assert [sorted(key[g].tolist()) for g in g40] == [sorted(key[perm][g].tolist()) for g in g2]


# --- the LSOA overlap rule and geometry ---------------------------------------------------------

def test_zone_id_is_the_zone_overlapping_the_lsoa_most():
    lsoas = np.array([box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100), box(500, 0, 600, 100)])
    z1 = box(0, 0, 130, 100)  # all of LSOA 0, 30% of LSOA 1
    z2 = box(130, 0, 260, 100)  # 70% of LSOA 1, 60% of LSOA 2
    zone_of, rows, areas = overlap_zone_of([z1, z2], lsoas)
    assert zone_of.tolist() == [1, 2, 2, 0]
    assert rows[0].tolist() == [0, 1] and rows[1].tolist() == [1, 2]
    assert areas[0].tolist() == pytest.approx([10_000, 3_000])
    # an equal overlap stays with the better-ranked zone; touching along an edge is no overlap
    zone_of, rows, _ = overlap_zone_of([box(0, 0, 150, 100), box(150, 0, 300, 100)], lsoas)
    assert zone_of.tolist() == [1, 1, 2, 0]
    assert rows[0].tolist() == [0, 1]


def test_polygonal_keeps_only_polygons():
    corner = shapely.union_all([box(0, 0, 1, 1), box(1, 1, 2, 2)])  # cells touching at a corner
    assert polygonal(corner).geom_type in ("Polygon", "MultiPolygon") and polygonal(corner).area == 2
    mixed = shapely.GeometryCollection([box(0, 0, 1, 1), shapely.LineString([(5, 5), (6, 6)]),
                                        shapely.Point(9, 9)])
    out = polygonal(mixed)
    assert out.geom_type == "Polygon" and out.area == 1
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])  # invalid: repaired to two triangles
    out = polygonal(bowtie)
    assert out.is_valid and out.geom_type == "MultiPolygon" and out.area == pytest.approx(2)


def _lattice_analysis(zone_share=0.9, location="On or near High Street"):
    n = 8
    block = [r * n + c for r in range(3) for c in range(3)]
    crimes = pd.concat([crimes_at(dict.fromkeys(block, 30), n, location=location),
                        crimes_at(dict.fromkeys(block, 10), n, location="On or near Supermarket"),
                        crimes_at({63: 40}, n, location="On or near Lone Road")])
    a, layers = planted_analysis(n, n, crimes, hh=block, settings=Settings(permutations=99, seed=2))
    return staged_cells(a, layers, zone_share=zone_share), layers


def test_stage_on_a_lattice_names_fields_and_zone_id(tmp_path):
    a, _ = _lattice_analysis()
    z = a.zone_frame
    assert len(z) == 1  # the 2x2 cells of the hot block; the lone busy cell at LSOA 63 is no zone
    first = z.iloc[0]
    assert first["n_cells"] == 4 and first["crimes"] == 360 and first["extent_m"] == 300.0
    assert first["area_km2"] == pytest.approx(4 * 0.0225)
    assert shapely.area(z.geometry.iloc[0]) == pytest.approx(4 * 22_500)  # the union of its cells, not a hull
    assert first["name"] == "Cell L0000: High Street"  # town from the LSOA name; never "Supermarket"
    assert "Supermarket" not in first["top_streets"]
    assert set(first["lsoa_codes"].split(";")) == {f"L{r:02d}{c:02d}" for r in range(3) for c in range(3)}
    assert a.table["zone_id"].notna().sum() == 9 and a.zones.zone_of.sum() == 9
    assert a.lsoa_clusters is not None and a.lsoa_clusters.summary.count == 1  # the LSOA cluster beside it
    assert a.zones.summary.rule == "cells" and "2 km square" in a.zones.summary.rule_text
    assert [len(k) for k in a.zones.cell_keys] == [4]
    from hotspots.export.gis import write_geojson

    doc = json.loads(write_geojson(a, tmp_path / "z.geojson").read_text())
    assert {f["geometry"]["type"] for f in doc["features"]} <= {"Polygon", "MultiPolygon"}
    assert doc["features"][0]["properties"]["name"] == "Cell L0000: High Street"


def test_a_zone_keeps_a_cell_a_partner_place_dominates_for_its_street_crime():
    """A town centre whose middle cell is mostly a shopping area's shoplifting (partner place): the
    spots leave that cell out whole, the zone keeps it for its street crime (the analysis' zones and
    the backtest's zones alike), and the shopping area's own crimes do not rank it."""
    from hotspots.plans.backtest_plans import patrol_zone_cells

    n = 8
    block = [r * n + c for r in range(3) for c in range(3)]
    middle = n + 1
    crimes = pd.concat([crimes_at(dict.fromkeys(block, 30), n, crime_type="Violence and sexual offences"),
                        crimes_at({middle: 70}, n, crime_type="Shoplifting", location="On or near Shopping Area")])
    # 100 m cells, one per lattice LSOA, so the middle cell is the shopping area's
    a, layers = planted_analysis(n, n, crimes, hh=block, settings=Settings(permutations=99, seed=2, cell=100))
    a = staged_cells(a, layers, zone_share=0.9)
    g = a.spots.grid
    mid = int(g.positions(np.array([150.0]), np.array([150.0]))[0])
    assert a.spots.partners.cells_left_out == 1
    assert a.spots.value[mid] == 0 and a.spots.zone_ranking()[mid] == 30
    assert [len(k) for k in a.zones.cell_keys] == [9] and g.key[mid] in a.zones.cell_keys[0]
    assert a.zone_frame.iloc[0]["n_cells"] == 9
    assert [sorted(k.tolist()) for k in patrol_zone_cells(a.spots, a.settings)] == \
        [sorted(k.tolist()) for k in a.zones.cell_keys]
    union = shapely.union_all([s.geometry for s in a.spots.spots])
    for p in a.spots.partners.places:
        assert not shapely.contains_xy(union, p.x, p.y), p.name  # no spot holds the shopping area


def test_no_group_large_enough_gives_an_empty_frame_with_a_note():
    a, _ = _lattice_analysis(zone_share=0.01)
    assert len(a.zone_frame) == 0 and a.table["zone_id"].isna().all()
    assert any("no patrol zones" in n for n in a.notes)


def test_zone_names():
    assert zone_name("Maidstone", ["Week Street", "Gabriel's Hill", "King Street"], 1) == \
        "Maidstone: Week Street, Gabriel's Hill"
    assert zone_name("", ["Week Street"], 3) == "Week Street"
    assert zone_name("Dover", [], 2) == "Dover"
    assert zone_name("", [], 7) == "Zone 7"
    assert unique_names(["A: X, Y", "A: X, Y", "A: X, Y"], [["X", "Y"], ["X", "Y", "Z"], ["X", "Y"]]) == \
        ["A: X, Y", "A: X, Y, Z", "A: X, Y (zone 3)"]


@pytest.mark.parametrize("bad", [0, 201, "x", 2.5])
def test_check_zones_names_the_setting(bad):
    with pytest.raises(DataError) as e:
        check_zones(bad)
    assert e.value.setting == "zones"


@pytest.mark.parametrize("bad", [0, 0.95, "x", float("nan")])
def test_check_zone_share_names_the_setting(bad):
    with pytest.raises(DataError) as e:
        check_zone_share(bad)
    assert e.value.setting == "zone_share"
    with pytest.raises(DataError):
        Settings(zone_share=bad).validated()


def test_cli_bad_zone_share_is_one_error_line(tmp_path, capsys):
    from hotspots.cli import main

    rc = main(["analyse", "--demo", "--zone-share", "2", "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error:") and "--zone-share" in err and "Traceback" not in err


# --- real data: Kent, trained January-September 2021, scored October-December ------------------

@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("crime_type", [None, "Violence and sexual offences"])
def test_kent_zones_hold_what_the_cells_know(crime_type):
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    from hotspots.evaluation.backtest import run_backtest
    from hotspots.pipeline import load_layers
    from hotspots.study import Study

    s = Settings(crime_types=[crime_type] if crime_type else None)
    layers = load_layers(Study(boundaries=str(KENT_BOUNDARIES), crimes=[str(KENT_CRIME)]), settings=s)
    bt = run_backtest(layers, s, "2021-01", "2021-09", "2021-10", "2021-12")
    zones = bt.plan("patrol_zones")
    naive = bt.plan("naive_cells").equal_area["patrol_zones"]
    density = bt.plan("naive_lsoa_density").equal_area["patrol_zones"]
    assert 5 <= zones.own.units <= 40
    assert zones.own.capture >= 0.20
    assert zones.own.capture >= 0.9 * naive.capture, (zones.own.capture, naive.capture)
    assert zones.own.capture > density.capture


def test_evidence_area_of_a_zone_is_every_lsoa_it_overlaps():
    from hotspots.evidence.pack import AreaSpec, resolve_areas

    table = pd.DataFrame({"lsoa_code": ["A1", "A2", "A3"], "zone_id": pd.array([1, 1, pd.NA], dtype="Int64")})
    zones = pd.DataFrame({"rank": [1, 2], "lsoa_codes": ["A1;A2", "A2"]})  # zone 2 is no LSOA's main zone
    areas = resolve_areas(table, zones, AreaSpec("zone", ["2"]))
    assert [(t, list(idx), k) for t, _, idx, k in areas] == [("Patrol zone 2", [1], 2)]
    areas = resolve_areas(table, zones, AreaSpec("top", ["2"]))
    assert [list(idx) for _, _, idx, _ in areas] == [[0, 1], [1]]
