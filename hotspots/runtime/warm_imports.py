"""Modules the analysis needs later, imported on a thread while the input files load.

Reading the boundaries and parsing the crime CSVs spend most of their time in GDAL and Arrow
with the GIL released, so a module imported meanwhile costs the run nothing: ``scipy.special``
(~0.1 s cold, the exact window-sum test's binomials and the normal tail) was imported with
the pipeline, before the first file was opened, on every run. The modules that need it import
it where they use it; if the thread has not finished by then, Python's import lock makes them
wait for it rather than import it twice. A failure here is ignored: the real import reports it.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Iterable

__all__ = ["LATER", "warm", "import_now"]

#: imported beside the load (see the module notes)
LATER = ("scipy.special",)


def import_now(modules: Iterable[str]) -> None:
    """Import ``modules`` here and now, failures ignored (for a thread the caller already runs)."""
    for name in modules:
        if name not in sys.modules:
            with contextlib.suppress(Exception):  # (see the module notes)
                importlib.import_module(name)


def warm(modules: Iterable[str] = LATER) -> threading.Thread | None:
    """Import ``modules`` on a daemon thread; returns it, or None when all are imported already."""
    todo = [m for m in modules if m not in sys.modules]
    if not todo:
        return None

    def run() -> None:
        for name in todo:
            with contextlib.suppress(Exception):  # (see the module notes)
                importlib.import_module(name)

    thread = threading.Thread(target=run, name="warm-imports", daemon=True)
    thread.start()
    return thread
