"""England-sized boundaries without usable LSOA names, from a generated national study.

    .venv/bin/python benchmarks/generate_codes_only.py \
        [--source benchmarks/_data/national_exact] [--out benchmarks/_data/national_codes] [--names codes|copyk]

Outside checks load GeoPackages that carry LSOA codes and nothing else (or copied names such as
"CopyK 0001A" that do not name a local authority). Such a file once made every LSOA its own
district (a 33,755 x 999 x 12 bootstrap: killed at 24 GB). This writes the same polygons as
``--source`` with

- ``codes``: only ``LSOA21CD`` (no name column at all), or
- ``copyk``: ``LSOA21CD`` and ``LSOA21NM`` = "CopyK 0001A", "CopyK 0002A", ... (one prefix),

into ``<out>/boundaries/lsoa21_national.gpkg``; the crimes stay where they are (the manifest
names them). ``manifest.json`` is written last.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import geopandas as gpd

__all__ = ["main"]

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=HERE / "_data" / "national_exact")
    ap.add_argument("--out", type=Path, default=HERE / "_data" / "national_codes")
    ap.add_argument("--names", choices=["codes", "copyk"], default="codes")
    args = ap.parse_args(argv)
    t = time.perf_counter()
    src = args.source / "boundaries" / "lsoa21_national.gpkg"
    if not (args.source / "manifest.json").exists():
        raise SystemExit(f"{args.source} is not a complete generated study (run generate_national.py first)")
    frame = gpd.read_file(src, layer="lsoa21")
    keep = ["LSOA21CD", frame.geometry.name]
    out = frame[keep].copy()
    if args.names == "copyk":
        out.insert(1, "LSOA21NM", [f"CopyK {i:04d}A" for i in range(1, len(out) + 1)])
    target = args.out / "boundaries" / "lsoa21_national.gpkg"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    out.to_file(target, layer="lsoa21", driver="GPKG")
    manifest = {"source": str(args.source), "names": args.names, "lsoas": len(out),
                "columns": [c for c in out.columns if c != out.geometry.name],
                "crimes": str(args.source / "crime"), "seconds": round(time.perf_counter() - t, 1)}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(json.dumps(manifest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
