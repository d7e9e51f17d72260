"""police.uk street-level crimes for a study area, tile by tile, with a cache.

The API (https://data.police.uk/docs/method/crime-street/) gives a month's crimes inside a
custom polygon (``crimes-street/all-crime?poly=lat,lng:...&date=YYYY-MM``) and answers 503
when the polygon holds more than 10,000 of them; the months it holds come from
``crimes-street-dates``. :func:`fetch_months` asks for the area in quadtree tiles
(:mod:`.tiles`), splits a tile that answers 503 into four, sends long polygons by POST, and
de-duplicates crimes seen by two tiles by their API ``id`` (anti-social behaviour has an empty
``persistent_id``, so that cannot be the key). Every answered tile is cached on disk, so a
re-run after a cut connection or a Cancel asks only for what is missing.

Nothing a server sends is trusted: the months of ``crimes-street-dates`` must be ``YYYY-MM``
before one becomes a folder name; each crime must be an object whose ``location`` is an
object and whose ``id`` is a number, a string or missing; a crime with no id is kept (it
cannot be told apart from another, so it is never merged) and counted. A malformed answer is
one :class:`DataError` naming the service, the month and the fix.
"""

from __future__ import annotations

import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from shapely.geometry.base import BaseGeometry

from ..data.errors import DataError
from ..export.atomic import write_text_atomic
from ..progress import CancelFn, Cancelled, ProgressFn
from .http import HttpClient, HttpStatusError, service_url
from .police_answers import POLICE_ENV, check_crimes, crime_key, malformed, unique_crimes
from .tiles import MAX_DEPTH, Tile, TileGrid, poly_param

__all__ = ["PoliceAPI", "FetchReport", "fetch_months", "month_range", "POLICE_API", "POLICE_ENV",
           "GET_LIMIT"]

POLICE_API = "https://data.police.uk/api"
#: police.uk answers 400 to a GET longer than 4,094 characters; past this we POST
GET_LIMIT = 4000
#: a month as police.uk writes it, and the only month text that may become a path
MONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def month_range(first: str, last: str) -> list[str]:
    """Every ``YYYY-MM`` from ``first`` to ``last`` inclusive."""
    def parse(m: str, flag: str) -> tuple[int, int]:
        try:
            y, mo = (int(p) for p in str(m).strip().split("-"))
            if len(str(m).strip()) == 7 and 1 <= mo <= 12:
                return y, mo
        except ValueError:
            pass
        raise DataError(flag, f"'{m}' is not a month", hint="write months as YYYY-MM, e.g. 2021-01")

    y0, m0 = parse(first, "--from")
    y1, m1 = parse(last, "--to")
    if (y1, m1) < (y0, m0):
        raise DataError("--to", f"{last} is before {first}", hint="give --from before --to")
    out = []
    y, m = y0, m0
    while (y, m) <= (y1, m1):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


class PoliceAPI:
    """The few police.uk endpoints the fetch needs, on a configurable base URL."""

    def __init__(self, base: str | None = None, client: HttpClient | None = None) -> None:
        self.base = service_url(base, POLICE_ENV, POLICE_API)
        self.client = client or HttpClient(service=f"the police.uk API at {self.base}", env_var=POLICE_ENV)

    def dates(self) -> list[str]:
        """Months with street-level data, newest first (``crimes-street-dates``)."""
        url = f"{self.base}/crimes-street-dates"
        data = self.client.get_json(url)
        if not isinstance(data, list) or not all(isinstance(d, dict) and "date" in d for d in data):
            raise malformed(url, "it is not a list of months")
        if not data:
            raise DataError(url, "police.uk lists no months with street-level crimes",
                            hint=f"try again later, or check that {POLICE_ENV} (or --police-api) points at the "
                                 "police.uk API (…/api)")
        months = []
        for d in data:
            m = d["date"]
            if not isinstance(m, str) or not MONTH_RE.fullmatch(m):
                raise malformed(url, f"{str(m)[:40]!r} is not a month (YYYY-MM)")
            months.append(m)
        return months

    def crimes(self, poly: str, month: str) -> list[dict] | None:
        """The month's crimes in ``poly``, or None when police.uk says there are too many (503)."""
        url = f"{self.base}/crimes-street/all-crime"
        params = {"poly": poly, "date": month}
        try:
            if len(url) + len(poly) + 20 > GET_LIMIT:
                data = self.client.post_json(url, params, pass_statuses=(503,))
            else:
                data = self.client.get_json(url, params, pass_statuses=(503,))
        except HttpStatusError:
            return None
        return check_crimes(data, url, month)

    def force_area(self, force: str) -> BaseGeometry:
        """A force's area (WGS84) as the union of its neighbourhood boundaries."""
        import shapely

        url = f"{self.base}/{urllib.parse.quote(force, safe='')}/neighbourhoods"
        hoods = self.client.get_json(url)
        if not isinstance(hoods, list) or not hoods:
            raise DataError("--force", f"police.uk lists no neighbourhoods for '{force}'",
                            hint=f"use a force id from {self.base}/forces, e.g. 'kent'")
        polys = []
        for h in hoods:
            hid = h.get("id") if isinstance(h, dict) else None
            if not isinstance(hid, (str, int)) or isinstance(hid, bool) or not str(hid).strip():
                raise malformed(url, "a neighbourhood has no id")
            burl = f"{self.base}/{urllib.parse.quote(force, safe='')}/{urllib.parse.quote(str(hid), safe='')}/boundary"
            pts = self.client.get_json(burl)
            if pts is None:
                pts = []
            if not isinstance(pts, list):
                raise malformed(burl, "the boundary is not a list of points")
            ring = []
            for p in pts:
                try:
                    xy = (float(p["longitude"]), float(p["latitude"]))
                except (TypeError, ValueError, KeyError, OverflowError):
                    raise malformed(burl, f"a boundary point {str(p)[:40]!r} is not a latitude and "
                                           "longitude") from None
                if not (abs(xy[0]) <= 180 and abs(xy[1]) <= 90):
                    raise malformed(burl, f"a boundary point {xy} is not a latitude and longitude")
                ring.append(xy)
            if len(ring) >= 3:
                polys.append(shapely.make_valid(shapely.Polygon(ring)))
        if not polys:
            raise DataError("--force", f"police.uk gave no neighbourhood boundaries for '{force}'",
                            hint="pass --boundaries PATH instead")
        return shapely.union_all(polys)

    def force_name(self, force: str) -> str:
        info = self.client.get_json(f"{self.base}/forces/{urllib.parse.quote(force, safe='')}")
        return str(info.get("name", "")) if isinstance(info, dict) else ""


@dataclass
class FetchReport:
    """What one fetch did, for the CLI's last lines and the GUI."""

    months: list[str] = field(default_factory=list)
    requests: int = 0
    tiles_from_cache: int = 0
    splits: int = 0
    crimes: dict[str, int] = field(default_factory=dict)
    duplicates_dropped: dict[str, int] = field(default_factory=dict)
    skipped_months: list[str] = field(default_factory=list)
    #: crimes with no id (kept, each one: they cannot be told apart from a repeat)
    without_id: dict[str, int] = field(default_factory=dict)


class _Cache:
    """``root/<fingerprint>/<month>/<tile>.json`` (crimes) and ``<tile>.split`` (answered 503)."""

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.dir = Path(root) / fingerprint

    def _p(self, month: str, name: str) -> Path:
        if not MONTH_RE.fullmatch(month) or "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"not a cache entry: {month!r}/{name!r}")  # months are checked where they arrive
        return self.dir / month / name

    def get(self, month: str, key: str) -> list[dict] | None:
        p = self._p(month, f"{key}.json")
        if not p.exists():
            return None
        try:
            got = json.loads(p.read_text("utf-8"))
            return check_crimes(got, str(p), month)
        except (OSError, ValueError, RecursionError, DataError):  # a damaged entry is fetched again
            return None

    def put(self, month: str, key: str, crimes: list[dict]) -> None:
        write_text_atomic(self._p(month, f"{key}.json"), json.dumps(crimes, separators=(",", ":")))

    def is_split(self, month: str, key: str) -> bool:
        return self._p(month, f"{key}.split").exists()

    def mark_split(self, month: str, key: str) -> None:
        write_text_atomic(self._p(month, f"{key}.split"), "503\n")

    def complete(self, month: str) -> bool:
        return self._p(month, "complete").exists()

    def mark_complete(self, month: str, leaves: list[str]) -> None:
        write_text_atomic(self._p(month, "complete"), "\n".join(leaves) + "\n")

    def leaves(self, month: str) -> list[str] | None:
        """The tiles a finished month was answered in; None (fetch again) for a damaged list."""
        p = self._p(month, "complete")
        try:
            keys = p.read_text("utf-8").split() if p.is_file() else None
        except (OSError, UnicodeDecodeError):
            return None
        if keys is not None and not all(re.fullmatch(r"r[0-3]{0,40}", k) for k in keys):
            return None
        return keys


def fingerprint(area: BaseGeometry, base: str) -> str:
    """Cache key of one study area on one service (a mirror's crimes are not police.uk's)."""
    h = hashlib.sha1(base.encode("utf-8"))
    h.update(area.wkb)
    return h.hexdigest()[:16]


def fetch_months(
    area: BaseGeometry,
    months: Iterable[str],
    api: PoliceAPI,
    cache_root: Path,
    *,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    on_month: Callable[[str, list[dict]], None] | None = None,
    report: FetchReport | None = None,
) -> FetchReport:
    """Fetch each month's crimes over ``area`` (EPSG:27700) and hand them to ``on_month``.

    Months already complete in the cache need no network at all (a re-run of a finished
    fetch works offline); otherwise ``crimes-street-dates`` says which months exist, and a
    month police.uk does not hold is skipped and listed in the report.
    """
    months = list(months)
    report = report or FetchReport()
    grid = TileGrid(area)
    cache = _Cache(cache_root, fingerprint(grid.area, api.base))
    if not all(cache.complete(m) for m in months):
        available = set(api.dates())
        missing = [m for m in months if m not in available and not cache.complete(m)]
        if missing and len(missing) == len(months):
            newest = max(available) if available else "none"
            raise DataError("--from/--to", f"police.uk holds none of {months[0]}..{months[-1]} "
                                           f"(newest month: {newest})",
                            hint="pick months listed by crimes-street-dates")
        report.skipped_months = missing
        months = [m for m in months if m not in missing]
    start_frontier = ["r"]
    for i, month in enumerate(months):
        if cancel and cancel():
            raise Cancelled()
        crimes, leaves = _fetch_month(grid, month, api, cache, start_frontier, report, cancel,
                                      _month_progress(progress, month, i, len(months)))
        cache.mark_complete(month, leaves)
        start_frontier = leaves  # the next month is usually as dense: start from these tiles
        kept = unique_crimes(crimes, grid, set(leaves))
        report.duplicates_dropped[month] = len(crimes) - len(kept)
        report.without_id[month] = sum(1 for c in kept if crime_key(c) is None)
        report.crimes[month] = len(kept)
        report.months.append(month)
        if on_month is not None:
            on_month(month, kept)
    report.requests = api.client.stats.get("requests", 0)
    if progress:
        progress("Fetch done", 1.0)
    return report


def _month_progress(progress: ProgressFn | None, month: str, i: int, n: int) -> Callable[[str, float], None]:
    def show(msg: str, frac: float) -> None:
        if progress:
            progress(f"police.uk {month}: {msg}", (i + max(0.0, min(1.0, frac))) / max(n, 1))
    return show


def _fetch_month(grid: TileGrid, month: str, api: PoliceAPI, cache: _Cache, frontier: list[str],
                 report: FetchReport, cancel: CancelFn | None,
                 progress: Callable[[str, float], None]) -> tuple[list[dict], list[str]]:
    """Walk the quadtree from ``frontier``; return the crimes (with repeats) and the leaf keys."""
    cached_leaves = cache.leaves(month)
    stack: list[Tile] = [grid.tile(k) for k in (cached_leaves or frontier)][::-1]
    crimes: list[tuple[str, dict]] = []
    leaves: list[str] = []
    done_area = 0.0
    while stack:
        if cancel and cancel():
            raise Cancelled()
        tile = stack.pop()
        if not grid.touches(tile):
            done_area += tile.area
            continue
        got = cache.get(month, tile.key)
        if got is not None:
            report.tiles_from_cache += 1
        elif not cache.is_split(month, tile.key):
            poly = grid.request_polygon(tile)
            got = [] if poly.is_empty else api.crimes(poly_param(poly), month)
            if got is None:
                if tile.depth >= MAX_DEPTH:
                    raise DataError(api.base, f"police.uk still answers 503 (over 10,000 crimes) for a "
                                              f"{tile.size_m:,.0f} m tile in {month}",
                                    hint="the service may be down (it also answers 503 then); try again later")
                cache.mark_split(month, tile.key)
                report.splits += 1
            else:
                cache.put(month, tile.key, got)
        if got is None:  # split (now or on an earlier run): ask for the four quarters
            stack.extend(tile.children()[::-1])
            continue
        crimes.extend((tile.key, c) for c in got)
        leaves.append(tile.key)
        done_area += tile.area
        progress(f"{len(leaves)} tiles, {len(crimes):,} crimes", done_area / grid.root.area)
    return crimes, leaves
