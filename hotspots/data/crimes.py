"""police.uk street-level crime CSVs: one file, a folder of months, or the bulk zip.

Crimes are placed in LSOAs by point-in-polygon against the boundaries in use, never by the
CSV's ``LSOA code`` alone: the CSV column follows police.uk's own boundary set and
anonymised snap points, and disagrees with the polygon for about 4% of rows in real files.

Accounting (every row lands in exactly one bucket of the LoadReport):
- kept;
- "missing coordinates": police.uk publishes "No location" rows with empty lon/lat;
- "invalid month": a ``Month`` that is not ``YYYY-MM``;
- "duplicate Crime ID": a non-empty ``Crime ID`` seen before (the first is kept). Anti-social
  behaviour rows carry no Crime ID; identical ASB rows are separate incidents at the same
  snap point and are all kept;
- "outside every LSOA": the point falls in no boundary polygon (cross-border crimes).

The table returned is a plain DataFrame with ``x``/``y`` in EPSG:27700 rather than a
GeoDataFrame of shapely points: five million Point objects cost about a gigabyte and
seconds to build, and nothing downstream needs them (``to_geodataframe`` makes one on demand).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import shapely

from ..categories import CATEGORIES
from ._tables import SAVE_AS_UTF8, first_bad_utf8, normalise
from .errors import DataError
from .report import LoadReport

__all__ = ["read_crimes", "collect_crime_files", "assign_lsoa", "to_geodataframe", "CRIME_COLUMNS"]

#: output column -> accepted header keys (normalised); police.uk's own header comes first
CRIME_COLUMNS: dict[str, tuple[str, ...]] = {
    "crime_id": ("crimeid", "id"),
    "month": ("month", "date"),
    "longitude": ("longitude", "lon", "lng"),
    "latitude": ("latitude", "lat"),
    "location": ("location", "street"),
    "lsoa_code_csv": ("lsoacode",),
    "crime_type": ("crimetype", "category", "type"),
}
REQUIRED = ("month", "longitude", "latitude", "crime_type")
_Source = tuple[str, Callable[[], bytes | str]]  # (display name, opener)


def collect_crime_files(paths: Iterable[str | Path]) -> list[_Source]:
    """Expand files, folders and zips into the street-crime CSVs they hold.

    In a police.uk bulk download a month folder holds ``-street``, ``-outcomes`` and
    ``-stop-and-search`` files; only ``-street`` files are crimes. Where no file is named
    that way every CSV is taken (a user's own extract).
    """
    sources: list[_Source] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            raise DataError(path, "crime file or folder not found", hint="check the path")
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".csv" and p.is_file())
            street = [p for p in files if p.stem.lower().endswith("-street")]
            chosen = street or files
            zips = sorted(p for p in path.rglob("*.zip"))
            if not chosen and not zips:
                raise DataError(path, "the folder holds no CSV files",
                                hint="point at the police.uk download folder (YYYY-MM/...-street.csv)")
            sources += [(str(p), (lambda p=p: str(p))) for p in chosen]
            for z in zips:
                sources += collect_crime_files([z])
        elif path.suffix.lower() == ".zip":
            try:
                zf = zipfile.ZipFile(path)
            except zipfile.BadZipFile:
                raise DataError(path, "not a readable zip file", hint="download it again from data.police.uk") from None
            names = sorted(n for n in zf.namelist() if n.lower().endswith(".csv"))
            street = [n for n in names if Path(n).stem.lower().endswith("-street")]
            chosen_names = street or names
            if not chosen_names:
                raise DataError(path, "the zip holds no CSV files", hint="download the street-level crime zip from data.police.uk")
            sources += [(f"{path}!{n}", (lambda n=n, path=path: zipfile.ZipFile(path).read(n))) for n in chosen_names]
        else:
            sources.append((str(path), (lambda p=path: str(p))))
    return sources


def _header_map(name: str, header: Sequence[str]) -> dict[str, str]:
    keys = {normalise(h): h for h in header}
    found: dict[str, str] = {}
    for out, aliases in CRIME_COLUMNS.items():
        for a in aliases:
            if a in keys:
                found[out] = keys[a]
                break
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        shown = ", ".join(repr(h) for h in header[:12])
        pretty = {"month": "Month", "longitude": "Longitude", "latitude": "Latitude", "crime_type": "Crime type"}
        raise DataError(name, f"not a police.uk street-crime CSV: no {', '.join(pretty[m] for m in missing)} column "
                        f"(the file has {shown})",
                        hint="use the '-street.csv' files from data.police.uk (columns Crime ID, Month, Longitude, "
                             "Latitude, Location, LSOA code, Crime type)", column=pretty[missing[0]])
    return found


def _read_one(name: str, opener: Callable[[], bytes | str]) -> pd.DataFrame:
    src = opener()
    raw: bytes | None = src if isinstance(src, bytes) else None
    if raw is None and Path(src).stat().st_size == 0 or raw is not None and len(raw) == 0:
        raise DataError(name, "the file is empty", hint="download the month again from data.police.uk")
    stream = pa.BufferReader(raw) if raw is not None else pa.OSFile(str(src))
    try:
        with stream:
            first = pacsv.open_csv(stream, read_options=pacsv.ReadOptions(block_size=1 << 16))
            header = first.schema.names
    except pa.ArrowInvalid as exc:
        _raise_arrow(name, raw if raw is not None else Path(src).read_bytes(), exc)
    header = [h.lstrip("\ufeff") for h in header]
    cols = _header_map(name, header)
    wanted = {v: k for k, v in cols.items()}
    str_type = pa.string()
    column_types = {h: str_type for h in wanted}
    column_types[cols["longitude"]] = pa.float64()
    column_types[cols["latitude"]] = pa.float64()
    try:
        table = pacsv.read_csv(
            pa.BufferReader(raw) if raw is not None else str(src),
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            convert_options=pacsv.ConvertOptions(
                include_columns=list(wanted), column_types=column_types,
                null_values=["", "NA", "N/A", "\\N"], strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        _raise_arrow(name, raw if raw is not None else Path(src).read_bytes(), exc, header=header)
    table = table.rename_columns([wanted[c] for c in table.column_names])
    df = table.to_pandas()
    return df


def _raise_arrow(name: str, raw: bytes, exc: Exception, header: Sequence[str] = ()) -> None:
    bad = first_bad_utf8(raw)
    if bad is not None:
        line, col, byte = bad
        raise DataError(name, f"the file is not UTF-8 text (byte 0x{byte:02X} at character {col})",
                        hint=SAVE_AS_UTF8, row=line) from None
    text = str(exc).splitlines()[0]
    if "float" in text or "double" in text or "conversion" in text.lower():
        bad_col = next((h for h in ("Longitude", "Latitude") if h in text), None)
        row = None
        try:  # find the first row whose lon/lat does not parse
            df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)
            for h in (bad_col,) if bad_col else ("Longitude", "Latitude"):
                if h in df:
                    vals = pd.to_numeric(df[h].replace({"": None, "\\N": None}), errors="coerce")
                    badrows = np.flatnonzero(vals.isna().to_numpy() & (df[h].str.strip() != "").to_numpy())
                    if len(badrows):
                        row, bad_col = int(badrows[0]) + 2, h
                        break
        except Exception:  # diagnostics only; fall back to the arrow message
            pass
        raise DataError(name, f"a coordinate is not a number ({text})",
                        hint="Longitude and Latitude must be decimal degrees or empty", row=row, column=bad_col) from None
    raise DataError(name, f"cannot parse the CSV ({text})",
                    hint="check the file is an unmodified police.uk CSV") from None


def assign_lsoa(x: np.ndarray, y: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Index of the polygon containing each point (-1 for none), by point-in-polygon.

    Points are de-duplicated first: police.uk snaps crimes to a limited set of anonymised
    points, so a year of a county's crime sits on a few tens of thousands of distinct
    coordinates. A point on a shared edge goes to the lowest polygon index (deterministic).
    """
    out = np.full(len(x), -1, dtype=np.int32)
    if len(x) == 0:
        return out
    xy = np.column_stack([x, y])
    uniq, inverse = np.unique(xy, axis=0, return_inverse=True)
    tree = shapely.STRtree(polygons)
    pts = shapely.points(uniq)
    pt_idx, poly_idx = tree.query(pts, predicate="intersects")
    hit = np.full(len(uniq), -1, dtype=np.int64)
    # reverse order so the smallest polygon index is written last and wins
    order = np.lexsort((-poly_idx, pt_idx))
    hit[pt_idx[order]] = poly_idx[order]
    out[:] = hit[inverse.ravel()]
    return out


def read_crimes(
    paths: Iterable[str | Path] | str | Path,
    boundaries: gpd.GeoDataFrame,
    *,
    progress: Callable[[str, float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """Read police.uk street CSVs and place each crime in an LSOA of ``boundaries``.

    Returns
    -------
    crimes : DataFrame with ``month`` ("YYYY-MM"), ``crime_type``, ``location``, ``lsoa_code_csv``,
        ``x``, ``y`` (EPSG:27700) and ``lsoa`` (row index into ``boundaries``).
    report : LoadReport; ``info`` has months, crime types and CSV/PIP LSOA agreement.
    """
    from pyproj import Transformer

    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    report = LoadReport(source=", ".join(str(p) for p in paths), kind="crimes")
    sources = collect_crime_files(paths)
    frames = []
    for k, (name, opener) in enumerate(sources):
        if cancel and cancel():
            from ..progress import Cancelled

            raise Cancelled()
        frames.append(_read_one(name, opener))
        report.files.append(name)
        if progress:
            progress(f"Reading {Path(name.split('!')[-1]).name}", 0.6 * (k + 1) / len(sources))
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    del frames
    report.rows_read = len(df)
    if len(df) == 0:
        raise DataError(report.source, "the crime files have a header but no rows",
                        hint="download the months again from data.police.uk")
    for c in ("crime_id", "location", "lsoa_code_csv"):
        if c not in df:
            df[c] = ""
    lon = df["longitude"].to_numpy(dtype=float, na_value=np.nan)
    lat = df["latitude"].to_numpy(dtype=float, na_value=np.nan)
    keep = ~(np.isnan(lon) | np.isnan(lat))
    report.drop("missing coordinates", int((~keep).sum()))

    month = df["month"].astype(str).str.strip().str.slice(0, 7)
    good_month = month.str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").to_numpy(dtype=bool, na_value=False)
    report.drop("invalid month", int((keep & ~good_month).sum()))
    keep &= good_month

    cid = df["crime_id"].astype(str).str.strip()
    has_id = (cid != "").to_numpy(dtype=bool) & keep
    dup = np.zeros(len(df), dtype=bool)
    if has_id.any():
        dup[has_id] = cid[has_id].duplicated(keep="first").to_numpy()
    report.drop("duplicate Crime ID", int(dup.sum()))
    keep &= ~dup

    x = np.full(len(df), np.nan)
    y = np.full(len(df), np.nan)
    t = Transformer.from_crs(4326, 27700, always_xy=True)
    x[keep], y[keep] = t.transform(lon[keep], lat[keep])
    if progress:
        progress("Placing crimes in LSOAs", 0.7)
    lsoa = np.full(len(df), -1, dtype=np.int32)
    lsoa[keep] = assign_lsoa(x[keep], y[keep], boundaries.geometry.values)
    inside = lsoa >= 0
    report.drop("outside every LSOA", int((keep & ~inside).sum()))
    keep &= inside
    n_kept = int(keep.sum())
    if n_kept == 0:
        with_xy = int((~(np.isnan(lon) | np.isnan(lat))).sum())
        hint = ("the crimes and the boundaries cover different areas: load the boundaries for the force area "
                "of these crimes (or the crimes for this area)")
        if with_xy:
            hint += f"; crime points span lon {np.nanmin(lon):.3f}..{np.nanmax(lon):.3f}, lat {np.nanmin(lat):.3f}..{np.nanmax(lat):.3f}"
        raise DataError(report.source, "no crime falls inside any LSOA of the boundary file", hint=hint)

    def _cat(series: pd.Series) -> pd.Categorical:
        return pd.Categorical(series[keep].astype(str).str.strip().to_numpy())

    out = pd.DataFrame({
        "month": pd.Categorical(month[keep].to_numpy()),
        "crime_type": _cat(df["crime_type"]),
        "location": _cat(df["location"]),
        "lsoa_code_csv": _cat(df["lsoa_code_csv"]),
        "x": x[keep],
        "y": y[keep],
        "lsoa": lsoa[keep],
    })
    report.rows_kept = n_kept
    report.check_balance()

    # --- what the analyst should know about these rows ----------------------------------
    codes = boundaries["lsoa_code"].to_numpy()
    csv_code = out["lsoa_code_csv"].astype(str).to_numpy()
    with_code = csv_code != ""
    agree = float((codes[out["lsoa"].to_numpy()][with_code] == csv_code[with_code]).mean()) if with_code.any() else float("nan")
    months = sorted(out["month"].cat.categories.astype(str))
    types = out["crime_type"].value_counts()
    unknown = [t for t in types.index if t not in CATEGORIES]
    if unknown:
        report.warn(f"{int(types[unknown].sum())} rows have crime types police.uk does not use: "
                    + ", ".join(repr(u) for u in unknown[:5]) + " (kept as they are)")
    asb = out["crime_type"].astype(str).eq("Anti-social behaviour")
    report.info.update({
        "files": len(sources),
        "months": months,
        "crime_types": {str(k): int(v) for k, v in types.items() if v},
        "asb_rows_kept": int(asb.sum()),
        "csv_lsoa_agreement": round(agree, 4) if agree == agree else None,
        "unique_points": int(len(np.unique(np.column_stack([out["x"], out["y"]]), axis=0))),
    })
    if agree == agree and agree < 0.9:
        report.warn(f"only {agree:.0%} of crimes fall in the LSOA their CSV names: are the boundaries the "
                    "right vintage (2011 vs 2021 codes)?")
    if progress:
        progress("Crimes loaded", 1.0)
    return out, report


def to_geodataframe(crimes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Crimes as a GeoDataFrame of points in EPSG:27700 (for exports and maps)."""
    return gpd.GeoDataFrame(crimes.drop(columns=["x", "y"]),
                            geometry=gpd.points_from_xy(crimes["x"], crimes["y"]), crs=27700)
