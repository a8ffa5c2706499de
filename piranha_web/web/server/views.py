"""Blueprint ``server``: the REAL SERVER subsection of one virtual server.

Selection by name: ``?virtual=V&server=S``.  Same conventions as the ``virtual`` blueprint.

    GET  /virtual/servers/?virtual=V            list (STATUS NAME ADDRESS PORT WEIGHT)
    POST /virtual/servers/?virtual=V            ADD | DELETE | EDIT | (DE)ACTIVATE
    GET  /virtual/servers/new?virtual=V, POST   a NEW real server, written on ACCEPT
    GET  /virtual/servers/edit?virtual=V&server=S, POST   EDIT REAL SERVER
    GET  /virtual/servers/delete?virtual=V&server=S, POST confirmation page for DELETE
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from piranha_web.errors import NotFoundError
from piranha_web.lvscf import Document, VirtualServer
from piranha_web.web import lists, panel
from piranha_web.web.ipvs_preview import Preview, preview
from piranha_web.web.list_rows import SERVER_SORTS
from piranha_web.web.panel import Page
from piranha_web.web.saving import SaveOutcome, line_changes, remember, save_edit
from piranha_web.web.server.form import (
    ADD_DEFAULTS,
    FIELDS,
    HELP,
    ServerForm,
    create_new,
    edit_existing,
    initial_values,
)
from piranha_web.web.services import services

bp = Blueprint("server", __name__, url_prefix="/virtual/servers")


def _where(virtual: str, server: str) -> str:
    return f"virtual {virtual} / server {server}"


def _list_page(virtual: str, status: int = 200, selected: str | None = None
               ) -> tuple[str, int]:
    return lists.server_list(virtual, selected, status)


def _back_to_list(virtual: str, selected: str | None) -> Response:
    """The list again (same search, sort and page) with the row acted on selected."""
    return lists.back_to_list(".index", {"virtual": virtual}, SERVER_SORTS, selected)


@bp.get("/")
def index() -> Page:
    return _list_page(panel.arg("virtual"), selected=request.args.get("selected"))


@bp.post("/")
def index_action() -> Page:
    virtual = panel.arg("virtual")
    form = panel.RevisionForm()
    if not form.validate():
        return _list_page(virtual, 400)
    button = panel.action()
    lists.keep_marks(lists.SERVER_MARKS, virtual)
    if button == "ADD":
        return redirect(url_for(".new", virtual=virtual), code=303)
    if lists.marks_button(button, lists.SERVER_MARKS, virtual, SERVER_SORTS):
        return _back_to_list(virtual, request.form.get("selected") or None)
    if button in lists.BULK:
        config = services().store.config()[1]
        names = lists.marked(lists.SERVER_MARKS, virtual, lists.server_items(config, virtual))
        return _bulk(virtual, names, lists.BULK[button], form.revision.data or "")
    if button not in ("DELETE", "EDIT", "(DE)ACTIVATE"):
        flash("Unknown button.", "error")
        return _list_page(virtual, 400)
    selected = request.form.get("selected", "")
    if not selected:
        flash(f"Select a real server with the radio button before selecting '{button}'.",
              "error")
        return _list_page(virtual, 400)
    if button == "EDIT":
        return redirect(url_for(".edit", virtual=virtual, server=selected), code=303)
    if button == "DELETE":
        return redirect(url_for(".delete", virtual=virtual, server=selected), code=303)
    return _toggle(virtual, selected, form.revision.data or "")


def _toggle(virtual: str, server: str, revision: str) -> Page:
    """(DE)ACTIVATE: ``active = 1`` becomes 0, anything else becomes 1."""
    now_active: list[bool] = []

    def edit(doc: Document) -> None:
        now_active.append(not doc.model().virtual(virtual).server(server).active)
        doc.set_active(now_active[-1], virtual=virtual, server=server)

    outcome = save_edit(edit, revision, panel.mapper(_where(virtual, server), ()))
    if outcome.saved:
        state = "activated" if now_active[-1] else "deactivated"
        remember(replace(outcome, message=f"Real server {server} {state}."))
        return _back_to_list(virtual, server)
    for message in [outcome.message, *outcome.general_errors]:
        flash(message, "error")
    return _list_page(virtual, 409 if outcome.status == "conflict" else 400, server)


def _bulk(virtual: str, names: list[str], active: bool, revision: str) -> Page:
    """ACTIVATE MARKED / DEACTIVATE MARKED: every marked real server in one save."""
    selected = request.form.get("selected") or None
    if not names:
        flash("Mark the real servers with the boxes beside them first.", "error")
        return _list_page(virtual, 400, selected)
    outcome = lists.set_marked(
        names, active, revision, panel.mapper("", ()),
        lambda doc, name, on: doc.set_active(on, virtual=virtual, server=name),
        lambda doc, name: doc.model().virtual(virtual).server(name).active,
    )
    if outcome.status in ("saved", "unchanged"):
        remember(outcome)
        lists.forget_marks(lists.SERVER_MARKS)
        return _back_to_list(virtual, selected)
    for message in [outcome.message, *outcome.general_errors]:
        flash(message, "error")
    return _list_page(virtual, 409 if outcome.status == "conflict" else 400, selected)


def _exists(doc: Document, virtual: str, server: str) -> bool:
    try:
        doc.find_server(virtual, server)
    except NotFoundError:
        return False
    return True


def _render_edit(form: ServerForm, virtual: str, server: str | None,
                 outcome: SaveOutcome | None = None, status: int = 200,
                 ipvs: Preview | None = None) -> tuple[str, int]:
    loaded = panel.load()
    try:
        vs: VirtualServer | None = loaded.document.model().virtual(virtual)
    except NotFoundError:  # renamed or deleted meanwhile: the kept input is still shown
        vs = None
    where = _where(virtual, server or "")
    warnings = panel.field_findings(where, panel.mapper(where, FIELDS)) if server else []
    page = render_template(
        "server/edit.html", form=form, name=virtual, server=server, vs=vs, help=HELP,
        outcome=outcome, warnings=warnings, ipvs_preview=ipvs,
    )
    return page, status


@bp.route("/new", methods=["GET", "POST"])
def new() -> Page:
    virtual = panel.arg("virtual")
    if request.method != "POST":
        loaded = panel.load()
        loaded.document.find_virtual(virtual)
        form = ServerForm(formdata=None)
        panel.fill(form, ADD_DEFAULTS, loaded.revision)
        return _render_edit(form, virtual, None)
    form = ServerForm()
    if panel.action() == "CANCEL":
        return redirect(url_for(".index", virtual=virtual), code=303)
    if not form.validate():
        return _render_edit(form, virtual, None, status=400)
    loaded = panel.load()
    if virtual not in loaded.document.virtual_names():
        return _gone_before_add(form, virtual, loaded.revision)
    name = panel.submitted(form.name)
    outcome = save_edit(
        create_new(form, virtual), form.revision.data or "",
        panel.mapper(_where(virtual, name), FIELDS),
        success=f"Real server {name} added to {virtual}.",
    )
    return panel.answer_accept(
        form, outcome, url_for(".edit", virtual=virtual, server=name),
        lambda outcome, status: _render_edit(form, virtual, None, outcome, status))


def _gone_before_add(form: ServerForm, virtual: str, revision: str) -> Page:
    """ADD REAL SERVER to a virtual server renamed or deleted since the page was loaded: the
    typed server is kept; when it was renamed, the form now adds to the new name (nothing is
    written until ACCEPT is pressed again)."""
    renamed = panel.renamed_to(virtual, form.revision.data or "")
    outcome = panel.gone(f"Virtual server {virtual}", revision)
    form.revision.data = revision
    if renamed is None:
        return _render_edit(form, virtual, None, outcome, 409)
    outcome = replace(outcome, message=f"{outcome.message} It is now called {renamed}: your "
                      f"real server is kept below, and ACCEPT adds it to {renamed}.")
    return _render_edit(form, renamed, None, outcome, 409)


@bp.route("/edit", methods=["GET", "POST"])
def edit() -> Page:
    virtual, server = panel.arg("virtual"), panel.arg("server")
    loaded = panel.load()
    if request.method == "POST" and not _exists(loaded.document, virtual, server):
        return _render_edit(ServerForm(), virtual, server,
                            panel.gone(f"Real server {virtual} / {server}", loaded.revision), 409)
    current = initial_values(loaded.document, virtual, server)
    if request.method != "POST":
        form = ServerForm(formdata=None)
        panel.fill(form, current, loaded.revision)
        return _render_edit(form, virtual, server)
    form = ServerForm()
    if panel.action() == "CANCEL":
        return redirect(url_for(".index", virtual=virtual, selected=server), code=303)
    if not form.validate():
        return _render_edit(form, virtual, server, status=400)
    todo = panel.changed(form, current)
    target = todo.get("name") or server
    if panel.action() == "PREVIEW IPVS":  # nothing is written
        return _render_edit(form, virtual, server,
                            ipvs=preview(loaded.document, edit_existing(todo, virtual, server)))

    def rebase(revision: str) -> None:
        now = initial_values(panel.load().document, virtual, server)
        panel.rebase(form, now, todo, revision)

    outcome = save_edit(
        edit_existing(todo, virtual, server), form.revision.data or "",
        panel.mapper(_where(virtual, target), FIELDS),
        success=f"Real server {target} saved.",
    )
    return panel.answer_accept(
        form, outcome, url_for(".edit", virtual=virtual, server=target),
        lambda outcome, status: _render_edit(form, virtual, server, outcome, status), rebase)


@bp.route("/delete", methods=["GET", "POST"])
def delete() -> Page:
    virtual, server = panel.arg("virtual"), panel.arg("server")
    loaded = panel.load()
    doc = loaded.document
    rs = doc.model().virtual(virtual).server(server)
    if request.method == "POST":
        form = panel.RevisionForm()
        if panel.action() != "DELETE" or not form.validate():
            return redirect(url_for(".index", virtual=virtual, selected=server), code=303)
        outcome = save_edit(
            lambda d: d.remove_server(virtual, server), form.revision.data or "",
            panel.mapper(_where(virtual, server), ()),
            success=f"Real server {server} deleted from {virtual}.",
        )
        if outcome.saved:
            remember(outcome)
            return redirect(url_for(".index", virtual=virtual), code=303)
        for message in [outcome.message, *outcome.general_errors]:
            flash(message, "error")
        return _list_page(virtual, 409 if outcome.status == "conflict" else 400, server)
    doc.remove_server(virtual, server)
    preview = line_changes(doc.changes())
    form = panel.RevisionForm(formdata=None, revision=loaded.revision)
    return render_template("server/delete.html", name=virtual, rs=rs, preview=preview,
                           form=form)
