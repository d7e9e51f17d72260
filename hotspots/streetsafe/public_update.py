"""The public "you said, we did": what was done about StreetSafe concerns, place by place.

The partnership sheet works by concern id (a 150 m grid square); the public cannot read
"SS-E575850N155700", and a square's id is a report's location to within 75 m. So the public
update is built here, apart from the working sheet, under three rules:

* **named by place**: each concern is named by the street police.uk records most crimes at in
  its square (else the nearest street within :data:`NEAR_STREET_M`), with a snap label such as
  "Parking Area" only as "A parking area by <street>", and the town (the district of its LSOA
  name); concerns that end up with the same name are one row;
* **no one's report on its own**: a place whose concerns hold fewer than :data:`MIN_REPORTS`
  reports is not listed by name: it joins "Other places in <town>", and its reasons are never
  shown (one person's "harassed by one person" beside a street names an incident);
* **what was done, in plain words**: the action, the agency and the month (never the day), with
  no counts, no grid codes, no report dates and no free text from reports.

By default only concerns something was done about are listed; ``under_review=True`` adds the
rest as "Under review". This module only computes the rows; the writers are in
:mod:`hotspots.export.documents.public_update_files`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..data.streetsafe_reasons import REASONS
from ..plans.snap_points import label_kinds, strip_prefix
from ..plans.spot_evidence import spot_name, town_of
from .concerns import CELL_METRES, cell_of_id, concern_ids

__all__ = ["MIN_REPORTS", "NEAR_STREET_M", "PUBLIC_COLUMNS", "PublicUpdate", "build_public_update", "name_concerns",
           "month_words"]

#: a place drawn from fewer reports than this is not listed on its own
MIN_REPORTS = 3
#: how far from a concern's square a street may be to name it, metres
NEAR_STREET_M = 300.0
PUBLIC_COLUMNS = ["Place", "Town", "What you told us", "What we did", "Who", "When", "Status"]
_GRID_CODE = re.compile(r"SS-E\d{5,7}N\d{5,7}", re.IGNORECASE)
_KNOWN_REASONS = frozenset(REASONS.values())
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"]


@dataclass
class PublicUpdate:
    """The rows of the public update and what was held back (for the disclosure log).

    Attributes
    ----------
    rows : DataFrame with :data:`PUBLIC_COLUMNS`, one row a place (or "Other places in <town>")
    concerns_listed : concern ids the rows cover
    grouped_small : concern ids from fewer than :data:`MIN_REPORTS` reports, folded into a town row
    reasons_withheld : concerns whose reasons were not shown
    """

    rows: pd.DataFrame
    concerns_listed: list[str]
    grouped_small: list[str]
    reasons_withheld: int


def month_words(date: object) -> str:
    """"2021-11-08" or "2021-11" -> "November 2021" ("" when unreadable): never the day."""
    m = re.match(r"^(\d{4})-(\d{1,2})", str(date or "").strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        return ""
    return f"{_MONTHS[int(m.group(2)) - 1]} {m.group(1)}"


def name_concerns(ids: list[str], crimes: pd.DataFrame | None, towns: dict[str, str],
                  cell: int = CELL_METRES) -> dict[str, str]:
    """A public name ("Bliss Way, Tonbridge and Malling") for each concern id.

    ``towns`` maps an id to its town (district); the street comes from the police.uk labels of
    the crimes in the square (streets before snap-label places), else the nearest street label
    within :data:`NEAR_STREET_M` of the square's centre; with neither, the town alone.
    """
    out = {i: towns.get(i, "") or "" for i in ids}
    if not ids or crimes is None or not len(crimes) or "location" not in crimes:
        return {i: (t or "A place in the study area") for i, t in out.items()}
    corners = np.array([cell_of_id(i) for i in ids], dtype=float).reshape(-1, 2)
    cx, cy = corners[:, 0] + cell / 2, corners[:, 1] + cell / 2
    x, y = crimes["x"].to_numpy(float), crimes["y"].to_numpy(float)
    ok = np.isfinite(x) & np.isfinite(y)
    pts = shapely.points(x[ok], y[ok])
    near = np.unique(shapely.STRtree(pts).query(shapely.points(cx, cy), predicate="dwithin",
                                                distance=NEAR_STREET_M + cell)[1])
    rows = np.flatnonzero(ok)[near]
    labels = crimes["location"].to_numpy(dtype=object)[rows]
    kinds = label_kinds(pd.Series(labels))
    names = np.array([strip_prefix(v) for v in labels], dtype=object)
    sq = concern_ids(x[rows], y[rows], cell)
    street_rows = kinds == "street"
    tree = shapely.STRtree(shapely.points(x[rows][street_rows], y[rows][street_rows])) if street_rows.any() else None
    street_names = names[street_rows]
    for k, cid in enumerate(ids):
        inside = sq == cid
        streets = pd.Series(names[inside & street_rows]).value_counts()
        places = pd.Series(names[inside & np.isin(kinds, ["place", "police_station"])]).value_counts()
        street = str(streets.index[0]) if len(streets) else ""
        if not street and tree is not None:
            hit = tree.query_nearest(shapely.points(cx[k], cy[k]), max_distance=NEAR_STREET_M)
            if len(hit):
                street = str(street_names[int(np.min(hit))])
        place = str(places.index[0]) if len(places) else ""
        busiest = bool(place) and (not len(streets) or places.iloc[0] > streets.iloc[0])
        if street or place:  # "A parking area, Dover" when no street is near: never the label alone
            out[cid] = spot_name(street, place, busiest or not street, out[cid])
        elif not out[cid]:
            out[cid] = "A place in the study area"
    return out


def _reasons(text: object) -> list[str]:
    """Known reason labels of a concern's "Badly lit (8); ..." text, counts and free text dropped."""
    out = []
    for part in str(text or "").split(";"):
        label = re.sub(r"\s*\(\d+\)\s*$", "", part.strip())
        if label in _KNOWN_REASONS and label not in out:
            out.append(label)
    return out


def _status(text: object) -> str:
    s = " ".join(str(text or "").split())
    return s[:1].upper() + s[1:] if s else "Recorded"


def build_public_update(concerns: pd.DataFrame, actions: pd.DataFrame | None, *, crimes: pd.DataFrame | None = None,
                        towns: dict[str, str] | None = None, under_review: bool = False,
                        min_reports: int = MIN_REPORTS) -> PublicUpdate:
    """The public update's rows (see the module notes for the rules).

    Parameters
    ----------
    concerns : the concern table (``concern_id, place, lsoa_name, reports, top_reasons`` ...)
    actions : the actions log (``concern_id, date, action, agency, status``) or None
    crimes : crimes with ``x, y, location`` (EPSG:27700), to name streets
    towns : town per concern id for concerns acted on but absent from ``concerns`` (optional)
    under_review : also list concerns with no action yet
    """
    acts = actions if actions is not None else pd.DataFrame(columns=["concern_id", "date", "action", "agency", "status"])
    acts = acts.assign(_o=range(len(acts))).sort_values(["concern_id", "date", "_o"], kind="stable")
    by_id = {str(c): g for c, g in acts.groupby("concern_id", sort=False)}
    info = {str(r["concern_id"]): r for r in concerns.to_dict("records")} if len(concerns) else {}
    ids = sorted(set(by_id) | (set(info) if under_review else set()))
    town = {i: town_of(info[i].get("lsoa_name", "")) if i in info else "" for i in ids}
    town.update({i: t for i, t in (towns or {}).items() if i in town and not town[i]})
    names = name_concerns(ids, crimes, town)
    groups: dict[tuple[str, str], list[str]] = {}
    for i in ids:
        groups.setdefault((town[i], names[i]), []).append(i)
    rows, listed, small, withheld = [], [], [], 0
    folded: dict[str, list[str]] = {}
    for (t, name), members in groups.items():
        total = sum(int(info[i]["reports"]) if i in info else 0 for i in members)
        if total < min_reports:
            folded.setdefault(t, []).extend(members)
            continue
        told = []
        for i in members:
            if i in info and int(info[i]["reports"]) >= min_reports:
                told += [r for r in _reasons(info[i].get("top_reasons")) if r not in told]
            elif i in info:
                withheld += 1
        rows.append(_row(name, t, "; ".join(told), members, by_id))
        listed += members
    for t, members in folded.items():
        place = f"Other places in {t}" if t else "Other places"
        withheld += sum(1 for i in members if i in info)
        rows.append(_row(place, t, f"Fewer than {min_reports} reports at each place: not listed one by one",
                         members, by_id))
        listed += members
        small += members
    frame = pd.DataFrame(rows, columns=["_sort", *PUBLIC_COLUMNS])
    frame = frame.sort_values("_sort", kind="stable").drop(columns="_sort").reset_index(drop=True)
    return PublicUpdate(rows=frame, concerns_listed=sorted(listed), grouped_small=sorted(small),
                        reasons_withheld=withheld)


def _row(place: str, town: str, told: str, members: list[str], by_id: dict[str, pd.DataFrame]) -> dict:
    what, who, when, status = [], [], [], []
    for i in members:
        g = by_id.get(i)
        if g is None or not len(g):
            continue
        for a in g.to_dict("records"):
            what.append(_GRID_CODE.sub("this place", " ".join(str(a.get("action") or "").split())))
            who.append(" ".join(str(a.get("agency") or "").split()) or "Partners")
            when.append(month_words(a.get("date")) or "Date not recorded")
            status.append(_status(a.get("status")))
    if not what:
        what, who, when, status = ["Under review"], [""], [""], ["Under review"]
    other = place.startswith("Other places")
    return {"_sort": (town.lower(), other, place.lower()), "Place": place, "Town": town,
            "What you told us": told or "", "What we did": "\n".join(what), "Who": "\n".join(who),
            "When": "\n".join(when), "Status": "\n".join(status)}
