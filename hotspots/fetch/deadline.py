"""A whole-request deadline for urllib: a watchdog that shuts the socket when time is up.

``urlopen(timeout=...)`` bounds each socket read, not the request: a server that sends one
byte every two seconds resets it for ever (a slow-loris answer). :class:`Deadline` starts a
timer when a request begins; connections made through :func:`opener` register their socket
with it, and at the deadline the socket is shut down, so the blocked read returns at once
and ``expired`` says why. The opener also refuses redirects to ``ftp:`` and ``file:``
addresses, which are not the service's answers and would not be bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import urllib.error
import urllib.request

__all__ = ["Deadline", "opener"]


class Deadline:
    """A watchdog for one request: at ``seconds`` after entry it shuts the request's socket,
    so a read blocked on a trickling server returns at once (``expired`` says why)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = max(0.05, float(seconds))
        self.expired = False
        self.got_bytes = False
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.append(sock)
            if self.expired:
                self._shut(sock)

    def __enter__(self) -> Deadline:
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for s in self._socks:
                self._shut(s)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def opener(watch: Deadline) -> urllib.request.OpenerDirector:
    """An opener whose connections register their socket with ``watch`` once connected."""

    class _Http(http.client.HTTPConnection):
        def connect(self) -> None:
            super().connect()
            watch.watch(self.sock)

    class _Https(http.client.HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            watch.watch(self.sock)

    class _HttpHandler(urllib.request.HTTPHandler):
        def http_open(self, req):  # noqa: ANN001, ANN202
            return self.do_open(_Http, req)

    class _HttpsHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # noqa: ANN001, ANN202
            return self.do_open(_Https, req, context=self._context)

    class _Refused(urllib.request.BaseHandler):
        """A redirect to ftp: or file: is not an answer from the service (and is not bounded here)."""

        def ftp_open(self, req):  # noqa: ANN001, ANN202
            raise urllib.error.URLError("a redirect to an ftp address was refused")

        def file_open(self, req):  # noqa: ANN001, ANN202
            raise urllib.error.URLError("a redirect to a local file was refused")

    built = urllib.request.build_opener(_HttpHandler, _HttpsHandler)
    built.handlers = [h for h in built.handlers
                      if not isinstance(h, (urllib.request.FTPHandler, urllib.request.FileHandler))]
    for attr in ("handle_open",):
        table = getattr(built, attr)
        table.pop("ftp", None)
        table.pop("file", None)
    built.add_handler(_Refused())
    return built
