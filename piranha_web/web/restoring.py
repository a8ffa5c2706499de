"""RESTORE of a kept revision, one service for the HISTORY panel and the REST API.

A restore saves the kept text as a new revision (history is never rewritten): validated like
any save, recorded in the audit trail and the history with the revision it came from, and
only while lvs.cf is still at the revision the user looked at.  Its ``serial_no`` is the
current one, so the save bumps it past every revision the backup router has seen.  The save
is :meth:`piranha_web.save_service.SaveService.restore` (then the steps after a save); callers
map the errors to their answers (a flashed message, a problem document).
"""

from __future__ import annotations

from typing import NamedTuple

from piranha_web.history import Revision
from piranha_web.save_service import Saved
from piranha_web.web.saving import save_service
from piranha_web.web.services import services


class Kept(NamedTuple):
    """A kept revision and its text."""

    entry: Revision
    text: str


def kept(revision: str) -> Kept | None:
    """The kept revision ``revision`` (its full id or at least its first 12 characters) with
    its text, or None when the history has no text of it."""
    history = services().history
    entry = history.find(revision) if len(revision) >= 12 else None
    text = history.text_of(entry.revision) if entry is not None else None
    return Kept(entry, text) if entry is not None and text is not None else None


def restore(chosen: Kept, expected: str, cause: str, *,
            dry_run: bool = False) -> tuple[str, Saved | None]:
    """Save ``chosen`` as a new revision of lvs.cf if lvs.cf is still at ``expected``.

    Returns the revision it replaced and what the save wrote, with the report of the steps
    after it (None: ``chosen`` is the current revision, nothing to do).  Raises
    :class:`~piranha_web.errors.StaleRevisionError` (lvs.cf is not, or no longer, at
    ``expected``), ``ParseError`` (the kept text cannot be read), ``ValidationFailedError``
    (it has errors a save refuses) or ``AuditError`` (the audit trail cannot be written);
    nothing is written then.  ``dry_run``: what it would save; nothing written or recorded.
    """
    saved = save_service().restore(chosen.text, chosen.entry.revision, expected, cause=cause,
                                   dry_run=dry_run)
    return saved.previous, saved if saved.saved else None
