"""A small, polite HTTP client for open-data services: rate limit, retry with backoff, JSON.

The police.uk API allows 15 requests a second (a burst of 30) and answers 429 beyond that;
ArcGIS and GOV.UK asset servers time out now and then. Every fetcher goes through
:class:`HttpClient`, so the limits and the retry policy live in one place, and every failure
becomes one :class:`~hotspots.data.errors.DataError` that names the service address and the fix
(the CLI prints it as one ``error:`` line).

Only the standard library is used (``urllib``): fetching is a convenience, never needed at
analysis time, and must not pull in a dependency.

Every request is bounded twice: by time (``timeout`` is a deadline for the whole request,
headers and body, enforced by a watchdog that shuts the socket: a server that sends a byte
every two seconds never resets it, as it would a per-read timeout) and by size
(``max_bytes``: an endless body, or a file far larger than any the services publish, stops
with an error instead of growing until the kernel kills the process).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..data.errors import DataError
from ..progress import CancelFn, Cancelled
from .deadline import Deadline, opener

__all__ = ["HttpClient", "HttpStatusError", "RateLimiter", "service_url", "MAX_BYTES"]

#: the default size bound of one answer (bytes): the largest fetched (IoD 2025 File 7, ~30 MB; a
#: page of 2,000 full-resolution ONS polygons, ~60 MB) with a wide margin; ``--max-mb`` raises it
MAX_BYTES = 256_000_000

#: statuses worth another try after a pause (503 is left to callers that know what it means)
RETRY_STATUSES = frozenset({429, 500, 502, 504})


def service_url(flag: str | None, env_var: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """The service address: the flag, else the environment variable, else the public service."""
    import os

    env = os.environ if environ is None else environ
    url = (flag or env.get(env_var) or default).strip()
    return url.rstrip("/")


class HttpStatusError(Exception):
    """An HTTP status the caller may want to act on (police.uk's 503 means "too many crimes")."""

    def __init__(self, status: int, url: str, body: bytes = b"") -> None:
        super().__init__(f"HTTP {status} from {url}")
        self.status = status
        self.url = url
        self.body = body


class RateLimiter:
    """At most ``rate`` requests in any sliding window of ``per`` seconds (thread-safe).

    A sliding window rather than a token bucket: police.uk counts requests per second, so
    never letting a 16th request into any one-second window keeps us under the limit however
    the requests bunch up.
    """

    def __init__(self, rate: int = 15, per: float = 1.0, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.rate, self.per = int(rate), float(per)
        self._clock, self._sleep = clock, sleep
        self._stamps: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until one more request fits in the window, then count it."""
        with self._lock:
            while True:
                now = self._clock()
                while self._stamps and now - self._stamps[0] >= self.per:
                    self._stamps.popleft()
                if len(self._stamps) < self.rate:
                    self._stamps.append(now)
                    return
                self._sleep(self.per - (now - self._stamps[0]) + 1e-3)


@dataclass
class HttpClient:
    """GET/POST with a rate limit, retries on 429/5xx/timeouts and exponential backoff.

    Parameters
    ----------
    service : what the user calls the service ("the police.uk API"), for messages
    env_var : the environment variable (and flag) that sets its address, for the fix
    rate : requests per second allowed (police.uk: 15)
    retries : further attempts after the first, on a retryable status, a timeout or bad JSON
    backoff : first pause in seconds; doubled each attempt, capped at ``max_backoff``.
        A 429's ``Retry-After`` header is honoured when it asks for longer.
    timeout : seconds a whole request may take (connect, headers and body together)
    max_bytes : the largest answer accepted (:data:`MAX_BYTES` by default)
    cancel : polled before every request and during pauses
    """

    service: str = "the service"
    env_var: str = ""
    rate: int = 15
    retries: int = 5
    backoff: float = 0.5
    max_backoff: float = 30.0
    timeout: float = 30.0
    max_bytes: int = MAX_BYTES
    cancel: CancelFn | None = None
    sleep: Callable[[float], None] = time.sleep
    user_agent: str = "hotspots (open-data fetch)"
    limiter: RateLimiter | None = None
    #: counts for the report: requests, retries by reason
    stats: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.limiter is None:
            # one fewer than the limit leaves: the server counts *arrivals*, and an answer that is
            # slow to arrive lets the next request start late but the one after on time; with
            # requests one after another, rate - 1 sends per second mean at most rate arrivals
            self.limiter = RateLimiter(max(1, self.rate - 1), sleep=self.sleep)

    # -- public ---------------------------------------------------------------------------
    def get_json(self, url: str, params: Mapping[str, Any] | None = None, *,
                 pass_statuses: Iterable[int] = ()) -> Any:
        """GET ``url?params`` and parse JSON; statuses in ``pass_statuses`` raise HttpStatusError."""
        full = url + ("?" + urllib.parse.urlencode(params) if params else "")
        return self._json(full, None, pass_statuses)

    def post_json(self, url: str, form: Mapping[str, Any], *, pass_statuses: Iterable[int] = ()) -> Any:
        """POST ``form`` (urlencoded) to ``url`` and parse JSON."""
        return self._json(url, urllib.parse.urlencode(form).encode("ascii"), pass_statuses)

    def get_bytes(self, url: str) -> bytes:
        """GET a whole file (retried like the JSON calls)."""
        return self._request(url, None, ())

    # -- internals ------------------------------------------------------------------------
    def _fix(self) -> str:
        where = f"set {self.env_var} (or the matching --*-url flag) to a reachable mirror" if self.env_var \
            else "point the fetch at a reachable mirror"
        return (f"check the network connection, or {where}; fetching is optional: analyse files you "
                "already have with 'hotspots analyse'")

    def _json(self, url: str, data: bytes | None, pass_statuses: Iterable[int]) -> Any:
        attempt = 0
        while True:
            body = self._request(url, data, pass_statuses)
            try:
                return json.loads(body.decode("utf-8-sig"))
            except (ValueError, RecursionError) as exc:
                if not isinstance(exc, (UnicodeDecodeError, json.JSONDecodeError)):  # read, but unusable
                    raise DataError(_short(url), f"{self.service} answered with JSON this tool cannot use "
                                                 f"({_one_line(exc)[:80]})",
                                    hint=f"check that {self.env_var or 'the address'} points at the service "
                                         "itself, or try again later") from None
                self._count("retry_bad_json")
                if attempt >= self.retries:
                    shown = body[:60].decode("utf-8", "replace").replace("\n", " ")
                    raise DataError(_short(url), f"{self.service} answered with something that is not JSON "
                                                 f"({shown!r}) after {attempt + 1} tries",
                                    hint=f"try again later, or check that {self.env_var or 'the address'} "
                                         "points at the service itself") from None
                self._pause(attempt, None)
                attempt += 1

    def _request(self, url: str, data: bytes | None, pass_statuses: Iterable[int]) -> bytes:
        passing = set(pass_statuses)
        attempt = 0
        while True:
            if self.cancel and self.cancel():
                raise Cancelled()
            assert self.limiter is not None
            self.limiter.wait()
            self._count("requests")
            req = urllib.request.Request(url, data=data, headers={"User-Agent": self.user_agent,
                                                                  "Accept": "application/json, */*"})
            if data is not None:
                req.add_header("Content-Type", "application/x-www-form-urlencoded")
            retry_after: float | None = None
            watch = Deadline(self.timeout)
            try:
                with watch, opener(watch).open(req, timeout=self.timeout) as resp:  # http(s) only
                    return self._read_body(resp, url, watch)
            except urllib.error.HTTPError as exc:
                status = exc.code
                body = _read_quietly(exc)
                if watch.expired:
                    raise self._too_slow(url) from None
                if status in passing:
                    raise HttpStatusError(status, url, body) from None
                if status not in RETRY_STATUSES and status != 503:
                    raise DataError(_short(url), f"{self.service} refused the request (HTTP {status})",
                                    hint=_status_hint(status, self.env_var)) from None
                reason = f"HTTP {status}"
                retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
                self._count(f"retry_{status}")
            except TimeoutError:
                if watch.expired and watch.got_bytes:
                    raise self._too_slow(url) from None
                reason = "timed out"
                self._count("retry_timeout")
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                    reason = "timed out"
                    self._count("retry_timeout")
                else:
                    raise DataError(_short(url), f"cannot reach {self.service} ({_reason(exc)})",
                                    hint=self._fix()) from None
            except http.client.HTTPException as exc:  # an answer cut short (IncompleteRead, BadStatusLine)
                if watch.expired and watch.got_bytes:
                    raise self._too_slow(url) from None
                reason = "timed out" if watch.expired else type(exc).__name__
                self._count("retry_timeout" if watch.expired else "retry_connection")
            except (ConnectionError, OSError) as exc:  # reset mid-answer, refused on keep-alive
                if watch.expired and watch.got_bytes:
                    raise self._too_slow(url) from None
                if isinstance(exc, ConnectionRefusedError):
                    raise DataError(_short(url), f"cannot reach {self.service} (connection refused)",
                                    hint=self._fix()) from None
                reason = type(exc).__name__
                self._count("retry_connection")
            if attempt >= self.retries:
                raise DataError(_short(url), f"{self.service} did not answer after {attempt + 1} tries "
                                             f"(last: {reason})", hint=self._fix())
            self._pause(attempt, retry_after)
            attempt += 1

    def _read_body(self, resp: http.client.HTTPResponse, url: str, watch: Deadline) -> bytes:
        """The whole body, in the pieces the socket gives (``read1``), within the size bound."""
        limit = int(self.max_bytes)
        length = resp.headers.get("Content-Length") if resp.headers else None
        if length and length.strip().isdigit() and len(length.strip()) < 30 and int(length) > limit:
            raise self._too_big(url, int(length))
        body = bytearray()  # grown in place: the answer is held once, not once in pieces and once joined
        while True:
            piece = resp.read1(1 << 16)
            if not piece:
                if watch.expired:
                    raise TimeoutError("deadline")
                return body  # type: ignore[return-value]  # bytes-like: decoded or written as it is
            watch.got_bytes = True
            if len(body) + len(piece) > limit:
                raise self._too_big(url, None)
            body += piece

    def _too_big(self, url: str, declared: int | None) -> DataError:
        what = (f"announced an answer of {_mb(declared)}, more than the {_mb(self.max_bytes)} allowed"
                if declared is not None else f"sent more than the {_mb(self.max_bytes)} allowed")
        return DataError(_short(url), f"{self.service} {what}; the fetch stopped rather than fill the memory",
                         hint=f"check that {self.env_var or 'the address'} points at the service itself; if the "
                              "file really is that large, raise the bound with --max-mb")

    def _too_slow(self, url: str) -> DataError:
        return DataError(_short(url), f"{self.service} was still sending its answer after the {self.timeout:g} s "
                                      "allowed for a request (a stalled or very slow connection)",
                         hint="try again later, or allow more time with --timeout")

    def _pause(self, attempt: int, retry_after: float | None) -> None:
        wait = min(self.max_backoff, self.backoff * (2 ** attempt))
        if retry_after is not None:
            wait = min(self.max_backoff, max(wait, retry_after))
        left = wait
        while left > 0:  # sleep in slices so Cancel is honoured during a long pause
            if self.cancel and self.cancel():
                raise Cancelled()
            step = min(left, 0.25)
            self.sleep(step)
            left -= step

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1


def _one_line(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__).replace("\n", " ")


def _mb(n: int | None) -> str:
    return f"{(n or 0) / 1e6:,.1f} MB"


def _read_quietly(exc: urllib.error.HTTPError) -> bytes:
    try:
        return exc.read(1 << 16) or b""  # an error page is shown in part: never an endless one
    except Exception:  # a body cut short is no reason to hide the status
        return b""


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: fall back on our own backoff
        return None


def _reason(exc: urllib.error.URLError) -> str:
    r = exc.reason
    if isinstance(r, socket.gaierror):
        return "the host name does not resolve: offline?"
    if isinstance(r, ConnectionRefusedError):
        return "connection refused"
    return str(r)


def _status_hint(status: int, env_var: str) -> str:
    if status == 404:
        return f"the address looks wrong: check {env_var or 'the service address'} (the path is added by hotspots)"
    if status == 400:
        return "the request was refused as malformed; for police.uk check the month (YYYY-MM) and the area"
    return "try again later"


def _short(url: str, limit: int = 120) -> str:
    """A URL short enough for one error line (police.uk polygons make URLs of 4,000 characters)."""
    return url if len(url) <= limit else url[:limit] + "..."
