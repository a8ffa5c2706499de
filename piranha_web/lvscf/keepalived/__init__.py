"""lvs.cf → keepalived.conf (pure): :func:`export_keepalived` through one checked writer."""

from piranha_web.lvscf.keepalived.translate import (
    DEFAULT_CHECK_COMMAND,
    DEFAULT_CHECK_DIR,
    ROUTERS,
    Export,
    ExportWarning,
    export_keepalived,
)

__all__ = ["DEFAULT_CHECK_COMMAND", "DEFAULT_CHECK_DIR", "ROUTERS", "Export", "ExportWarning",
           "export_keepalived"]
