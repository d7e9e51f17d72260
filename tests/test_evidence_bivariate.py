"""Bivariate LISA of the evidence stage, pinned to esda's Moran_Local_BV on the same weights."""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import esda
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from hotspots.evidence.bivariate import CAUTION, bivariate_evidence, bivariate_one
from hotspots.stats import QUAD_LABELS, build_weights


def _lattice(n: int = 9) -> gpd.GeoDataFrame:
    polys = [shapely.box(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100) for j in range(n) for i in range(n)]
    rng = np.random.default_rng(3)
    k = np.arange(n * n)
    crimes = rng.poisson(5, n * n) + 40 * ((k % n < 3) & (k // n < 3))
    pubs = rng.poisson(1, n * n) + 6 * ((k % n < 4) & (k // n < 2))
    return gpd.GeoDataFrame({"lsoa_code": [f"E01{i:06d}" for i in k], "lsoa_name": [f"Town {i:03d}A" for i in k],
                             "value": crimes.astype(float), "pubs": pubs, "area_km2": 0.01,
                             "imd_score": rng.normal(20, 8, n * n), "imd_decile": pd.array(rng.integers(1, 11, n * n), dtype="Int64")},
                            geometry=polys, crs=27700)


def _esda_labels(x, y, w, perms, seed, alpha=0.05):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bv = esda.Moran_Local_BV(x, y, w.to_libpysal(), transformation="r", permutations=perms, seed=seed, n_jobs=1)
    p = np.minimum(1, 2 * bv.p_sim)
    lab = np.array([QUAD_LABELS[int(q)] for q in bv.q], dtype=object)
    return np.where(p <= alpha, lab, "ns"), p, bv


SETTINGS = SimpleNamespace(permutations=199, seed=7, alpha=0.05, fdr=False, n_jobs=1, draws="esda")


@pytest.mark.parametrize("engine", ["fast", "esda"])
def test_matches_esda_moran_local_bv(engine):
    t = _lattice()
    w, _ = build_weights(t, "queen")
    x = t["value"].to_numpy(float)
    y = (t["pubs"] / t["area_km2"]).to_numpy(float)
    frame, cut = bivariate_one(x, y, w, permutations=199, seed=7, engine=engine)
    lab, p, bv = _esda_labels(x, y, w, 199, 7)
    assert cut == 0.05
    np.testing.assert_allclose(frame["i"], bv.Is, atol=1e-10)
    np.testing.assert_array_equal(frame["q"], bv.q)
    np.testing.assert_allclose(frame["p"], p, atol=1e-12)
    assert frame["label"].tolist() == lab.tolist()
    assert (frame["label"] != "ns").any()  # the planted corner is found


def test_stage_columns_and_deciles_fallback():
    t = _lattice()
    w, _ = build_weights(t, "queen")
    res = bivariate_evidence(t, w, SETTINGS)
    assert {"bv_pubs", "bv_pubs_p", "bv_imd", "bv_imd_p"} <= set(res.frame.columns)
    assert set(res.frame["bv_pubs"]) <= {"HH", "LH", "LL", "HL", "ns"}
    assert res.variables["bv_imd"].startswith("IMD score")
    assert not res.notes
    lab, _, _ = _esda_labels(t["value"].to_numpy(float), t["imd_score"].to_numpy(float), w, 199, 7)
    assert res.frame["bv_imd"].tolist() == lab.tolist()
    # File 1 case: no scores, so the reversed decile stands in, and it says so
    t2 = t.assign(imd_score=np.nan)
    res2 = bivariate_evidence(t2, w, SETTINGS, pubs=False)
    assert "bv_pubs" not in res2.frame
    assert "reversed" in res2.variables["bv_imd"] and any("stood in" in n for n in res2.notes)
    lab2, _, _ = _esda_labels(t["value"].to_numpy(float), 11 - t["imd_decile"].to_numpy(float), w, 199, 7)
    assert res2.frame["bv_imd"].tolist() == lab2.tolist()
    assert "not cause" in CAUTION


def test_fdr_is_no_looser_and_missing_deprivation_filled():
    t = _lattice()
    w, _ = build_weights(t, "queen")
    plain = bivariate_evidence(t, w, SETTINGS, imd=False)
    fdr = bivariate_evidence(t, w, SimpleNamespace(**{**vars(SETTINGS), "fdr": True}), imd=False)
    assert fdr.thresholds["bv_pubs"] <= plain.thresholds["bv_pubs"]
    assert (fdr.frame["bv_pubs"] != "ns").sum() <= (plain.frame["bv_pubs"] != "ns").sum()
    t.loc[[5, 6], "imd_score"] = np.nan
    res = bivariate_evidence(t, w, SETTINGS, pubs=False)
    assert res.frame["bv_imd_p"].notna().all() and any("2 LSOAs have no IMD score" in n for n in res.notes)


@pytest.mark.realdata
@pytest.mark.slow
def test_kent_bv_pubs_agrees_with_esda(kent_full):
    from hotspots.pipeline import analyse

    st, layers = kent_full
    a = analyse(layers, st.settings)
    # esda's draws: the default stable draws count ties (LSOAs among pub-less neighbours) in both
    # tails, where esda counts them in the upper tail only (issue 9), so only esda's draws match esda
    from dataclasses import replace

    res = bivariate_evidence(a.table, a.weights, replace(a.settings, draws="esda"))
    x = a.table["value"].to_numpy(float)
    y = (a.table["pubs"] / a.table["area_km2"]).to_numpy(float)
    lab, _, _ = _esda_labels(x, y, a.weights, 999, 12345)
    agree = float((res.frame["bv_pubs"].to_numpy() == lab).mean())
    assert agree >= 0.95, agree
    assert (res.frame["bv_pubs"] == "HH").sum() > 0


def test_publess_neighbourhoods_are_not_significant_by_ties_alone():
    """esda's folded p gives 1/(P+1) to every site whose neighbours all hold the lowest value
    (all draws are >= it); the default stable draws count ties on both sides, and the stage says so."""
    from hotspots.evidence.bivariate import floor_neighbours, floor_note

    t = _lattice()
    k = np.arange(len(t))
    far = (k % 9 >= 5) & (k // 9 >= 5)  # no pubs anywhere in the far corner
    t["pubs"] = np.where(far | (k % 2 == 0), 0, t["pubs"])
    t.loc[(k % 9 == 7) & (k // 9 == 7), "value"] += 100  # a busy LSOA among pub-less ones
    w, _ = build_weights(t, "queen")
    x = t["value"].to_numpy(float)
    y = (t["pubs"] / t["area_km2"]).to_numpy(float)
    floor = floor_neighbours(x, y, w)
    assert floor.sum() >= 4 and floor[far].any()
    assert (floor & (x > x.mean())).any()
    stable = bivariate_evidence(t, w, SimpleNamespace(**{**vars(SETTINGS), "draws": "stable"}), imd=False)
    ties = np.asarray(stable.frame["bv_pubs_p"])[floor]
    assert np.all(ties > 0.05)  # a quarter or more of the draws tie: not evidence of anything
    note = floor_note(x, y, w, "pubs per km²")
    assert note and note.startswith(f"{int(floor.sum())} LSOAs have no pub in any neighbouring LSOA")
    assert any(n == note for n in stable.notes)
    assert "pub" not in floor_note(x, y, w, "IMD score (higher = more deprived)")
    assert floor_note(x, np.arange(len(t), dtype=float), w, "x") is None


@pytest.mark.realdata
@pytest.mark.slow
def test_kent_default_bv_pubs_agrees_with_esda_away_from_ties(kent_full):
    """Default settings: where esda's null is not degenerate, the labels are esda's (two-sided)."""
    from hotspots.evidence.bivariate import floor_neighbours
    from hotspots.pipeline import analyse

    st, layers = kent_full
    a = analyse(layers, st.settings)
    assert a.settings.draws == "stable"
    res = bivariate_evidence(a.table, a.weights, a.settings, imd=False)
    x = a.table["value"].to_numpy(float)
    y = (a.table["pubs"] / a.table["area_km2"]).to_numpy(float)
    lab, _, _ = _esda_labels(x, y, a.weights, 999, 12345)
    floor = floor_neighbours(x, y, a.weights)
    ok = ~floor
    agree = float((res.frame["bv_pubs"].to_numpy()[ok] == lab[ok]).mean())
    assert ok.sum() > 400 and agree >= 0.97, agree
    # where esda's null is degenerate it says p = 1/(P+1) for hundreds of pub-less neighbourhoods
    bv = esda.Moran_Local_BV(x, y, a.weights.to_libpysal(), transformation="r", permutations=999, seed=12345)
    artefact = floor & (bv.p_sim == 1 / 1000)
    assert artefact.sum() > 100
    assert (res.frame["bv_pubs"].to_numpy()[artefact] == "ns").mean() > 0.9
