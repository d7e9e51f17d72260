"""The ONS LSOA 2011 -> 2021 lookup: reading it and carrying deprivation across it.

Hand-made cases first (values worked out by hand in the comments), then Kent: IoD 2025
(2021 codes) onto the Kent 2011 boundaries through a test lookup. No real ONS lookup file is
available here, so the Kent lookup is built as described in ``_kent_lookup``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _paths import KENT_BOUNDARIES, REAL

from hotspots.data.deprivation import check_join, read_deprivation
from hotspots.data.errors import DataError
from hotspots.data.lsoa_lookup import convert_deprivation, read_lsoa_lookup
from hotspots.data.report import LoadReport

_WORK = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"


def _real(p: Path) -> Path:
    return p if p.exists() else _WORK / p.relative_to(REAL)


LOOKUP = """LSOA11CD,LSOA11NM,LSOA21CD,LSOA21NM,CHGIND,LAD22CD
E01000001,A 001A,E01000001,A 001A,U,E09000001
E01000002,A 001B,E01033801,A 001E,S,E09000001
E01000002,A 001B,E01033802,A 001F,S,E09000001
E01000003,A 001C,E01033803,A 001G,M,E09000001
E01000004,A 001D,E01033803,A 001G,M,E09000001
E01000005,A 002A,E01033804,A 002E,X,E09000001
E01000005,A 002A,E01033805,A 002F,X,E09000001
E01000006,A 002B,E01033805,A 002F,X,E09000001
"""


def _imd2019() -> pd.DataFrame:
    """IMD 2019-like table on 2011 codes (ranks of 32,844 and scores)."""
    t = pd.DataFrame({"lsoa_code": [f"E0100000{i}" for i in range(1, 7)],
                      "imd_score": [10.0, 20.0, 30.0, 50.0, 40.0, 60.0],
                      "imd_rank": [20000, 15000, 9000, 3000, 6000, 1000],
                      "imd_decile": [7, 5, 3, 1, 2, 1]})
    for c in ("imd_rank", "imd_decile"):
        t[c] = t[c].astype("Int64")
    t.attrs["vintage"] = "IMD2019"
    return t


@pytest.fixture
def lookup(tmp_path):
    p = tmp_path / "lookup.csv"
    p.write_text(LOOKUP)
    return read_lsoa_lookup(p)[0]


def test_read_lookup_counts_bad_rows(tmp_path):
    p = tmp_path / "lk.csv"
    p.write_text(LOOKUP + "E01000007,,E01000007,,Q,E09000001\n,,E01000008,,U,\n" + LOOKUP.splitlines()[1] + "\n")
    lk, rep = read_lsoa_lookup(p)
    assert len(lk) == 8
    assert rep.dropped == {"change code not U/S/M/X": 1, "missing LSOA code": 1, "repeated 2011-2021 pair": 1}
    assert rep.info["by_change"] == {"S": 2, "M": 2, "X": 3, "U": 1}


def test_read_lookup_rejects_another_table(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("lsoa_code,population\nE01000001,1500\n")
    with pytest.raises(DataError, match="CHGIND"):
        read_lsoa_lookup(p)


def test_imd2019_onto_2021_with_population_weights(lookup):
    pop = pd.DataFrame({"lsoa_code": [f"E0100000{i}" for i in range(1, 7)],
                        "population": [1500.0, 1600, 1000, 3000, 1200, 1800]})
    rep = LoadReport(source="t", kind="deprivation")
    out = convert_deprivation(_imd2019(), lookup, "2021", population=pop, report=rep).set_index("lsoa_code")
    assert out.loc["E01000001", "imd_lookup"] == "U" and out.loc["E01000001", "imd_decile"] == 7
    # the two parts of a split take the parent's values
    for part in ("E01033801", "E01033802"):
        assert out.loc[part, "imd_lookup"] == "S"
        assert out.loc[part, "imd_score"] == 20.0 and out.loc[part, "imd_decile"] == 5
    # merged: (30*1000 + 50*3000) / 4000 = 45.0; it lies between scores 50 and 40 of the table,
    # i.e. national rank 2 of the six here -> decile ceil(2*10/32844) = 1
    m = out.loc["E01033803"]
    assert m["imd_lookup"] == "M" and m["imd_score"] == pytest.approx(45.0) and m["imd_decile"] == 1
    assert pd.isna(m["imd_rank"]) and m["imd_sources"] == 2
    # irregular: E01033805 from E01000005 (40, 1200) and E01000006 (60, 1800): 52.0
    x = out.loc["E01033805"]
    assert x["imd_lookup"] == "X" and x["imd_score"] == pytest.approx((40 * 1200 + 60 * 1800) / 3000)
    assert out.loc["E01033804", "imd_lookup"] == "X" and out.loc["E01033804", "imd_score"] == 40.0
    assert rep.info["lookup"]["blended"] == 2 and rep.info["lookup"]["blended_unweighted"] == 0
    assert not rep.warnings
    assert out.attrs["lsoa_year"] == "2021"


def test_ranks_only_and_unweighted_is_said(lookup):
    t = _imd2019().drop(columns="imd_score")
    t.attrs["vintage"] = "IMD2019"
    rep = LoadReport(source="t", kind="deprivation")
    out = convert_deprivation(t, lookup, "2021", report=rep).set_index("lsoa_code")
    # unweighted mean rank of 9,000 and 3,000 = 6,000 -> decile ceil(6000*10/32844) = 2
    assert out.loc["E01033803", "imd_rank"] == 6000 and out.loc["E01033803", "imd_decile"] == 2
    assert rep.info["lookup"]["blended_unweighted"] == 2
    assert any("unweighted mean" in w for w in rep.warnings)


def test_iod2025_onto_2011(lookup):
    """The other way: a split 2011 area blends its 2021 parts, merged 2011 areas copy the parent."""
    t = pd.DataFrame({"lsoa_code": ["E01000001", "E01033801", "E01033802", "E01033803", "E01033804", "E01033805"],
                      "imd_score": [12.0, 18.0, 26.0, 44.0, 41.0, 55.0],
                      "imd_rank": [19000, 16000, 11000, 3500, 4000, 1500],
                      "imd_decile": [6, 5, 4, 2, 2, 1]})
    t.attrs["vintage"] = "IoD2025"
    out = convert_deprivation(t, lookup, "2011").set_index("lsoa_code")
    assert out.loc["E01000002", "imd_lookup"] == "S" and out.loc["E01000002", "imd_score"] == pytest.approx(22.0)
    for member in ("E01000003", "E01000004"):
        assert out.loc[member, "imd_lookup"] == "M" and out.loc[member, "imd_decile"] == 2
        assert out.loc[member, "imd_rank"] == 3500
    assert out.loc["E01000005", "imd_lookup"] == "X" and out.loc["E01000005", "imd_score"] == pytest.approx(48.0)
    assert out.loc["E01000006", "imd_lookup"] == "X" and out.loc["E01000006", "imd_score"] == 55.0


def test_vintage_warning_points_at_the_lookup_and_goes_away(lookup):
    codes = ["E01033801", "E01033802", "E01033803", "E01000001"]
    rep = LoadReport(source="t", kind="deprivation")
    check_join(_imd2019(), codes, "2021", rep)
    assert any("vintages differ" in w and "--lsoa-lookup" in w for w in rep.warnings)
    rep2 = LoadReport(source="t", kind="deprivation")
    res = check_join(convert_deprivation(_imd2019(), lookup, "2021"), codes, "2021", rep2)
    assert res["joined"] == 4 and not res["vintage_mismatch"] and not rep2.warnings


def _kent_lookup(kent_codes: list[str], iod_codes: set[str], imd2019_codes: set[str], boundaries) -> pd.DataFrame:
    """A realistic lookup for Kent, made from what is here (no ONS lookup file is available).

    - A Kent 2011 code that is also a 2021 code (IoD 2025) is unchanged: U. (In the real
      lookup unchanged LSOAs keep their code; 1,028 of Kent's 1,065 do here.)
    - The 37 Kent 2011 codes that no longer exist in 2021 were changed. Retired codes whose
      polygons touch are paired and merged (M: both map to one new 2021 code); the first
      three of the rest form an irregular group (X: A -> P, A -> Q, B -> Q; C -> R); the
      others are split into two new 2021 codes each (S).
    - The "new" 2021 codes are real 2021-only codes of IoD 2025 (above E01033768 and absent
      from IMD 2019), taken in order; which real area they are is not known, so only the
      mechanics, not the geography, of the changed rows are realistic.
    """
    retired = [c for c in kent_codes if c not in iod_codes]
    new = iter(sorted(c for c in iod_codes if c not in imd2019_codes))
    geo = boundaries.set_index("lsoa_code").geometry
    rows, used = [], set()
    for a in retired:
        if a in used:
            continue
        mate = next((b for b in retired if b != a and b not in used and geo[a].distance(geo[b]) < 1.0), None)
        if mate is not None:
            p = next(new)
            rows += [(a, p, "M"), (mate, p, "M")]
            used |= {a, mate}
    rest = [c for c in retired if c not in used]
    a, b, c = rest[:3]
    p, q, r = next(new), next(new), next(new)
    rows += [(a, p, "X"), (a, q, "X"), (b, q, "X"), (c, r, "X")]
    for s in rest[3:]:
        rows += [(s, next(new), "S"), (s, next(new), "S")]
    rows += [(k, k, "U") for k in kent_codes if k in iod_codes]
    return pd.DataFrame(rows, columns=["LSOA11CD", "LSOA21CD", "CHGIND"])


@pytest.mark.realdata
def test_kent_iod2025_joins_every_2011_lsoa(tmp_path):
    from hotspots.data.boundaries import read_boundaries

    bnd_path = _real(KENT_BOUNDARIES)
    iod_path = _real(REAL / "imd" / "IoD2025_england_lsoa21_scores_ranks_deciles.csv")
    f1_path = _real(REAL / "imd" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv")
    if not (bnd_path.exists() and iod_path.exists() and f1_path.exists()):
        pytest.skip("real data not available (../shared/data/real)")
    bnd, brep = read_boundaries(bnd_path)
    iod, irep = read_deprivation(iod_path)
    f1 = pd.read_csv(f1_path, encoding="utf-8-sig", usecols=[0])
    kent = bnd["lsoa_code"].tolist()
    lk_frame = _kent_lookup(kent, set(iod["lsoa_code"]), set(f1.iloc[:, 0]), bnd)
    lk_path = tmp_path / "kent_lookup.csv"
    lk_frame.to_csv(lk_path, index=False)

    before = LoadReport(source="iod", kind="deprivation")
    res0 = check_join(iod, kent, brep.info["vintage"], before)
    assert res0["unmatched_lsoas"] == 37 and res0["vintage_mismatch"]

    lookup, _ = read_lsoa_lookup(lk_path)
    conv = convert_deprivation(iod, lookup, brep.info["vintage"], report=irep)
    after = LoadReport(source="iod", kind="deprivation")
    res = check_join(conv, kent, brep.info["vintage"], after)
    assert res["joined"] == 1065 and res["unmatched_lsoas"] == 0 and not after.warnings
    c = conv.set_index("lsoa_code").loc[kent]
    assert c["imd_decile"].notna().all() and c["imd_decile"].between(1, 10).all()
    merged = set(lk_frame.loc[lk_frame["CHGIND"] == "M", "LSOA11CD"])
    assert merged and set(c.index[c["imd_lookup"] == "M"]) == merged
    # unchanged rows carry IoD 2025's own values; merged members their parent's
    src = iod.set_index("lsoa_code")
    u = c.index[c["imd_lookup"] == "U"]
    assert len(u) == 1028 and (c.loc[u, "imd_decile"].to_numpy() == src.loc[u, "imd_decile"].to_numpy()).all()
    parent = lk_frame[lk_frame["CHGIND"] == "M"].set_index("LSOA11CD")["LSOA21CD"]
    assert np.array_equal(c.loc[parent.index, "imd_score"].to_numpy(), src.loc[parent.to_numpy(), "imd_score"].to_numpy())
    # a split 2011 area: the unweighted mean score of its two parts (no 2021 population here)
    s_rows = lk_frame[lk_frame["CHGIND"] == "S"]
    one = s_rows["LSOA11CD"].iloc[0]
    parts = s_rows.loc[s_rows["LSOA11CD"] == one, "LSOA21CD"]
    assert c.loc[one, "imd_score"] == pytest.approx(src.loc[parts, "imd_score"].mean())
    assert irep.info["lookup"]["blended_unweighted"] > 0
    (tmp_path / "kent_lookup_counts.json").write_text(json.dumps(irep.info["lookup"]))


@pytest.mark.realdata
def test_analyse_with_lsoa_lookup_on_kent(tmp_path):
    """hotspots analyse --lsoa-lookup: IoD 2025 on the Kent 2011 boundaries, every LSOA with a decile."""
    import geopandas as gpd

    from hotspots.cli import main as cli_main
    from hotspots.data.boundaries import read_boundaries

    bnd_path = _real(KENT_BOUNDARIES)
    iod_path = _real(REAL / "imd" / "IoD2025_england_lsoa21_scores_ranks_deciles.csv")
    f1_path = _real(REAL / "imd" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv")
    crimes = _real(REAL / "kent" / "crime" / "2021-01-kent-street.csv")
    if not (bnd_path.exists() and iod_path.exists() and crimes.exists()):
        pytest.skip("real data not available (../shared/data/real)")
    bnd, _ = read_boundaries(bnd_path)
    iod, _ = read_deprivation(iod_path)
    f1 = pd.read_csv(f1_path, encoding="utf-8-sig", usecols=[0])
    lk = _kent_lookup(bnd["lsoa_code"].tolist(), set(iod["lsoa_code"]), set(f1.iloc[:, 0]), bnd)
    lk.to_csv(tmp_path / "lookup.csv", index=False)
    base = ["analyse", "--boundaries", str(bnd_path), "--crimes", str(crimes), "--imd", str(iod_path),
            "--permutations", "99", "--quiet"]
    assert cli_main([*base, "--out", str(tmp_path / "plain"), "--no-exports"]) == 0
    plain = json.loads((tmp_path / "plain" / "summary.json").read_text())
    assert any("vintages differ" in w and "--lsoa-lookup" in w for w in plain["inputs"]["imd"]["warnings"])
    assert pd.read_csv(tmp_path / "plain" / "lsoa_results.csv")["imd_decile"].isna().sum() == 37

    assert cli_main([*base, "--lsoa-lookup", str(tmp_path / "lookup.csv"), "--out", str(tmp_path / "lk")]) == 0
    summary = json.loads((tmp_path / "lk" / "summary.json").read_text())
    assert not any("vintages differ" in w for w in summary["inputs"]["imd"]["warnings"])
    assert summary["inputs"]["imd"]["info"]["lookup"]["by_change"]["M"] == 12
    res = pd.read_csv(tmp_path / "lk" / "lsoa_results.csv")
    assert res["imd_decile"].notna().all() and len(res) == 1065
    gis = gpd.read_file(tmp_path / "lk" / "patrol_zones.gpkg", layer="lsoa_results")
    merged = set(lk.loc[lk["CHGIND"] == "M", "LSOA11CD"])
    assert set(gis.loc[gis["imd_lookup"] == "M", "lsoa_code"]) == merged


def test_iod_file7_population_weights_its_own_blends(lookup, tmp_path):
    """IoD File 7 carries 2021 populations: a split 2011 area is weighted by its parts' residents."""
    p = tmp_path / "File_7_IoD2025.csv"
    p.write_text("LSOA code (2021),Index of Multiple Deprivation (IMD) Score,"
                 "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs),"
                 "Total population: mid 2022 (excluding prisoners)\n"
                 'E01000001,12.0,6,"1,500"\nE01033801,18.0,5,"1,000"\nE01033802,26.0,4,"3,000"\n')
    iod, rep = read_deprivation(p)
    assert iod["population"].tolist() == [1500.0, 1000.0, 3000.0]
    out = convert_deprivation(iod, lookup, "2011", report=rep).set_index("lsoa_code")
    # (18 * 1000 + 26 * 3000) / 4000 = 24.0, not the unweighted 22.0
    assert out.loc["E01000002", "imd_score"] == pytest.approx(24.0)
    assert rep.info["lookup"]["blended_unweighted"] == 0
