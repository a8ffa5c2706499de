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
from wtforms import BooleanField, StringField

from piranha_web.errors import NotFoundError
from piranha_web.lvscf import Document, VirtualServer
from piranha_web.lvscf import schema as s
from piranha_web.lvscf.nanny import program_words
from piranha_web.web import panel
from piranha_web.web.nanny_text import nanny_pieces
from piranha_web.web.panel import Page
from piranha_web.web.saving import SaveOutcome, save_edit

bp = Blueprint("monitoring", __name__, url_prefix="/virtual/monitoring")

KEYS = ("send_program", "send", "expect")
FIELDS = (*KEYS, "use_regex")
#: button -> the key it removes
BLANKS = {"NO SEND PROGRAM": "send_program", "BLANK SEND": "send", "BLANK EXPECT": "expect"}
HELP = {key: (spec.help if (spec := s.spec("virtual", key)) else "") for key in FIELDS}
HELP["use_regex"] = (
    "nanny then matches the expect string anywhere in the first chunk of the answer as an "
    "extended regular expression. Write \\\\. in lvs.cf for a regex \\. (nanny converts "
    "escapes first and hangs on unknown ones)."
)


class MonitoringForm(panel.RevisionForm):
    """Fields of the MONITORING SCRIPTS subsection."""

    send_program = StringField("Sending Program")
    send = StringField("Send")
    expect = StringField("Expect")
    use_regex = BooleanField("Treat expect string as a regular expression")


def initial_values(doc: Document, virtual: str) -> dict[str, str]:
    doc.find_virtual(virtual)
    values = {key: panel.shown_value(doc, key, virtual=virtual) or "" for key in KEYS}
    values["use_regex"] = "1" if doc.model().virtual(virtual).monitor.use_regex else ""
    return values


def _edit(todo: dict[str, str], virtual: str) -> panel.Edit:
    def edit(doc: Document) -> None:
        for key, value in todo.items():
            if key == "use_regex":
                doc.set("use_regex", "1" if value else "0", virtual=virtual)
            else:
                panel.set_or_unset(doc, key, value, virtual=virtual)

    return edit


def _blank(key: str, virtual: str) -> panel.Edit:
    def edit(doc: Document) -> None:
        doc.unset(key, virtual=virtual)

    return edit


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
    change = _edit(todo, virtual)
    outcome = save_edit(change, form.revision.data or "",
                        panel.mapper(f"virtual {virtual}", FIELDS), success=success)
    return panel.after_save(
        form, outcome, url_for(".edit", virtual=virtual),
        lambda outcome, status: _render(form, virtual, outcome, status),
        lambda revision: panel.rebase(form, initial_values(panel.load().document, virtual),
                                      todo, revision))
