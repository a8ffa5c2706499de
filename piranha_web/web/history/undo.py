"""RESTORE's preview and UNDO of one change: pure functions of texts (no Flask, no I/O).

    restore_preview(current, kept) -> Preview(text, summary, changes)
        # what RESTORE would write and what that changes relative to lvs.cf now
    revert(saved, previous, current) -> str | None
        # ``current`` with the change previous -> saved taken back (None: it no longer applies)

UNDO LAST CHANGE must not be refused because somebody saved something else since: the change
is taken back with a three-way merge (``merge3``; base = the text the change saved, one side
lvs.cf now, the other the text before the change), so what others saved since stays, as long
as they did not touch the lines the change touched.  ``serial_no`` is left out of the change
taken back (every save bumps it; the save of the undo bumps it again).  The line comparison is
:mod:`piranha_web.lvscf.line_diff` (fast on 200k-line files whose lines repeat), handed to
merge3 as its sequence matcher.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple

from merge3 import Merge3

from piranha_web.lvscf import parse
from piranha_web.lvscf.changes import summarize_documents
from piranha_web.lvscf.line_diff import changed, with_equal


class Preview(NamedTuple):
    """What RESTORE of a kept text would write, relative to lvs.cf now."""

    text: str
    summary: list[str]


def with_serial_of(text: str, other: str) -> str:
    """``text`` with the ``serial_no`` of ``other`` (losslessly; as it is when either has none)."""
    serial = parse(other).get("serial_no")
    doc = parse(text)
    if serial is None or doc.get("serial_no") is None:
        return text
    doc.set("serial_no", serial)
    return doc.dumps()


def restore_preview(current: str, kept: str) -> Preview:
    """The text RESTORE of ``kept`` writes over ``current`` (its ``serial_no`` one above the
    current one, as the save bumps it) and the change in words.  ParseError propagates."""
    now = parse(current)
    doc = parse(with_serial_of(kept, current))
    serial = now.model().globals.serial_no
    if doc.get("serial_no") is not None:
        doc.set("serial_no", str(serial + 1))
    return Preview(doc.dumps(), summarize_documents(now, doc))


class _LineMatcher:
    """merge3's sequence matcher on :func:`line_diff.changed` (difflib's interface)."""

    def __init__(self, isjunk: Callable[[Hashable], bool] | None = None,
                 a: Sequence[Hashable] = (), b: Sequence[Hashable] = (),
                 autojunk: bool = True) -> None:
        self.a, self.b = a, b

    def get_matching_blocks(self) -> list[tuple[int, int, int]]:
        """The equal runs as (i, j, n), ending with difflib's (len(a), len(b), 0)."""
        ops = with_equal(changed(self.a, self.b), len(self.a), len(self.b))
        blocks = [(i1, j1, i2 - i1) for tag, i1, i2, j1, _ in ops if tag == "equal"]
        return [*blocks, (len(self.a), len(self.b), 0)]


def revert(saved: str, previous: str, current: str) -> str | None:
    """``current`` with the change ``previous`` -> ``saved`` taken back, or None when lines it
    touched (or lines right beside them) were changed since by someone else."""
    before = with_serial_of(previous, saved).splitlines(keepends=True)
    merge = Merge3(saved.splitlines(keepends=True), current.splitlines(keepends=True), before,
                   sequence_matcher=_LineMatcher)
    out: list[str] = []
    for group in merge.merge_groups():
        if group[0] == "conflict":
            return None
        out.extend(group[1])
    return "".join(out)
