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

__all__ = ["release", "limit_arenas"]

#: glibc mallopt parameter: the most malloc arenas (M_ARENA_MAX)
_M_ARENA_MAX = -8

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


def limit_arenas(most: int | None = None) -> None:
    """Cap glibc's malloc arenas (default: the cores, between 2 and 4).

    glibc gives each thread that allocates its own arena and reserves 64 MiB of address space
    for each; with the permutation, Arrow and GDAL threads a county run reserved over 1.5 GiB it
    never used, and under an address-space limit (``ulimit -v``, ``prlimit --as``) the next
    library load failed ("failed to map segment"). Two to four arenas hold the same data; the
    resident memory and every result are unchanged. Called once at the start of the CLI and of
    an export worker; a no-op off glibc."""
    lib = _libc()
    if lib is None:
        return
    import os

    n = most if most is not None else min(4, max(2, os.cpu_count() or 2))
    with contextlib.suppress(AttributeError, OSError):
        lib.mallopt(_M_ARENA_MAX, int(n))
