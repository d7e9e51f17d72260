"""The zone rule "peaks" (and the default "dense"): the busiest LSOAs are never left out (a lone peak is a zone of its
own) and Low-High LSOAs below the median are not pulled into a cluster."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _paths import KENT_BOUNDARIES, KENT_CRIME, need_real
from test_zones import crimes_at, planted_analysis

from hotspots.plans.zones import PEAKS, ZONE_RULES, hot_mask, zones_stage
from hotspots.study import Settings


def test_default_rule_is_dense_and_peaks_stays_available():
    assert Settings().zone_rule == "dense" and {"dense", "peaks"} <= set(ZONE_RULES)


def test_lone_peaks_become_their_own_zones_and_are_labelled():
    n = 6
    # a planted HH block (cells 0, 1) and a busy lone LSOA far away (cell 35)
    crimes = crimes_at({0: 30, 1: 30, 35: 40, 20: 2}, n)
    a, layers = planted_analysis(n, n, crimes, hh=[0, 1])
    a.settings.zone_rule = "peaks"
    a = zones_stage(a, layers)
    z = a.zones.frame
    kinds = dict(zip(z["lsoa_codes"], z["zone_kind"], strict=True))
    codes = a.table["lsoa_code"].to_numpy()
    assert kinds[codes[35]] == "lone peak"
    assert any(k == "cluster" and codes[0] in c for c, k in kinds.items())
    # every one of the busiest LSOAs with crime is in a zone (fewer than PEAKS have crime here)
    busy = np.flatnonzero(a.table["value"].to_numpy() > 0)
    assert a.table["zone_id"].iloc[busy].notna().all()
    assert len(busy) <= PEAKS


def test_low_high_below_median_is_not_hot():
    t = pd.DataFrame({"lisa_cluster": ["HH", "LH", "LH", "ns"], "gi_bin": [3, 2, 2, 0], "value": [50.0, 1.0, 40.0, 5.0]})
    # median 22.5: the LH with 1 crime is hot only through its neighbours; the LH with 40 stays
    assert hot_mask(t, "peaks").tolist() == [True, False, True, False]
    assert hot_mask(t, "hh_or_gi2").tolist() == [True, True, True, False]


@pytest.mark.realdata
@pytest.mark.slow
def test_kent_top_ten_lsoas_are_all_in_zones():
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    from hotspots.pipeline import analyse, load_layers
    from hotspots.study import Study

    study = Study(boundaries=str(KENT_BOUNDARIES), crimes=[str(KENT_CRIME)])
    s = Settings(month_from="2021-01", month_to="2021-09")
    a = analyse(load_layers(study, settings=s), s)
    t = a.table
    # the LSOA rule now makes the LSOA hot-spot clusters (patrol zones are built from cells)
    in_cluster = pd.Series(a.lsoa_clusters.zone_of > 0, index=t.index)
    top = t.sort_values(["crimes", "lsoa_code"], ascending=[False, True]).head(10)  # independent ranking
    assert in_cluster.loc[top.index].all()
    lh_low = (t["lisa_cluster"] == "LH") & (t["crimes"] < t["crimes"].median())
    assert not (lh_low & in_cluster).any()
