"""Where the templates, static files and lvs.cf.example live.

In an installed wheel they sit inside the package (``piranha_web/templates`` ...); in a source
checkout they are the top-level ``templates/``, ``static/`` and ``lvs.cf.example``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """Path of a shipped resource ('templates', 'static' or 'lvs.cf.example')."""
    inside = _PACKAGE / name
    if inside.exists():
        return inside
    return _PACKAGE.parent / name
