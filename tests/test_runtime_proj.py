"""One PROJ transformer per direction and thread (hotspots.runtime.proj)."""

from __future__ import annotations

import threading

import numpy as np
from pyproj import Transformer

from hotspots.runtime.proj import transformer


def test_one_per_direction_on_a_thread_and_the_same_answers_as_pyproj():
    a = transformer(4326, 27700)
    assert transformer(4326, 27700) is a and transformer(27700, 4326) is not a
    lon, lat = np.array([0.52, 1.08, -0.12]), np.array([51.27, 51.28, 51.51])
    want = Transformer.from_crs(4326, 27700, always_xy=True).transform(lon, lat)
    np.testing.assert_array_equal(a.transform(lon, lat), want)


def test_threads_do_not_share_one():
    mine = transformer(4326, 27700)
    theirs: list = []
    t = threading.Thread(target=lambda: theirs.append(transformer(4326, 27700)))
    t.start()
    t.join()
    assert theirs and theirs[0] is not mine


def test_one_crs_named_any_way_shares_one_transformer_and_gives_the_same_numbers():
    """A code, its EPSG text in either case and the CRS a GeoJSON file carries are one CRS, so
    one transformer; a CRS that is not one of those keeps its own."""
    from pyproj import CRS

    a = transformer(4326, 27700)
    for src, dst in (("EPSG:4326", 27700), ("epsg:4326", "EPSG:27700"), (CRS("EPSG:4326"), CRS.from_epsg(27700))):
        assert transformer(src, dst) is a
    crs84 = CRS("OGC:CRS84")  # lon/lat too, but another CRS: not given the EPSG:4326 one
    assert transformer(crs84, 27700) is not a
    lon, lat = np.random.default_rng(2).uniform(-6, 2, 1000), np.random.default_rng(3).uniform(50, 56, 1000)
    want = Transformer.from_crs(CRS("EPSG:4326"), 27700, always_xy=True).transform(lon, lat)
    np.testing.assert_array_equal(a.transform(lon, lat), want)
