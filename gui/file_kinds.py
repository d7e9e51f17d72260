"""Guess which layer a dropped file is, from its name, extension and first line.

People drag whatever they downloaded onto the window: police.uk monthly CSVs or the bulk zip,
ONS boundary GeoJSON/GPKG/shapefiles, the MHCLG deprivation file, Open Pubs. A confident guess
saves a dialog; an unsure one returns ``None`` with the reason, and the window asks. Only the
header line (or the zip's file list, or a vector file's geometry type) is read.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

__all__ = ["Guess", "guess_kind", "group_paths", "VECTOR_EXT", "TABLE_EXT"]

VECTOR_EXT = {".geojson", ".json", ".gpkg", ".shp"}
TABLE_EXT = {".csv", ".txt", ".xlsx", ".xlsm"}
_STREET = re.compile(r"-street\.csv$", re.I)


class Guess(NamedTuple):
    """``kind`` is a :data:`hotspots.study.LAYER_KINDS` key (or "study"), None when unsure."""

    kind: str | None
    reason: str


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _headers(path: Path) -> list[list[str]]:
    """The first row of a CSV, or of every sheet of a workbook (IMD files open on a notes sheet)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        from hotspots.data._input_file import check_inflated_size

        check_inflated_size(path, "table")  # a zip bomb's shared strings would be inflated whole

        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            rows = [next(ws.iter_rows(max_row=1, values_only=True), ()) for ws in wb.worksheets[:6]]
        finally:
            wb.close()
        return [[str(c) for c in row if c is not None] for row in rows]
    with open(path, "rb") as fh:
        raw = fh.read(8192)
    text = raw.decode("utf-8-sig", errors="replace").splitlines()
    return [next(csv.reader(io.StringIO(text[0])))] if text else [[]]


def _from_header(cols: list[str], name: str) -> Guess:
    n = {_norm(c) for c in cols}
    joined = " ".join(sorted(n))
    if {"crimetype", "month"} <= n or "crimeid" in n:
        return Guess("crimes", "police.uk columns (Month, Crime type)")
    if "indexofmultipledeprivation" in joined or "imddecile" in joined or "imdrank" in joined \
            or "imdscore" in joined:
        return Guess("imd", "deprivation columns (IMD rank/decile)")
    if any(k in joined for k in ("totalpopulation", "allusualresidents", "allages", "usualresidents")) \
            or ("population" in n and any(c.startswith("lsoa") for c in n)):
        return Guess("population", "population per LSOA columns")
    if "streetsafe" in name or any(k in n for k in ("reasons", "reasonsselected", "whyunsafe", "concerns")):
        return Guess("streetsafe", "StreetSafe report columns (reasons)")
    if "pub" in name or "fasid" in n or "amenity" in n:
        return Guess("pubs", "pub/licensed premises columns")
    return Guess(None, f"columns not recognised ({', '.join(cols[:6])}{'...' if len(cols) > 6 else ''})")


def _vector_kind(path: str, name: str) -> Guess:
    try:
        from pyogrio import read_info

        gtype = str(read_info(path).get("geometry_type") or "")
        if gtype in ("", "Unknown"):  # mixed Polygon/MultiPolygon: look at a few features
            from pyogrio import read_dataframe

            gtype = ",".join(sorted(set(read_dataframe(path, max_features=20).geom_type.dropna())))
    except Exception as exc:  # unreadable: let the reader give the proper error later
        return Guess(None, f"could not read the geometry type ({exc})")
    if "Polygon" in gtype:
        return Guess("boundaries", f"{gtype} features")
    if "Point" in gtype:
        if "streetsafe" in name:
            return Guess("streetsafe", "point features named StreetSafe")
        if "pub" in name or "bar" in name or "osm" in name:
            return Guess("pubs", "point features named pubs")
        return Guess(None, "point features: pubs or StreetSafe?")
    return Guess(None, f"{gtype or 'unknown'} geometry")


def guess_kind(path: str | Path) -> Guess:
    """The layer kind of ``path``, or ``Guess(None, reason)`` when unsure."""
    p = Path(path)
    name = p.name.lower()
    if p.is_dir():
        files = [f.name for f in p.rglob("*") if f.is_file()]
        if any(_STREET.search(f) for f in files):
            return Guess("crimes", "a folder of police.uk street CSVs")
        if any(f.lower().endswith(".shp") for f in files):
            return Guess("boundaries", "a folder with a shapefile")
        return Guess(None, "a folder with no police.uk street CSVs")
    if not p.is_file():  # a FIFO or a device: opening it to look would wait for ever
        return Guess(None, "not a regular file (a named pipe, a device, or gone)")
    suffix = p.suffix.lower()
    if _STREET.search(name):
        return Guess("crimes", "a police.uk street CSV (-street.csv)")
    if suffix == ".zip":
        try:
            with zipfile.ZipFile(p) as zf:
                names = [n.lower() for n in zf.namelist()]
        except zipfile.BadZipFile:
            return Guess(None, "not a readable zip file")
        if any(_STREET.search(n) for n in names):
            return Guess("crimes", "a police.uk bulk download zip")
        if any(n.endswith((".shp", ".gpkg", ".geojson")) for n in names):
            return Guess("boundaries", "a zip of boundary files")
        return Guess(None, "a zip with no street CSVs or boundary files")
    if suffix in VECTOR_EXT:
        return _vector_kind(str(p), name)
    if suffix in TABLE_EXT:
        try:
            headers = _headers(p)
        except Exception as exc:
            return Guess(None, f"could not read the first line ({exc})")
        guesses = [_from_header(cols, name) for cols in headers]
        return next((g for g in guesses if g.kind), guesses[0] if guesses else Guess(None, "empty file"))
    if suffix in (".hotspots",):
        return Guess("study", "a saved hotspots study")
    return Guess(None, f"unknown file type '{suffix or p.name}'")


def group_paths(kinds: dict[str, str]) -> dict[str, str | list[str]]:
    """path -> kind into kind -> path (crimes -> list of paths; other kinds keep the last one)."""
    out: dict[str, str | list[str]] = {}
    for path, kind in kinds.items():
        if kind == "crimes":
            out.setdefault("crimes", [])
            out["crimes"].append(path)  # type: ignore[union-attr]
        else:
            out[kind] = path
    return out
