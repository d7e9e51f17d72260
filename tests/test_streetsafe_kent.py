"""StreetSafe on Kent: the coast-clipped seafront is accounted for; reports drawn from crime get no labels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hotspots.data._tables import to_bng
from hotspots.pipeline import analyse, load_layers
from hotspots.study import Settings, Study

pytestmark = [pytest.mark.realdata, pytest.mark.slow]


@pytest.fixture(scope="module")
def kent(kent_base):
    return kent_base  # (Study, Layers) loaded once per session in conftest.py


def test_margate_seafront_reports_are_all_accounted_for(kent, tmp_path: Path) -> None:
    base, layers0 = kent
    rng = np.random.default_rng(0)
    rows = ["id,date,latitude,longitude,reasons"]
    for i in range(50):  # Margate Main Sands and the harbour arm: much of it "at sea" in BGC boundaries
        rows.append(f"M{i},2021-05-01,{rng.uniform(51.3885, 51.3925):.6f},{rng.uniform(1.372, 1.392):.6f},Catcalled")
    rows += ["X1,2021-05-01,,,Badly lit", "X2,2021-05-01,0,0,Badly lit"]
    p = tmp_path / "margate.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    layers = load_layers(Study(boundaries=base.boundaries, crimes=base.crimes, streetsafe=str(p)), previous=layers0)
    acc = layers.reports["streetsafe"].info["placement"]
    assert acc["read"] == 52
    assert acc["placed_near_edge"] > 0  # the clipped coast loses reports to point-in-polygon alone
    assert acc["read"] == (acc["placed_inside"] + acc["placed_near_edge"] + acc["outside_study_area"]
                           + sum(acc["dropped"].values()))
    a = analyse(layers, Settings(permutations=99, seed=1, n_jobs=1))
    assert int(a.table["streetsafe"].sum()) == acc["placed_inside"] + acc["placed_near_edge"]


def test_reports_drawn_from_the_crime_records_get_at_most_one_percent_labelled(kent, tmp_path: Path) -> None:
    base, layers0 = kent
    cr = layers0.crimes
    rng = np.random.default_rng(4)
    pick = rng.integers(0, len(cr), 1000)
    lon, lat = to_bng(4326).transform(cr["x"].to_numpy()[pick], cr["y"].to_numpy()[pick], direction="INVERSE")
    p = tmp_path / "null.csv"
    p.write_text("id,date,latitude,longitude,reasons\n" + "".join(
        f"{i},2021-06-01,{a:.6f},{b:.6f},Badly lit\n" for i, (a, b) in enumerate(zip(lat, lon, strict=True))),
        encoding="utf-8")
    layers = load_layers(Study(boundaries=base.boundaries, crimes=base.crimes, streetsafe=str(p)), previous=layers0)
    a = analyse(layers, Settings(permutations=99, seed=1, n_jobs=1))
    share = float((a.table["fear_gap"] != "").mean())
    assert share <= 0.01, a.fear_gap.counts
    assert not a.table.loc[a.table["streetsafe"] == 0, "fear_gap"].isin(["fear_not_crime", "both"]).any()
