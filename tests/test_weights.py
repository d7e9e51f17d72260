import geopandas as gpd
import numpy as np
import pytest
from _paths import KENT_BOUNDARIES, need_real
from shapely.geometry import box

from hotspots.data.errors import DataError
from hotspots.stats.weights import build_weights


def _grid(nx=3, ny=3, size=100.0, gap=0.0, holes=()):
    polys, codes = [], []
    for j in range(ny):
        for i in range(nx):
            if (i, j) in holes:
                continue
            x0, y0 = i * (size + gap), j * (size + gap)
            polys.append(box(x0, y0, x0 + size, y0 + size))
            codes.append(f"E0{j}{i}")
    return gpd.GeoDataFrame({"lsoa_code": codes}, geometry=polys, crs=27700)


def test_queen_and_rook_on_touching_lattice():
    g = _grid()
    wq, iq = build_weights(g, "queen")
    wr, ir = build_weights(g, "rook")
    assert "shared vertices" in iq.method
    assert wq.cardinalities[0] == 3 and wr.cardinalities[0] == 2  # corner
    assert wq.cardinalities[4] == 8 and wr.cardinalities[4] == 4  # centre
    assert iq.islands_before_fix == 0


def test_gaps_defeat_vertex_contiguity_and_geometry_recovers_it():
    g = _grid(gap=0.3)  # like generalised ONS files: neighbours do not share vertices
    w, info = build_weights(g, "queen")
    assert info.vertex_islands == 9
    assert "from geometry" in info.method
    assert w.cardinalities[4] == 8 and w.cardinalities[0] == 3
    wr, _ = build_weights(g, "rook")
    assert wr.cardinalities[4] == 4


def test_island_joined_to_nearest():
    g = _grid(nx=3, ny=1)
    far = gpd.GeoDataFrame({"lsoa_code": ["FAR"]}, geometry=[box(1000, 0, 1100, 100)], crs=27700)
    g = gpd.GeoDataFrame(gpd.pd.concat([g, far], ignore_index=True), crs=27700)
    w, info = build_weights(g, "queen")
    assert info.islands_before_fix == 1
    assert info.islands_joined == ["FAR"]
    assert w.neighbors[3] == [2] and 3 in w.neighbors[2]
    assert min(w.cardinalities.values()) >= 1


def test_knn_and_distance():
    g = _grid(4, 4)
    w, info = build_weights(g, "knn:4")
    assert min(w.cardinalities.values()) >= 4
    # symmetric
    assert all(i in w.neighbors[j] for i, ns in w.neighbors.items() for j in ns)
    wd, _ = build_weights(g, "distance:150")
    assert wd.cardinalities[5] == 8  # centres 100 m apart (rook) and 141 m (diagonal)


@pytest.mark.parametrize("spec", ["hexagon", "knn:0", "knn:x", "distance:-5"])
def test_bad_spec(spec):
    with pytest.raises(DataError, match="fix:"):
        build_weights(_grid(), spec)


@pytest.mark.realdata
def test_kent_contiguity_from_geometry():
    need_real(KENT_BOUNDARIES)
    from hotspots.data.boundaries import read_boundaries

    g, _ = read_boundaries(KENT_BOUNDARIES)
    w, info = build_weights(g, "queen")
    assert info.vertex_islands == 1065  # the trap the issue describes
    assert "from geometry" in info.method
    assert 5.0 < info.mean_neighbours < 6.5
    assert info.min_neighbours >= 1
    # geometric neighbours really touch (within tolerance)
    i = 0
    for j in w.neighbors[i]:
        assert g.geometry.iloc[i].distance(g.geometry.iloc[j]) <= 1.0
    assert np.all(np.array(list(w.cardinalities.values())) > 0)


def _voronoi_cells(n=400, seed=3):
    from shapely import voronoi_polygons
    from shapely.geometry import MultiPoint

    rng = np.random.default_rng(seed)
    pts = MultiPoint(rng.random((n, 2)) * 10_000)
    cells = voronoi_polygons(pts, extend_to=box(-1, -1, 10_001, 10_001))
    frame = box(0, 0, 10_000, 10_000)
    geoms = [c.intersection(frame) for c in cells.geoms]
    return gpd.GeoDataFrame({"lsoa_code": [f"V{i}" for i in range(len(geoms))]}, geometry=geoms, crs=27700)


@pytest.mark.parametrize("rook", [False, True])
def test_vertex_contiguity_equals_libpysal(rook):
    from libpysal.weights import Queen, Rook

    for g in (_voronoi_cells(), _grid(7, 5)):
        w, info = build_weights(g, "rook" if rook else "queen")
        assert "shared" in info.method
        ref = (Rook if rook else Queen).from_dataframe(g, use_index=False, silence_warnings=True)
        ours = {k: sorted(v) for k, v in w.neighbors.items()}
        theirs = {int(k): sorted(int(x) for x in v) for k, v in ref.neighbors.items()}
        assert ours == theirs


def test_weights_to_libpysal_roundtrip():
    w, _ = build_weights(_grid(4, 4), "queen")
    lw = w.to_libpysal()
    assert lw.n == w.n and dict(lw.cardinalities) == w.cardinalities
    np.testing.assert_array_equal(lw.sparse.toarray(), w.sparse.toarray())


def test_vertex_contiguity_with_multipolygons():
    from shapely.geometry import MultiPolygon

    g = _grid(3, 3)
    g["geometry"] = [MultiPolygon([p]) for p in g.geometry]  # as GeoPackages often store them
    w, info = build_weights(g, "queen")
    assert "shared" in info.method and w.card[4] == 8


def test_own_csr_matches_scipy_to_the_last_bit():
    from scipy import sparse

    from hotspots.stats.csr import CSR

    rng = np.random.default_rng(4)
    n = 500
    i, j, v = rng.integers(0, n, 6000), rng.integers(0, n, 6000), rng.random(6000)
    ref = sparse.csr_matrix((v, (i, j)), shape=(n, n))
    ref.sum_duplicates()
    ref.sort_indices()
    ours = CSR.from_pairs(n, i, j, v)
    x = rng.normal(size=n)
    assert np.array_equal(ours @ x, ref @ x)  # same summation order as scipy's csr_matvec
    assert np.array_equal(ours.row_sums(), np.asarray(ref.sum(axis=1)).ravel())
    assert np.array_equal(ours.diagonal(), ref.diagonal())
    assert np.allclose(ours.col_sums(), np.asarray(ref.sum(axis=0)).ravel())
    assert np.allclose(ours.row_max(), ref.max(axis=1).toarray().ravel())
    xs = rng.normal(size=(n, 7))
    assert np.allclose(ours @ xs, ref @ xs)
    assert np.array_equal(ours.transpose().toarray(), ref.T.toarray())


def test_engine_does_not_import_scipy_sparse_for_an_analysis():
    import subprocess
    import sys

    code = ("import sys, numpy as np; from hotspots.stats.weights import build_weights; "
            "from hotspots.stats.local import analyse_clusters; import geopandas as gpd; "
            "from shapely.geometry import box; "
            "g = gpd.GeoDataFrame({'lsoa_code': [str(k) for k in range(16)]}, "
            "geometry=[box(i, j, i + 1, j + 1) for i in range(4) for j in range(4)], crs=27700); "
            "w, _ = build_weights(g); analyse_clusters(np.arange(16.0), w, permutations=99); "
            "assert 'scipy.sparse' not in sys.modules, 'scipy.sparse was imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
