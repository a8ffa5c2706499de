"""The one writer of keepalived.conf text: every word is checked before it is emitted.

keepalived's parser (``lib/parser.c``) splits lines on blanks, treats ``#`` and ``!`` as the
start of a comment, substitutes ``$NAME`` parameters, gives ``@`` at the start of a line a
meaning (conditional configuration) and truncates long lines.  No value taken from lvs.cf may
reach it unchecked: each one goes through a constructor here that either returns the exact
word keepalived will read back, or raises :class:`KeepalivedValueError`.  Free text (names,
original lvs.cf lines) only ever appears in comments, made harmless by :func:`comment_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import AddressValueError, IPv4Address

from piranha_web.errors import KeepalivedValueError

#: keepalived reads a configuration line into a buffer of this size; stay well below it
MAX_LINE = 1000
INDENT = "    "
#: a network interface name as the kernel accepts it (IFNAMSIZ 16, no '/', ':' or blanks)
IFNAME = re.compile(r"[A-Za-z0-9_.-]{1,15}")
#: an interface label: the device name, a colon, a suffix (still at most 15 characters)
LABEL = re.compile(r"[A-Za-z0-9_.-]{1,14}:[A-Za-z0-9_.-]{1,14}")
#: characters of an executable path / argument we put in a quoted misc_path
SAFE_ARG = re.compile(r"[A-Za-z0-9_./+=:,-]+")
NAME = re.compile(r"[A-Za-z0-9_]{1,32}")
#: characters shown as they are in comments; anything else is written as \\xNN
COMMENT_SAFE = re.compile(r"[A-Za-z0-9 _.,:;/()<>=+*?%&|~^\[\]'-]")


class Word(str):
    """A string that has been checked to be read back by keepalived as exactly itself."""


def ip(value: str, what: str = "address") -> Word:
    """A dotted IPv4 address in canonical form."""
    try:
        return Word(str(IPv4Address(value)))
    except AddressValueError as err:
        raise KeepalivedValueError(what, f"{value!r} is not an IPv4 address") from err


def number(value: int, what: str = "number", low: int = 0, high: int = 2**31 - 1) -> Word:
    if not low <= value <= high:
        raise KeepalivedValueError(what, f"{value} is outside {low}-{high}")
    return Word(str(value))


def keyword(value: str, allowed: tuple[str, ...] | frozenset[str], what: str = "keyword") -> Word:
    if value not in allowed:
        raise KeepalivedValueError(what, f"{value!r} is not one of {', '.join(sorted(allowed))}")
    return Word(value)


def ifname(value: str, what: str = "device") -> Word:
    if not IFNAME.fullmatch(value) or value in (".", ".."):
        raise KeepalivedValueError(what, f"{value!r} is not a network interface name")
    return Word(value)


def label(value: str, what: str = "label") -> Word:
    if not LABEL.fullmatch(value):
        raise KeepalivedValueError(what, f"{value!r} is not an interface label (dev:n)")
    return Word(value)


def name(value: str, what: str = "name") -> Word:
    if not NAME.fullmatch(value):
        raise KeepalivedValueError(what, f"{value!r} is not a keepalived object name")
    return Word(value)


def command(argv: list[str], what: str = "command") -> Word:
    """A quoted command line (``misc_path``) whose words keepalived splits back into ``argv``."""
    if not argv or not argv[0].startswith("/"):
        raise KeepalivedValueError(what, "the program must be given by its absolute path")
    for arg in argv:
        if not SAFE_ARG.fullmatch(arg):
            raise KeepalivedValueError(
                what, f"{arg!r} contains characters keepalived would misread in a script line"
            )
    return Word('"' + " ".join(argv) + '"')


def comment_text(text: str) -> str:
    """``text`` made safe to follow ``#``: every unusual character as ``\\xNN``."""
    return "".join(
        ch if COMMENT_SAFE.fullmatch(ch) else "".join(f"\\x{b:02x}" for b in ch.encode())
        for ch in text
    )


class ConfWriter:
    """Builds keepalived.conf text line by line, with indentation from the block nesting."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def line(self, key: str | Word, *words: Word) -> None:
        """``key word...``: ``key`` is a checked :class:`Word` or one of our keyword literals."""
        if not isinstance(key, Word) and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise KeepalivedValueError("keyword", f"{key!r} is not a keepalived keyword")
        for word in words:
            if not isinstance(word, Word):
                raise TypeError(f"{word!r} was not checked by the writer")
        text = INDENT * self.depth + " ".join([key, *words])
        if len(text) > MAX_LINE:
            raise KeepalivedValueError(key, f"the line would be {len(text)} characters long")
        self.lines.append(text)

    def comment(self, text: str) -> None:
        self.lines.append(INDENT * self.depth + "# " + comment_text(text))

    def blank(self) -> None:
        self.lines.append("")

    @contextmanager
    def block(self, key: str, *words: Word) -> Iterator[None]:
        """``key words... {`` ... ``}``; nothing is emitted if the body raises."""
        mark = len(self.lines)
        self.line(key, *words)
        self.lines[-1] += " {"
        self.depth += 1
        try:
            yield
        except BaseException:
            del self.lines[mark:]
            raise
        finally:
            self.depth -= 1
        self.lines.append(INDENT * self.depth + "}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
