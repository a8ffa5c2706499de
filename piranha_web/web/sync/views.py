"""Blueprint ``sync``: copying lvs.cf to the backup router, from the browser.

    GET  /sync/            BACKUP ROUTER SYNC: status, last sync, SYNC NOW, host key, settings
    POST /sync/settings    save the backup-sync settings (the form is also part of REDUNDANCY)
    POST /sync/now         SYNC NOW, then back to the page the button was on
    GET  /sync/hostkey     the backup's host key fingerprints, each with a CONFIRM button
    POST /sync/hostkey     trust the key with the confirmed fingerprint
    GET  /sync/status      the status fragment alone

Other pages use the partials ``sync/_settings.html`` (REDUNDANCY), ``sync/_status.html``
(CONTROL/MONITORING) and ``sync/_banner.html`` (every page, through ``base.html``'s banner
block: "backup router out of sync" while the last sync failed).  They get their data from the
template helpers this blueprint adds to every page: ``sync_banner()``, ``sync_panel()`` and
``sync_settings_form()``.  Viewing never writes; every change is a CSRF-checked POST.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import InputRequired

from piranha_web.errors import SyncError
from piranha_web.sync import HostKey, SyncOutcome, SyncService, SyncStatus
from piranha_web.sync.failures import explain
from piranha_web.web.security import safe_next
from piranha_web.web.services import services
from piranha_web.web.sync.form import HELP, PREFIX, SyncSettingsForm

bp = Blueprint("sync", __name__, url_prefix="/sync")
log = logging.getLogger(__name__)

#: seconds a comparison with the backup may be reused by pages (each one costs an SSH login)
STATUS_MAX_AGE = 30.0


class BackForm(FlaskForm):
    """A POST button (CSRF token) that returns to the page ``back`` afterwards."""

    back = HiddenField()


class ConfirmForm(FlaskForm):
    """CONFIRM of one host key fingerprint."""

    fingerprint = HiddenField(validators=[InputRequired()])


@dataclass(frozen=True)
class Panel:
    """What the status fragment shows."""

    status: SyncStatus
    last: SyncOutcome | None


def syncer() -> SyncService | None:
    """The app's SyncService (None when this app has no backup-router sync)."""
    found = services().syncer
    return found if isinstance(found, SyncService) else None


def require_syncer() -> SyncService:
    found = syncer()
    if found is None:
        abort(404)
    return found


def back_to(target: str | None) -> str:
    """Where a POST returns to: a path on this site, else the sync page."""
    return safe_next(target) or url_for("sync.index")


# ---------------------------------------------------------------------- template helpers

def banner() -> SyncOutcome | None:
    """The last sync attempt while it failed (for the "out of sync" banner), else None."""
    found = syncer()
    if found is None:
        return None
    try:
        last = found.last()
    except SyncError:
        log.exception("cannot read the last sync status")
        return None
    return last if last is not None and not last.ok else None


def panel() -> Panel | None:
    """Status and last sync for the status fragment (None: no sync in this app)."""
    found = syncer()
    if found is None:
        return None
    return Panel(found.status(max_age=STATUS_MAX_AGE), found.last())


def settings_form() -> SyncSettingsForm | None:
    """The settings form filled with the saved settings (None: no sync in this app)."""
    found = syncer()
    if found is None:
        return None
    form = SyncSettingsForm(formdata=None, prefix=PREFIX)
    form.fill(found.settings())
    form.back.data = request.full_path.rstrip("?")
    return form


@bp.app_context_processor
def sync_helpers() -> dict[str, Any]:
    return {"sync_banner": banner, "sync_panel": panel, "sync_settings_form": settings_form,
            "sync_help": HELP, "explain_sync": explain}


# ---------------------------------------------------------------------- views

def _page(service: SyncService, form: SyncSettingsForm, status: int = 200) -> tuple[str, int]:
    try:
        target: str | None = service.target().shown
    except SyncError as err:
        target = None
        flash(f"{err.reason}: {err.detail}".rstrip(": "), "error")
    page = render_template("sync/index.html", sync_form=form, target=target,
                           trusted=service.host_key_trusted())
    return page, status


@bp.get("/")
def index() -> tuple[str, int]:
    service = require_syncer()
    form = SyncSettingsForm(formdata=None, prefix=PREFIX)
    form.fill(service.settings())
    form.back.data = url_for(".index")
    return _page(service, form)


@bp.post("/settings")
def save_settings() -> Response | tuple[str, int]:
    service = require_syncer()
    form = SyncSettingsForm(prefix=PREFIX)
    valid = form.validate()
    settings = form.settings()
    if not valid or settings is None:
        flash("The backup-sync settings were not saved: please correct the errors.", "error")
        return _page(service, form, 400)
    try:
        service.save_settings(settings)
    except SyncError as err:
        flash(f"The backup-sync settings were not saved: {err.detail or err.reason}", "error")
        return _page(service, form, 500)
    flash("Backup-sync settings saved.", "success")
    return redirect(back_to(form.back.data), code=303)


@bp.post("/now")
def now() -> Response:
    service = require_syncer()
    form = BackForm()
    if not form.validate():
        abort(400)
    outcome = service.sync_now()
    flash(outcome.message, "success" if outcome.ok else "error")
    return redirect(back_to(form.back.data), code=303)


@bp.get("/hostkey")
def hostkey() -> str:
    service = require_syncer()
    offered: list[HostKey] = []
    trusted: list[HostKey] = []
    problem: SyncError | None = None
    target = None
    try:
        target = service.target()
        trusted = service.trusted_host_keys()
        offered = service.scan_host_key()
    except SyncError as err:
        problem = err
    known = {key.fingerprint for key in trusted}
    changed = bool(trusted and offered) and not known & {key.fingerprint for key in offered}
    return render_template("sync/hostkey.html", target=target, offered=offered, known=known,
                           changed=changed, problem=problem, form=ConfirmForm(formdata=None))


@bp.post("/hostkey")
def confirm() -> Response:
    service = require_syncer()
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    try:
        key = service.trust_host_key(form.fingerprint.data or "")
    except SyncError as err:
        flash(f"Nothing was trusted: {err.reason}. {err.detail}", "error")
        return redirect(url_for(".hostkey"), code=303)
    flash(f"The backup router's {key.key_type} host key {key.fingerprint} is now trusted. "
          "SYNC NOW copies lvs.cf to it.", "success")
    return redirect(url_for(".index"), code=303)


@bp.get("/status")
def status() -> str:
    require_syncer()
    return render_template("sync/_status.html")
