"""The backtest on the crime a patrol can address, and the naive cells without the partner places,
on a hand-made lattice with planted partner places where every answer is known.

The lattice: a 3 km square of four LSOAs (150 m cells). Each place is one snap point (every crime
at the same coordinate, as police.uk maps them), in its own cell, far from the others:

- H, "Hospital": 20 crimes a month (a partner place: hospital site);
- R, "Bluewater Complex": 12 a month, 9 of them shoplifting (75%: a partner retail place);
- P, Q, "A Street" / "B Street": 10 and 6 a month (patrol places);
- S, "Supermarket": 8 a month, all violence (a retail label, but not shoplifting-dominated: stays);

two crimes a month on Hermitage Lane, a street snap point in the hospital's cell (addressable, as
street crime around a hospital is), and a thin sprinkle of background crime. With three spots the plan takes
P, S and Q; the naive cells by past crime take H, R and P. Every figure is recomputed here from the
crimes.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from hotspots.evaluation.backtest import run_backtest, run_rolling
from hotspots.plans.backtest import PLANS

VIOLENCE = "Violence and sexual offences"
#: place -> (cell column, cell row, label, crimes a month, shoplifting a month)
PLACES = {"H": (3, 3, "Hospital", 20, 0), "R": (15, 4, "Bluewater Complex", 12, 9), "P": (5, 14, "A Street", 10, 0),
          "Q": (16, 16, "B Street", 6, 0), "S": (10, 9, "Supermarket", 8, 0)}
MONTHS = [f"2021-{m:02d}" for m in range(1, 7)]
ZONES = lambda lay, s: [np.array([0])]  # noqa: E731 - one LSOA as the zone


def lattice():
    from hotspots.pipeline import Layers

    geoms = [box(c * 1500, r * 1500, (c + 1) * 1500, (r + 1) * 1500) for r in range(2) for c in range(2)]
    b = gpd.GeoDataFrame({"lsoa_code": list("ABCD"), "lsoa_name": [f"Town 001{c}" for c in "ABCD"]},
                         geometry=geoms, crs=27700)
    b["area_km2"] = b.area / 1e6
    rng = np.random.default_rng(5)
    rows = []
    for month in MONTHS:
        for c, r, label, n, shop in PLACES.values():
            for k in range(n):
                kind = "Shoplifting" if k < shop else VIOLENCE
                rows.append((month, kind, f"On or near {label}", (c + 0.5) * 150, (r + 0.5) * 150))
        for _ in range(8):
            rows.append((month, "Burglary", "On or near C Road", rng.uniform(0, 3000), rng.uniform(0, 3000)))
        for _ in range(2):  # the street by the hospital: its own snap point in the hospital's cell
            rows.append((month, VIOLENCE, "On or near Hermitage Lane", 3.1 * 150, 3.9 * 150))
    month, kind, loc, x, y = (np.array(v) for v in zip(*rows, strict=True))
    lsoa = (x >= 1500).astype(int) + 2 * (y >= 1500).astype(int)
    crimes = pd.DataFrame({"month": pd.Categorical(month), "crime_type": pd.Categorical(kind),
                           "location": pd.Categorical(loc), "x": x, "y": y, "lsoa": lsoa.astype(np.int32)})
    cell = np.floor(x / 150).astype(int) * 1000 + np.floor(y / 150).astype(int)
    return Layers(boundaries=b, crimes=crimes), month, kind, cell


def _cell(name: str) -> int:
    c, r, *_ = PLACES[name]
    return c * 1000 + r


def _top(cells: np.ndarray, k: int) -> set[int]:
    u, n = np.unique(cells, return_counts=True)
    return set(u[np.lexsort((u, -n))][:k].tolist())


def _top_count(cells: np.ndarray, k: int) -> int:
    return int(np.sort(np.unique(cells, return_counts=True)[1])[::-1][:k].sum())


def test_addressable_crime_and_the_naive_cells_without_partner_places_by_hand():
    from hotspots.study import Settings

    layers, month, _, cell = lattice()
    loc = layers.crimes["location"].astype(str).to_numpy()
    bt = run_backtest(layers, Settings(spots=3), "2021-01", "2021-04", "2021-05", "2021-06", zones=ZONES)
    train, test = month <= "2021-04", month >= "2021-05"
    spots, partner = {_cell("P"), _cell("S"), _cell("Q")}, {_cell("H"), _cell("R")}
    assert _top(cell[train], 3) == {_cell("H"), _cell("R"), _cell("P")}  # the naive cells keep the partners
    n2 = test.sum()

    # all test crime: the spots lose to the ranking that keeps the hospital and Bluewater
    sp, nv = bt.plan("patrol_spots").own, bt.plan("naive_cells").own
    assert sp.units == 3 and sp.capture == pytest.approx(np.isin(cell[test], list(spots)).sum() / n2)
    assert nv.capture == pytest.approx(np.isin(cell[test], [_cell("H"), _cell("R"), _cell("P")]).sum() / n2)
    assert sp.capture < nv.capture
    # the same ranking without the partner places is the plan's cells
    npat = bt.plan("naive_cells_patrol")
    assert npat.area_basis == "patrol_spots area"
    assert npat.own.capture == pytest.approx(sp.capture)

    # addressable: every test crime not at the hospital's or Bluewater's snap point
    out = np.isin(loc, ["On or near Hospital", "On or near Bluewater Complex"])
    ta = test & ~out
    a = bt.addressable
    assert a is not None and a.test_crimes == ta.sum() and a.train_crimes == (train & ~out).sum()
    asp, anv, apat = (a.plan(n).own for n in ("patrol_spots", "naive_cells", "naive_cells_patrol"))
    assert asp.capture == pytest.approx(np.isin(cell[ta], list(spots)).sum() / ta.sum())
    # H and R hold only the street crime in their cells (Hermitage Lane's, addressable)
    assert np.isin(cell[ta], [_cell("H")]).sum() >= 4
    assert anv.capture == pytest.approx(np.isin(cell[ta], [_cell("H"), _cell("R"), _cell("P")]).sum() / ta.sum())
    # the naive cells without the partner places: training crime off their points, their cells left out whole
    assert _top(cell[train & ~out & ~np.isin(cell, list(partner))], 3) == spots
    assert apat.capture == pytest.approx(asp.capture)
    assert asp.ceiling == pytest.approx(_top_count(cell[ta], 3) / ta.sum())
    assert asp.pei == pytest.approx(asp.capture / asp.ceiling)
    assert asp.capture / anv.capture > 1.5

    # what was left out, and which partner places the naive cells hold at the spots' area
    info = bt.partners
    assert info["count"] == 2 and info["by_kind"]["hospital"] == 1 and info["by_kind"]["retail"] == 1
    assert info["test_crimes_left_out"] == (test & out).sum()
    assert sorted(t[1] for t in info["in_naive"]["patrol_spots"]) == ["hospital", "retail"]

    # the outputs carry it: per plan, at the top level, in the rows, and in the verdict's words
    d = bt.to_dict()
    assert [p["plan"] for p in d["plans"]] == list(PLANS)
    spots_d = next(p for p in d["plans"] if p["plan"] == "patrol_spots")
    assert spots_d["addressable"]["capture"] == pytest.approx(asp.capture)
    assert d["addressable"]["test_crimes"] == ta.sum() and not d["addressable"]["kept_in_plan"]
    assert any(c["plan"] == "patrol_spots" and c["against"] == "naive_cells_patrol" for c in d["addressable"]["comparisons"])
    row = next(r for r in bt.rows() if r["plan"] == "patrol_spots" and r["at"] == "own")
    assert row["addressable_capture"] == pytest.approx(asp.capture)
    v = d["verdicts"]["patrol_spots"]
    assert "less than a ranking of all 150 m squares by past crime caught in the same area" in v
    assert "keeps Bluewater Complex and 1 hospital site, which the plan leaves to partners" in v
    assert "1.00x the same ranking without them" in v
    assert "on the crime a patrol can address (outside the partner places) it caught" in v
    assert f"{asp.capture / anv.capture:.2f}x the ranking of all squares" in v


def test_keeping_the_partner_places_makes_the_addressable_figures_the_all_crime_ones():
    from hotspots.study import Settings

    layers, *_ = lattice()
    bt = run_backtest(layers, Settings(spots=3, keep_partner_places=True), "2021-01", "2021-04", "2021-05",
                      "2021-06", zones=ZONES)
    assert bt.partners["kept_in_plan"] and bt.addressable.test_crimes == bt.test_crimes
    for name in PLANS:
        assert bt.addressable.plan(name).own.to_dict() == bt.plan(name).own.to_dict()
    # nothing left out: the two naive cell rankings are one, and the spots are the busiest cells
    assert bt.plan("naive_cells_patrol").own.to_dict() == bt.plan("naive_cells").own.to_dict()
    assert bt.plan("patrol_spots").own.capture == pytest.approx(bt.plan("naive_cells").own.capture)
    assert "partner" not in bt.to_dict()["verdicts"]["patrol_spots"]


def test_a_violence_only_backtest_judges_bluewater_on_every_crime_type():
    """Bluewater's violence alone is not shoplifting: only its whole mix (75% shoplifting) makes it a partner."""
    from hotspots.study import Settings

    layers, month, kind, cell = lattice()
    bt = run_backtest(layers, Settings(spots=3, crime_types=[VIOLENCE]), "2021-01", "2021-04", "2021-05",
                      "2021-06", zones=ZONES)
    assert bt.partners["by_kind"]["retail"] == 1 and bt.partners["by_kind"]["hospital"] == 1
    test = (month >= "2021-05") & (kind == VIOLENCE)
    loc = layers.crimes["location"].astype(str).to_numpy()
    ta = test & ~np.isin(loc, ["On or near Hospital", "On or near Bluewater Complex"])
    assert bt.test_crimes == test.sum() and bt.addressable.test_crimes == ta.sum()
    # the spots are the three patrol places, not Bluewater's violence
    sp = bt.addressable.plan("patrol_spots").own
    assert sp.capture == pytest.approx(np.isin(cell[ta], [_cell("P"), _cell("S"), _cell("Q")]).sum() / ta.sum())


def test_rolling_means_and_records_on_addressable_crime():
    from hotspots.study import Settings

    layers, *_ = lattice()
    rb = run_rolling(layers, Settings(spots=3), 2, "2021-04", "2021-06", zones=ZONES)
    shadow = rb.addressable()
    assert shadow is not None and len(shadow.windows) == 3
    caps = [w.addressable.plan("patrol_spots").own.capture for w in rb.windows]
    assert rb.mean.addressable.plan("patrol_spots").own.capture == pytest.approx(np.mean(caps))
    d = rb.to_dict()
    c = next(c for c in d["addressable"]["comparisons"]
             if c["plan"] == "patrol_spots" and c["against"] == "naive_cells")
    assert c["windows"] == 3 and c["windows_won"] == 3
    assert d["addressable"]["test_crimes"] == sum(w.addressable.test_crimes for w in rb.windows)
    assert "ahead in 3 of 3 windows" in d["verdicts"]["patrol_spots"]


def test_rolling_pools_a_partner_place_by_its_point_not_its_name():
    """A hospital is named after the nearest street of each window's crimes: the same point is one place."""
    from hotspots.plans.backtest_rolling import _mean_partners

    def window(hospital_name: str, kept: bool = False) -> dict:
        return {"kept_in_plan": kept, "count": 2, "cells_left_out": 1, "training_crimes_left_out": 10,
                "test_crimes_left_out": 4,
                "in_naive": {"patrol_spots": [[hospital_name, "hospital", 100.0, 200.0],
                                              ["Bluewater Complex, Dartford", "retail", 900.0, 900.0]]}}

    m = _mean_partners([window("Hospital by Parsley Way"), window("Hospital by High Trees")])
    places = m["in_naive"]["patrol_spots"]
    assert sorted(t[1] for t in places) == ["hospital", "retail"] and places[0][0] == "Hospital by Parsley Way"
    assert m["count_mean_per_window"] == 2 and not m["kept_in_plan"]
    assert _mean_partners([window("H"), None]) is None
