"""The cycle collector is set for a run only in a process that ends with it."""

from __future__ import annotations

import gc

from hotspots.runtime import collector


def _restore(threshold: tuple[int, int, int]) -> None:
    gc.unfreeze()
    gc.set_threshold(*threshold)
    collector._WHOLE.clear()


def test_a_process_that_outlives_the_run_keeps_pythons_defaults():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    collector.for_a_run()  # a test calling the CLI's main(): nothing changes
    assert gc.get_threshold() == before and gc.get_freeze_count() == frozen


def test_the_command_and_an_export_child_freeze_their_imports_and_collect_less_often():
    before = gc.get_threshold()
    try:
        collector.for_a_run(child=True)
        assert gc.get_freeze_count() > 1000  # (this interpreter's modules, functions, classes)
        assert gc.get_threshold()[0] == collector.FIRST_GENERATION and gc.get_threshold()[1:] == before[1:]
    finally:
        _restore(before)
    try:
        collector.whole_process()
        assert gc.get_threshold()[0] == collector.FIRST_GENERATION  # from the start: the imports follow
        collector.for_a_run()
        assert gc.get_threshold()[0] == collector.FIRST_GENERATION
    finally:
        _restore(before)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
