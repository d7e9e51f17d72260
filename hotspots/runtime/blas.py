"""One BLAS thread per process unless the user asks for more.

NumPy's OpenBLAS starts a worker per core at import, and after each call its workers spin for
a while waiting for the next one. This tool runs its own parallel work on explicit threads and
processes (permutations, placement, the export child), and its few BLAS calls are vector sizes
(``z @ z`` over a nation's 33,755 areas, Global Moran's quadratic forms): there the spinning
workers only take CPU from the tool's threads (England codes-only, 3 alternated pairs: 27.4 ->
26.7 s of CPU, the wall ~0.25 s shorter). One thread also makes a reduction's last digits
independent of the machine's cores: the Global Moran's I of ``summary.json`` differed in its
15th digit between one and two BLAS threads.

The setting must be in the environment before NumPy is first imported (OpenBLAS reads it
when it loads); a child process (the spawned export worker) inherits it. A value the user set
is kept.
"""

from __future__ import annotations

import os
import sys

__all__ = ["one_blas_thread", "VARIABLES"]

#: OpenBLAS (NumPy's and SciPy's wheels) and MKL (some conda builds)
VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> bool:
    """Ask for one BLAS thread where the user has not chosen; True if NumPy was not loaded yet
    (the request takes effect), False if it came too late for this process."""
    for name in VARIABLES:
        os.environ.setdefault(name, "1")
    return "numpy" not in sys.modules
