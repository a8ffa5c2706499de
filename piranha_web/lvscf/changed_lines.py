"""What an edit changed in lvs.cf, as lines: the structure behind every diff the tool shows.

:class:`ChangedLines` is a tuple of :class:`Hunk` objects in file order.  A hunk is one stretch
of the file where lines were removed and/or added, with the first line number on each side
(1-based; where nothing was removed, ``old_start`` is the old line the added lines go before,
and likewise ``new_start``), and ``where``: the block the stretch belongs to (``global``,
``virtual www``, ``virtual www / server rs2``).

A :class:`~piranha_web.lvscf.document.Document` builds one from the lines its edits touched
(``doc.changes()``), never by comparing whole files; :meth:`ChangedLines.between` compares two
whole texts (a restored revision; the oracle the document's result is checked against).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = ["ChangedLines", "Hunk", "diff_lines"]


@dataclass(frozen=True)
class Hunk:
    """Lines ``removed`` from the old file at ``old_start`` and ``added`` at ``new_start``."""

    old_start: int
    new_start: int
    removed: tuple[str, ...]
    added: tuple[str, ...]
    where: str = "global"


@dataclass(frozen=True)
class ChangedLines:
    """The hunks of one change, in file order (empty: nothing changed)."""

    hunks: tuple[Hunk, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.hunks)

    def __iter__(self) -> Iterator[Hunk]:
        return iter(self.hunks)

    def __len__(self) -> int:
        return len(self.hunks)

    def lines(self) -> Iterator[tuple[str, int, str]]:
        """``(sign, line, text)``: ``'-'`` with its old line number, ``'+'`` with its new one."""
        for hunk in self.hunks:
            for offset, text in enumerate(hunk.removed):
                yield "-", hunk.old_start + offset, text
            for offset, text in enumerate(hunk.added):
                yield "+", hunk.new_start + offset, text

    @classmethod
    def between(cls, old: str, new: str) -> ChangedLines:
        """The changed lines of two whole texts (``where`` is left ``global``): for a document
        that was not loaded from the file it replaces (a restored revision, a whole text
        through the API) and as a test oracle; an edit uses ``Document.changes()``."""
        a, b = old.splitlines(), new.splitlines()
        return cls(tuple(diff_lines(a, b, 1, 1, ["global"] * len(a), ["global"] * len(b))))


def diff_lines(
    old: Sequence[str],
    new: Sequence[str],
    old_first: int,
    new_first: int,
    old_where: Sequence[str],
    new_where: Sequence[str],
) -> list[Hunk]:
    """Hunks between two short runs of lines that start at ``old_first``/``new_first``.

    :func:`.line_diff.changed_slid` compares them (the common head and tail skipped, difflib
    for short runs, unique lines as anchors for long ones; a pure insertion or deletion moved
    down while the line after it repeats its first line).  ``*_where`` give the
    enclosing block of every line; a hunk takes the block of its first line on the new side
    (else the old side), where a block's own lines (opener, keys) win over comment lines
    above it.
    """
    # here, not at the top: `piranha-web check` never diffs
    from piranha_web.lvscf.line_diff import changed_slid

    hunks = []
    for _, i1, i2, j1, j2 in changed_slid(old, new):
        where = _where(new[j1:j2], new_where[j1:j2]) or _where(old[i1:i2], old_where[i1:i2])
        hunks.append(Hunk(old_first + i1, new_first + j1, tuple(old[i1:i2]), tuple(new[j1:j2]),
                          where or "global"))
    return hunks


def _where(lines: Sequence[str], wheres: Sequence[str]) -> str | None:
    """The block of the first line that is not a comment or blank, else of the first line."""
    for text, where in zip(lines, wheres, strict=True):
        stripped = text.strip(" \t")
        if stripped and not stripped.startswith("#"):
            return where
    return wheres[0] if wheres else None
