"""fetch boundaries (ONS ArcGIS paging) and fetch imd (GOV.UK files) against local mirrors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from _paths import KENT_BOUNDARIES, REAL
from shapely.geometry import box, mapping, shape
from werkzeug.wrappers import Response

from hotspots.cli.fetch import main as fetch_main
from hotspots.data.boundaries import read_boundaries
from hotspots.data.deprivation import read_deprivation
from hotspots.data.errors import DataError
from hotspots.data.population import read_population
from hotspots.fetch.imd import DATASETS, fetch_imd
from hotspots.fetch.ons import SERVICES, fetch_boundaries

_WORK = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"


def _real(p: Path) -> Path:
    return p if p.exists() else _WORK / p.relative_to(REAL)


class ArcGisMirror:
    """An ArcGIS FeatureServer query endpoint: maxRecordCount, resultOffset, LIKE and envelopes."""

    def __init__(self, features: list[dict], code: str, name: str, max_records: int = 50) -> None:
        self.features = sorted(features, key=lambda f: f["properties"][code])
        self.code, self.name, self.max = code, name, max_records
        self.queries: list[dict] = []

    def __call__(self, request):
        a = request.args
        self.queries.append(dict(a))
        feats = self.features
        where = a.get("where", "1=1")
        prefixes = re.findall(rf"{self.name} LIKE '(.*?) %'", where)
        if prefixes:
            feats = [f for f in feats if any(f["properties"][self.name].startswith(p + " ") for p in prefixes)]
        if a.get("geometryType") == "esriGeometryEnvelope":
            env = box(*(float(v) for v in a["geometry"].split(",")))
            feats = [f for f in feats if shape(f["geometry"]).intersects(env)]
        off = int(a.get("resultOffset", 0))
        n = min(int(a.get("resultRecordCount", self.max)), self.max)
        page = feats[off:off + n]
        body = {"type": "FeatureCollection", "features": page}
        if off + n < len(feats):
            body["properties"] = {"exceededTransferLimit": True}
        return Response(json.dumps(body), content_type="application/geo+json")


def _squares(n: int) -> list[dict]:
    out = []
    for i in range(n):
        lad = "Ashford" if i % 3 else "Dover"
        g = box(0.8 + 0.01 * i, 51.1, 0.809 + 0.01 * i, 51.109)
        out.append({"type": "Feature", "properties": {"LSOA21CD": f"E0103{i:04d}", "LSOA21NM": f"{lad} {i:03d}A",
                                                      "FID": i}, "geometry": mapping(g)})
    return out


def test_boundaries_paged_by_lad_and_bbox(httpserver, tmp_path):
    mirror = ArcGisMirror(_squares(130), "LSOA21CD", "LSOA21NM", max_records=25)
    httpserver.expect_request(f"/rest/{SERVICES[('2021', 'BGC')]}/FeatureServer/0/query").respond_with_handler(mirror)
    base = httpserver.url_for("/rest")
    path, n = fetch_boundaries(tmp_path, year="2021", lads=["Ashford"], api_url=base, page=2000)
    want = {f["properties"]["LSOA21CD"] for f in mirror.features if f["properties"]["LSOA21NM"].startswith("Ashford ")}
    assert n == len(want) and len(mirror.queries) == -(-len(want) // 25)
    bnd, rep = read_boundaries(path)
    assert set(bnd["lsoa_code"]) == want and rep.info["vintage"] == "2021"
    # a bounding box (the study's) instead of a name
    path2, n2 = fetch_boundaries(tmp_path / "bb.geojson", year="2021", bbox=(0.795, 51.0, 0.905, 51.2), api_url=base)
    assert n2 == 11 and read_boundaries(path2)[0]["lsoa_code"].nunique() == 11


def test_boundaries_errors_name_the_service(httpserver, tmp_path):
    httpserver.expect_request(f"/rest/{SERVICES[('2011', 'BGC')]}/FeatureServer/0/query").respond_with_json(
        {"error": {"code": 400, "message": "Invalid query parameters"}})
    with pytest.raises(DataError, match="refused the query.*Invalid query"):
        fetch_boundaries(tmp_path, year="2011", lads=["Kent"], api_url=httpserver.url_for("/rest"))
    with pytest.raises(DataError, match="cannot reach the ONS boundary service"):
        fetch_boundaries(tmp_path, year="2011", lads=["Kent"], api_url="http://127.0.0.1:9/rest")


@pytest.mark.realdata
def test_kent_boundaries_from_an_ons_mirror(httpserver, tmp_path, monkeypatch):
    src = _real(KENT_BOUNDARIES)
    if not src.exists():
        pytest.skip(f"real data not available: {src}")
    feats = json.loads(src.read_text())["features"]
    mirror = ArcGisMirror(feats, "LSOA11CD", "LSOA11NM", max_records=200)
    httpserver.expect_request(f"/rest/{SERVICES[('2011', 'BGC')]}/FeatureServer/0/query").respond_with_handler(mirror)
    monkeypatch.setenv("HOTSPOTS_ONS_API", httpserver.url_for("/rest"))
    out = tmp_path / "b"
    assert fetch_main(["boundaries", "--year", "2011", "--lad", "Ashford", "--lad", "Medway", "--out", str(out),
                       "--quiet"]) == 0
    bnd, _ = read_boundaries(out / "lsoa11_bgc.geojson")
    names = {f["properties"]["LSOA11CD"] for f in feats
             if f["properties"]["LSOA11NM"].split(" ")[0] in ("Ashford", "Medway")}
    assert set(bnd["lsoa_code"]) == names and len(names) > 200  # more than one page
    assert fetch_main(["boundaries", "--year", "2011", "--boundaries", str(src), "--out", str(tmp_path / "all"),
                       "--quiet"]) == 0
    assert len(read_boundaries(tmp_path / "all" / "lsoa11_bgc.geojson")[0]) == 1065


def _imd_files(folder: Path) -> None:
    """Small MHCLG-shaped files under their published names."""
    codes = [f"E0100{i:04d}" for i in range(1, 41)]
    f1 = pd.DataFrame({"LSOA code (2011)": codes, "LSOA name (2011)": [f"A {i:03d}A" for i in range(40)],
                       "Index of Multiple Deprivation (IMD) Rank": [i * 800 + 1 for i in range(40)],
                       "Index of Multiple Deprivation (IMD) Decile": [min(10, i // 4 + 1) for i in range(40)]})
    with pd.ExcelWriter(folder / DATASETS["imd2019_file1"].filename) as xw:
        pd.DataFrame({"Notes": ["English Indices of Deprivation 2019"]}).to_excel(xw, sheet_name="Notes", index=False)
        f1.to_excel(xw, sheet_name="IMD2019", index=False)
    f6 = pd.DataFrame({"LSOA code (2011)": codes, "Total population: mid 2015 (excluding prisoners)": [1500] * 40})
    with pd.ExcelWriter(folder / DATASETS["imd2019_file6"].filename) as xw:
        f6.to_excel(xw, sheet_name="Population Denominators", index=False)
    f7 = pd.DataFrame({"LSOA code (2021)": [c.replace("E0100", "E0103") for c in codes],
                       "Index of Multiple Deprivation (IMD) Score": [40 - i for i in range(40)],
                       "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)": range(1, 41),
                       "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)":
                           [1] * 40})
    f7.to_csv(folder / DATASETS["iod2025_file7"].filename, index=False)


def test_fetch_imd_from_a_mirror_folder(httpserver, tmp_path, monkeypatch):
    src = tmp_path / "mirror"
    src.mkdir()
    _imd_files(src)
    for item in DATASETS.values():
        httpserver.expect_request(f"/iod/{item.filename}").respond_with_data((src / item.filename).read_bytes())
    monkeypatch.setenv("HOTSPOTS_IMD_URL", httpserver.url_for("/iod"))
    out = tmp_path / "out"
    paths = fetch_imd(out, release="all")
    assert [p.name for p in paths] == [d.filename for d in DATASETS.values()]
    imd, rep = read_deprivation(out / DATASETS["imd2019_file1"].filename)
    assert len(imd) == 40 and rep.info["vintage"] == "IMD2019"
    pop, _ = read_population(out / DATASETS["imd2019_file6"].filename)
    assert pop["population"].sum() == 40 * 1500
    assert read_deprivation(out / DATASETS["iod2025_file7"].filename)[1].info["vintage"] == "IoD2025"
    assert not list(out.glob(".part-*"))


def test_fetch_imd_refuses_a_page_that_is_not_the_file(httpserver, tmp_path):
    name = DATASETS["iod2025_file7"].filename
    httpserver.expect_request(f"/iod/{name}").respond_with_data("<html><body>Sign in to the Wi-Fi</body></html>")
    with pytest.raises(DataError, match="not a readable"):
        fetch_imd(tmp_path, release="iod2025", imd_url=httpserver.url_for("/iod"))
    assert not list(tmp_path.iterdir())  # nothing half-made is left behind
