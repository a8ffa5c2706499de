"""Which lines an edit changed, fast on 200k-line files whose lines repeat thousands of times.

difflib alone is quadratic on such files: a save changes ``serial_no`` on line 1 and, say,
``active`` of the 537th virtual server, so the region between them holds 100k lines made of
the same few texts, and ``SequenceMatcher`` takes minutes.  When both versions have as many
lines and only a few runs of them differ (values spliced into lines), those runs are the
changes.  Otherwise lines that occur exactly once in
both versions (``virtual vs537 {``) anchor the comparison (patience diff): the longest run of
anchors in the same order splits the files into small gaps, and only the gaps that differ go
to difflib.  :func:`changed` compares any hashable items: ``Document.changes`` compares its
top-level blocks and lines by identity with it.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Literal

#: (tag, i1, i2, j1, j2) as difflib's opcodes ("equal" only where said)
Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]
#: gaps up to this size (lines x lines) go to difflib as they are
SMALL = 250_000
#: more runs of replaced lines than this and lines were probably inserted or removed
MAX_RUNS = 100


def changed(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """The non-equal opcodes turning ``a`` into ``b``, in file order."""
    out: list[Opcode] = []
    _diff(a, 0, len(a), b, 0, len(b), out)
    return out


def changed_slid(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[Opcode]:
    """:func:`changed`, each pure insertion or deletion moved down while the line after it
    repeats its first line: a block added or removed whole is shown whole (a new server block
    does not appear as the tail of the block before it, from its ``}`` on)."""
    ops = with_equal(changed(a, b), len(a), len(b))
    hunks: list[Opcode] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if tag == "equal":
            continue
        following = ops[k + 1] if k + 1 < len(ops) else None
        if tag in ("insert", "delete") and following is not None and following[0] == "equal":
            _, n_i1, n_i2, n_j1, n_j2 = following
            lines, low, high = (b, j1, j2) if tag == "insert" else (a, i1, i2)
            while n_i1 < n_i2 and lines[low] == lines[high]:
                low, high = low + 1, high + 1
                i1, i2, j1, j2 = (i1 + 1, i2 + 1, low, high) if tag == "insert" else (
                    low, high, j1 + 1, j2 + 1)
                n_i1, n_j1 = n_i1 + 1, n_j1 + 1
            ops[k + 1] = ("equal", n_i1, n_i2, n_j1, n_j2)
        hunks.append((tag, i1, i2, j1, j2))
    return hunks


def _diff(a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int,
          out: list[Opcode]) -> None:
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        alo, blo = alo + 1, blo + 1
    while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
        ahi, bhi = ahi - 1, bhi - 1
    if alo == ahi and blo == bhi:
        return
    if alo == ahi or blo == bhi or (ahi - alo) * (bhi - blo) <= SMALL:
        _difflib(a, alo, ahi, b, blo, bhi, out, autojunk=False)
        return
    if ahi - alo == bhi - blo and _in_place(a, alo, ahi, b, blo, out):
        return
    anchors = _anchors(a, alo, ahi, b, blo, bhi)
    if not anchors:
        # nothing unique to hold on to: difflib's heuristic for popular lines keeps it fast
        _difflib(a, alo, ahi, b, blo, bhi, out, autojunk=True)
        return
    i0, j0 = alo, blo
    for i, j in anchors:
        _diff(a, i0, i, b, j0, j, out)
        i0, j0 = i + 1, j + 1
    _diff(a, i0, ahi, b, j0, bhi, out)


def unified(a: Sequence[str], b: Sequence[str], fromfile: str, tofile: str,
            context: int = 3) -> list[str]:
    """``difflib.unified_diff(a, b, fromfile, tofile, lineterm="")`` from :func:`changed`'s
    opcodes: quick on files of 100,000s of lines that repeat the same few texts (a generated
    keepalived.conf), where difflib alone takes minutes."""
    out: list[str] = []
    for group in _Opcodes(with_equal(changed(a, b), len(a), len(b))).get_grouped_opcodes(
            context):
        if not out:
            out += [f"--- {fromfile}", f"+++ {tofile}"]
        first, last = group[0], group[-1]
        out.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out += [" " + line for line in a[i1:i2]]
                continue
            out += ["-" + line for line in a[i1:i2]]
            out += ["+" + line for line in b[j1:j2]]
    return out


class _Opcodes(difflib.SequenceMatcher[str]):
    """difflib's grouping of opcodes into hunks with context (``get_grouped_opcodes`` reads
    nothing but ``get_opcodes``), over opcodes found here: there is nothing to match, so the
    matcher's own set-up is skipped."""

    def __init__(self, opcodes: list[Opcode]) -> None:
        self._known = opcodes

    def get_opcodes(self) -> list[Opcode]:
        return self._known


def with_equal(ops: list[Opcode], len_a: int, len_b: int) -> list[Opcode]:
    """``ops`` with the equal runs between them (every line of both sides covered)."""
    full: list[Opcode] = []
    i0 = j0 = 0
    for tag, i1, i2, j1, j2 in ops:
        if (i0, j0) != (i1, j1):
            full.append(("equal", i0, i1, j0, j1))
        full.append((tag, i1, i2, j1, j2))
        i0, j0 = i2, j2
    if (i0, j0) != (len_a, len_b):
        full.append(("equal", i0, len_a, j0, len_b))
    return full


def _range(start: int, stop: int) -> str:
    """A unified diff's ``line,count`` (``line`` alone for one line, the line before for
    none), as difflib writes it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _in_place(a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int,
              out: list[Opcode]) -> bool:
    """Lines replaced where they stand (the usual edit: values spliced into lines): each run
    of differing lines is one "replace".  False (nothing added) when many lines differ."""
    runs: list[Opcode] = []
    start = -1
    for n in range(ahi - alo + 1):
        differs = n < ahi - alo and a[alo + n] != b[blo + n]
        if differs and start < 0:
            start = n
        elif not differs and start >= 0:
            runs.append(("replace", alo + start, alo + n, blo + start, blo + n))
            start = -1
            if len(runs) > MAX_RUNS:
                return False
    out.extend(runs)
    return True


def _difflib(a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int,
             out: list[Opcode], *, autojunk: bool) -> None:
    matcher = difflib.SequenceMatcher(a=a[alo:ahi], b=b[blo:bhi], autojunk=autojunk)
    out.extend((tag, alo + i1, alo + i2, blo + j1, blo + j2)
               for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal")


def _anchors(a: Sequence[Hashable], alo: int, ahi: int, b: Sequence[Hashable], blo: int, bhi: int
             ) -> list[tuple[int, int]]:
    """Lines unique in both ranges, the longest run of them in the same order in both."""
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    where_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    pairs = [(i, where_b[a[i]]) for i in range(alo, ahi)
             if count_a[a[i]] == 1 and a[i] in where_b]
    # longest increasing subsequence of the b positions (patience sorting)
    tails: list[int] = []  # b position ending the best run of each length
    tail_at: list[int] = []  # index in pairs of that run's last pair
    before: list[int] = []  # index in pairs of the previous pair in its run
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            tail_at.append(n)
        else:
            tails[k] = j
            tail_at[k] = n
        before.append(tail_at[k - 1] if k else -1)
    run: list[tuple[int, int]] = []
    n = tail_at[-1] if tail_at else -1
    while n >= 0:
        run.append(pairs[n])
        n = before[n]
    return run[::-1]
