"""StreetSafe concerns: 150 m squares, ids stable when a later quarter adds reports."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _streetsafe_synth import coast_lsoas, write_reports
from pyproj import Transformer
from shapely.geometry import box

from hotspots.data.streetsafe import read_streetsafe
from hotspots.streetsafe.concerns import CONCERN_COLUMNS, build_concerns, cell_of_id, concern_ids


def test_id_is_the_south_west_corner_of_the_150m_square() -> None:
    ids = concern_ids(np.array([612_300.0, 612_449.9, 612_450.0]), np.array([165_450.0, 165_599.0, 165_451.0]))
    assert ids.tolist() == ["SS-E612300N165450", "SS-E612300N165450", "SS-E612450N165450"]
    assert cell_of_id("SS-E612300N165450") == (612_300, 165_450)


def _quarters(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, Path]:
    """Jan-Jun reports and Jan-Sep reports (the same Jan-Jun rows plus Jul-Sep ones)."""
    hubs = np.array([[630_225.0, 170_325.0], [631_125.0, 170_775.0], [631_725.0, 170_175.0]])  # square centres
    xs, ys, months, reasons = [], [], [], []
    for m in range(1, 10):
        for h, (hx, hy) in enumerate(hubs):
            k = 3 if h < 2 or m > 6 else 0  # the third hub only appears in the third quarter
            xs += list(hx + rng.uniform(-40, 40, k))
            ys += list(hy + rng.uniform(-40, 40, k))
            months += [f"2025-{m:02d}-10"] * k
            reasons += ["Catcalled;Badly lit" if h == 0 else "Being followed"] * k
    xs, ys = np.array(xs), np.array(ys)
    first = np.array([int(mo[5:7]) <= 6 for mo in months])
    h1 = write_reports(tmp_path / "h1.csv", xs[first], ys[first], [m for m, f in zip(months, first, strict=True) if f],
                       [r for r, f in zip(reasons, first, strict=True) if f])
    q3 = write_reports(tmp_path / "q3.csv", xs, ys, months, reasons)
    return h1, q3


def test_ids_stable_when_reports_are_added(tmp_path: Path) -> None:
    h1, q3 = _quarters(tmp_path, np.random.default_rng(2))
    a = build_concerns(read_streetsafe(h1)[0], boundaries=coast_lsoas())
    b = build_concerns(read_streetsafe(q3)[0], boundaries=coast_lsoas())
    assert list(a.columns) == CONCERN_COLUMNS
    assert set(a["concern_id"]) <= set(b["concern_id"])
    assert len(b) == len(a) + 1  # the new third-quarter hub is one new concern
    both = a.merge(b, on="concern_id", suffixes=("_h1", "_q3"))
    assert (both["reports_q3"] == both["reports_h1"] * 1.5).all()  # 6 months of 3 -> 9 months of 3
    assert (both["first_date_h1"] == "2025-01").all() and (both["last_date_h1"] == "2025-06").all()
    assert (both["last_date_q3"] == "2025-09").all()
    assert a["top_reasons"].iloc[0].startswith(("Badly lit (18)", "Being followed (18)"))


def test_counts_centres_places_and_cover(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    x = rng.uniform(630_000, 631_000, 200)
    y = rng.uniform(170_000, 170_900, 200)
    x[:2], y[:2] = [630_050.0, 630_950.0], [170_050.0, 170_860.0]
    gdf, _ = read_streetsafe(write_reports(tmp_path / "ss.csv", x, y))
    crimes = pd.DataFrame({"x": [630_010.0, 630_020.0, 630_100.0, 630_990.0],
                           "y": [170_010.0, 170_020.0, 170_100.0, 170_890.0],
                           "location": ["On or near High Street", "On or near High Street",
                                        "On or near Mill Lane", "On or near Sea Road"]})
    zones = gpd.GeoDataFrame({"zone_id": [7]}, geometry=[box(630_000, 170_000, 630_300, 170_300)], crs=27700)
    spots = gpd.GeoDataFrame({"rank": [1]}, geometry=[box(630_000, 170_000, 630_150, 170_150)], crs=27700)
    c = build_concerns(gdf, crimes=crimes, boundaries=coast_lsoas(), zones=zones, spots=spots)
    # independent count: floor division of each report into 150 m squares
    key = [f"SS-E{int(a // 150 * 150):06d}N{int(b // 150 * 150):06d}" for a, b in zip(x, y, strict=True)]
    expect = pd.Series(key).value_counts()
    assert c.set_index("concern_id")["reports"].to_dict() == expect.to_dict()
    assert c["reports"].sum() == 200 and c["reports"].is_monotonic_decreasing
    sw = c.set_index("concern_id").loc["SS-E630000N169950"]
    assert sw["place"] == "High Street"  # most crimes in the square
    assert sw["zone_id"] == "7" and sw["patrol_spot"] == "1" and sw["lsoa_code"] == "E01000000"
    far = c.set_index("concern_id").loc["SS-E630900N170850"]
    assert far["place"] == "Sea Road" and far["zone_id"] == "" and far["patrol_spot"] == ""
    e, n = Transformer.from_crs(4326, 27700, always_xy=True).transform(sw["longitude"], sw["latitude"])
    assert (e, n) == (pytest.approx(630_075, abs=0.5), pytest.approx(170_025, abs=0.5))


def test_no_reports_gives_an_empty_table() -> None:
    empty = build_concerns(gpd.GeoDataFrame({"month": [], "reasons": []}, geometry=[], crs=27700))
    assert list(empty.columns) == CONCERN_COLUMNS and len(empty) == 0
