"""A local police.uk API mirror for the fetch tests (pytest-httpserver).

It serves ``crimes-street-dates`` and ``crimes-street/all-crime`` (GET and POST, ``poly`` and
``date``) in the API's JSON shape, counts the crimes inside the requested polygon with its own
point-in-polygon (matplotlib's path test, not the shapely the fetcher uses) and answers 503
past ``limit``, 429 to every ``every_429``-th request, and records when each request came.
"""

from __future__ import annotations

import csv
import json
import threading
import time
from pathlib import Path

import numpy as np
from matplotlib.path import Path as MplPath
from werkzeug.wrappers import Request, Response

from hotspots.categories import CATEGORIES

__all__ = ["Mirror", "api_crimes_from_csv"]


def api_crimes_from_csv(path: Path, start_id: int) -> list[dict]:
    """A police.uk street CSV as the API would answer it (rows with no coordinates are not served)."""
    out = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            if not r["Longitude"] or not r["Latitude"]:
                continue
            out.append({
                "category": CATEGORIES[r["Crime type"]],
                "location_type": "Force",
                "location": {"latitude": r["Latitude"], "longitude": r["Longitude"],
                             "street": {"id": 1000 + i, "name": r["Location"]}},
                "context": r["Context"],
                "outcome_status": ({"category": r["Last outcome category"], "date": r["Month"]}
                                   if r["Last outcome category"] else None),
                "persistent_id": r["Crime ID"],
                "id": start_id + i,
                "location_subtype": "",
                "month": r["Month"],
            })
    return out


class Mirror:
    """Crimes by month, served with a crime limit and throttling, as police.uk does."""

    def __init__(self, crimes: dict[str, list[dict]], *, limit: int = 10_000, every_429: int = 0,
                 malformed_first: int = 0) -> None:
        self.crimes = crimes
        self.limit = limit
        self.every_429 = every_429
        self.malformed_left = malformed_first
        self.times: list[float] = []
        self.methods: list[str] = []
        self.answered_503 = 0
        self.answered_429 = 0
        self._lock = threading.Lock()
        self._xy = {m: np.array([[float(c["location"]["longitude"]), float(c["location"]["latitude"])]
                                 for c in cs]).reshape(-1, 2) for m, cs in crimes.items()}

    def install(self, server) -> None:
        server.expect_request("/api/crimes-street-dates").respond_with_handler(self._dates)
        server.expect_request("/api/crimes-street/all-crime").respond_with_handler(self._crimes)

    def _dates(self, request: Request) -> Response:
        body = [{"date": m, "stop-and-search": ["kent"]} for m in sorted(self.crimes, reverse=True)]
        return Response(json.dumps(body), content_type="application/json")

    def _crimes(self, request: Request) -> Response:
        with self._lock:
            self.times.append(time.monotonic())
            self.methods.append(request.method)
            n = len(self.times)
            if self.every_429 and n % self.every_429 == 0:
                self.answered_429 += 1
                return Response("Too Many Requests", status=429, headers={"Retry-After": "0"})
            if self.malformed_left > 0:
                self.malformed_left -= 1
                return Response('[{"category": "burglary", "loc', content_type="application/json")
        args = request.form if request.method == "POST" else request.args
        month, poly = args.get("date"), args.get("poly", "")
        pts = [tuple(float(v) for v in p.split(",")) for p in poly.split(":") if p]
        ring = np.array([(lng, lat) for lat, lng in pts])
        xy = self._xy.get(month)
        if xy is None or len(ring) < 3:
            return Response("[]", content_type="application/json")
        inside = MplPath(ring).contains_points(xy) if len(xy) else np.zeros(0, bool)
        if inside.sum() > self.limit:
            with self._lock:
                self.answered_503 += 1
            return Response("", status=503)
        body = [self.crimes[month][i] for i in np.flatnonzero(inside)]
        return Response(json.dumps(body), content_type="application/json")

    def max_per_second(self) -> int:
        """The most requests seen in any one-second window."""
        t = np.sort(np.array(self.times))
        if len(t) == 0:
            return 0
        return int(max(np.searchsorted(t, t + 1.0, side="left") - np.arange(len(t))))
