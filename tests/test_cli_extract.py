"""``hotspots analyse --extract``: the records extract from the command line, and its errors."""

from __future__ import annotations

import json

from _extract_synth import make_extract, write_dialect

from hotspots.cli import main
from hotspots.study import DEMO_DIR

BOUNDARIES = str(DEMO_DIR / "boundaries.gpkg")


def test_analyse_an_extract_with_a_mapping(tmp_path, capsys):
    ex = make_extract(seed=4, n_night=120, n_school=100, n_background=500)
    path, mapping = write_dialect(ex, tmp_path, "connect")
    out = tmp_path / "out"
    rc = main(["analyse", "--boundaries", BOUNDARIES, "--extract", str(path), "--columns", str(mapping),
               "--permutations", "99", "--spots", "5", "--no-exports", "--quiet", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    s = json.loads((out / "summary.json").read_text())
    e = s["inputs"]["extract"]
    assert e["rows_read"] == len(ex.rows) == e["rows_kept"] + e["rows_dropped"]
    assert e["dropped"] == ex.broken
    assert abs(sum(s["when"]["profile"]) - (e["rows_kept"] - s["when"]["spans_excluded"])) <= 0.005 * e["rows_kept"]
    assert "crimes" not in s["inputs"]  # no police.uk files in this run
    assert s["harm"]["level"] == "police.uk category" and "--harm-table" in s["harm"]["note"]


def test_extract_flag_errors_are_one_line(tmp_path, capsys):
    rc = main(["analyse", "--boundaries", BOUNDARIES, "--columns", str(tmp_path / "m.json"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: --extract:") and err.count("\n") == 1
    bad = tmp_path / "bad.json"
    bad.write_text('{"from_date": "When"}')
    ex = make_extract(seed=4, n_night=5, n_school=5, n_background=20, broken=False)
    path, _ = write_dialect(ex, tmp_path, "niche")
    rc = main(["analyse", "--boundaries", BOUNDARIES, "--extract", str(path), "--columns", str(bad), "--quiet",
               "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and "'When'" in err and "bad.json" in err and err.count("\n") == 1
