"""Emerging hot spots by week on a quarter's extract (three months: too few for months)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely
from _extract_synth import NIGHT_XY, _inside_town

from hotspots.study import DEMO_DIR, Settings, Study
from hotspots.timeseries.emerging import HOT
from hotspots.when.weekly import weekly_emerging


def _quarter(tmp_path, rising: bool):
    rng = np.random.default_rng(17)
    start = pd.Timestamp("2021-01-04")  # a Monday; the quarter's data run to 2021-03-31
    n_bg = 1500
    if rising:
        bx, by = _inside_town(rng, n_bg)
    else:  # the same expected count in every LSOA: a null for the counts' Gi*
        import geopandas as gpd

        pts = gpd.read_file(DEMO_DIR / "boundaries.gpkg").geometry.representative_point()
        pick = rng.integers(0, len(pts), n_bg)
        bx, by = pts.x.to_numpy()[pick], pts.y.to_numpy()[pick]
    t_bg = start + pd.to_timedelta(rng.integers(0, 86 * 1440, n_bg), unit="m")
    counts = [0] * 7 + [4, 8, 14, 20, 26] if rising else [6] * 12
    t_p = [start + pd.Timedelta(weeks=w) + pd.Timedelta(minutes=int(m)) for w, c in enumerate(counts)
           for m in rng.integers(0, 7 * 1440, c)]
    n_p = len(t_p)
    df = pd.DataFrame({
        "Crime Number": [f"Q{i}" for i in range(n_bg + n_p)],
        "HO Code": ["8N"] * (n_bg + n_p),
        "Committed From Date": [t.strftime("%d/%m/%Y") for t in [*t_bg, *t_p]],
        "Committed From Time": [t.strftime("%H:%M") for t in [*t_bg, *t_p]],
        "Easting": np.r_[bx, NIGHT_XY[0] + rng.normal(0, 30, n_p)].round(),
        "Northing": np.r_[by, NIGHT_XY[1] + rng.normal(0, 30, n_p)].round()})
    path = tmp_path / f"quarter_{rising}.csv"
    df.to_csv(path, index=False)
    return path


def _run(path):
    from hotspots.pipeline import analyse, load_layers

    study = Study(boundaries=str(DEMO_DIR / "boundaries.gpkg"), extract=str(path),
                  settings=Settings(permutations=99, spots=5))
    layers = load_layers(study)
    return layers, analyse(layers, study.settings)


def test_a_rising_place_is_an_emerging_hot_spot_by_week(tmp_path):
    layers, analysis = _run(_quarter(tmp_path, rising=True))
    assert len(analysis.months_with_data()) == 3
    weekly = analysis.when.weekly
    assert weekly is not None and len(weekly.weeks) == 12 and weekly.weeks[0] == "2021-01-04"
    b = layers.boundaries
    row = int(np.flatnonzero(shapely.contains_xy(b.geometry.values, *NIGHT_XY))[0])
    assert weekly.result.category[row] in HOT
    assert weekly.result.trend.z[row] > 0  # rising
    s = analysis.when.summary()["emerging_by_week"]
    assert s["run"] and s["weeks"] == 12 and b["lsoa_code"].iloc[row] in sum(s["lsoas"].values(), [])


def test_only_whole_weeks_inside_the_months_are_used():
    # January to March 2021: Monday 4 January to Sunday 28 March = 12 whole weeks
    t = np.array([0])
    assert weekly_emerging(t, np.array([0]), None, ["2021-01", "2021-02"], 1, None, np.array(["x"])) is None
    from hotspots.data.extract_dates import EPOCH

    m = int((np.datetime64("2021-03-29T00:00") - EPOCH).astype(np.int64))  # the Monday after the last whole week
    from hotspots.when.weekly import _month_bounds

    start, end = _month_bounds(["2021-01", "2021-03"])
    assert end // 10080 - (-(-start // 10080)) == 12 and m // 10080 == end // 10080


def test_a_steady_place_is_not_called_emerging_and_the_background_stays_quiet(tmp_path):
    layers, analysis = _run(_quarter(tmp_path, rising=False))
    weekly = analysis.when.weekly
    b = layers.boundaries
    row = int(np.flatnonzero(shapely.contains_xy(b.geometry.values, *NIGHT_XY))[0])
    assert weekly.result.category[row] not in ("New Hot Spot", "Consecutive Hot Spot", "Intensifying Hot Spot")
    assert weekly.result.category[row] in HOT  # six a week every week: persistent, not emerging
    # the background (the same expected five crimes in every LSOA over the quarter) is mostly no pattern;
    # LSOAs within 1.5 km of the planted place share its neighbourhood sums and are left out of the count
    far = b.geometry.representative_point().distance(shapely.Point(*NIGHT_XY)).to_numpy() > 1500
    hot_far = np.isin(weekly.result.category, HOT)[far]
    assert hot_far.mean() < 0.05
