"""StreetSafe end to end through the CLI: accounting, concerns, fear_gap, and 'You said, we did'."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from _study import lattice_study
from openpyxl import load_workbook

from hotspots.cli import main

TOP = 51.26  # the lattice's northern edge: the "coastline" the boundaries are clipped to


def _streetsafe_file(path: Path) -> dict[str, int]:
    """Reports inland, on the beach (<= 170 m north of the coast), far out at sea, and broken rows."""
    rng = np.random.default_rng(4)
    rows = ["id,date,latitude,longitude,reasons,comment"]
    hubs = [(51.2055, 0.5055), (51.2255, 0.5355), (51.2455, 0.5155), (51.2155, 0.5455)]
    k = 0
    for month in range(1, 10):
        for h, (la, lo) in enumerate(hubs):
            for _ in range(3 if h < 3 else 1):
                rows.append(f"R{k},2021-{month:02d}-1{h},{la + rng.uniform(-4e-4, 4e-4):.6f},"
                            f"{lo + rng.uniform(-4e-4, 4e-4):.6f},Catcalled;Badly lit,")
                k += 1
    inland = k
    for i in range(11):  # Margate seafront: north of the clipped coast
        rows.append(f"C{i},2021-0{1 + i % 6}-05,{TOP + rng.uniform(2e-4, 1.5e-3):.6f},{0.51 + 0.004 * i:.6f},"
                    f"Wolf whistled;Loud music,")
    for i in range(2):
        rows.append(f"S{i},2021-03-05,{TOP + 0.03:.6f},{0.52 + 0.01 * i:.6f},Isolated,")
    rows += ["B0,2021-03-05,,,Badly lit,", "B1,2021-03-05,abc,def,Badly lit,", "B2,2021-03-05,0,0,Badly lit,",
             "B3,2021-03-05,48.85,2.35,Badly lit,"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return {"inland": inland, "coast": 11, "sea": 2, "broken": 4}


def _run(tmp_path: Path, out: str, *extra: str) -> Path:
    b, c = lattice_study(tmp_path)
    o = tmp_path / out
    rc = main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--streetsafe", str(tmp_path / "ss.csv"),
               "--out", str(o), "--permutations", "99", "--quiet", *extra])
    assert rc == 0
    return o


def test_accounting_concerns_and_you_said_we_did_across_two_runs(tmp_path: Path, capsys) -> None:
    n = _streetsafe_file(tmp_path / "ss.csv")
    h1 = _run(tmp_path, "h1", "--from", "2021-01", "--to", "2021-06")
    err = capsys.readouterr().err
    s = json.loads((h1 / "summary.json").read_text())
    acc = s["inputs"]["streetsafe"]["info"]["placement"]
    total = n["inland"] + n["coast"] + n["sea"] + n["broken"]
    assert acc["read"] == total
    assert (acc["placed_inside"], acc["placed_near_edge"], acc["outside_study_area"]) == (n["inland"], 11, 2)
    assert sum(acc["dropped"].values()) == n["broken"]
    assert acc["read"] == acc["placed_inside"] + acc["placed_near_edge"] + acc["outside_study_area"] + sum(
        acc["dropped"].values())
    assert "warning: streetsafe: 11 StreetSafe report(s) lie just outside" in err
    assert "Loud music" in err and "warning:" in err  # the unknown reason is named on a warning line
    assert s["streetsafe"]["accounting"]["read"] == total
    # per-LSOA counts hold the Jan-Jun reports that were placed (coast included)
    with open(h1 / "lsoa_results.csv", encoding="utf-8") as f:
        lsoas = list(csv.DictReader(f))
    assert "fear_gap" in lsoas[0]
    assert {r["fear_gap"] for r in lsoas} <= {"", "fear_not_crime", "crime_not_fear", "both"}
    in_h1 = 3 * 3 * 6 + 1 * 6 + 11  # hubs 0-2: 3 a month, hub 3: 1 a month, Jan-Jun; every coastal report
    assert sum(int(r["streetsafe"]) for r in lsoas) == in_h1
    with open(h1 / "streetsafe_concerns.csv", encoding="utf-8") as f:
        concerns = list(csv.DictReader(f))
    assert sum(int(r["reports"]) for r in concerns) == in_h1
    assert all(r["concern_id"].startswith("SS-E") for r in concerns)
    picked = [r["concern_id"] for r in concerns[:3]]
    log = tmp_path / "actions.csv"
    log.write_text("concern_id,date,action,agency,status\n" + "".join(
        f"{cid},2021-07-0{k + 1},Action {k} taken,Agency {k},done\n" for k, cid in enumerate(picked)), encoding="utf-8")

    q3 = _run(tmp_path, "q3", "--from", "2021-01", "--to", "2021-09", "--actions", str(log))
    wb = load_workbook(q3 / "streetsafe_update.xlsx")
    rows = list(wb["You said, we did"].iter_rows(values_only=True))
    assert list(rows[0]) == ["concern_id", "place", "reports this period", "top reasons", "zone or spot",
                             "actions", "status"]
    got = {r[0]: r for r in rows[1:]}
    for k, cid in enumerate(picked):
        assert f"Action {k} taken (Agency {k})" in got[cid][5] and got[cid][6] == "done"
    before = {r["concern_id"]: int(r["reports"]) for r in concerns}
    for cid in picked:
        assert got[cid][2] >= before[cid]  # the same place, more months of reports
    assert (q3 / "streetsafe_update.html").exists()
    assert json.loads((q3 / "summary.json").read_text())["streetsafe"]["actions"]["concerns_in_period"] == 3


def test_bad_actions_file_exits_2_naming_the_line(tmp_path: Path, capsys) -> None:
    _streetsafe_file(tmp_path / "ss.csv")
    b, c = lattice_study(tmp_path)
    log = tmp_path / "actions.csv"
    log.write_text("concern_id,date,action,agency,status\nSS-E612300N165450,2021-07-01,ok,a,done\n"
                   "not-an-id,2021-07-01,ok,a,done\n", encoding="utf-8")
    rc = main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--streetsafe", str(tmp_path / "ss.csv"),
               "--actions", str(log), "--out", str(tmp_path / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert rc == 2 and "line 3" in err and err.count("error:") == 1 and "Traceback" not in err


def test_no_streetsafe_layer_writes_no_streetsafe_files(tmp_path: Path) -> None:
    b, c = lattice_study(tmp_path)
    out = tmp_path / "o"
    assert main(["analyse", "--boundaries", str(b), "--crimes", str(c), "--out", str(out), "--quiet",
                 "--permutations", "99"]) == 0
    assert not (out / "streetsafe_concerns.csv").exists() and not (out / "streetsafe_update.xlsx").exists()
