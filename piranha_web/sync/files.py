"""Small private files of the sync module in the state directory: atomic, mode 600.

Settings, the last sync's status and the managed known_hosts are each replaced in one step
(temp file beside the target, fsync, rename, fsync of the directory), so a reader sees the old
or the new version and never a partial one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from piranha_web.atomic import replace_file
from piranha_web.errors import SyncError
from piranha_web.sync.failures import STATE_UNUSABLE


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; the file is readable by its owner only."""
    try:
        replace_file(path, data, make_parent=True)
    except OSError as err:
        raise SyncError(STATE_UNUSABLE, f"cannot write {path}: {err.strerror or err}") from err


def write_json(path: Path, value: dict[str, Any]) -> None:
    write_private(path, (json.dumps(value, indent=2, sort_keys=True) + "\n").encode())


def read_json(path: Path) -> dict[str, Any] | None:
    """The JSON object in ``path``; None when the file does not exist.

    Raises ValueError when the file is not a JSON object and :class:`SyncError` when it cannot
    be read.
    """
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise SyncError(STATE_UNUSABLE, f"cannot read {path}: {err}") from err
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"{path} does not hold a JSON object")
    return value
