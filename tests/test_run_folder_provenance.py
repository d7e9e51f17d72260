"""Issue 27 items 1, 2, 13: what a run may delete, replace or follow in its output folder.

A run deletes or replaces only files it can prove an earlier run of this tool wrote (the
recorded SHA-256 still matches the file); anything changed since is kept and said so; a
link planted in the folder (the lock, an output) is never followed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from _study import lattice_args, run_cli


def _cli(capsys, args: list[str], out: Path, *, exports: bool = False, command: str = "analyse"):
    extra = [] if exports else ["--no-exports"]
    return run_cli(capsys, [command, "--out", str(out), "--quiet", "--permutations", "99", *extra, *args])


@pytest.fixture
def study(tmp_path):
    return lattice_args(tmp_path, 6)


def test_1_a_planted_summary_cannot_name_a_users_file_for_deletion(capsys, tmp_path, study):
    out = tmp_path / "out"
    out.mkdir()
    notes = out / "notes.txt"
    notes.write_text("the analyst's notes")
    fake = {"run_id": "x", "run_files": {"notes.txt": {"bytes": 19, "sha256": "0" * 64}}}
    (out / "summary.json").write_text(json.dumps(fake))
    rc, lines = _cli(capsys, study, out)
    assert rc == 0, lines
    assert notes.read_text() == "the analyst's notes"
    assert any(ln.startswith("warning: ") and "notes.txt" in ln for ln in lines), lines


def test_1_a_no_exports_rerun_keeps_the_analysts_edited_workbook(capsys, tmp_path, study):
    out = tmp_path / "out"
    assert _cli(capsys, study, out, exports=True)[0] == 0
    xlsx, pdf = out / "hotspots.xlsx", out / "briefing.pdf"
    xlsx.write_bytes(xlsx.read_bytes() + b"edited")
    edited_x = xlsx.read_bytes()
    with pdf.open("ab") as fh:
        fh.write(b"% annotated\n")
    edited_p = pdf.read_bytes()
    untouched = out / "patrol_map.html"
    rc, lines = _cli(capsys, study, out)
    assert rc == 0, lines
    assert xlsx.read_bytes() == edited_x and pdf.read_bytes() == edited_p
    assert not untouched.exists()  # still ours, unchanged: the smaller run removes it
    warned = " ".join(ln for ln in lines if ln.startswith("warning: "))
    assert "hotspots.xlsx" in warned and "briefing.pdf" in warned
    s = json.loads((out / "summary.json").read_text())
    assert set(s["kept_files"]) == {"hotspots.xlsx", "briefing.pdf"}


def test_1_a_rerun_never_overwrites_a_changed_output(capsys, tmp_path, study):
    out = tmp_path / "out"
    assert _cli(capsys, study, out)[0] == 0
    csv = out / "lsoa_results.csv"
    csv.write_text(csv.read_text() + "my,own,row\n")
    edited = csv.read_bytes()
    rc, lines = _cli(capsys, study, out)
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("error: "), lines
    assert "lsoa_results.csv" in lines[0] and "changed" in lines[0]
    assert csv.read_bytes() == edited
    assert not [p for p in out.iterdir() if p.name.startswith(".hotspots-run-")]


def test_1_a_users_file_with_an_output_name_in_a_fresh_folder_is_not_overwritten(capsys, tmp_path, study):
    out = tmp_path / "out"
    out.mkdir()
    (out / "lsoa_results.csv").write_text("someone else's table\n")
    rc, lines = _cli(capsys, study, out)
    assert rc == 2 and "lsoa_results.csv" in lines[0], lines
    assert (out / "lsoa_results.csv").read_text() == "someone else's table\n"


def test_1_reruns_into_an_own_folder_still_replace_and_clean(capsys, tmp_path, study):
    out = tmp_path / "out"
    assert _cli(capsys, study, out, exports=True)[0] == 0
    rc, lines = _cli(capsys, study, out)
    assert rc == 0 and not [ln for ln in lines if ln.startswith(("warning: kept", "error"))], lines
    assert {p.name for p in out.iterdir() if not p.name.startswith(".")} == {"lsoa_results.csv", "summary.json"}
    assert _cli(capsys, study, out)[0] == 0


@pytest.mark.parametrize("name", [".hotspots.lock", "lsoa_results.csv", "summary.json"])
def test_2_a_planted_link_in_the_output_folder_is_never_followed(capsys, tmp_path, study, name):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.symlink(victim, out / name)
    rc, lines = _cli(capsys, study, out)
    assert rc == 2 and len(lines) == 1 and "link" in lines[0] and name in lines[0], lines
    assert victim.read_text() == "precious"
    assert (out / name).is_symlink()


def test_2_a_fifo_as_the_summary_does_not_hang(capsys, tmp_path, study):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "summary.json")
    rc, lines = _cli(capsys, study, out)
    assert rc == 2 and "summary.json" in lines[0], lines


def test_13_evaluate_refuses_a_folder_an_analysis_is_writing(capsys, tmp_path, study):
    from hotspots.export.run_folder import RunFolder

    out = tmp_path / "out"
    with RunFolder(out, signals=False) as held:
        rc, lines = _cli(capsys, [*study, "--train-from", "2021-01", "--train-to", "2021-09",
                                  "--test-from", "2021-10", "--test-to", "2021-12"], out, command="evaluate",
                         exports=True)
        assert rc == 2 and len(lines) == 1 and "another hotspots run" in lines[0] and held.run_id in lines[0], lines
    assert not (out / "evaluation.json").exists()


def test_11_a_full_disk_seen_through_a_library_error_is_said_as_a_full_disk(capsys, tmp_path, study, monkeypatch):
    """matplotlib's PDF writer meets ENOSPC, then fails again closing its zlib stream: the error
    that arrives is ``zlib.error: Error -2 while flushing``, the full disk only in its context."""
    import errno
    import zlib

    import hotspots.export.results as results

    def full(*a, **kw):
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError:
            raise zlib.error("Error -2 while flushing: inconsistent stream state")  # noqa: B904 - as the library does

    monkeypatch.setattr(results, "write_results_csv", full)
    out = tmp_path / "out"
    rc, lines = _cli(capsys, study, out)
    lines = [ln for ln in lines if not ln.startswith("warning: ")]
    assert rc == 2 and len(lines) == 1 and "disk is full" in lines[0] and str(out) in lines[0], lines


def test_2_a_lock_hard_linked_to_a_file_outside_is_not_written(capsys, tmp_path, study):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    os.link(victim, out / ".hotspots.lock")
    rc, lines = _cli(capsys, study, out)
    assert rc == 2 and len(lines) == 1 and "link" in lines[0], lines
    assert victim.read_text() == "precious"
