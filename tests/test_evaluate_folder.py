"""``hotspots evaluate`` in its output folder: what it may replace, and what it never touches.

An evaluation stages its three files and renames them in with ``evaluation.json`` last, the
seal that lists the other two with their SHA-256: a later evaluation replaces a file only
where it is, byte for byte, what an earlier one wrote, so an analyst's edited
``evaluation.csv`` stops the run (named) instead of being overwritten. An analysis and an
evaluation sharing a folder each prove only their own files: neither removes the other's.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from _study import lattice_args, run_cli

SPLIT = ["--train-from", "2021-01", "--train-to", "2021-09", "--test-from", "2021-10", "--test-to", "2021-12"]
EVALUATION = ("evaluation.json", "evaluation.csv", "concentration.png")


def _cli(capsys, command: str, study: list[str], out: Path, *extra: str,
         split: list[str] = SPLIT) -> tuple[int, list[str]]:
    args = [command, "--out", str(out), "--quiet", "--permutations", "99", *study, *extra]
    return run_cli(capsys, args + split if command == "evaluate" else args)


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture
def study(tmp_path):
    return lattice_args(tmp_path, 6)


def test_the_seal_lists_the_files_and_a_rerun_replaces_them(capsys, tmp_path, study):
    out = tmp_path / "out"
    assert _cli(capsys, "evaluate", study, out)[0] == 0
    first = json.loads((out / "evaluation.json").read_text())
    assert set(first["run_files"]) == {"evaluation.csv", "concentration.png"}
    for name, meta in first["run_files"].items():
        assert meta["sha256"] == _sha(out / name) and meta["bytes"] == (out / name).stat().st_size
    rc, lines = _cli(capsys, "evaluate", study, out)
    assert rc == 0, lines
    second = json.loads((out / "evaluation.json").read_text())
    assert second["run_id"] != first["run_id"]
    assert second["run_files"]["evaluation.csv"]["sha256"] == _sha(out / "evaluation.csv")
    assert not [p.name for p in out.iterdir() if p.name.startswith(".hotspots-run-")]


@pytest.mark.parametrize("name", ["evaluation.csv", "concentration.png"])
def test_an_edited_file_stops_the_rerun_and_is_kept(capsys, tmp_path, study, name):
    out = tmp_path / "out"
    assert _cli(capsys, "evaluate", study, out)[0] == 0
    with (out / name).open("ab") as fh:
        fh.write(b"the analyst's note\n")
    edited = (out / name).read_bytes()
    seal = (out / "evaluation.json").read_bytes()
    rc, lines = _cli(capsys, "evaluate", study, out)
    assert rc == 2 and len(lines) == 1 and name in lines[0] and "changed since hotspots wrote it" in lines[0], lines
    assert (out / name).read_bytes() == edited
    assert (out / "evaluation.json").read_bytes() == seal  # nothing of the refused run was renamed in


def test_a_file_hotspots_did_not_write_is_not_replaced(capsys, tmp_path, study):
    out = tmp_path / "out"
    out.mkdir()
    (out / "evaluation.csv").write_text("someone else's table\n")
    rc, lines = _cli(capsys, "evaluate", study, out)
    assert rc == 2 and "evaluation.csv" in lines[0] and "not one hotspots has a record of writing" in lines[0], lines
    assert (out / "evaluation.csv").read_text() == "someone else's table\n"
    assert not (out / "evaluation.json").exists()


def test_a_link_under_an_evaluation_name_is_not_followed(capsys, tmp_path, study):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "elsewhere.png"
    target.write_bytes(b"precious")
    os.symlink(target, out / "concentration.png")
    rc, lines = _cli(capsys, "evaluate", study, out)
    assert rc == 2 and "concentration.png" in lines[0], lines
    assert target.read_bytes() == b"precious" and (out / "concentration.png").is_symlink()


def test_an_analysis_and_an_evaluation_in_one_folder_keep_each_others_files(capsys, tmp_path, study):
    out = tmp_path / "out"
    assert _cli(capsys, "analyse", study, out, "--no-exports")[0] == 0
    analysis = {p.name: _sha(p) for p in out.iterdir() if p.is_file() and not p.name.startswith(".")
                and p.name != "summary.json"}
    assert "lsoa_results.csv" in analysis
    assert _cli(capsys, "evaluate", study, out)[0] == 0
    assert {n: _sha(out / n) for n in analysis} == analysis
    evaluation = {n: _sha(out / n) for n in EVALUATION}
    rc, lines = _cli(capsys, "analyse", study, out, "--no-exports")
    assert rc == 0 and not any("evaluation" in ln or "concentration" in ln for ln in lines), lines
    assert {n: _sha(out / n) for n in EVALUATION} == evaluation
    summary = json.loads((out / "summary.json").read_text())
    assert not set(EVALUATION) & set(summary["run_files"]) and not summary.get("kept_files")
    assert _cli(capsys, "evaluate", study, out)[0] == 0  # and the evaluation still proves its own


def test_a_run_stopped_between_its_renames_does_not_strand_its_own_files(capsys, tmp_path, study, monkeypatch):
    """Stopped after evaluation.csv was renamed in, before the seal: the folder holds the new
    table and the old picture, and no seal; the lock's copy of both manifests still proves
    both are ours."""
    import hotspots.export.run_folder as run_folder

    out = tmp_path / "out"
    assert _cli(capsys, "evaluate", study, out)[0] == 0
    old_seal = (out / "evaluation.json").read_bytes()
    real = os.replace
    calls = []

    def replace_once(src, dst):  # noqa: ANN001 - the staging folder's own atomic writes pass through
        if Path(dst).parent == out:
            calls.append(Path(dst).name)
            if len(calls) > 1:
                raise OSError(5, "Input/output error")
        return real(src, dst)

    with monkeypatch.context() as m:
        m.setattr(run_folder.os, "replace", replace_once)
        rc, lines = _cli(capsys, "evaluate", study, out, split=["--train-from", "2021-04", *SPLIT[2:]])
    assert rc != 0 and calls[0] == "evaluation.csv", (rc, lines, calls)
    assert not (out / "evaluation.json").exists()  # taken away before the renames: the folder says it is incomplete
    assert _sha(out / "evaluation.csv") not in {m["sha256"] for m in json.loads(old_seal)["run_files"].values()}
    rc, lines = _cli(capsys, "evaluate", study, out)
    assert rc == 0, lines
