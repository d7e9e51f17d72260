"""Crime files are parsed ahead on reader threads; what comes out must not depend on it.

The reader merges each file's codes in file order, decides repeats in file order and raises
the error of the first bad file it would have read one by one (issue #26).
"""

import zipfile

import numpy as np
import pytest

from hotspots.data import crimes
from hotspots.data.errors import DataError

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context\n")


def _rows(month: str, n: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    out = []
    for k in range(n):
        cid = "" if k % 7 == 0 else f"{seed:04d}{k:060d}"
        loc = f"On or near Street {int(rng.integers(0, 40))}" if k % 11 else ""
        ctype = "Anti-social behaviour" if k % 7 == 0 else ["Burglary", "Shoplifting", "Drugs"][k % 3]
        lon, lat = ("", "") if k % 13 == 0 else (f"{0.5 + rng.random() / 50:.6f}", f"{51.2 + rng.random() / 100:.6f}")
        out.append(f"{cid},{month},F,F,{lon},{lat},{loc},E0100000{k % 3},T,{ctype},,\n")
    return HEADER + "".join(out)


def _study(tmp_path):
    root = tmp_path / "download"
    for m in range(1, 7):
        d = root / f"2021-0{m}"
        d.mkdir(parents=True)
        (d / f"2021-0{m}-kent-street.csv").write_text(_rows(f"2021-0{m}", 50 + 10 * m, m))
    (root / "extra").mkdir()
    (root / "extra" / "2021-03-copy-street.csv").write_text(  # another name, the same content
        (root / "2021-03" / "2021-03-kent-street.csv").read_text())
    again = tmp_path / "again" / "2021-02"
    again.mkdir(parents=True)
    (again / "2021-02-kent-street.csv").write_text(_rows("2021-02", 30, 99))  # same name, other content
    z = tmp_path / "more.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in (7, 8):
            zf.writestr(f"2021-0{m}/2021-0{m}-kent-street.csv", _rows(f"2021-0{m}", 40, m))
        zf.writestr("2021-01/2021-01-kent-street.csv", _rows("2021-01", 5, 1))  # a repeat by name
    return [root, tmp_path / "again", z, root / "2021-04"]  # the last: a folder added twice


def _parsed(paths):
    p = crimes.parse_crime_files(paths)
    cols = p.acc.finish()
    return p, cols


@pytest.mark.parametrize("ahead", [1, 3])
def test_read_ahead_gives_what_one_by_one_gives(tmp_path, monkeypatch, ahead):
    paths = _study(tmp_path)
    monkeypatch.setattr(crimes, "_AHEAD", 0)
    monkeypatch.setattr(crimes, "_READERS", 1)
    one, one_cols = _parsed(paths)
    monkeypatch.setattr(crimes, "_AHEAD", ahead)
    monkeypatch.setattr(crimes, "_READERS", 2)
    many, many_cols = _parsed(paths)
    assert one.acc.values == many.acc.values and one.acc._files == many.acc._files
    assert one_cols.keys() == many_cols.keys()
    for k in one_cols:
        assert np.array_equal(one_cols[k], many_cols[k], equal_nan=one_cols[k].dtype.kind == "f"), k
    assert vars(one.report) == vars(many.report)
    assert (one.sources, one.malformed, one.repeated) == (many.sources, many.malformed, many.repeated)
    # the study's repeats were recognised: the copy, the other 2021-02, the zip's 2021-01, the folder again
    assert one.report.info["repeated_file_count"] == 4 and one.repeated == 80 + 30 + 5 + 90
    assert len(one.report.files) == 8 and len(one_cols["longitude"]) == sum(50 + 10 * m for m in range(1, 7)) + 80


def test_first_bad_file_is_named_although_a_later_one_failed_first(tmp_path, monkeypatch):
    root = tmp_path / "months"
    root.mkdir()
    (root / "2021-01-kent-street.csv").write_text(_rows("2021-01", 2000, 1))  # slow enough to let 3 finish
    (root / "2021-02-kent-street.csv").write_text("id,date,x,y\n1,2021-01,0.5,51.2\n")
    (root / "2021-03-kent-street.csv").write_bytes(b"")
    with pytest.raises(DataError) as ei:
        crimes.parse_crime_files([root])
    assert "2021-02-kent-street.csv" in str(ei.value) and "Longitude" in str(ei.value)


def test_cancel_stops_between_files(tmp_path):
    from hotspots.progress import Cancelled

    paths = _study(tmp_path)
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        crimes.parse_crime_files(paths, cancel=cancel)
