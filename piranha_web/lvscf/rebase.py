"""Rebasing an edit made on an older revision onto the current document.

Two administrators editing different things must not refuse each other's saves.  An edit made
on a form loaded at an older revision is applied to both that revision (``base``) and the
current document: when it changes the same lines in the same blocks to the same values in both
(line numbers aside), nothing it touches has changed since the form was loaded and the current
document with the edit is what to save.  Otherwise the same thing changed: the caller refuses
the save as stale.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable

from piranha_web.lvscf.changed_lines import ChangedLines
from piranha_web.lvscf.document import Document


def same_change(first: ChangedLines, second: ChangedLines) -> bool:
    """Whether two changes remove and add the same lines in the same blocks."""
    return [(h.where, h.removed, h.added) for h in first] == [
        (h.where, h.removed, h.added) for h in second]


def rebase(edit: Callable[[Document], None], base: Document, current: Document) -> bool:
    """Apply ``edit`` to ``base`` and to ``current``; True when it made the same change in both
    (``current`` then holds the edit on top of everything saved since ``base``).

    Exceptions of ``edit`` on ``base`` or ``current`` propagate.
    """
    edit(base)
    edit(current)
    return same_change(base.changes(), current.changes())
