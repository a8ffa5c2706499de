"""Blueprint ``sync``: copying lvs.cf to the backup router, from the browser.

    GET  /sync/            BACKUP ROUTER SYNC: status, last sync, SYNC NOW, host key, settings
    POST /sync/settings    save the backup-sync settings (the form is also part of REDUNDANCY)
    POST /sync/now         SYNC NOW, then back to the page the button was on (a file with
                           errors is only copied after a confirmation: ``confirm=copy``)
    GET  /sync/hostkey     the backup's host key fingerprints, each with a CONFIRM button
    POST /sync/hostkey     trust the key with the confirmed fingerprint
    GET  /sync/status      the status fragment alone

Other pages use the partials ``sync/_settings.html`` (REDUNDANCY), ``sync/_status.html``
(CONTROL/MONITORING), ``sync/_indicator.html`` (a compact status in the header of every page,
details on click) and ``sync/_banner.html`` (a full-width alert through ``base.html``'s banner
block, only for what needs action now: a CHANGED host key; a failed copy after a save is
reported once, in that ACCEPT's outcome).  They get their data from the template helpers this
blueprint adds to every page: ``sync_indicator()``, ``sync_panel()`` and
``sync_settings_form()``.  Viewing never writes; every change is a CSRF-checked POST.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import InputRequired

from piranha_web.audit import changed_fields
from piranha_web.errors import SyncError
from piranha_web.sync import HostKey, SyncOutcome, SyncService, SyncStatus, failures
from piranha_web.sync.failures import explain
from piranha_web.web import journal
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
    #: why the last attempt failed, as it stands now ("" when it did not fail)
    failure: str = ""


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

@dataclass(frozen=True)
class Indicator:
    """The compact backup-router status in the header of every page.

    ``state`` is ``ok`` | ``pending`` | ``failed`` | ``none`` (for its colour), ``text`` the
    short words in the header, ``last`` the last attempt (details on click), ``alert`` whether
    it needs action now (a CHANGED host key: a full-width alert on every page as well).
    """

    state: str
    text: str
    last: SyncOutcome | None
    detail: str = ""
    alert: bool = False
    hostkey_link: bool = False
    ready: str = ""  # the last BACKUP READINESS check in words, with its time ("": none)


def indicator() -> Indicator | None:
    """The header's sync status with the last readiness check (see :func:`_indicator`)."""
    found = _indicator()
    service = syncer()
    last = service.last_readiness() if found is not None and service is not None else None
    if found is None or last is None:
        return found
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(last[1]))
    return replace(found, ready=f"{last[0]} (checked {when})")


def _indicator() -> Indicator | None:
    """The header's sync status: what the backup router holds, from the last verified copy
    and the last attempt (no SSH on page views); None: no sync."""
    found = syncer()
    if found is None:
        return None
    try:
        last, good = found.last(), found.last_good()
    except SyncError:
        log.exception("cannot read the last sync status")
        return None
    if last is not None and last.ok and last.skipped:
        return Indicator("none", "Backup: not copied", last, last.message)
    if last is not None and last.reason == failures.HOST_KEY_CHANGED:
        return Indicator("failed", "Backup: host key CHANGED", last, last.explanation,
                         alert=True, hostkey_link=True)
    if (last is not None and last.reason == failures.HOST_KEY_UNKNOWN
            and found.host_key_trusted()):
        # the key was confirmed since that attempt: say what is true now
        return Indicator("pending", "Backup: host key confirmed, not copied yet", last,
                         "The backup router's host key is confirmed now; SYNC NOW copies "
                         "lvs.cf to it (the next ACCEPT does too).")
    return _holds(last, good, services().store.revision())


def _holds(last: SyncOutcome | None, good: SyncOutcome | None, current: str) -> Indicator:
    """What the backup router holds: this lvs.cf (with errors or not), an older one, or none
    from here; the last attempt's failure, if any, in the details."""
    failed = ""
    if last is not None and not last.ok:
        failed = f"Last attempt {last.when}: {last.reason}. {last.explanation}"
    if good is not None and good.checksum == current:
        if good.errors:
            return Indicator("failed", f"Backup: holds this lvs.cf, with {good.errors} "
                             f"error{'' if good.errors == 1 else 's'}", last,
                             f"Copied anyway {good.when} (sha256 {(good.checksum or '')[:12]}): "
                             "pulse on the backup router would refuse to start with it.")
        return Indicator("ok", "Backup: in sync", last, failed or good.message)
    if good is None:
        return Indicator("pending" if last is None or last.reason == failures.HAS_ERRORS
                         else "failed", "Backup: has no lvs.cf from here", last,
                         failed or "lvs.cf has not been copied to the backup router from here "
                         "yet.", hostkey_link=_hostkey_link(last))
    held = f"Backup: holds the lvs.cf of {good.when}"
    return Indicator("pending" if last is not None and last.reason == failures.HAS_ERRORS
                     else "failed", held, last,
                     f"It holds the lvs.cf copied {good.when} (sha256 "
                     f"{(good.checksum or '')[:12]}), not this one. {failed}".strip(),
                     hostkey_link=_hostkey_link(last))


def _hostkey_link(last: SyncOutcome | None) -> bool:
    """Whether the details should link to the host key page (the key is not confirmed)."""
    return last is not None and last.reason == failures.HOST_KEY_UNKNOWN


def panel() -> Panel | None:
    """Status and last sync for the status fragment (None: no sync in this app)."""
    found = syncer()
    if found is None:
        return None
    last = found.last()
    failure = ""
    if last is not None and not last.ok:
        failure = str(last.reason)
        if last.reason == failures.HOST_KEY_UNKNOWN and found.host_key_trusted():
            failure = "not copied: the host key was confirmed since then"
    return Panel(found.status(max_age=STATUS_MAX_AGE), last, failure)


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
    return {"sync_indicator": indicator, "sync_panel": panel, "sync_settings_form": settings_form,
            "sync_help": HELP, "explain_sync": explain}


# ---------------------------------------------------------------------- views

def _page(service: SyncService, form: SyncSettingsForm, status: int = 200) -> tuple[str, int]:
    try:
        target: str | None = service.target().shown
    except SyncError as err:
        target = None
        flash(f"{err.reason}: {err.detail}".rstrip(": "), "error")
    readiness = service.readiness() if request.args.get("ready") == "1" else None
    page = render_template("sync/index.html", sync_form=form, target=target,
                           trusted=service.host_key_trusted(), readiness=readiness,
                           now=time.time())
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
    # recorded first (who may now run which reload command as root on the backup)
    entry = journal.record_first("sync-settings",
                                 changes=changed_fields(service.settings(), settings))
    try:
        service.save_settings(settings)
    except SyncError as err:
        flash(f"The backup-sync settings were not saved: {err.detail or err.reason}", "error")
        return _page(service, form, 500)
    journal.done(entry)
    flash("Backup-sync settings saved.", "success")
    return redirect(back_to(form.back.data), code=303)


@bp.post("/now")
def now() -> Response | str:
    service = require_syncer()
    form = BackForm()
    if not form.validate():
        abort(400)
    errors = service.error_count()
    if errors and request.form.get("confirm") != "copy":
        # the backup keeps its last good file unless the administrator says otherwise
        return render_template("sync/confirm.html", errors=errors, form=form,
                               back=back_to(form.back.data))
    outcome = service.sync_now()
    journal.record("sync", ok=outcome.ok, message=outcome.message, trigger="SYNC NOW")
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
    entry = journal.record_first("host-key", fingerprint=form.fingerprint.data or "")
    try:
        key = service.trust_host_key(form.fingerprint.data or "")
    except SyncError as err:
        journal.done(entry, ok=False, message=err.reason)
        flash(f"Nothing was trusted: {err.reason}. {err.detail}", "error")
        return redirect(url_for(".hostkey"), code=303)
    journal.done(entry, ok=True, key_type=key.key_type)
    flash(f"The backup router's {key.key_type} host key {key.fingerprint} is now trusted. "
          "SYNC NOW copies lvs.cf to it.", "success")
    return redirect(url_for(".index"), code=303)


@bp.get("/status")
def status() -> str:
    require_syncer()
    return render_template("sync/_status.html")
