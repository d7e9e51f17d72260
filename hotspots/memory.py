"""Give freed memory back to the system between the stages of a large run.

A national run reads 1 GiB of CSV through Arrow, places five million points, builds a sparse
grid of 2.4 million cells and then writes a 30 MB web map. Each phase frees most of what it
allocated, but glibc's allocator and Arrow's memory pool keep freed pages for reuse, so the
resident set only grows: the peak of the whole run was the sum of phases that never overlap.
:func:`release` returns those pages (``malloc_trim`` on glibc, Arrow's ``release_unused``);
elsewhere it does nothing. It costs a few milliseconds and changes no result.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import sys

__all__ = ["release"]

_LIBC: list = []


def _libc():
    if not _LIBC:
        lib = None
        if sys.platform.startswith("linux"):
            try:
                lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
                lib.malloc_trim.argtypes = [ctypes.c_size_t]
            except (OSError, AttributeError):
                lib = None
        _LIBC.append(lib)
    return _LIBC[0]


def release() -> None:
    """Hand freed heap pages back to the OS (no-op where the platform has no such call)."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        with contextlib.suppress(Exception):  # an optional courtesy, never a failure
            pa.default_memory_pool().release_unused()
    lib = _libc()
    if lib is not None:
        lib.malloc_trim(0)
