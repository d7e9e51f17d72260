"""Licensed premises (pubs, bars, nightclubs) as points in EPSG:27700.

The inquiry found that LSOAs with the most pubs also had the most violence against women
and girls, so pubs are counted per LSOA and drawn on the patrol map. Three sources turn up:

* **Open Pubs** (getthedata.com, from FSA hygiene ratings): a MySQL dump, with or without a
  header row, ``\\N`` for missing latitude/longitude, a bogus ``622675, -5527598`` easting/
  northing for postcodes it could not geocode (13% of Kent rows) and MySQL escapes in names
  (``The Ship \\\\& Trades``).
* **OpenStreetMap** GeoJSON from Overpass: points or building polygons, every amenity type
  if the query was loose.
* Any CSV with a name and latitude/longitude or easting/northing columns.

Rows without a usable location are dropped and counted; names keep their raw text apart from
the MySQL escapes (escaping for HTML or Excel is the exporters' job).
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..runtime.failures import is_out_of_memory
from ._gdal_path import gdal_safe_path
from ._tables import find_column, first_bad_utf8, normalise, points_to_bng, read_table
from .errors import DataError
from .report import LoadReport

__all__ = ["read_pubs", "OPEN_PUBS_COLUMNS", "PUB_AMENITIES", "clean_mysql_text"]

OPEN_PUBS_COLUMNS = ["fas_id", "name", "address", "postcode", "easting", "northing",
                     "latitude", "longitude", "local_authority"]
#: OSM ``amenity`` values that count as licensed premises for this tool.
PUB_AMENITIES = ("pub", "bar", "nightclub")
#: Open Pubs writes this easting/northing when the postcode could not be geocoded.
OPEN_PUBS_SENTINEL = (622675.0, -5527598.0)
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".fgb", ".kml")
NAME_ALIASES = ["name", "pub_name", "premises_name", "business_name", "businessname", "trading_name",
                "establishment", "premises"]
ADDRESS_ALIASES = ["address", "full_address", "addr", "address_line", "addressline1", "address1",
                   "addr:full", "street_address"]
POSTCODE_ALIASES = ["postcode", "post_code", "postal_code", "addr:postcode", "pcd", "pcds"]
_MYSQL_ESCAPE = re.compile(r"\\+([&'\"\\])")
_DROP_NOT_PUB = "not a pub, bar or nightclub"
_DROP_SENTINEL = "failed geocode (Open Pubs \\N / 622675,-5527598)"


def clean_mysql_text(values: pd.Series) -> pd.Series:
    """Undo MySQL dump escapes (``\\\\&`` -> ``&``, ``\\\\'`` -> ``'``) and trim whitespace."""
    return values.fillna("").astype(str).str.replace(_MYSQL_ESCAPE, r"\1", regex=True).str.strip()


def read_pubs(path: str | Path) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read pubs from Open Pubs CSV, OSM GeoJSON or any CSV with coordinates.

    Parameters
    ----------
    path : CSV/XLSX (Open Pubs with or without header, or lat/lon or easting/northing columns),
        or a GeoJSON/GeoPackage/shapefile (OSM points or polygons)

    Returns
    -------
    pubs : GeoDataFrame with ``name``, ``address``, ``postcode`` and Point ``geometry`` in
        EPSG:27700 (polygons become their representative point, which lies inside them)
    report : LoadReport; ``info["sharing_a_point"]`` counts pubs that share their location with
        another (Open Pubs geocodes to the postcode, so neighbours coincide; they are kept)

    Raises
    ------
    DataError
        Missing, empty or header-only file, no coordinate columns, non-UTF-8 text, an unreadable
        or empty vector file.
    """
    path = Path(path)
    report = LoadReport.for_path(path, "pubs")
    if path.suffix.lower() in VECTOR_SUFFIXES:
        df, x, y = _read_vector(path, report)
    else:
        df, x, y = _read_table(path, report)
    out = gpd.GeoDataFrame(
        {
            "name": df["name"].to_numpy(dtype=object),
            "address": df["address"].to_numpy(dtype=object),
            "postcode": df["postcode"].to_numpy(dtype=object),
        },
        geometry=gpd.points_from_xy(x, y),
        crs=27700,
    )
    if len(out) == 0:
        raise DataError(path, f"no pub has a usable location ({report.summary_line()})",
                        hint="check the coordinate columns (latitude/longitude in WGS84 or "
                             "easting/northing in British National Grid)")
    rounded = pd.DataFrame({"x": np.round(x, 1), "y": np.round(y, 1)})
    shared = rounded.duplicated(keep=False)
    report.rows_kept = len(out)
    report.info.update({
        "pubs": len(out),
        "sharing_a_point": int(shared.sum()),
        "shared_points": int(rounded[shared].drop_duplicates().shape[0]),
        "unnamed": int((out["name"] == "").sum()),
    })
    report.check_balance()
    return out, report


def _headerless_open_pubs(df: pd.DataFrame) -> bool:
    """The original Open Pubs dump has no header: 9 columns, the first 'name' is an id number."""
    return len(df.columns) == 9 and re.fullmatch(r"\d+", str(df.columns[0]).strip().strip('"')) is not None


def _read_table(path: Path, report: LoadReport) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    df = read_table(path, "pubs", header_hint=["name", "postcode", "latitude", "easting"], report=report)
    report.files = [str(path)]
    if _headerless_open_pubs(df):
        # Re-read so the first pub is data, not a header (pandas would also rename repeated
        # header cells such as two "\N"s). The bytes were already checked to be UTF-8.
        try:
            df = pd.read_csv(path, header=None, names=OPEN_PUBS_COLUMNS, dtype=str,
                             keep_default_na=False, encoding="utf-8-sig")
        except (pd.errors.ParserError, ValueError) as exc:
            raise DataError(path, f"cannot parse the Open Pubs file ({exc})",
                            hint="check the quoting and the number of commas on that line") from None
        report.info["format"] = "Open Pubs (no header)"
    report.rows_read = len(df)
    keep = np.ones(len(df), dtype=bool)

    amenity_c = find_column(df, ["amenity"], path, "amenity", required=False)
    _require_pub_columns(df, amenity_c, path)
    if amenity_c is not None:
        keep &= _amenity_filter(df[amenity_c], report)

    e_c = find_column(df, ["easting"], path, "easting", required=False)
    n_c = find_column(df, ["northing"], path, "northing", required=False)
    if e_c and n_c:
        e = pd.to_numeric(df[e_c].str.replace(",", "", regex=False), errors="coerce").to_numpy(float)
        n = pd.to_numeric(df[n_c].str.replace(",", "", regex=False), errors="coerce").to_numpy(float)
        sentinel = keep & (e == OPEN_PUBS_SENTINEL[0]) & (n == OPEN_PUBS_SENTINEL[1])
        report.drop(_DROP_SENTINEL, int(sentinel.sum()))
        keep &= ~sentinel
        report.info.setdefault("format", "Open Pubs" if "fasid" in {normalise(c) for c in df.columns}
                               else "CSV with coordinates")
    report.info.setdefault("format", "CSV with coordinates")

    sub = df[keep].reset_index(drop=True)
    x, y, ok = points_to_bng(sub, path, report, "pubs")
    sub = sub[ok].reset_index(drop=True)
    x, y = x[ok], y[ok]

    out = pd.DataFrame(index=sub.index)
    for field, aliases in (("name", NAME_ALIASES), ("address", ADDRESS_ALIASES),
                           ("postcode", POSTCODE_ALIASES)):
        col = find_column(sub, aliases, path, field, required=False)
        out[field] = clean_mysql_text(sub[col]) if col else ""
        out[field] = out[field].mask(out[field].isin(["\\N", "NULL"]), "")
        if col is None:
            report.warn(f"no {field} column; pubs are kept with an empty {field}")
    out["postcode"] = out["postcode"].str.upper()
    return out, x, y


def _require_pub_columns(df: pd.DataFrame, amenity_c: str | None, path: Path) -> None:
    """A pubs layer needs a name (or an OSM amenity) column.

    Without this, a police.uk crime CSV or an LSOA boundary file (both have coordinates)
    would load as thousands of "pubs" and quietly skew every per-LSOA pub count.
    """
    if amenity_c is None and find_column(df, NAME_ALIASES, path, "name", required=False) is None:
        shown = ", ".join(repr(c) for c in list(df.columns)[:15])
        raise DataError(path, f"no pub name column (the file has {shown}); is this a pubs file?",
                        hint="use Open Pubs, an OSM export of amenity=pub, or a CSV with a 'name' "
                             "column and coordinates", column="name")


def _amenity_filter(amenity: pd.Series, report: LoadReport) -> np.ndarray:
    value = amenity.fillna("").astype(str).str.strip().str.lower()
    ok = value.isin(PUB_AMENITIES).to_numpy()
    if (~ok).any():
        others = value[~ok].replace("", "(blank)").value_counts().head(5)
        report.info["other_amenities"] = {str(k): int(v) for k, v in others.items()}
    report.drop(_DROP_NOT_PUB, int((~ok).sum()))
    return ok


def _read_vector(path: Path, report: LoadReport) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    if not path.exists():
        raise DataError(path, "pubs file not found", hint="check the path")
    if path.is_dir():
        raise DataError(path, "expected a pubs file but this is a folder", hint="pick the file itself")
    if path.stat().st_size == 0:
        raise DataError(path, "the file is empty", hint="export the pubs again")
    if path.suffix.lower() in (".geojson", ".json"):
        bad = first_bad_utf8(path.read_bytes())
        if bad is not None:
            line, col, byte = bad
            raise DataError(path, f"the file is not UTF-8 text (byte 0x{byte:02X} at character {col})",
                            hint="save the GeoJSON as UTF-8 (GeoJSON must be UTF-8)", row=line)
    report.files = [str(path)]
    try:
        import pyogrio

        if path.suffix.lower() == ".zip":
            gdf = pyogrio.read_dataframe(f"/vsizip/{path}")
        else:
            with gdal_safe_path(path) as src:
                gdf = pyogrio.read_dataframe(src)
    except Exception as exc:  # pyogrio raises several types for unreadable input
        if is_out_of_memory(exc):  # the machine, not the file (hotspots.runtime.failures)
            raise
        raise DataError(path, f"cannot read the pubs file ({str(exc).splitlines()[0]})",
                        hint="export the pubs as GeoJSON (e.g. from overpass-turbo) or as a CSV") from None
    report.rows_read = len(gdf)
    if len(gdf) == 0:
        raise DataError(path, "the file has no features", hint="check the query that made the export")
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataError(path, "the file has no geometry", hint="export points or polygons of the pubs")
    report.info["format"] = "vector (OSM or GIS export)"
    keep = np.ones(len(gdf), dtype=bool)
    amenity_c = find_column(gdf.drop(columns=gdf.geometry.name), ["amenity"], path, "amenity",
                            required=False)
    _require_pub_columns(gdf.drop(columns=gdf.geometry.name), amenity_c, path)
    if amenity_c is not None:
        keep &= _amenity_filter(gdf[amenity_c], report)
    geom = gdf.geometry.values
    empty = keep & (pd.isna(geom) | shapely.is_empty(geom))
    report.drop("no geometry", int(empty.sum()))
    keep &= ~empty
    gdf = gdf[keep]
    if gdf.crs is None:
        raise DataError(path, "the file has no coordinate reference system",
                        hint="save it again with the CRS set (EPSG:4326 for OSM)")
    gdf = gdf.to_crs(27700)
    pts = shapely.point_on_surface(gdf.geometry.values)
    x, y = shapely.get_x(pts), shapely.get_y(pts)
    inside = (x >= -10_000) & (x <= 700_000) & (y >= -10_000) & (y <= 1_300_000)
    report.drop("coordinates outside Great Britain", int((~inside).sum()))
    gdf, x, y = gdf[inside], x[inside], y[inside]
    report.info["polygons_to_points"] = int(np.isin(shapely.get_type_id(gdf.geometry.values), [3, 6]).sum())

    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True)
    out = pd.DataFrame(index=attrs.index)
    for field, aliases in (("name", NAME_ALIASES), ("postcode", POSTCODE_ALIASES)):
        col = find_column(attrs, aliases, path, field, required=False)
        out[field] = clean_mysql_text(attrs[col]) if col else ""
    out["postcode"] = out["postcode"].str.upper()
    out["address"] = _osm_address(attrs, path)
    return out, np.asarray(x, float), np.asarray(y, float)


def _osm_address(attrs: pd.DataFrame, path: Path) -> pd.Series:
    """A one-line address: a full address column, else OSM ``addr:*`` parts joined."""
    col = find_column(attrs, ADDRESS_ALIASES, path, "address", required=False)
    if col is not None:
        return clean_mysql_text(attrs[col])

    def part(*keys: str) -> pd.Series:
        c = find_column(attrs, list(keys), path, "address", required=False)
        return clean_mysql_text(attrs[c]) if c is not None else pd.Series("", index=attrs.index)

    line1 = (part("addr:housenumber") + " " + part("addr:street")).str.strip()
    place = part("addr:city", "addr:town", "addr:place")
    sep = pd.Series(np.where((line1 != "") & (place != ""), ", ", ""), index=attrs.index)
    return line1 + sep + place


