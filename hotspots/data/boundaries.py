"""ONS LSOA boundaries: GeoJSON, GeoPackage, shapefile (also zipped), in WGS84 or BNG.

Returns polygons in EPSG:27700 with ``lsoa_code``, ``lsoa_name`` and ``area_km2`` (and ``lad_code`` /
``lad_name`` when the file has local authority columns: :mod:`hotspots.data.districts`).
Generalised ONS files (BGC/BSC) contain self-intersecting rings; those are repaired with
``shapely.make_valid`` and counted, because an invalid polygon silently loses points in
point-in-polygon and breaks dissolves later on.
"""

from __future__ import annotations

import contextlib
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..runtime.failures import is_out_of_memory
from ._gdal_path import gdal_safe_path
from ._tables import normalise, to_bng
from .districts import lad_columns
from .errors import DataError
from .report import LoadReport

__all__ = ["read_boundaries", "CODE_ALIASES", "NAME_ALIASES"]

CODE_ALIASES = ["LSOA21CD", "LSOA11CD", "lsoa21cd", "lsoa11cd", "lsoa_code", "lsoacode", "LSOA code",
                "code", "geo_code", "areacode", "id"]
NAME_ALIASES = ["LSOA21NM", "LSOA11NM", "lsoa_name", "lsoaname", "LSOA name", "name", "geo_label"]
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".kml")


def _resolve(path: Path, report: LoadReport) -> str:
    """The pyogrio path to read: the file itself, or the LSOA vector file inside a zip.

    A zip may hold several datasets (LSOAs and districts, or two vintages). The one with
    polygons and an LSOA code column is read; when several qualify the choice is the user's,
    so it is an error that lists them rather than a silent pick.
    """
    if path.suffix.lower() != ".zip":
        return str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if n.lower().endswith(VECTOR_SUFFIXES)
                     and not Path(n).name.startswith(("._", "."))]  # macOS resource forks
    except zipfile.BadZipFile:
        raise DataError(path, "not a readable zip file", hint="download the boundaries again") from None
    if not names:
        raise DataError(path, "the zip holds no .shp, .gpkg or .geojson file",
                        hint="download the LSOA boundaries from the ONS Open Geography Portal")
    names.sort(key=lambda n: (not n.lower().endswith(".shp"), n))
    if len(names) == 1:
        return f"/vsizip/{path}/{names[0]}"
    lsoa = [n for n in names if _has_lsoa_layer(f"/vsizip/{path}/{n}")]
    if len(lsoa) > 1:
        raise DataError(path, f"the zip holds {len(lsoa)} LSOA boundary files ({', '.join(lsoa[:6])}), "
                              "so which to use is unclear",
                        hint="unzip it and pass the one file you want to --boundaries")
    chosen = lsoa[0] if lsoa else names[0]
    report.info["zip_member"] = chosen
    others = [n for n in names if n != chosen]
    report.warn(f"the zip holds {len(names)} GIS files; read {chosen} (the one with LSOA codes), "
                f"ignored {', '.join(others[:5])}")
    return f"/vsizip/{path}/{chosen}"


def _has_lsoa_layer(src: str) -> bool:
    """Whether ``src`` has a (polygon or untyped) layer with an LSOA code column."""
    import pyogrio

    keys = {normalise(a) for a in CODE_ALIASES}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, gtype in pyogrio.list_layers(src):
                if gtype is None or ("polygon" not in str(gtype).lower() and str(gtype) != "Unknown"):
                    continue  # a table, points or lines (KML layers report "Unknown")
                if any(normalise(f) in keys for f in pyogrio.read_info(src, layer=name)["fields"]):
                    return True
    except Exception:  # unreadable member: not a candidate
        return False
    return False


def _pick_layer(src: str) -> str | int:
    """In a multi-layer file (a GeoPackage of several layers), the first polygon layer with an
    LSOA code column; otherwise the first layer."""
    import pyogrio

    try:
        layers = pyogrio.list_layers(src)
    except Exception:  # single-layer formats and odd drivers: let read_dataframe report
        return 0
    if len(layers) <= 1:
        return 0
    keys = {normalise(a) for a in CODE_ALIASES}
    for name, gtype in layers:
        if gtype is None or "polygon" not in str(gtype).lower():
            continue
        fields = pyogrio.read_info(src, layer=name)["fields"]
        if any(normalise(f) in keys for f in fields):
            return str(name)
    return 0


def _looks_like(bounds: np.ndarray) -> str:
    """What the coordinates are, judged from their extent: ``lonlat``, ``latlon`` (axes
    swapped: every point written latitude first), ``bng`` (metres) or ``unknown``.

    Swapped degrees fall inside the British National Grid's numeric range too (51, 0.5 is a
    point a few metres from the grid's origin), so they are recognised before metres: LSOAs of
    a real area span kilometres, never a few tens of metres."""
    minx, miny, maxx, maxy = bounds
    if minx >= -10 and maxx <= 3 and miny >= 49 and maxy <= 62:
        return "lonlat"
    if minx >= 49 and maxx <= 62 and miny >= -10 and maxy <= 3:
        return "latlon"
    in_degrees = minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90 and max(maxx - minx, maxy - miny) < 50
    if minx >= -10_000 and maxx <= 700_000 and miny >= -10_000 and maxy <= 1_300_000 and not in_degrees:
        return "bng"
    return "unknown"


def _check_extent(path: Path, gdf: gpd.GeoDataFrame, report: LoadReport) -> gpd.GeoDataFrame:
    """Drop (and count) features whose coordinates no map of Britain can hold (1e308, inf, NaN).

    GEOS and PROJ fail on such numbers deep inside a repair or a transform, with a message
    that names neither the file nor the feature; a hand-edited or corrupted file is the cause.
    """
    geom = gdf.geometry.values
    present = ~(pd.isna(geom) | shapely.is_empty(geom))
    if not present.any():
        return gdf
    b = np.full((len(gdf), 4), np.nan)
    b[present] = shapely.bounds(geom[present])
    limit = 1e3 if gdf.crs is not None and gdf.crs.is_geographic else 1e8
    coords_bad = present & ~(np.isfinite(b).all(axis=1) & (np.abs(b) <= limit).all(axis=1))
    if coords_bad.any():
        report.drop("coordinates out of range", int(coords_bad.sum()))
        report.warn(f"{int(coords_bad.sum())} feature(s) have coordinates no map can hold (e.g. "
                    f"{np.nanmax(np.abs(b[coords_bad])):.3g}) and were dropped")
        gdf = gdf[~coords_bad].copy()
    return gdf


def read_boundaries(path: str | Path) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read LSOA polygons and return them in EPSG:27700 with a load report.

    Raises
    ------
    DataError
        Missing/empty file, no polygons, no LSOA code column, a missing or wrong CRS.
    """
    path = Path(path)
    report = LoadReport.for_path(path, "boundaries")
    from ._input_file import require_input

    st = require_input(path, "LSOA boundaries", folder_ok=True, not_found="boundary file not found")
    if not path.is_dir() and st.st_size == 0:
        raise DataError(path, "the file is empty", hint="download the LSOA boundaries again")
    report.files = [str(path)]
    try:
        import pyogrio

        src = _resolve(path, report)
        with gdal_safe_path(path) if src == str(path) else contextlib.nullcontext(src) as src, \
                warnings.catch_warnings(record=True) as caught:  # GDAL's notes go to the report, not stderr
            warnings.simplefilter("always")
            # only containers hold several layers; asking a GeoJSON costs an extra open
            multi = src.lower().endswith((".gpkg", ".sqlite", ".gdb")) or src.lower().endswith(".gdb/")
            gdf = pyogrio.read_dataframe(src, layer=_pick_layer(src) if multi else 0)
        notes = [str(w.message) for w in caught if issubclass(w.category, (RuntimeWarning, UserWarning))]
        for note in list(dict.fromkeys(notes))[:3]:
            report.warn(f"reading the file: {note}")
    except DataError:
        raise
    except Exception as exc:
        if is_out_of_memory(exc):  # the machine, not the file (hotspots.runtime.failures)
            raise
        raise _unreadable(path, exc) from None
    report.rows_read = len(gdf)
    if len(gdf) == 0:
        raise DataError(path, "the file has no features", hint="download the LSOA boundaries again")
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.isna().all():
        raise DataError(path, "the file has no geometry (is it a plain table?)",
                        hint="use a boundary file with polygons (GeoJSON, GeoPackage, shapefile)")

    code_col = _find(gdf, CODE_ALIASES)
    if code_col is None:
        cols = ", ".join(repr(c) for c in gdf.columns if c != gdf.geometry.name)
        raise DataError(path, f"no LSOA code column (the file has {cols})",
                        hint="rename the code column to LSOA21CD or LSOA11CD", column="LSOA11CD")
    name_col = _find(gdf, NAME_ALIASES)
    vintage = "2021" if "21" in code_col else "2011" if "11" in code_col else "unknown"

    gdf = _check_extent(path, gdf, report)
    if len(gdf) == 0:
        raise DataError(path, "no feature has coordinates a map can hold (values such as 1e308 or inf)",
                        hint="export the LSOA boundaries again from the ONS Open Geography Portal")
    geom = gdf.geometry.values
    # --- CRS: declared, missing, or declared wrongly --------------------------------------
    finite = ~(shapely.is_empty(geom) | pd.isna(geom))
    bounds = np.asarray(shapely.total_bounds(geom[finite])) if finite.any() else np.zeros(4)
    looks = _looks_like(bounds)
    crs = gdf.crs
    if crs is None:
        guess = {"lonlat": "EPSG:4326", "bng": "EPSG:27700"}.get(looks, "EPSG:27700")
        raise DataError(path, f"the file has no coordinate reference system (coordinates look like {guess})",
                        hint=f"save it again with the CRS set to {guess} (or ship the .prj with the .shp)")
    epsg = crs.to_epsg()
    if looks == "latlon":
        raise DataError(path, f"the coordinates have their axes swapped: x runs {bounds[0]:.2f}..{bounds[2]:.2f} "
                              f"and y {bounds[1]:.2f}..{bounds[3]:.2f}, which is latitude first, longitude second "
                              "(Britain is longitude -8..2, latitude 49..61)",
                        hint="export again with x = longitude and y = latitude (GeoJSON is always longitude, "
                             "latitude; in QGIS: Export > Save Features As, CRS EPSG:4326)")
    if crs.is_geographic and looks == "bng":
        raise DataError(path, f"the file says {crs.name} (degrees) but its coordinates are in metres",
                        hint="set the layer CRS to EPSG:27700 (British National Grid) and save again")
    if epsg == 27700 and looks == "lonlat":
        raise DataError(path, "the file says EPSG:27700 (metres) but its coordinates are longitude/latitude",
                        hint="set the layer CRS to EPSG:4326 and save again")
    report.info["crs_in"] = f"EPSG:{epsg}" if epsg else crs.to_string()
    if epsg != 27700:
        # shapely + a cached Transformer: same numbers as GeoDataFrame.to_crs, without rebuilding
        # the PROJ pipeline for every file
        t = to_bng(crs)
        geoms = shapely.transform(gdf.geometry.values,
                                  lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
        gdf = gdf.set_geometry(geoms, crs=27700)
    geom = gdf.geometry.values

    out = gpd.GeoDataFrame(
        {
            # ONS codes are upper case ("E01000001"); a hand-edited " e01000001 " must still join
            "lsoa_code": gdf[code_col].astype(str).str.strip().str.upper().to_numpy(),
            "lsoa_name": (gdf[name_col].astype(str).str.strip().to_numpy() if name_col
                          else gdf[code_col].astype(str).to_numpy()),
            **lad_columns(gdf),  # the local authority, when the file says (hotspots.districts)
        },
        geometry=geom,
        crs=27700,
    )
    # --- geometry hygiene ----------------------------------------------------------------
    missing = out.geometry.isna().to_numpy() | shapely.is_empty(out.geometry.values)
    report.drop("no geometry", int(missing.sum()))
    out = out[~missing]
    gtype = shapely.get_type_id(out.geometry.values)
    poly = np.isin(gtype, [3, 6, 7])  # Polygon, MultiPolygon, GeometryCollection
    report.drop("not a polygon", int((~poly).sum()))
    out = out[poly]
    blank = out["lsoa_code"].isin(["", "nan", "None"]).to_numpy()
    report.drop("no LSOA code", int(blank.sum()))
    out = out[~blank].copy()
    invalid = ~shapely.is_valid(out.geometry.values)
    if invalid.any():
        fixed = _polygonal(shapely.make_valid(out.geometry.values[invalid]))
        out.loc[invalid, "geometry"] = fixed
        report.info["repaired_polygons"] = int(invalid.sum())
        report.info["repaired_codes"] = out.loc[invalid, "lsoa_code"].tolist()[:20]
        report.warn(f"{int(invalid.sum())} invalid polygon(s) repaired with make_valid")
    else:
        report.info["repaired_polygons"] = 0
    if len(out) == 0:
        raise DataError(path, f"no usable LSOA polygons in the file ({report.summary_line()})",
                        hint="use a file of LSOA polygons with a code on each (points or lines cannot be "
                             "areas)")
    dup = out["lsoa_code"].duplicated(keep=False)
    if dup.any():
        n_parts = int(dup.sum())
        merged = out[dup].dissolve(by="lsoa_code", aggfunc="first").reset_index()
        out = pd.concat([out[~dup], merged[out.columns]], ignore_index=True)
        report.drop("duplicate LSOA code (parts merged)", n_parts - merged.shape[0])
        report.warn(f"{n_parts} features shared {merged.shape[0]} LSOA codes; their parts were merged")
    out = out.reset_index(drop=True)
    out["area_km2"] = out.geometry.area / 1e6
    report.rows_kept = len(out)
    report.info.update({"vintage": vintage, "code_column": code_col, "lsoas": len(out)})
    report.check_balance()
    return out, report


def _unreadable(path: Path, exc: Exception) -> DataError:
    """A DataError that says *why* GDAL could not read the file, in the user's terms."""
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    low = detail.lower()
    if path.suffix.lower() == ".gpkg" and _gpkg_without_layers(path):
        return DataError(path, "the GeoPackage holds no vector layers (no LSOA polygons to read)",
                         hint="export the LSOA layer into the GeoPackage again (in QGIS: Export > Save Features As)")
    if any(k in low for k in ("unterminated", "failed to read geojson", "unexpected end", "parse error",
                              "json parsing", "premature end", "truncated", "corrupt")):
        return DataError(path, f"the file is cut short or damaged ({detail})",
                         hint="download or export the boundary file again (it may be incomplete)")
    return DataError(path, f"cannot read the boundaries ({detail})",
                     hint="use a GeoJSON, GeoPackage or shapefile of LSOA polygons")


def _gpkg_without_layers(path: Path) -> bool:
    """An SQLite file whose gpkg_contents lists no feature table (an empty GeoPackage)."""
    import sqlite3

    try:
        with path.open("rb") as fh:
            if not fh.read(16).startswith(b"SQLite format 3"):
                return False
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT COUNT(*) FROM gpkg_contents WHERE data_type = 'features'").fetchone()
        except sqlite3.Error:
            rows = (0,)  # no gpkg_contents table at all: no layers either
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False
    return int(rows[0]) == 0


def _find(gdf: gpd.GeoDataFrame, aliases: list[str]) -> str | None:
    keys = {normalise(c): c for c in gdf.columns if c != gdf.geometry.name}
    for a in aliases:
        if normalise(a) in keys:
            return keys[normalise(a)]
    return None


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of repaired geometries (make_valid may add lines/points)."""
    out = []
    for g in geoms:
        if g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
            continue
        parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
        out.append(shapely.union_all(parts) if parts else g)
    return np.asarray(out, dtype=object)
