"""The real Kent 2021 year with exact coordinates: every crime moved off its snap point.

    .venv/bin/python benchmarks/generate_kent_exact.py [--out benchmarks/_data/kent_exact] [--seed 1]

Reads the 12 police.uk files under ``../shared/data/real/kent/crime`` and writes them again
with each located row at its own point (a Gaussian offset of ~60 m from its published snap
point, kept inside the Kent BGC polygon that holds the snap point; see ``_exact.py``). Rows
whose snap point lies in no polygon keep their coordinates. Everything else in a row is as
published. The output stays under ``benchmarks/_data`` (git-ignored): it is real data, moved.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyogrio
import shapely
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _exact import degrees_text, jitter_inside  # noqa: E402

__all__ = ["main"]

KENT = Path(__file__).resolve().parents[2] / "shared" / "data" / "real" / "kent"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "_data" / "kent_exact")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    if not KENT.exists():
        print(f"error: {KENT} not found (the real Kent data)", file=sys.stderr)
        return 2
    (args.out / "manifest.json").unlink(missing_ok=True)
    polys = pyogrio.read_dataframe(KENT / "boundaries" / "kent_medway_lsoa2011_bgc.geojson").to_crs(27700)
    polys = np.asarray(polys.geometry.values)
    tree = shapely.STRtree(polys)
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True)
    rng = np.random.default_rng(args.seed)
    files, distinct, rows = [], set(), 0
    for src in sorted((KENT / "crime").glob("*-street.csv")):
        text = pacsv.ConvertOptions(column_types={"Longitude": pa.float64(), "Latitude": pa.float64()},
                                    strings_can_be_null=True)
        table = pacsv.read_csv(src, convert_options=text)
        lon = table.column("Longitude").to_numpy(zero_copy_only=False)
        lat = table.column("Latitude").to_numpy(zero_copy_only=False)
        has = ~(np.isnan(lon) | np.isnan(lat))
        x, y = (np.asarray(v) for v in to_bng.transform(lon[has], lat[has]))
        pt, poly = tree.query(shapely.points(x, y), predicate="within")
        owner = np.full(len(x), -1)
        owner[pt[::-1]] = poly[::-1]
        inside = owner >= 0
        idx = np.flatnonzero(has)[inside]
        new_lon, new_lat = lon.copy(), lat.copy()
        new_lon[idx], new_lat[idx] = jitter_inside(rng, x[inside], y[inside], polys, owner[inside])
        null = pa.scalar(None, pa.string())
        nothing = pa.array(~has)
        table = table.set_column(table.schema.get_field_index("Longitude"), "Longitude",
                                 pc.if_else(nothing, null, degrees_text(np.nan_to_num(new_lon))))
        table = table.set_column(table.schema.get_field_index("Latitude"), "Latitude",
                                 pc.if_else(nothing, null, degrees_text(np.nan_to_num(new_lat))))
        dest = args.out / "crime" / src.name
        dest.parent.mkdir(parents=True, exist_ok=True)
        with dest.open("wb") as fh:  # police.uk's own layout: unquoted header and cells
            fh.write((",".join(table.column_names) + "\n").encode())
            try:
                pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="none"))
            except pa.ArrowInvalid:  # a cell holds a comma or a quote: quote where needed
                fh.seek(len(",".join(table.column_names)) + 1)
                fh.truncate()
                pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
        distinct.update(zip(np.round(new_lon[has] * 1e6).astype(np.int64).tolist(),
                            np.round(new_lat[has] * 1e6).astype(np.int64).tolist(), strict=True))
        rows += table.num_rows
        files.append(dest.name)
    manifest = {"seed": args.seed, "rows": rows, "files": files, "distinct_points": len(distinct),
                "coordinates": "exact", "seconds": round(time.perf_counter() - t0, 1)}
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    print(f"wrote {len(files)} files, {rows:,} rows, {len(distinct):,} distinct points in "
          f"{manifest['seconds']} s to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
