"""Peer: the pipeline an analyst writes in a notebook today, run as one fresh process.

    .venv/bin/python benchmarks/peer_notebook.py BOUNDARIES CRIME_DIR OUT [--weights queen|fuzzy]

pandas ``read_csv`` of every monthly file + ``concat``; drop rows without coordinates; geopandas
points + ``to_crs(27700)``; ``gpd.sjoin`` with the polygons; ``groupby`` count per LSOA;
``libpysal.weights.Queen.from_dataframe``; ``esda.Moran_Local`` and ``esda.G_Local(star=True)``
with 999 permutations and ``n_jobs=1``; write a CSV. Stage timings (seconds) go to stdout as
one JSON object, with the library versions and whether numba was importable (without numba,
esda's conditional randomisation runs as plain Python: ``libpysal.common.jit`` is a no-op).

Nothing here is tuned: it is the obvious code, because that is what we are measured against.

``--weights fuzzy`` uses ``libpysal.weights.fuzzy_contiguity`` instead of Queen: the real Kent
BGC GeoJSON shares *no* vertex between neighbouring polygons (they touch and overlap by < 0.02
m2, but their coordinates differ), so vertex-based Queen makes all 1,065 LSOAs islands and
``esda.Moran_Local`` then fails. An analyst who meets that switches to fuzzy contiguity, so the
county benchmark runs the peer with ``--weights fuzzy``; the synthetic national polygons share
their vertices exactly and use Queen.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import glob  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

import esda  # noqa: E402
import geopandas as gpd  # noqa: E402
import libpysal  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

__all__ = ["main"]

PERMUTATIONS = 999
SEED = 12345
CODE_COLUMNS = ("LSOA21CD", "LSOA11CD", "lsoa_code", "code")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description="notebook-style peer pipeline")
    ap.add_argument("boundaries")
    ap.add_argument("crime_dir")
    ap.add_argument("out")
    ap.add_argument("--weights", choices=["queen", "fuzzy"], default="queen")
    args = ap.parse_args(argv)
    boundaries, crime_dir, out = args.boundaries, args.crime_dir, args.out
    t = {"imports": time.perf_counter() - T0}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        t[name] = round(now - since, 3)
        return now

    now = time.perf_counter()
    files = sorted(glob.glob(os.path.join(crime_dir, "**", "*-street.csv"), recursive=True))
    crimes = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    rows_read = len(crimes)
    now = lap("read_csv", now)

    crimes = crimes.dropna(subset=["Longitude", "Latitude"])
    now = lap("dropna", now)

    points = gpd.GeoDataFrame(
        crimes, geometry=gpd.points_from_xy(crimes["Longitude"], crimes["Latitude"]), crs=4326
    ).to_crs(27700)
    now = lap("points_to_crs", now)

    lsoas = gpd.read_file(boundaries).to_crs(27700)
    code = next(c for c in CODE_COLUMNS if c in lsoas.columns)
    now = lap("read_boundaries", now)

    joined = gpd.sjoin(points, lsoas[[code, "geometry"]])  # defaults: inner, intersects
    now = lap("sjoin", now)

    counts = joined.groupby(code).size()
    lsoas["crimes"] = lsoas[code].map(counts).fillna(0).astype(int)
    now = lap("groupby", now)

    if args.weights == "queen":
        w = libpysal.weights.Queen.from_dataframe(lsoas, use_index=False, silence_warnings=True)
    else:
        w = libpysal.weights.fuzzy_contiguity(lsoas, silence_warnings=True)
    if len(w.islands) == w.n:
        print(f"error: {boundaries}: Queen contiguity found no neighbours at all (the polygons "
              "share no vertices); rerun with --weights fuzzy", file=sys.stderr)
        return 2
    w.transform = "r"
    now = lap("weights", now)

    y = lsoas["crimes"].to_numpy(dtype=float)
    lisa = esda.Moran_Local(y, w, permutations=PERMUTATIONS, n_jobs=1, seed=SEED)
    now = lap("moran_local", now)

    gi = esda.G_Local(y, w, star=True, permutations=PERMUTATIONS, n_jobs=1, seed=SEED)
    now = lap("g_local", now)

    labels = np.array(["ns", "HH", "LH", "LL", "HL"])
    cluster = np.where(lisa.p_sim < 0.05, labels[lisa.q], "ns")
    os.makedirs(out, exist_ok=True)
    pd.DataFrame({
        "lsoa_code": lsoas[code], "crimes": lsoas["crimes"], "lisa_i": lisa.Is,
        "lisa_p": lisa.p_sim, "lisa_cluster": cluster, "gi_z": gi.Zs, "gi_p": gi.p_sim,
    }).to_csv(os.path.join(out, "notebook_results.csv"), index=False)
    lap("write_csv", now)

    t["total_in_process"] = round(time.perf_counter() - T0, 3)
    t["imports"] = round(t["imports"], 3)
    print(json.dumps({
        "timings": t,
        "rows_read": rows_read, "rows_located": len(crimes), "rows_joined": len(joined),
        "lsoas": len(lsoas), "files": len(files), "permutations": PERMUTATIONS,
        "n_jobs": 1, "numba": importlib.util.find_spec("numba") is not None,
        "weights": args.weights, "mean_neighbours": round(float(w.mean_neighbors), 3),
        "islands": len(w.islands),
        "versions": {"pandas": pd.__version__, "geopandas": gpd.__version__,
                     "libpysal": libpysal.__version__, "esda": esda.__version__,
                     "numpy": np.__version__},
        "lisa_clusters": {k: int((cluster == k).sum()) for k in labels},
    }))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
