"""Issue 13, flags and faults: refused flags, termination signals, two runs in one folder, full disks.

Each test drives ``hotspots analyse`` (in-process, or as a child process where a signal is
involved) on the 6 x 6 lattice study and checks what an analyst would find in the output
folder afterwards: no temporaries, no partial final names, no mixture of two runs.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _study import lattice_study

from hotspots.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _cli(capsys, args: list[str], out: Path | str, *, exports: bool = False) -> tuple[int, list[str]]:
    extra = [] if exports else ["--no-exports"]
    try:
        rc = main(["analyse", "--out", str(out), "--quiet", "--permutations", "99", *extra, *args])
    except SystemExit as exc:  # argparse's usage errors (the console script exits with this code)
        rc = exc.code
    err = capsys.readouterr().err
    return rc, [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("warning: ")]


@pytest.fixture
def study(tmp_path):
    b, c = lattice_study(tmp_path, 6)
    return ["--boundaries", str(b), "--crimes", str(c)]


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name or p.name.startswith(".hotspots-run-"))


# --- 7. flags --------------------------------------------------------------------------------------

@pytest.mark.parametrize("flags, needle", [
    (["--weights", "distance:nan"], "--weights"),
    (["--weights", "distance:1e12"], "--weights"),
    (["--weights", "knn:100000"], "--weights"),
    (["--seed", "-1"], "--seed"),
    (["--seed", str(2**40)], "--seed"),
    (["--seed", "2**40"], "--seed"),
    (["--n-jobs", "0"], "--n-jobs"),
])
def test_7_flags_out_of_range_are_refused(capsys, tmp_path, study, flags, needle):
    rc, lines = _cli(capsys, [*study, *flags], tmp_path / "out")
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], lines
    assert "unexpected" not in lines[0]


def test_7_empty_out_is_refused(capsys, tmp_path, study, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rc, lines = _cli(capsys, study, "")
    assert rc == 2 and len(lines) == 1 and "--out" in lines[0], lines
    assert not (tmp_path / "lsoa_results.csv").exists()


def _far_geometry(tmp_path: Path, study: list[str], every: bool) -> Path:
    b = Path(study[1])
    fc = json.loads(b.read_text())
    for f in fc["features"] if every else fc["features"][:1]:
        f["geometry"]["coordinates"] = [[[1e308, y] for _x, y in ring] for ring in f["geometry"]["coordinates"]]
    out = tmp_path / "far.geojson"
    out.write_text(json.dumps(fc))
    return out


def test_7_geometry_with_1e308_coordinates(capsys, tmp_path, study):
    far = _far_geometry(tmp_path, study, every=False)
    rc, lines = _cli(capsys, ["--boundaries", str(far), "--crimes", study[3]], tmp_path / "out")
    assert rc == 0 and lines == [], lines
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["inputs"]["boundaries"]["dropped"] == {"coordinates out of range": 1}
    far = _far_geometry(tmp_path, study, every=True)
    rc, lines = _cli(capsys, ["--boundaries", str(far), "--crimes", study[3]], tmp_path / "out2")
    assert rc == 2 and len(lines) == 1 and "1e308" in lines[0] and str(far) in lines[0], lines


# --- 11. termination signals -------------------------------------------------------------------------

_KILL_INSIDE_PDF = """
import os, signal, sys
from pathlib import Path
import hotspots.export.briefing.briefing as briefing
from hotspots.export.atomic import atomic_path

def slow_briefing(analysis, layers, study, path, *a, **kw):
    with atomic_path(path) as tmp:
        tmp.write_bytes(b"%PDF-1.4 half a briefing")
        os.kill(os.getpid(), signal.{sig})
        import time; time.sleep(5)
    return path

briefing.write_briefing = slow_briefing
from hotspots.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _child(tmp_path: Path, study: list[str], out: Path, sig: str) -> subprocess.CompletedProcess:
    script = tmp_path / "child.py"
    script.write_text(textwrap.dedent(_KILL_INSIDE_PDF.replace("{sig}", sig)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(script), "analyse", "--out", str(out), "--quiet",
                           "--permutations", "99", *study], capture_output=True, text=True, env=env, timeout=300)


def test_11_sigterm_during_the_pdf_export_leaves_no_temporaries(tmp_path, study):
    out = tmp_path / "out"
    r = _child(tmp_path, study, out, "SIGTERM")
    assert r.returncode in (130, 143), r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("error:") == 1, r.stderr
    assert _temporaries(out) == []
    assert not (out / "briefing.pdf").exists() and not (out / "summary.json").exists()


def test_11_a_killed_runs_leftovers_are_removed_and_the_earlier_run_kept(capsys, tmp_path, study):
    out = tmp_path / "out"
    rc, _ = _cli(capsys, study, out, exports=True)
    assert rc == 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    r = _child(tmp_path, study, out, "SIGKILL")  # nothing can clean up after kill -9
    assert r.returncode == -signal.SIGKILL
    assert _temporaries(out)  # the killed run's staging folder is still there
    after = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert after == before  # and the earlier run's files are untouched, every one
    (out / ".briefing.abcd1234.tmp.pdf").write_bytes(b"stale")
    (out / "my notes.txt").write_text("the analyst's own file")
    rc, _ = _cli(capsys, study, out)
    assert rc == 0 and _temporaries(out) == []
    assert (out / "my notes.txt").read_text() == "the analyst's own file"


# --- 13. two runs, one folder ---------------------------------------------------------------------------

def test_13_every_output_carries_the_run_id(capsys, tmp_path, study):
    from hotspots.export._stamps import read_stamp

    out = tmp_path / "out"
    rc, _ = _cli(capsys, study, out, exports=True)
    assert rc == 0
    s = json.loads((out / "summary.json").read_text())
    run_id = s["run_id"]
    stamped = [p for p in out.iterdir() if p.suffix in (".gpkg", ".geojson", ".html", ".xlsx", ".pdf", ".png", ".tif",
                                                        ".docx")]
    assert {p.name for p in stamped} >= {"patrol_zones.gpkg", "hotspots.xlsx", "patrol_map.html", "briefing.pdf"}
    assert {p.name: read_stamp(p) for p in stamped} == {p.name: run_id for p in stamped}
    for name, meta in s["run_files"].items():  # the seal: every other file by size and hash
        data = (out / name).read_bytes()
        assert meta == {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}, name


def test_13_stamped_files_still_open(capsys, tmp_path, study):
    import openpyxl
    import pyogrio

    out = tmp_path / "out"
    assert _cli(capsys, study, out, exports=True)[0] == 0
    assert len(pyogrio.read_dataframe(out / "patrol_zones.gpkg", layer="lsoa_results")) == 36
    assert json.loads((out / "patrol_zones.geojson").read_text())["type"] == "FeatureCollection"
    assert "About" in openpyxl.load_workbook(out / "hotspots.xlsx").sheetnames
    assert (out / "briefing.pdf").read_bytes().rstrip().endswith(b"%%EOF")


def test_13_a_second_run_into_a_busy_folder_is_refused(capsys, tmp_path, study):
    from hotspots.export.run_folder import RunFolder

    out = tmp_path / "out"
    with RunFolder(out, signals=False) as held:
        rc, lines = _cli(capsys, study, out)
        assert rc == 2 and len(lines) == 1 and "another hotspots run" in lines[0] and held.run_id in lines[0]
    assert _cli(capsys, study, out)[0] == 0  # the lock goes with the run


def test_13_a_smaller_rerun_removes_the_earlier_runs_other_files(capsys, tmp_path, study):
    out = tmp_path / "out"
    assert _cli(capsys, study, out, exports=True)[0] == 0
    (out / "mine.csv").write_text("kept")
    assert _cli(capsys, study, out)[0] == 0  # --no-exports: two files
    s = json.loads((out / "summary.json").read_text())
    names = {p.name for p in out.iterdir() if not p.name.startswith(".")}
    assert names == {"lsoa_results.csv", "summary.json", "mine.csv"}, names
    assert set(s["run_files"]) == {"lsoa_results.csv"}


# --- 14. a full disk ------------------------------------------------------------------------------------

@pytest.mark.parametrize("exc", [OSError(errno.ENOSPC, "No space left on device"),
                                 RuntimeError("sqlite3: database or disk is full")])
def test_14_full_disk_names_the_folder_and_the_space(capsys, tmp_path, study, monkeypatch, exc):
    import hotspots.export.results as results

    def full(*a, **kw):
        raise exc

    monkeypatch.setattr(results, "write_results_csv", full)
    out = tmp_path / "out"
    rc, lines = _cli(capsys, study, out)
    assert rc == 2 and len(lines) == 1, lines
    assert "disk is full" in lines[0] and str(out) in lines[0] and "needed" in lines[0] and "free" in lines[0]
    assert _temporaries(out) == []


# --- 9. odd output folder names ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["results (final!)", "\tlead", "a|b"])
def test_9_output_folder_with_an_odd_name(capsys, tmp_path, study, name):
    out = tmp_path / name
    rc, lines = _cli(capsys, study, out, exports=True)
    assert rc == 0 and lines == [], lines
    assert {"patrol_zones.gpkg", "hotspots.xlsx", "summary.json"} <= {p.name for p in out.iterdir()}
    assert not any(p.name.endswith((".gpkg", ".shp")) for p in tmp_path.iterdir())  # nothing written beside it
