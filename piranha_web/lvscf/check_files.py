"""Names of the verdict files the long-running checker writes and keepalived reads (pure).

``piranha-web checker`` (piranha_web.monitor.checker) keeps one file per checked real server
in its verdict directory, holding ``0`` (up) or ``1`` (down), nanny's verdict.  A keepalived
export can watch it with a ``track_file`` (``weight 0``: non-zero is a failure) used by the
real server's ``FILE_CHECK``; both sides take the file's name from :func:`check_file_name`, so
it never contains a character of the names (which are free text in lvs.cf); the
``track_file`` is called :func:`track_name`.
"""

from __future__ import annotations

import hashlib

#: the verdict a file holds
UP = "0"
DOWN = "1"


def check_file_name(virtual: str, server: str) -> str:
    """The verdict file of real server ``server`` of virtual server ``virtual``."""
    digest = hashlib.sha256(f"{virtual}\0{server}".encode("utf-8", "surrogateescape"))
    return f"check-{digest.hexdigest()[:24]}"


def track_name(virtual: str, server: str) -> str:
    """The keepalived ``track_file`` object that watches :func:`check_file_name` (a keepalived
    name: letters, digits and ``_``, at most 32)."""
    return "pw_" + check_file_name(virtual, server).removeprefix("check-")
