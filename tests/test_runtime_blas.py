"""The CLI asks for one BLAS thread before NumPy loads, and keeps a value the user chose."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROBE = """
import sys
from hotspots.cli import main
main(["--version"])
import numpy
from threadpoolctl import threadpool_info
blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
print(blas[0]["num_threads"] if blas else "none")
"""


def _threads(env_extra: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                                             "OMP_NUM_THREADS")}
    env.update(env_extra)
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env, timeout=120,
                         check=True)
    return out.stdout.strip().splitlines()[-1]


def test_the_cli_runs_numpy_with_one_blas_thread_unless_the_user_chose() -> None:
    pytest.importorskip("threadpoolctl")
    got = _threads({})
    if got == "none":
        pytest.skip("this NumPy reports no BLAS library to threadpoolctl")
    assert got == "1"
    if (os.cpu_count() or 1) >= 2:  # (OpenBLAS caps its threads at the cores)
        assert _threads({"OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}) == "2"


def test_one_blas_thread_says_when_it_came_too_late(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy  # noqa: F401 - loaded, as in this test process

    from hotspots.runtime.blas import VARIABLES, one_blas_thread

    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)  # (restored afterwards)
    assert one_blas_thread() is False
    assert os.environ["OPENBLAS_NUM_THREADS"]
