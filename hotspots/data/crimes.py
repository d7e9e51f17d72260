"""police.uk street-level crime CSVs: one file, a folder of months, or the bulk zip.

Crimes are placed in LSOAs by point-in-polygon against the boundaries in use, never by the
CSV's ``LSOA code`` alone: the CSV column follows police.uk's own boundary set and
anonymised snap points, and disagrees with the polygon for about 4% of rows in real files.

Accounting (every row lands in exactly one bucket of the LoadReport):
- kept;
- "malformed row (wrong number of fields)": a row with an extra or a missing comma (a
  hand-edited file); the first such line is named in a warning;
- "missing coordinates": police.uk publishes "No location" rows with empty lon/lat;
- "coordinates not longitude/latitude in degrees": values no longitude/latitude can take
  (when most rows are like that, or swapped, the file is refused with the reason instead);
- "invalid month": a ``Month`` that is not a month (Excel's ``Jan-21`` is read as 2021-01);
- "duplicate Crime ID": a non-empty ``Crime ID`` seen before (the first is kept). Anti-social
  behaviour rows carry no Crime ID; identical ASB rows are separate incidents at the same
  snap point and are all kept;
- "outside every LSOA": the point falls in no boundary polygon (cross-border crimes);
- "same month read twice (repeated file)": every row of a file recognised as a month already
  read (the same file twice, a download unpacked beside its zip; see ``_crime_repeats``).

Sources come from ``_crime_sources`` (each zip opened once, members bounded against zip bombs
and streamed when large); when the crimes and the boundaries hardly overlap the run is
refused naming both extents (``_crime_coverage``).

The table returned is a plain DataFrame with ``x``/``y`` in EPSG:27700 rather than a
GeoDataFrame of shapely points: five million Point objects cost about a gigabyte and
seconds to build, and nothing downstream needs them (``to_geodataframe`` makes one on demand).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..units.placement import assign_lsoa, project_to_bng
from ._crime_codes import Accumulator, CodedFile, code_table, duplicate_ids
from ._crime_coverage import check_coverage
from ._crime_csv import (
    CRIME_COLUMNS,
    FileNotes,
    check_coordinates,
    normalise_months,
    read_one,
    report_months,
    report_notes,
)
from ._crime_repeats import REASON, Repeats, likely_read, report_repeats
from ._crime_sources import ArchiveSet, Source
from .errors import DataError, disk_error
from .report import LoadReport

if TYPE_CHECKING:  # imported where a table is made: parsing the files needs neither (see load's early parse)
    import geopandas as gpd
    import pandas as pd

__all__ = ["read_crimes", "parse_crime_files", "ParsedCrimes", "collect_crime_files", "assign_lsoa", "to_geodataframe", "CRIME_COLUMNS"]

_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _street_only(names: list[str]) -> list[str]:
    """police.uk ``-street`` files when there are any (a bulk download also holds outcomes and
    stop-and-search), else every CSV (a user's own extract)."""
    street = [n for n in names if Path(n).stem.lower().endswith("-street")]
    return street or names


def collect_crime_files(paths: Iterable[str | Path], archives: ArchiveSet) -> list[Source]:
    """Expand files, folders and zips into the street-crime CSVs they hold.

    In a police.uk bulk download a month folder holds ``-street``, ``-outcomes`` and
    ``-stop-and-search`` files; only ``-street`` files are crimes. Where no file is named
    that way every CSV is taken (a user's own extract). Zips are opened once, in ``archives``.
    """
    sources: list[Source] = []
    for raw in paths:
        path = Path(raw)
        try:
            from ._input_file import require_input

            # a FIFO would hang the reader, a device read as "empty": refused before opening
            require_input(path, "crime", folder_ok=True, not_found="crime file or folder not found")
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".csv" and p.is_file())
                chosen = [Path(n) for n in _street_only([str(p) for p in files])]
                zips = sorted(p for p in path.rglob("*") if p.suffix.lower() == ".zip" and p.is_file())
                if not chosen and not zips:
                    raise DataError(path, "the folder holds no CSV files",
                                    hint="point at the police.uk download folder (YYYY-MM/...-street.csv)")
                sources += [_disk_source(p) for p in chosen]
                sources += collect_crime_files(zips, archives)
            elif path.suffix.lower() == ".zip":
                found = archives.members(str(path), archives.open_zip(path), street_only=_street_only)
                if not found:
                    raise DataError(path, "the zip holds no CSV files",
                                    hint="download the street-level crime zip from data.police.uk")
                sources += found
            elif path.suffix.lower() in (".csv", ".txt", ""):
                sources.append(_disk_source(path))
            else:
                kind = ("a boundary/GIS file" if path.suffix.lower() in (".geojson", ".json", ".gpkg", ".shp", ".kml")
                        else "a spreadsheet" if path.suffix.lower() in (".xlsx", ".xls", ".ods") else "not a CSV")
                raise DataError(path, f"expected police.uk street-crime CSVs but this is {kind}",
                                hint="pass the '-street.csv' files, their folder or the police.uk zip "
                                     "(save a spreadsheet as CSV UTF-8 first)")
        except OSError as exc:  # unreadable folder, a file gone while listing
            raise disk_error(path, exc, what="listing the crime files") from None
    return sources


def _disk_source(p: Path) -> Source:
    st = p.stat()
    return Source(name=str(p), size=int(st.st_size), basename=p.name.lower(), path=p,
                  identity=("file", st.st_dev, st.st_ino) if st.st_ino else ("file", str(p.resolve())))


def _drop_unused(cat: pd.Categorical) -> pd.Categorical:
    """``remove_unused_categories`` by bincount: one pass over the codes, no hashing."""
    import pandas as pd

    codes = np.asarray(cat.codes)
    used = np.bincount(codes[codes >= 0], minlength=len(cat.categories)) > 0
    if used.all():
        return cat
    remap = np.cumsum(used) - 1
    return pd.Categorical.from_codes(np.where(codes >= 0, remap[codes], -1), categories=cat.categories[used])


@dataclass
class ParsedCrimes:
    """Crime files read and coded, not yet placed in LSOAs (see :func:`parse_crime_files`)."""

    acc: Accumulator
    report: LoadReport
    sources: int
    malformed: int = 0
    repeated: int = 0  #: rows of files recognised as a month read twice (counted, not read again)


#: files parsed at once (Arrow's parser and the hashing release the GIL), and read ahead
_READERS = 2
_AHEAD = 2


def _read_source(src: Source, data: bytes | str | None = None) -> tuple[CodedFile, FileNotes]:
    """Parse and code one source (on a reader thread unless ``data`` is already at hand).

    Pure: shared state (dictionaries, repeats, the report) is updated by the caller in file
    order, so what comes out does not depend on which file finished first.
    """
    if data is None:
        try:
            with src.materialised() as data:
                return _read_source(src, data)
        except OSError as exc:  # a month deleted or moved between listing and reading
            raise disk_error(src.name, exc, what="reading") from None
    table, notes = read_one(src.name, lambda: data)
    return code_table(table), notes


def parse_crime_files(
    paths: Iterable[str | Path] | str | Path,
    *,
    progress: Callable[[str, float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ParsedCrimes:
    """First half of :func:`read_crimes`: read and code the CSVs; needs no boundaries.

    Split out so the pipeline can parse the crime files on a second thread while the
    boundaries load (both spend most of their time in C code that releases the GIL).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    paths = list(paths)
    report = LoadReport(source=", ".join(str(p) for p in paths), kind="crimes")
    acc = Accumulator()
    malformed = repeated_rows = 0
    with ArchiveSet() as archives, ThreadPoolExecutor(max_workers=_READERS) as pool:
        sources = collect_crime_files(paths, archives)
        repeats = Repeats(sources)
        ahead = likely_read(sources)
        reading: dict[int, Future] = {}
        try:
            for k, src in enumerate(sources):
                if cancel and cancel():
                    from ..progress import Cancelled

                    raise Cancelled()
                for j in range(k, min(k + _AHEAD + 1, len(sources))):  # the next files parse meanwhile
                    if ahead[j] and j not in reading:
                        reading[j] = pool.submit(_read_source, sources[j])
                future = reading.pop(k, None)
                rep = repeats.before_reading(src)
                coded: CodedFile | None = None
                try:
                    if future is None or rep is not None and rep.identical:
                        if future is not None:  # read ahead in vain: a repeat after all
                            future.cancel()
                        with src.materialised() as data:
                            if rep is None or not rep.identical:  # same name: identical content or not?
                                rep = repeats.after_reading(src, data) or rep
                            if rep is None or not rep.identical:
                                coded, notes = _read_source(src, data)
                    else:  # no content hash needed (no other source has its size): read ahead
                        coded, notes = future.result()
                except OSError as exc:  # a month deleted or moved between listing and reading
                    raise disk_error(src.name, exc, what="reading") from None
                if rep is not None:
                    rows = repeats.rows_of(rep.kept) if rep.identical else coded.rows + notes.malformed
                    repeated_rows += rows
                    repeats.record(rep)
                    continue
                repeats.keep(src, coded.rows + notes.malformed)
                acc.add_coded(coded, src.name)
                del coded
                report.files.append(src.name)
                report_notes(report, src.name, notes)
                malformed += notes.malformed
                if progress:
                    progress(f"Reading {Path(src.member or src.name).name}", 0.6 * (k + 1) / len(sources))
        finally:
            for f in reading.values():
                f.cancel()
    report_repeats(report, repeats, repeated_rows)
    return ParsedCrimes(acc=acc, report=report, sources=len(sources) - len(repeats.found), malformed=malformed,
                        repeated=repeated_rows)


def _point_keys(lon: np.ndarray, lat: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """One int64 per row of ``idx``: its longitude and latitude to the microdegree (police.uk
    writes six decimals), computed in place: a national year is five million rows, and each
    temporary array would cost 40 MB of fresh pages."""
    a = lon[idx]
    a *= 1e6
    np.round(a, out=a)
    key = a.astype(np.int64)
    key *= 1_000_000_000
    a = lat[idx]
    a *= 1e6
    np.round(a, out=a)
    key += a.astype(np.int64)
    return key


def _keys_counted(lon: np.ndarray, lat: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, int]:
    key = _point_keys(lon, lat, idx)
    return key, _distinct(key)


def _distinct(values: np.ndarray) -> int:
    """How many distinct values (a sort: 5M int64 in 0.1 s, where a hash table takes 1.5 s)."""
    s = np.sort(values)
    return int(len(s) and 1 + np.count_nonzero(s[1:] != s[:-1]))


def read_crimes(
    paths: Iterable[str | Path] | str | Path | ParsedCrimes,
    boundaries: gpd.GeoDataFrame,
    *,
    progress: Callable[[str, float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> tuple[pd.DataFrame, LoadReport]:
    """Read police.uk street CSVs and place each crime in an LSOA of ``boundaries``.

    ``paths`` may also be the result of :func:`parse_crime_files`.

    Returns
    -------
    crimes : DataFrame with ``month`` ("YYYY-MM"), ``crime_type``, ``location``, ``lsoa_code_csv``,
        ``x``, ``y`` (EPSG:27700) and ``lsoa`` (row index into ``boundaries``).
    report : LoadReport; ``info`` has months, crime types and CSV/PIP LSOA agreement.
    """
    import pandas as pd

    parsed = paths if isinstance(paths, ParsedCrimes) else parse_crime_files(paths, progress=progress,
                                                                              cancel=cancel)
    acc, report = parsed.acc, parsed.report
    sources = range(parsed.sources)
    cols = acc.finish()
    n = len(cols["longitude"])
    report.rows_read = n + parsed.malformed + parsed.repeated
    report.drop(REASON, parsed.repeated)
    if n == 0:
        raise DataError(report.source, "the crime files have a header but no rows",
                        hint="download the months again from data.police.uk")
    lon, lat = cols["longitude"], cols["latitude"]
    keep = ~(np.isnan(lon) | np.isnan(lat))
    report.drop("missing coordinates", int((~keep).sum()))
    keep &= ~check_coordinates(lon, lat, keep, report.source, report)

    month_values, reread = normalise_months(acc.values["month"])
    valid = np.array([bool(_MONTH.fullmatch(m)) for m in month_values], dtype=bool)
    good_month = valid[cols["month"]] if len(valid) else np.zeros(n, dtype=bool)
    report_months(acc, cols["month"], keep, good_month, reread, report)
    report.drop("invalid month", int((keep & ~good_month).sum()))
    keep &= good_month

    # repeated Crime IDs and the rows' point keys are found at once: each is a sort of millions
    # of values, and NumPy sorts without the GIL
    idx = np.flatnonzero(keep)
    with ThreadPoolExecutor(max_workers=1) as side:
        keyed = side.submit(_keys_counted, lon, lat, idx)
        dup = duplicate_ids(cols.pop("id_h1"), cols.pop("id_h2"), cols.pop("has_id") & keep)  # then freed
        key, n_distinct = keyed.result()
    report.drop("duplicate Crime ID", int(dup.sum()))
    if dup.any():  # the keys of the rows still kept (rare: a repeated download, re-issued IDs)
        keep &= ~dup
        still = ~dup[idx]
        idx, key = idx[still], key[still]
        n_distinct = _distinct(key)

    # project and place each distinct snap point once (police.uk reuses a few points a lot)
    exact = n_distinct > len(key) // 2  # exact coordinates: de-duplicating would cost more than it saves
    if exact:  # each kept row is its own point (pt_code would be 0, 1, 2, ...)
        first = idx
    else:
        pt_code, uniq_key = pd.factorize(key, sort=False)
        first = np.full(len(uniq_key), -1, dtype=np.int64)
        first[pt_code[::-1]] = idx[::-1]
    # on two threads (exact data has millions), in place in the fresh gathered arrays
    ux, uy = project_to_bng(lon[first], lat[first], overwrite=True)
    if progress:
        progress("Placing crimes in LSOAs", 0.7)
    u_lsoa = assign_lsoa(ux, uy, boundaries.geometry.values, unique=True)
    lsoa_kept = u_lsoa if exact else u_lsoa[pt_code]
    inside = lsoa_kept >= 0
    report.drop("outside every LSOA", int((~inside).sum()))
    rows = idx[inside]
    n_kept = len(rows)
    if not keep.any() and report.dropped.get("missing coordinates", 0) == n:
        raise DataError(report.source, f"none of the {n:,} crime rows has coordinates",
                        hint="police.uk 'No Location' rows cannot be mapped; check the Longitude/Latitude columns")
    # the distinct points kept, where some fell outside: a sort of millions (~0.3 s nationally,
    # without the GIL), worked out beside the table's build
    with ThreadPoolExecutor(max_workers=1) as side:  # (its thread starts only with a task)
        kept_points = side.submit(_distinct, key[inside]) if exact and not inside.all() else None
        check_coverage(report.source, lon, lat, keep, n_kept, lsoa_kept[inside], boundaries, report)

        def _cat(col: str) -> pd.Categorical:
            return pd.Categorical.from_codes(cols[col][rows], categories=pd.Index(acc.values[col], dtype=object))

        m_uniq, m_inv = np.unique(month_values, return_inverse=True)
        out = pd.DataFrame({
            "month": pd.Categorical.from_codes(m_inv[cols["month"][rows]], categories=pd.Index(m_uniq, dtype=object)),
            "crime_type": _cat("crime_type"),
            "location": _cat("location"),
            "lsoa_code_csv": _cat("lsoa_code_csv"),
            "x": ux[inside] if exact else ux[pt_code[inside]],
            "y": uy[inside] if exact else uy[pt_code[inside]],
            "lsoa": lsoa_kept[inside].astype(np.int32),
        }, copy=False)  # every column is a fresh array: no 80 MB copy consolidating x and y nationally
        cols.clear()
        for c in ("month", "crime_type", "location", "lsoa_code_csv"):
            out[c] = _drop_unused(out[c].array)
        report.rows_kept = n_kept
        report.check_balance()
        if not exact:  # a point is inside or not for all its rows
            n_unique_points = int(np.count_nonzero(np.bincount(pt_code[inside], minlength=len(uniq_key))))
        else:
            n_unique_points = n_distinct if kept_points is None else kept_points.result()

    from ._crime_info import describe

    describe(out, boundaries, report, files=len(sources), unique_points=n_unique_points)
    if progress:
        progress("Crimes loaded", 1.0)
    return out, report


def to_geodataframe(crimes: pd.DataFrame) -> gpd.GeoDataFrame:
    """Crimes as a GeoDataFrame of points in EPSG:27700 (for exports and maps)."""
    import geopandas as gpd

    return gpd.GeoDataFrame(crimes.drop(columns=["x", "y"]),
                            geometry=gpd.points_from_xy(crimes["x"], crimes["y"]), crs=27700)
