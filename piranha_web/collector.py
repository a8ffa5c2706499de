"""Python's cyclic garbage collector in a long-running ``serve``.

A parsed 1,000 x 32 lvs.cf is about 400,000 objects (line nodes, their models and findings)
that live as long as their revision.  Every full collection walks all of them while it holds
the interpreter lock: 180 ms on this 2-core machine, landing on whichever request allocated
last, so a page view or an ACCEPT under way stalls (measured with ``bench/bench_accept.py``).
Those objects form no reference cycles: reference counting frees them when a save or a hand
edit replaces them, and the collector has nothing to find among them.

So after each full collection the survivors are frozen (``gc.freeze``): later collections walk
only what was made since.  A whole new parse (a hand edit, a RESTORE) is walked once, by the
next full collection, then frozen in turn.  What a full collection keeps is alive at that
moment; a frozen object that later becomes part of a cycle is never freed, which costs at most
the few request objects under way at the rare moments of full collections.
"""

from __future__ import annotations

import gc


def freeze_after_full_collections() -> None:
    """From now on, freeze what survives each full collection (see the module docstring);
    calling it again changes nothing."""
    if _freeze_survivors not in gc.callbacks:
        gc.callbacks.append(_freeze_survivors)


def _freeze_survivors(phase: str, info: dict[str, int]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()
