"""Placement of StreetSafe reports: inside, near the clipped coast, outside; every report counted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from _streetsafe_synth import coast_lsoas, coast_reports, write_reports

from hotspots.data.streetsafe import read_streetsafe
from hotspots.streetsafe.place import accounting, place_reports, record_placement


def test_coast_reports_go_to_the_lsoa_below_and_far_ones_are_outside() -> None:
    lsoas = coast_lsoas()
    x, y, truth, dist = coast_reports(np.random.default_rng(3))
    p = place_reports(x, y, lsoas.geometry.values, max_distance=250)
    assert p.counts == {"inside": 39, "near": 11, "outside": 3}
    assert p.index.tolist() == truth.tolist()
    near = p.how == "near"
    assert np.allclose(p.distance_m[near], dist[near])
    assert np.isnan(p.distance_m[p.how == "outside"]).all()


def test_nearest_matches_brute_force_and_ties_go_to_lowest_index() -> None:
    lsoas = coast_lsoas()
    rng = np.random.default_rng(11)
    x = rng.uniform(629_700, 632_300, 400)
    y = rng.uniform(169_700, 171_300, 400)
    p = place_reports(x, y, lsoas.geometry.values, max_distance=250)
    polys = np.asarray(lsoas.geometry.array, dtype=object)
    d = shapely.distance(shapely.points(x, y)[:, None], polys[None, :])
    outside = d.min(axis=1) > 0
    expect = np.where(d.min(axis=1) <= 250, np.argmin(d, axis=1), -1)
    assert (p.index[outside] == expect[outside]).all()
    # a point due north of the corner shared by LSOAs 4 and 5 is equally near both
    tie = place_reports(np.array([630_500.0]), np.array([171_100.0]), lsoas.geometry.values)
    assert tie.index.tolist() == [4] and tie.how.tolist() == ["near"]


def test_zero_distance_is_point_in_polygon_only() -> None:
    lsoas = coast_lsoas()
    x, y, truth, _ = coast_reports(np.random.default_rng(5))
    p = place_reports(x, y, lsoas.geometry.values, max_distance=0)
    assert p.counts == {"inside": 39, "near": 0, "outside": 14}
    with pytest.raises(ValueError):
        place_reports(x, y, lsoas.geometry.values, max_distance=-1)


def test_accounting_identity_from_file_with_coast_and_broken_rows(tmp_path: Path) -> None:
    lsoas = coast_lsoas()
    x, y, _, _ = coast_reports(np.random.default_rng(8))
    path = write_reports(tmp_path / "ss.csv", x, y, broken=5)
    gdf, rep = read_streetsafe(path)
    p = place_reports(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy(), lsoas.geometry.values)
    acc = record_placement(rep, p)
    assert acc["read"] == 58 == len(x) + 5
    assert (acc["placed_inside"], acc["placed_near_edge"], acc["outside_study_area"]) == (39, 11, 3)
    assert sum(acc["dropped"].values()) == 5
    assert acc["dropped"] == {"missing coordinates": 3, "coordinates outside Great Britain": 2}
    assert acc["read"] == (acc["placed_inside"] + acc["placed_near_edge"] + acc["outside_study_area"]
                           + sum(acc["dropped"].values()))
    assert "read 58, placed 39 inside LSOAs, 11 within 250 m" in acc["line"]
    assert rep.info["placement"] is acc
    assert any("11 StreetSafe report(s) lie just outside" in w for w in rep.warnings)
    assert any("3 StreetSafe report(s) lie more than 250 m" in w for w in rep.warnings)
    rep.rows_kept -= 1  # a broken ledger is a bug and must be loud
    with pytest.raises(AssertionError):
        accounting(rep, p)
