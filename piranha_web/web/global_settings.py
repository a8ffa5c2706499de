"""Blueprint ``global_settings``: the GLOBAL SETTINGS panel (a placeholder for now).

It will show the primary router's addresses, the network type (NAT, Direct Routing, Tunneling),
the NAT router and the IPVS timeouts.
"""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("global_settings", __name__, url_prefix="/global")


@bp.get("/")
def index() -> str:
    return render_template("global_settings/index.html")
