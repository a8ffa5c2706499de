"""One save path for every caller: validate -> save -> history -> audit -> after the save.

Panels and API writes (an edit), the API's ``PUT /config`` (a whole text) and RESTORE (a kept
revision) all save through :class:`SaveService`; it is the only caller of
:meth:`ConfigStore.save <piranha_web.store.ConfigStore.save>`.  One save:

1. the new document: an edit applied to lvs.cf as of the caller's revision (rebased on saves
   that landed since when it changes nothing they changed, :mod:`piranha_web.lvscf.rebase`), a
   parsed text, or a kept revision with the current ``serial_no``;
2. the store validates it (refusing errors the file did not have), bumps ``serial_no`` and,
   under its lock and before writing, runs the recorder: the audit line and the history entry
   (:class:`Journal`; when either cannot be written nothing is saved), then writes atomically;
3. :class:`~piranha_web.after_save.AfterSave` runs with the saved document (keepalived, sync,
   the CHECK NOW cache), outside the save lock: a slow backup router delays no other save.

``dry_run=True`` stops before the recorder: nothing is written, no history entry, no audit
line, no after-save step.  The answer is what the save would be: its changed lines, summary,
warnings and resulting revision (the ETag), plus :attr:`Saved.findings`, what the new text
has that lvs.cf does not.  The same refusals are raised as by a real save.

Results: :class:`Saved` (status ``saved`` or ``unchanged``), for an edit also
:class:`Conflict` (what the edit changes was changed since, or its revision is no longer
kept) and :class:`Refused` (the edit refused fields).  Raised: :class:`StaleRevisionError`
(whole texts and restores whose revision is not the file's), ``ParseError`` (a text that does
not parse), :class:`ValidationFailedError`, :class:`AuditError`, ``StoreIOError``.  The web
layer maps them to answers in one place (``web/saving.py``).  No Flask here.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from piranha_web.after_save import AfterSave, Report
from piranha_web.audit import AuditLog
from piranha_web.errors import (
    AuditError,
    DuplicateNameError,
    EditError,
    EditErrors,
    ParseError,
    PiranhaError,
    StaleRevisionError,
)
from piranha_web.history import History, summary_of
from piranha_web.lvscf import Config, Document, parse
from piranha_web.lvscf.changed_lines import ChangedLines
from piranha_web.lvscf.changes import summarize
from piranha_web.lvscf.rebase import rebase
from piranha_web.lvscf.validate import Finding, validate
from piranha_web.store import ConfigStore, SaveResult

#: a change to lvs.cf (a panel's or the API's edit function)
Edit = Callable[[Document], None]
#: the store's hook: ``recorder(old_revision, result)`` under its lock, before the write; what
#: it returns runs once lvs.cf is written (the audit trail marks the save committed)
Recorder = Callable[[str, SaveResult], Callable[[], None] | None]
#: how often an edit is rebased on saves that land while it is being saved (by another
#: process: within this one, :data:`SAVING` keeps saves from interleaving)
SAVE_ATTEMPTS = 4
log = logging.getLogger(__name__)
#: one load-edit-save at a time in this process, so that a request's edit is rebased on every
#: save that landed before it and never loses a race to one that lands meanwhile (a stale form
#: is then refused only when the same thing changed); page views do not take it
SAVING = threading.Lock()


@dataclass(frozen=True)
class Actor:
    """Who saves, from where (None: not known, e.g. the command line)."""

    user: str | None = None
    client: str | None = None


@dataclass(frozen=True)
class Journal:
    """Where a save is recorded: an audit line, then a history entry, by ``actor``."""

    audit: AuditLog
    history: History
    actor: Actor = Actor()

    def recorder(self, cause: str = "web", restored_from: str | None = None,
                 summary: Callable[[SaveResult], tuple[str, ...]] | None = None) -> Recorder:
        """The store's ``recorder`` (raises: the save is refused).

        ``summary(result)`` gives the change in words (else both texts are compared).
        """

        def record_save(old_revision: str, result: SaveResult) -> Callable[[], None]:
            words = summary(result) if summary is not None else summary_of(
                result.old_text or None, result.new_text)
            details: dict[str, Any] = {"old": old_revision, "new": result.revision,
                                       "summary": list(words), "cause": cause}
            if restored_from is not None:
                details["restored_from"] = restored_from
            entry = self.audit.record_pending("restore" if restored_from else "save",
                                              self.actor.user, client=self.actor.client,
                                              **details)
            self.history.record_save(old_revision, result, self.actor.user, cause, words,
                                     restored_from)

            def committed() -> None:  # lvs.cf is written: the record says so
                try:
                    self.audit.commit(entry)
                except AuditError:
                    log.exception("audit trail: save written, commit mark not")

            return committed

        return record_save


@dataclass(frozen=True)
class Saved:
    """What a save did, or (``dry_run``) would do.

    ``revision`` is lvs.cf's revision afterwards (the ETag), ``previous`` the one it replaced
    (UNDO LAST CHANGE restores it); ``findings`` (dry run only) are the findings the new text
    has that lvs.cf does not, ``resolved`` those it no longer has; ``after`` is what the steps
    after the save reported.
    """

    status: str
    revision: str
    previous: str
    old_text: str = ""
    new_text: str = ""
    changes: ChangedLines = ChangedLines()
    warnings: tuple[Finding, ...] = ()
    summary: tuple[str, ...] = ()
    dry_run: bool = False
    findings: tuple[Finding, ...] = ()
    #: dry run only: the findings of lvs.cf the new text no longer has
    resolved: tuple[Finding, ...] = ()
    after: Report | None = None
    #: the document written (for the steps after the save)
    document: Document | None = field(default=None, compare=False, repr=False)

    @property
    def saved(self) -> bool:
        return self.status == "saved"


@dataclass(frozen=True)
class Conflict:
    """Nothing written: the edit's lines changed since its revision (or it is not kept).

    ``preview``: what the same edit would change in the file as it is now (``revision``).
    """

    revision: str
    preview: ChangedLines = ChangedLines()


@dataclass(frozen=True)
class Refused:
    """Nothing written: the edit refused fields (``errors``); ``introduced`` are the errors
    the rest of the edit would add to lvs.cf (so that every field's error shows at once)."""

    revision: str
    errors: tuple[EditError | DuplicateNameError, ...]
    introduced: tuple[Finding, ...] = ()


EditResult = Saved | Conflict | Refused


@dataclass
class SaveService:
    """The save path of ``store`` (see the module docstring).

    ``journal``: where saves are recorded (None: nowhere, e.g. a test of the store alone);
    ``after``: the steps after a save (None: none).
    """

    store: ConfigStore
    journal: Journal | None = None
    after: AfterSave | None = None

    # ------------------------------------------------------------------ the three callers

    def apply(self, edit: Edit, revision: str, *, cause: str = "web",
              restored_from: str | None = None, dry_run: bool = False,
              strict: bool = False) -> EditResult:
        """Apply ``edit`` to lvs.cf as of ``revision`` and save it.

        :class:`NotFoundError` from ``edit`` propagates.  When another process saves between
        loading and saving, the edit is rebased on that save too (a few times).  ``strict``
        (the REST API's whole-file ETags): never rebase; lvs.cf no longer at ``revision`` when
        the save lock is held is a :class:`Conflict`, whatever the other save changed.
        """
        for _ in range(SAVE_ATTEMPTS):
            with SAVING:
                outcome = self._attempt(edit, revision, cause, restored_from, dry_run, strict)
            if outcome is not None:
                return self._finish(outcome) if isinstance(outcome, Saved) else outcome
        current = self.store.load()
        return _conflict(edit, current.document, current.revision)

    def replace_text(self, text: str, expected: str, *, cause: str = "api",
                     dry_run: bool = False) -> Saved:
        """Save ``text`` as lvs.cf if it is still at ``expected`` (``ParseError`` first when
        the text does not parse)."""
        doc = parse(text)
        with SAVING:
            try:
                revision, before = self.store.config()
            except ParseError:
                revision, before = "", None  # replacing a broken file: compared as texts
            saved = self._save(doc, expected, before if revision == expected else None,
                               cause=cause, dry_run=dry_run)
        return self._finish(saved)

    def restore(self, text: str, source: str, expected: str, *, cause: str = "restore",
                dry_run: bool = False) -> Saved:
        """Save the kept ``text`` of revision ``source`` as a new revision if lvs.cf is still
        at ``expected``, with the current ``serial_no`` (the save bumps it past every revision
        the backup router has seen).  ``source`` being the current revision writes nothing."""
        with SAVING:
            loaded = self.store.load()
            if loaded.revision != expected:
                raise StaleRevisionError(expected, loaded.revision)
            if source == loaded.revision:
                return Saved("unchanged", loaded.revision, loaded.revision, loaded.text,
                             loaded.text, dry_run=dry_run)
            doc = parse(text)
            before = loaded.document.model()
            doc.set("serial_no", str(before.globals.serial_no))
            saved = self._save(doc, loaded.revision, before, cause=cause,
                               restored_from=source, dry_run=dry_run)
        return self._finish(saved)

    # ------------------------------------------------------------------ one save

    def _save(self, doc: Document, expected: str, before: Config | None, *, cause: str,
              restored_from: str | None = None, dry_run: bool = False) -> Saved:
        """The store's save of ``doc`` (held under :data:`SAVING` by the caller)."""
        words: list[tuple[str, ...]] = []

        def summary(result: SaveResult) -> tuple[str, ...]:
            if not words:  # once, from the models, after the store bumped serial_no
                words.append((tuple(summarize(before, doc.model())) if before is not None
                              else summary_of(result.old_text or None, result.new_text))
                             + tuple(doc.notes))  # e.g. an inline comment kept above
            return words[0]

        recorder = None if self.journal is None else \
            self.journal.recorder(cause, restored_from, summary)
        known = self._current_findings() if dry_run else []
        result = self.store.save(doc, expected, recorder=recorder, dry_run=dry_run)
        changed = result.new_data != result.old_data
        compared = dry_run and changed
        new = validate(doc) if compared else []
        return Saved(
            "saved" if changed else "unchanged", result.revision, expected,
            result.old_text, result.new_text, result.changes, result.warnings,
            summary(result) if changed else (), dry_run,
            introduced(known, new) if compared else (),
            introduced(new, known) if compared else (),
            document=doc,
        )

    def _finish(self, saved: Saved) -> Saved:
        """The steps after a save that wrote something (not after a dry run)."""
        if not saved.saved or saved.dry_run or self.after is None or saved.document is None:
            return saved
        return replace(saved, after=self.after.run(saved.document))

    def _current_findings(self) -> list[Finding]:
        try:
            return self.store.findings()
        except PiranhaError:
            return []

    # ------------------------------------------------------------------ an edit

    def _attempt(self, edit: Edit, revision: str, cause: str, restored_from: str | None,
                 dry_run: bool, strict: bool = False) -> EditResult | None:
        """One load, edit (or rebase) and save; None when lvs.cf changed before the lock was
        held (the caller tries again)."""
        loaded = self.store.load()
        doc = loaded.document
        before = doc.model()
        try:
            if loaded.revision == revision:
                edit(doc)
            elif strict or not self._rebased(edit, revision, doc):
                return _conflict(edit, self.store.load().document, loaded.revision)
        except EditErrors as err:
            known = {f.signature for f in self._current_findings()}
            return Refused(revision, tuple(err.errors),
                           tuple(f for f in validate(doc) if f.is_error
                                 and f.signature not in known))
        except (EditError, DuplicateNameError) as err:
            return Refused(revision, (err,))
        if not doc.changes():
            return Saved("unchanged", revision, loaded.revision, dry_run=dry_run)
        try:
            return self._save(doc, loaded.revision, before, cause=cause,
                              restored_from=restored_from, dry_run=dry_run)
        except StaleRevisionError:
            return _conflict(edit, self.store.load().document, self.store.revision()) \
                if strict else None

    def _rebased(self, edit: Edit, revision: str, current: Document) -> bool:
        """Apply ``edit``, made on ``revision``, to ``current`` when it changes nothing that
        changed since (see :mod:`piranha_web.lvscf.rebase`); False: refuse as stale."""
        base = self.store.load_revision(revision)
        if base is None:
            return False
        try:
            return rebase(edit, base, current)
        except (EditError, DuplicateNameError, EditErrors, LookupError):
            return False


def _conflict(edit: Edit, current: Document, revision: str) -> Conflict:
    """Nothing written; what the same edit would change in the current file."""
    try:
        edit(current)
        preview = current.changes()
    except (EditError, EditErrors, DuplicateNameError, LookupError):
        preview = ChangedLines()
    return Conflict(revision, preview)


def introduced(old: Iterable[Finding], new: Iterable[Finding]) -> tuple[Finding, ...]:
    """Findings of ``new`` that ``old`` does not have (as many times; line numbers aside)."""
    remaining = Counter(f.signature for f in old)
    found = []
    for finding in new:
        if remaining[finding.signature] > 0:
            remaining[finding.signature] -= 1
        else:
            found.append(finding)
    return tuple(found)
