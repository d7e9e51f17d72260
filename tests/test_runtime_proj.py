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
