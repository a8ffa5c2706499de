"""The way a monitoring string travels from lvs.cf to the bytes nanny sends or expects (pure).

docs/reference/piranha.md §1.9:

1. the C parser removes the quotes of a quoted token and stores the value *with* the quote
   characters put back around it (``'x'`` stays ``'x'``);
2. lvsd's ``strip_quotes()`` removes a leading ``"`` and a trailing ``"``, each on its own, and
   leaves single quotes alone (:func:`lvsd_strip_quotes`);
3. nanny's ``convert_str()`` turns ``\\\\ \\r \\n \\t \\' \\"`` into the characters they name in
   ``send`` and ``expect`` strings of two characters or more (:func:`decode_escapes`).  On any
   other backslash sequence nanny loops forever; here that is a :class:`MonitorScriptError`.

:func:`show_bytes` makes received bytes readable in one line, using the same escapes.
"""

from __future__ import annotations

from piranha_web.errors import MonitorScriptError
from piranha_web.lvscf import nanny
from piranha_web.lvscf.nanny import lvsd_strip_quotes

__all__ = [
    "ENCODING",
    "ENCODING_ERRORS",
    "decode_escapes",
    "lvsd_strip_quotes",
    "quoted",
    "show_bytes",
    "to_bytes",
]

_SHOWN = {ord("\\"): "\\\\", ord("\r"): "\\r", ord("\n"): "\\n", ord("\t"): "\\t", ord('"'): '\\"'}

#: how lvs.cf text is turned into bytes (the bytes the daemons read from the file)
ENCODING = "utf-8"
ENCODING_ERRORS = "surrogateescape"


def decode_escapes(text: str, key: str = "string") -> str:
    """``text`` after nanny's convert_str(): the characters nanny actually sends or expects.

    Strings shorter than two characters are not converted (nanny skips them).  Raises
    :class:`MonitorScriptError` where nanny would hang: an unknown escape or a trailing ``\\``.
    """
    problem = nanny.bad_escape(text)
    if problem is not None:
        raise MonitorScriptError(
            key,
            f"{key} has {problem}: nanny knows only \\n \\r \\t \\\\ \\' \\\" and would "
            "loop forever at start-up instead of checking (write \\\\ for a backslash)",
        )
    return nanny.decode(text)


def to_bytes(text: str) -> bytes:
    """The bytes of lvs.cf text, as the daemons read them from the file."""
    return text.encode(ENCODING, ENCODING_ERRORS)


def show_bytes(data: bytes) -> str:
    """``data`` on one line: printable ASCII kept, CR LF TAB backslash and ``"`` escaped as in
    lvs.cf, any other byte as ``\\xHH``."""
    out: list[str] = []
    for byte in data:
        if byte in _SHOWN:
            out.append(_SHOWN[byte])
        elif 0x20 <= byte < 0x7F:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out)


def quoted(data: bytes, limit: int = 80) -> str:
    """``data`` shown in double quotes, shortened to ``limit`` bytes with a note."""
    if len(data) <= limit:
        return f'"{show_bytes(data)}"'
    return f'"{show_bytes(data[:limit])}"... ({len(data)} bytes)'
