"""Blueprint ``keepalived``: keepalived as the engine, from the browser.

    GET  /keepalived/           the diff against the installed file first, ``keepalived -t``'s
                                verdicts, the warnings, both routers' generated keepalived.conf
                                (a small file whole, a large one a page of collapsed sections
                                at a time: ``?page=N``), the engine settings
    GET  /keepalived/file/<router>      that router's whole generated file (text/plain download)
    GET  /keepalived/warnings/<router>  every "not translated exactly" warning (text/plain)
    GET  /keepalived/diff               the whole diff installed -> generated (text/plain)
    POST /keepalived/apply      APPLY: write the file the page showed (only if it is still what
                                lvs.cf gives and ``keepalived -t`` passes), then reload
    POST /keepalived/settings   engine (piranha or keepalived) and auto-apply

What every ACCEPT runs with the keepalived engine (regenerate both routers' files in the state
directory, apply this router's when auto-apply is on) is a step of
:class:`piranha_web.after_save.AfterSave`.  Viewing never writes; every change is a
CSRF-checked POST (installed app-wide).  APPLY, auto-apply and the engine settings are
recorded in the audit trail before they act (refused when it cannot be written).  An engine
outside the list is refused with a message naming it (auto-apply is a box: it has no error of
its own).

The page costs what it shows (issue 24): both files are generated once per lvs.cf revision and
tested once per text (``KeepalivedService.generate_kept``/``config_test_kept``), lvs.cf's
errors come from the store's findings of the revision, and a page carries at most
:data:`DIFF_LINES` diff lines, :data:`WARNINGS_SHOWN` warnings per list and
:data:`SECTIONS_PER_PAGE` sections per router; the rest is a download away.
"""

from __future__ import annotations

import os
from dataclasses import replace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from piranha_web.after_save import HERE
from piranha_web.audit import changed_fields
from piranha_web.errors import KeepalivedError, KeepalivedValueError, ParseError, StoreIOError
from piranha_web.keepalived.service import (
    ENGINES,
    KeepalivedService,
    save_settings,
)
from piranha_web.keepalived.service import text_digest as digest
from piranha_web.lvscf.keepalived import ROUTERS, Export
from piranha_web.lvscf.keepalived.sections import section_ends, split_sections
from piranha_web.web import journal
from piranha_web.web.panel import refused_by_form
from piranha_web.web.services import services

bp = Blueprint("keepalived", __name__, url_prefix="/keepalived")

#: a generated file up to this many characters is shown whole, a larger one in sections
INLINE_LIMIT = 64 * 1024
#: sections of each router's file on one page
SECTIONS_PER_PAGE = 20
#: diff lines and warnings shown on the page (all of them are downloads)
DIFF_LINES = 400
WARNINGS_SHOWN = 50


class ApplyForm(FlaskForm):
    """APPLY of the file with this digest (the one the page showed)."""

    digest = HiddenField(validators=[InputRequired()])


class EngineForm(FlaskForm):
    """ENGINE: which daemon runs LVS here, and whether ACCEPT applies keepalived.conf."""

    engine = SelectField("Engine", choices=[SelectChoice(e, e) for e in ENGINES])
    auto_apply = BooleanField("Apply keepalived.conf after every ACCEPT")

    class Meta:
        """Shown locked to roles that may not save it (``templating.field_lock``)."""

        locked_by_role = "keepalived.save_engine"


def _service() -> KeepalivedService:
    return KeepalivedService.load(services().state_dir)


def _page_number() -> int:
    """The ``page`` query argument (1 when missing or not a positive number)."""
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 10**6 else 1


def _shown_file(export: Export, page: int) -> dict[str, object]:
    """What the page shows of one generated file: all of a small one, else one page of
    sections (their titles and texts) and the number of pages."""
    if len(export.text) <= INLINE_LIMIT:
        return {"whole": True, "sections": [], "pages": 1, "first": 0}
    count = len(section_ends(export.text))
    pages = max(1, -(-count // SECTIONS_PER_PAGE))
    first = (min(page, pages) - 1) * SECTIONS_PER_PAGE
    return {"whole": False, "sections": split_sections(export.text, first, SECTIONS_PER_PAGE),
            "pages": pages, "first": first, "count": count}


def _current(service: KeepalivedService) -> tuple[dict[str, Export] | None, str | None]:
    """Both routers' files of lvs.cf now, else why there are none (lvs.cf unreadable, with
    errors pulse would refuse, or a setting keepalived cannot take)."""
    store = services().store
    try:
        loaded = store.load()
    except (StoreIOError, ParseError) as err:
        return None, str(err)
    errors = [f for f in store.findings() if f.is_error]
    if errors:
        return None, "lvs.cf has errors pulse would refuse; fix them first: " + "; ".join(
            f"line {f.line}: {f.message}" for f in errors[:5])
    try:
        return service.generate_kept(loaded.document, loaded.revision), None
    except (KeepalivedValueError, KeepalivedError) as err:
        return None, str(err)


@bp.get("/")
def index() -> tuple[str, int]:
    try:
        service = _service()
    except KeepalivedError as err:
        flash(str(err), "error")
        return render_template("keepalived/index.html", routers=None, problem=str(err)), 500
    form = EngineForm(data={"engine": service.settings.engine,
                            "auto_apply": service.settings.auto_apply})
    exports, problem = _current(service)
    if exports is None:
        return render_template("keepalived/index.html", routers=None, problem=problem,
                               settings=service.settings, engine_form=form), 200
    digests = {router: digest(export.text) for router, export in exports.items()}
    try:
        installed_diff, diff_lines = service.diff_kept(exports[HERE].text, digests[HERE],
                                                       DIFF_LINES)
        installed = os.path.exists(service.settings.conf_path)
    except KeepalivedError as err:
        return render_template("keepalived/index.html", routers=None, problem=str(err),
                               settings=service.settings, engine_form=form), 200
    page = _page_number()
    routers = [(router, export, service.config_test_kept(export.text, digests[router]),
                _shown_file(export, page)) for router, export in exports.items()]
    return render_template(
        "keepalived/index.html", routers=routers, here=HERE, problem=None,
        settings=service.settings, engine_form=form, installed=installed,
        installed_diff=installed_diff, diff_lines=diff_lines,
        warnings_shown=WARNINGS_SHOWN, page=page,
        apply_form=ApplyForm(data={"digest": digests[HERE]}),
    ), 200


def _text(body: str, filename: str) -> Response:
    """``body`` as a text/plain download called ``filename``."""
    return Response(body, mimetype="text/plain",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _export_of(router: str) -> Export:
    """The generated file of ``router`` now (404 for another name, 409 when there is none)."""
    if router not in ROUTERS:
        abort(404)
    exports, problem = _current(_service())
    if exports is None:
        abort(409, problem)
    return exports[router]


@bp.get("/file/<router>")
def download_file(router: str) -> Response:
    """The whole keepalived.conf generated for ``router``."""
    return _text(_export_of(router).text, f"keepalived-{router}.conf")


@bp.get("/warnings/<router>")
def download_warnings(router: str) -> Response:
    """Every warning of ``router``'s file, one a line."""
    warnings = _export_of(router).warnings
    return _text("".join(f"lvs.cf {w}\n" if w.line else f"{w}\n" for w in warnings),
                 f"keepalived-{router}-warnings.txt")


@bp.get("/diff")
def download_diff() -> Response:
    """The whole unified diff of the installed file against this router's generated one."""
    service = _service()
    text = _export_of(HERE).text
    try:
        lines = service.diff(text)
    except KeepalivedError as err:
        abort(409, str(err))
    return _text("".join(f"{line}\n" for line in lines), "keepalived.diff")


@bp.post("/apply")
def apply() -> Response:
    form = ApplyForm()
    if not form.validate_on_submit():
        flash("Nothing was applied: the form expired; please try again.", "error")
        return redirect(url_for("keepalived.index"))
    try:
        service = _service()
        loaded = services().store.load()
        export = service.generate_kept(loaded.document, loaded.revision)[HERE]
    except (KeepalivedError, KeepalivedValueError, StoreIOError, ParseError) as err:
        flash(f"Nothing was applied: {err}", "error")
        return redirect(url_for("keepalived.index"))
    if digest(export.text) != form.digest.data:
        flash("Nothing was applied: lvs.cf changed since the page was shown; review the new "
              "file and apply again.", "error")
        return redirect(url_for("keepalived.index"))
    entry = journal.record_first("apply", trigger="APPLY", digest=digest(export.text))
    result = service.apply(export.text)
    journal.done(entry, ok=result.ok, message=result.message)
    flash(result.message, "success" if result.ok else "error")
    return redirect(url_for("keepalived.index"))


@bp.post("/settings")
def save_engine() -> Response:
    form = EngineForm()
    if not form.validate_on_submit():
        refused = refused_by_form(form, ["engine"])
        reason = " ".join(refused["engine"]) if refused else "please correct the errors."
        flash(f"The engine settings were not saved: {reason}", "error")
        return redirect(url_for("keepalived.index"))
    try:
        service = _service()
        new = replace(service.settings, engine=form.engine.data,
                      auto_apply=bool(form.auto_apply.data))
        entry = journal.record_first("keepalived-settings",
                                     changes=changed_fields(service.settings, new))
        save_settings(services().state_dir, new)
    except KeepalivedError as err:
        flash(f"The engine settings were not saved: {err}", "error")
        return redirect(url_for("keepalived.index"))
    journal.done(entry)
    flash("Engine settings saved.", "success")
    return redirect(url_for("keepalived.index"))
