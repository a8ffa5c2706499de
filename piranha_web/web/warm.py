"""What ``serve`` does once before it takes requests, so that no early request pays for it:
every template compiled, lvs.cf read, validated and modelled (kept by the store)."""

from __future__ import annotations

import contextlib

from flask import Flask

from piranha_web.errors import PiranhaError
from piranha_web.web.services import services


def warm_up(app: Flask) -> None:
    """Compile the templates and read lvs.cf; a file that cannot be read or parsed is left to
    the pages, which say why."""
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
    with app.app_context(), contextlib.suppress(PiranhaError):
        store = services().store
        store.findings()
        store.config()
