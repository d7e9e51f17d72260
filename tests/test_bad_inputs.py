"""Real-world bad input through the whole CLI: a clear error, or success with the problem reported.

The contract (DESIGN.md): bad input exits 2 with exactly one ``error:`` line on stderr naming the
file (and line/column where known) and a fix; never a traceback, never an empty result, exit 1
only for internal errors. Rows that are dropped are counted by reason in summary.json.

Each case builds a small study in ``tmp_path`` (a 6 x 6 lattice of LSOAs with a hot corner, or a
damaged copy of the real Kent data) and runs ``hotspots analyse`` in-process, which exercises the
same error handling as the console script.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real
from _study import HEADER, lattice_study

from hotspots.cli import main
from hotspots.data.deprivation import read_deprivation
from hotspots.data.streetsafe import read_streetsafe

CODES = [f"E01{j:03d}{i:03d}" for j in range(6) for i in range(6)]


# --- helpers -------------------------------------------------------------------------------------

def _cli(capsys, args: list[str], out: Path, permutations: str = "99") -> tuple[int, list[str]]:
    # the case's own arguments come last, so they win over these defaults
    rc = main(["analyse", "--out", str(out), "--quiet", "--no-exports", "--permutations", permutations, *args])
    err = capsys.readouterr().err
    return rc, [ln for ln in err.splitlines() if ln.strip()]


def _fails(capsys, tmp_path: Path, args: list[str], *needles: str, line: int | None = None) -> str:
    """Exit 2 with one ``error:`` line holding every needle (and ``line N`` when given)."""
    rc, lines = _cli(capsys, args, tmp_path / "out")
    assert rc == 2, lines
    assert len(lines) == 1 and lines[0].startswith("error:"), lines
    msg = lines[0]
    assert "Traceback" not in msg and "fix:" in msg, msg
    for n in needles:
        assert n in msg, msg
    if line is not None:
        assert f"line {line}" in msg, msg
    return msg


def _succeeds(capsys, tmp_path: Path, args: list[str], permutations: str = "99") -> dict:
    """Exit 0, nothing on stderr (--quiet), balanced input accounting; the summary."""
    out = tmp_path / "out"
    rc, lines = _cli(capsys, args, out, permutations)
    # --quiet silences progress; what the loaders saw still comes as warning: lines
    assert rc == 0 and [line for line in lines if not line.startswith("warning: ")] == [], lines
    s = json.loads((out / "summary.json").read_text())
    for kind, rep in s["inputs"].items():
        assert rep["rows_read"] == rep["rows_kept"] + sum(rep["dropped"].values()), kind
    return s


def _results(tmp_path: Path) -> pd.DataFrame:
    return pd.read_csv(tmp_path / "out" / "lsoa_results.csv", dtype={"lsoa_code": str})


@pytest.fixture
def study(tmp_path):
    """(boundaries GeoJSON, crimes CSV) of the 6 x 6 lattice, 231 crimes."""
    return lattice_study(tmp_path, 6)


def _rows(crimes: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(crimes.read_text())))


def _write_rows(path: Path, rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=newline).writerows(rows)
    path.write_text(buf.getvalue(), newline="")
    return path


def _fc(boundaries: Path) -> dict:
    return json.loads(boundaries.read_text())


def _imd_frame(code_header: str = "LSOA code (2011)") -> pd.DataFrame:
    return pd.DataFrame({code_header: CODES,
                         "Index of Multiple Deprivation (IMD) Rank": [str(900 * (k + 1)) for k in range(36)],
                         "Index of Multiple Deprivation (IMD) Decile": [str(1 + k % 10) for k in range(36)]})


# --- boundaries ----------------------------------------------------------------------------------

def test_geojson_with_zero_features(capsys, tmp_path, study):
    b, c = study
    b.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], str(b), "no features")


def test_feature_collection_of_points(capsys, tmp_path, study):
    b, c = study
    fc = _fc(b)
    for f in fc["features"]:
        f["geometry"] = {"type": "Point", "coordinates": f["geometry"]["coordinates"][0][0]}
    b.write_text(json.dumps(fc))
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], str(b), "36 not a polygon")


def test_null_geometry_dropped_and_counted(capsys, tmp_path, study):
    b, c = study
    fc = _fc(b)
    fc["features"][3]["geometry"] = None
    b.write_text(json.dumps(fc))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["inputs"]["boundaries"]["dropped"] == {"no geometry": 1}
    assert s["lsoas"] == 35
    # the crimes in that square fall in no remaining LSOA and are counted, not lost
    lost = sum(1 for r in _rows(c)[1:] if r[7] == CODES[3])
    assert s["inputs"]["crimes"]["dropped"] == {"outside every LSOA": lost} and lost > 0


def test_all_null_geometry(capsys, tmp_path, study):
    b, c = study
    fc = _fc(b)
    for f in fc["features"]:
        f["geometry"] = None
    b.write_text(json.dumps(fc))
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], str(b), "no geometry")


def test_geojson_in_british_national_grid(capsys, tmp_path, study):
    b, c = study
    bng = tmp_path / "bng.geojson"
    gpd.read_file(b).to_crs(27700).to_file(bng, driver="GeoJSON")
    assert "27700" in bng.read_text()[:300]  # declared via the GeoJSON "crs" member
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(bng), "--crimes", str(c)])
    assert s["inputs"]["boundaries"]["info"]["crs_in"] == "EPSG:27700"
    assert s["inputs"]["crimes"]["rows_kept"] == 231


def _shapefile_zip(tmp_path: Path, b: Path, name: str, *, prj: bool, extra: gpd.GeoDataFrame | None = None) -> Path:
    folder = tmp_path / f"shp_{name}"
    folder.mkdir()
    gpd.read_file(b).to_crs(27700).to_file(folder / "lsoa.shp")
    if extra is not None:
        extra.to_file(folder / "other.shp")
    z = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(folder.iterdir()):
            if prj or f.suffix != ".prj":
                zf.write(f, f"data/{f.name}")
    return z


def test_shapefile_zip_with_prj(capsys, tmp_path, study):
    b, c = study
    z = _shapefile_zip(tmp_path, b, "with_prj", prj=True)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(z), "--crimes", str(c)])
    assert s["lsoas"] == 36 and s["inputs"]["crimes"]["rows_kept"] == 231


def test_shapefile_zip_without_prj(capsys, tmp_path, study):
    b, c = study
    z = _shapefile_zip(tmp_path, b, "no_prj", prj=False)
    _fails(capsys, tmp_path, ["--boundaries", str(z), "--crimes", str(c)], str(z),
           "no coordinate reference system", ".prj", "EPSG:27700")


def test_zip_with_two_lsoa_shapefiles_is_ambiguous(capsys, tmp_path, study):
    b, c = study
    z = _shapefile_zip(tmp_path, b, "two", prj=True, extra=gpd.read_file(b).iloc[:3].to_crs(27700))
    _fails(capsys, tmp_path, ["--boundaries", str(z), "--crimes", str(c)], str(z),
           "2 LSOA boundary files", "lsoa.shp", "other.shp")


def test_zip_with_lsoas_and_another_layer_reads_the_lsoas(capsys, tmp_path, study):
    b, c = study
    districts = gpd.read_file(b).to_crs(27700).dissolve().reset_index(drop=True)[["geometry"]]
    districts["LAD11CD"] = "E07000105"
    z = _shapefile_zip(tmp_path, b, "mixed", prj=True, extra=districts)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(z), "--crimes", str(c)])
    assert s["lsoas"] == 36
    assert s["inputs"]["boundaries"]["info"]["zip_member"] == "data/lsoa.shp"
    assert any("other.shp" in w for w in s["inputs"]["boundaries"]["warnings"])


def test_kml_boundaries(capsys, tmp_path, study):
    b, c = study
    k = tmp_path / "b.kml"
    gpd.read_file(b).to_file(k, driver="KML")
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(k), "--crimes", str(c)])
    assert s["lsoas"] == 36 and s["inputs"]["crimes"]["rows_kept"] == 231


@pytest.mark.realdata
def test_truncated_real_geojson(capsys, tmp_path):
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    raw = KENT_BOUNDARIES.read_bytes()
    cut = tmp_path / "kent_half.geojson"
    cut.write_bytes(raw[: len(raw) // 2])
    _fails(capsys, tmp_path, ["--boundaries", str(cut), "--crimes", str(KENT_CRIME / "2021-01-kent-street.csv")],
           str(cut), "cut short or damaged", "download or export")


def test_geopackage_with_no_layers(tmp_path, study):
    """Run as a real process: GDAL's warnings about the file must not reach stderr either."""
    b, c = study
    g = tmp_path / "empty.gpkg"
    gpd.read_file(b).to_file(g, layer="x", driver="GPKG")
    con = sqlite3.connect(g)
    con.execute("DROP TABLE x")
    con.execute("DELETE FROM gpkg_contents")
    con.execute("DELETE FROM gpkg_geometry_columns")
    con.commit()
    con.close()
    r = subprocess.run([sys.executable, "-m", "hotspots.cli", "analyse", "--boundaries", str(g), "--crimes", str(c),
                        "--out", str(tmp_path / "o"), "--quiet", "--no-exports"], capture_output=True, text=True)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert str(g) in lines[0] and "no vector layers" in lines[0]


def test_codes_with_whitespace_and_lower_case_still_join(capsys, tmp_path, study):
    b, c = study
    fc = _fc(b)
    for f in fc["features"]:
        f["properties"]["LSOA11CD"] = "  " + f["properties"]["LSOA11CD"].lower() + " "
    b.write_text(json.dumps(fc))
    imd = tmp_path / "imd.csv"
    imd.write_text(_imd_frame().to_csv(index=False))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--imd", str(imd)])
    df = _results(tmp_path)
    assert sorted(df["lsoa_code"]) == sorted(CODES)
    assert s["inputs"]["imd"]["info"]["join"]["joined"] == 36
    assert df["imd_decile"].notna().all()
    assert not s["inputs"]["crimes"]["warnings"]  # the CSV's LSOA codes agree with the polygons


def test_multipolygon_lsoas(capsys, tmp_path, study):
    b, c = study
    fc = _fc(b)
    for f in fc["features"]:
        f["geometry"] = {"type": "MultiPolygon", "coordinates": [f["geometry"]["coordinates"]]}
    b.write_text(json.dumps(fc))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["lsoas"] == 36 and s["inputs"]["crimes"]["rows_kept"] == 231


def test_duplicate_codes_merged_and_reported(capsys, tmp_path, study):
    b, c = study
    fc = _fc(b)
    fc["features"][1]["properties"]["LSOA11CD"] = fc["features"][0]["properties"]["LSOA11CD"]
    b.write_text(json.dumps(fc))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["lsoas"] == 35
    assert s["inputs"]["boundaries"]["dropped"] == {"duplicate LSOA code (parts merged)": 1}
    assert s["inputs"]["boundaries"]["warnings"]
    df = _results(tmp_path)
    expected = sum(1 for r in _rows(c)[1:] if r[7] in (CODES[0], CODES[1]))
    assert int(df.loc[df["lsoa_code"] == CODES[0], "crimes"].iloc[0]) == expected


def test_2021_code_boundaries_with_2011_crimes_and_imd(capsys, tmp_path, study):
    """Crimes are placed by point-in-polygon, so they count; IMD 2019 on 2021 LSOAs is flagged."""
    b, c = study
    fc = _fc(b)
    for f in fc["features"]:
        p = f["properties"]
        f["properties"] = {"LSOA21CD": p["LSOA11CD"], "LSOA21NM": p["LSOA11NM"]}
    b.write_text(json.dumps(fc))
    imd = tmp_path / "imd.csv"
    imd.write_text(_imd_frame().to_csv(index=False))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--imd", str(imd)])
    assert s["inputs"]["boundaries"]["info"]["vintage"] == "2021"
    assert s["inputs"]["crimes"]["rows_kept"] == 231
    assert s["inputs"]["imd"]["info"]["join"]["vintage_mismatch"] is True
    assert any("vintages differ" in w for w in s["inputs"]["imd"]["warnings"])


# --- crimes --------------------------------------------------------------------------------------

def test_crlf_and_bom(capsys, tmp_path, study):
    b, c = study
    p = tmp_path / "crlf.csv"
    p.write_bytes(b"\xef\xbb\xbf" + c.read_text().replace("\n", "\r\n").encode())
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(p)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231 and s["inputs"]["crimes"]["dropped"] == {}
    assert sorted(s["inputs"]["crimes"]["info"]["crime_types"]) == ["Anti-social behaviour",
                                                                    "Violence and sexual offences"]


def test_row_with_an_extra_comma_is_dropped_and_counted(capsys, tmp_path, study):
    b, c = study
    lines = c.read_text().splitlines(keepends=True)
    lines[5] = lines[5].rstrip("\n") + ",extra\n"  # file line 6
    c.write_text("".join(lines))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    rep = s["inputs"]["crimes"]
    assert rep["rows_read"] == 231 and rep["rows_kept"] == 230
    assert rep["dropped"] == {"malformed row (wrong number of fields)": 1}
    assert any("line 6" in w for w in rep["warnings"])


def test_every_row_malformed_is_an_error(capsys, tmp_path, study):
    b, c = study
    lines = c.read_text().splitlines()
    c.write_text(lines[0] + "\n" + "".join(ln + ",x,y\n" for ln in lines[1:]))
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], str(c), "no row has the 12 fields",
           line=2)


def test_quoted_field_with_embedded_newline(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    rows[7][6] = "On or near\nHigh Street"
    _write_rows(c, rows)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231


def test_month_2021_13_dropped_counted_and_named(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    n_feb = sum(1 for r in rows[1:] if r[1] == "2021-02")
    for r in rows[1:]:
        if r[1] == "2021-02":
            r[1] = "2021-13"
    _write_rows(c, rows)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    rep = s["inputs"]["crimes"]
    assert rep["dropped"] == {"invalid month": n_feb} and n_feb > 0
    assert any("'2021-13'" in w for w in rep["warnings"])
    assert "2021-02" not in rep["info"]["months"]


def test_month_21_01_everywhere_is_an_error(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    for r in rows[1:]:
        r[1] = r[1][2:]  # 2021-01 -> 21-01
    _write_rows(c, rows)
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], str(c), "'21-01'", "column 'Month'",
           "YYYY-MM", line=2)


def test_months_resaved_by_excel_are_read(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    counts = pd.Series([r[1] for r in rows[1:]]).value_counts()
    for r in rows[1:]:
        r[1] = f"{names[int(r[1][5:]) - 1]}-21"
    _write_rows(c, rows)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--from", "2021-03",
                                     "--to", "2021-03"])
    assert s["crimes_analysed"] == counts["2021-03"]
    assert any("'Jan-21' as 2021-01" in w for w in s["inputs"]["crimes"]["warnings"])


def test_longitude_and_latitude_swapped(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    for r in rows[1:]:
        r[4], r[5] = r[5], r[4]
    _write_rows(c, rows)
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], str(c), "look swapped",
           "column 'Longitude'")


def test_a_few_swapped_rows_are_counted_and_flagged(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    for r in rows[1::10]:
        r[4], r[5] = r[5], r[4]
    _write_rows(c, rows)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    n = len(rows[1::10])
    assert s["inputs"]["crimes"]["dropped"] == {"outside every LSOA": n}
    assert any(f"{n} rows look like Longitude and Latitude swapped" in w
               for w in s["inputs"]["crimes"]["warnings"])


def test_british_national_grid_metres_in_the_degree_columns(capsys, tmp_path, study):
    from pyproj import Transformer

    b, c = study
    t = Transformer.from_crs(4326, 27700, always_xy=True)
    rows = _rows(c)
    for r in rows[1:]:
        e, n = t.transform(float(r[4]), float(r[5]))
        r[4], r[5] = f"{e:.0f}", f"{n:.0f}"
    _write_rows(c, rows)
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], str(c), "metres, not degrees",
           "British National Grid")


def test_a_few_metre_rows_are_dropped_with_their_own_reason(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    for r in rows[1::20]:
        r[4], r[5] = "575000", "150000"
    _write_rows(c, rows)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["inputs"]["crimes"]["dropped"] == {"coordinates not longitude/latitude in degrees": len(rows[1::20])}


def test_only_anti_social_behaviour_rows(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    asb = [rows[0]] + [r for r in rows[1:] if r[9] == "Anti-social behaviour"]
    _write_rows(c, asb)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["inputs"]["crimes"]["rows_kept"] == len(asb) - 1  # identical ASB rows are all kept
    assert s["inputs"]["crimes"]["info"]["asb_rows_kept"] == len(asb) - 1
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--crime-type", "violent-crime"],
           "no crimes are left after the filters", "Anti-social behaviour")


def test_folder_mixing_street_outcomes_and_stop_and_search(capsys, tmp_path, study):
    b, c = study
    month = tmp_path / "download" / "2021-01"
    month.mkdir(parents=True)
    (month / "2021-01-kent-street.csv").write_text(c.read_text())
    (month / "2021-01-kent-outcomes.csv").write_text(
        "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Outcome type\n"
        "abc,2021-01,X,X,0.51,51.21,On or near X,E01000000,L,Under investigation\n")
    (month / "2021-01-kent-stop-and-search.csv").write_text(
        "Type,Date,Part of a policing operation,Latitude,Longitude,Gender\n"
        "Person search,2021-01-01T00:00:00+00:00,False,51.21,0.51,Male\n")
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(tmp_path / "download")])
    rep = s["inputs"]["crimes"]
    assert [Path(f).name for f in rep["files"]] == ["2021-01-kent-street.csv"]
    assert rep["rows_kept"] == 231


def test_zip_inside_a_zip(capsys, tmp_path, study):
    b, c = study
    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("2021-01/2021-01-kent-street.csv", c.read_text())
        zf.writestr("2021-01/2021-01-kent-outcomes.csv", "Crime ID,Month\n")
    outer = tmp_path / "outer.zip"
    with zipfile.ZipFile(outer, "w") as zf:
        zf.write(inner, "download/inner.zip")
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(outer)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231
    assert s["inputs"]["crimes"]["files"] == [f"{outer}!download/inner.zip!2021-01/2021-01-kent-street.csv"]


def test_zip_with_a_folder_of_csvs(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    half = len(rows) // 2
    z = tmp_path / "mine.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("extract/", "")
        zf.writestr("extract/part1.csv", "".join(",".join(r) + "\n" for r in rows[:half]))
        zf.writestr("extract/more/part2.csv", "".join(",".join(r) + "\n" for r in [rows[0]] + rows[half:]))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(z)])
    assert s["inputs"]["crimes"]["rows_read"] == 231 and len(s["inputs"]["crimes"]["files"]) == 2


def test_many_huge_empty_columns(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    wide = [rows[0] + [f"Extra {k}" for k in range(300)]] + [r + [""] * 300 for r in rows[1:]]
    _write_rows(c, wide)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231


def test_windows_1252_byte_on_line_5000(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    body = [[f"id{k}"] + r[1:] for k, r in enumerate(rows[1:] * 30)][:6000]
    _write_rows(c, [rows[0]] + body)
    raw = c.read_bytes().split(b"\n")
    raw[4999] = raw[4999].replace(b"On or near", "On or near Café".encode("cp1252"), 1)
    c.write_bytes(b"\n".join(raw))
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], str(c), "not UTF-8", "0xE9",
           "CSV UTF-8", line=5000)


def test_utf16_crimes_are_read(capsys, tmp_path, study):
    b, c = study
    p = tmp_path / "utf16.csv"
    p.write_bytes(c.read_text().encode("utf-16"))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(p)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231
    assert any("UTF-16" in w for w in s["inputs"]["crimes"]["warnings"])


def test_semicolons_and_decimal_commas_from_european_excel(capsys, tmp_path, study):
    b, c = study
    rows = _rows(c)
    for r in rows[1:]:
        r[4], r[5] = r[4].replace(".", ","), r[5].replace(".", ",")
    p = _write_rows(tmp_path / "semi.csv", rows, delimiter=";", newline="\r\n")
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(p)])
    assert s["inputs"]["crimes"]["rows_kept"] == 231
    assert any("';' and decimal commas" in w for w in s["inputs"]["crimes"]["warnings"])


# --- IMD, pubs, StreetSafe, population -----------------------------------------------------------

def test_utf16_tab_separated_imd(capsys, tmp_path, study):
    b, c = study
    p = tmp_path / "imd.txt"
    p.write_bytes(_imd_frame().to_csv(index=False, sep="\t").encode("utf-16"))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--imd", str(p)])
    assert s["inputs"]["imd"]["info"]["join"]["joined"] == 36
    assert _results(tmp_path)["imd_decile"].tolist() == [1 + k % 10 for k in range(36)]


def test_semicolon_imd_with_decimal_comma_scores(tmp_path):
    df = _imd_frame()
    df["IMD Score"] = [f"{k * 1.5:.2f}".replace(".", ",") for k in range(36)]
    p = tmp_path / "imd.csv"
    p.write_text(df.to_csv(index=False, sep=";"))
    imd, rep = read_deprivation(p)
    assert np.allclose(imd["imd_score"], [k * 1.5 for k in range(36)])  # not 150 for "1,50"
    assert imd["imd_rank"].tolist() == [900 * (k + 1) for k in range(36)]
    assert any("decimal commas" in w and "IMD Score" in w for w in rep.warnings)


def test_imd_workbook_with_the_data_on_the_second_sheet_under_title_rows(capsys, tmp_path, study):
    b, c = study
    p = tmp_path / "imd.xlsx"
    with pd.ExcelWriter(p) as w:
        pd.DataFrame({"Notes": ["About this workbook", "Source: MHCLG"]}).to_excel(w, sheet_name="Notes", index=False)
        pd.DataFrame([["English indices of deprivation 2019"]]).to_excel(w, sheet_name="IMD", index=False,
                                                                         header=False)
        _imd_frame().to_excel(w, sheet_name="IMD", index=False, startrow=2)
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--imd", str(p)])
    assert s["inputs"]["imd"]["info"]["sheet"] == "IMD"
    assert s["inputs"]["imd"]["rows_kept"] == 36
    assert any("title row" in w for w in s["inputs"]["imd"]["warnings"])
    assert _results(tmp_path)["imd_decile"].tolist() == [1 + k % 10 for k in range(36)]


def test_deciles_written_as_text(tmp_path):
    df = _imd_frame().drop(columns=["Index of Multiple Deprivation (IMD) Rank"])
    df["Index of Multiple Deprivation (IMD) Decile"] = [f"Decile {1 + k % 10}" for k in range(36)]
    p = tmp_path / "imd.csv"
    p.write_text(df.to_csv(index=False))
    imd, rep = read_deprivation(p)
    assert imd["imd_decile"].tolist() == [1 + k % 10 for k in range(36)]
    assert any("'Decile 1'" in w for w in rep.warnings)


def test_a_column_of_names_is_still_not_a_decile(capsys, tmp_path, study):
    b, c = study
    df = pd.DataFrame({"lsoa_code": CODES, "IMD decile": [f"Town {k:03d}A" for k in range(36)]})
    p = tmp_path / "imd.csv"
    p.write_text(df.to_csv(index=False))
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--imd", str(p)], str(p),
           "holds no numbers", "column 'IMD decile'", line=2)


def test_pubs_with_no_coordinates_at_all(capsys, tmp_path, study):
    b, c = study
    p = tmp_path / "pubs.csv"
    p.write_text("name,latitude,longitude\nThe Ship,,\nThe Crown,\\N,\\N\n")
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--pubs", str(p)], str(p),
           "no pub has a usable location", "2 missing coordinates")


def test_pubs_semicolon_decimal_comma_and_utf16(capsys, tmp_path, study):
    b, c = study
    p = tmp_path / "pubs.csv"
    text = "name;latitude;longitude\nThe Ship;51,205;0,505\nThe Crown;51,215;0,515\nThe Bell;51,245;0,555\n"
    p.write_bytes(text.encode("utf-16"))
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--pubs", str(p)])
    assert s["inputs"]["pubs"]["rows_kept"] == 3
    df = _results(tmp_path).set_index("lsoa_code")
    assert df.loc["E01000000", "pubs"] == 1 and df.loc["E01001001", "pubs"] == 1 and df["pubs"].sum() == 3


def test_streetsafe_dates_in_many_formats_and_unknown_reasons(tmp_path):
    p = tmp_path / "ss.csv"
    pd.DataFrame({
        "id": range(1, 9),
        "date": ["2021-03-04", "04/03/2021", "4 March 2021", "March 2021", "2021/03", "44259", "yesterday",
                 "31/31/2021"],
        "latitude": "51.205", "longitude": "0.505",
        "reasons": ["Badly lit", "gremlins", "Feels weird", "CCTV;followed", "", "Poor lighting", "x",
                    "Harassed by a group"],
    }).to_csv(p, index=False)
    ss, rep = read_streetsafe(p)
    assert ss["month"].tolist() == ["2021-03"] * 6 + ["", ""]
    assert rep.info["unparseable_dates"] == 2
    assert rep.info["unknown_reasons"]["count"] == 3
    assert ss.loc[1, "reasons"] == "Other: gremlins"  # kept verbatim, not folded into a group
    assert ss.loc[3, "reasons"] == "no_cctv;followed"
    assert len(ss) == 8  # unreadable dates and labels are kept and reported, not dropped


def test_streetsafe_with_easting_northing_only(capsys, tmp_path, study):
    from pyproj import Transformer

    b, c = study
    e, n = Transformer.from_crs(4326, 27700, always_xy=True).transform(0.505, 51.205)
    p = tmp_path / "ss.csv"
    p.write_text(f"Report ID,Date,Easting (BNG),Northing (BNG),Reasons\n1,2021-03-04,{e:.0f},{n:.0f},Badly lit\n"
                 f"2,2021-03-05,{e:.0f},{n:.0f},Being followed\n")
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--streetsafe", str(p)])
    assert s["inputs"]["streetsafe"]["rows_kept"] == 2
    df = _results(tmp_path).set_index("lsoa_code")
    assert df.loc["E01000000", "streetsafe"] == 2 and df["streetsafe"].sum() == 2


@pytest.mark.parametrize("fmt", ["utf16", "semicolon", "xlsx_second_sheet"])
def test_population_files_from_excel(capsys, tmp_path, study, fmt):
    b, c = study
    df = pd.DataFrame({"lsoa_code": CODES, "population": [str(1000 + 10 * k) for k in range(36)]})
    if fmt == "utf16":
        p = tmp_path / "pop.csv"
        p.write_bytes(df.to_csv(index=False).encode("utf-16"))
    elif fmt == "semicolon":
        p = tmp_path / "pop.csv"
        p.write_text(df.to_csv(index=False, sep=";"))
    else:
        p = tmp_path / "pop.xlsx"
        with pd.ExcelWriter(p) as w:
            pd.DataFrame({"Contents": ["Mid-year estimates"]}).to_excel(w, sheet_name="Contents", index=False)
            df.to_excel(w, sheet_name="Data", index=False)
    _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--population", str(p),
                                 "--measure", "rate"])
    res = _results(tmp_path)
    assert np.allclose(res["value"], res["crimes"] / (1000 + 10 * np.arange(36)) * 1000)


# --- command line ----------------------------------------------------------------------------------

@pytest.mark.parametrize("names,expected", [
    (["Night-time economy"], ["Violence and sexual offences", "Public order", "Theft from the person",
                              "Criminal damage and arson", "Drugs"]),
    (["vIoLeNcE AnD SeXuAl OfFeNcEs"], ["Violence and sexual offences"]),
    (["violent-crime", "ANTI-SOCIAL-BEHAVIOUR"], ["Violence and sexual offences", "Anti-social behaviour"]),
])
def test_crime_type_presets_case_and_slugs(capsys, tmp_path, study, names, expected):
    b, c = study
    args = ["--boundaries", str(b), "--crimes", str(c)]
    for n in names:
        args += ["--crime-type", n]
    s = _succeeds(capsys, tmp_path, args)
    assert s["parameters"]["crime_types"] == expected
    n_rows = sum(1 for r in _rows(c)[1:] if r[9] in expected)
    assert s["crimes_analysed"] == n_rows


def test_a_single_month(capsys, tmp_path, study):
    b, c = study
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--from", "2021-02",
                                     "--to", "2021-02"])
    assert s["crimes_analysed"] == sum(1 for r in _rows(c)[1:] if r[1] == "2021-02")
    assert s["filters"]["excluded"]["outside the month range"] == 231 - s["crimes_analysed"]


@pytest.mark.parametrize("spec", ["knn:1", "distance:1"])
def test_sparse_weights_still_work(capsys, tmp_path, study, spec):
    b, c = study
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--weights", spec])
    assert s["weights"]["min_neighbours"] >= 1
    if spec == "distance:1":  # every LSOA an island: each joined to its nearest, and said so
        assert s["weights"]["islands_before_fix"] == 36
        assert sorted(s["weights"]["islands_joined"]) == sorted(CODES)


def test_many_permutations_accepted(capsys, tmp_path, study):
    b, c = study
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], permutations="99999")
    assert s["parameters"]["permutations"] == 99999
    assert min(_results(tmp_path)["lisa_p"]) >= 2 / 100_000


@pytest.mark.parametrize("extra,needles", [
    (["--permutations", "0"], ["--permutations", "0 is out of range"]),
    (["--alpha", "1.5"], ["--alpha", "1.5"]),
    (["--weights", "knn:0"], ["--weights", "knn:0"]),
])
def test_bad_numbers_are_clean_errors(capsys, tmp_path, study, extra, needles):
    b, c = study
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), *extra], *needles)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root can write to a read-only folder, so chmod cannot block it")
def test_read_only_output_folder(capsys, tmp_path, study):
    b, c = study
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        rc, lines = _cli(capsys, ["--boundaries", str(b), "--crimes", str(c)], ro / "out")
    finally:
        ro.chmod(0o700)
    assert rc == 2 and len(lines) == 1 and lines[0].startswith("error:") and str(ro) in lines[0], lines


def _one_crime_per_lsoa(tmp_path: Path, fc: dict, per: list[int], ctype: str = "Drugs") -> Path:
    rows = []
    for f, k in zip(fc["features"], per, strict=True):
        x0, y0 = f["geometry"]["coordinates"][0][0]
        code = f["properties"]["LSOA11CD"]
        rows += [f"id{code}-{m},2021-01,X,X,{x0 + 0.005:.6f},{y0 + 0.005:.6f},On or near X,{code},L,{ctype},,\n"
                 for m in range(k)]
    p = tmp_path / "crimes_flat.csv"
    p.write_text(HEADER + "".join(rows))
    return p


def test_constant_measure_is_a_clean_error(capsys, tmp_path, study):
    b, _ = study
    c = _one_crime_per_lsoa(tmp_path, _fc(b), [2] * 36)
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], "the same (2) in every LSOA")


def test_selected_type_absent_everywhere(capsys, tmp_path, study):
    b, c = study
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c), "--crime-type", "burglary"],
           "no crimes are left", "Violence and sexual offences")


@pytest.mark.parametrize("n", [1, 2])
def test_one_or_two_lsoas(capsys, tmp_path, study, n):
    b, _ = study
    fc = _fc(b)
    fc["features"] = [fc["features"][0], fc["features"][2]][:n]
    b.write_text(json.dumps(fc))
    c = _one_crime_per_lsoa(tmp_path, fc, [1, 3][:n])
    _fails(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)], "at least 3 LSOAs",
           f"hold {n}")


def test_three_lsoas_is_enough(capsys, tmp_path, study):
    b, _ = study
    fc = _fc(b)
    fc["features"] = fc["features"][:3]
    b.write_text(json.dumps(fc))
    c = _one_crime_per_lsoa(tmp_path, fc, [1, 2, 4])
    s = _succeeds(capsys, tmp_path, ["--boundaries", str(b), "--crimes", str(c)])
    assert s["lsoas"] == 3 and s["crimes_analysed"] == 7
