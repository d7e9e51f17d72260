"""Crime files parsed from the start of a CLI run (hotspots.data.early_parse): the load takes
the parse started for the very same files, and the layers are the ones it would have read."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from _imports import imported_after

from hotspots.data import early_parse
from hotspots.data.crimes import parse_crime_files
from hotspots.data.file_identity import file_identity
from hotspots.runtime import early


@pytest.fixture()
def demo_files(tmp_path):
    from hotspots.study import demo_study

    study = demo_study()
    if not Path(study.boundaries).exists():
        pytest.skip("demo data not generated")
    crimes = tmp_path / "crime"
    crimes.mkdir()
    for f in [study.crimes] if isinstance(study.crimes, str) else study.crimes:
        if Path(f).is_dir():
            shutil.copytree(f, crimes / Path(f).name)
        else:
            shutil.copy(f, crimes / Path(f).name)
    study.crimes = str(crimes)
    yield study
    early.forget()


def test_the_parse_reads_no_pandas_so_it_can_start_before_the_imports():
    assert imported_after("import hotspots.data.crimes, hotspots.data.early_parse", "pandas", "geopandas") == [
        False, False]


def test_the_settings_are_checked_without_pandas_before_the_parse_starts():
    """The CLI validates the settings before it starts the early parse: importing the weights'
    and the cell's checks from the statistics and the grid (pandas, geopandas) held it back 0.35 s."""
    code = ("from hotspots.study import Study; "
            "Study(boundaries='b.gpkg', crimes=['c']).settings.validated()")
    assert imported_after(code, "pandas", "geopandas", "numpy") == [False, False, False]


def test_the_parse_started_early_is_claimed_once_and_only_for_the_same_files(demo_files):
    study = demo_files
    early_parse.start_parse(study.crimes)
    future = early_parse.claim_parse(file_identity(study.crimes))
    assert future is not None and early_parse.claim_parse(file_identity(study.crimes)) is None  # once
    parsed, seconds = future.result()
    direct = parse_crime_files(study.crimes)
    assert seconds >= 0 and parsed.report.files == direct.report.files
    a, b = parsed.acc.finish(), direct.acc.finish()
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f") for k in a)
    early_parse.start_parse(study.crimes)
    month = sorted(Path(study.crimes).rglob("*.csv"))[0]
    month.write_text(month.read_text(encoding="utf-8") + month.read_text(encoding="utf-8").splitlines()[-1] + "\n",
                     encoding="utf-8")  # the files changed since: not this parse
    assert early_parse.claim_parse(file_identity(study.crimes)) is None and not early.pending()


def test_the_load_takes_the_early_parse_and_reads_the_same_layers(demo_files, monkeypatch):
    from hotspots.data import crimes as crimes_mod
    from hotspots.load import load_layers

    study = demo_files
    plain = load_layers(study)
    early_parse.start_parse(study.crimes)
    calls: list[int] = []
    real = crimes_mod.parse_crime_files
    monkeypatch.setattr(crimes_mod, "parse_crime_files", lambda *a, **k: calls.append(1) or real(*a, **k))
    taken = load_layers(study)
    assert calls == [] and not early.pending()  # the load parsed nothing itself
    assert taken.timings["parse_crimes"] >= 0
    for col in ("x", "y", "lsoa", "month", "crime_type", "location"):
        assert taken.crimes[col].astype(str).tolist() == plain.crimes[col].astype(str).tolist()
    assert taken.reports["crimes"].rows_kept == plain.reports["crimes"].rows_kept


def test_a_failed_early_parse_is_raised_by_the_load_as_its_own_would_be(tmp_path):
    from hotspots.data.errors import DataError
    from hotspots.load import load_layers
    from hotspots.study import Study, demo_study

    demo = demo_study()
    if not Path(demo.boundaries).exists():
        pytest.skip("demo data not generated")
    bad = tmp_path / "2024-01-x-street.csv"
    bad.write_text("not,a,police,uk,file\n1,2,3,4,5\n", encoding="utf-8")
    study = Study(boundaries=demo.boundaries, crimes=str(bad))
    with pytest.raises(DataError) as own:
        load_layers(study)
    early_parse.start_parse(study.crimes)
    with pytest.raises(DataError) as taken:
        load_layers(study)
    assert str(taken.value) == str(own.value) and not early.pending()


def test_the_cli_parses_early_only_large_files_and_writes_the_same_results(tmp_path, monkeypatch):
    from hotspots.cli import analyse as cli_analyse
    from hotspots.cli import main

    started: list[str] = []
    real = early_parse.start_parse
    monkeypatch.setattr(early_parse, "start_parse", lambda c, *rest: started.append(c) or real(c, *rest))
    args = ["analyse", "--demo", "--permutations", "99", "--no-exports", "--quiet"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0 and started == []  # the demo's files are small
    monkeypatch.setattr(cli_analyse, "PARSE_EARLY_FROM", 0)
    assert main([*args, "--out", str(tmp_path / "b")]) == 0 and len(started) == 1
    assert ((tmp_path / "a" / "lsoa_results.csv").read_bytes() == (tmp_path / "b" / "lsoa_results.csv").read_bytes())
    assert not early.pending()
