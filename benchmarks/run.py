"""Benchmark harness: ``hotspots analyse`` against its peers, measured in the same run.

    .venv/bin/python benchmarks/run.py [--repeat 3] [--peer-repeat N] [--skip-national]
                                       [--only county|nation|kernel]

Every command runs as a fresh subprocess (interpreter start and imports included: "cold"
process; the OS file cache is warmed once beforehand so no run pays for the disk), under
``/usr/bin/time -v`` when present, while a thread polls the process tree with psutil (the RSS
of its processes every 20 ms, the tree itself every 100 ms: listing it reads all of /proc). Wall time
is measured around the subprocess; peak memory is the larger of ``time``'s maximum resident set
and the polled sum over the tree (so a multi-process run is not under-counted). Ours and the
peer alternate, ``--repeat`` times each, and medians are reported. The table goes to stdout and
to ``benchmarks/_out/results.md`` (raw runs in ``results.json``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

__all__ = ["main", "measure", "Run"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = ROOT / ".venv" / "bin" / "python"
HOTSPOTS = ROOT / ".venv" / "bin" / "hotspots"
KENT = ROOT.parent / "shared" / "data" / "real" / "kent"
KENT_BOUNDARIES = KENT / "boundaries" / "kent_medway_lsoa2011_bgc.geojson"
KENT_CRIMES = KENT / "crime"
NATIONAL = HERE / "_data" / "national"
NAT_BOUNDARIES = NATIONAL / "boundaries" / "lsoa21_national.gpkg"
NAT_CRIMES = NATIONAL / "crime"
NAT_COUNTS = NATIONAL / "lsoa_counts.csv"
OUT = HERE / "_out"
PERMUTATIONS, SEED = 999, 12345
#: polls (of 20 ms) between listings of the measured process tree (see measure)
TREE_EVERY = 5
GIB = 2**30
# summary.json timing keys that are the Local Moran / Gi* kernel (weights are compared apart)

@dataclass
class Run:
    """One measured subprocess."""

    name: str
    wall: float
    peak_rss: int
    rc: int
    stdout: str
    stderr_tail: str
    data: dict = field(default_factory=dict)
    #: processes of the run's tree still alive 2 s after it exited (orphaned workers; should be empty)
    left: list = field(default_factory=list)


def measure(name: str, cmd: list[str], log_dir: Path) -> Run:
    """Run ``cmd`` once; wall seconds, peak RSS bytes, exit code, stdout (JSON parsed if any)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    timefile = log_dir / f"{name}.time"
    wrapped = (["/usr/bin/time", "-v", "-o", str(timefile)] + cmd
               if Path("/usr/bin/time").exists() else cmd)
    out_path, err_path = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    peak = [0]
    seen: dict[int, psutil.Process] = {}  # every process of the tree, to look for survivors at the end
    with out_path.open("wb") as out, err_path.open("wb") as err:
        t0 = time.perf_counter()
        proc = psutil.Popen(wrapped, stdout=out, stderr=err, cwd=ROOT)
        done = threading.Event()

        def poll() -> None:
            # the tree is listed every TREE_EVERY polls (psutil reads every /proc entry for it,
            # ~1 ms: at each 20 ms poll that was ~5% of a core, taken from the measured run, which
            # on a two-core machine cost a two-threaded run ~1 s of an England-sized job and the
            # single-threaded notebook nothing); the known processes' RSS is read at every poll
            tree: list[psutil.Process] = []
            k = 0
            while not done.is_set():
                try:
                    if k % TREE_EVERY == 0:
                        tree = proc.children(recursive=True)
                        tree = tree if wrapped is not cmd else [proc, *tree]
                        for p in tree:
                            seen.setdefault(p.pid, p)
                    peak[0] = max(peak[0], sum(_rss(p) for p in tree))
                except psutil.Error:
                    pass
                k += 1
                done.wait(0.02)

        poller = threading.Thread(target=poll, daemon=True)
        poller.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        done.set()
        poller.join()
    left = _survivors(seen.values(), proc.pid)
    if timefile.exists():
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", timefile.read_text())
        if m:
            peak[0] = max(peak[0], int(m.group(1)) * 1024)
    stdout = out_path.read_text(errors="replace")
    data = {}
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            with contextlib.suppress(json.JSONDecodeError):
                data = json.loads(line)
            break
    tail = "\n".join(err_path.read_text(errors="replace").strip().splitlines()[-5:])
    return Run(name, wall, peak[0], rc, stdout[-2000:], tail, data, left)


def _survivors(procs, root: int, grace: float = 2.0) -> list[str]:
    """Processes seen in the run's tree that still run ``grace`` seconds after it ended."""
    deadline = time.monotonic() + grace
    alive = []
    while True:
        alive = [p for p in procs if p.pid != root and _running(p)]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return [f"{p.pid} {' '.join(_cmdline(p))[:100]}" for p in alive]


def _running(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return ["?"]


def _rss(p: psutil.Process) -> int:
    try:
        return p.memory_info().rss
    except psutil.Error:
        return 0


def ours_available() -> bool:
    """True when ``hotspots analyse`` exists and answers ``--help``."""
    if not HOTSPOTS.exists():
        return False
    r = subprocess.run([str(HOTSPOTS), "analyse", "--help"], capture_output=True, timeout=120)
    return r.returncode == 0


EXPORTS = False  # set by --exports


def ours_cmd(boundaries: Path, crimes: Path, out: Path) -> list[str]:
    """Our command. ``--no-exports`` (unless --exports) makes it do what the notebook does:
    counts, Local Moran, Gi*, one results table (plus summary.json)."""
    cmd = [str(HOTSPOTS), "analyse", "--boundaries", str(boundaries), "--crimes", str(crimes),
           "--out", str(out), "--permutations", str(PERMUTATIONS), "--seed", str(SEED)]
    return cmd if EXPORTS else [*cmd, "--no-exports"]


def run_ours(tag: str, i: int, boundaries: Path, crimes: Path) -> Run:
    out = OUT / f"{tag}_ours"
    shutil.rmtree(out, ignore_errors=True)
    r = measure(f"{tag}_ours_{i}", ours_cmd(boundaries, crimes, out), OUT / "logs")
    summary = out / "summary.json"
    if r.rc == 0 and summary.exists():
        r.data = json.loads(summary.read_text())
    return r


def warm_cache(paths: list[Path]) -> None:
    """Read the inputs once so that no measured run pays for the disk."""
    for p in paths:
        for f in ([p] if p.is_file() else sorted(p.rglob("*"))):
            if f.is_file():
                with f.open("rb") as fh:
                    while fh.read(1 << 24):
                        pass


def med(values) -> float | None:
    v = [x for x in values if x is not None]
    return statistics.median(v) if v else None


def flat_timings(t, prefix: str = "") -> dict[str, float]:
    """summary.json ``timings`` (possibly nested) as flat ``{stage: seconds}``."""
    out: dict[str, float] = {}
    for k, v in (t or {}).items():
        if isinstance(v, dict):
            out.update(flat_timings(v, f"{prefix}{k}."))
        elif isinstance(v, (int, float)):
            out[f"{prefix}{k}"] = float(v)
    return out


def stage_medians(runs: list[Run]) -> dict[str, float]:
    keys: list[str] = []
    per = [flat_timings(r.data.get("timings")) for r in runs if r.rc == 0]
    for d in per:
        keys += [k for k in d if k not in keys]
    return {k: med(d.get(k) for d in per) for k in keys}


def agreement(ours_csv: Path, peer_csv: Path) -> dict | None:
    """Share of LSOAs where our crimes count and LISA cluster equal the notebook's."""
    import pandas as pd

    if not (ours_csv.exists() and peer_csv.exists()):
        return None
    a = pd.read_csv(ours_csv, dtype={"lsoa_code": str})
    b = pd.read_csv(peer_csv, dtype={"lsoa_code": str})
    m = a.merge(b, on="lsoa_code", suffixes=("_ours", "_peer"))
    out = {"lsoas_matched": len(m)}
    for col in ("crimes", "lisa_cluster"):
        if f"{col}_ours" in m and f"{col}_peer" in m:
            out[f"{col}_equal"] = round(float((m[f"{col}_ours"] == m[f"{col}_peer"]).mean()), 4)
    return out


def machine() -> dict:
    cpu = "?"
    with contextlib.suppress(OSError, StopIteration), open("/proc/cpuinfo") as fh:
        cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip()
    return {"nproc": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / GIB, 1),
            "cpu": cpu, "python": platform.python_version(), "commit": commit,
            "load_average_start": [round(x, 2) for x in os.getloadavg()],
            "date": time.strftime("%Y-%m-%d %H:%M:%S")}


def fmt_s(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f} s"


def fmt_mem(x: float | None) -> str:
    return "n/a" if x is None else f"{x / GIB:.2f} GiB"


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer-repeat", type=int, default=None,
                    help="runs of each peer (default: --repeat); the national notebook is slow")
    ap.add_argument("--skip-national", action="store_true")
    ap.add_argument("--only", choices=["county", "nation", "kernel"])
    ap.add_argument("--exports", action="store_true",
                    help="let ours also write its map, GPKG, XLSX and PDF (the notebook does not)")
    args = ap.parse_args(argv)
    global EXPORTS
    EXPORTS = args.exports
    peer_repeat = args.peer_repeat or args.repeat
    todo = {args.only} if args.only else {"county", "nation", "kernel"}
    if args.skip_national:
        todo -= {"nation", "kernel"}
    OUT.mkdir(parents=True, exist_ok=True)
    facts = machine()
    have_ours = ours_available()
    print(f"machine: {facts}\nours (hotspots analyse) available: {have_ours}", flush=True)
    if todo & {"nation", "kernel"} and not (NATIONAL / "manifest.json").exists():
        print("generating national data ...", flush=True)
        g = measure("generate_national", [str(PY), str(HERE / "generate_national.py"),
                                          "--out", str(NATIONAL), "--seed", "1"], OUT / "logs")
        if g.rc != 0:
            print(f"generation failed:\n{g.stderr_tail}", file=sys.stderr)
            return 1
        print(f"generated in {g.wall:.1f} s, peak {fmt_mem(g.peak_rss)}", flush=True)

    rows: list[list[str]] = []
    raw: dict = {"machine": facts, "ours_available": have_ours, "runs": {}}
    stages: dict[str, dict] = {}
    notes: list[str] = []

    def series(tag: str, boundaries: Path, crimes: Path, peer_cmd: list[str]):
        ours_runs, peer_runs = [], []
        warm_cache([boundaries, crimes])
        for i in range(max(args.repeat, peer_repeat)):
            if have_ours and i < args.repeat:
                ours_runs.append(run_ours(tag, i, boundaries, crimes))
                print(f"  {tag} ours #{i + 1}: {ours_runs[-1].wall:.2f} s, "
                      f"{fmt_mem(ours_runs[-1].peak_rss)}, rc={ours_runs[-1].rc}", flush=True)
            if i < peer_repeat:
                peer_runs.append(measure(f"{tag}_peer_{i}", peer_cmd, OUT / "logs"))
                print(f"  {tag} peer #{i + 1}: {peer_runs[-1].wall:.2f} s, "
                      f"{fmt_mem(peer_runs[-1].peak_rss)}, rc={peer_runs[-1].rc}", flush=True)
        for r in ours_runs + peer_runs:
            if r.rc != 0:
                notes.append(f"{r.name} exited {r.rc}: {r.stderr_tail[-300:]}")
        raw["runs"][tag] = [asdict(r) for r in ours_runs + peer_runs]
        ok = [r for r in ours_runs if r.rc == 0]
        pk = [r for r in peer_runs if r.rc == 0]
        return ok, pk, ours_runs

    def compare(label: str, ours: list[Run], peer: list[Run], attempted: list[Run],
                threshold: float, thr_text: str) -> tuple[float | None, float | None]:
        o = med(r.wall for r in ours)
        p = med(r.wall for r in peer)
        ours_txt = fmt_s(o) if ours else ("not available" if not attempted else "failed")
        ratio = o / p if o and p else None
        rows.append([label, "wall time", ours_txt, fmt_s(p),
                     "n/a" if ratio is None else f"{ratio:.3f}", thr_text,
                     verdict(None if ratio is None else ratio <= threshold)])
        rows.append([label, "peak memory", fmt_mem(med(r.peak_rss for r in ours)),
                     fmt_mem(med(r.peak_rss for r in peer)), "", "(reported)", ""])
        return o, p

    if "county" in todo:
        print("county: real Kent 2021 ...", flush=True)
        peer_cmd = [str(PY), str(HERE / "peer_notebook.py"), str(KENT_BOUNDARIES),
                    str(KENT_CRIMES), str(OUT / "county_peer"), "--weights", "fuzzy"]
        ours, peer, att = series("county", KENT_BOUNDARIES, KENT_CRIMES, peer_cmd)
        compare("1. County: Kent 2021, 212k rows, 1,065 LSOAs", ours, peer, att, 1 / 3,
                "≤ 0.333")
        stages["county ours"] = stage_medians(ours)
        stages["county notebook"] = stage_medians(peer)
        raw["county_agreement"] = agreement(OUT / "county_ours" / "lsoa_results.csv",
                                            OUT / "county_peer" / "notebook_results.csv")

    nation_ours: list[Run] = []
    if "nation" in todo or "kernel" in todo:
        print("nation: synthetic England, 5M rows, 33,755 LSOAs ...", flush=True)
        if "nation" in todo:
            peer_cmd = [str(PY), str(HERE / "peer_notebook.py"), str(NAT_BOUNDARIES),
                        str(NAT_CRIMES), str(OUT / "nation_peer")]
            nation_ours, peer, att = series("nation", NAT_BOUNDARIES, NAT_CRIMES, peer_cmd)
            label = "2. Nation: 5M rows, 33,755 LSOAs"
            o, _ = compare(label, nation_ours, peer, att, 0.3, "≤ 0.3")
            rows.append([label, "wall time, absolute", fmt_s(o) if att else "not available",
                         "", "", "< 20 s", verdict(None if o is None else o < 20)])
            m = med(r.peak_rss for r in nation_ours)
            rows.append([label, "peak memory, absolute", fmt_mem(m) if att else "not available",
                         "", "", "< 2 GiB", verdict(None if m is None else m < 2 * GIB)])
            stages["nation notebook"] = stage_medians(peer)
            raw["nation_agreement"] = agreement(OUT / "nation_ours" / "lsoa_results.csv",
                                                OUT / "nation_peer" / "notebook_results.csv")
        elif have_ours:
            warm_cache([NAT_BOUNDARIES, NAT_CRIMES])
            nation_ours = [run_ours("nation", i, NAT_BOUNDARIES, NAT_CRIMES)
                           for i in range(args.repeat)]
            nation_ours = [r for r in nation_ours if r.rc == 0]
        stages["nation ours"] = stage_medians(nation_ours)

    if "kernel" in todo:
        print("kernel: Local Moran + Gi*, 999 permutations, 33,755 areas vs pygeoda ...",
              flush=True)
        cmd = [str(PY), str(HERE / "peer_pygeoda.py"), str(NAT_BOUNDARIES), str(NAT_COUNTS)]
        geo = [measure(f"kernel_pygeoda_{i}", cmd, OUT / "logs") for i in range(peer_repeat)]
        raw["runs"]["kernel"] = [asdict(r) for r in geo]
        geo = [r for r in geo if r.rc == 0]
        gs = stage_medians(geo)
        stages["kernel pygeoda"] = gs
        # target 3 (the issue): our kernel, cold, measured in the same process as pygeoda's,
        # at least as fast as pygeoda's lookup mode
        ours_k = gs.get("ours_kernel")
        ours_w = gs.get("ours_weights")
        notes.append("kernel: ours = import of hotspots.stats.permutation + first (cold) "
                     "local_moran_and_gstar call, in the same process as pygeoda (peer_pygeoda.py)")
        label = "3. Kernel: Local Moran + Gi*, 999 perms, 33,755 areas"
        ours_txt = fmt_s(ours_k) if ours_k else "not available"
        for method, thr, thr_text in (("lookup", 1.0, "≤ 1.0 (the issue's target)"),
                                      ("complete", 1.0, "≤ 1.0")):
            p = (gs.get(f"local_moran_{method}", 0) + gs.get(f"local_gstar_{method}", 0)) or None
            ratio = ours_k / p if ours_k and p else None
            rows.append([label, f"vs pygeoda {method} ({'default' if method == 'complete' else 'lookup table'})",
                         ours_txt, fmt_s(p), "n/a" if ratio is None else f"{ratio:.3f}", thr_text,
                         "" if thr is None else verdict(None if ratio is None else ratio <= thr)])
        p = (gs.get("local_moran_lookup", 0) + gs.get("local_gstar_lookup", 0)) or None
        fast = gs.get("ours_kernel_fast")
        ratio = fast / p if fast and p else None
        rows.append([label, "ours --draws fast vs pygeoda lookup", fmt_s(fast) if fast else "not available",
                     fmt_s(p), "n/a" if ratio is None else f"{ratio:.3f}", "≤ 1.0",
                     verdict(None if ratio is None else ratio <= 1.0)])
        if gs.get("fast_vs_esda_label_agreement") is not None:
            notes.append(f"--draws fast: LISA labels equal to the esda-identical draws on "
                         f"{gs['fast_vs_esda_label_agreement']:.1%} of areas (Monte Carlo error)")
        p = gs.get("weights")
        rows.append([label, "queen weights build", fmt_s(ours_w) if ours_w else "not available",
                     fmt_s(p), f"{ours_w / p:.3f}" if ours_w and p else "n/a", "(reported)", ""])
        if geo:
            raw["kernel_pygeoda_info"] = {k: geo[-1].data.get(k) for k in
                                          ("cpu_threads", "mean_neighbours", "clusters")}

    facts["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    md = render(rows, stages, notes, facts, raw, args)
    print("\n" + md)
    (OUT / "results.md").write_text(md)
    (OUT / "results.json").write_text(json.dumps({**raw, "stages": stages, "rows": rows},
                                                 indent=1, default=str))
    return 0


def render(rows, stages, notes, facts, raw, args) -> str:
    head = ["target", "measure", "ours", "peer", "ours/peer", "threshold", "result"]
    lines = [f"# hotspots benchmark ({facts['date']}, commit {facts['commit']})", "",
             f"Machine: {facts['nproc']} cores, {facts['memory_gib']} GiB, {facts['cpu']}; "
             f"Python {facts['python']}; load average {facts['load_average_start']} at start, "
             f"{facts['load_average_end']} at end. Medians of {args.repeat} runs "
             f"(peers: {args.peer_repeat or args.repeat}); whole process, cold interpreter, "
             "warm file cache. Ours: `" + " ".join(ours_cmd(Path("B"), Path("C"), Path("OUT"))[1:])
             + "`.", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    for name, st in stages.items():
        if not st:
            continue
        lines += ["", f"**Stages, {name}** (median seconds): "
                  + ", ".join(f"{k} {v:.3f}" for k, v in st.items() if v is not None)]
    for key in ("county_agreement", "nation_agreement"):
        if raw.get(key):
            lines += ["", f"Cross-check {key.split('_')[0]} ours vs notebook: {raw[key]}"]
    if raw.get("kernel_pygeoda_info"):
        lines += ["", f"pygeoda: {raw['kernel_pygeoda_info']}"]
    if notes:
        lines += ["", "Notes:"] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
