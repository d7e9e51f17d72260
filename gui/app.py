"""Start the desktop app: ``python main.py [--demo | --study FILE] [--screenshot PATH]``.

``--screenshot`` opens the study, waits until the analysis is in the table and the map page has
loaded, saves a PNG of the whole window and exits 0 (exit 1 with one ``error:`` line if that
does not happen within ``--timeout`` seconds). It is how the docs' pictures and the smoke test
are made, and it works without a display (Qt's offscreen platform).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

__all__ = ["main", "build_parser", "prepare_environment"]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python main.py", description="hotspots desktop app")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--demo", action="store_true", help="open the synthetic demo study (the default)")
    src.add_argument("--study", metavar="FILE", help="open a saved .hotspots study")
    p.add_argument("--screenshot", metavar="PATH", help="save a PNG of the window once everything is drawn, then exit")
    p.add_argument("--timeout", type=float, default=180.0, metavar="S", help="give up on --screenshot after S seconds")
    p.add_argument("--size", default="1600x1000", metavar="WxH", help="window size for --screenshot")
    return p


def prepare_environment(headless: bool = False) -> None:
    """Environment QtWebEngine needs, set before Qt is imported.

    Chromium refuses to run as root without ``--no-sandbox``; ``--disable-gpu`` avoids GPU
    probing on machines without one. ``headless`` picks Qt's offscreen platform when no
    display exists (screenshots on a server).
    """
    from hotspots.runtime.blas import one_blas_thread

    one_blas_thread()  # before NumPy loads: the analysis worker's threads, not BLAS's, use the cores
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    extra = []
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--no-sandbox" not in flags:
        extra.append("--no-sandbox")
    if headless and "--disable-gpu" not in flags:
        extra.append("--disable-gpu")
    if extra:
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join([flags, *extra]).strip()
    no_display = sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless and no_display:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


class _Screenshot:
    """Waits for analysisShown + mapReady, lets the page paint, grabs the window, quits."""

    SETTLE_MS = 1500

    def __init__(self, window, path: Path, app, t0: float) -> None:  # noqa: ANN001
        from PySide6.QtCore import QTimer

        self.window, self.path, self.app, self.t0 = window, path, app, t0
        self.shown = self.map = False
        self.code = 1
        window.analysisShown.connect(self._shown)
        window.mapReady.connect(self._map)
        window.runner.ended.connect(self._ended)
        self._single_shot = QTimer.singleShot
        self.map_seconds: float | None = None

    def _ended(self, name: str, outcome: str) -> None:
        if outcome != "finished":
            sys.stderr.write(f"error: {name} ended with '{outcome}'; no screenshot taken\n")
            self.app.exit(1)

    def _shown(self) -> None:
        self.shown = True
        self._maybe()

    def _map(self, ok: bool) -> None:
        self.map = True
        if not ok and self.window.map_view.available:
            sys.stderr.write("warning: the map page loaded without a Leaflet map\n")
        self._maybe()

    def _maybe(self) -> None:
        if self.shown and self.map:
            self.map_seconds = time.perf_counter() - self.t0
            self._single_shot(self.SETTLE_MS, self._grab)

    def _grab(self) -> None:
        pix = self.window.grab()
        ok = pix.save(str(self.path), "PNG")
        if not ok or not self.path.exists() or self.path.stat().st_size == 0:
            sys.stderr.write(f"error: could not write {self.path} (fix: check the folder exists and is writable)\n")
            self.app.exit(1)
            return
        rows = self.window.results.model.rowCount()
        sys.stderr.write(f"screenshot {self.path} ({pix.width()}x{pix.height()}); {rows:,} LSOAs in the table; "
                         f"map on screen {self.map_seconds:.1f} s after launch\n")
        self.code = 0
        self.window.confirm_close = False
        self.app.exit(0)


def main(argv: list[str] | None = None) -> int:
    t0 = time.perf_counter()
    args = build_parser().parse_args(argv)
    prepare_environment(headless=bool(args.screenshot))
    from PySide6.QtCore import QCoreApplication, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from .map_view import webengine_error

    webengine_error()  # QtWebEngine must be imported before the QApplication exists
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("hotspots")
    app.setOrganizationName("hotspots")
    from .gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(app)  # cycles die on this thread, never in a worker (see gc_guard)
    from .main_window import MainWindow

    window = MainWindow()
    shot = None
    if args.screenshot:
        window.headless = True
        window.confirm_close = False
        w, _, h = args.size.partition("x")
        window.resize(int(w), int(h))
        shot = _Screenshot(window, Path(args.screenshot).resolve(), app, t0)

        def give_up() -> None:
            sys.stderr.write(f"error: nothing to screenshot after {args.timeout:.0f} s "
                             "(fix: raise --timeout, or check the study loads in the window)\n")
            app.exit(1)

        QTimer.singleShot(int(args.timeout * 1000), give_up)
    window.show()
    started = window.open_study_file(args.study) if args.study else window.open_demo()
    if started is None and shot is not None:
        return 1
    code = app.exec()
    collector.stop()
    if shot is not None:  # the user closes the window themselves otherwise
        window.confirm_close = False
        window.close()
    return code
