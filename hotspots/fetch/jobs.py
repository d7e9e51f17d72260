"""Whole fetch jobs, as the CLI and the GUI run them: area in, files the readers accept out.

Each job takes plain arguments, a progress callback and a cancel flag (hotspots.progress),
and returns what it wrote. None is ever needed at analysis time: they only save a user the
trip to data.police.uk, the ONS Open Geography Portal and GOV.UK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely

from ..data.errors import DataError
from ..progress import CancelFn, ProgressFn
from .http import HttpClient
from .police import POLICE_ENV, FetchReport, PoliceAPI, fetch_months, month_range
from .street_csv import month_path, to_rows, write_month

__all__ = ["CrimeFetch", "OpenDataRequest", "fetch_crimes", "fetch_open_data", "study_area"]


@dataclass
class CrimeFetch:
    """What :func:`fetch_crimes` wrote, and how."""

    files: list[Path] = field(default_factory=list)
    report: FetchReport = field(default_factory=FetchReport)
    rows: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def study_area(boundaries: gpd.GeoDataFrame) -> shapely.Geometry:
    """The area crimes are fetched for (EPSG:27700): the LSOAs' union, simplified for speed.

    Generalised boundaries (BGC) leave slivers between neighbours, which make an exact union
    of a county slow (seconds) and full of holes; each LSOA is simplified by 10 m and grown by
    1 m first. The result only shapes the request tiles, which add a 100 m margin; which
    crimes are kept is decided against the exact boundaries (:func:`.street_csv.to_rows`).
    """
    geoms = shapely.make_valid(boundaries.geometry.values)
    return shapely.union_all(shapely.buffer(shapely.simplify(geoms, 10.0), 1.0))


def fetch_crimes(
    out: str | Path,
    *,
    boundaries: str | Path | None = None,
    force: str | None = None,
    month_from: str | None = None,
    month_to: str | None = None,
    api_url: str | None = None,
    cache: str | Path | None = None,
    name: str | None = None,
    rate: int = 15,
    retries: int = 5,
    timeout: float = 30.0,
    max_bytes: int | None = None,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> CrimeFetch:
    """Fetch street-level crimes for a study area and write them as police.uk street CSVs.

    Parameters
    ----------
    out : folder; months land in ``out/YYYY-MM/YYYY-MM-<name>-street.csv``
    boundaries : LSOA boundary file of the study (any file ``read_boundaries`` accepts)
    force : a police.uk force id (``kent``): its neighbourhoods' union is the area
    month_from, month_to : ``YYYY-MM``; with neither, the newest month police.uk holds
    api_url : police.uk API base URL (else ``HOTSPOTS_POLICE_API``, else the public API)
    cache : tile cache folder (default ``out/.hotspots-cache``)
    """
    out = Path(out)
    client = HttpClient(service="the police.uk API", env_var=POLICE_ENV, rate=rate, retries=retries,
                        timeout=timeout, cancel=cancel, **({"max_bytes": max_bytes} if max_bytes else {}))
    api = PoliceAPI(api_url, client)
    client.service = f"the police.uk API at {api.base}"
    bnd = None
    force_name = ""
    if boundaries:
        from ..data.boundaries import read_boundaries

        bnd, _ = read_boundaries(boundaries)
        area = study_area(bnd)
        label = name or Path(boundaries).stem
    elif force:
        if progress:
            progress(f"Reading the {force} force area from police.uk", 0.0)
        area = gpd.GeoSeries([api.force_area(force)], crs=4326).to_crs(27700).iloc[0]
        force_name = api.force_name(force)
        label = name or force
    else:
        raise DataError("--boundaries", "no study area given", hint="pass --boundaries PATH or --force ID")
    if month_from is None and month_to is None:
        months = [max(api.dates())]
    else:
        months = month_range(month_from or month_to, month_to or month_from)  # type: ignore[arg-type]
    result = CrimeFetch()

    def write(month: str, crimes: list[dict]) -> None:
        rows, dropped = to_rows(crimes, None if bnd is not None else area, bnd, force_name)
        result.files.append(write_month(month_path(out, month, label), rows))
        result.rows[month] = len(rows)
        for k, v in dropped.items():
            result.dropped[k] = result.dropped.get(k, 0) + v

    cache_root = Path(cache) if cache else out / ".hotspots-cache"
    fetch_months(area, months, api, cache_root, progress=progress, cancel=cancel, on_month=write,
                 report=result.report)
    return result


@dataclass
class OpenDataRequest:
    """What *File > Get open data...* asks for (every field optional but the folder).

    ``boundaries`` is the study's own boundary file (the area of the crimes, the bbox of the
    ONS query); without it, ``lads`` names the local authorities to fetch boundaries for, and
    ``force`` a police.uk force for the crimes.
    """

    folder: str
    boundaries: str | None = None
    lads: list[str] = field(default_factory=list)
    year: str = "2021"
    force: str | None = None
    month_from: str | None = None
    month_to: str | None = None
    crimes: bool = True
    get_boundaries: bool = False
    imd: str | None = None  # "imd2019", "iod2025", "all" or None
    police_api: str | None = None
    ons_api: str | None = None
    imd_url: str | None = None


def fetch_open_data(req: OpenDataRequest, *, progress: ProgressFn | None = None,
                    cancel: CancelFn | None = None) -> dict[str, str | list[str]]:
    """Run the datasets of ``req`` into ``req.folder``; return layer kind -> path(s) to load.

    Boundaries come first (the crimes need their area); the deprivation file returned is the
    one whose LSOA vintage matches the boundaries (IMD 2019 for 2011, IoD 2025 for 2021), and
    IoD 2019 File 6 is returned as the population layer when fetched for 2011 boundaries.
    """
    from ..progress import scaled
    from .imd import DATASETS, fetch_imd
    from .ons import fetch_boundaries

    root = Path(req.folder)
    items: dict[str, str | list[str]] = {}
    steps = [s for s, on in (("boundaries", req.get_boundaries), ("crimes", req.crimes), ("imd", bool(req.imd))) if on]
    if not steps:
        raise DataError("Get open data", "no dataset chosen", hint="tick crimes, boundaries or deprivation")
    boundaries = req.boundaries
    year = req.year
    for i, step in enumerate(steps):
        sub = scaled(progress, i / len(steps), (i + 1) / len(steps))
        if step == "boundaries":
            bbox = None
            if boundaries and not req.lads:
                from ..data.boundaries import read_boundaries

                w, s, e, n = read_boundaries(boundaries)[0].to_crs(4326).total_bounds
                bbox = (float(w), float(s), float(e), float(n))
            path, _ = fetch_boundaries(root / "boundaries", year=year, lads=req.lads, bbox=bbox,
                                       api_url=req.ons_api, progress=sub, cancel=cancel)
            boundaries = str(path)
            items["boundaries"] = boundaries
        elif step == "crimes":
            if not boundaries and not req.force:
                raise DataError("Get open data", "crimes need an area",
                                hint="load LSOA boundaries first, tick boundaries, or give a police force")
            res = fetch_crimes(root / "crime", boundaries=boundaries if boundaries else None,
                               force=None if boundaries else req.force, month_from=req.month_from,
                               month_to=req.month_to, api_url=req.police_api, progress=sub, cancel=cancel)
            items["crimes"] = [str(root / "crime")] if res.files else []
        else:
            paths = fetch_imd(root / "imd", release=req.imd, imd_url=req.imd_url, progress=sub, cancel=cancel)
            by_name = {p.name: str(p) for p in paths}
            b_year = year
            if boundaries:
                from ..data.boundaries import read_boundaries

                b_year = read_boundaries(boundaries)[1].info.get("vintage", year)
            first = DATASETS["iod2025_file7"] if b_year == "2021" else DATASETS["imd2019_file1"]
            other = DATASETS["imd2019_file1"] if first.key == "iod2025_file7" else DATASETS["iod2025_file7"]
            pick = by_name.get(first.filename) or by_name.get(other.filename)
            if pick:
                items["imd"] = pick
            if DATASETS["imd2019_file6"].filename in by_name and b_year == "2011":  # File 6 is on 2011 LSOAs
                items["population"] = by_name[DATASETS["imd2019_file6"].filename]
    if req.boundaries and "boundaries" not in items:
        items.pop("boundaries", None)  # the study's own file is loaded already
    if not items.get("crimes"):
        items.pop("crimes", None)
    return items
