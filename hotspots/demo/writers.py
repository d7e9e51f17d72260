"""Writers: the demo's files in the real formats, each one written atomically.

Each writer reproduces the quirks of the format it imitates (a UTF-8 BOM, CRLF and quoted
"12,345" ranks in the IoD table; MySQL ``\\N`` nulls in Open Pubs) so the demo exercises the
same readers as real data, and each writes under a temporary name and renames, so the GUI
never loads half a file.
"""

from __future__ import annotations

__all__ = ["csv_text", "atomic_write", "write_boundaries", "imd_csv", "pubs_csv", "readme"]

import csv
import io
import os
from pathlib import Path

import numpy as np

from .plan import FORCE, X0, Y0, YEAR
from .town import Town, to_lonlat

# IoD2025 IMD score at the 0th, 10th, ..., 100th percentile of England's 33,755 LSOAs: turns a
# demo score into a plausible national rank and decile.
_IMD_QUANTILES = [0.165, 5.462, 8.379, 11.135, 14.140, 17.450, 21.539, 26.604, 33.510, 44.912, 94.223]
_N_LSOA21 = 33_755


def csv_text(rows: list[list[str]], header: list[str], newline: str = "\n") -> str:
    """Rows as CSV text with a header, quoting only where the csv module must."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def atomic_write(path: Path, data: bytes) -> None:
    """Write next to the target, then rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_boundaries(path: Path, town: Town) -> None:
    """The LSOAs as an ONS-style GeoPackage (layer ``lsoa``, ``LSOA21CD``/``LSOA21NM``, EPSG:27700)."""
    import geopandas as gpd
    import pyogrio

    gdf = gpd.GeoDataFrame({"LSOA21CD": town.code.astype(str), "LSOA21NM": town.name.astype(str)},
                           geometry=town.geoms, crs="EPSG:27700")
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.gpkg")
    before = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    try:
        tmp.unlink(missing_ok=True)
        # A fixed GeoPackage timestamp makes the file byte-identical too (no git churn).
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": f"{YEAR + 1}-01-01T00:00:00.000Z"})
        pyogrio.write_dataframe(gdf, tmp, layer="lsoa", driver="GPKG")
        os.replace(tmp, path)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": before})
        tmp.unlink(missing_ok=True)


def imd_csv(town: Town) -> bytes:
    """IoD-style File 1 with MHCLG headers, quoted "12,345" ranks, CRLF and a UTF-8 BOM."""
    share_below = np.interp(town.score, _IMD_QUANTILES, np.linspace(0, 1, 11))
    rank = np.rint(_N_LSOA21 - share_below * (_N_LSOA21 - 1)).astype(int)
    order = np.argsort(-town.score, kind="stable")
    for a, b in zip(order[:-1], order[1:], strict=True):  # national ranks are unique
        rank[b] = max(rank[b], rank[a] + 1)
    decile = np.minimum(10, (rank - 1) * 10 // _N_LSOA21 + 1)
    header = ["LSOA code (2021)", "LSOA name (2021)", "Local Authority District code (2024)",
              "Local Authority District name (2024)", "Index of Multiple Deprivation (IMD) Score",
              "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
              "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"]
    rows = [[c, n, "E07900001", "Demoton", f"{s:.3f}", f"{r:,}", str(d)]
            for c, n, s, r, d in zip(town.code, town.name, town.score, rank, decile, strict=True)]
    return ("\ufeff" + csv_text(rows, header, "\r\n")).encode("utf-8")


def pubs_csv(pubs: list[dict]) -> bytes:
    """Open Pubs layout: every field quoted, MySQL ``\\N`` for null, the failed-geocode sentinel."""
    lines = ["fas_id,name,address,postcode,easting,northing,latitude,longitude,local_authority"]
    for k, p in enumerate(pubs):
        if p["x"] is None:
            e, n, lat, lon = '"622675"', '"-5527598"', "\\N", "\\N"
        else:
            lo, la = to_lonlat(np.array([p["x"]]), np.array([p["y"]]))
            e, n = f'"{int(round(p["x"]))}"', f'"{int(round(p["y"]))}"'
            lat, lon = f'"{la[0]:.6f}"', f'"{lo[0]:.6f}"'
        fields = [f'"{900_101 + 7 * k}"', f'"{p["name"]}"', f'"{p["address"]}"', f'"{p["postcode"]}"']
        lines.append(",".join(fields + [e, n, lat, lon, '"Demoton"']))
    return ("\n".join(lines) + "\n").encode("utf-8")


def readme(seed: int, n_lsoa: int, n_crimes: int, n_reports: int) -> str:
    """The folder's README: says loudly that the data are synthetic, and what was planted.

    The text is part of the committed ``gis_data/demo`` that ``tests/test_demo.py`` compares
    byte for byte with a fresh generation: change it only together with a regeneration.
    """
    return f"""# Demoton: SYNTHETIC demo data - not real crimes, not real places

**Everything in this folder is invented.** It was generated by `hotspots demo` (that is,
`python -m hotspots.demo --out gis_data/demo --seed {seed}`; code in `hotspots/demo/`).
The same seed gives byte-identical CSV files. Do not use it for any decision about a real
place: Demoton, its streets, its pubs, its people and its crimes do not exist.

The town is drawn on open land on Salisbury Plain (Wiltshire, around British National Grid
{X0:.0f} E, {Y0:.0f} N) only so that a basemap shows countryside underneath; it has nothing to
do with any real settlement there. LSOA codes are `E0190xxxx` (outside the ONS code ranges),
names are `Demoton 001A`..., postcodes use the non-existent `DM` area, the force is the
"{FORCE}".

## Files (all in the real formats, quirks included, so the real readers are exercised)

| file | format | contents |
| --- | --- | --- |
| `boundaries.gpkg` | GeoPackage, layer `lsoa`, EPSG:27700 | {n_lsoa} LSOA-like polygons (`LSOA21CD`, `LSOA21NM`): a clipped Voronoi tiling with exactly shared, generalised-looking edges; small in the centre, large in the rural fringe |
| `crime/{YEAR}-MM/{YEAR}-MM-demo-street.csv` | police.uk street-level CSV, bulk-download folder layout | {n_crimes:,} rows over 12 months, all 14 police.uk categories in Kent-like proportions. ASB rows have no Crime ID (and identical ASB rows at one snap point in one month are separate incidents); other rows carry 64-hex IDs; about 1 % have no location (`No Location`, no coordinates, no LSOA); points sit on snap points ("On or near ..."); about 3 % carry a neighbouring LSOA's code, as police.uk anonymisation does |
| `imd.csv` | IoD2025 File 1/7 style (MHCLG headers, UTF-8 BOM, CRLF, ranks like `"12,345"`) | a fictional IMD score, national rank and decile per LSOA |
| `pubs.csv` | Open Pubs (getthedata.com) CSV | 40 licensed premises; two rows are un-geocoded (`\\N` latitude/longitude, sentinel easting/northing `622675,-5527598`); one venue is listed under two names at one address; one name has the literal `\\\\&` of the real file |
| `streetsafe.csv` | `id,date,latitude,longitude,reasons,comment` | {n_reports} reports of feeling unsafe in {YEAR}; `reasons` are `;`-separated StreetSafe labels |
| `population.csv` | `lsoa_code,population` | 1,200-2,500 residents per LSOA |

## Planted patterns (what the analysis should find)

- **Night-time-economy hot spot.** Violence and sexual offences, public order and theft from
  the person concentrate around the pubs on High Street, Market Square, Castle Street and Wharf
  Street, in deprived central LSOAs: Local Moran's I finds a High-High cluster and Gi* hot
  spots there, and it becomes the top patrol zone.
- **Deprived estate.** A smaller cluster (violence, ASB, criminal damage, drugs) around the
  Moorfield estate (Moorfield Road, Heron Way, Kestrel Parade) about 3 km south-east of the
  centre, the most deprived part of the town: the second patrol zone.
- **Fear without recorded crime.** Station Approach, the pedestrian subway, Riverside Walk
  and Park Lane (about 1.5 km west of the centre) draw many StreetSafe reports (badly lit,
  empty or isolated, being followed) while recorded crime there is *below* the town's
  background: the case the tool must surface because most victims never report.
- Background crime follows population and deprivation, lower in the countryside; monthly
  totals vary mildly with a summer peak.

## Traps for the exporters

`streetsafe.csv` holds one comment `<script>alert(1)</script>` (HTML/map popups must escape
it) and one starting `=HYPERLINK(` (CSV/XLSX exports must not let it run as a formula).

## Licence

Generated by code released under the project's MIT licence. The data are synthetic and contain
no real records, so no Open Government Licence attribution applies to them; you may use,
copy and modify them freely.
"""
