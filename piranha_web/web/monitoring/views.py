"""Blueprint ``monitoring``: the MONITORING SCRIPTS subsection of one virtual server.

Fields Sending Program, Send, Expect and "Treat expect string as a regular expression".  ACCEPT
writes the changed fields (a blank field removes its key); NO SEND PROGRAM, BLANK SEND and BLANK
EXPECT remove one key, like Piranha's buttons, and save what was typed in the other fields with
it (one edit: no typed input is thrown away).  The page shows how nanny will read the
strings (escapes decoded, control characters made visible, ``%h`` per real server).

    GET  /virtual/monitoring?virtual=V, POST
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from piranha_web.edits.monitoring import BLANKS, FIELDS, HELP, initial_values
from piranha_web.edits.monitoring import edit as monitoring_edit
from piranha_web.errors import NotFoundError
from piranha_web.lvscf import VirtualServer
from piranha_web.lvscf.nanny import program_words
from piranha_web.web import panel
from piranha_web.web.monitoring.form import MonitoringForm
from piranha_web.web.nanny_text import nanny_pieces
from piranha_web.web.panel import Page
from piranha_web.web.saving import SaveOutcome, save_edit

bp = Blueprint("monitoring", __name__, url_prefix="/virtual/monitoring")


def _render(form: MonitoringForm, virtual: str, outcome: SaveOutcome | None = None,
            status: int = 200) -> tuple[str, int]:
    loaded = panel.load()
    try:
        vs = loaded.document.model().virtual(virtual)
    except NotFoundError:  # renamed or deleted meanwhile: the kept input is still shown
        vs = VirtualServer(virtual)
    page = render_template(
        "monitoring/edit.html", form=form, name=virtual, vs=vs, help=HELP, outcome=outcome,
        warnings=panel.field_findings(f"virtual {virtual}",
                                      panel.mapper(f"virtual {virtual}", FIELDS)),
        nanny_pieces=nanny_pieces, program_argv=program_words,
    )
    return page, status


@bp.route("/", methods=["GET", "POST"])
def edit() -> Page:
    virtual = panel.arg("virtual")
    loaded = panel.load()
    if request.method == "POST" and virtual not in loaded.document.virtual_names():
        return _render(MonitoringForm(), virtual,
                       panel.gone(f"Virtual server {virtual}", loaded.revision), 409)
    current = initial_values(loaded.document, virtual)
    if request.method != "POST":
        form = MonitoringForm(formdata=None)
        panel.fill(form, current, loaded.revision)
        return _render(form, virtual)
    form = MonitoringForm()
    button = panel.action()
    if button == "CANCEL":
        return redirect(url_for("virtual.edit", virtual=virtual), code=303)
    if not form.validate():
        return _render(form, virtual, status=400)
    todo = panel.changed(form, current)
    if button in BLANKS:
        # the blank is part of the same edit: what was typed in the other fields is kept
        others = sorted(key for key in todo if key != BLANKS[button])
        todo = {**todo, BLANKS[button]: ""}
        success = f"{button}: {BLANKS[button]} removed from {virtual}" + (
            f"; your changes to {', '.join(others)} saved with it." if others else ".")
    else:
        success = f"Monitoring scripts of {virtual} saved."
    change = monitoring_edit(todo, virtual)
    outcome = save_edit(change, form.revision.data or "",
                        panel.mapper(f"virtual {virtual}", FIELDS), success=success)
    return panel.answer_accept(
        form, outcome, url_for(".edit", virtual=virtual),
        lambda outcome, status: _render(form, virtual, outcome, status),
        lambda revision: panel.rebase(form, initial_values(panel.load().document, virtual),
                                      todo, revision))
