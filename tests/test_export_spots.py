"""Patrol-spot outputs on the demo study: GeoJSON (4326, rank, evidence), the GPKG layer, the XLSX
sheet and summary.json, read back and checked against the analysis and independent computations."""

from __future__ import annotations

import json
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from _demo import analysed_demo

from hotspots.export.gis import write_gpkg
from hotspots.export.spots import SPOT_FIELDS, spots_table, write_spots_geojson
from hotspots.export.workbook.tables import write_xlsx


@pytest.fixture(scope="module")
def demo():
    return analysed_demo(permutations=99)


def test_geojson_is_4326_polygons_ranked_with_evidence(demo, tmp_path):
    a, layers, _ = demo
    path = write_spots_geojson(a, tmp_path / "patrol_spots.geojson")
    d = json.loads(path.read_text())
    assert d["type"] == "FeatureCollection" and len(d["features"]) == len(a.spots.spots) == 20
    ranks = [f["properties"]["rank"] for f in d["features"]]
    assert ranks == list(range(1, 21))
    g = gpd.read_file(path)
    assert g.crs.to_epsg() == 4326
    assert set(g.geom_type) <= {"Polygon", "MultiPolygon"}
    # the polygons hold the crimes the spot says they hold (independent point-in-polygon in 4326)
    crimes = layers.crimes
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(crimes["x"].to_numpy(), crimes["y"].to_numpy())
    for f, geom in zip(d["features"], g.geometry, strict=True):
        p = f["properties"]
        inside = shapely.contains_xy(geom, lon, lat).sum()
        assert inside == p["crimes"]
        assert sum(p["crimes_by_month"].values()) == p["crimes"] == sum(p["crimes_by_type"].values())
        assert isinstance(p["flags"], list) and "time of day" in p["dosage"]
        c = geom.centroid
        assert abs(c.x - p["centre_lon"]) < 1e-4 and abs(c.y - p["centre_lat"]) < 1e-4
    names = [f["properties"]["name"] for f in d["features"]]
    assert len(set(names)) == len(names)


def test_gpkg_layer_and_xlsx_sheet(demo, tmp_path):
    a, layers, study = demo
    gpkg = write_gpkg(a, tmp_path / "patrol_zones.gpkg")
    assert "patrol_spots" in {n for n, _ in pyogrio.list_layers(gpkg)}
    spots = gpd.read_file(gpkg, layer="patrol_spots")
    assert spots.crs.to_epsg() == 27700
    assert list(spots.columns) == [*SPOT_FIELDS, "geometry"]
    assert spots["rank"].tolist() == list(range(1, 21))
    assert np.allclose(spots.area / 1e6, spots["area_km2"])
    xlsx = write_xlsx(a, layers, study, tmp_path / "hotspots.xlsx")
    sheet = pd.read_excel(xlsx, sheet_name="Patrol spots")
    assert list(sheet.columns) == SPOT_FIELDS
    assert sheet["crimes"].tolist() == [s.crimes for s in a.spots.spots]


def test_text_from_the_files_is_made_safe(demo, tmp_path):
    a, layers, study = demo
    s0 = a.spots.spots[0]
    evil = replace(s0, name="=HYPERLINK(\"http://x\",\"y\")\x07", street="@SUM(A1)",
                   crimes_by_type={"+cmd": s0.crimes})
    a2 = replace(a, spots=replace(a.spots, spots=[evil, *a.spots.spots[1:]]))
    xlsx = write_xlsx(a2, layers, study, tmp_path / "hotspots.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(xlsx)["Patrol spots"]
    header = [c.value for c in ws[1]]
    row = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert row["name"].startswith("'=") and "\x07" not in row["name"]
    assert row["street"].startswith("'@")
    d = json.loads(write_spots_geojson(a2, tmp_path / "s.geojson").read_text())
    assert "\x07" not in d["features"][0]["properties"]["name"]
    assert spots_table(a2)["name"].iloc[0].startswith("=")  # raw in the table, neutralised in the sheet


def test_summary_holds_the_spots_and_the_test(demo):
    from hotspots.summary import build_summary

    a, layers, study = demo
    s = build_summary(a, layers, study, {})
    sp = s["spots"]
    assert sp["count"] == 20 and sp["cell_m"] == 150 and len(sp["spots"]) == 20
    assert "window sum" in sp["significance"]["test"] and sp["significance"]["n_cells"] > 0
    assert sp["significance"]["significant_hot_cells"] == int(a.spots.cell_test.hot.sum())
    assert sp["significant_spots"] == sum(x["significant"] for x in sp["spots"])
    assert all(x["p_value"] >= 1e-4 for x in sp["spots"])  # never finer than the resolution shown
    assert set(sp["partner_places"]["by_kind"]) == {"hospital", "police_station", "prison", "retail"}
    assert sp["snap_points"]["excluded"] == 0
    assert s["parameters"]["cell_m"] == 150 and s["parameters"]["spots"] == 20
    json.dumps(s, allow_nan=False)


def test_no_spots_writes_an_empty_layer_and_collection(demo, tmp_path):
    a, layers, study = demo
    a2 = replace(a, spots=replace(a.spots, spots=[]))
    d = json.loads(write_spots_geojson(a2, tmp_path / "s.geojson").read_text())
    assert d["features"] == []
    gpkg = write_gpkg(a2, tmp_path / "z.gpkg")
    assert len(gpd.read_file(gpkg, layer="patrol_spots")) == 0
