"""Blueprint ``keepalived``: keepalived as the engine, from the browser.

    GET  /keepalived/           the generated keepalived.conf of this router and of the backup,
                                the warnings, ``keepalived -t``'s verdict, the diff against the
                                installed file, the engine settings
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
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from piranha_web.after_save import HERE
from piranha_web.audit import changed_fields
from piranha_web.errors import KeepalivedError, KeepalivedValueError, ParseError, StoreIOError
from piranha_web.keepalived.service import ENGINES, KeepalivedService, save_settings
from piranha_web.lvscf.validate import validate
from piranha_web.web import journal
from piranha_web.web.panel import refused_by_form
from piranha_web.web.services import services

bp = Blueprint("keepalived", __name__, url_prefix="/keepalived")


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


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _service() -> KeepalivedService:
    return KeepalivedService.load(services().state_dir)


@bp.get("/")
def index() -> tuple[str, int]:
    try:
        service = _service()
    except KeepalivedError as err:
        flash(str(err), "error")
        return render_template("keepalived/index.html", routers=None, problem=str(err)), 500
    form = EngineForm(data={"engine": service.settings.engine,
                            "auto_apply": service.settings.auto_apply})
    try:
        document = services().store.load().document
    except (StoreIOError, ParseError) as err:
        return render_template("keepalived/index.html", routers=None, problem=str(err),
                               settings=service.settings, engine_form=form), 200
    errors = [f for f in validate(document) if f.is_error]
    if errors:
        problem = "lvs.cf has errors pulse would refuse; fix them first: " + "; ".join(
            f"line {f.line}: {f.message}" for f in errors[:5])
        return render_template("keepalived/index.html", routers=None, problem=problem,
                               settings=service.settings, engine_form=form), 200
    try:
        exports = service.generate(document)
        installed_diff = service.diff(exports[HERE].text)
        installed = service.installed_text() is not None
    except (KeepalivedValueError, KeepalivedError) as err:
        return render_template("keepalived/index.html", routers=None, problem=str(err),
                               settings=service.settings, engine_form=form), 200
    routers = [(router, export, service.config_test(export.text))
               for router, export in exports.items()]
    return render_template(
        "keepalived/index.html", routers=routers, here=HERE, problem=None,
        settings=service.settings, engine_form=form, installed=installed,
        installed_diff=installed_diff,
        apply_form=ApplyForm(data={"digest": digest(exports[HERE].text)}),
    ), 200


@bp.post("/apply")
def apply() -> Response:
    form = ApplyForm()
    if not form.validate_on_submit():
        flash("Nothing was applied: the form expired; please try again.", "error")
        return redirect(url_for("keepalived.index"))
    try:
        service = _service()
        export = service.generate(services().store.load().document)[HERE]
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
