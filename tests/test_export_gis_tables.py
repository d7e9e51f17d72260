"""GeoPackage, GeoJSON and XLSX exports, the export bundle, and atomic writing.

Files are written, read back with independent readers (pyogrio/geopandas, openpyxl, json) and
compared with the analysis; odd and hostile text (formulas, control characters, accents) must
come out raw in GIS files and inert in the workbook.
"""

from __future__ import annotations

import json
import sys
import types

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
from _paths import IMD_FILE1, KENT_BOUNDARIES, KENT_CRIME, KENT_PUBS, need_real
from _zone_stages import staged_cells
from test_zones import crimes_at, planted_analysis, streetsafe_points

from hotspots.data.report import LoadReport
from hotspots.export import bundle
from hotspots.export.gis import write_geojson, write_gpkg
from hotspots.export.workbook.tables import ATTRIBUTION, write_xlsx
from hotspots.harm import HARM_SOURCE
from hotspots.pipeline import analyse, load_layers
from hotspots.plans.patrol_zones import PATROL_ZONE_FIELDS as ZONE_FIELDS
from hotspots.progress import Cancelled
from hotspots.study import Settings, Study

EVIL = '=HYPERLINK("http://evil.example","click")'


def _analysis(hot: bool = True):
    """8x8 lattice: a hot 3x3 block whose busiest street is a formula, StreetSafe reports, odd names."""
    n = 8
    block = [r * n + c for r in range(3) for c in range(3)]
    crimes = pd.concat([
        crimes_at(dict.fromkeys(block, 30), n, location=f"On or near {EVIL}"),
        crimes_at(dict.fromkeys(block, 5), n, location="On or near Café Street"),
        crimes_at({40: 3, 50: 2}, n),
    ])
    pts = [(650.0, 650.0, ["badly_lit"])] * 20 + [(50.0, 50.0, ["followed"])] * 3 + [(450.0, 150.0, ["isolated"])]
    ss = streetsafe_points(pts)
    pubs = gpd.GeoDataFrame({"name": [EVIL, "The Ship & Trades"]},
                            geometry=gpd.points_from_xy([50, 150], [50, 150]), crs=27700)
    a, layers = planted_analysis(n, n, crimes, hh=block if hot else (), streetsafe=ss, pubs=pubs,
                                 settings=Settings(permutations=99, seed=2))
    names = a.table["lsoa_name"].astype(object).to_numpy().copy()
    names[0] = EVIL
    names[1] = "Bad\x00name\x01 with accents: Ñandú ☂"
    names[2] = "-1+2"
    a.table["lsoa_name"] = names
    layers.reports["crimes"] = LoadReport(source="crimes.csv", kind="crimes", rows_read=len(layers.crimes) + 3,
                                          rows_kept=len(layers.crimes), dropped={"missing coordinates": 3})
    # patrol zones from the cells holding 90% of the crime (the hot block); none when no group of 3 cells
    return staged_cells(a, layers, zone_share=0.9 if hot else 0.01), layers


@pytest.fixture()
def rich():
    return _analysis()


# --- GeoPackage / GeoJSON -------------------------------------------------------------------

def test_gpkg_reads_back_with_fields_crs_and_raw_text(rich, tmp_path):
    a, _ = rich
    path = write_gpkg(a, tmp_path / "patrol_zones.gpkg")
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"patrol_zones", "lsoa_results", "lsoa_clusters", "patrol_spots", "fear_vs_crime"}
    clusters = gpd.read_file(path, layer="lsoa_clusters")
    assert clusters["crimes"].tolist() == a.lsoa_clusters.frame["crimes"].tolist()
    assert "cluster_id" in clusters.columns and "zone_id" not in clusters.columns
    zones = gpd.read_file(path, layer="patrol_zones")
    assert list(zones.columns) == [*ZONE_FIELDS, "geometry"]
    assert zones.crs.to_epsg() == 27700
    assert zones["crimes"].tolist() == a.zone_frame["crimes"].tolist() == [315]
    assert zones.geometry.area.iloc[0] == pytest.approx(a.zone_frame.geometry.area.iloc[0])
    assert zones.loc[0, "top_streets"] == f"{EVIL} (270); Café Street (45)"  # raw, no apostrophe
    lsoas = gpd.read_file(path, layer="lsoa_results")
    assert lsoas.crs.to_epsg() == 27700 and len(lsoas) == 64
    for col in ("lsoa_code", "crimes", "gi_bin", "zone_id", "population", "rate", "density", "area_km2",
                "lisa_p_folded", "gi_p_folded", "fear_gap", "fear_status", "fear_p", "fear_expected"):
        assert col in lsoas.columns, col
    assert lsoas.loc[0, "lsoa_name"] == EVIL
    assert lsoas.loc[1, "lsoa_name"] == "Badname with accents: Ñandú ☂"
    assert lsoas["zone_id"].notna().sum() == 9
    fear = gpd.read_file(path, layer="fear_vs_crime")
    assert len(fear) == int((a.table["fear_gap"] != "").sum()) > 0
    assert set(fear["fear_gap"]) <= {"fear_not_crime", "crime_not_fear", "both"}


def test_geojson_is_wgs84(rich, tmp_path):
    a, _ = rich
    path = write_geojson(a, tmp_path / "patrol_zones.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 1
    back = gpd.read_file(path)
    assert back.crs.to_epsg() == 4326
    assert list(back.columns) == [*ZONE_FIELDS, "geometry"]
    expected = a.zone_frame.to_crs(4326).geometry.iloc[0]
    # RFC 7946 keeps 7 decimals (about 1 cm), so allow that much rounding
    assert back.geometry.iloc[0].symmetric_difference(expected).area < 1e-4 * expected.area
    minx, miny, maxx, maxy = back.total_bounds
    assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def test_no_zones_still_writes_valid_files_with_the_schema(tmp_path):
    a, layers = _analysis(hot=False)
    assert len(a.zone_frame) == 0
    gpkg = write_gpkg(a, tmp_path / "patrol_zones.gpkg")
    info = pyogrio.read_info(gpkg, layer="patrol_zones")
    assert info["features"] == 0 and list(info["fields"]) == ZONE_FIELDS
    assert info["crs"] == "EPSG:27700"
    gj = write_geojson(a, tmp_path / "patrol_zones.geojson")
    doc = json.loads(gj.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["features"] == []
    xlsx = write_xlsx(a, layers, Study(name="empty"), tmp_path / "hotspots.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    assert [c.value for c in wb["Zones"][1]] == [*ZONE_FIELDS, "pubs_in_zone"] and wb["Zones"].max_row == 1


# --- XLSX -------------------------------------------------------------------------------------

def test_xlsx_sheets_numbers_and_inert_text(rich, tmp_path):
    a, layers = rich
    path = write_xlsx(a, layers, Study(name="Lattice"), tmp_path / "hotspots.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["LSOAs", "Zones", "Patrol spots", "About"]
    ws = wb["LSOAs"]
    header = [c.value for c in ws[1]]
    assert header[:15] == ["lsoa_code", "lsoa_name", "crimes", "harm", "value", "imd_decile", "pubs", "streetsafe",
                           "lisa_i", "lisa_p", "lisa_cluster", "gi_z", "gi_p", "gi_bin", "zone_id"]
    assert {"population", "rate", "density", "imd_score", "fear_gap"} <= set(header)
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws.max_row == 65
    col = {h: i for i, h in enumerate(header)}
    first = [c for c in ws[2]]
    assert first[col["crimes"]].data_type == "n" and first[col["crimes"]].value == 35
    assert first[col["zone_id"]].value == 1
    evil = first[col["lsoa_name"]]
    assert evil.data_type == "s" and evil.value == "'" + EVIL
    assert ws.cell(row=3, column=col["lsoa_name"] + 1).value == "Badname with accents: Ñandú ☂"
    assert ws.cell(row=4, column=col["lsoa_name"] + 1).value == "'-1+2"
    assert ws.cell(row=22, column=col["zone_id"] + 1).value is None  # LSOA 20 is in no zone: empty cell
    zs = wb["Zones"]
    assert [c.value for c in zs[1]] == [*ZONE_FIELDS, "pubs_in_zone"]
    zcol = {c.value: i for i, c in enumerate(zs[1])}
    streets = zs[2][zcol["top_streets"]]
    assert streets.data_type == "s" and streets.value.startswith("'=HYPERLINK(")
    assert zs[2][zcol["pai"]].data_type == "n"
    assert zs[2][zcol["pai"]].value == pytest.approx(float(a.zone_frame.loc[0, "pai"]))
    about = "\n".join(str(c.value) for row in wb["About"].iter_rows() for c in row if c.value is not None)
    for text in (ATTRIBUTION, HARM_SOURCE, "Anselin 1995", "Getis & Ord 1992", "99 conditional permutations",
                 "LSOA clusters are contiguous groups", "Patrol zones are built from 150 m grid cells", "zone 1",
                 "Lattice", "rows read"):
        assert text in about, text
    assert "315 crimes in 0.09 km²" in about
    rows = {r[0]: r for r in wb["About"].iter_rows(values_only=True) if r[0]}
    assert rows["  rows read"][2] == 323 and rows["  dropped"][1:] == ("missing coordinates", 3)


# --- atomic writing -----------------------------------------------------------------------------

def test_gpkg_failure_halfway_keeps_the_previous_file(rich, tmp_path, monkeypatch):
    a, _ = rich
    target = tmp_path / "patrol_zones.gpkg"
    write_gpkg(a, target)
    before = target.read_bytes()
    real = pyogrio.write_dataframe
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:  # the first layer is already in the temporary file
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", flaky)
    with pytest.raises(OSError, match="disk full"):
        write_gpkg(a, target)
    assert calls["n"] == 2
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["patrol_zones.gpkg"]
    calls["n"] = 0
    fresh = tmp_path / "new" / "patrol_zones.gpkg"
    with pytest.raises(OSError):
        write_gpkg(a, fresh)
    assert list(fresh.parent.iterdir()) == []


def test_xlsx_failure_halfway_keeps_the_previous_file(rich, tmp_path, monkeypatch):
    a, layers = rich
    target = tmp_path / "hotspots.xlsx"
    write_xlsx(a, layers, Study(), target)
    before = target.read_bytes()

    def half_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", half_save)
    with pytest.raises(OSError, match="disk full"):
        write_xlsx(a, layers, Study(), target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hotspots.xlsx"]


# --- the bundle ---------------------------------------------------------------------------------

MINE = {k: v for k, v in bundle.EXPORT_FILES.items() if v[0] in ("gis", "workbook.tables")}


def test_bundle_order_and_names():
    assert list(bundle.EXPORT_FILES) == ["patrol_zones.gpkg", "patrol_zones.geojson", "patrol_spots.geojson",
                                         "partner_places.csv", "lsoa_clusters.geojson", "hotspots.xlsx", "patrol_map.html", "briefing.pdf", "evidence.docx",
                                         "heat.tif", "streetsafe_concerns.csv", "streetsafe_update.xlsx"]


def test_bundle_writes_times_reports_progress_and_skips_what_has_nothing_to_write(rich, tmp_path, monkeypatch):
    a, layers = rich
    files = {**MINE, "absent.txt": ("gis", "nothing_to_write", "nothing")}
    monkeypatch.setattr(bundle, "EXPORT_FILES", files)
    from hotspots.export import gis

    monkeypatch.setattr(gis, "nothing_to_write", lambda analysis, path: None, raising=False)
    seen = []
    timings, skipped = {}, []
    paths = bundle.write_all(a, layers, Study(), tmp_path / "out", progress=lambda m, f: seen.append((m, f)),
                             timings=timings, skipped=skipped)
    assert [p.name for p in paths] == ["patrol_zones.gpkg", "patrol_zones.geojson", "lsoa_clusters.geojson",
                                       "hotspots.xlsx"]
    assert all(p.exists() and p.stat().st_size > 0 for p in paths)
    assert set(timings) == {p.name for p in paths} | {"absent.txt"}
    assert all(v >= 0 for v in timings.values())
    assert skipped == ["absent.txt"]
    fracs = [f for _, f in seen]
    assert fracs == sorted(fracs) and fracs[-1] == 1.0 and 0 <= fracs[0] < 1
    assert any("hotspots.xlsx" in m for m, _ in seen)


def test_bundle_calls_each_writer_with_the_pieces_it_names(rich, tmp_path, monkeypatch):
    a, layers = rich
    calls = {}

    def fake(name, write):
        mod = types.ModuleType(f"hotspots.export.{name}")
        setattr(mod, write.__name__, write)
        monkeypatch.setitem(sys.modules, mod.__name__, mod)

    def write_map(analysis, layers, path, *, study=None):  # the real writers' parameter names
        calls["html_map"] = (analysis, layers, path, study)
        path.write_text("x")
        return path

    def write_briefing(analysis, layers, study, path, *, pages=None):
        calls["briefing"] = (analysis, layers, study, path, pages)
        path.write_text("x")
        return path

    def write_gpkg(analysis, path):
        calls["gis"] = (analysis, path)
        path.write_text("x")
        return path

    fake("map.html_map", write_map)
    fake("briefing.briefing", write_briefing)
    fake("gis", write_gpkg)
    study = Study(name="s")
    monkeypatch.setattr(bundle, "EXPORT_FILES", {k: v for k, v in bundle.EXPORT_FILES.items()
                                                 if k.endswith(("html", "pdf", "gpkg"))})
    paths = bundle.write_all(a, layers, study, tmp_path)
    assert [p.name for p in paths] == ["patrol_zones.gpkg", "patrol_map.html", "briefing.pdf"]
    assert calls["html_map"] == (a, layers, tmp_path / "patrol_map.html", study)  # the map title names the study
    assert calls["briefing"] == (a, layers, study, tmp_path / "briefing.pdf", None)
    assert calls["gis"] == (a, tmp_path / "patrol_zones.gpkg")


def test_bundle_cancel_between_files(rich, tmp_path, monkeypatch):
    a, layers = rich
    monkeypatch.setattr(bundle, "EXPORT_FILES", MINE)
    out = tmp_path / "out"
    state = {"n": 0}

    def cancel():
        state["n"] += 1
        return state["n"] > 1  # let the first file through

    with pytest.raises(Cancelled):
        bundle.write_all(a, layers, Study(), out, cancel=cancel)
    assert sorted(p.name for p in out.iterdir()) == ["patrol_zones.gpkg"]


# --- real data ----------------------------------------------------------------------------------

@pytest.mark.realdata
def test_kent_exports(tmp_path, monkeypatch):
    need_real(KENT_BOUNDARIES, KENT_CRIME, KENT_PUBS, IMD_FILE1)
    st = Study(boundaries=str(KENT_BOUNDARIES), crimes=[str(KENT_CRIME)], imd=str(IMD_FILE1), pubs=str(KENT_PUBS),
               name="Kent 2021")
    layers = load_layers(st)
    a = analyse(layers, st.settings)
    zones = a.zone_frame
    monkeypatch.setattr(bundle, "EXPORT_FILES", MINE)
    paths = bundle.write_all(a, layers, st, tmp_path)
    assert len(paths) == 4
    lsoas = gpd.read_file(tmp_path / "patrol_zones.gpkg", layer="lsoa_results")
    assert len(lsoas) == 1065 and lsoas["crimes"].sum() == a.table["crimes"].sum()
    assert "fear_vs_crime" not in {n for n, _ in pyogrio.list_layers(tmp_path / "patrol_zones.gpkg")}
    back = gpd.read_file(tmp_path / "patrol_zones.geojson")
    assert len(back) == len(zones) and back.crs.to_epsg() == 4326
    assert np.allclose(back.to_crs(27700).geometry.area, zones.geometry.area, rtol=1e-4)
    wb = openpyxl.load_workbook(tmp_path / "hotspots.xlsx", read_only=True)
    assert sum(1 for _ in wb["LSOAs"].iter_rows()) == 1066
    assert sum(1 for _ in wb["Zones"].iter_rows()) == len(zones) + 1
    about = " ".join(str(c) for row in wb["About"].iter_rows(values_only=True) for c in row if c is not None)
    assert f"Jan–Dec 2021, {int(a.table['crimes'].sum()):,} crimes" in about and "1,065 Lower Layer Super Output Areas" in about
    wb.close()
