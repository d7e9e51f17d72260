"""ONS LSOA boundaries (2011 or 2021, BGC by default) from the Open Geography Portal's ArcGIS service.

An ArcGIS feature service returns at most ``maxRecordCount`` features per query (2,000 on the
ONS layers), so a county is read in pages: ``resultOffset`` advances by the page size until an
answer no longer says ``exceededTransferLimit`` (GeoJSON puts it under ``properties``, Esri
JSON at the top level; both are read) or comes back empty. Pages are ordered by the LSOA code
so none is skipped or repeated; a page that adds no new LSOA while the service says there is
more (a server repeating itself), or paging past every LSOA in England and Wales, stops with
an error rather than loop for ever. Every feature is checked (an object, a code, a GeoJSON
geometry with numeric coordinates) before it is kept. The area is a local-authority name (LSOA names start with it:
"Ashford 001A") or a bounding box (the study's, or given).

The result is written as a GeoJSON FeatureCollection with the ONS columns (``LSOA21CD``,
``LSOA21NM`` or the 2011 ones), a file :func:`hotspots.data.boundaries.read_boundaries` reads.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..data.errors import DataError
from ..export.atomic import write_text_atomic
from ..progress import CancelFn, Cancelled, ProgressFn
from .http import HttpClient, service_url

__all__ = ["ONS_API", "ONS_ENV", "SERVICES", "fetch_boundaries", "where_for_lads"]

ONS_API = "https://services1.arcgis.com/ESMARspQHYMw9BZ9/arcgis/rest/services"
ONS_ENV = "HOTSPOTS_ONS_API"
#: (year, resolution) -> feature service name on the ONS ArcGIS server (Open Geography Portal)
SERVICES: dict[tuple[str, str], str] = {
    ("2021", "BGC"): "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BGC_V5",
    ("2021", "BFC"): "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BFC_V10",
    ("2021", "BSC"): "Lower_layer_Super_Output_Areas_December_2021_Boundaries_EW_BSC_V4",
    ("2011", "BGC"): "LSOA_Dec_2011_Boundaries_Generalised_Clipped_BGC_EW_V3",
    ("2011", "BFC"): "LSOA_Dec_2011_Boundaries_Full_Clipped_BFC_EW_V3",
    ("2011", "BSC"): "LSOA_Dec_2011_Boundaries_Super_Generalised_Clipped_BSC_EW_V3",
}
PAGE = 2000
#: more features than this is no LSOA layer (England and Wales have 35,672 LSOAs in 2021)
MAX_FEATURES = 60_000


def _bad(layer: str, what: str) -> DataError:
    return DataError(layer, f"the ONS boundary service sent a malformed answer: {what}",
                     hint=f"check {ONS_ENV} (or --ons-api) and --service point at an ONS LSOA feature service, "
                          "or try again later")


def _check_geometry(layer: str, key: str, g: object) -> None:
    """A GeoJSON Polygon/MultiPolygon whose coordinates are all finite numbers."""
    import math

    if not isinstance(g, dict) or g.get("type") not in ("Polygon", "MultiPolygon"):
        raise _bad(layer, f"LSOA {key} has no polygon geometry")
    depth = 3 if g["type"] == "Polygon" else 4
    stack = [(g.get("coordinates"), 1)]
    while stack:
        node, d = stack.pop()
        if not isinstance(node, list):
            raise _bad(layer, f"LSOA {key} has coordinates that are not lists")
        if d == depth:
            if len(node) < 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                        and math.isfinite(v) for v in node):
                raise _bad(layer, f"LSOA {key} has a point {str(node)[:40]} that is not two numbers")
            continue
        stack.extend((n, d + 1) for n in node)


def where_for_lads(lads: Sequence[str], year: str) -> str:
    """An ArcGIS ``where`` selecting the LSOAs of local authorities by name or code prefix."""
    name = f"LSOA{year[2:]}NM"
    parts = []
    for lad in lads:
        safe = str(lad).strip().replace("'", "''")
        if not safe:
            continue
        parts.append(f"{name} LIKE '{safe} %'")
    if not parts:
        raise DataError("--lad", "no local authority given", hint="name one, e.g. --lad Ashford")
    return " OR ".join(parts)


def fetch_boundaries(
    out: str | Path,
    *,
    year: str = "2021",
    resolution: str = "BGC",
    lads: Sequence[str] = (),
    bbox: tuple[float, float, float, float] | None = None,
    api_url: str | None = None,
    service: str | None = None,
    page: int = PAGE,
    client: HttpClient | None = None,
    timeout: float = 30.0,
    max_bytes: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> tuple[Path, int]:
    """Page through the ONS LSOA layer for an area and write it as GeoJSON (EPSG:4326).

    Parameters
    ----------
    out : file (``.geojson``) or folder (``lsoa<YY>_<res>.geojson`` is written in it)
    year : "2011" or "2021"
    lads : local-authority names (``Ashford``, ``Medway``); or ``bbox`` (lon/lat W,S,E,N)
    api_url : ArcGIS REST services base (else ``HOTSPOTS_ONS_API``, else the ONS server)
    service : override the feature-service name (ONS re-publishes layers with a new ``_Vn``)

    Returns
    -------
    (path written, number of LSOAs)
    """
    year, resolution = str(year), str(resolution).upper()
    if (year, resolution) not in SERVICES and not service:
        raise DataError("--year/--resolution", f"no ONS LSOA layer for {year} {resolution}",
                        hint="use --year 2011 or 2021 and --resolution BGC, BFC or BSC")
    base = service_url(api_url, ONS_ENV, ONS_API)
    layer = f"{base}/{service or SERVICES[(year, resolution)]}/FeatureServer/0/query"
    client = client or HttpClient(service=f"the ONS boundary service at {base}", env_var=ONS_ENV, cancel=cancel,
                                  timeout=timeout, **({"max_bytes": max_bytes} if max_bytes else {}))
    code, name = f"LSOA{year[2:]}CD", f"LSOA{year[2:]}NM"
    params: dict[str, object] = {"outFields": f"{code},{name}", "outSR": 4326, "f": "geojson",
                                 "returnGeometry": "true", "orderByFields": code, "resultRecordCount": page}
    if lads:
        params["where"] = where_for_lads(lads, year)
    elif bbox is not None:
        params.update({"where": "1=1", "geometry": ",".join(f"{v:.6f}" for v in bbox),
                       "geometryType": "esriGeometryEnvelope", "inSR": 4326,
                       "spatialRel": "esriSpatialRelIntersects"})
    else:
        raise DataError("--lad", "no area given", hint="pass --lad NAME, --boundaries PATH or --bbox W,S,E,N")
    features: list[dict] = []
    seen: set[str] = set()
    offset = 0
    while True:
        if cancel and cancel():
            raise Cancelled()
        if progress:
            progress(f"ONS LSOA {year}: {len(features):,} areas so far", min(0.95, len(features) / 35_000))
        data = client.get_json(layer, {**params, "resultOffset": offset})
        if not isinstance(data, dict):
            raise DataError(layer, "the answer is not a GeoJSON object", hint=f"check {ONS_ENV}")
        if "error" in data:
            err = data["error"] if isinstance(data["error"], dict) else {"message": str(data["error"])[:200]}
            raise DataError(layer, f"the ONS service refused the query ({err.get('code', '?')}: "
                                   f"{err.get('message', 'no message')})",
                            hint="check --service (ONS renames layers with a new _Vn) and the area")
        page_feats = data.get("features") or []
        if not isinstance(page_feats, list):
            raise _bad(layer, "'features' is not a list")
        new = 0
        for f in page_feats:
            if not isinstance(f, dict) or not isinstance(f.get("properties") or {}, dict):
                raise _bad(layer, "a feature is not a GeoJSON object with properties")
            props = f.get("properties") or {}
            raw = props.get(code, props.get(code.lower()))
            if raw is not None and not isinstance(raw, (str, int)):
                raise _bad(layer, f"a feature's {code} is {type(raw).__name__}, not a code")
            key = str(raw or "").strip()
            if not key:
                raise _bad(layer, f"a feature has no {code}")
            if key in seen:
                continue
            _check_geometry(layer, key, f.get("geometry"))
            nm = props.get(name, "")
            seen.add(key)
            new += 1
            features.append({"type": "Feature",
                             "properties": {code: key, name: nm if isinstance(nm, str) else str(nm)},
                             "geometry": f["geometry"]})
        more = bool(data.get("exceededTransferLimit") or (data.get("properties") or {}).get("exceededTransferLimit"))
        if not page_feats or not more:
            break
        if new == 0:  # the service says "more" but repeats what it sent: it would never end
            raise _bad(layer, f"the page at offset {offset:,} repeats LSOAs already sent (no new ones) while "
                              "the service says there are more")
        if len(features) > MAX_FEATURES or offset > 2 * MAX_FEATURES:  # a trickle of new ones counts too
            raise _bad(layer, f"it keeps paging past {MAX_FEATURES:,} features, more than there are LSOAs")
        offset += len(page_feats)
    if not features:
        raise DataError(layer, "the ONS service returned no LSOAs for that area",
                        hint="check the local-authority name (as in LSOA names, e.g. 'Ashford') or the bbox")
    target = Path(out)
    if target.suffix.lower() not in (".geojson", ".json"):
        target = target / f"lsoa{year[2:]}_{resolution.lower()}.geojson"
    features.sort(key=lambda f: f["properties"][code])
    doc = {"type": "FeatureCollection", "name": f"LSOA {year} {resolution}",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
           "features": features}
    write_text_atomic(target, json.dumps(doc, separators=(",", ":")))
    if progress:
        progress(f"ONS LSOA {year}: {len(features):,} areas", 1.0)
    return target, len(features)
