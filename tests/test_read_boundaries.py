import json

import numpy as np
import pytest
import shapely
from _paths import KENT_BOUNDARIES, need_real

from hotspots.data.boundaries import read_boundaries
from hotspots.data.errors import DataError


def _square_fc(crs: str | None, coords_scale: float = 1.0, origin=(0.5, 51.2), code_key="LSOA21CD"):
    feats = []
    for i in range(3):
        x0 = origin[0] + i * 0.01 * coords_scale
        ring = [[x0, origin[1]], [x0 + 0.01 * coords_scale, origin[1]],
                [x0 + 0.01 * coords_scale, origin[1] + 0.01 * coords_scale], [x0, origin[1] + 0.01 * coords_scale],
                [x0, origin[1]]]
        feats.append({"type": "Feature", "properties": {code_key: f"E0100000{i}", "LSOA21NM": f"Town 00{i}A"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    fc = {"type": "FeatureCollection", "features": feats}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    return fc


@pytest.mark.realdata
def test_kent_real_file():
    need_real(KENT_BOUNDARIES)
    gdf, rep = read_boundaries(KENT_BOUNDARIES)
    assert len(gdf) == 1065 and rep.rows_read == 1065
    assert gdf.crs.to_epsg() == 27700
    assert rep.info["vintage"] == "2011"
    assert rep.info["repaired_polygons"] == 2
    assert set(rep.info["repaired_codes"]) == {"E01024274", "E01024535"}
    assert shapely.is_valid(gdf.geometry.values).all()
    # area in km2 matches the provenance note (about 3,737 km2 in EPSG:27700)
    assert abs(gdf["area_km2"].sum() - 3737) < 20
    rep.check_balance()


def test_geojson_lonlat_reprojected(tmp_path):
    p = tmp_path / "b.geojson"
    p.write_text(json.dumps(_square_fc(None)))
    gdf, rep = read_boundaries(p)
    assert gdf.crs.to_epsg() == 27700
    x, y = gdf.geometry.iloc[0].centroid.coords[0]
    assert 500_000 < x < 700_000 and 100_000 < y < 200_000
    assert list(gdf["lsoa_code"]) == ["E01000000", "E01000001", "E01000002"]
    assert rep.info["vintage"] == "2021"


def test_invalid_polygon_repaired_and_counted(tmp_path):
    fc = _square_fc(None)
    o = fc["features"][0]["geometry"]["coordinates"][0][0]
    # a bow-tie ring
    fc["features"][0]["geometry"]["coordinates"] = [[o, [o[0] + 0.01, o[1] + 0.01], [o[0] + 0.01, o[1]],
                                                    [o[0], o[1] + 0.01], o]]
    p = tmp_path / "b.geojson"
    p.write_text(json.dumps(fc))
    gdf, rep = read_boundaries(p)
    assert rep.info["repaired_polygons"] == 1
    assert shapely.is_valid(gdf.geometry.values).all()
    assert gdf.geometry.iloc[0].area > 0


def test_zipped_shapefile(tmp_path):
    import zipfile

    import geopandas as gpd

    src = tmp_path / "b.geojson"
    src.write_text(json.dumps(_square_fc(None)))
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    gpd.read_file(src).to_crs(27700).to_file(shp_dir / "lsoa.shp")
    z = tmp_path / "lsoa.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in shp_dir.iterdir():
            zf.write(f, f.name)
    gdf, _ = read_boundaries(z)
    assert len(gdf) == 3 and gdf.crs.to_epsg() == 27700


@pytest.mark.parametrize("case", ["missing", "empty", "nocode", "wrongcrs", "nocrs_shp", "table"])
def test_bad_boundaries(tmp_path, case):
    import geopandas as gpd

    p = tmp_path / "b.geojson"
    if case == "missing":
        p = tmp_path / "nope.geojson"
    elif case == "empty":
        p.write_bytes(b"")
    elif case == "nocode":
        p.write_text(json.dumps(_square_fc(None, code_key="foo")))
    elif case == "wrongcrs":
        p.write_text(json.dumps(_square_fc("urn:ogc:def:crs:EPSG::27700")))
    elif case == "nocrs_shp":
        src = tmp_path / "src.geojson"
        src.write_text(json.dumps(_square_fc(None)))
        g = gpd.read_file(src)
        g = g.set_crs(None, allow_override=True)
        p = tmp_path / "b.shp"
        import warnings

        with warnings.catch_warnings():  # writing a CRS-less file is the point of this case
            warnings.simplefilter("ignore", UserWarning)
            g.to_file(p)
        (tmp_path / "b.prj").unlink(missing_ok=True)
    elif case == "table":
        p = tmp_path / "b.csv"
        p.write_text("LSOA21CD,name\nE01000001,x\n")
    with pytest.raises(DataError) as ei:
        read_boundaries(p)
    msg = str(ei.value)
    assert str(p) in msg and "fix:" in msg
    if case == "nocode":
        assert "foo" in msg  # lists the columns the file has
    if case == "wrongcrs":
        assert "EPSG:4326" in msg
    if case == "nocrs_shp":
        assert "coordinate reference system" in msg


def test_duplicate_codes_merged(tmp_path):
    fc = _square_fc(None)
    fc["features"][1]["properties"]["LSOA21CD"] = "E01000000"
    p = tmp_path / "b.geojson"
    p.write_text(json.dumps(fc))
    gdf, rep = read_boundaries(p)
    assert len(gdf) == 2
    assert rep.dropped == {"duplicate LSOA code (parts merged)": 1}
    merged = gdf.loc[gdf.lsoa_code == "E01000000", "area_km2"].iloc[0]
    other = gdf.loc[gdf.lsoa_code == "E01000002", "area_km2"].iloc[0]
    assert np.isclose(merged, 2 * other, rtol=1e-3)


def test_multilayer_geopackage_picks_the_lsoa_layer(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    src = tmp_path / "b.geojson"
    src.write_text(json.dumps(_square_fc(None)))
    lsoas = gpd.read_file(src).to_crs(27700)
    gpkg = tmp_path / "multi.gpkg"
    pts = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(550_000, 150_000)], crs=27700)
    pts.to_file(gpkg, layer="points")  # first layer: not LSOAs
    lsoas.to_file(gpkg, layer="lsoa")
    gdf, rep = read_boundaries(gpkg)
    assert len(gdf) == 3 and rep.info["code_column"] == "LSOA21CD"
