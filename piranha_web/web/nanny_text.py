"""How nanny will read the monitoring strings, for display next to the fields.

nanny's ``convert_str`` turns ``\\\\ \\r \\n \\t \\' \\"`` into the characters they name
in send and expect strings of two or more characters (docs/reference/piranha.md §1.9); any other
backslash sequence makes nanny hang at start-up.  ``send_program`` is not converted: it is split
on single spaces into argv, and arguments that are exactly ``%h``/``%p`` become each real
server's address/port.  Nothing here decides validity (lvscf.validate does); it only shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from piranha_web.lvscf import nanny

#: how control characters are made visible (ASCII names: every font has them)
VISIBLE = {"\r": "CR", "\n": "LF", "\t": "TAB"}


@dataclass(frozen=True)
class Piece:
    """A run of text as nanny sees it; ``kind`` is 'text', 'control' or 'bad-escape'."""

    text: str
    kind: str = "text"


def nanny_pieces(value: str) -> list[Piece]:
    """``value`` (as written in lvs.cf, quotes removed) as nanny will send or expect it."""
    shown: list[Piece] = []
    for piece in nanny.pieces(value):
        if piece.kind == "bad":
            shown.append(Piece(piece.text, "bad-escape"))
        elif piece.text in VISIBLE:
            shown.append(Piece(VISIBLE[piece.text], "control"))
        elif shown and shown[-1].kind == "text":
            shown[-1] = Piece(shown[-1].text + piece.text)
        else:
            shown.append(Piece(piece.text))
    return shown
