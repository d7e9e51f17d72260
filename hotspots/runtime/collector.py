"""Python's cycle collector in a command-line run: the imports frozen out of it, and rarer passes.

A run imports hundreds of thousands of objects (pandas, geopandas, shapely, folium, reportlab:
modules, functions, classes) that live until the process ends, and the collector walked them
again and again: Kent's whole job spent 0.24 s of its parent's time in 561 collections, 0.18 s
of it in the full ones. :func:`for_a_run` freezes what exists (``gc.freeze``: never walked,
never collected) and raises the first generation's threshold from 700 to
:data:`FIRST_GENERATION` allocations, so the many short-lived containers of the exports (folium's
elements, reportlab's and openpyxl's objects) are collected in fewer passes (Kent: 0.08 s in 226).
Cyclic garbage then waits a little longer for its pass; nothing else changes.

Only processes that end with their run do this: the CLI (after its imports; its forked export
child inherits it) and the spawned export child (after its own imports). The GUI, which analyses
study after study in one process, keeps Python's defaults.
"""

from __future__ import annotations

import gc

__all__ = ["for_a_run", "whole_process", "FIRST_GENERATION"]

#: allocations of container objects between first-generation collections (Python's default: 700)
FIRST_GENERATION = 20_000

_WHOLE: list[bool] = []


def whole_process() -> None:
    """Say that this process ends with its run (the ``hotspots`` command's entry point says so;
    a caller of :func:`hotspots.cli.main` in a longer-lived process, such as a test, does not),
    and collect the first generation less often from now: the imports that follow allocate
    hundreds of thousands of containers that all live to the end."""
    _WHOLE.append(True)
    _collect_less_often()


def for_a_run(*, child: bool = False) -> None:
    """Collect what is garbage now, freeze every surviving object out of later collections, and
    collect the first generation every :data:`FIRST_GENERATION` allocations; only in a process
    that ends with its run (:func:`whole_process`, or ``child``: an export child)."""
    if not (_WHOLE or child):
        return
    gc.collect()
    gc.freeze()
    _collect_less_often()


def _collect_less_often() -> None:
    _, second, third = gc.get_threshold()
    gc.set_threshold(FIRST_GENERATION, second, third)
