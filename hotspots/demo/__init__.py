"""Demoton: a synthetic demo study written in the real file formats.

The desktop app opens a study on first start and ``hotspots analyse --demo`` needs inputs
that work offline, so this package writes a small fictional town ("Demoton") whose files
look like the real ones (ONS boundaries, police.uk monthly CSVs, MHCLG IoD tables, Open
Pubs, StreetSafe exports) *including their quirks*, so the demo exercises the same readers
as real data. The town carries planted patterns with known answers: a night-time-economy
hot spot, a smaller deprived-estate cluster, and a park/underpass where people report
feeling unsafe but little crime is recorded. Every number comes from
``np.random.default_rng`` streams spawned from one seed, so a seed gives byte-identical
CSVs (and the same polygons).

Nothing here is real: codes are ``E0190xxxx`` (outside the ONS ranges), postcodes use the
non-existent ``DM`` area, and the town sits on open land on Salisbury Plain only so that a
basemap shows countryside under it.

Layout: :mod:`.plan` (the fixed numbers and places), :mod:`.town` (boundaries, names,
deprivation, population), :mod:`.places` (snap points, pubs), :mod:`.events` (crimes,
StreetSafe reports) and :mod:`.writers` (the files, each written atomically); this module
strings them together and is the public face (``python -m hotspots.demo`` runs :func:`main`).
"""

from __future__ import annotations

__all__ = ["generate_demo", "demo_files", "main", "DEFAULT_SEED", "DEFAULT_DIR", "CRIME_TYPES",
           "STREETSAFE_REASONS", "POLICE_UK_COLUMNS"]

import argparse
from pathlib import Path

import numpy as np

from . import events, places, writers
from .plan import CRIME_TYPES, POLICE_UK_COLUMNS, STREETSAFE_REASONS
from .town import build_town

DEFAULT_SEED = 20260101
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "gis_data" / "demo"


def demo_files(folder: str | Path = DEFAULT_DIR) -> dict[str, Path]:
    """Where each input of the demo study lives inside ``folder`` (what ``--demo`` loads)."""
    folder = Path(folder)
    return {"boundaries": folder / "boundaries.gpkg", "crimes": folder / "crime", "imd": folder / "imd.csv",
            "pubs": folder / "pubs.csv", "streetsafe": folder / "streetsafe.csv",
            "population": folder / "population.csv"}


def generate_demo(out_dir: Path, seed: int = DEFAULT_SEED) -> Path:
    """Write the synthetic Demoton study into ``out_dir`` and return ``out_dir``.

    Parameters
    ----------
    out_dir : folder to write (created if needed); existing demo files are replaced one by
        one, each atomically (temporary name in the same folder, then ``os.replace``).
    seed : the only source of randomness; the same seed gives byte-identical CSVs and the
        same polygons, so tests and screenshots can rely on the demo's answers.

    Notes
    -----
    Each component draws from its own child stream of ``np.random.SeedSequence(seed)``, so
    changing, say, the StreetSafe generator does not move the boundaries or the crimes.
    """
    out_dir = Path(out_dir)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    town = build_town(streams[0])
    snaps = places.snap_points(town, streams[1])
    pubs = places.pubs(town, streams[2])
    months = events.crimes(town, snaps, pubs, streams[3])
    reports = events.streetsafe(town, snaps, streams[4])

    out_dir.mkdir(parents=True, exist_ok=True)
    files = demo_files(out_dir)
    writers.write_boundaries(files["boundaries"], town)
    for month, rows in months.items():
        writers.atomic_write(files["crimes"] / month / f"{month}-demo-street.csv",
                             writers.csv_text(rows, POLICE_UK_COLUMNS).encode("utf-8"))
    writers.atomic_write(files["imd"], writers.imd_csv(town))
    writers.atomic_write(files["pubs"], writers.pubs_csv(pubs))
    writers.atomic_write(files["streetsafe"], writers.csv_text(reports, ["id", "date", "latitude", "longitude",
                                                                         "reasons", "comment"]).encode("utf-8"))
    writers.atomic_write(files["population"],
                         writers.csv_text([[c, str(p)] for c, p in zip(town.code, town.population, strict=True)],
                                          ["lsoa_code", "population"]).encode("utf-8"))
    n_crimes = sum(len(r) for r in months.values())
    writers.atomic_write(out_dir / "README.md",
                         writers.readme(seed, len(town.code), n_crimes, len(reports)).encode("utf-8"))
    return out_dir


def main(argv: list[str] | None = None) -> int:
    """``python -m hotspots.demo --out DIR --seed N``: write the demo study, print where."""
    parser = argparse.ArgumentParser(prog="hotspots demo",
                                     description="Write the synthetic Demoton demo study (not real data).")
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help=f"output folder (default {DEFAULT_DIR})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    args = parser.parse_args(argv)
    out = generate_demo(args.out, seed=args.seed)
    print(out)
    return 0
