"""The CLI's patrol-spot flags and ``hotspots evaluate``: outputs, figures checked independently, errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import shapely
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real

from hotspots.cli import main
from hotspots.study import DEMO_DIR


def _run(args):
    return subprocess.run([sys.executable, "-m", "hotspots.cli", *args], capture_output=True, text=True)


def test_bad_cell_and_spots_are_one_error_line_naming_the_flag(tmp_path):
    for flag, value in (("--cell", "20"), ("--spots", "0"), ("--cell", "900")):
        r = _run(["analyse", "--demo", "--out", str(tmp_path / "o"), flag, value, "--quiet"])
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and flag in lines[0], r.stderr


def test_evaluate_split_errors(tmp_path):
    r = _run(["evaluate", "--demo", "--out", str(tmp_path), "--train-from", "2025-01", "--train-to", "2025-06",
              "--test-from", "2025-05", "--test-to", "2025-08", "--quiet"])
    assert r.returncode == 2 and "--test-from" in r.stderr and "Traceback" not in r.stderr
    r = _run(["evaluate", "--demo", "--out", str(tmp_path), "--train-from", "2025-01", "--train-to", "2025-06"])
    assert r.returncode == 2 and r.stderr.startswith("error:")


def test_evaluate_on_the_demo_writes_json_csv_png_and_the_figures_hold(tmp_path):
    out = tmp_path / "ev"
    rc = main(["evaluate", "--demo", "--permutations", "99", "--spots", "10", "--out", str(out), "--quiet",
               "--train-from", "2025-01", "--train-to", "2025-09", "--test-from", "2025-10", "--test-to", "2025-12"])
    assert rc == 0
    d = json.loads((out / "evaluation.json").read_text())
    for plan in ("patrol_spots", "patrol_zones", "lsoa_zones", "naive_cells", "naive_lsoa_density"):
        assert {"area_share", "capture", "pai", "rri", "equal_area"} <= set(d[plan])
    sp = d["patrol_spots"]
    assert sp["pai"] == pytest.approx(sp["capture"] / sp["area_share"])
    assert sp["rri"] == pytest.approx(sp["capture"] / sp["train_share"])
    assert d["naive_cells"]["area_share"] == pytest.approx(sp["area_share"])
    assert d["naive_lsoa_density"]["area_share"] == pytest.approx(d["lsoa_zones"]["area_share"])
    rows = list(csv.DictReader((out / "evaluation.csv").open()))
    assert {r["plan"] for r in rows} == {"patrol_spots", "patrol_zones", "lsoa_zones", "naive_cells",
                                         "naive_cells_patrol", "naive_lsoa_density"}
    assert d["naive_cells_patrol"]["area_share"] == pytest.approx(sp["area_share"])
    assert all(r["addressable_capture"] != "" for r in rows if r["at"] == "own")
    png = (out / "concentration.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    # independent: the demo's test-month crimes in the training spots (by an analyse run on the training months)
    out2 = tmp_path / "an"
    assert main(["analyse", "--demo", "--permutations", "99", "--spots", "10", "--from", "2025-01", "--to", "2025-09",
                 "--out", str(out2), "--quiet"]) == 0
    g = json.loads((out2 / "patrol_spots.geojson").read_text())
    union = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in g["features"]])
    frames = [pd.read_csv(f) for f in sorted((DEMO_DIR / "crime").rglob("*.csv"))]
    crimes = pd.concat(frames).dropna(subset=["Longitude", "Latitude"])
    test = crimes[crimes["Month"] >= "2025-10"]
    captured = shapely.contains_xy(union, test["Longitude"].to_numpy(), test["Latitude"].to_numpy()).mean()
    # the demo's crimes all lie in its LSOAs, so the test total is the same as the tool's
    assert sp["capture"] == pytest.approx(captured, abs=0.02)
    # the same for the patrol zones: their GeoJSON polygons against the backtest's cell count
    z = json.loads((out2 / "patrol_zones.geojson").read_text())
    assert z["features"] and {f["geometry"]["type"] for f in z["features"]} <= {"Polygon", "MultiPolygon"}
    zunion = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in z["features"]])
    zcaptured = shapely.contains_xy(zunion, test["Longitude"].to_numpy(), test["Latitude"].to_numpy()).mean()
    assert d["patrol_zones"]["capture"] == pytest.approx(zcaptured, abs=0.02)


@pytest.mark.realdata
@pytest.mark.slow
def test_kent_evaluate_capture_matches_an_independent_count(tmp_path):
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    out = tmp_path / "ev"
    assert main(["evaluate", "--boundaries", str(KENT_BOUNDARIES), "--crimes", str(KENT_CRIME), "--out", str(out),
                 "--quiet", "--train-from", "2021-01", "--train-to", "2021-09", "--test-from", "2021-10",
                 "--test-to", "2021-12", "--keep-partner-places"]) == 0
    d = json.loads((out / "evaluation.json").read_text())
    sp, nv = d["patrol_spots"], d["naive_cells"]
    # the ranking itself: with partner places kept in, the spots are the naive ranking grouped into
    # places (with them left out, the default, the spots forgo the hospitals' and a shopping complex's
    # crime on purpose: tests/test_spots.py pins that trade-off)
    assert sp["capture"] >= 0.95 * nv["capture"]
    assert 5 <= sp["units"] <= 60
    assert np.isfinite(d["lsoa_zones"]["capture"])
