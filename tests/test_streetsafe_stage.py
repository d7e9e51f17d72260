"""The StreetSafe stage end to end on a coast-clipped strip: counts include coastal reports."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from _streetsafe_synth import coast_lsoas, coast_reports, write_reports
from libpysal.weights import Queen

from hotspots.data.streetsafe import read_streetsafe
from hotspots.streetsafe.stage import FEAR_TABLE_COLUMNS, period_mask, streetsafe_stage


def test_stage_counts_every_placed_report_and_adds_the_fear_columns(tmp_path: Path) -> None:
    lsoas = coast_lsoas()
    x, y, truth, _ = coast_reports(np.random.default_rng(1))
    months = [f"2025-{1 + i % 9:02d}-01" for i in range(len(x))]
    gdf, rep = read_streetsafe(write_reports(tmp_path / "ss.csv", x, y, months, broken=2))
    table = pd.DataFrame({"crimes": np.full(len(lsoas), 50), "gi_bin": np.zeros(len(lsoas), int)})
    res = streetsafe_stage(table, lsoas, gdf, rep, weights=Queen.from_dataframe(lsoas, use_index=False))
    assert table["streetsafe"].tolist() == np.bincount(truth[truth >= 0], minlength=8).tolist()
    assert all(c in table for c in FEAR_TABLE_COLUMNS)
    assert res.accounting["read"] == len(x) + 2 == (table["streetsafe"].sum() + res.accounting["outside_study_area"]
                                                    + sum(res.accounting["dropped"].values()))
    assert res.concerns["reports"].sum() == table["streetsafe"].sum()
    assert res.summary()["accounting"]["placed_near_edge"] == 11
    # a Jan-Jun period leaves Jul-Sep reports out of the counts, but they stay in the accounting
    table2 = table.copy()
    res2 = streetsafe_stage(table2, lsoas, gdf, rep, month_from="2025-01", month_to="2025-06")
    in_h1 = np.array([m[:7] <= "2025-06" for m in months])
    assert table2["streetsafe"].sum() == int((in_h1 & (truth >= 0)).sum())
    assert res2.accounting["read"] == res.accounting["read"]
    assert any("outside the analysed months" in n for n in res2.notes)


def test_period_mask_keeps_undated_reports_only_without_a_period() -> None:
    m = pd.Series(["2025-01", "", "2025-08"])
    assert period_mask(m, None, None).tolist() == [True, True, True]
    assert period_mask(m, "2025-01", "2025-06").tolist() == [True, False, False]


def test_concerns_name_the_patrol_spot_covering_them() -> None:
    from types import SimpleNamespace

    from shapely.geometry import box

    from hotspots.streetsafe.fear_gap import _spots_frame

    spots = SimpleNamespace(spots=[SimpleNamespace(rank=2, geometry=box(630_000, 169_950, 630_300, 170_250))])
    frame = _spots_frame(SimpleNamespace(spots=spots))
    assert frame["rank"].tolist() == [2] and frame.crs.to_epsg() == 27700
    assert _spots_frame(SimpleNamespace(spots=None)) is None
    from hotspots.streetsafe.concerns import build_concerns

    gdf = gpd.GeoDataFrame({"month": ["2025-01"], "reasons": ["badly_lit"]},
                           geometry=gpd.points_from_xy([630_100.0], [170_000.0]), crs=27700)
    assert build_concerns(gdf, spots=frame)["patrol_spot"].tolist() == ["2"]
