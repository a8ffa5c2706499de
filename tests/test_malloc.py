"""``serve`` lets its threads share one malloc heap (its memory is measured in bench/)."""

from __future__ import annotations

import subprocess
import sys

from piranha_web.malloc import one_heap

#: a child whose request-like threads allocate buffers glibc takes from its heaps, then prints
#: glibc's own statistics (one "Arena N:" section per heap, on stderr)
THREADS_ALLOCATE = """
import ctypes, sys, threading
from piranha_web.malloc import one_heap
if sys.argv[1] == "tuned":
    assert one_heap()

def work():
    kept = [bytes(100_000 + n) for n in range(20)]

threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
ctypes.CDLL(None).malloc_stats()
"""


def _heaps(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", THREADS_ALLOCATE, mode],
                          capture_output=True, text=True, check=True)
    return sum(1 for line in done.stderr.splitlines() if line.startswith("Arena "))


def test_the_c_library_accepts_one_heap() -> None:
    assert one_heap() is True


def test_request_threads_share_one_heap() -> None:
    assert _heaps("default") > 1  # glibc alone: a heap per thread, each keeping freed space
    assert _heaps("tuned") == 1
