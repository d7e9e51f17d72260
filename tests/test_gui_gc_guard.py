"""Cycles are collected on the GUI thread, never in a worker (a Qt object destroyed off its own
thread crashes the process)."""

from __future__ import annotations

import gc
import threading

import pytest

pytestmark = pytest.mark.gui


class _Cycle:
    died_in: list[int] = []

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _Cycle.died_in.append(threading.get_ident())


def test_cycles_made_anywhere_die_on_the_gui_thread(qtbot):
    from gui.gc_guard import GuiThreadCollector

    gc.enable()  # (the suite's Qt fixture turned it off; the collector must do so itself)
    collector = GuiThreadCollector(interval_ms=20)
    try:
        assert not gc.isenabled()
        _Cycle.died_in.clear()

        def work() -> None:  # a worker making cycles and lots of other garbage, as an analysis does
            for _ in range(1000):  # past the generation-0 threshold (700 net allocations)
                _Cycle()
            junk = [[] for _ in range(200_000)]  # past the collector's thresholds many times over
            del junk

        t = threading.Thread(target=work)
        t.start()
        t.join()
        assert not _Cycle.died_in, "a cycle was collected in the worker thread"
        qtbot.waitUntil(lambda: len(_Cycle.died_in) == 1000, timeout=5000)
        assert set(_Cycle.died_in) == {threading.get_ident()}
    finally:
        collector.stop()
    assert gc.isenabled()
