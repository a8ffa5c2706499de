"""Blueprint ``control``: the CONTROL/MONITORING panel (read-only) and CHANGE PASSWORD.

    GET  /control/?auto_update=1&rate=N   daemons (pulse, lvsd, nanny) with their arguments,
                                          the live IPVS table marked against lvs.cf, this
                                          router's interfaces and where each VIP is up, the
                                          backup router's sync status; with auto_update the
                                          page reloads itself every N (>= 2) seconds through
                                          a meta refresh (no JavaScript)
    GET  /control/password, POST          CHANGE PASSWORD (the current password is required)

Everything is read afresh on each view; nothing is written.  A part that cannot be read
(no IPVS, a broken lvs.cf, an unreadable namespace) is explained in its place while the rest
of the page is still shown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import PasswordField

from piranha_web.auth import MIN_PASSWORD_LENGTH
from piranha_web.errors import AuditError, AuthError, KeepalivedError, NetInfoError, ParseError
from piranha_web.keepalived.service import load_settings
from piranha_web.keepalived.vrrp import vrrp_states
from piranha_web.lvscf import parse
from piranha_web.lvscf.model import Config
from piranha_web.lvscf.values import decimal
from piranha_web.netinfo.daemons import DaemonStatus
from piranha_web.netinfo.ipvs_diff import Comparison, ServerCheck, ServiceCheck, compare
from piranha_web.netinfo.ipvs_model import IpvsTable
from piranha_web.netinfo.running import Difference, differences, of_table, planned
from piranha_web.netinfo.vips import place_addresses
from piranha_web.web import journal
from piranha_web.web.security import start_session
from piranha_web.web.services import services

bp = Blueprint("control", __name__, url_prefix="/control")

DEFAULT_RATE = 10
MIN_RATE = 2
MAX_RATE = 86400
MIN_PASSWORD = MIN_PASSWORD_LENGTH


@dataclass(frozen=True)
class Refresh:
    """The MONITOR settings of this view: auto update on/off and its interval in seconds."""

    auto: bool
    rate: int
    note: str = ""


def refresh_of(args: Any) -> Refresh:
    """Auto update and Update Interval from the query (blank or bad -> 10, below 2 -> 2)."""
    auto = args.get("auto_update") in ("1", "on", "y")
    text = (args.get("rate") or "").strip()
    if not text:
        return Refresh(auto, DEFAULT_RATE)
    rate = decimal(text)
    if rate is None:
        return Refresh(auto, DEFAULT_RATE, f"{text!r} is not a number of seconds; using "
                       f"{DEFAULT_RATE}.")
    if rate < MIN_RATE:
        return Refresh(auto, MIN_RATE, f"The shortest interval is {MIN_RATE} seconds.")
    if rate > MAX_RATE:
        return Refresh(auto, MAX_RATE, f"The longest interval is {MAX_RATE} seconds.")
    return Refresh(auto, rate)


def unchecked(table: IpvsTable) -> Comparison:
    """The table without marks (when lvs.cf cannot be read to compare it with)."""
    return Comparison(tuple(
        ServiceCheck(None, svc.label, "unchecked", svc, (), tuple(
            ServerCheck(None, d.address, d.port, "unchecked", d) for d in svc.dests))
        for svc in table.services))


def _read(what: str, action: Any) -> tuple[Any, str]:
    """(result, "") or (None, why it could not be read)."""
    try:
        return action(), ""
    except NetInfoError as err:
        return None, f"Cannot read {what}: {err.detail}"


def _monitoring() -> dict[str, Any]:
    """Everything the page shows about this router (each part with its own problem text)."""
    config: Config | None = None
    config_problem = ""
    try:
        config = services().store.load().document.model()
    except ParseError as err:
        config_problem = f"lvs.cf cannot be read ({err}), so nothing is compared with it."
    netinfo = services().netinfo
    if netinfo is None:
        missing = "This server was started without access to the router's network state."
        return {"config_problem": config_problem, "daemons": None, "daemons_problem": missing,
                "ipvs": None, "ipvs_problem": missing, "interfaces": None,
                "interfaces_problem": missing, "placements": None, "running": None,
                "engine": _engine(), "loaded": "", "vrrp": ""}
    daemons, daemons_problem = _read("the process list", netinfo.daemons)
    reading, ipvs_problem = _read("the IPVS table", netinfo.ipvs)
    ipvs = None
    running: list[Difference] | None = None
    if reading is not None:
        ipvs_problem = reading.message
        if reading.table is not None:
            ipvs = compare(reading.table, config) if config else unchecked(reading.table)
            if config:
                running = differences(planned(config), of_table(reading.table))
    interfaces, interfaces_problem = _read("the interfaces", netinfo.interfaces)
    placements = place_addresses(config, interfaces) if config and interfaces else None
    return {"config_problem": config_problem, "daemons": daemons,
            "daemons_problem": daemons_problem, "ipvs": ipvs, "ipvs_problem": ipvs_problem,
            "ipvs_source": reading.table.source if ipvs else "",
            "interfaces": interfaces, "interfaces_problem": interfaces_problem,
            "placements": placements, "running": running, "engine": _engine(),
            "loaded": loaded_serial(daemons), "vrrp": vrrp_state(daemons)}


def loaded_serial(daemons: list[DaemonStatus] | None) -> str:
    """Which serial_no the running daemons loaded, in words: pulse (else keepalived) reads
    lvs.cf when it starts, so the newest recorded revision from before its start is the file
    it read ("" when no such daemon runs or its start is unknown)."""
    process = next((p for d in daemons or () for p in d.processes
                    if d.name in ("pulse", "keepalived") and p.started is not None), None)
    if process is None or process.started is None:
        return ""
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(process.started))
    history = services().history
    before = [r for r in history.revisions() if r.ts <= process.started and r.available]
    text = history.text_of(before[0].revision) if before else None
    if text is None:
        return (f"{process.name} started {when}, before the oldest revision the history "
                "holds: which serial_no it loaded is not known.")
    try:
        serial = parse(text).model().globals.serial_no
    except ParseError:
        return f"{process.name} started {when} with a file that does not parse."
    return f"{process.name} started {when}: it loaded serial_no {serial}."


def vrrp_state(daemons: list[DaemonStatus] | None) -> str:
    """This router's VRRP state under keepalived, in words ("" without a keepalived): its
    data dump asked from the first keepalived process (the parent, which starts the others)."""
    pids = [p.pid for d in daemons or () if d.name == "keepalived" for p in d.processes]
    if not pids:
        return ""
    states = vrrp_states(min(pids))
    if not states:
        return "keepalived wrote no VRRP state when asked."
    return ", ".join(f"{name} {state}" for name, state in states.items())


def _engine() -> str:
    """Who builds the table here, in words (the KEEPALIVED tab's engine setting)."""
    try:
        engine = load_settings(services().state_dir).engine
    except KeepalivedError:
        engine = "piranha"
    return ("keepalived (from the exported keepalived.conf)" if engine == "keepalived"
            else "pulse: lvsd and its nannies")


@bp.get("/")
def index() -> str:
    refresh = refresh_of(request.args)
    return render_template("control/index.html", refresh=refresh, min_rate=MIN_RATE,
                           **_monitoring())


class PasswordForm(FlaskForm):
    """CHANGE PASSWORD: the current password and the new one twice."""

    current = PasswordField("Current password")
    new = PasswordField("New password")
    repeat = PasswordField("Repeat new password")


@bp.route("/password", methods=["GET", "POST"])
def password() -> Response | str | tuple[str, int]:
    form = PasswordForm()
    if request.method != "POST":
        return render_template("control/password.html", form=form)
    if not form.validate():
        return render_template("control/password.html", form=form), 400
    user = str(session.get("user"))
    client = request.remote_addr or "unknown"
    problem = _new_password_problem(form)
    if problem:
        form.new.errors = [problem]
        return render_template("control/password.html", form=form), 400
    throttle = services().login_throttle
    # one atomic check-and-record, as at login; a logged-in session is not slowed down by
    # guesses at this user's password from elsewhere (trusted), only by its own failures
    wait = throttle.attempt(client, user, trusted=True)
    if wait > 0:
        form.current.errors = [f"Too many wrong passwords. Wait {int(wait + 0.999)} seconds."]
        return render_template("control/password.html", form=form), 429
    passwords = services().passwords
    if not passwords.verify(user, form.current.data or ""):
        form.current.errors = ["This is not your current password; nothing was changed."]
        return render_template("control/password.html", form=form), 400
    throttle.succeeded(client, user, trusted=True)
    try:
        entry = journal.record_first("user", action="passwd", target=user,
                                     cause="own password")
    except AuditError as err:
        form.new.errors = [f"Nothing was changed: a password change is recorded in the audit "
                           f"trail first, and it cannot be written ({err})."]
        return render_template("control/password.html", form=form), 503
    try:
        passwords.set_password(user, form.new.data or "")
    except AuthError as err:
        form.new.errors = [str(err)]
        return render_template("control/password.html", form=form), 500
    journal.done(entry)
    # a new password ends every session; this one continues with the new password
    start_session(current_app.extensions["piranha_web.settings"], user)
    flash("Password changed. Other sessions of this user have been logged out.", "success")
    return redirect(url_for(".index"), code=303)


def _new_password_problem(form: PasswordForm) -> str | None:
    new = form.new.data or ""
    if len(new) < MIN_PASSWORD:
        return f"Use at least {MIN_PASSWORD} characters."
    if new != (form.repeat.data or ""):
        return "The two new passwords differ."
    return None
