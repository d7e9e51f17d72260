"""A study's title (issue 23 item 3): the user's, else the places covered, never a file name."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import pytest
import shapely

from hotspots.study import Study
from hotspots.study_title import join_names, places_title, study_title, user_title
from tests._paths import KENT_BOUNDARIES, KENT_CRIME, need_real


def _table(names: list[str], x0: float = 575_000, y0: float = 155_000) -> gpd.GeoDataFrame:
    geoms = [shapely.box(x0 + 500 * i, y0, x0 + 500 * (i + 1), y0 + 500) for i in range(len(names))]
    return gpd.GeoDataFrame({"lsoa_code": [f"E0100{i:04d}" for i in range(len(names))], "lsoa_name": names},
                            geometry=geoms, crs=27700)


def test_a_file_name_or_the_default_is_not_a_title() -> None:
    s = Study(boundaries="/data/kent_medway_lsoa2011_bgc.geojson", name="kent_medway_lsoa2011_bgc")
    assert user_title(s) == ""
    assert user_title(Study()) == ""  # "Untitled study"
    assert user_title(Study(boundaries="/d/b.gpkg", name="Operation Lantern")) == "Operation Lantern"


def test_districts_name_a_small_study() -> None:
    names = [f"Maidstone 0{i:02d}A" for i in range(12)] + [f"Ashford 0{i:02d}B" for i in range(10)]
    t = _table(names)
    title = study_title(Study(boundaries="/d/my_lsoas.geojson", name="my_lsoas"), SimpleNamespace(table=t))
    assert title == "Maidstone and Ashford"  # the bigger district first


def test_join_names() -> None:
    assert join_names(["A"]) == "A" and join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C"]) == "A, B and C" and join_names(list("ABCDE")) == "A, B and 3 more"


@pytest.mark.slow
def test_kent_is_kent_and_medway_on_the_map_and_the_summary() -> None:
    need_real(KENT_BOUNDARIES, KENT_CRIME)
    from hotspots.data.boundaries import read_boundaries

    t, _ = read_boundaries(str(KENT_BOUNDARIES))
    assert places_title(t) == "Kent and Medway"


def test_the_map_title_is_not_the_boundary_file_name() -> None:
    from hotspots.export.map.html_map import map_html
    from tests.test_export_map import make_analysis

    analysis, layers = make_analysis()
    page = map_html(analysis, layers, Study(boundaries="/d/lattice_lsoa_bgc.gpkg", name="lattice_lsoa_bgc"))
    title = page.split("class=\"hs-title\"", 1)[-1][:600] if "class=\"hs-title\"" in page else page
    assert "lattice_lsoa_bgc" not in page
    # no district column and odd LSOA names: the county-level area of GeoNames places (the lattice is in London)
    assert "<b>Greater London</b>" in title
    assert "hs-place" in page  # town names are drawn (test_map_places checks which)


def test_cli_title_names_the_study(tmp_path) -> None:
    from hotspots.cli import _study, build_parser

    args = build_parser().parse_args(["analyse", "--boundaries", str(tmp_path / "kent_lsoa_bgc.gpkg"), "--crimes",
                                      str(tmp_path), "--title", "  Operation Lantern ", "--out", str(tmp_path / "o")])
    assert _study(args).name == "Operation Lantern"
    args = build_parser().parse_args(["analyse", "--boundaries", str(tmp_path / "kent_lsoa_bgc.gpkg"), "--crimes",
                                      str(tmp_path), "--out", str(tmp_path / "o")])
    assert user_title(_study(args)) == ""  # no --title: the boundary file's name is never the title


def test_the_county_areas_worked_out_early_are_taken_only_for_the_same_shapes() -> None:
    """A nation's title areas are counted on the early thread beside its analysis; the title takes
    that answer only for the very same shapes, and it is the answer it would work out itself."""
    from concurrent.futures import ThreadPoolExecutor

    from hotspots import study_title as st
    from hotspots.runtime import early

    # LSOAs round Maidstone and Medway with codes only: no district names, so the areas decide
    t = _table([""] * 6, x0=575_000, y0=155_000)
    t = t.drop(columns="lsoa_name")
    want = st._places_title(t, None)
    with ThreadPoolExecutor(1) as pool:
        st.start_county_counts(t.geometry, pool)
        assert st.COUNTY_COUNTS in early.pending()
        assert st._places_title(t, None) == want
    assert st.COUNTY_COUNTS not in early.pending()  # taken
    other = t.copy()
    other["geometry"] = other.geometry.translate(1.0, 0.0)  # other shapes: worked out again, not taken
    with ThreadPoolExecutor(1) as pool:
        st.start_county_counts(t.geometry, pool)
        calls = []
        real = st.county_counts

        def counting(geometry):
            calls.append(len(geometry))
            return real(geometry)

        st.county_counts = counting
        try:
            st._places_title(other, None)
        finally:
            st.county_counts = real
        assert calls == [len(other)]
    early.forget()
    assert "Kent" in want or "Medway" in want


def test_a_study_across_a_country_is_named_after_the_country_not_its_biggest_county() -> None:
    """An England-wide study came out "Greater London": the one county-level area with 5% of the
    LSOAs. Where the areas named would hold less than half the LSOAs, the countries are named."""
    import numpy as np
    from pyproj import Transformer

    rng = np.random.default_rng(5)
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    london = [(-0.12 + d, 51.5 + e) for d, e in rng.uniform(-0.1, 0.1, (15, 2))]
    towns = [(-2.98, 53.41), (-2.24, 53.48), (-1.90, 52.48), (-1.55, 53.80), (-1.47, 53.38), (-1.61, 54.97),
             (-2.59, 51.45), (-1.14, 52.63), (-1.17, 52.95), (1.30, 52.63), (-4.14, 50.37), (-1.40, 50.90),
             (0.12, 52.20), (-1.26, 51.75), (-3.53, 50.72), (-2.36, 51.38), (-1.08, 53.96), (-0.34, 53.74),
             (-2.70, 54.05), (1.08, 51.28), (-0.14, 50.82), (-2.07, 52.59), (-1.52, 52.41), (-1.48, 52.92),
             (-2.75, 52.71), (-2.18, 53.00), (-1.78, 51.56), (-0.47, 52.14), (-0.43, 51.88), (0.47, 51.74)]
    pts = london + [(x + d, y + e) for x, y in towns for d, e in rng.uniform(-0.02, 0.02, (3, 2))]
    x, y = to_bng.transform([p[0] for p in pts], [p[1] for p in pts])
    t = gpd.GeoDataFrame({"lsoa_code": [f"E0{i:07d}" for i in range(len(pts))]},
                         geometry=[shapely.box(a - 100, b - 100, a + 100, b + 100) for a, b in zip(x, y, strict=True)],
                         crs=27700)
    assert places_title(t) == "England"
    assert places_title(t.iloc[:15].copy()) == "Greater London"  # London alone is still London
