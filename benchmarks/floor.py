"""The floor under Kent's analysis-only job: what a process costs before any analysis.

    .venv/bin/python benchmarks/floor.py [--repeat 5]

Issue #26 asks for Kent's ``hotspots analyse --no-exports`` at 0.25x of the notebook
(``peer_notebook.py``). This measures, alternated in the same run, four fresh processes:

- ``notebook``: the peer, as ``run_whole.py`` runs it on Kent (``--weights fuzzy``);
- ``ours``: ``hotspots analyse --no-exports`` with the benchmark's permutations and seed;
- ``imports``: a process that only imports what any pandas/geopandas analysis of these files
  imports (NumPy, Arrow's CSV reader, pandas, shapely, pyproj, pyogrio, geopandas, SciPy's
  sparse matrices and special functions): nothing of ours;
- ``imports+read``: the same, then reads the two inputs (the boundaries with pyogrio, the 12
  monthly CSVs with Arrow) and stops.

Medians and their ratios to the notebook's go to stdout. The notebook's first run is left out
of its median (a cold start of its larger imports). No analysis, however fast, can be quicker
than ``imports+read``: where that is above 0.25x, the target is out of reach on this stack.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as base  # noqa: E402

#: what a process imports to analyse these files with pandas and geopandas (none of ours)
IMPORTS = "import numpy, pyarrow.csv, pandas, shapely, pyproj, pyogrio, geopandas, scipy.sparse, scipy.special"
READ = (f"{IMPORTS}\nfrom pathlib import Path\n"
        f"pyogrio.read_dataframe({str(base.KENT_BOUNDARIES)!r})\n"
        f"[pyarrow.csv.read_csv(p) for p in sorted(Path({str(base.KENT_CRIMES)!r}).glob('*.csv'))]\n")


def _wall(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    if not base.KENT_BOUNDARIES.exists():
        raise SystemExit(f"the Kent files are not at {base.KENT} (../shared/data/real)")
    py = str(base.PY) if base.PY.exists() else sys.executable
    out = base.OUT / "floor"
    cmds = {
        "notebook": [py, str(base.HERE / "peer_notebook.py"), str(base.KENT_BOUNDARIES), str(base.KENT_CRIMES),
                     str(out / "peer"), "--weights", "fuzzy"],
        "ours": [str(base.HOTSPOTS), "analyse", "--boundaries", str(base.KENT_BOUNDARIES), "--crimes",
                 str(base.KENT_CRIMES), "--out", str(out / "ours"), "--permutations", str(base.PERMUTATIONS),
                 "--seed", str(base.SEED), "--quiet", "--no-exports"],
        "imports": [py, "-c", IMPORTS],
        "imports+read": [py, "-c", READ],
        "python": [py, "-c", "pass"],
    }
    base.warm_cache([base.KENT_BOUNDARIES, base.KENT_CRIMES])
    walls: dict[str, list[float]] = {k: [] for k in cmds}
    for i in range(args.repeat):
        for name, cmd in cmds.items():
            walls[name].append(_wall(cmd))
        print(f"round {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in walls.items()), flush=True)
    peer = statistics.median(walls["notebook"][1:] or walls["notebook"])
    print(f"\nnotebook median {peer:.2f} s (first run left out)")
    for name in ("ours", "imports", "imports+read", "python"):
        m = statistics.median(walls[name])
        print(f"{name:13s} median {m:.2f} s ({min(walls[name]):.2f}-{max(walls[name]):.2f}) = {m / peer:.2f}x the notebook")


if __name__ == "__main__":
    main()
