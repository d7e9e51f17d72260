import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real

from hotspots.data.boundaries import read_boundaries
from hotspots.data.crimes import read_crimes
from hotspots.data.errors import DataError

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
          "Crime type,Last outcome category,Context\n")


@pytest.fixture(scope="module")
def kent():
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    b, _ = read_boundaries(KENT_BOUNDARIES)
    c, rep = read_crimes(KENT_CRIME, b)
    raw = pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in sorted(KENT_CRIME.glob("*.csv"))],
                    ignore_index=True)
    return b, c, rep, raw


@pytest.mark.realdata
def test_kent_accounting(kent):
    b, c, rep, raw = kent
    assert rep.rows_read == len(raw) == 212_044
    assert rep.dropped["missing coordinates"] == int((raw["Longitude"] == "").sum()) == 2317
    rep.check_balance()
    assert len(c) == rep.rows_kept
    assert rep.info["months"][0] == "2021-01" and rep.info["months"][-1] == "2021-12"
    # police.uk's own LSOA column agrees with point-in-polygon for ~96% of rows, not all
    assert 0.93 < rep.info["csv_lsoa_agreement"] < 0.99


@pytest.mark.realdata
def test_kent_identical_asb_rows_all_kept(kent):
    b, c, rep, raw = kent
    asb = raw[raw["Crime type"] == "Anti-social behaviour"]
    assert int(asb.duplicated(keep="first").sum()) == 12_438
    # every ASB row with coordinates inside Kent is kept, duplicates included
    pts = asb[asb["Longitude"] != ""]
    g = gpd.GeoDataFrame(geometry=gpd.points_from_xy(pts["Longitude"].astype(float), pts["Latitude"].astype(float)),
                         crs=4326).to_crs(27700)
    inside = gpd.sjoin(g, b[["geometry"]], predicate="intersects", how="inner")
    inside = inside[~inside.index.duplicated()]
    assert int((c["crime_type"] == "Anti-social behaviour").sum()) == len(inside)


@pytest.mark.realdata
def test_kent_counts_equal_independent_point_in_polygon(kent):
    b, c, rep, raw = kent
    r = raw[raw["Longitude"] != ""]
    r = r[~((r["Crime ID"] != "") & r.duplicated(subset=["Crime ID"], keep="first"))]
    g = gpd.GeoDataFrame({"i": np.arange(len(r))},
                         geometry=gpd.points_from_xy(r["Longitude"].astype(float), r["Latitude"].astype(float)),
                         crs=4326).to_crs(27700)
    j = gpd.sjoin(g, b[["lsoa_code", "geometry"]], predicate="within", how="inner")
    j = j[~j.index.duplicated()]
    expected = j.groupby("lsoa_code").size().reindex(b["lsoa_code"], fill_value=0).to_numpy()
    ours = np.bincount(c["lsoa"].to_numpy(), minlength=len(b))
    assert ours.sum() == rep.rows_kept
    # points exactly on a shared edge are 'within' neither polygon but do intersect; allow only those
    assert np.abs(ours - expected).sum() <= 0.0005 * ours.sum()
    assert (ours == expected).mean() > 0.995


def _boundaries(tmp_path):
    import json

    feats = []
    for i in range(2):
        x0 = 0.5 + i * 0.01
        ring = [[x0, 51.2], [x0 + 0.01, 51.2], [x0 + 0.01, 51.21], [x0, 51.21], [x0, 51.2]]
        feats.append({"type": "Feature", "properties": {"LSOA11CD": f"E0100000{i}", "LSOA11NM": f"T 00{i}A"},
                      "geometry": {"type": "Polygon", "coordinates": [ring]}})
    p = tmp_path / "b.geojson"
    p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}))
    return read_boundaries(p)[0]


def _row(cid="", month="2021-01", lon="0.505", lat="51.205", loc="On or near High Street", ctype="Burglary"):
    return f"{cid},{month},Kent Police,Kent Police,{lon},{lat},{loc},E01000000,T 000A,{ctype},,\n"


def test_small_file_all_reasons(tmp_path):
    b = _boundaries(tmp_path)
    body = (_row("a1") + _row("a1") + _row("", ctype="Anti-social behaviour") * 3 + _row("b2", lon="", lat="")
            + _row("c3", lon="2.0", lat="52.0") + _row("d4", month="Jan 2021") + _row("e5", lon="0.515"))
    f = tmp_path / "2021-01-kent-street.csv"
    f.write_text(HEADER + body)
    c, rep = read_crimes(f, b)
    assert rep.rows_read == 9
    assert rep.dropped == {"duplicate Crime ID": 1, "missing coordinates": 1, "outside every LSOA": 1,
                           "invalid month": 1}
    assert len(c) == 5
    assert (c["crime_type"] == "Anti-social behaviour").sum() == 3
    assert sorted(c["lsoa"].tolist()) == [0, 0, 0, 0, 1]
    rep.check_balance()


@pytest.mark.parametrize("outside", [0, 37])
def test_exact_points_are_counted_once_each_among_the_rows_kept(tmp_path, outside):
    """A force's own extract: nearly every row its own point (so each is placed on its own), a
    few points repeated, and with ``outside`` rows beyond every LSOA the distinct points kept
    are counted among the rows kept only."""
    b = _boundaries(tmp_path)
    rng = np.random.default_rng(outside)
    lon = rng.uniform(0.5005, 0.5195, 400).round(6)
    lat = rng.uniform(51.2005, 51.2095, 400).round(6)
    lon[:30], lat[:30] = lon[30:60], lat[30:60]  # 30 points twice
    lon[60:60 + outside] += 0.5  # off to the east of both LSOAs
    body = "".join(_row(f"id{k}", lon=f"{x:.6f}", lat=f"{y:.6f}") for k, (x, y) in enumerate(zip(lon, lat, strict=True)))
    f = tmp_path / "2021-01-kent-street.csv"
    f.write_text(HEADER + body)
    c, rep = read_crimes(f, b)
    assert rep.dropped.get("outside every LSOA", 0) == outside and len(c) == 400 - outside
    assert rep.info["unique_points"] == len(c[["x", "y"]].drop_duplicates()) == 370 - outside


def test_folder_and_bulk_zip_layout(tmp_path):
    b = _boundaries(tmp_path)
    root = tmp_path / "download"
    for m in ("2021-01", "2021-02"):
        (root / m).mkdir(parents=True)
        (root / m / f"{m}-kent-street.csv").write_text(HEADER + _row(f"id{m}", month=m))
        (root / m / f"{m}-kent-outcomes.csv").write_text("Crime ID,Month\nx,2021-01\n")
    c, rep = read_crimes(root, b)
    assert len(c) == 2 and len(rep.files) == 2  # outcomes files are not crimes
    z = tmp_path / "bulk.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in root.rglob("*.csv"):
            zf.write(p, p.relative_to(root))
    c2, rep2 = read_crimes(z, b)
    assert len(c2) == 2 and rep2.rows_read == 2


@pytest.mark.parametrize("case", ["empty", "header_only", "wrong_columns", "cp1252", "no_overlap", "bad_lon",
                                  "missing", "empty_folder"])
def test_bad_crime_files(tmp_path, case):
    b = _boundaries(tmp_path)
    f = tmp_path / "c.csv"
    if case == "empty":
        f.write_bytes(b"")
    elif case == "header_only":
        f.write_text(HEADER)
    elif case == "wrong_columns":
        f.write_text("id,date,x,y\n1,2021-01,0.5,51.2\n")
    elif case == "cp1252":
        f.write_bytes((HEADER + _row("a") + _row("b", loc="On or near Caf\xe9 Street")).encode("cp1252"))
    elif case == "no_overlap":
        f.write_text(HEADER + _row("a", lon="-2.5", lat="53.4"))
    elif case == "bad_lon":
        f.write_text(HEADER + _row("a") + _row("b", lon="zero"))
    elif case == "missing":
        f = tmp_path / "nope.csv"
    elif case == "empty_folder":
        f = tmp_path / "emptydir"
        f.mkdir()
    with pytest.raises(DataError) as ei:
        read_crimes(f, b)
    msg = str(ei.value)
    assert str(f) in msg and "fix:" in msg
    if case == "cp1252":
        assert "line 3" in msg and "UTF-8" in msg
    if case == "wrong_columns":
        assert "Longitude" in msg and "'x'" in msg
    if case == "bad_lon":
        assert "line 3" in msg and "Longitude" in msg
