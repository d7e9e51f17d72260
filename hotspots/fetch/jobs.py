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

__all__ = ["CrimeFetch", "fetch_crimes", "study_area"]


@dataclass
class CrimeFetch:
    """What :func:`fetch_crimes` wrote, and how."""

    files: list[Path] = field(default_factory=list)
    report: FetchReport = field(default_factory=FetchReport)
    rows: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def study_area(boundaries: gpd.GeoDataFrame) -> shapely.Geometry:
    """The union of the study's LSOAs (EPSG:27700), the area crimes are fetched for."""
    return shapely.union_all(shapely.make_valid(boundaries.geometry.values))


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
                        timeout=timeout, cancel=cancel)
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
        rows, dropped = to_rows(crimes, area, bnd, force_name)
        result.files.append(write_month(month_path(out, month, label), rows))
        result.rows[month] = len(rows)
        for k, v in dropped.items():
            result.dropped[k] = result.dropped.get(k, 0) + v

    cache_root = Path(cache) if cache else out / ".hotspots-cache"
    fetch_months(area, months, api, cache_root, progress=progress, cancel=cancel, on_month=write,
                 report=result.report)
    return result
