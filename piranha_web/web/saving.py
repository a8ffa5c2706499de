"""ACCEPT for every panel: load, edit, save with the form's revision, sync, report.

:func:`save_edit` applies an edit function to the document *as of the revision the form was
rendered from* and saves it through the store, then asks the syncer (if any) to copy lvs.cf to
the backup router.  A sync failure never undoes or blocks the save; it is reported.  The
outcome says what happened in the user's terms:

* ``saved``: the lvs.cf lines removed and added (a small diff), remaining warnings, sync result;
* ``unchanged``: the edit changed nothing, nothing was written;
* ``conflict``: lvs.cf changed since the form was loaded; nothing was written; ``preview``
  shows what ACCEPT would change in the file as it is now and ``revision`` is the current one,
  so re-submitting the kept input re-applies it;
* ``invalid``: the edit was refused (:class:`EditError`, :class:`DuplicateNameError`) or would
  add validation errors; nothing was written; each error is mapped to a form field.

:func:`remember` keeps an outcome in the session for the page shown after the redirect.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import session

from piranha_web.errors import (
    DuplicateNameError,
    EditError,
    StaleRevisionError,
    ValidationFailedError,
)
from piranha_web.lvscf import Document
from piranha_web.lvscf.validate import Finding
from piranha_web.web import line_diff
from piranha_web.web.services import services

log = logging.getLogger(__name__)

#: (where, key, code) of a finding or edit error -> the form field it belongs to, or None
FieldMapper = Callable[[str, str | None, str], str | None]
SESSION_KEY = "piranha_outcome"
MAX_REMEMBERED_CHARS = 3000


@dataclass(frozen=True)
class LineChange:
    """One changed line: ``sign`` '-' (removed, old line number) or '+' (added, new number)."""

    sign: str
    line: int
    text: str


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
    field_errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def saved(self) -> bool:
        return self.status == "saved"

    @property
    def general_errors(self) -> list[str]:
        """Errors not tied to a field of the form."""
        return [e.message for e in self.errors if e.field is None]


def changed_lines(old: str, new: str) -> tuple[LineChange, ...]:
    """The lines removed from ``old`` and added in ``new``, in file order.

    :mod:`.line_diff` keeps this fast on files of 200k lines that repeat the same few texts
    (difflib alone would take minutes there).
    """
    a, b = old.splitlines(), new.splitlines()
    changes: list[LineChange] = []
    for _, i1, i2, j1, j2 in line_diff.changed(a, b):
        changes.extend(LineChange("-", n + 1, a[n]) for n in range(i1, i2))
        changes.extend(LineChange("+", n + 1, b[n]) for n in range(j1, j2))
    return tuple(changes)


def _with_fields(status: str, revision: str, message: str, errors: list[FieldError],
                 **extra: Any) -> SaveOutcome:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        if error.field is not None:
            by_field.setdefault(error.field, []).append(error.message)
    return SaveOutcome(status, revision, message, errors=tuple(errors), field_errors=by_field,
                       **extra)


def _finding_error(finding: Finding, fields: FieldMapper) -> FieldError:
    target = fields(finding.where, finding.key, finding.code)
    if target is not None:
        return FieldError(target, finding.message)
    where = f"line {finding.line} ({finding.where}"
    where += f", {finding.key})" if finding.key else ")"
    return FieldError(None, f"{where}: {finding.message}")


def run_sync() -> SyncReport | None:
    """Ask the syncer to copy lvs.cf to the backup router; failures become a report."""
    syncer = services().syncer
    if syncer is None:
        return None
    try:
        result = syncer.after_save()
    except Exception as err:  # a sync problem must never undo or block the save
        log.exception("sync after save failed")
        return SyncReport(False, f"copying lvs.cf to the backup router failed: {err}")
    return SyncReport(bool(result.ok), str(result.message))


def save_edit(
    edit: Callable[[Document], None],
    revision: str,
    fields: FieldMapper,
    *,
    success: str = "lvs.cf saved.",
) -> SaveOutcome:
    """Apply ``edit`` to lvs.cf as of ``revision`` and save it (see the module docstring).

    ``fields`` maps a finding's (where, key, code), or an edit error's key, to a form field.
    :class:`NotFoundError` from ``edit`` propagates (the page shows 404).
    """
    store = services().store
    loaded = store.load()
    if loaded.revision != revision:
        return _conflict(edit, loaded.document, loaded.text, loaded.revision)
    doc = loaded.document
    try:
        edit(doc)
    except (EditError, DuplicateNameError) as err:
        key = err.key if isinstance(err, EditError) else "name"
        code = "edit" if isinstance(err, EditError) else "duplicate-name"
        message = err.message if isinstance(err, EditError) else str(err)
        target = fields("", key, code)
        return _with_fields("invalid", revision, "Nothing was saved: please correct the errors.",
                            [FieldError(target, message if target else str(err))])
    if doc.dumps() == loaded.text:
        return SaveOutcome("unchanged", revision, "Nothing changed; lvs.cf was not written.")
    try:
        result = store.save(doc, revision)
    except StaleRevisionError:
        current = store.load()
        return _conflict(edit, current.document, current.text, current.revision)
    except ValidationFailedError as err:
        findings = [f for f in err.findings if isinstance(f, Finding)]
        return _with_fields("invalid", revision, "Nothing was saved: please correct the errors.",
                            [_finding_error(f, fields) for f in findings])
    return SaveOutcome(
        "saved",
        result.revision,
        success,
        changes=changed_lines(result.old_text, result.new_text),
        warnings=result.warnings,
        sync=run_sync(),
    )


def _conflict(
    edit: Callable[[Document], None], current: Document, text: str, revision: str
) -> SaveOutcome:
    """Nothing written; preview what the same edit would change in the current file."""
    try:
        edit(current)
        preview = changed_lines(text, current.dumps())
    except (EditError, DuplicateNameError, LookupError):
        preview = ()
    return SaveOutcome(
        "conflict",
        revision,
        "lvs.cf was changed by someone else (or by hand) since you loaded this page, so "
        "nothing was written.",
        preview=preview,
    )


def remember(outcome: SaveOutcome) -> None:
    """Keep the outcome's message, changed lines and sync result for the next page view."""
    changes: list[list[Any]] = []
    budget = MAX_REMEMBERED_CHARS
    for change in outcome.changes:
        budget -= len(change.text) + 8
        if budget < 0:
            break
        changes.append([change.sign, change.line, change.text])
    session[SESSION_KEY] = {
        "message": outcome.message,
        "changes": changes,
        "omitted": len(outcome.changes) - len(changes),
        "sync": [outcome.sync.ok, outcome.sync.message] if outcome.sync else None,
    }


def recall() -> dict[str, Any] | None:
    """The remembered outcome (once), or None."""
    found: dict[str, Any] | None = session.pop(SESSION_KEY, None)
    return found
