"""Blueprint ``history``: every saved revision of lvs.cf, compare two, RESTORE one.

    GET  /history/?page=N                 revisions newest first (a hand edit is noticed and
                                          recorded as its own entry first), 50 per page
    GET  /history/view?revision=R         the text of one revision
    GET  /history/compare?a=R1&b=R2       the change in words, then the changed lines under
                                          the names of their blocks (from a to b)
    POST /history/restore                 RESTORE (and UNDO LAST CHANGE): target=R, revision=
                                          the current revision the page showed

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
from piranha_web.web.saving import SaveOutcome, changed_lines, remember
from piranha_web.web.services import services

bp = Blueprint("history", __name__, url_prefix="/history")
PAGE_SIZE = 50


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
    entry, text = _find(panel.arg("revision"))
    current = services().store.revision()
    form = RestoreForm(formdata=None, revision=current, target=entry.revision)
    return render_template("history/view.html", entry=entry, lines=text.splitlines(),
                           current=current, form=form)


@bp.get("/compare")
def compare() -> str:
    a, a_text = _find(panel.arg("a"))
    b, b_text = _find(panel.arg("b"))
    groups = [(block, tuple(lines)) for block, lines in
              groupby(changed_lines(a_text, b_text), key=lambda change: change.block)]
    try:
        summary, problem = summarize_documents(parse(a_text), parse(b_text)), None
    except ParseError as err:
        summary, problem = [], str(err)
    return render_template("history/compare.html", a=a, b=b, summary=summary, groups=groups,
                           problem=problem)


@bp.post("/restore")
def restore() -> Response:
    form = RestoreForm()
    if not form.validate():
        abort(400)
    chosen = _find(form.target.data or "")
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
        changes=changed_lines(result.old_text, result.new_text), warnings=result.warnings,
        sync=result.after, previous=previous,
    ))
    return back
