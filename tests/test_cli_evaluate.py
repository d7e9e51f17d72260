"""``hotspots evaluate --rolling K``: the windows, the outputs, the verdict on stdout and the month errors."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real

from hotspots.cli import main
from hotspots.plans.backtest import PLANS


def _run(args):
    return subprocess.run([sys.executable, "-m", "hotspots.cli", *args], capture_output=True, text=True)


def test_rolling_on_the_demo_writes_every_window(tmp_path, capsys):
    out = tmp_path / "ev"
    rc = main(["evaluate", "--demo", "--permutations", "99", "--spots", "10", "--out", str(out), "--quiet",
               "--rolling", "2", "--test-from", "2025-10", "--test-to", "2025-12"])
    assert rc == 0
    printed = capsys.readouterr().out.strip().splitlines()
    d = json.loads((out / "evaluation.json").read_text())
    assert d["mode"] == "rolling" and d["rolling"] == 2 and d["window_count"] == 3
    assert [(w["train"]["from"], w["train"]["to"], w["test"]["from"]) for w in d["windows"]] == [
        ("2025-08", "2025-09", "2025-10"), ("2025-09", "2025-10", "2025-11"), ("2025-10", "2025-11", "2025-12")]
    assert printed[0] == d["verdict"] and d["verdict"].startswith("Over 3 windows")
    for plan in PLANS:  # every plan, averaged, at the top level as for a split
        p = d[plan]
        assert {"capture", "pai", "rri", "pei", "ceiling", "crimes_per_km2", "share_per_km2"} <= set(p)
        caps = [next(q for q in w["plans"] if q["plan"] == plan)["capture"] for w in d["windows"]]
        assert p["capture"] == pytest.approx(np.mean(caps))
    for w in d["windows"]:
        for p in w["plans"]:
            if p["capture"] is not None and p["ceiling"]:
                assert p["pei"] == pytest.approx(p["capture"] / p["ceiling"])
                assert p["capture"] <= p["ceiling"] + 1e-9 or p["plan"] in ("lsoa_zones", "naive_lsoa_density")
    assert "snap point" in d["snap_points"]["caveat"]
    rows = list(csv.DictReader((out / "evaluation.csv").open()))
    assert {r["window"] for r in rows} == {"1", "2", "3"}
    per_window = [sum(1 for r in rows if r["window"] == str(i)) for i in (1, 2, 3)]
    assert per_window[0] == per_window[1] == per_window[2] and per_window[0] >= len(PLANS)
    assert {r["plan"] for r in rows} == set(PLANS)
    assert all(r["snap_share"] for r in rows)
    assert (out / "concentration.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, flag", [
    (["--rolling", "3", "--test-from", "2025-02", "--test-to", "2025-12"], "--rolling/--test-from"),
    (["--rolling", "0", "--test-from", "2025-06", "--test-to", "2025-12"], "--rolling"),
    (["--rolling", "two", "--test-from", "2025-06", "--test-to", "2025-12"], "--rolling"),
    (["--rolling", "3", "--test-from", "2025-06"], "--test-to"),
    (["--rolling", "3", "--test-from", "2025-06", "--test-to", "2026-03"], "--test-from/--test-to"),
    (["--rolling", "3", "--test-from", "2025-09", "--test-to", "2025-06"], "--test-to"),
    (["--rolling", "3", "--train-from", "2025-01", "--test-from", "2025-06", "--test-to", "2025-12"],
     "--train-from/--train-to"),
    (["--test-from", "2025-10", "--test-to", "2025-12"], "--train-from"),
])
def test_bad_month_combinations_are_one_error_line_naming_the_flag(tmp_path, args, flag):
    r = _run(["evaluate", "--demo", "--out", str(tmp_path / "o"), "--quiet", *args])
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert flag in lines[0] and "Traceback" not in r.stderr
    assert not (tmp_path / "o" / "evaluation.json").exists()


def test_a_rolling_start_before_the_data_says_where_to_start(tmp_path):
    r = _run(["evaluate", "--demo", "--out", str(tmp_path / "o"), "--quiet", "--rolling", "3",
              "--test-from", "2025-02", "--test-to", "2025-12"])
    assert "2025-04 or later" in r.stderr and "2024-11" in r.stderr


@pytest.mark.realdata
@pytest.mark.slow
def test_kent_rolling_nine_windows(tmp_path):
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    out = tmp_path / "ev"
    assert main(["evaluate", "--boundaries", str(KENT_BOUNDARIES), "--crimes", str(KENT_CRIME), "--out", str(out),
                 "--quiet", "--rolling", "3", "--test-from", "2021-04", "--test-to", "2021-12"]) == 0
    d = json.loads((out / "evaluation.json").read_text())
    assert d["window_count"] == 9
    for w in d["windows"]:
        sp = next(p for p in w["plans"] if p["plan"] == "patrol_spots")
        assert 0 < sp["pei"] <= 1 and sp["ceiling"] >= sp["capture"]
    # police.uk snap points: most test crimes fall on a point that held training crime
    assert d["snap_points"]["share_of_test_crimes_on_a_training_point"] > 0.5
