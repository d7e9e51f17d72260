"""Kent 2021 seed and row-order stability of the default statistics (issue 9's acceptance).

Usage: ``python scripts/kent_stability.py [--draws stable|esda|fast]`` from the repository root,
with the shared real data in ``../shared/data/real``. Loads Kent once, then runs the statistics
for seeds 1-8, the rows reversed (weights rebuilt from the reversed file) and --fdr.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KENT = ROOT.parent / "shared" / "data" / "real" / "kent"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", default="stable")
    args = ap.parse_args()
    from hotspots.pipeline import analyse, load_layers
    from hotspots.stats.local import analyse_clusters
    from hotspots.stats.weights import build_weights
    from hotspots.study import Settings, Study

    st = Study(boundaries=str(KENT / "boundaries" / "kent_medway_lsoa2011_bgc.geojson"),
               crimes=[str(KENT / "crime")], settings=Settings(permutations=99, draws=args.draws))
    layers = load_layers(st)
    a = analyse(layers, Settings(permutations=99, draws=args.draws))
    y, codes, w = a.table["value"].to_numpy(float), a.table["lsoa_code"].to_numpy(), a.weights

    def run(seed, y=y, w=w, codes=codes, **kw):
        t = time.perf_counter()
        r = analyse_clusters(y, w, seed=seed, draws=args.draws, codes=codes, n_jobs=2, **kw)
        return r, time.perf_counter() - t

    res = {s: run(s) for s in range(1, 9)}
    hh = [int((r.frame.lisa_cluster == "HH").sum()) for r, _ in res.values()]
    lab = {s: r.frame.lisa_cluster.to_numpy() for s, (r, _) in res.items()}
    gb = {s: r.frame.gi_bin.to_numpy() for s, (r, _) in res.items()}
    pairs = list(itertools.combinations(res, 2))
    print(f"draws={args.draws}: HH over seeds 1-8 {hh}, sd {np.std(hh, ddof=1):.2f}")
    print(f"LISA labels, pairwise agreement: min {min((lab[i] == lab[j]).mean() for i, j in pairs):.4f}")
    print(f"Gi* bins, pairwise agreement: min {min((gb[i] == gb[j]).mean() for i, j in pairs):.4f}")
    print(f"statistics wall time, median of 8: {np.median([t for _, t in res.values()]):.3f} s")
    print("Monte Carlo report (seed 1):", res[1][0].stability)
    b = layers.boundaries.iloc[::-1].reset_index(drop=True)
    w2, _ = build_weights(b, "queen")
    pos = {c: i for i, c in enumerate(codes)}
    idx = np.array([pos[c] for c in b["lsoa_code"]])
    for s in (12345, 1):
        r0 = run(s)[0]
        back = run(s, y=y[idx], w=w2, codes=codes[idx])[0].frame.iloc[np.argsort(idx)].reset_index(drop=True)
        print(f"seed {s}: rows reversed agree on {(back.lisa_cluster.to_numpy() == r0.frame.lisa_cluster.to_numpy()).mean():.4f}"
              f" of labels; HH {int((r0.frame.lisa_cluster == 'HH').sum())} -> {int((back.lisa_cluster == 'HH').sum())};"
              f" identical per code: {back.equals(r0.frame)}")
    import esda
    from libpysal.weights import W

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        zb = esda.G_Local(y, W(w.neighbors, id_order=w.id_order), transform="B", star=True, permutations=0).Zs
        zr = esda.G_Local(y, W(w.neighbors, id_order=w.id_order), transform="R", star=True, permutations=0).Zs
    z = res[1][0].frame.gi_z.to_numpy()
    m = np.abs(zb) > 1
    print(f"gi_z / binary analytic z, median where |z| > 1: {np.median(z[m] / zb[m]):.4f} (esda's R z: {np.median(zr[m] / zb[m]):.3f})")
    name = a.table["lsoa_name"].astype(str)
    if name.str.contains("Maidstone 004F").any():
        i = int(np.flatnonzero(name.str.contains("Maidstone 004F"))[0])
        print("Maidstone 004F lisa_p over seeds:", [round(float(r.frame.lisa_p[i]), 4) for r, _ in res.values()],
              "permutations", int(res[1][0].frame.mc_permutations[i]))
    t = time.perf_counter()
    f, _ = run(12345, fdr=True)
    print(f"--fdr: {time.perf_counter() - t:.2f} s, HH {int((f.frame.lisa_cluster == 'HH').sum())}, hot Gi* "
          f"{int((f.frame.gi_bin > 0).sum())}, cut-off {f.thresholds['lisa_p_cutoff']:.3g}, most permutations "
          f"{f.stability['permutations_max']:,}, warnings {f.warnings}")
    area = a.table.geometry.area / 1e6
    print(f"Spearman(crimes, area) {a.table['crimes'].rank().corr(area.rank()):.3f}")


if __name__ == "__main__":
    main()
