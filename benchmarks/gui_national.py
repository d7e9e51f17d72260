"""The GUI on the England-sized study: no frozen window, Cancel works, under 3 GiB, no re-read.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/gui_national.py [--exact] [--permutations 999]

Opens the real :class:`gui.main_window.MainWindow` (offscreen), loads the generated national
boundaries and crime folder the way a user drops them, runs the analysis, re-runs it with the
crime-type preset "Violence and sexual offences", and starts a third run that it cancels after
two seconds. Throughout, a 50 ms timer on the GUI thread records how late each tick fires: the
longest gap is how long the window was frozen. Resident memory (this one process: the GUI
never forks) is polled with every tick. Prints one JSON object: the timings, the longest
freezes per phase, the peak RSS, whether the re-run read any file again (the layers object and
its crime frame must be the same objects), and how long Cancel took to end the run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--exact", action="store_true", help="the exact-coordinate national data")
    ap.add_argument("--permutations", type=int, default=999)
    args = ap.parse_args(argv)
    data = HERE / "_data" / ("national_exact" if args.exact else "national")
    boundaries, crimes = data / "boundaries" / "lsoa21_national.gpkg", data / "crime"
    if not boundaries.exists():
        print(f"missing {boundaries}: run benchmarks/generate_national.py first", file=sys.stderr)
        return 2
    from gui.app import prepare_environment

    prepare_environment(headless=True)  # --no-sandbox as root, offscreen without a display
    from PySide6.QtCore import QEventLoop, QSettings, QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    _app = QApplication.instance() or QApplication([])  # kept alive for the run
    for kind in ("critical", "information", "warning"):
        setattr(QMessageBox, kind, lambda *a, _k=kind, **k: print(f"dialog {_k}: {a[1:3]}", file=sys.stderr))
    from gui.main_window import MainWindow

    tmp = Path(tempfile.mkdtemp(prefix="hotspots-gui-"))
    win = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    win.confirm_close = False
    win.show()
    phase = {"name": "start"}
    gaps: dict[str, float] = {}
    peak = {"rss": _rss()}
    last = {"t": time.perf_counter()}

    def tick() -> None:
        now = time.perf_counter()
        gap = now - last["t"]
        last["t"] = now
        gaps[phase["name"]] = max(gaps.get(phase["name"], 0.0), gap)
        peak["rss"] = max(peak["rss"], _rss())

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(50)

    def wait_end(limit: float) -> tuple[str, float]:
        loop, out = QEventLoop(), {}
        t0 = time.perf_counter()

        def ended(kind: str, how: str) -> None:
            out["how"] = how
            loop.quit()

        win.runner.ended.connect(ended)
        QTimer.singleShot(int(limit * 1000), loop.quit)
        loop.exec()
        win.runner.ended.disconnect(ended)
        return out.get("how", "timeout"), time.perf_counter() - t0

    result: dict = {"data": str(data), "permutations": args.permutations}
    phase["name"] = "load"
    last["t"] = time.perf_counter()
    win.load_paths([str(boundaries), str(crimes)])
    result["load"] = wait_end(900)
    layers = win.state.layers
    crimes_frame = layers.crimes
    win.analysis_panel.permutations.setValue(args.permutations)
    phase["name"] = "analysis"
    last["t"] = time.perf_counter()
    win.run_analysis()
    result["analysis"] = wait_end(900)
    phase["name"] = "rerun_violence"
    last["t"] = time.perf_counter()
    win.analysis_panel.preset.setCurrentText("Violence and sexual offences")
    win.run_analysis()
    result["rerun_violence"] = wait_end(900)
    out = win.state.output.analysis
    result["rerun_read_nothing"] = bool(win.state.layers is layers and win.state.layers.crimes is crimes_frame)
    result["rerun_types"] = out.settings.crime_types
    phase["name"] = "cancelled_run"
    last["t"] = time.perf_counter()
    win.analysis_panel.preset.setCurrentText("All crime and ASB")
    win.analysis_panel.seed.setValue(4242)
    win.run_analysis()
    QTimer.singleShot(2000, win.runner.cancel)
    how, secs = wait_end(300)
    result["cancelled_run"] = (how, secs)
    timer.stop()
    result["longest_freeze_s"] = {k: round(v, 3) for k, v in gaps.items()}
    result["peak_rss_gib"] = round(peak["rss"] / 2**30, 3)
    print(json.dumps(result, indent=1, default=str))
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
