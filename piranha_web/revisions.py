"""What a revision of lvs.cf is: the sha256 of its bytes, which decode losslessly to text.

Shared by the store (which reads and writes lvs.cf) and the history (which keeps copies), so
that neither imports the other for it.
"""

from __future__ import annotations

import hashlib

ENCODING = "utf-8"
ERRORS = "surrogateescape"


def revision_of(data: bytes) -> str:
    """The revision of a file's bytes (what forms carry to detect concurrent changes)."""
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes) -> str:
    """Bytes as text; any byte survives (UTF-8 with ``surrogateescape``)."""
    return data.decode(ENCODING, ERRORS)


def encode(text: str) -> bytes:
    """Text as :func:`decode` read it, back to the same bytes."""
    return text.encode(ENCODING, ERRORS)
