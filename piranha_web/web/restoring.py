"""RESTORE of a kept revision, one service for the HISTORY panel and the REST API.

A restore saves the kept text as a new revision (history is never rewritten): validated like
any save, recorded in the audit trail and the history with the revision it came from, and
only while lvs.cf is still at the revision the user looked at.  Its ``serial_no`` is the
current one, so the save bumps it past every revision the backup router has seen.  Callers
map the errors to their answers (a flashed message, a problem document).
"""

from __future__ import annotations

from typing import NamedTuple

from piranha_web.errors import StaleRevisionError
from piranha_web.history import Revision
from piranha_web.lvscf import parse
from piranha_web.store import SaveResult
from piranha_web.web import journal
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


def restore(chosen: Kept, expected: str, cause: str) -> tuple[str, SaveResult | None]:
    """Save ``chosen`` as a new revision of lvs.cf if lvs.cf is still at ``expected``.

    Returns the revision it replaced and what the save wrote (None: ``chosen`` is the current
    revision, nothing to do).  Raises :class:`~piranha_web.errors.StaleRevisionError` (lvs.cf
    is not, or no longer, at ``expected``), ``ParseError`` (the kept text cannot be read),
    ``ValidationFailedError`` (it has errors a save refuses) or ``AuditError`` (the audit trail
    cannot be written); nothing is written then.
    """
    store = services().store
    loaded = store.load()
    if loaded.revision != expected:
        raise StaleRevisionError(expected, loaded.revision)
    if chosen.entry.revision == loaded.revision:
        return loaded.revision, None
    doc = parse(chosen.text)
    doc.set("serial_no", str(loaded.document.model().globals.serial_no))  # the save bumps it
    result = store.save(doc, loaded.revision,
                        recorder=journal.recorder(cause, chosen.entry.revision))
    return loaded.revision, result
