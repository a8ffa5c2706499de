"""Blueprint ``virtual``: the VIRTUAL SERVERS list and the VIRTUAL SERVER subsection.

Virtual servers are selected by name (``?virtual=NAME``), never by position.  Every change is
a POST carrying the revision the page was rendered from; viewing never writes lvs.cf.

    GET  /virtual/                      list (STATUS NAME VIP NETMASK PORT PROTOCOL INTERFACE)
    POST /virtual/                      ADD | DELETE | EDIT | (DE)ACTIVATE with ``selected``
    GET  /virtual/new, POST             a NEW virtual server, written on ACCEPT
    GET  /virtual/edit?virtual=N, POST  the VIRTUAL SERVER subsection
    GET  /virtual/delete?virtual=N, POST  confirmation page for DELETE
"""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from piranha_web.lvscf import Document
from piranha_web.web import lists, panel
from piranha_web.web.ipvs_preview import Preview, preview
from piranha_web.web.list_rows import VIRTUAL_SORTS
from piranha_web.web.panel import Page
from piranha_web.web.saving import SaveOutcome, line_changes, remember, save_edit
from piranha_web.web.services import services
from piranha_web.web.virtual.form import (
    ADD_DEFAULTS,
    FIELDS,
    HELP,
    VirtualForm,
    create_new,
    edit_existing,
    initial_values,
)

bp = Blueprint("virtual", __name__, url_prefix="/virtual")

RENAMES = {"missing-device": "device", "bad-device": "device"}


def _list_page(status: int = 200, selected: str | None = None) -> tuple[str, int]:
    return lists.virtual_list(selected, status)


def _back_to_list(selected: str | None) -> Response:
    """The list again (same search, sort and page) with the row acted on selected."""
    return lists.back_to_list(".index", {}, VIRTUAL_SORTS, selected)


@bp.get("/")
def index() -> Page:
    return _list_page(selected=request.args.get("selected"))


@bp.post("/")
def index_action() -> Page:
    form = panel.RevisionForm()
    if not form.validate():
        return _list_page(400)
    button = panel.action()
    lists.keep_marks(lists.VIRTUAL_MARKS, "")
    if button == "ADD":
        return redirect(url_for(".new"), code=303)
    if lists.marks_button(button, lists.VIRTUAL_MARKS, "", VIRTUAL_SORTS):
        return _back_to_list(request.form.get("selected") or None)
    if button in lists.BULK:
        config = services().store.config()[1]
        names = lists.marked(lists.VIRTUAL_MARKS, "", lists.virtual_items(config))
        return _bulk(names, lists.BULK[button], form.revision.data or "")
    selected = request.form.get("selected", "")
    if button not in ("DELETE", "EDIT", "(DE)ACTIVATE"):
        flash("Unknown button.", "error")
        return _list_page(400)
    if not selected:
        flash("Use the radio button on the side to select which virtual service you wish to "
              f"edit before selecting '{button}'.", "error")
        return _list_page(400)
    if button == "EDIT":
        return redirect(url_for(".edit", virtual=selected), code=303)
    if button == "DELETE":
        return redirect(url_for(".delete", virtual=selected), code=303)
    return _toggle(selected, form.revision.data or "")


def _toggle(name: str, revision: str) -> Page:
    """(DE)ACTIVATE: ``active = 1`` becomes 0, anything else becomes 1."""
    now_active: list[bool] = []

    def edit(doc: Document) -> None:
        now_active.append(not doc.model().virtual(name).active)
        doc.set_active(now_active[-1], virtual=name)

    outcome = save_edit(edit, revision, panel.mapper(f"virtual {name}", ()))
    if outcome.saved:
        state = "activated" if now_active[-1] else "deactivated"
        remember(replace(outcome, message=f"Virtual server {name} {state}."))
        return _back_to_list(name)
    for message in [outcome.message, *outcome.general_errors]:
        flash(message, "error")
    return _list_page(409 if outcome.status == "conflict" else 400, name)


def _bulk(names: list[str], active: bool, revision: str) -> Page:
    """ACTIVATE MARKED / DEACTIVATE MARKED: every marked virtual server in one save."""
    selected = request.form.get("selected") or None
    if not names:
        flash("Mark the virtual servers with the boxes beside them first.", "error")
        return _list_page(400, selected)
    outcome = lists.set_marked(
        names, active, revision, panel.mapper("", ()),
        lambda doc, name, on: doc.set_active(on, virtual=name),
        lambda doc, name: doc.model().virtual(name).active,
    )
    if outcome.status in ("saved", "unchanged"):
        remember(outcome)
        lists.forget_marks(lists.VIRTUAL_MARKS)
        return _back_to_list(selected)
    for message in [outcome.message, *outcome.general_errors]:
        flash(message, "error")
    return _list_page(409 if outcome.status == "conflict" else 400, selected)


def _render_edit(form: VirtualForm, name: str | None, outcome: SaveOutcome | None = None,
                 status: int = 200, ipvs: Preview | None = None) -> tuple[str, int]:
    where = f"virtual {name}"
    mapped = panel.mapper(where, FIELDS, RENAMES)
    warnings = panel.field_findings(where, mapped) if name else []
    page = render_template(
        "virtual/edit.html", form=form, name=name, help=HELP, outcome=outcome,
        warnings=warnings, fields=FIELDS, ipvs_preview=ipvs,
    )
    return page, status


@bp.route("/new", methods=["GET", "POST"])
def new() -> Page:
    if request.method != "POST":
        form = VirtualForm(formdata=None)
        panel.fill(form, ADD_DEFAULTS, panel.load().revision)
        return _render_edit(form, None)
    form = VirtualForm()
    if panel.action() == "CANCEL":
        return redirect(url_for(".index"), code=303)
    valid = form.validate()
    refused = None if valid else panel.refused_by_form(form, FIELDS)
    if not valid and refused is None:
        return _render_edit(form, None, status=400)
    name = panel.submitted(form.name)
    change = create_new(form, without=refused or {})
    outcome = save_edit(
        panel.with_refusals(change, refused) if refused else change, form.revision.data or "",
        panel.mapper(f"virtual {name}", FIELDS, RENAMES),
        success=f"Virtual server {name} added.",
    )
    return panel.answer_accept(form, outcome, url_for(".edit", virtual=name),
                            lambda outcome, status: _render_edit(form, None, outcome, status))


@bp.route("/edit", methods=["GET", "POST"])
def edit() -> Page:
    name = panel.arg("virtual")
    loaded = panel.load()
    if request.method == "POST" and name not in loaded.document.virtual_names():
        return _render_edit(VirtualForm(), name,
                            panel.gone(f"Virtual server {name}", loaded.revision), 409)
    current = initial_values(loaded.document, name)
    if request.method != "POST":
        form = VirtualForm(formdata=None)
        form.offer(current)
        panel.fill(form, current, loaded.revision)
        return _render_edit(form, name)
    form = VirtualForm()
    form.offer(current)
    if panel.action() == "CANCEL":
        return redirect(url_for(".index", selected=name), code=303)
    valid = form.validate()
    refused = None if valid else panel.refused_by_form(form, FIELDS)
    if not valid and refused is None:
        return _render_edit(form, name, status=400)
    todo = {key: value for key, value in panel.changed(form, current).items()
            if key not in (refused or {})}
    target = todo.get("name") or name

    def rebase(revision: str) -> None:
        now = initial_values(panel.load().document, name)
        form.offer(now)
        panel.rebase(form, now, todo, revision)

    change = edit_existing(todo, name)
    if panel.action() == "PREVIEW IPVS":  # nothing is written
        return _render_edit(form, name, ipvs=preview(loaded.document, change))
    outcome = save_edit(
        panel.with_refusals(change, refused) if refused else change, form.revision.data or "",
        panel.mapper(f"virtual {target}", FIELDS, RENAMES),
        success=f"Virtual server {target} saved.",
    )
    return panel.answer_accept(form, outcome, url_for(".edit", virtual=target),
                            lambda outcome, status: _render_edit(form, name, outcome, status),
                            rebase)


@bp.route("/delete", methods=["GET", "POST"])
def delete() -> Page:
    name = panel.arg("virtual")
    loaded = panel.load()
    doc = loaded.document
    vs = doc.model().virtual(name)
    if request.method == "POST":
        form = panel.RevisionForm()
        if panel.action() != "DELETE" or not form.validate():
            return redirect(url_for(".index", selected=name), code=303)
        outcome = save_edit(
            lambda d: d.remove_virtual(name), form.revision.data or "",
            panel.mapper(f"virtual {name}", ()), success=f"Virtual server {name} deleted.",
        )
        if outcome.saved:
            remember(outcome)
            return redirect(url_for(".index"), code=303)
        for message in [outcome.message, *outcome.general_errors]:
            flash(message, "error")
        return _list_page(409 if outcome.status == "conflict" else 400, name)
    doc.remove_virtual(name)
    preview = line_changes(doc.changes())
    form = panel.RevisionForm(formdata=None, revision=loaded.revision)
    return render_template("virtual/delete.html", vs=vs, preview=preview, form=form)
