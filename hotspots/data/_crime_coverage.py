"""Do the crimes and the boundaries cover the same ground? Said plainly when they do not.

Boundaries of the wrong area, or in a CRS declared wrongly (a file 3 degrees off), leave a
handful of crimes inside the LSOAs; analysing those as if they were the force's crime is a
silent wrong answer. Two shares tell the cases apart:

- the share of crimes (with coordinates) that fall inside some LSOA, and
- the share of LSOAs that receive any crime.

Both tiny: the layers do not overlap, so the run is refused with both extents named. One
small is often legitimate and is warned about: a national download with one county's
boundaries (most crimes outside, every LSOA busy), or one force's crimes with national
boundaries (every crime inside, most LSOAs empty).
"""

from __future__ import annotations

import numpy as np

from .errors import DataError
from .report import LoadReport

__all__ = ["check_coverage", "REFUSE_SHARE", "WARN_SHARE"]

#: below this share of crimes inside AND of LSOAs occupied, the layers do not overlap
REFUSE_SHARE = 0.05
#: below this share of crimes inside (or of LSOAs occupied, given plenty of crimes), warn
WARN_SHARE = 0.5


def _extent(lon: np.ndarray, lat: np.ndarray) -> str:
    return f"lon {np.nanmin(lon):.3f}..{np.nanmax(lon):.3f}, lat {np.nanmin(lat):.3f}..{np.nanmax(lat):.3f}"


def boundary_extent(boundaries) -> str:
    """The boundaries' extent in longitude/latitude (from their EPSG:27700 box)."""
    from ..runtime.proj import transformer

    minx, miny, maxx, maxy = boundaries.total_bounds
    t = transformer(27700, 4326)
    xs, ys = t.transform([minx, minx, maxx, maxx], [miny, maxy, miny, maxy])
    return _extent(np.asarray(xs, float), np.asarray(ys, float))


def check_coverage(source: str, lon: np.ndarray, lat: np.ndarray, with_xy: np.ndarray, inside: int,
                   lsoa_of_kept: np.ndarray, boundaries, report: LoadReport) -> None:
    """Refuse or warn when the crimes (``with_xy``: rows with usable coordinates) and the
    boundaries hardly overlap; ``inside`` crimes fell in an LSOA, ``lsoa_of_kept`` says which."""
    n_xy = int(with_xy.sum())
    n_lsoa = len(boundaries)
    if n_xy == 0 or inside == 0 and n_lsoa == 0:
        raise DataError(source, "no crime row is left to place in an LSOA "
                                f"({', '.join(f'{v:,} {k}' for k, v in report.dropped.items()) or 'none read'})",
                        hint="check the Longitude/Latitude and Month columns (police.uk files as downloaded)")
    occupied = int(np.count_nonzero(np.bincount(lsoa_of_kept, minlength=n_lsoa))) if inside else 0
    share_in, share_occ = inside / n_xy, occupied / n_lsoa
    crimes_at = _extent(lon[with_xy], lat[with_xy])
    if inside == 0 or (share_in < REFUSE_SHARE and share_occ < REFUSE_SHARE and n_xy >= 20):
        raise DataError(source, f"the crimes and the boundaries cover different areas: {inside:,} of {n_xy:,} "
                                f"crimes fall inside an LSOA and {n_lsoa - occupied:,} of {n_lsoa:,} LSOAs have "
                                f"none (crimes span {crimes_at}; boundaries span {boundary_extent(boundaries)})",
                        hint="this is likely the wrong area or a wrongly declared CRS: load the boundaries for the "
                             "force area of these crimes (or the crimes for this area), and check the boundary "
                             "file's CRS")
    if share_in < WARN_SHARE:
        report.warn(f"only {share_in:.0%} of crimes ({inside:,} of {n_xy:,}) fall inside the boundaries; the rest "
                    f"are outside the study area (crimes span {crimes_at}; boundaries span "
                    f"{boundary_extent(boundaries)})")
    if share_occ < WARN_SHARE and inside >= 5 * n_lsoa:
        report.warn(f"{n_lsoa - occupied:,} of {n_lsoa:,} LSOAs receive no crime at all although {inside:,} crimes "
                    "were placed: the boundaries cover a wider area than the crimes (or the wrong area)")
    report.info["share_of_crimes_inside"] = round(share_in, 4)
    report.info["share_of_lsoas_with_crime"] = round(share_occ, 4)
