"""Blueprint ``maintenance``: one real server taken out of service everywhere and put back.

    GET  /maintenance/?q=ADDRESS_OR_NAME     every virtual server the address serves: port,
                                             weight, active, and the kernel's weight and
                                             connections, the last CHECK NOW verdict;
                                             ``watch=1`` reloads the page every few seconds
    POST /maintenance/quiesce  q             weight 0 for it in every service of this
                                             router's running IPVS table (netlink): the
                                             established connections finish, no new ones
                                             arrive; lvs.cf is not changed
    POST /maintenance/drain    q, revision   DRAIN: one save deactivates it everywhere
    POST /maintenance/return   address, revision
                                             RETURN: one save puts back what DRAIN changed
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from piranha_web import maintenance as mt
from piranha_web.errors import NotFoundError
from piranha_web.web import panel
from piranha_web.web.maintenance import actions
from piranha_web.web.saving import SaveOutcome, remember
from piranha_web.web.services import services

bp = Blueprint("maintenance", __name__, url_prefix="/maintenance")
#: seconds between reloads while watching connections fall
WATCH_RATE = 5
#: a search longer than this is no address or name lvs.cf can hold
MAX_QUERY = 200

Page = tuple[str, int] | Response


def _query(value: str | None) -> str:
    return (value or "").strip()[:MAX_QUERY]


@bp.get("/")
def index(status: int = 200) -> tuple[str, int]:
    query = _query(request.args.get("q"))
    loaded = panel.load()
    config = loaded.document.model()
    found = mt.find(config, query) if query else []
    problem = ""
    address = ""
    if query and found:
        try:
            address = mt.address_of(found, query)
            found = mt.find(config, address)
        except NotFoundError as err:
            problem = str(err)
    elif query:
        problem = f"No real server has the address or name {query!r}."
    drained = actions.log().all()
    return render_template(
        "maintenance/index.html", query=query, address=address, problem=problem,
        rows=actions.rows(config, found) if found else [], revision=loaded.revision,
        drained=drained, this_drained=next((d for d in drained if d.address == address), None),
        watch=request.args.get("watch") == "1" and bool(address), rate=WATCH_RATE,
        live=services().netinfo is not None,
    ), status


def _done(outcome: SaveOutcome, address: str) -> Page:
    """Back to the search after a save, or the page again with why it was refused."""
    if outcome.status in ("saved", "unchanged"):
        remember(outcome)
        return redirect(url_for(".index", q=address), code=303)
    for message in [outcome.message, *outcome.general_errors]:
        flash(message, "error")
    return index(409 if outcome.status == "conflict" else 400)


@bp.post("/quiesce")
def quiesce() -> Response:
    address, changes = actions.quiesce(_query(request.form.get("q")))
    if changes:
        flash(f"{address}: weight 0 in {len(changes)} service(s) of this router's IPVS table "
              "(" + "; ".join(f"{c.service} was {c.old}" for c in changes[:10]) + "). "
              "Its connections finish; DRAIN when they reach zero.", "success")
    else:
        flash(f"{address}: no service of this router's IPVS table has it at a weight above "
              "0; nothing changed.", "success")
    return redirect(url_for(".index", q=address, watch=1), code=303)


@bp.post("/drain")
def drain() -> Page:
    plan = actions.plan_drain(_query(request.form.get("q")))
    outcome = actions.save(plan, request.form.get("revision", ""), panel.mapper("", ()))
    return _done(outcome, plan.address)


@bp.post("/return")
def put_back() -> Page:
    plan = actions.plan_return(_query(request.form.get("address")))
    outcome = actions.save(plan, request.form.get("revision", ""), panel.mapper("", ()))
    return _done(outcome, plan.address)
