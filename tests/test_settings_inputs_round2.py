"""Issue 27 items 5, 8, 9, 11 (population), 12: what users' settings and input files do to a run.

Each bad file is one exit-2 ``error:`` line naming the file (and line, where there is one)
and the fix; nothing hangs on a FIFO, nothing is read into memory from a device or a
decompression bomb, and no row of a settings file is silently merged with another.
"""

from __future__ import annotations

import json
import os
import threading
import zipfile
from pathlib import Path

import pytest
from _study import lattice_study

from hotspots.cli import main
from hotspots.data.errors import DataError


def _cli(capsys, args, out):
    try:
        rc = main(["analyse", "--out", str(out), "--quiet", "--permutations", "99", "--no-exports", *args])
    except SystemExit as exc:
        rc = exc.code
    err = capsys.readouterr().err
    return rc, [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("warning: ")]


@pytest.fixture
def study(tmp_path):
    b, c = lattice_study(tmp_path, 6)
    return ["--boundaries", str(b), "--crimes", str(c)]


def _in_thread(fn, seconds=20):
    """Run fn in a thread; fail (not hang) if it has not returned within ``seconds``."""
    box = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            box["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), "hung"
    if "error" in box:
        raise box["error"]
    return box["value"]


# --- 5. settings files --------------------------------------------------------------------------

def test_5_a_crime_type_twice_in_the_harm_weights_is_refused(capsys, tmp_path, study):
    w = tmp_path / "weights.csv"
    w.write_text("category,weight\nBurglary,10\nShoplifting,2\nBurglary,9999\n")
    rc, lines = _in_thread(lambda: _cli(capsys, [*study, "--harm-weights", str(w)], tmp_path / "out"))
    assert rc == 2 and len(lines) == 1, lines
    assert str(w) in lines[0] and "line 4" in lines[0] and "line 2" in lines[0] and "Burglary" in lines[0]


def test_5_an_alias_of_a_crime_type_already_given_is_a_repeat_too(tmp_path):
    from hotspots.data.harm_weights import read_harm_weights

    w = tmp_path / "weights.csv"
    w.write_text("category,weight\nViolence and sexual offences,10\nviolent-crime,20\n")
    with pytest.raises(DataError) as err:
        read_harm_weights(w)
    assert err.value.row == 3


def test_5_two_identical_action_rows_are_two_actions(tmp_path):
    from hotspots.data.actions import read_actions, study_actions
    from hotspots.study import Study

    a = tmp_path / "actions.csv"
    row = "SS-E612300N165450,2021-03-01,patrol,police,done\n"
    a.write_text("concern_id,date,action,agency,status\n" + row + row)
    assert len(read_actions(a)[0]) == 2
    s = Study(actions=str(a), action_rows=[{"concern_id": "SS-E612300N165450", "date": "2021-03-02",
                                            "action": "lights", "agency": "council", "status": "done"}] * 2)
    assert len(study_actions(s)) == 4


# --- 8. FIFOs and devices --------------------------------------------------------------------------

@pytest.mark.parametrize("flag, name", [("--boundaries", "fifo.geojson"), ("--boundaries", "fifo.gpkg"),
                                        ("--imd", "imd.csv"), ("--population", "pop.xlsx"),
                                        ("--harm-weights", "w.csv"), ("--actions", "a.csv"),
                                        ("--lsoa-lookup", "l.csv"), ("--crimes", "fifo.csv"),
                                        ("--crimes", "fifo.zip"), ("--pubs", "p.csv"), ("--streetsafe", "s.csv")])
def test_8_a_fifo_as_an_input_is_refused_not_waited_on(capsys, tmp_path, study, flag, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    args = [a for a in study]
    if flag == "--boundaries":
        args[1] = str(fifo)
    elif flag == "--crimes":
        args[3] = str(fifo)
    else:
        args += [flag, str(fifo)]
    rc, lines = _in_thread(lambda: _cli(capsys, args, tmp_path / "out"))
    assert rc == 2 and len(lines) == 1 and "not a regular file" in lines[0] and str(fifo) in lines[0], lines


def test_8_a_device_as_the_imd_is_not_a_regular_file(capsys, tmp_path, study):
    rc, lines = _in_thread(lambda: _cli(capsys, [*study, "--imd", "/dev/urandom"], tmp_path / "out"))
    assert rc == 2 and len(lines) == 1 and "not a regular file" in lines[0] and "empty" not in lines[0], lines


def test_8_a_fifo_as_the_study_file_is_refused(tmp_path):
    from hotspots.data.study_file import read_study

    fifo = tmp_path / "s.hotspots"
    os.mkfifo(fifo)
    with pytest.raises(DataError) as err:
        _in_thread(lambda: read_study(fifo))
    assert "not a regular file" in str(err.value)


# --- 9. an XLSX decompression bomb -----------------------------------------------------------------

def _bomb(path: Path, rows: int) -> Path:
    """A valid XLSX whose one sheet inflates to ``rows`` rows (compressed it is small)."""
    head = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
    row = '<row><c t="inlineStr"><is><t>E01000001</t></is></c><c><v>5</v></c></row>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                   'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
                   'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(head.encode())
            fh.write(b'<row><c t="inlineStr"><is><t>LSOA code (2011)</t></is></c>'
                     b'<c t="inlineStr"><is><t>IMD Decile</t></is></c></row>')
            block = (row * 10_000).encode()
            for _ in range(rows // 10_000):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")
    return path


def test_9_an_xlsx_bomb_is_refused_before_it_is_inflated(capsys, tmp_path, study):
    import resource

    bomb = _bomb(tmp_path / "imd.xlsx", 4_000_000)
    assert bomb.stat().st_size < 10_000_000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rc, lines = _in_thread(lambda: _cli(capsys, [*study, "--imd", str(bomb)], tmp_path / "out"), 60)
    grew_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert rc == 2 and len(lines) == 1 and str(bomb) in lines[0] and "MB" in lines[0], lines
    assert grew_mb < 300, grew_mb


def test_9_a_real_sized_workbook_still_reads(tmp_path):
    from hotspots.data._tables import read_table

    df = read_table(_bomb(tmp_path / "ok.xlsx", 40_000), "IMD table", header_hint=["lsoacode", "imd"])
    assert len(df) == 40_000


# --- 11. population that cannot be a count of residents ----------------------------------------------

@pytest.mark.parametrize("value", ["1e-300", "inf", "1e300", "-inf", "0.5"])
def test_11_population_that_is_no_resident_count(capsys, tmp_path, study, value):
    codes = [f"E01{j:03d}{i:03d}" for j in range(6) for i in range(6)]
    p = tmp_path / "pop.csv"
    p.write_text("lsoa_code,population\n" + "".join(f"{c},{value}\n" for c in codes))
    rc, lines = _cli(capsys, [*study, "--population", str(p), "--measure", "rate"], tmp_path / "out")
    assert rc == 2 and len(lines) == 1 and str(p) in lines[0] and "unexpected" not in lines[0], lines


def test_11_one_implausible_population_row_is_dropped_and_counted(tmp_path):
    from hotspots.data.population import read_population

    p = tmp_path / "pop.csv"
    p.write_text("lsoa_code,population\nE01000001,1500\nE01000002,inf\nE01000003,1e-300\n")
    pop, rep = read_population(p)
    assert list(pop["lsoa_code"]) == ["E01000001"]
    assert sum(rep.dropped.values()) == 2


# --- 12. study files -------------------------------------------------------------------------------------

@pytest.mark.parametrize("patch, needle", [
    ({"lsoa_lookup": 5}, "lsoa_lookup"),
    ({"actions": ["a.csv"]}, "actions"),
    ({"action_rows": 5}, "action_rows"),
    ({"action_rows": "SS-E612300N165450"}, "action_rows"),
    ({"action_rows": [5]}, "action_rows[0]"),
    ({"action_rows": [{"action": ["x"]}]}, "action_rows[0].action"),
    ({"extract": 7}, "extract"),
    ({"settings": {"seed": "BIGSEED"}}, "seed"),
])
def test_12_bad_study_fields_are_one_clear_error(tmp_path, patch, needle):
    from hotspots.data.study_file import read_study

    d = {"format": "hotspots-study", "version": 1, "boundaries": "b.geojson", "crimes": ["c.csv"]}
    d.update(patch)
    p = tmp_path / "s.hotspots"
    p.write_text(json.dumps(d).replace('"BIGSEED"', "9" * 5000))
    with pytest.raises(DataError) as err:
        read_study(p)
    assert needle in str(err.value), str(err.value)


def test_12_duplicate_keys_in_a_study_are_refused(tmp_path):
    from hotspots.data.study_file import read_study

    p = tmp_path / "s.hotspots"
    p.write_text('{"format": "hotspots-study", "version": 1, "boundaries": "a.geojson", "boundaries": "b.geojson"}')
    with pytest.raises(DataError) as err:
        read_study(p)
    assert "boundaries" in str(err.value) and "twice" in str(err.value)


def test_12_a_good_study_with_action_rows_still_reads(tmp_path):
    from hotspots.data.study_file import read_study

    row = {"concern_id": "SS-E612300N165450", "date": "2021-03-01", "action": "patrol", "agency": "police",
           "status": "done"}
    p = tmp_path / "s.hotspots"
    p.write_text(json.dumps({"format": "hotspots-study", "version": 1, "boundaries": "b.geojson",
                             "action_rows": [row, row], "lsoa_lookup": None}))
    assert read_study(p).action_rows == [row, row]


@pytest.mark.parametrize("name", ["fifo.geojson", "fifo.gpkg", "fifo.csv", "fifo.xlsx", "fifo.zip"])
def test_8_the_app_guessing_a_dropped_fifo_does_not_wait_on_it(tmp_path, name):
    from gui.file_kinds import guess_kind

    fifo = tmp_path / name
    os.mkfifo(fifo)
    guess = _in_thread(lambda: guess_kind(fifo), 10)
    assert guess.kind is None and "not a regular file" in guess.reason


def test_9_the_app_guessing_a_dropped_xlsx_bomb_does_not_inflate_it(tmp_path):
    from gui.file_kinds import guess_kind

    guess = _in_thread(lambda: guess_kind(_bomb(tmp_path / "imd.xlsx", 4_000_000)), 30)
    assert guess.kind is None and "inflate" in guess.reason
    assert guess_kind(_bomb(tmp_path / "small.xlsx", 1_000)).kind == "imd"
