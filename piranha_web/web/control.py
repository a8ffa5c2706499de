"""Blueprint ``control``: the CONTROL/MONITORING panel (placeholder until its panel is written).

It will show the state of the LVS daemons (pulse, lvsd, nanny), the current LVS routing table
and processes, and whether the backup router has the current lvs.cf.
"""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("control", __name__, url_prefix="/control")


@bp.get("/")
def index() -> str:
    return render_template("control/index.html")
