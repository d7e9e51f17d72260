"""scipy.special is imported beside the load, not with the pipeline (hotspots.runtime.warm_imports)."""

from __future__ import annotations

from _imports import imported_after


def test_the_pipeline_does_not_import_scipy_special_itself():
    assert imported_after("import hotspots.pipeline", "scipy.special", "pandas") == [False, True]


def test_warm_imports_them_on_a_thread_and_says_when_there_is_nothing_to_do():
    code = ("from hotspots.runtime.warm_imports import warm\n"
            "t = warm(['scipy.special', 'json'])\n"
            "assert t is not None and t.daemon\n"
            "t.join(60)\n"
            "assert warm(['scipy.special']) is None\n"  # all imported already: no thread
            "assert warm(['no_such_module_here']).join(60) is None\n")  # a failure is left to the real import
    assert imported_after(code, "scipy.special") == [True]


def test_the_window_sum_test_imports_scipy_special_where_it_uses_it():
    code = ("import numpy as np\n"
            "from hotspots.stats.window_test import window_sum_tails\n"
            "t = window_sum_tails(np.array([0, 1, 2, 0, 3]), 5, 6, 3)\n"
            "assert t.shape == (4, 7) and abs(t[0, 0] - 1.0) < 1e-12\n")
    assert imported_after(code, "scipy.special") == [True]
