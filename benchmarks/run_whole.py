"""Whole jobs, snapped and exact coordinates: ``hotspots analyse`` with and without its exports.

    .venv/bin/python benchmarks/run_whole.py [--repeat 2] [--peer-repeat 1] [--only county|nation]

The cases of issue #11, each against the notebook pipeline (``peer_notebook.py``) on the same
files in the same run (same measurement as ``run.py``: fresh processes, warm file cache, peak
RSS of the process tree, medians):

- **Kent 2021** (real police.uk files: snapped points) and **Kent exact** (the same rows moved
  off their snap points, ``generate_kent_exact.py``): analysis only (``--no-exports``, target
  ≤ 0.25x the notebook) and the whole job with every export (target ≤ 0.5x);
- **England-sized**, snapped (``generate_national.py``) and exact (``--exact``): the whole default
  run with every export, target ≤ 0.3x the notebook and peak memory < 2 GiB; analysis only
  is reported beside it;
- **England-sized, codes only** (issue #26): the exact study's polygons with ``LSOA21CD`` and no
  name column (``generate_codes_only.py``), the same crimes: the whole job must complete with a
  peak summed over the process tree ≤ 2.5 GiB, ≤ 0.5x the notebook, and leave no process behind.

Every run also lists the processes of its tree still alive 2 s after it exited (``left``).

Missing generated data is generated first. Stage timings come from our ``summary.json``
(``timings``, export files as ``export_<file>``) and the notebook's stdout. The table goes to
stdout and ``benchmarks/_out/<name>.md`` (``--name``, default ``whole``; raw runs in ``<name>.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as base  # noqa: E402

__all__ = ["main"]

HERE = base.HERE
KENT_EXACT = HERE / "_data" / "kent_exact"
NAT_EXACT = HERE / "_data" / "national_exact"
#: the exact national study's polygons with LSOA codes only (generate_codes_only.py): issue #26
NAT_CODES = HERE / "_data" / "national_codes"
CODES_LIMIT = 2.5 * 2**30  #: issue #26: peak summed RSS of the codes-only whole job
GIB = base.GIB


def _python() -> str:
    return str(base.PY) if base.PY.exists() else sys.executable


def _hotspots() -> list[str]:
    exe = base.HOTSPOTS if base.HOTSPOTS.exists() else Path(sys.executable).with_name("hotspots")
    return [str(exe)]


def _ours(tag: str, i: int, boundaries: Path, crimes: Path, exports: bool) -> base.Run:
    out = base.OUT / f"{tag}_ours"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [*_hotspots(), "analyse", "--boundaries", str(boundaries), "--crimes", str(crimes), "--out", str(out),
           "--permutations", str(base.PERMUTATIONS), "--seed", str(base.SEED), "--quiet"]
    if not exports:
        cmd.append("--no-exports")
    r = base.measure(f"{tag}_ours_{i}", cmd, base.OUT / "logs")
    if r.rc == 0 and (out / "summary.json").exists():
        r.data = json.loads((out / "summary.json").read_text())
        r.data["sizes_mb"] = {p.name: round(p.stat().st_size / 2**20, 1) for p in out.iterdir() if p.is_file()}
    return r


def _generate(script: str, out: Path, *extra: str) -> None:
    if (out / "manifest.json").exists():
        return
    print(f"generating {out} ...", flush=True)
    g = base.measure(f"generate_{out.name}", [_python(), str(HERE / script), "--out", str(out), *extra],
                     base.OUT / "logs")
    if g.rc != 0:
        raise SystemExit(f"generation failed: {g.stderr_tail}")
    print(f"  generated in {g.wall:.1f} s, peak {base.fmt_mem(g.peak_rss)}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--peer-repeat", type=int, default=1)
    ap.add_argument("--only", choices=["county", "nation"])
    ap.add_argument("--case", action="append", choices=["kent", "kent_exact", "nation", "nation_exact", "nation_codes"],
                    help="run only these cases (repeatable)")
    ap.add_argument("--name", default="whole", help="output file stem under benchmarks/_out")
    args = ap.parse_args(argv)
    os.environ.setdefault("PYTHONPATH", str(base.ROOT))  # ours from this tree, whichever venv runs it
    base.OUT.mkdir(parents=True, exist_ok=True)
    facts = base.machine()
    cases = []

    def wanted(*tags: str) -> bool:  # generate only what the chosen cases read
        return not args.case or any(t in args.case for t in tags)

    if args.only in (None, "county"):
        if wanted("kent_exact"):
            _generate("generate_kent_exact.py", KENT_EXACT)
        cases += [("kent", "Kent 2021 (snapped, 212k rows, 1,065 LSOAs)", base.KENT_BOUNDARIES, base.KENT_CRIMES,
                   "fuzzy", [(False, 0.25), (True, 0.5)]),
                  ("kent_exact", "Kent 2021, exact coordinates", base.KENT_BOUNDARIES, KENT_EXACT / "crime",
                   "fuzzy", [(False, 0.25), (True, 0.5)])]
    if args.only in (None, "nation"):
        if wanted("nation"):
            _generate("generate_national.py", base.NATIONAL, "--seed", "1")
        if wanted("nation_exact", "nation_codes"):
            _generate("generate_national.py", NAT_EXACT, "--seed", "1", "--exact")
        if wanted("nation_codes"):
            _generate("generate_codes_only.py", NAT_CODES, "--source", str(NAT_EXACT), "--names", "codes")
        cases += [("nation", "England-sized, snapped (5M rows, 33,755 LSOAs)", base.NAT_BOUNDARIES, base.NAT_CRIMES,
                   "queen", [(False, None), (True, 0.3)]),
                  ("nation_exact", "England-sized, exact coordinates (5M distinct points)",
                   NAT_EXACT / "boundaries" / "lsoa21_national.gpkg", NAT_EXACT / "crime", "queen",
                   [(False, None), (True, 0.3)]),
                  ("nation_codes", "England-sized, exact, codes-only boundaries (no LSOA names)",
                   NAT_CODES / "boundaries" / "lsoa21_national.gpkg", NAT_EXACT / "crime", "queen",
                   [(False, None), (True, 0.5)])]
    if args.case:
        cases = [c for c in cases if c[0] in args.case]
    rows, stages, raw = [], {}, {"machine": facts, "runs": {}}
    for tag, label, b, c, weights, modes in cases:
        print(f"{label} ...", flush=True)
        base.warm_cache([b, c])
        peer_cmd = [_python(), str(HERE / "peer_notebook.py"), str(b), str(c), str(base.OUT / f"{tag}_peer"),
                    "--weights", weights]
        ours: dict[bool, list[base.Run]] = {m: [] for m, _ in modes}
        peer: list[base.Run] = []
        for i in range(max(args.repeat, args.peer_repeat)):
            for exports, _ in modes:
                if i < args.repeat:
                    r = _ours(f"{tag}_{'whole' if exports else 'analysis'}", i, b, c, exports)
                    ours[exports].append(r)
                    print(f"  ours {'whole' if exports else 'analysis'} #{i + 1}: {r.wall:.1f} s, "
                          f"{base.fmt_mem(r.peak_rss)}, rc={r.rc}, left after exit: {r.left or 'none'}", flush=True)
            if i < args.peer_repeat:
                r = base.measure(f"{tag}_peer_{i}", peer_cmd, base.OUT / "logs")
                peer.append(r)
                print(f"  notebook #{i + 1}: {r.wall:.1f} s, {base.fmt_mem(r.peak_rss)}, rc={r.rc}", flush=True)
        raw["runs"][tag] = [asdict(r) for rs in (*ours.values(), peer) for r in rs]
        p = base.med(r.wall for r in peer if r.rc == 0)
        pm = base.med(r.peak_rss for r in peer if r.rc == 0)
        stages[f"{tag} notebook"] = base.stage_medians([r for r in peer if r.rc == 0])
        for exports, thr in modes:
            ok = [r for r in ours[exports] if r.rc == 0]
            o, m = base.med(r.wall for r in ok), base.med(r.peak_rss for r in ok)
            ratio = o / p if o and p else None
            what = "whole job, every export" if exports else "analysis only (--no-exports)"
            verdict = "" if thr is None else base.verdict(None if ratio is None else ratio <= thr)
            rows.append([label, what, base.fmt_s(o), base.fmt_s(p), "n/a" if ratio is None else f"{ratio:.2f}",
                         "(reported)" if thr is None else f"≤ {thr}", verdict, base.fmt_mem(m), base.fmt_mem(pm)])
            if exports and tag == "nation_codes":
                rows.append([label, "peak memory summed over the tree, whole job", base.fmt_mem(m), "", "",
                             "≤ 2.5 GiB", base.verdict(None if m is None else m <= CODES_LIMIT), "", ""])
            elif exports and tag.startswith("nation"):
                rows.append([label, "peak memory, whole job", base.fmt_mem(m), "", "", "< 2 GiB",
                             base.verdict(None if m is None else m < 2 * GIB), "", ""])
            if exports:
                left = [x for r in ours[exports] for x in r.left]
                rows.append([label, "processes left after exit (all runs)", str(len(left)), "", "", "0",
                             base.verdict(not left), "", ""])
            stages[f"{tag} ours {'whole' if exports else 'analysis'}"] = base.stage_medians(ok)
            if ok and ok[-1].data.get("sizes_mb"):
                stages[f"{tag} ours {'whole' if exports else 'analysis'} file sizes (MB)"] = ok[-1].data["sizes_mb"]
    facts["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    md = render(rows, stages, facts, args)
    print("\n" + md)
    (base.OUT / f"{args.name}.md").write_text(md)
    (base.OUT / f"{args.name}.json").write_text(json.dumps({**raw, "stages": stages, "rows": rows}, indent=1, default=str))
    return 0


def render(rows, stages, facts, args) -> str:
    head = ["study", "job", "ours", "notebook", "ours/notebook", "target", "result", "ours peak", "notebook peak"]
    lines = [f"# Whole jobs ({facts['date']}, commit {facts['commit']})", "",
             f"Machine: {facts['nproc']} cores, {facts['memory_gib']} GiB, {facts['cpu']}; load average "
             f"{facts['load_average_start']} at start, {facts['load_average_end']} at end. Medians of "
             f"{args.repeat} runs of ours, {args.peer_repeat} of the notebook (analysis only, no exports).", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    for name, st in stages.items():
        if st:
            lines += ["", f"**{name}**: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                                      for k, v in st.items() if v is not None)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
