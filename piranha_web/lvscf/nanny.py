"""nanny's ``convert_str()``: the one place that knows which backslash escapes nanny decodes.

nanny converts ``send`` and ``expect`` strings of two characters or more: ``\\\\ \\r \\n \\t \\'
\\"`` become the characters they name; any other backslash sequence, or a lone backslash at the
end, makes nanny loop forever at start-up (docs/reference/piranha.md §1.9).  Validation, the check
engine and the web display all read strings through :func:`pieces`, and sending programs
through :func:`program_words`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from piranha_web.lvscf.model import MonitorScript, VirtualServer
from piranha_web.lvscf.syntax import Block, Statement

ESCAPES = {"\\": "\\", "r": "\r", "n": "\n", "t": "\t", "'": "'", '"': '"'}


@dataclass(frozen=True)
class Piece:
    """A run of ``text`` as nanny reads it.

    ``kind`` is ``"text"`` (literal characters), ``"escape"`` (``text`` is the one character
    an escape stands for) or ``"bad"`` (``text`` is the sequence nanny would hang on).
    """

    text: str
    kind: str = "text"


def pieces(value: str) -> list[Piece]:
    """``value`` (as written in lvs.cf, quotes removed) split the way convert_str() reads it."""
    if len(value) < 2 or "\\" not in value:
        return [Piece(value)] if value else []
    out: list[Piece] = []
    literal = ""
    index = 0
    while index < len(value):
        char = value[index]
        if char != "\\":
            literal += char
            index += 1
            continue
        if literal:
            out.append(Piece(literal))
            literal = ""
        follower = value[index + 1 : index + 2]
        decoded = ESCAPES.get(follower) if follower else None
        out.append(
            Piece(decoded, "escape") if decoded is not None else Piece("\\" + follower, "bad")
        )
        index += 2
    if literal:
        out.append(Piece(literal))
    return out


def bad_escape(value: str) -> str | None:
    """Why nanny would loop forever on ``value`` ("the escape \\x" / "a lone backslash ..")."""
    for piece in pieces(value):
        if piece.kind == "bad":
            return (
                "a lone backslash at the end" if piece.text == "\\" else f"the escape {piece.text}"
            )
    return None


def decode(value: str) -> str:
    """The characters nanny sends or expects (bad escapes left as written)."""
    return "".join(p.text for p in pieces(value))


def program_words(command: str, address: str, port: int) -> list[str]:
    """The argv nanny runs for a sending program: split on spaces (runs count as one), and
    only arguments that are exactly ``%h``/``%p`` replaced by the real server's address/port."""
    words = [w for w in command.split(" ") if w]
    return [address if w == "%h" else str(port) if w == "%p" else w for w in words]


def lvsd_strip_quotes(text: str, quote: str) -> str:
    """The string lvsd passes to nanny for a token ``text`` that was quoted with ``quote``.

    ``quote`` is ``'"'``, ``"'"`` or ``""`` (a bare word), as the tokenizer recorded it.  The C
    parser puts the quotes back around a quoted token; lvsd's ``strip_quotes()`` then removes a
    leading ``"`` and a trailing ``"``, each on its own, and leaves single quotes alone.
    """
    value = f"{quote}{text}{quote}"
    if value.startswith('"'):
        value = value[1:]
    if value.endswith('"'):
        value = value[:-1]
    return value


#: the monitoring keys whose strings lvsd hands to nanny
MONITOR_KEYS = ("send", "expect", "send_program")


def lvsd_monitor(block: Block, vs: VirtualServer) -> MonitorScript:
    """``vs.monitor`` with each string exactly as lvsd hands it to nanny (single quotes kept).

    The one implementation of "what lvsd passes to nanny": the check engine, the probe views
    and the keepalived export all use it.  ``block`` is the document block ``vs`` was read
    from; the last assignment of a key wins, as in the model.  An empty string (``send =
    ""``) stays an empty string: lvsd passes ``-s ""`` and nanny writes nothing.
    """
    found: dict[str, str] = {}
    for item in block.body:
        if isinstance(item, Statement) and (pair := item.assignment()) is not None:
            key, value = pair
            if key in MONITOR_KEYS:
                tokens = item.values
                single = tokens[0] if len(tokens) == 1 else None
                found[key] = lvsd_strip_quotes(single.text, single.quote) if single else value
    monitor = vs.monitor
    return replace(
        monitor,
        send=found.get("send", monitor.send),
        expect=found.get("expect", monitor.expect),
        send_program=found.get("send_program", monitor.send_program),
    )
