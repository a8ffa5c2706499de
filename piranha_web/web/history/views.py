"""Blueprint ``history``: every saved revision of lvs.cf, compare two, RESTORE one.

    GET  /history/?page=N                 revisions newest first (a hand edit is noticed and
                                          recorded as its own entry first), 50 per page
    GET  /history/view?revision=R&page=N  one revision: the lines its save changed (against
                                          its parent, when kept) first, then its text,
                                          TEXT_LINES lines a page
    GET  /history/text?revision=R         the whole text of one revision (text/plain)
    GET  /history/compare?a=R1&b=R2       the change in words, then the changed lines under
                                          the names of their blocks (from a to b)
    GET  /history/restore?target=R        RESTORE's confirmation: what it changes relative to
                                          the current lvs.cf (in words and lines)
    POST /history/restore                 RESTORE: target=R, revision= the current revision the
                                          confirmation showed, confirm=RESTORE (else: back to it)
    POST /history/undo                    UNDO LAST CHANGE: target= the revision before the
                                          change, revision= the one it saved; only that change
                                          is taken back (``undo.revert``), others' stay

RESTORE is a save like any ACCEPT: revision-checked (someone else's change since the page
was shown refuses it), validated (refused when it would add errors; warnings shown),
``serial_no`` set above the current one, recorded in the audit trail and the history
(cause ``restore``), then synced to the backup router.  History is never rewritten.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import groupby

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms import HiddenField

from piranha_web.errors import (
    AuditError,
    ParseError,
    StaleRevisionError,
    ValidationFailedError,
)
from piranha_web.lvscf import parse
from piranha_web.lvscf.changes import summarize_documents
from piranha_web.lvscf.validate import Finding
from piranha_web.lvscf.values import c_int
from piranha_web.web import journal, panel, restoring
from piranha_web.web.history import undo
from piranha_web.web.saving import SaveOutcome, compare_texts, remember, save_service
from piranha_web.web.services import services

bp = Blueprint("history", __name__, url_prefix="/history")
PAGE_SIZE = 50
#: lines of a revision's text on one page of its view, and changed lines shown above it
TEXT_LINES = 500
CHANGED_LINES = 400


@bp.app_template_filter("utc")
def utc(ts: float) -> str:
    """Seconds since the epoch as ``2026-11-28 21:53:41`` (UTC)."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


class RestoreForm(panel.RevisionForm):
    """RESTORE: the revision to bring back; ``revision`` is the current one (checked)."""

    target = HiddenField()


def _find(revision: str) -> restoring.Kept:
    found = restoring.kept(revision)
    if found is None:
        abort(404)
    return found


@bp.get("/")
def index() -> str:
    history = services().history
    noticed = history.notice()
    if noticed is not None and noticed.cause == "hand edit":
        journal.record("hand-edit", user=None, new=noticed.revision, old=noticed.parent,
                       summary=list(noticed.summary), noticed_by=journal.actor())
    revisions = history.revisions()
    pages = max(1, (len(revisions) + PAGE_SIZE - 1) // PAGE_SIZE)
    page = min(max(1, c_int(request.args.get("page", "1")) or 1), pages)
    current = services().store.revision()
    shown = revisions[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    form = RestoreForm(formdata=None, revision=current)
    return render_template("history/index.html", revisions=shown, page=page, pages=pages,
                           total=len(revisions), current=current, form=form)


@bp.get("/view")
def view() -> str:
    """One revision, costing what it shows (issue 24: a 200-server file was 911,000
    characters): the change of its save first, then a page of its text."""
    entry, text = _find(panel.arg("revision"))
    current = services().store.revision()
    form = RestoreForm(formdata=None, revision=current, target=entry.revision)
    parent = restoring.kept(entry.parent) if entry.parent else None
    changes = compare_texts(parent.text, text) if parent is not None else ()
    groups = [(block, tuple(lines)) for block, lines in
              groupby(changes[:CHANGED_LINES], key=lambda change: change.block)]
    lines = text.splitlines()
    pages = max(1, -(-len(lines) // TEXT_LINES))
    page = min(max(1, c_int(request.args.get("page", "1")) or 1), pages)
    first = (page - 1) * TEXT_LINES
    return render_template("history/view.html", entry=entry, current=current, form=form,
                           parent=parent, groups=groups, changed=len(changes),
                           changed_shown=CHANGED_LINES,
                           lines=lines[first:first + TEXT_LINES], first=first,
                           page=page, pages=pages, total=len(lines))


@bp.get("/text")
def text() -> Response:
    """The whole text of one revision, as a text/plain download."""
    entry, body = _find(panel.arg("revision"))
    return Response(body, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="lvs.cf.{entry.short}"'})


@bp.get("/compare")
def compare() -> str:
    a, a_text = _find(panel.arg("a"))
    b, b_text = _find(panel.arg("b"))
    groups = [(block, tuple(lines)) for block, lines in
              groupby(compare_texts(a_text, b_text), key=lambda change: change.block)]
    try:
        summary, problem = summarize_documents(parse(a_text), parse(b_text)), None
    except ParseError as err:
        summary, problem = [], str(err)
    return render_template("history/compare.html", a=a, b=b, summary=summary, groups=groups,
                           problem=problem)


@bp.get("/restore")
def confirm_restore() -> str:
    """RESTORE's confirmation page: the change relative to lvs.cf now, then RESTORE/CANCEL."""
    chosen = _find(panel.arg("target"))
    loaded = services().store.load()
    try:
        preview, problem = undo.restore_preview(loaded.text, chosen.text), None
    except ParseError as err:
        preview, problem = None, str(err)
    lines = compare_texts(loaded.text, preview.text) if preview else ()
    changes = [(block, tuple(group)) for block, group in groupby(lines, key=lambda c: c.block)]
    form = RestoreForm(formdata=None, revision=loaded.revision, target=chosen.entry.revision)
    return render_template("history/restore.html", entry=chosen.entry, preview=preview,
                           changes=changes, count=len(lines), problem=problem, form=form)


@bp.post("/restore")
def restore() -> Response:
    form = RestoreForm()
    if not form.validate():
        abort(400)
    chosen = _find(form.target.data or "")
    if request.form.get("confirm") != "RESTORE":  # never without the confirmation page
        return redirect(url_for(".confirm_restore", target=chosen.entry.revision), code=303)
    entry = chosen.entry
    back = redirect(url_for(".index"), code=303)
    try:
        previous, result = restoring.restore(chosen, form.revision.data or "", "restore")
    except StaleRevisionError:
        flash("lvs.cf was changed by someone else (or by hand) since you loaded this page, "
              "so nothing was restored. Look at the history again.", "error")
        return back
    except ParseError as err:
        flash(f"Revision {entry.short} cannot be parsed, so it cannot be restored: {err}",
              "error")
        return back
    except ValidationFailedError as err:
        problems = "; ".join(f"line {f.line}: {f.message}" for f in err.findings[:5]
                             if isinstance(f, Finding))
        flash(f"Nothing was restored: revision {entry.short} has errors the current lvs.cf "
              f"does not have ({problems}).", "error")
        return back
    except AuditError as err:
        flash(f"Nothing was restored: every save is recorded in the audit trail, and it "
              f"cannot be written ({err}).", "error")
        return back
    if result is None:
        flash("This revision is the current lvs.cf; nothing was restored.", "info")
        return back
    remember(SaveOutcome(
        "saved", result.revision,
        f"Revision {entry.short} of {entry.who} restored as a new revision.",
        changes=compare_texts(result.old_text, result.new_text), warnings=result.warnings,
        sync=result.after, previous=previous,
    ))
    return back


@bp.post("/undo", endpoint="undo")
def undo_change() -> Response:
    """UNDO LAST CHANGE: take back the change ``target`` -> ``revision`` from lvs.cf as it is
    now (what others saved since stays); explain when the lines it touched changed since."""
    form = RestoreForm()
    if not form.validate():
        abort(400)
    before, after = _find(form.target.data or ""), _find(form.revision.data or "")
    back = redirect(url_for(".index"), code=303)
    loaded = services().store.load()
    text = undo.revert(after.text, before.text, loaded.text)
    if text is None:
        flash(f"UNDO refused: the lines this change touched were changed again since (lvs.cf "
              f"is now at {loaded.revision[:12]}). Compare revision {after.entry.short} with "
              f"the current lvs.cf below and RESTORE or edit by hand.", "error")
        return redirect(url_for(".compare", a=after.entry.revision, b=loaded.revision),
                        code=303)
    if text == loaded.text:
        flash("lvs.cf is already as it was before this change; nothing was written.", "info")
        return back
    try:
        result = save_service().replace_text(text, loaded.revision, cause="undo")
    except StaleRevisionError:
        flash("lvs.cf changed while the change was being undone; nothing was written. "
              "Try UNDO again.", "error")
        return back
    except (ParseError, ValidationFailedError, AuditError) as err:
        flash(f"Nothing was undone: {err}", "error")
        return back
    remember(SaveOutcome(
        "saved", result.revision, f"The change of revision {after.entry.short} was undone.",
        changes=compare_texts(result.old_text, result.new_text), warnings=result.warnings,
        sync=result.after, previous=loaded.revision,
    ))
    return back
