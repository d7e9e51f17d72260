"""The briefing's painted LSOA layers: maps of about the same scale share one simplification
(a national briefing drew its 33,755 LSOAs three times), with the rings each would get alone."""

from __future__ import annotations

import numpy as np
import shapely
from _shapes import noisy_circles

from hotspots.export.briefing import _pdf_maps


def _lsoas(n: int = 400) -> np.ndarray:
    out = noisy_circles(n, origin=(400_000, 200_000), step=3_000, per_row=20, radius=1_400, noise=60, vertices=80,
                        seed=8)
    out[3] = shapely.MultiPolygon([out[3], shapely.box(460_500, 260_500, 460_540, 260_540)])  # an islet (under a pixel)
    out[5] = None
    return np.array(out, dtype=object)


def test_maps_of_about_the_same_scale_share_one_simplification(monkeypatch):
    g = _lsoas()
    frames = [((380_000.0, 180_000.0, 480_000.0, 280_000.0), 700), ((390_000.0, 190_000.0, 470_000.0, 270_000.0), 600)]
    alone = []
    for extent, width in frames:
        _pdf_maps._RINGS.clear()
        alone.append(_pdf_maps.pixel_rings(g, extent, width))
    _pdf_maps._RINGS.clear()
    calls = []
    real = shapely.simplify
    monkeypatch.setattr(shapely, "simplify", lambda *a, **k: calls.append(1) or real(*a, **k))
    shared = [_pdf_maps.pixel_rings(g.copy(), extent, width) for extent, width in frames]  # the same shapes
    assert len(calls) == 1  # 71 and 67 m a pixel: both simplified to 32 m, once
    for (rings_a, owner_a), (rings_b, owner_b) in zip(alone, shared, strict=True):
        assert rings_a == rings_b and np.array_equal(owner_a, owner_b)
    assert 5 not in set(shared[0][1].tolist()) and (shared[0][1] == 3).sum() >= 1  # a missing shape left out
    other = g.copy()
    other[0] = shapely.box(400_000, 200_000, 401_000, 201_000)  # another shape: simplified afresh
    _pdf_maps.pixel_rings(other, *frames[0])
    assert len(calls) == 2


def test_a_briefing_lets_its_shared_rings_go(tmp_path):
    """The GUI writes briefings in its own long-lived process: the last study's shapes must not
    stay referenced by the rings' cache once its briefing is written."""
    from test_export_map import make_analysis

    from hotspots.export.briefing.briefing import write_briefing

    a, layers = make_analysis()
    write_briefing(a, layers, None, tmp_path / "b.pdf")
    assert (tmp_path / "b.pdf").stat().st_size > 0 and _pdf_maps._RINGS == []
