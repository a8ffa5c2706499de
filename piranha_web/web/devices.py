"""This router's network devices behind every Device field: suggestions and warnings.

Device fields (a virtual server's Device, NAT Router device, Sync daemon interface) offer the
router's interface names and alias labels from ``Services.netinfo`` as a ``<datalist
id="device-suggestions">``; templates get them as ``device_suggestions`` (read from the kernel
only when a template uses them).  Other names are accepted, because the backup router's
devices may differ, but :func:`device_warning` says so.  Without netinfo, or when it cannot be
read, there are simply no suggestions and no warnings.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, cast

from flask import Flask, g

from piranha_web.errors import NetInfoError
from piranha_web.netinfo.interfaces import Interfaces
from piranha_web.web.services import services

log = logging.getLogger(__name__)
#: where a request keeps the interfaces it read (``flask.g``)
_READ = "piranha_router_interfaces"


def router_interfaces() -> Interfaces | None:
    """This router's interfaces, or None when there is no netinfo or it cannot be read.

    Read from the kernel once per request: a page's suggestions and every device warning on
    it share one netlink dump (an alias added a moment ago shows on the next page).
    """
    if _READ in g:
        return cast(Interfaces | None, g.get(_READ))
    found = None
    netinfo = services().netinfo
    if netinfo is not None:
        try:
            found = netinfo.interfaces()
        except NetInfoError:
            log.warning("cannot read this router's interfaces", exc_info=True)
    setattr(g, _READ, found)
    return found


class _Suggestions:
    """The device names, read on the first iteration (most pages never iterate them)."""

    def __init__(self) -> None:
        self._names: list[str] | None = None

    def __iter__(self) -> Iterator[str]:
        if self._names is None:
            found = router_interfaces()
            self._names = found.device_suggestions() if found is not None else []
        return iter(self._names)


def device_warning(device: str) -> str | None:
    """A warning when ``device`` (``eth0`` or ``eth0:1``) is not on this router."""
    if not device:
        return None
    found = router_interfaces()
    if found is None or found.has_device(device):
        return None
    base = device.partition(":")[0]
    names = ", ".join(i.name for i in found.interfaces if not i.loopback) or "none"
    return (f"This router has no device {base} (it has: {names}). That is fine if the backup "
            f"router's devices differ; on this router pulse could not raise the address.")


def install(app: Flask) -> None:
    """Offer ``device_suggestions`` and ``device_warning`` to every template."""

    @app.context_processor
    def device_context() -> dict[str, Any]:
        return {"device_suggestions": _Suggestions(), "device_warning": device_warning}
