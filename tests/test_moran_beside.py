"""A large study's Global Moran's I runs on a thread beside the stages after the local
statistics: the analysis must end with the very same figures, and nothing left to run."""

from __future__ import annotations

import pickle

from hotspots import pipeline
from hotspots.stats.local import analyse_clusters


def test_the_moran_run_beside_the_stages_is_the_moran_run_in_line(kent_base, monkeypatch):
    study, layers = kent_base
    s = study.settings.validated()
    monkeypatch.setattr(pipeline, "MORAN_BESIDE_FROM", 10**9)
    inline = pipeline.analyse(layers, s)
    monkeypatch.setattr(pipeline, "MORAN_BESIDE_FROM", 0)
    started: list[object] = []
    real = pipeline._start_moran

    def spy(clusters):
        started.append(clusters.moran_job)
        assert clusters.global_moran is None  # left for the thread
        return real(clusters)

    monkeypatch.setattr(pipeline, "_start_moran", spy)
    beside = pipeline.analyse(layers, s)
    assert started and started[0] is not None
    assert beside.clusters.global_moran == inline.clusters.global_moran
    assert beside.clusters.global_moran["permutations"] == s.permutations
    assert beside.clusters.moran_job is None
    pickle.dumps(beside.clusters)  # (an export child gets it: no job with a callback left in it)
    assert beside.table["lisa_p"].equals(inline.table["lisa_p"])


def test_analyse_clusters_leaves_the_moran_only_when_asked(kent_base):
    _study, layers = kent_base
    import numpy as np

    from hotspots.model import UnitSet
    from hotspots.units.neighbours import weights_for

    units = UnitSet.from_boundaries(layers.boundaries, layers.boundary_key)
    w, _ = weights_for(units, "queen")
    y = np.bincount(layers.crimes["lsoa"].to_numpy(), minlength=len(layers.boundaries)).astype(float)
    codes = layers.boundaries["lsoa_code"].to_numpy()
    now = analyse_clusters(y, w, permutations=199, seed=7, draws="stable", codes=codes)
    later = analyse_clusters(y, w, permutations=199, seed=7, draws="stable", codes=codes, moran_later=True)
    assert now.moran_job is None and now.global_moran is not None
    assert later.global_moran is None
    assert later.moran_job() == now.global_moran
