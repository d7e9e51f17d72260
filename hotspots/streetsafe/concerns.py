"""StreetSafe concerns: reports grouped by place, with an id that survives the next quarter.

Officers answer StreetSafe "you said, we did" by place ("the alley behind the station"), not
by report, and must be able to say next quarter what was done about the same place. So a
concern is a 150 m square of the British National Grid holding at least one report, and its id
is the square's south-west corner: ``SS-E612300N165450``. The grid is anchored at the BNG
origin, never at the data, so adding reports, changing the period or the study area never
renumbers a concern (a cluster id from DBSCAN or k-means would shift whenever a report is
added). 150 m is a short street or a park path; reports that fall either side of a grid line
form two neighbouring concerns, the price of ids that never move.

The concern table is counts only: its point is the square's centre, not any report's, so the
public update shows no individual pin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ..data.streetsafe_reasons import OTHER_PREFIX, REASONS

__all__ = ["CELL_METRES", "CONCERN_COLUMNS", "concern_ids", "cell_of_id", "build_concerns"]

#: Side of a concern's grid square, metres.
CELL_METRES = 150
#: streetsafe_concerns.csv columns, in order.
CONCERN_COLUMNS = ["concern_id", "latitude", "longitude", "place", "lsoa_code", "lsoa_name", "reports",
                   "top_reasons", "first_date", "last_date", "zone_id", "patrol_spot"]


def concern_ids(x: np.ndarray, y: np.ndarray, cell: int = CELL_METRES) -> np.ndarray:
    """``SS-E<easting>N<northing>`` of the south-west corner of each point's grid square."""
    e = (np.floor(np.asarray(x, float) / cell) * cell).astype(np.int64)
    n = (np.floor(np.asarray(y, float) / cell) * cell).astype(np.int64)
    return np.array([f"SS-E{a:06d}N{b:06d}" for a, b in zip(e, n, strict=True)], dtype=object)


def cell_of_id(concern_id: str) -> tuple[int, int]:
    """(easting, northing) of a concern's south-west corner, from its id."""
    body = str(concern_id).removeprefix("SS-E")
    e, n = body.split("N")
    return int(e), int(n)


def _street(location: object) -> str:
    text = str(location or "").strip()
    for prefix in ("On or near ", "on or near "):
        text = text.removeprefix(prefix)
    return "" if text.lower() in ("", "nan", "no location") else text


def _places(cx: np.ndarray, cy: np.ndarray, ids: np.ndarray, crimes: pd.DataFrame | None,
            cell: int) -> np.ndarray:
    """The street most crimes in the square are recorded at; else the nearest crime's street."""
    out = np.full(len(ids), "", dtype=object)
    if crimes is None or not len(crimes) or "location" not in crimes:
        return out
    streets = crimes["location"].map(_street).to_numpy(dtype=object)
    keep = streets != ""
    if not keep.any():
        return out
    x, y, streets = crimes["x"].to_numpy(float)[keep], crimes["y"].to_numpy(float)[keep], streets[keep]
    cid = concern_ids(x, y, cell)
    inside = np.isin(cid, ids)
    if inside.any():
        tally = pd.DataFrame({"id": cid[inside], "street": streets[inside]})
        top = (tally.groupby(["id", "street"]).size().rename("n").reset_index()
               .sort_values(["id", "n", "street"], ascending=[True, False, True])
               .drop_duplicates("id").set_index("id")["street"])
        out[:] = pd.Series(ids).map(top).fillna("").to_numpy(dtype=object)
    rest = np.flatnonzero(out == "")
    if len(rest):
        tree = shapely.STRtree(shapely.points(x, y))
        (pt, hit), _ = tree.query_nearest(shapely.points(cx[rest], cy[rest]), max_distance=2.0 * cell,
                                          return_distance=True)
        out[rest[pt]] = streets[hit]
    return out


def _covering(cx: np.ndarray, cy: np.ndarray, polys: object | None, column: str) -> np.ndarray:
    """Value of ``column`` of the first polygon covering each square's centre ("" for none)."""
    out = np.full(len(cx), "", dtype=object)
    if polys is None or not len(polys) or column not in polys:
        return out
    geoms = np.asarray(polys.geometry.to_crs(27700).array if polys.crs else polys.geometry.array, dtype=object)
    pt, pg = shapely.STRtree(geoms).query(shapely.points(cx, cy), predicate="intersects")
    order = np.lexsort((-pg, pt))
    vals = polys[column].astype(str).to_numpy(dtype=object)
    out[pt[order]] = vals[pg[order]]
    return out


def _top_reasons(reasons: pd.Series, k: int = 3) -> str:
    counts: dict[str, int] = {}
    for cell in reasons:
        for token in str(cell).split(";"):
            if token:
                label = REASONS.get(token, token if token.startswith(OTHER_PREFIX) else token)
                counts[label] = counts.get(label, 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]
    return "; ".join(f"{label} ({n})" for label, n in top)


def build_concerns(reports: pd.DataFrame, *, crimes: pd.DataFrame | None = None,
                   boundaries: object | None = None, zones: object | None = None,
                   spots: object | None = None, cell: int = CELL_METRES) -> pd.DataFrame:
    """Group StreetSafe reports into concerns (150 m grid squares) with place, reasons and cover.

    Parameters
    ----------
    reports : the reader's frame (``geometry`` in EPSG:27700, ``month``, ``reasons``)
    crimes : crimes with ``x``, ``y``, ``location``, to name the street (optional)
    boundaries : LSOA GeoDataFrame (``lsoa_code``, ``lsoa_name``), to name the LSOA (optional)
    zones : patrol zones with ``zone_id`` (optional)
    spots : patrol spots with ``rank`` (or ``spot_id``) (optional)
    cell : side of the grid square, metres

    Returns
    -------
    DataFrame with :data:`CONCERN_COLUMNS`, most reports first (ties by id). ``latitude`` and
    ``longitude`` are the square's centre in WGS84; dates are months ("YYYY-MM").
    """
    if reports is None or not len(reports):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CONCERN_COLUMNS})
    x = reports.geometry.x.to_numpy(float)
    y = reports.geometry.y.to_numpy(float)
    ids = concern_ids(x, y, cell)
    months = reports["month"].fillna("").astype(str) if "month" in reports else pd.Series([""] * len(ids))
    frame = pd.DataFrame({"concern_id": ids, "month": months.to_numpy(object),
                          "reasons": reports["reasons"].fillna("").astype(str).to_numpy(object)})
    groups = frame.groupby("concern_id", sort=True)
    uid = np.asarray(list(groups.groups), dtype=object)
    corners = np.array([cell_of_id(i) for i in uid], dtype=float).reshape(-1, 2)
    cx, cy = corners[:, 0] + cell / 2, corners[:, 1] + cell / 2
    from ..data._tables import to_bng

    lon, lat = to_bng(4326).transform(cx, cy, direction="INVERSE")
    dated = frame[frame["month"] != ""].groupby("concern_id")["month"]
    out = pd.DataFrame({
        "concern_id": uid,
        "latitude": np.round(lat, 6), "longitude": np.round(lon, 6),
        "place": _places(cx, cy, uid, crimes, cell),
        "reports": groups.size().reindex(uid).to_numpy(np.int64),
        "top_reasons": groups["reasons"].apply(_top_reasons).reindex(uid).to_numpy(object),
        "first_date": dated.min().reindex(uid).fillna("").to_numpy(object),
        "last_date": dated.max().reindex(uid).fillna("").to_numpy(object),
    })
    code = _covering(cx, cy, boundaries, "lsoa_code")
    name = _covering(cx, cy, boundaries, "lsoa_name")
    out.insert(4, "lsoa_code", code)
    out.insert(5, "lsoa_name", name)
    out["place"] = np.where(out["place"] == "", out["lsoa_name"], out["place"])
    out["zone_id"] = _covering(cx, cy, zones, "zone_id")
    spot_col = "rank" if spots is not None and "rank" in spots else "spot_id"
    out["patrol_spot"] = _covering(cx, cy, spots, spot_col)
    out = out.sort_values(["reports", "concern_id"], ascending=[False, True], kind="stable")
    return out[CONCERN_COLUMNS].reset_index(drop=True)
