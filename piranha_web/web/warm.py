"""What ``serve`` does once while it starts, so that no early request pays for it: lvs.cf read,
validated and modelled (kept by the store; at 1,000 x 32 that is a second or two of CPU).

Templates are left to compile on first use (tens of milliseconds each, and most sessions use
a few panels).
"""

from __future__ import annotations

import contextlib

from flask import Flask

from piranha_web.errors import PiranhaError
from piranha_web.web.services import services


def warm_up(app: Flask) -> None:
    """Read lvs.cf; a file that cannot be read or parsed is left to the pages, which say why."""
    with app.app_context(), contextlib.suppress(PiranhaError):
        store = services().store
        store.findings()
        store.config()
