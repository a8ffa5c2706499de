"""ACCEPT for every panel: the save service's answers in the user's terms, in one place.

:func:`save_edit` has the save service (:mod:`piranha_web.save_service`, built for this app
and user by :func:`save_service`) apply an edit function to the document *as of the revision
the form was rendered from* and save it; the steps after a save (:func:`after_save`: keepalived,
the copy to the backup router, the CHECK NOW cache) follow.  A sync failure never undoes or
blocks the save; it is reported.  The outcome says what happened in the user's terms:

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

``dry_run=True``: the outcome of the save it would be (``findings``: what it would add);
nothing written, recorded or synced.  :func:`remember` keeps an outcome in the session for the
page shown after the redirect.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import session

from piranha_web.after_save import AfterSave
from piranha_web.after_save import Report as SyncReport
from piranha_web.errors import AuditError, DuplicateNameError, EditError, ValidationFailedError
from piranha_web.lvscf import Document, line_diff
from piranha_web.lvscf.changed_lines import ChangedLines
from piranha_web.lvscf.validate import Finding
from piranha_web.save_service import Actor, Conflict, Journal, Refused, SaveService
from piranha_web.web import journal
from piranha_web.web.services import services

#: (where, key, code) of a finding or edit error -> the form field it belongs to, or None
FieldMapper = Callable[[str, str | None, str], str | None]
SESSION_KEY = "piranha_outcome"
MAX_REMEMBERED_CHARS = 3000
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
    #: ``invalid`` by validation: the findings themselves (line, key, code), for the REST API;
    #: a dry run's ``saved``: the findings the new text has that lvs.cf does not
    findings: tuple[Finding, ...] = ()
    #: a dry run's ``saved``: the findings of lvs.cf the new text no longer has
    resolved: tuple[Finding, ...] = ()
    previous: str = ""  # the revision this save replaced (UNDO LAST CHANGE restores it)

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


def compare_texts(old: str, new: str) -> tuple[LineChange, ...]:
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


def save_service() -> SaveService:
    """The save path of this app, recording saves as the current user."""
    found = services()
    return SaveService(found.store, Journal(found.audit, found.history,
                                            Actor(journal.actor(), journal.client())),
                       after_save())


def after_save() -> AfterSave:
    """The steps after a save of this app (keepalived, sync, CHECK NOW cache); sync
    attempts and auto-apply go to the audit trail as the current user."""
    found = services()
    return AfterSave(found.state_dir, found.syncer, found.recent_checks, journal.record,
                     journal.begin)


def save_edit(
    edit: Callable[[Document], None],
    revision: str,
    fields: FieldMapper,
    *,
    success: str = "lvs.cf saved.",
    cause: str = "web",
    restored_from: str | None = None,
    dry_run: bool = False,
    strict: bool = False,
) -> SaveOutcome:
    """Apply ``edit`` to lvs.cf as of ``revision`` and save it (see the module docstring).

    ``fields`` maps a finding's (where, key, code), or an edit error's key, to a form field.
    The save is recorded in the audit trail and the history (``cause``, ``restored_from``)
    before lvs.cf is written; when the audit trail cannot be written nothing is saved.
    :class:`NotFoundError` from ``edit`` propagates (the page shows 404).  ``dry_run``: the
    outcome the save would have; nothing written or recorded
    (:class:`~piranha_web.save_service.SaveService`).  ``strict``: a conflict whenever lvs.cf
    is no longer at ``revision`` (no rebase; the REST API's whole-file ETags).  Every edit that
    is not a dry run is counted with its outcome and duration for /metrics
    (``Services.counters``).
    """
    started = time.perf_counter()
    outcome = _save_edit(edit, revision, fields, success, cause, restored_from, dry_run, strict)
    if not dry_run:
        services().counters.save(outcome.status, time.perf_counter() - started)
    return outcome


def _save_edit(
    edit: Callable[[Document], None], revision: str, fields: FieldMapper, success: str,
    cause: str, restored_from: str | None, dry_run: bool, strict: bool = False,
) -> SaveOutcome:
    try:
        result = save_service().apply(edit, revision, cause=cause, restored_from=restored_from,
                                      dry_run=dry_run, strict=strict)
    except AuditError as err:
        return _with_fields("invalid", revision, "Nothing was saved: every save is recorded in "
                            "the audit trail, and it cannot be written.",
                            [FieldError(None, str(err))])
    except ValidationFailedError as err:
        findings = [f for f in err.findings if isinstance(f, Finding)]
        return _with_fields("invalid", revision, "Nothing was saved: please correct the errors.",
                            [_finding_error(f, fields) for f in findings],
                            findings=tuple(findings))
    if isinstance(result, Conflict):
        return SaveOutcome(
            "conflict", result.revision,
            "lvs.cf was changed by someone else (or by hand) since you loaded this page, so "
            "nothing was written.",
            preview=line_changes(result.preview),
        )
    if isinstance(result, Refused):
        errors = [_edit_error(e, fields) for e in result.errors]
        errors += [_finding_error(f, fields, here=True) for f in result.introduced]
        return _with_fields("invalid", revision, "Nothing was saved: please correct the errors.",
                            errors)
    if not result.saved:
        return SaveOutcome("unchanged", revision, "Nothing changed; lvs.cf was not written.")
    return SaveOutcome(
        "saved", result.revision, success, changes=line_changes(result.changes),
        warnings=result.warnings, summary=result.summary,
        previous=result.previous, sync=result.after, findings=result.findings,
        resolved=result.resolved,
    )


def _edit_error(err: EditError | DuplicateNameError, fields: FieldMapper) -> FieldError:
    """A refused field: an edit error under its key, a duplicate name under ``name``."""
    if isinstance(err, DuplicateNameError):
        target = fields("", "name", "duplicate-name")
        return FieldError(target, str(err))
    target = fields("", err.key, "edit")
    return FieldError(target, err.message if target else str(err))


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
