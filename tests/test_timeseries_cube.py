"""The space-time cube against independent counts (pandas group-bys) and the per-LSOA table."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real

from hotspots.harm import DEFAULT_HARM_WEIGHTS
from hotspots.timeseries import SpaceTimeCube, month_range
from hotspots.timeseries.cube import shift_month

cube_mod = importlib.import_module("hotspots.timeseries.cube")

TYPES = ["Burglary", "Robbery", "Shoplifting", "Anti-social behaviour"]


def _crimes(seed: int = 0, n: int = 3000, n_units: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    months = ["2021-01", "2021-02", "2021-04", "2021-05", "2021-06", "2021-07"]  # March has no crime
    return pd.DataFrame({
        "month": pd.Categorical(rng.choice(months, n)),
        "crime_type": pd.Categorical(rng.choice(TYPES, n)),
        "lsoa": rng.integers(0, n_units, n).astype(np.int32),
    })


def _expected(crimes: pd.DataFrame, n_units: int, months, weights=None) -> np.ndarray:
    w = crimes["crime_type"].astype(str).map(weights) if weights else pd.Series(1.0, index=crimes.index)
    g = (w.groupby([crimes["lsoa"], crimes["month"].astype(str)]).sum()
         .unstack(fill_value=0).reindex(index=range(n_units), columns=list(months), fill_value=0))
    return g.to_numpy(float)


def test_month_axis_is_contiguous():
    cube = SpaceTimeCube.from_crimes(_crimes(), n_units=40)
    assert cube.months == month_range("2021-01", "2021-07")
    assert "2021-03" in cube.months
    assert (cube.matrix()[:, cube.months.index("2021-03")] == 0).all()
    assert month_range("2020-11", "2021-02") == ("2020-11", "2020-12", "2021-01", "2021-02")
    assert shift_month("2021-12", 12) == "2022-12" and shift_month("2021-01", -1) == "2020-12"


@pytest.mark.parametrize("dense", [True, False])
def test_counts_match_a_group_by(dense, monkeypatch):
    if not dense:
        monkeypatch.setattr(cube_mod, "_DENSE_LIMIT", 0)
    crimes = _crimes(1)
    cube = SpaceTimeCube.from_crimes(crimes, n_units=40)
    np.testing.assert_array_equal(cube.matrix(), _expected(crimes, 40, cube.months))
    assert cube.total == len(crimes) and cube.dropped == 0
    sel = crimes[crimes["crime_type"].isin(["Robbery", "Burglary"])]
    np.testing.assert_array_equal(cube.matrix(["Robbery", "Burglary"]), _expected(sel, 40, cube.months))
    part = cube.matrix(month_from="2021-02", month_to="2021-05")
    cols = cube.months[cube.month_slice("2021-02", "2021-05")]
    assert cols == ("2021-02", "2021-03", "2021-04", "2021-05")
    np.testing.assert_array_equal(part, _expected(crimes, 40, cube.months)[:, 1:5])
    np.testing.assert_array_equal(cube.month_counts("2021-06"), _expected(crimes, 40, cube.months)[:, 5])
    assert cube.by_type() == crimes["crime_type"].value_counts().to_dict()


def test_harm_is_counts_times_type_weights():
    crimes = _crimes(2)
    cube = SpaceTimeCube.from_crimes(crimes, n_units=40)
    np.testing.assert_allclose(cube.matrix(measure="harm"), _expected(crimes, 40, cube.months, DEFAULT_HARM_WEIGHTS))
    own = {"Burglary": 1.0, "Robbery": 100.0}
    np.testing.assert_allclose(cube.totals(measure="harm", harm_weights=own),
                               _expected(crimes, 40, cube.months, {**dict.fromkeys(TYPES, 0.0), **own}).sum(axis=1))
    with pytest.raises(ValueError, match="measure"):
        cube.matrix(measure="rate")


def test_grid_cell_ids_pass_through_and_unplaced_crimes_are_counted():
    crimes = _crimes(3)
    cells = np.random.default_rng(3).integers(-1, 500, len(crimes))  # -1: in no cell
    cube = SpaceTimeCube.from_crimes(crimes, units=cells, n_units=500)
    assert cube.n_units == 500 and cube.dropped == int((cells < 0).sum())
    placed = crimes.assign(lsoa=cells)[cells >= 0]
    np.testing.assert_array_equal(cube.matrix(), _expected(placed, 500, cube.months))
    with pytest.raises(ValueError, match="unit ids"):
        SpaceTimeCube.from_crimes(crimes, units=cells[:-1])


def test_regroup_sums_units():
    crimes = _crimes(4)
    cube = SpaceTimeCube.from_crimes(crimes, n_units=40)
    group = np.arange(40) % 3
    group[0] = -1  # unit 0 belongs to no group
    big = cube.regroup(group)
    m = cube.matrix()
    for g in range(3):
        np.testing.assert_array_equal(big.matrix()[g], m[group == g].sum(axis=0))
    assert big.dropped == int(m[0].sum())


def test_plain_string_columns_work_too():
    crimes = _crimes(5).astype({"month": str, "crime_type": str})
    cube = SpaceTimeCube.from_crimes(crimes, n_units=40)
    np.testing.assert_array_equal(cube.matrix(), _expected(crimes, 40, cube.months))


@pytest.mark.realdata
def test_kent_cube_matches_the_lsoa_table():
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    from hotspots.data.boundaries import read_boundaries
    from hotspots.data.crimes import read_crimes
    from hotspots.lsoa.table import build_table, filter_crimes

    b, _ = read_boundaries(KENT_BOUNDARIES)
    crimes, _ = read_crimes(KENT_CRIME, b)
    cube = SpaceTimeCube.from_crimes(crimes, n_units=len(b))
    assert len(cube.months) == 12 and cube.total == len(crimes)
    vso = ["Violence and sexual offences"]
    mask, _ = filter_crimes(crimes, vso, "2021-03", "2021-08")
    table = build_table(b, crimes, mask)
    np.testing.assert_array_equal(cube.totals(vso, "2021-03", "2021-08"), table["crimes"].to_numpy())
    np.testing.assert_allclose(cube.totals(vso, "2021-03", "2021-08", measure="harm"), table["harm"].to_numpy())
