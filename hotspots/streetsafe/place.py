"""Place StreetSafe reports in LSOAs and account for every one of them.

Why not point-in-polygon alone: the BGC ("generalised, clipped") LSOA boundaries police
analysts use are clipped to the coastline, so a pin dropped on Margate's promenade, a pier
or a harbour wall lies in the sea as far as the polygons know, and point-in-polygon silently
loses it (11 of 50 seafront reports in the issue's test). A report is therefore

* ``inside``: in (or on the edge of) an LSOA, by the same rule as crimes and pubs
  (:func:`hotspots.units.placement.assign_lsoa`);
* ``near``: outside every LSOA but within ``max_distance`` metres (default
  :data:`NEAR_METRES` = 250 m) of one; it goes to the nearest LSOA (ties to the lowest index),
  found with shapely's ``STRtree.query_nearest(max_distance=...)``. 250 m covers the width
  of a beach, promenade or harbour arm lost to clipping while staying well under the width
  of an urban LSOA, so a report is never carried into a different neighbourhood inland;
* ``outside``: further than that from every LSOA: outside the study area, counted, not placed.

Reports with impossible coordinates never reach this step: the reader drops and counts them
("missing coordinates", "coordinates outside Great Britain"). So, for one layer,
``read = inside + near + outside + dropped`` exactly (:func:`accounting`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from ..data.report import LoadReport
from ..units.placement import assign_lsoa

__all__ = ["NEAR_METRES", "Placement", "place_reports", "accounting", "record_placement"]

#: Default distance (metres) within which a report outside every LSOA joins the nearest one.
NEAR_METRES = 250.0


@dataclass
class Placement:
    """Where each report went.

    Attributes
    ----------
    index : LSOA row index per report (-1 for outside the study area)
    how : "inside", "near" or "outside" per report
    distance_m : metres to the LSOA it joined (0 inside, NaN outside)
    max_distance_m : the distance used for "near"
    counts : {"inside", "near", "outside"} -> reports
    """

    index: np.ndarray
    how: np.ndarray
    distance_m: np.ndarray
    max_distance_m: float
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def placed(self) -> int:
        return self.counts["inside"] + self.counts["near"]


def place_reports(x: np.ndarray, y: np.ndarray, polygons: np.ndarray, *,
                  max_distance: float = NEAR_METRES) -> Placement:
    """Place reports inside LSOAs, else in the nearest LSOA within ``max_distance`` metres.

    Parameters
    ----------
    x, y : report coordinates in EPSG:27700 (finite; the reader has dropped the rest)
    polygons : LSOA geometries (EPSG:27700), in table order
    max_distance : metres; 0 turns the "near" rule off (point-in-polygon only)

    Returns
    -------
    Placement
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if max_distance < 0 or not np.isfinite(max_distance):
        raise ValueError(f"max_distance must be a finite distance >= 0 metres, not {max_distance}")
    index = assign_lsoa(x, y, polygons).astype(np.int64)
    distance = np.where(index >= 0, 0.0, np.nan)
    how = np.where(index >= 0, "inside", "outside").astype(object)
    rest = np.flatnonzero(index < 0)
    if len(rest) and max_distance > 0 and len(polygons):
        pts = shapely.points(x[rest], y[rest])
        (pt, poly), dist = shapely.STRtree(polygons).query_nearest(
            pts, max_distance=max_distance, return_distance=True, all_matches=True)
        if len(pt):
            order = np.lexsort((-poly, pt))  # per point, the lowest LSOA index is written last
            index[rest[pt[order]]] = poly[order]
            distance[rest[pt[order]]] = dist[order]
            how[rest[np.unique(pt)]] = "near"
    counts = {k: int((how == k).sum()) for k in ("inside", "near", "outside")}
    return Placement(index=index, how=how, distance_m=distance, max_distance_m=float(max_distance),
                     counts=counts)


def accounting(report: LoadReport, placement: Placement) -> dict[str, Any]:
    """Every report read, by fate: placed inside, placed near the edge, outside, dropped by reason.

    Raises AssertionError (a bug, not a user error) if the identity
    ``read = inside + near + outside + dropped`` fails, or the placement is not of the
    reports the LoadReport kept.
    """
    acc = {
        "read": int(report.rows_read),
        "placed_inside": placement.counts["inside"],
        "placed_near_edge": placement.counts["near"],
        "near_edge_metres": placement.max_distance_m,
        "outside_study_area": placement.counts["outside"],
        "dropped": dict(report.dropped),
    }
    total = (acc["placed_inside"] + acc["placed_near_edge"] + acc["outside_study_area"]
             + sum(report.dropped.values()))
    if total != acc["read"] or report.rows_kept != sum(placement.counts.values()):
        raise AssertionError(f"StreetSafe accounting: read {acc['read']} != {total} ({acc})")
    m = f"{placement.max_distance_m:g}"
    text = (f"StreetSafe: read {acc['read']:,}, placed {acc['placed_inside']:,} inside LSOAs, "
            f"{acc['placed_near_edge']:,} within {m} m of the study area's edge (coast), "
            f"{acc['outside_study_area']:,} outside the study area")
    for reason, n in sorted(report.dropped.items()):
        text += f", dropped {n:,} ({reason})"
    acc["line"] = text
    return acc


def record_placement(report: LoadReport, placement: Placement) -> dict[str, Any]:
    """Write the accounting into the layer's LoadReport (``info["placement"]``) and warn.

    The warnings are what the CLI prints as ``warning:`` lines and the GUI shows on the layer.
    """
    acc = accounting(report, placement)
    report.info["placement"] = acc
    if placement.counts["near"]:
        report.warn(f"{placement.counts['near']:,} StreetSafe report(s) lie just outside the LSOA "
                    f"boundaries (coast clipped) and were placed in the nearest LSOA within "
                    f"{placement.max_distance_m:g} m")
    if placement.counts["outside"]:
        report.warn(f"{placement.counts['outside']:,} StreetSafe report(s) lie more than "
                    f"{placement.max_distance_m:g} m outside the study area and are not counted "
                    f"in any LSOA")
    return acc
