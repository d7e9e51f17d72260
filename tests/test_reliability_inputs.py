"""Issue 13, hostile inputs: each class of the probe through the whole CLI (``hotspots analyse``).

Every test here failed on main before the fix (see the issue for the probe's figures): a
silent double count, a silent loss, a traceback, an exit 1 for bad input, or a misdiagnosis.
Expected values come from hand-made cases (a lattice whose crimes we count ourselves) or
from the real Kent files read once, never from our own output of the same case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real
from _study import HEADER, lattice_study

from hotspots.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _cli(capsys, args: list[str], out: Path) -> tuple[int, list[str]]:
    rc = main(["analyse", "--out", str(out), "--quiet", "--no-exports", "--permutations", "99", *args])
    err = capsys.readouterr().err
    return rc, [ln for ln in err.splitlines() if ln.strip()]


def _ok(capsys, tmp_path: Path, args: list[str]) -> dict:
    out = tmp_path / "out"
    rc, lines = _cli(capsys, args, out)
    assert rc == 0 and all(ln.startswith("warning: ") for ln in lines), lines
    s = json.loads((out / "summary.json").read_text())
    for rep in s["inputs"].values():  # every warning of the summary was said on stderr too
        assert all(any(w[:60] in ln for ln in lines) for w in rep["warnings"]), (rep["warnings"], lines)
    for kind, rep in s["inputs"].items():
        assert rep["rows_read"] == rep["rows_kept"] + sum(rep["dropped"].values()), kind
    return s


def _error(capsys, tmp_path: Path, args: list[str]) -> str:
    rc, lines = _cli(capsys, args, tmp_path / "out")
    assert rc == 2, lines
    assert len(lines) == 1 and lines[0].startswith("error:") and "fix:" in lines[0], lines
    return lines[0]


def _subprocess_cli(args: list[str], out: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "hotspots.cli", "analyse", "--out", str(out), "--quiet",
                           "--no-exports", "--permutations", "99", *args],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture
def study(tmp_path):
    return lattice_study(tmp_path, 6)


def _asb_rows(crimes: Path) -> int:
    return sum(1 for ln in crimes.read_text().splitlines()[1:] if "Anti-social behaviour" in ln)


# --- 1. the same month read twice --------------------------------------------------------------

def test_1_same_file_twice_counts_asb_once(capsys, tmp_path, study):
    b, c = study
    s = _ok(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), str(c)])
    crimes = s["inputs"]["crimes"]
    total = len(c.read_text().splitlines()) - 1
    assert crimes["rows_kept"] == total == 231  # not 231 + the ASB rows again
    assert crimes["info"]["asb_rows_kept"] == _asb_rows(c)
    assert crimes["info"]["repeated_file_count"] == 1
    assert crimes["dropped"]["same month read twice (repeated file)"] == total
    assert any("repeat a month already read" in w for w in crimes["warnings"])


def test_1_download_unpacked_beside_its_zip(capsys, tmp_path, study):
    b, c = study
    folder = tmp_path / "download"
    folder.mkdir()
    month = folder / "2021-01-lattice-street.csv"
    month.write_bytes(c.read_bytes())
    with zipfile.ZipFile(folder / "download.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(month, "2021-01/2021-01-lattice-street.csv")
    s = _ok(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(folder)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231
    assert s["inputs"]["crimes"]["info"]["asb_rows_kept"] == _asb_rows(c)
    assert s["inputs"]["crimes"]["info"]["repeated_file_count"] == 1


def test_1_folder_added_twice_and_same_name_elsewhere(capsys, tmp_path, study):
    b, c = study
    a, other = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    other.mkdir()
    (a / "2021-01-lattice-street.csv").write_bytes(c.read_bytes())
    # a later download of the same month and force: same name, one row fewer
    lines = c.read_text().splitlines(keepends=True)
    (other / "2021-01-lattice-street.csv").write_text("".join(lines[:-1]))
    s = _ok(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(a), str(a), str(other)])
    crimes = s["inputs"]["crimes"]
    assert crimes["rows_kept"] == 231 and crimes["info"]["repeated_file_count"] == 2
    assert any("content differs" in w for w in crimes["warnings"])


def test_1_different_extracts_with_one_generic_name_are_both_read(capsys, tmp_path, study):
    """Not every shared name is a repeat: north/crimes.csv and south/crimes.csv are two areas."""
    b, c = study
    rows = c.read_text().splitlines(keepends=True)
    for k, part in enumerate(("north", "south")):
        (tmp_path / part).mkdir()
        (tmp_path / part / "crimes.csv").write_text(HEADER + "".join(rows[1 + k::2]))
    s = _ok(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(tmp_path / "north"), str(tmp_path / "south")])
    assert s["inputs"]["crimes"]["rows_kept"] == 231


@pytest.mark.realdata
def test_1_kent_2021_doubled(capsys, tmp_path):
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    folder = tmp_path / "kent"
    folder.mkdir()
    months = sorted(KENT_CRIME.glob("*-street.csv"))
    for m in months:
        (folder / m.name).symlink_to(m)
    with zipfile.ZipFile(folder / "kent-2021.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for m in months:
            zf.write(m, f"{m.name[:7]}/{m.name}")
    once = _ok(capsys, tmp_path / "once", ["--boundaries", str(KENT_BOUNDARIES), "--crimes", str(KENT_CRIME)])
    twice = _ok(capsys, tmp_path / "twice", ["--boundaries", str(KENT_BOUNDARIES), "--crimes", str(folder)])
    assert once["inputs"]["crimes"]["rows_kept"] == 208_942
    assert twice["inputs"]["crimes"]["rows_kept"] == 208_942  # not 248,402
    assert twice["inputs"]["crimes"]["info"]["asb_rows_kept"] == once["inputs"]["crimes"]["info"]["asb_rows_kept"]
    assert twice["inputs"]["crimes"]["info"]["repeated_file_count"] == 12
    a = (tmp_path / "once" / "out" / "lsoa_results.csv").read_text()
    assert (tmp_path / "twice" / "out" / "lsoa_results.csv").read_text() == a


# --- 2. a zip with two members of the same name -------------------------------------------------

def test_2_zip_with_two_halves_of_a_month_under_one_name(capsys, tmp_path, study):
    b, c = study
    lines = c.read_text().splitlines(keepends=True)
    half = len(lines) // 2
    z = tmp_path / "halves.zip"
    with zipfile.ZipFile(z, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("2021-01/2021-01-x-street.csv", "".join(lines[:half]))
        zf.writestr("2021-01/2021-01-x-street.csv", HEADER + "".join(lines[half:]))
    s = _ok(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(z)])
    crimes = s["inputs"]["crimes"]
    assert crimes["rows_kept"] == 231 and crimes["info"]["asb_rows_kept"] == _asb_rows(c)
    assert crimes["info"]["split_zip_entries"] == 1
    assert any("two entries named" in w for w in crimes["warnings"])


def test_2_zip_with_the_same_member_twice(capsys, tmp_path, study):
    b, c = study
    z = tmp_path / "twice.zip"
    with zipfile.ZipFile(z, "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("2021-01-x-street.csv", c.read_text())
        zf.writestr("2021-01-x-street.csv", c.read_text())
    s = _ok(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(z)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231
    assert s["inputs"]["crimes"]["info"]["repeated_file_count"] == 1


# --- 3. boundaries that miss the crimes ----------------------------------------------------------

def _shift(b: Path, dx: float, dy: float = 0.0, out: Path | None = None) -> Path:
    fc = json.loads(b.read_text())
    for f in fc["features"]:
        f["geometry"]["coordinates"] = [[[x + dx, y + dy] for x, y in ring] for ring in f["geometry"]["coordinates"]]
    out = out or b.with_name("shifted.geojson")
    out.write_text(json.dumps(fc))
    return out


def test_3_boundaries_three_degrees_off_are_refused(capsys, tmp_path, study):
    b, c = study
    msg = _error(capsys, tmp_path, ["--boundaries", str(_shift(b, 3.0)), "--crimes", str(c)])
    assert "different areas" in msg and "CRS" in msg
    assert "crimes span lon 0.5" in msg and "boundaries span lon 3.4" in msg


def test_3_boundaries_that_keep_one_crime_are_refused(capsys, tmp_path, study):
    b, c = study
    rows = c.read_text().splitlines(keepends=True)
    # 400 crimes far away (another county) and one inside the lattice
    far = [r.replace(",0.5", ",-1.5", 1) for r in rows[1:] for _ in (0, 1)][:400]
    c.write_text(rows[0] + rows[1] + "".join(far))
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert "different areas: 1 of " in msg and "35 of 36 LSOAs have none" in msg


def test_3_national_crimes_with_county_boundaries_warns(capsys, tmp_path, study):
    """Most crimes outside but every LSOA busy is a real use (a national file): warned, not refused."""
    b, c = study
    rows = c.read_text().splitlines(keepends=True)
    far = [r.replace(",0.5", ",-1.5", 1) for r in rows[1:]] * 2
    c.write_text("".join(rows) + "".join(far))
    s = _ok(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231
    assert any("fall inside the boundaries" in w for w in s["inputs"]["crimes"]["warnings"])


# --- 4. swapped axes -----------------------------------------------------------------------------

def test_4_boundaries_with_swapped_axes(capsys, tmp_path, study):
    b, c = study
    fc = json.loads(b.read_text())
    for f in fc["features"]:
        f["geometry"]["coordinates"] = [[[y, x] for x, y in ring] for ring in f["geometry"]["coordinates"]]
    b.write_text(json.dumps(fc))
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert "swapped" in msg and "latitude first" in msg
    assert "metres" not in msg and "27700" not in msg


def test_4_crimes_with_swapped_columns(capsys, tmp_path, study):
    b, c = study
    text = c.read_text().replace("Longitude,Latitude", "Latitude,Longitude", 1)
    c.write_text(text)
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert "swapped" in msg and "metres" not in msg


# --- 5. corrupted crime CSVs ---------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["flipped", "random", "flipped_header"])
def test_5_corrupted_csv_is_one_clean_line(tmp_path, study, damage):
    b, c = study
    data = bytearray(c.read_bytes())
    rng = np.random.default_rng(5)
    if damage == "random":
        data = bytearray(rng.integers(0, 256, 100_000, dtype=np.uint8).tobytes())
    else:
        lo = 0 if damage == "flipped_header" else 200
        for i in rng.integers(lo, len(data), 20):
            data[i] ^= 1 << int(rng.integers(0, 8))
    c.write_bytes(bytes(data))
    r = _subprocess_cli(["--boundaries", str(b), "--crimes", str(c)], tmp_path / "out")
    assert "Traceback" not in r.stderr and "Exception ignored" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    if r.returncode == 0:  # damage landed in places a reader can count: the rows add up
        s = json.loads((tmp_path / "out" / "summary.json").read_text())["inputs"]["crimes"]
        assert s["rows_read"] == s["rows_kept"] + sum(s["dropped"].values())
    else:
        assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"), r.stderr


def test_5_invalid_utf8_inside_a_malformed_row(capsys, tmp_path, study):
    """The row Arrow's bad-row callback would have to decode (the probe's "Exception ignored")."""
    b, c = study
    lines = c.read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].rstrip(b"\n") + b",extra\xff\xfe,field\n"
    c.write_bytes(b"".join(lines))
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert "not UTF-8" in msg and "line 6" in msg
    assert "Exception ignored" not in capsys.readouterr().err


# --- 6. the study file, and system files named as inputs ------------------------------------------

def _study(tmp_path: Path, **changes) -> Path:
    d = {"format": "hotspots-study", "version": 1, "boundaries": "b.geojson", "crimes": ["crimes.csv"],
         "settings": {"permutations": 99, "seed": 1, "alpha": 0.05}}
    for key, value in changes.items():
        if key.startswith("settings_"):
            d["settings"][key[9:]] = value
        else:
            d[key] = value
    p = tmp_path / "s.hotspots"
    p.write_text(json.dumps(d))
    return p


@pytest.mark.parametrize("change, field", [
    ({"settings_alpha": None}, "settings.alpha"),
    ({"settings_alpha": "0.05"}, "settings.alpha"),
    ({"settings_permutations": "999"}, "settings.permutations"),
    ({"settings_permutations": True}, "settings.permutations"),
    ({"settings_seed": -1}, "settings.seed"),
    ({"settings_seed": 2**40}, "settings.seed"),
    ({"settings_crime_types": 5}, "settings.crime_types"),
    ({"settings_harm_weights": {"Burglary": "high"}}, "settings.harm_weights.Burglary"),
    ({"settings": "fast"}, "settings"),
    ({"crimes": "crimes.csv"}, "crimes"),
    ({"crimes": [3]}, "crimes[0]"),
    ({"boundaries": ["b.geojson"]}, "boundaries"),
    ({"name": {"x": 1}}, "name"),
])
def test_6_study_file_fields_are_checked(tmp_path, change, field):
    from hotspots.data.errors import DataError
    from hotspots.data.study_file import read_study

    with pytest.raises(DataError) as e:
        read_study(_study(tmp_path, **change))
    assert f"'{field}'" in str(e.value) and "fix:" in str(e.value)


def test_6_deep_nesting_and_system_files(tmp_path):
    from hotspots.data.errors import DataError
    from hotspots.data.study_file import read_study

    deep = tmp_path / "deep.hotspots"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(DataError, match="nested too deeply"):
        read_study(deep)
    if Path("/etc/passwd").exists():
        with pytest.raises(DataError) as e:
            read_study("/etc/passwd")
        assert "root" not in str(e.value).replace("/etc/passwd", "")


def test_6_a_valid_study_still_opens(tmp_path):
    from hotspots.data.study_file import read_study

    s = read_study(_study(tmp_path, settings_fdr=True, settings_crime_types=["burglary"]))
    assert s.crimes == [str((tmp_path / "crimes.csv").resolve())] and s.settings.fdr is True


def test_6_system_file_as_crimes_is_not_echoed(capsys, tmp_path, study):
    b, _ = study
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon,,,:/usr/sbin:/usr/sbin/nologin\n")
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(passwd)])
    assert "root:x" not in msg and "/bin/bash" not in msg and "not a CSV table" in msg


# --- 8. zip bombs ------------------------------------------------------------------------------

def test_8_zip_bomb_is_refused_before_inflating(capsys, tmp_path, study):
    b, c = study
    row = c.read_text().splitlines(keepends=True)[1].encode()
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf, \
            zf.open("2021-01/2021-01-x-street.csv", "w", force_zip64=True) as fh:
        fh.write(HEADER.encode())
        block = row * 8192
        for _ in range((96 << 20) // len(block)):
            fh.write(block)
    assert z.stat().st_size < 2 << 20  # ~96 MB of one row in well under 2 MB
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(z)])
    assert "zip bomb" in msg and str(z) in msg


def test_8_nested_zip_bomb_and_quine_depth(capsys, tmp_path, study):
    b, c = study
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2021-01-x-street.csv", c.read_text())
    z = inner
    for k in range(4):  # a zip in a zip in a zip ... deeper than any download
        outer = tmp_path / f"wrap{k}.zip"
        with zipfile.ZipFile(outer, "w") as zf:
            zf.write(z, z.name)
        z = outer
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(z)])
    assert "nested" in msg


def test_8_large_member_is_streamed_not_held(tmp_path, study, monkeypatch):
    """A member above the spool size goes through a temporary file (read by path), not memory."""
    from hotspots.data import _crime_sources, crimes

    b, c = study
    z = tmp_path / "big.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("2021-01-x-street.csv", c.read_text())
    monkeypatch.setattr(_crime_sources, "SPOOL_BYTES", 1000)
    seen = []
    real = crimes.read_one
    monkeypatch.setattr(crimes, "read_one", lambda name, opener: (seen.append(type(opener())), real(name, opener))[1])
    parsed = crimes.parse_crime_files([z])
    assert seen == [str] and parsed.acc.finish()["longitude"].shape == (231,)


def test_8_password_protected_zip(capsys, tmp_path, study):
    b, c = study
    z = tmp_path / "locked.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("2021-01-x-street.csv", c.read_text())
    data = bytearray(z.read_bytes())
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set the 'encrypted' flag bit in both headers
        at = data.find(sig)
        off = at + (6 if sig == b"PK\x03\x04" else 8)
        data[off] |= 1
    z.write_bytes(bytes(data))
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(z)])
    assert "password-protected" in msg


# --- 9. file names -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Kent LSOAs (final!).geojson", "a|b.geojson", "\tlead.geojson",
                                  "zip:x.geojson", "a!b!.geojson", "PG:x.geojson"])
def test_9_any_file_name_opens(capsys, tmp_path, study, name):
    b, c = study
    odd = tmp_path / name
    odd.write_bytes(b.read_bytes())
    crimes = tmp_path / f"crimes {name}.csv"
    crimes.write_bytes(c.read_bytes())
    s = _ok(capsys, tmp_path, ["--boundaries", str(odd), "--crimes", str(crimes)])
    assert s["lsoas"] == 36 and s["inputs"]["crimes"]["rows_kept"] == 231


def test_9_shapefile_with_a_bang_in_its_folder(capsys, tmp_path, study):
    import geopandas as gpd

    b, c = study
    plain = tmp_path / "plain"
    plain.mkdir()
    gpd.read_file(b).to_file(plain / "lsoa.shp")
    for p in list(plain.iterdir()):
        p.rename(plain / f"lsoa!{p.suffix}")
    folder = plain.rename(tmp_path / "final!")
    assert (folder / "lsoa!.dbf").exists()
    s = _ok(capsys, tmp_path, ["--boundaries", str(folder / "lsoa!.shp"), "--crimes", str(c)])
    assert s["lsoas"] == 36


def test_9_escape_sequences_in_names_are_printed_safely(capsys, tmp_path, study):
    b, _ = study
    name = tmp_path / "evil\x1b]0;owned\x07\x1b[31m\nnext.csv"
    rc, lines = _cli(capsys, ["--boundaries", str(b), "--crimes", str(name)], tmp_path / "out")
    assert rc == 2 and len(lines) == 1, lines
    assert "\x1b" not in lines[0] and "\x07" not in lines[0] and "\\x1b" in lines[0]


# --- 10. a month deleted between listing and reading ---------------------------------------------

def test_10_month_deleted_after_listing(capsys, tmp_path, study, monkeypatch):
    from hotspots.data import crimes

    b, c = study
    folder = tmp_path / "months"
    folder.mkdir()
    lines = c.read_text().splitlines(keepends=True)
    for k in (1, 2):
        (folder / f"2021-0{k}-x-street.csv").write_text(HEADER + "".join(lines[k::2]))
    real = crimes.collect_crime_files

    def list_then_delete(*args, **kwargs):
        found = real(*args, **kwargs)
        (folder / "2021-02-x-street.csv").unlink(missing_ok=True)  # the folder lists its zips by recursion
        return found

    monkeypatch.setattr(crimes, "collect_crime_files", list_then_delete)
    msg = _error(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(folder)])
    assert "2021-02-x-street.csv" in msg and "disappeared" in msg


# --- 12. thousands of one-row months in one zip ----------------------------------------------------

def test_12_zip_opened_once_for_many_members(tmp_path, study, monkeypatch):
    from hotspots.data import crimes

    b, c = study
    rows = c.read_text().splitlines(keepends=True)[1:]
    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for k, r in enumerate(rows):
            zf.writestr(f"m{k:04d}/2021-01-f{k:04d}-street.csv", HEADER + r)
    opened = []
    real_init = zipfile.ZipFile.__init__

    def counting(self, file, *a, **kw):
        opened.append(file)
        real_init(self, file, *a, **kw)

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting)
    parsed = crimes.parse_crime_files([z])
    assert len(opened) == 1 and parsed.sources == len(rows) == 231
