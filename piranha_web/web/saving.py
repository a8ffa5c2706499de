"""ACCEPT for every panel: load, edit, save with the form's revision, sync, report.

:func:`save_edit` applies an edit function to the document *as of the revision the form was
rendered from* and saves it through the store, then asks the syncer (if any) to copy lvs.cf to
the backup router.  A sync failure never undoes or blocks the save; it is reported.  The
outcome says what happened in the user's terms:

* ``saved``: what changed in words (``summary``, from :func:`piranha_web.lvscf.changes.summarize`
  on the models before and after), the lvs.cf lines removed and added, each with the name of
  its block (a small diff), remaining warnings, sync result;
* ``unchanged``: the edit changed nothing, nothing was written;
* a form loaded at an older revision is rebased (:mod:`piranha_web.lvscf.rebase`): when the
  edit changes the same lines to the same values in that revision and in the file now, it is
  applied to the file now (other admins' saves of other things stay) and saved;
* ``conflict``: what the edit changes was changed since the form was loaded (or that revision
  is no longer kept); nothing was written; ``preview``
  shows what ACCEPT would change in the file as it is now and ``revision`` is the current one,
  so re-submitting the kept input re-applies it;
* ``invalid``: the edit was refused (:class:`EditError`, :class:`DuplicateNameError`) or would
  add validation errors; nothing was written; each error is mapped to a form field.  An edit
  that raises :class:`EditErrors` has applied every field it could: the errors the rest of the
  edit would add to the file are reported with them, so every field's error shows at once.

:func:`remember` keeps an outcome in the session for the page shown after the redirect.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import session

from piranha_web.errors import (
    AuditError,
    DuplicateNameError,
    EditError,
    EditErrors,
    PiranhaError,
    StaleRevisionError,
    ValidationFailedError,
)
from piranha_web.lvscf import Document, line_diff
from piranha_web.lvscf.changed_lines import ChangedLines
from piranha_web.lvscf.changes import summarize
from piranha_web.lvscf.rebase import rebase
from piranha_web.lvscf.validate import Finding, validate
from piranha_web.web import journal
from piranha_web.web.keepalived.views import after_accept
from piranha_web.web.services import services

log = logging.getLogger(__name__)

#: (where, key, code) of a finding or edit error -> the form field it belongs to, or None
FieldMapper = Callable[[str, str | None, str], str | None]
SESSION_KEY = "piranha_outcome"
MAX_REMEMBERED_CHARS = 3000
#: how often an edit is rebased on saves that land while it is being saved (by another
#: process: within this one, :data:`_SAVING` keeps saves from interleaving)
SAVE_ATTEMPTS = 4
#: one load-edit-save at a time in this process, so that a request's edit is rebased on every
#: save that landed before it and never loses a race to one that lands meanwhile (a stale form
#: is then refused only when the same thing changed); page views do not take it
_SAVING = threading.Lock()
MAX_SUMMARY = 50
#: a block's first line, ``virtual NAME {`` (lvs.cf's grammar is line based)
_OPENER = re.compile(r"\s*([A-Za-z_]+)\s+([^=]+?)\s*\{\s*")


@dataclass(frozen=True)
class LineChange:
    """One changed line: ``sign`` '-' (removed, old line number) or '+' (added, new number).

    ``block`` names the block the line is in ("global", "virtual www", "virtual www / server
    www1"), in the old file for a removed line and in the new file for an added one.
    """

    sign: str
    line: int
    text: str
    block: str = ""


@dataclass(frozen=True)
class FieldError:
    """An error to show next to ``field`` (None: at the top of the form)."""

    field: str | None
    message: str


@dataclass(frozen=True)
class SyncReport:
    """Whether the copy to the backup router worked, in plain words."""

    ok: bool
    message: str


@dataclass(frozen=True)
class SaveOutcome:
    """What an ACCEPT did (see the module docstring)."""

    status: str
    revision: str
    message: str = ""
    changes: tuple[LineChange, ...] = ()
    warnings: tuple[Finding, ...] = ()
    errors: tuple[FieldError, ...] = ()
    preview: tuple[LineChange, ...] = ()
    sync: SyncReport | None = None
    summary: tuple[str, ...] = ()
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    #: ``invalid`` by validation: the findings themselves (line, key, code), for the REST API
    findings: tuple[Finding, ...] = ()
    previous: str = ""  # the revision this save replaced (UNDO LAST CHANGE restores it)
    #: the saved change as hunks with their blocks (``changes`` is the same, line by line)
    diff: ChangedLines = ChangedLines()

    @property
    def saved(self) -> bool:
        return self.status == "saved"

    @property
    def general_errors(self) -> list[str]:
        """Errors not tied to a field of the form."""
        return [e.message for e in self.errors if e.field is None]


def line_changes(changes: ChangedLines) -> tuple[LineChange, ...]:
    """The hunks an edited document reports (``Document.changes()``), line by line: how the
    ACCEPT page shows a save without comparing whole files."""
    return tuple(LineChange(sign, line, text, hunk.where)
                 for hunk in changes for sign, line, text in ChangedLines((hunk,)).lines())


def changed_lines(old: str, new: str) -> tuple[LineChange, ...]:
    """The lines removed from ``old`` and added in ``new``, in file order, with their block.

    :mod:`piranha_web.lvscf.line_diff` finds the changed lines quickly even in a file of 200k
    lines that repeat the same few texts (difflib alone would take minutes there).
    A block added or removed whole is shown whole: an insertion or deletion is moved down
    while the line after it repeats its first line (``}``), so a new virtual server does not
    appear as the tail of the block before it.
    """
    a, b = old.splitlines(), new.splitlines()
    hunks = line_diff.changed_slid(a, b)
    removed = _block_names(a, {n + 1 for tag, i1, i2, _, _ in hunks if tag != "insert"
                               for n in range(i1, i2)})
    added = _block_names(b, {n + 1 for tag, _, _, j1, j2 in hunks if tag != "delete"
                             for n in range(j1, j2)})
    changes: list[LineChange] = []
    for _, i1, i2, j1, j2 in hunks:
        changes.extend(LineChange("-", n + 1, a[n], removed[n + 1]) for n in range(i1, i2))
        changes.extend(LineChange("+", n + 1, b[n], added[n + 1]) for n in range(j1, j2))
    return tuple(changes)


def _block_names(lines: Sequence[str], wanted: set[int]) -> dict[int, str]:
    """The block each wanted (1-based) line is in: "global", "virtual www / server www1"."""
    return {number: _enclosing(lines, number - 1) for number in wanted}


def _enclosing(lines: Sequence[str], index: int) -> str:
    """The blocks around ``lines[index]``, found by reading back to the top-level opener.

    lvs.cf nests servers in virtual (or failover) blocks only, so the scan stops at the first
    enclosing block that is not a server: it reads the lines of one block, not the file.
    """
    names: list[str] = []
    depth = 0
    for number in range(index, -1, -1):
        stripped = lines[number].strip()
        if stripped == "}":
            depth += number != index  # a block's own "}" belongs to it
        elif stripped.endswith("{") and not stripped.startswith("#") and (
                found := _OPENER.fullmatch(lines[number])):
            if depth:
                depth -= 1
                continue
            names.append(f"{found[1]} {found[2].strip(chr(34))}")
            if found[1] != "server":
                break
    return " / ".join(reversed(names)) or "global"


def _with_fields(status: str, revision: str, message: str, errors: list[FieldError],
                 **extra: Any) -> SaveOutcome:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        if error.field is not None:
            by_field.setdefault(error.field, []).append(error.message)
    return SaveOutcome(status, revision, message, errors=tuple(errors), field_errors=by_field,
                       **extra)


def _finding_error(finding: Finding, fields: FieldMapper, *, here: bool = False) -> FieldError:
    """``here``: the finding comes from this form's own edit (its block may have no name yet)."""
    target = fields("" if here else finding.where, finding.key, finding.code)
    if target is not None:
        return FieldError(target, finding.message)
    where = f"line {finding.line} ({finding.where}"
    where += f", {finding.key})" if finding.key else ")"
    return FieldError(None, f"{where}: {finding.message}")


def run_sync() -> SyncReport | None:
    """The keepalived engine's regeneration (if it is the engine), then the copy to the backup
    router; both reported together."""
    engine = after_accept()
    report = _copy_to_backup()
    if engine is None:
        return report
    if report is None:
        return SyncReport(*engine)
    return SyncReport(report.ok and engine[0], f"{report.message} {engine[1]}")


def _copy_to_backup() -> SyncReport | None:
    """Ask the syncer to copy lvs.cf to the backup router; failures become a report."""
    syncer = services().syncer
    if syncer is None:
        return None
    try:
        result = syncer.after_save()
    except Exception as err:  # a sync problem must never undo or block the save
        log.exception("sync after save failed")
        journal.record("sync", ok=False, message=str(err), trigger="after save")
        return SyncReport(False, f"copying lvs.cf to the backup router failed: {err}")
    journal.record("sync", ok=bool(result.ok), message=str(result.message), trigger="after save")
    return SyncReport(bool(result.ok), str(result.message))


def save_edit(
    edit: Callable[[Document], None],
    revision: str,
    fields: FieldMapper,
    *,
    success: str = "lvs.cf saved.",
    cause: str = "web",
    restored_from: str | None = None,
) -> SaveOutcome:
    """Apply ``edit`` to lvs.cf as of ``revision`` and save it (see the module docstring).

    ``fields`` maps a finding's (where, key, code), or an edit error's key, to a form field.
    The save is recorded in the audit trail and the history (``cause``, ``restored_from``)
    before lvs.cf is written; when the audit trail cannot be written nothing is saved.
    :class:`NotFoundError` from ``edit`` propagates (the page shows 404).  When another save
    lands between loading and saving, the edit is rebased on that one too (a few times).
    """
    for _ in range(SAVE_ATTEMPTS):
        with _SAVING:
            outcome = _attempt(edit, revision, fields, success, cause, restored_from)
        if outcome is not None:
            # the copy to the backup router runs after the lock: a slow backup delays no save
            return replace(outcome, sync=run_sync()) if outcome.status == "saved" else outcome
    current = services().store.load()
    return _conflict(edit, current.document, current.revision)


def _attempt(
    edit: Callable[[Document], None], revision: str, fields: FieldMapper, success: str,
    cause: str, restored_from: str | None,
) -> SaveOutcome | None:
    """One load, edit (or rebase) and save; None when lvs.cf changed before the lock was held."""
    store = services().store
    loaded = store.load()
    doc = loaded.document
    before = doc.model()
    try:
        if loaded.revision == revision:
            edit(doc)
        elif not _rebased(edit, revision, doc):
            return _conflict(edit, store.load().document, loaded.revision)
    except EditErrors as err:
        errors = [_edit_error(e, fields) for e in err.errors]
        errors += [_finding_error(f, fields, here=True) for f in _introduced(doc)]
        return _with_fields("invalid", revision, "Nothing was saved: please correct the errors.",
                            errors)
    except (EditError, DuplicateNameError) as err:
        key = err.key if isinstance(err, EditError) else "name"
        code = "edit" if isinstance(err, EditError) else "duplicate-name"
        message = err.message if isinstance(err, EditError) else str(err)
        target = fields("", key, code)
        return _with_fields("invalid", revision, "Nothing was saved: please correct the errors.",
                            [FieldError(target, message if target else str(err))])
    if not doc.changes():
        return SaveOutcome("unchanged", revision, "Nothing changed; lvs.cf was not written.")
    summary = tuple(summarize(before, doc.model())) + tuple(doc.notes)
    try:
        result = store.save(doc, loaded.revision,
                            recorder=journal.recorder(cause, restored_from, summary))
    except AuditError as err:
        return _with_fields("invalid", revision, "Nothing was saved: every save is recorded in "
                            "the audit trail, and it cannot be written.",
                            [FieldError(None, str(err))])
    except StaleRevisionError:
        return None
    except ValidationFailedError as err:
        findings = [f for f in err.findings if isinstance(f, Finding)]
        return _with_fields("invalid", revision, "Nothing was saved: please correct the errors.",
                            [_finding_error(f, fields) for f in findings],
                            findings=tuple(findings))
    return SaveOutcome(
        "saved",
        result.revision,
        success,
        changes=line_changes(result.changes),
        warnings=result.warnings,
        diff=result.changes,
        summary=summary,
        previous=loaded.revision,
    )


def _edit_error(err: EditError, fields: FieldMapper) -> FieldError:
    target = fields("", err.key, "edit")
    return FieldError(target, err.message if target else str(err))


def _introduced(doc: Document) -> list[Finding]:
    """Errors ``doc`` has that lvs.cf as it is now does not (the edit would add them)."""
    store = services().store
    try:
        known = {f.signature for f in store.findings()}
    except PiranhaError:
        known = set()
    return [f for f in validate(doc) if f.is_error and f.signature not in known]


def _rebased(edit: Callable[[Document], None], revision: str, current: Document) -> bool:
    """Apply ``edit``, made on a form of ``revision``, to ``current`` when it changes nothing
    that changed since (see :mod:`piranha_web.lvscf.rebase`); False: refuse as stale."""
    base = services().store.load_revision(revision)
    if base is None:
        return False
    try:
        return rebase(edit, base, current)
    except (EditError, DuplicateNameError, EditErrors, LookupError):
        return False


def _conflict(edit: Callable[[Document], None], current: Document, revision: str) -> SaveOutcome:
    """Nothing written; preview what the same edit would change in the current file."""
    try:
        edit(current)
        preview = line_changes(current.changes())
    except (EditError, EditErrors, DuplicateNameError, LookupError):
        preview = ()
    return SaveOutcome(
        "conflict",
        revision,
        "lvs.cf was changed by someone else (or by hand) since you loaded this page, so "
        "nothing was written.",
        preview=preview,
    )


def remember(outcome: SaveOutcome) -> None:
    """Keep the outcome's message, summary, changed lines and sync result for the next page.

    The session is a cookie: summary and lines share a budget of characters.
    """
    budget = MAX_REMEMBERED_CHARS
    summary: list[str] = []
    for words in outcome.summary[:MAX_SUMMARY]:
        budget -= len(words) + 4
        if budget < MAX_REMEMBERED_CHARS // 3:
            break
        summary.append(words)
    changes: list[list[Any]] = []
    shown_block = ""
    for change in outcome.changes:
        budget -= len(change.text) + 8 + (len(change.block) if change.block != shown_block else 0)
        if budget < 0:
            break
        block = change.block if change.block != shown_block else ""
        shown_block = change.block
        changes.append([change.sign, change.line, change.text, block])
    session[SESSION_KEY] = {
        "message": outcome.message,
        "summary": summary,
        "more": len(outcome.summary) - len(summary),
        "changes": changes,
        "omitted": len(outcome.changes) - len(changes),
        "sync": [outcome.sync.ok, outcome.sync.message] if outcome.sync else None,
        "previous": outcome.previous,
        "revision": outcome.revision,
    }


def recall() -> dict[str, Any] | None:
    """The remembered outcome (once), or None."""
    found: dict[str, Any] | None = session.pop(SESSION_KEY, None)
    return found
