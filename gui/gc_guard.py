"""Python's cyclic garbage collected on the GUI thread only.

CPython runs its cycle collector in whichever thread happens to allocate when a threshold is
passed. In this app that is often a worker thread (an analysis, an export: they allocate the
most), and the collection can then drop the last reference to Qt objects made on the GUI thread
(a finished dialog's models, a closed window's wrappers). A QObject destroyed off its own thread
crashes the process: the test suite's publication worker once died with a segmentation fault,
"Garbage-collecting" at the top of the worker's stack. So, as PyQtGraph and others advise,
automatic collection is switched off while the window runs and a timer on the GUI thread
collects instead, generation by generation as the thresholds say. Objects without cycles are
still freed at once by reference counting; only cycles wait (at most ``interval_ms``).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["GuiThreadCollector"]


class GuiThreadCollector(QObject):
    """While it lives (and until :meth:`stop`), cycles are collected by a timer on this thread."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = 500) -> None:
        super().__init__(parent)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(interval_ms)

    def collect(self) -> int:
        """One collection of the oldest generation whose threshold is passed (0 if none is)."""
        t0, t1, t2 = gc.get_threshold()
        c0, c1, c2 = gc.get_count()
        if c0 <= t0:
            return 0
        return gc.collect(2 if c2 > t2 else 1 if c1 > t1 else 0)

    def stop(self) -> None:
        """Stop the timer and give collection back to the interpreter, as it was."""
        self._timer.stop()
        if self._was_enabled:
            gc.enable()
