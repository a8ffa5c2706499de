"""Blueprint ``redundancy``: the REDUNDANCY panel (placeholder until its panel is written).

It will show the backup router's address, the heartbeat settings and the sync daemon.
"""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("redundancy", __name__, url_prefix="/redundancy")


@bp.get("/")
def index() -> str:
    return render_template("redundancy/index.html")
