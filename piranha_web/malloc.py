"""One malloc heap for all request threads (glibc tuning for ``serve``).

Every save handles a few whole copies of lvs.cf (3.4 MB at 1,000 x 32): its text, its bytes,
the history copy.  glibc serves blocks that large from a heap per thread (up to 8 per core)
once it has raised its mmap threshold, and space freed in one thread's heap is not reused by
the others: measured with ``bench/bench_accept.py`` (8 editors, 32 saves), the served process
grew to 320 MB.  With one heap it stays under 200 MB at no measurable cost (Python's own small
objects do not use these heaps).  Fixing the mmap threshold instead kept it at 150 MB but made
every large buffer map and fault in fresh pages: ACCEPT p95 was 25% slower.
"""

from __future__ import annotations

import ctypes

#: ``mallopt`` parameter number of glibc's limit on heaps ("arenas", malloc.h)
M_ARENA_MAX = -8


def one_heap() -> bool:
    """Let every thread share one malloc heap (call before threads start); False where the C
    library has no ``mallopt`` (not glibc) or refuses."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_ARENA_MAX, 1))
