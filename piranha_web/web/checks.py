"""The panels' value checks now live in :mod:`piranha_web.edits.checks` (Flask-free, shared
with the REST API); this name is kept for the panel forms that still import it here."""

from piranha_web.edits.checks import MAX_DEVICE, device, integer, ipv4

__all__ = ["MAX_DEVICE", "device", "integer", "ipv4"]
