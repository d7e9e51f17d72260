"""Synthetic records extracts (never real records) with planted day-by-hour patterns and broken rows.

Two planted places in the demo town (gis_data/demo boundaries, EPSG:27700):

- ``night``: a Friday/Saturday-night place (22:00-02:00 on Friday and Saturday nights);
- ``school``: a school-day-afternoon place (15:00-18:00, Monday to Friday);

each a tight cluster of crimes, most of them committed inside the planted hours (known to
the minute or within half an hour), over a sparse background spread over the town and the
week with a realistic mix of spans (known times, a few hours, overnight, a weekend, and a few
longer than a week). Broken rows of every kind the reader counts are mixed in, and the
whole table can be written in several column dialects and date formats, with the mapping
file a user would write for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

DEMO_BOUNDARIES = Path(__file__).resolve().parents[1] / "gis_data" / "demo" / "boundaries.gpkg"
DEMO_BOUNDS = (394797.2, 139962.77, 415368.09, 160008.52)
NIGHT_XY = (403400.0, 150300.0)
SCHOOL_XY = (407900.0, 146200.0)
#: planted hours of the week (0 = Monday 00:00-01:00)
NIGHT_HOURS = sorted({(d * 24 + h) % 168 for d in (4, 5) for h in (22, 23, 24, 25)})
SCHOOL_HOURS = sorted({d * 24 + h for d in range(5) for h in (15, 16, 17)})
MONDAY = pd.Timestamp("2021-01-04")  # a Monday
WEEKS = 52

NIGHT_CODES = ["8N", "105A", "9A", "105A", "8N", "58C"]
SCHOOL_CODES = ["46", "39", "105A", "58C", "49"]
BACKGROUND_CODES = ["28E", "30C", "45", "48", "44", "46", "49", "58A", "58C", "105A", "8N", "9A", "92D", "34B",
                    "10D", "126", "8L", "56B", "39", "99"]


@dataclass
class Extract:
    """The canonical rows (before a dialect writes them) and what was planted and broken."""

    rows: pd.DataFrame  # id, code, offence, start, end (Timestamp or NaT), x, y, location
    broken: dict[str, int] = field(default_factory=dict)
    long_spans: int = 0
    planted: dict[str, tuple[tuple[float, float], list[int]]] = field(default_factory=dict)


def _inside_town(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` uniform points inside the demo town's LSOAs (the background)."""
    import geopandas as gpd
    import shapely

    town = shapely.union_all(gpd.read_file(DEMO_BOUNDARIES).geometry.values)
    x0, y0, x1, y1 = DEMO_BOUNDS
    xs, ys = [], []
    while sum(map(len, xs)) < n:
        x = rng.uniform(x0, x1, 2 * n)
        y = rng.uniform(y0, y1, 2 * n)
        ok = shapely.contains_xy(town, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
    return np.concatenate(xs)[:n], np.concatenate(ys)[:n]


def _planted_starts(rng: np.random.Generator, n: int, hours: list[int]) -> np.ndarray:
    """Start minutes since MONDAY inside the planted hours of random weeks."""
    weeks = rng.integers(0, WEEKS - 1, n)
    h = rng.choice(hours, n)
    return weeks * 10080 + h * 60 + rng.integers(0, 60, n)


def make_extract(seed: int = 7, n_night: int = 320, n_school: int = 260, n_background: int = 3000,
                 in_hours: float = 0.85, broken: bool = True) -> Extract:
    """The canonical synthetic extract (see the module doc)."""
    rng = np.random.default_rng(seed)
    parts = []
    for name, (cx, cy), n, hours, codes in (("night", NIGHT_XY, n_night, NIGHT_HOURS, NIGHT_CODES),
                                            ("school", SCHOOL_XY, n_school, SCHOOL_HOURS, SCHOOL_CODES)):
        k = int(round(n * in_hours))
        start = np.concatenate([_planted_starts(rng, k, hours), rng.integers(0, (WEEKS - 1) * 10080, n - k)])
        dur = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 30, n))  # to the minute, or within half an hour
        parts.append(pd.DataFrame({
            "x": cx + rng.normal(0, 25, n), "y": cy + rng.normal(0, 25, n), "start": start, "dur": dur,
            "code": rng.choice(codes, n), "place": name}))
    nb = n_background
    kind = rng.choice(["point", "hours", "overnight", "weekend", "long"], nb, p=[0.45, 0.25, 0.15, 0.13, 0.02])
    dur = np.select([kind == "point", kind == "hours", kind == "overnight", kind == "weekend"],
                    [0, rng.integers(30, 300, nb), rng.integers(480, 720, nb), rng.integers(2000, 3800, nb)],
                    rng.integers(8 * 1440, 20 * 1440, nb))
    bx, by = _inside_town(rng, nb)
    parts.append(pd.DataFrame({
        "x": bx, "y": by,
        "start": rng.integers(0, (WEEKS - 1) * 10080, nb), "dur": dur,
        "code": rng.choice(BACKGROUND_CODES, nb), "place": "background"}))
    df = pd.concat(parts, ignore_index=True)
    df = df.iloc[rng.permutation(len(df))].reset_index(drop=True)
    df["start"] = MONDAY + pd.to_timedelta(df["start"], unit="m")
    df["end"] = df["start"] + pd.to_timedelta(df["dur"], unit="m")
    point = df["dur"] == 0
    df.loc[point & (rng.random(len(df)) < 0.6), "end"] = pd.NaT  # a known time: often no end written
    df["id"] = [f"CR/{100000 + i}/21" for i in range(len(df))]
    df["offence"] = ""
    df["location"] = [f"{n} High Street" for n in rng.integers(1, 200, len(df))]
    long_spans = int(((df["end"] - df["start"]) > pd.Timedelta(days=7)).sum())
    out = Extract(rows=df, long_spans=long_spans,
                  planted={"night": (NIGHT_XY, NIGHT_HOURS), "school": (SCHOOL_XY, SCHOOL_HOURS)})
    if broken:
        out.rows, out.broken = _break(df, rng)
    return out


def _break(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, int]]:
    """Append broken copies of background rows, one kind at a time, and count them."""
    bg = df[df["place"] == "background"]
    bad = []
    counts: dict[str, int] = {}

    def take(n: int) -> pd.DataFrame:
        return bg.iloc[rng.choice(len(bg), n, replace=False)].copy()

    b = take(20)
    b["x"] = np.nan
    b["y"] = np.nan
    bad.append(b.assign(broken="no location"))
    b = take(15)
    b["start"] = pd.NaT
    bad.append(b.assign(broken="no start date"))
    b = take(12)
    b["bad_date"] = "31/02/2021"
    bad.append(b.assign(broken="impossible date"))
    b = take(14)
    b["end"] = b["start"] - pd.Timedelta(hours=3)
    bad.append(b.assign(broken="end before start"))
    b = take(10)
    b["code"] = "ZZ9"
    bad.append(b.assign(broken="unknown offence"))
    b = take(8)  # copies of real ids: the later row is a duplicate
    bad.append(b.assign(broken="duplicate crime id"))
    b = take(9)
    b["x"] = 530000.0  # London: in Great Britain but in no LSOA of the demo town
    b["y"] = 180000.0
    bad.append(b.assign(broken="outside every LSOA"))
    fresh = iter(range(900000, 999999))
    for part in bad:
        kind = str(part["broken"].iloc[0])
        counts[kind] = len(part)
        if kind != "duplicate crime id":  # every other broken row is its own crime
            part["id"] = [f"CR/{next(fresh)}/21" for _ in range(len(part))]
    out = pd.concat([df.assign(broken=""), *bad], ignore_index=True)
    return out, counts


# ------------------------------------------------------------------ dialects
def _fmt(ts: pd.Series, fmt: str) -> pd.Series:
    return ts.dt.strftime(fmt).where(ts.notna(), "")


def write_dialect(ex: Extract, folder: Path, dialect: str) -> tuple[Path, Path | None]:
    """Write the extract as ``dialect``; return (extract path, mapping path or None when the
    columns are found by their names)."""
    folder.mkdir(parents=True, exist_ok=True)
    df = ex.rows
    bad_date = df["bad_date"] if "bad_date" in df.columns else pd.Series("", index=df.index)
    bad_date = bad_date.fillna("")
    mapping: dict[str, str] | None = None
    if dialect in ("niche", "xlsx"):
        out = pd.DataFrame({
            "Occurrence Number": df["id"], "HO Code": df["code"], "Offence Description": df["offence"],
            "Committed From Date": _fmt(df["start"], "%d/%m/%Y").where(bad_date == "", bad_date),
            "Committed From Time": _fmt(df["start"], "%H:%M"),
            "Committed To Date": _fmt(df["end"], "%d/%m/%Y"), "Committed To Time": _fmt(df["end"], "%H:%M"),
            "Easting": df["x"].round(0), "Northing": df["y"].round(0), "Location": df["location"]})
    elif dialect == "athena":
        out = pd.DataFrame({
            "URN": df["id"], "HOC": df["code"].map(lambda c: c.zfill(4) if c[:-1].isdigit() else c),
            "FROM_DT": _fmt(df["start"], "%Y-%m-%d %H:%M:%S").where(bad_date == "", "2021-02-31 10:00:00"),
            "TO_DT": _fmt(df["end"], "%Y-%m-%d %H:%M:%S"),
            "GRID_E": df["x"].round(1), "GRID_N": df["y"].round(1), "ADDR": df["location"]})
        mapping = {"id": "URN", "offence_code": "HOC", "from": "FROM_DT", "to": "TO_DT", "x": "GRID_E",
                   "y": "GRID_N", "crs": "EPSG:27700", "location": "ADDR", "date_format": "%Y-%m-%d %H:%M:%S"}
    elif dialect == "connect":
        from pyproj import Transformer

        t = Transformer.from_crs(27700, 4326, always_xy=True)
        lon, lat = t.transform(df["x"].to_numpy(), df["y"].to_numpy())
        out = pd.DataFrame({
            "Ref": df["id"], "Class": df["code"],
            "Day1": _fmt(df["start"], "%d-%b-%Y").where(bad_date == "", "31-Feb-2021"),
            "HHMM1": _fmt(df["start"], "%H%M"), "Day2": _fmt(df["end"], "%d-%b-%Y"), "HHMM2": _fmt(df["end"], "%H%M"),
            "Lat": np.round(lat, 6), "Lng": np.round(lon, 6), "Where": df["location"]})
        mapping = {"id": "Ref", "offence_code": "Class", "from_date": "Day1", "from_time": "HHMM1",
                   "to_date": "Day2", "to_time": "HHMM2", "lat": "Lat", "lon": "Lng", "location": "Where",
                   "date_format": "%d-%b-%Y"}
    else:
        raise ValueError(dialect)
    if dialect == "xlsx":
        path = folder / "extract.xlsx"
        out.to_excel(path, index=False)
    else:
        path = folder / f"extract_{dialect}.csv"
        out.to_csv(path, index=False)
    mpath = None
    if mapping is not None:
        mpath = folder / f"mapping_{dialect}.json"
        mpath.write_text(json.dumps(mapping, indent=2))
    return path, mpath
