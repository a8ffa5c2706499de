"""``serve`` freezes what survives a full garbage collection (costs measured in bench/)."""

from __future__ import annotations

import subprocess
import sys

#: a child that keeps many objects, lets a full collection freeze them, then drops them and
#: makes new cyclic garbage; prints what it saw
CHILD = """
import gc, sys, weakref
from piranha_web.collector import freeze_after_full_collections

class Node:
    pass

kept = [Node() for _ in range(10_000)]
if sys.argv[1] == "freezing":
    freeze_after_full_collections()
    freeze_after_full_collections()
gc.collect()
frozen = gc.get_freeze_count()
probe = weakref.ref(kept[0])
del kept
cycle = Node()
cycle.me = cycle
gone = weakref.ref(cycle)
del cycle
gc.collect()
installed = gc.callbacks.count(gc.callbacks[0]) if gc.callbacks else 0
print(frozen, probe() is None, gone() is None, installed)
"""


def _child(mode: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CHILD, mode],
                          capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_survivors_of_a_full_collection_are_frozen_yet_freed_when_dropped() -> None:
    frozen, freed, cycle_collected, callbacks = _child("freezing")
    assert int(frozen) >= 10_000
    assert freed == "True", "a frozen object is still freed when its last reference goes"
    assert cycle_collected == "True", "garbage made after the freeze is still collected"
    assert callbacks == "1", "calling it twice installs it once"


def test_without_it_nothing_is_frozen() -> None:
    assert _child("plain")[0] == "0"
