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


def test_pixel_rings_are_each_rings_own_vertices_in_pixels():
    """Each ring is its polygon's exterior, in pixels (row 0 at the top), largest polygon first,
    whatever the list is cut from; a multipolygon gives one ring per part, a missing or empty
    shape none."""
    import shapely

    from hotspots.export.briefing._pdf_maps import forget_rings, pixel_rings

    forget_rings()
    big, small = shapely.box(0, 0, 1_000, 1_000), shapely.box(2_000, 2_000, 2_100, 2_300)
    multi = shapely.MultiPolygon([shapely.box(5_000, 0, 5_400, 400), shapely.box(6_000, 0, 6_200, 200)])
    g = np.array([small, None, big, shapely.Polygon(), multi], dtype=object)
    rings, owner = pixel_rings(g, (0, 0, 10_000, 10_000), 1_000)  # 10 m a pixel
    forget_rings()
    assert owner.tolist() == [2, 4, 4, 0]
    for r, o in zip(rings, owner, strict=True):
        part = [p for p in shapely.get_parts(g[o]) if shapely.equals_exact(p, p, 0)]
        want = [np.column_stack([(xy[:, 0] - 0) / 10, (10_000 - xy[:, 1]) / 10]).ravel().tolist()
                for xy in (shapely.get_coordinates(shapely.get_exterior_ring(p)) for p in part)]
        assert r in want and len(r) % 2 == 0
