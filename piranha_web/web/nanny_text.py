"""How nanny will read the monitoring strings, for display next to the fields.

nanny's ``convert_str`` turns ``\\\\ \\r \\n \\t \\' \\"`` into the characters they name
in send and expect strings of two or more characters (reference/piranha.md §1.9); any other
backslash sequence makes nanny hang at start-up.  ``send_program`` is not converted: it is split
on single spaces into argv, and arguments that are exactly ``%h``/``%p`` become each real
server's address/port.  Nothing here decides validity (lvscf.validate does); it only shows.
"""

from __future__ import annotations

from dataclasses import dataclass

ESCAPES = {"\\": "\\", "r": "\r", "n": "\n", "t": "\t", "'": "'", '"': '"'}
#: how control characters are made visible (ASCII names: every font has them)
VISIBLE = {"\r": "CR", "\n": "LF", "\t": "TAB"}


@dataclass(frozen=True)
class Piece:
    """A run of text as nanny sees it; ``kind`` is 'text', 'control' or 'bad-escape'."""

    text: str
    kind: str = "text"


def nanny_pieces(value: str) -> list[Piece]:
    """``value`` (as written in lvs.cf, quotes removed) as nanny will send or expect it."""
    if len(value) < 2:
        return [Piece(value)] if value else []
    pieces: list[Piece] = []
    text = ""
    index = 0
    while index < len(value):
        char = value[index]
        if char != "\\":
            text += char
            index += 1
            continue
        follower = value[index + 1] if index + 1 < len(value) else ""
        decoded = ESCAPES.get(follower)
        if decoded is None:
            if text:
                pieces.append(Piece(text))
                text = ""
            pieces.append(Piece("\\" + follower, "bad-escape"))
        elif decoded in VISIBLE:
            if text:
                pieces.append(Piece(text))
                text = ""
            pieces.append(Piece(VISIBLE[decoded], "control"))
        else:
            text += decoded
        index += 2
    if text:
        pieces.append(Piece(text))
    return pieces


def program_argv(command: str, address: str, port: int) -> list[str]:
    """The argv nanny runs for one real server (``%h``/``%p`` as whole arguments only)."""
    words = [w for w in command.split(" ") if w]
    return [address if w == "%h" else str(port) if w == "%p" else w for w in words]
