"""The time stage through the pipeline: the emerging column, summary.json, the cube kept between runs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from _lattice import EXPECTED, planted_study

from hotspots.cli import main
from hotspots.timeseries import CATEGORIES


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    return planted_study(tmp_path_factory.mktemp("grid"), 3, rows=20, cols=20)


def test_emerging_column_and_summary(grid, tmp_path):
    b, c, codes, blocks, quiet = grid
    out = tmp_path / "out"
    assert main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--out", str(out), "--permutations", "99",
                 "--quiet", "--no-exports"]) == 0
    df = pd.read_csv(out / "lsoa_results.csv", dtype={"lsoa_code": str}).set_index("lsoa_code").loc[codes]
    cat = df["emerging"].to_numpy()
    for name, mask in blocks.items():
        values, n = np.unique(cat[mask], return_counts=True)
        assert values[np.argmax(n)] == EXPECTED[name], (name, dict(zip(values, n, strict=True)))
    assert np.mean(cat[quiet] == "No Pattern Detected") >= 0.85
    s = json.loads((out / "summary.json").read_text())
    em = s["emerging"]
    assert em["run"] is True and em["months"] == 12
    assert list(em["counts"]) == list(CATEGORIES)
    assert em["counts"] == {k: int((cat == k).sum()) for k in CATEGORIES}
    assert s["stability"]["period"] == "quarter" and len(s["stability"]["stayed"]) == 3
    assert s["trends"]["districts"][0]["district"] == "Grid"
    fc = s["trends"]["districts"][0]["forecast"]
    assert [f["month"] for f in fc] == ["2022-01", "2022-02", "2022-03"]
    assert all(set(f) == {"month", "expected", "low", "high"} and f["low"] <= f["expected"] <= f["high"] for f in fc)
    assert "time" in s["timings"]


def test_short_period_leaves_the_column_empty_with_a_note(grid, tmp_path):
    b, c, *_ = grid
    out = tmp_path / "out"
    assert main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--out", str(out), "--permutations", "99",
                 "--quiet", "--no-exports", "--from", "2021-01", "--to", "2021-09"]) == 0
    df = pd.read_csv(out / "lsoa_results.csv", keep_default_na=False)
    assert "emerging" in df.columns and (df["emerging"] == "").all()
    s = json.loads((out / "summary.json").read_text())
    assert s["emerging"]["run"] is False and s["emerging"]["months"] == 9
    assert any("emerging hot spots not run" in n and "9 months" in n for n in s["notes"])


def test_the_cube_is_built_once_and_follows_the_filters(grid):
    from hotspots.lsoa.table import build_table, filter_crimes
    from hotspots.pipeline import analyse, load_layers
    from hotspots.study import Settings, Study

    b, c, *_ = grid
    study = Study(boundaries=str(b), crimes=[str(c)])
    layers = load_layers(study)
    a1 = analyse(layers, Settings(permutations=99))
    a2 = analyse(layers, Settings(permutations=99, month_from="2021-03", month_to="2021-12", measure="harm"))
    assert a2.time.cube is a1.time.cube  # same crimes table: the cube is not rebuilt
    assert a2.time.months == tuple(f"2021-{m:02d}" for m in range(3, 13)) and a2.time.emerging is not None
    mask, _ = filter_crimes(layers.crimes, None, "2021-03", "2021-12")
    table = build_table(layers.boundaries, layers.crimes, mask, measure="harm")
    np.testing.assert_allclose(a2.time.values.sum(axis=1), table["harm"].to_numpy())
    one, _ = filter_crimes(layers.crimes, None, "2021-05", "2021-05")
    np.testing.assert_array_equal(a1.time.month_values("2021-05"),
                                  build_table(layers.boundaries, layers.crimes, one)["crimes"].to_numpy())
    assert set(a1.table["emerging"]) <= set(CATEGORIES)
    assert {"crime_trend", "crime_sen_slope", "emerging_trend_z"} <= set(a1.table.columns)


def test_any_unit_set_gets_its_categories(grid):
    """Patrol spots / grid cells: the same classification from a unit id per crime and the units' weights."""
    from _lattice import lattice_weights

    from hotspots.pipeline import analyse, load_layers
    from hotspots.study import Settings, Study
    from hotspots.timeseries.stage import emerging_for_units

    b, c, codes, blocks, _ = grid
    layers = load_layers(Study(boundaries=str(b), crimes=[str(c)]))
    a = analyse(layers, Settings(permutations=99))
    # the "cells" are the LSOAs again, numbered row-major as the lattice: same answer as the LSOA column
    pos = {code: k for k, code in enumerate(codes)}
    row_to_cell = np.array([pos[code] for code in a.table["lsoa_code"]])
    cell_of_crime = row_to_cell[layers.crimes["lsoa"].to_numpy()]
    r = emerging_for_units(layers.crimes, cell_of_crime, len(codes), lattice_weights(20, 20), Settings())
    assert r is not None and len(r.code) == 400
    by_cell = a.table["emerging"].to_numpy()[np.argsort(row_to_cell)]
    np.testing.assert_array_equal(r.category, by_cell)
    assert emerging_for_units(layers.crimes, cell_of_crime, len(codes), lattice_weights(20, 20),
                              Settings(month_from="2021-05")) is None  # 8 months
