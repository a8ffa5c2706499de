"""Schemathesis hooks (SCHEMATHESIS_HOOKS) for the served API test: realistic names, revisions.

Generated names and revisions would almost never hit an existing virtual server or the
current revision, so most writes would stop at 404 or 412.  Three cases in four get the
name of a block that exists now and the current revision as If-Match (asked from the
server just before the call); the fourth keeps what schemathesis generated.
"""

from __future__ import annotations

import itertools
import json
import os
import urllib.parse
import urllib.request
from typing import Any

import schemathesis

BASE = os.environ.get("PIRANHA_API_URL", "")
TOKEN = os.environ.get("PIRANHA_API_TOKEN", "")
_counter = itertools.count()


def _get(path: str) -> Any:
    request = urllib.request.Request(f"{BASE}{path}",
                                     headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
        return json.load(response)


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    del ctx, kwargs
    if next(_counter) % 4 == 3:
        return
    params = case.path_parameters or {}
    if "virtual" in params:
        names = [vs["name"] for vs in _get("/virtual-servers")["virtual_servers"]]
        if names:
            params["virtual"] = names[next(_counter) % len(names)]
            if "server" in params:
                quoted = urllib.parse.quote(params["virtual"], safe="")
                servers = [rs["name"] for rs in
                           _get(f"/virtual-servers/{quoted}/real-servers")["real_servers"]]
                if servers:
                    params["server"] = servers[next(_counter) % len(servers)]
    if case.headers and "If-Match" in case.headers:
        case.headers["If-Match"] = f'"{_get("/config")["revision"]}"'
