"""POSIX extended regular expressions (glibc ``regcomp(REG_EXTENDED)``) as Python ``re`` (pure).

nanny compiles the (escape-decoded) expect string with ``regcomp(expect, REG_EXTENDED)`` and no
other flag, then asks ``regexec`` whether it matches *anywhere* in the NUL-terminated first read.
Only "is there a match" matters, so POSIX leftmost-longest versus Python leftmost-first makes no
difference.  The translation keeps glibc's meaning where Python's differs:

* ``.`` and ``[^...]`` match a newline (Python needs DOTALL); ``$`` is the end of the string
  only (Python's ``$`` also matches before a final newline), ``^``/``$`` are anchors anywhere;
* a backslash inside brackets is literal; ``[:class:]`` names become explicit ASCII sets;
  ``[.c.]`` and ``[=c=]`` with one character are that character;
* stacked repetitions (``a**``, ``a+?``, ``a*+``) repeat the repetition, as in glibc (Python
  would refuse them or read them as lazy/possessive);
* ``\\w \\W \\s \\S \\b \\B`` and back-references ``\\1``-``\\9`` mean the same; GNU ``\\< \\>
  \\` \\'`` become lookarounds/anchors; any other escaped character is that character
  (``\\d`` is a ``d`` for glibc, not a digit);
* an unmatched ``)`` is a literal; ``{`` always starts an interval, up to RE_DUP_MAX 32767;
* patterns glibc refuses (a leading repetition, ``(?``, a bad interval or class, an unmatched
  ``(`` or ``[``, a trailing backslash, a bad range) raise :class:`MonitorScriptError`.

Not exact:

* a ``^``/``$`` inside the pattern: glibc also matches it right after/before a newline that the
  pattern consumed (``.^b`` matches ``"a\\nb"``); here only at the string's start/end
  (:data:`INNER_ANCHOR`);
* classes and ranges follow the C locale and byte order (bytes ≥ 0x80 are in no class);
* multi-character collating elements (``[.hyphen.]``) are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

from piranha_web.errors import MonitorScriptError

RE_DUP_MAX = 0x7FFF
INNER_ANCHOR = (
    "the regular expression has ^ or $ inside it: after a newline that the pattern itself "
    "matched, glibc also lets them match there, this check does not"
)
CLASSES = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "a-zA-Z0-9",
    "upper": "A-Z",
    "lower": "a-z",
    "space": " \\t\\n\\r\\f\\v",
    "blank": " \\t",
    "punct": "".join(re.escape(c) for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "print": "\\x20-\\x7e",
    "graph": "\\x21-\\x7e",
    "cntrl": "\\x00-\\x1f\\x7f",
    "xdigit": "0-9A-Fa-f",
}
GNU_ESCAPES = {
    "w": r"\w", "W": r"\W", "s": r"\s", "S": r"\S", "b": r"\b", "B": r"\B",
    "<": r"\b(?=\w)", ">": r"\b(?<=\w)", "`": r"\A", "'": r"\Z",
}
#: GNU escapes that are anchors (zero-width): glibc refuses to repeat them
ANCHOR_ESCAPES = frozenset("<>bB`'")
QUANTIFIERS = "*+?{"
INTERVAL = re.compile(r"\{(\d*)(,?)(\d*)\}")


def _refuse(pattern: str, why: str) -> MonitorScriptError:
    return MonitorScriptError(
        "expect",
        f"the regular expression {pattern!r} does not compile ({why}): nanny only logs that "
        "and then every check of this service fails",
    )


def _bracket_char(char: str) -> str:
    return re.escape(char) if not char.isalnum() else char


class _Translator:
    """One left-to-right pass over the pattern, tracking atoms so repetitions can be stacked."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.out: list[str] = []
        self.atom_start: int | None = None  # index in out of the last atom (None: no atom)
        self.last_was_quantifier = False
        self.groups: list[int] = []  # out index of each open "("
        self.group_count = 0
        self.inner_anchor = False  # a ^ or $ that is not at the very start or end

    def run(self) -> str:
        p = self.pattern
        while self.pos < len(p):
            char = p[self.pos]
            if char in QUANTIFIERS:
                self._quantifier()
            elif char == "\\" and p[self.pos + 1 : self.pos + 2] in ANCHOR_ESCAPES:
                self._operator(GNU_ESCAPES[p[self.pos + 1]], width=2)
            elif char == "\\":
                self._atom(*self._escape())
            elif char == "[":
                self._atom(*self._bracket())
            elif char == "(":  # "(?" and "(*" then fail: a repetition needs an atom
                self.groups.append(len(self.out))
                self.group_count += 1
                self._operator("(")
            elif char == ")" and self.groups:
                start = self.groups.pop()
                self._operator(")")
                self.atom_start = start
            elif char == "|":
                self._operator("|")
            elif char == "^":
                self.inner_anchor |= self.pos > 0
                self._operator("^")
            elif char == "$":
                self.inner_anchor |= self.pos < len(p) - 1
                self._operator(r"\Z")
            elif char == ".":
                self._atom(".", self.pos + 1)
            else:  # includes an unmatched ")", which glibc reads as a literal
                self._atom(re.escape(char), self.pos + 1)
        if self.groups:
            raise _refuse(p, "unmatched (")
        return "".join(self.out)

    def _operator(self, text: str, width: int = 1) -> None:
        """Emit something a repetition cannot follow (group start, alternation, anchor)."""
        self.out.append(text)
        self.atom_start = None
        self.last_was_quantifier = False
        self.pos += width

    def _atom(self, text: str, next_pos: int) -> None:
        self.atom_start = len(self.out)
        self.out.append(text)
        self.last_was_quantifier = False
        self.pos = next_pos

    def _escape(self) -> tuple[str, int]:
        p = self.pattern
        if self.pos + 1 >= len(p):
            raise _refuse(p, "trailing backslash")
        follower = p[self.pos + 1]
        if follower in "123456789":
            if int(follower) > self.group_count:
                raise _refuse(p, f"back-reference \\{follower} to a group that does not exist")
            return f"(?:\\{follower})", self.pos + 2
        return GNU_ESCAPES.get(follower, re.escape(follower)), self.pos + 2

    def _quantifier(self) -> None:
        p = self.pattern
        if p[self.pos] == "{":
            match = INTERVAL.match(p, self.pos)
            if match is None or not (match.group(1) or match.group(2)):
                raise _refuse(p, "an interval {m,n} is not closed or not made of numbers")
            low, comma, high = match.groups()
            lo, hi = int(low or 0), (int(high) if high else None)
            if (hi is not None and hi < lo) or max(lo, hi or 0) > RE_DUP_MAX:
                raise _refuse(p, "invalid interval bounds")
            text = f"{{{lo}}}" if not comma else f"{{{lo},{'' if hi is None else hi}}}"
            end = match.end()
        else:
            text, end = p[self.pos], self.pos + 1
        if self.atom_start is None:
            raise _refuse(p, "a repetition operator has nothing to repeat")
        if self.last_was_quantifier:
            # glibc repeats the repetition; Python needs a group around it
            inner = "".join(self.out[self.atom_start :])
            del self.out[self.atom_start :]
            self.out.append(f"(?:{inner})")
        self.out.append(text)
        self.last_was_quantifier = True
        self.pos = end

    def _bracket(self) -> tuple[str, int]:
        """``[...]`` starting at ``self.pos`` as a Python set, and the position after it."""
        p = self.pattern
        i = self.pos + 1
        negate = p.startswith("^", i)
        i += negate
        items: list[str] = []
        first = True
        while True:
            if i >= len(p):
                raise _refuse(p, "unmatched [")
            if p[i] == "]" and not first:
                break
            first = False
            if p.startswith("[:", i):
                end = p.find(":]", i + 2)
                name = p[i + 2 : end] if end >= 0 else ""
                if end < 0 or name not in CLASSES:
                    raise _refuse(p, f"unknown character class [:{name}:]")
                if p.startswith("-", end + 2) and not p.startswith("-]", end + 2):
                    raise _refuse(p, "a range cannot start at a character class")
                items.append(CLASSES[name])
                i = end + 2
                continue
            low, i = self._bracket_element(i)
            if p.startswith("-", i) and not p.startswith("-]", i):
                high, i = self._bracket_element(i + 1)
                if ord(high) < ord(low):
                    raise _refuse(p, f"the range {low}-{high} is backwards")
                items.append(f"{_bracket_char(low)}-{_bracket_char(high)}")
            else:
                items.append(_bracket_char(low))
        return "[" + ("^" if negate else "") + "".join(items) + "]", i + 1

    def _bracket_element(self, i: int) -> tuple[str, int]:
        """One character of a bracket expression (plain, ``[.c.]`` or ``[=c=]``)."""
        p = self.pattern
        for opener, closer in (("[.", ".]"), ("[=", "=]")):
            if p.startswith(opener, i):
                if p.find(closer, i + 2) != i + 3:
                    raise _refuse(p, "only one-character collating elements are supported")
                return p[i + 2], i + 5
        if i >= len(p):
            raise _refuse(p, "unmatched [")
        return p[i], i + 1


class Engine(Protocol):
    """Another matcher of the same pattern (glibc's own, :mod:`.regexec`)."""

    def search(self, data: bytes) -> bool:
        """regexec() on ``data`` as a C string."""


@dataclass(frozen=True)
class Ere:
    """A compiled expect regex; ``inexact`` says where this translation may differ from glibc.

    ``engine``, when set, does the matching instead of the translated Python pattern (which
    backtracks: ``(a|aa)+$`` on a long reply never ends); the drivers set glibc's.
    """

    pattern: str
    compiled: re.Pattern[bytes]
    inexact: str | None = None
    engine: Engine | None = None

    def search(self, data: bytes) -> bool:
        """regexec() on ``data`` as a C string: only the bytes before the first NUL count."""
        if self.engine is not None:
            return self.engine.search(data)
        return self.compiled.search(data.split(b"\0", 1)[0]) is not None


def translate(pattern: str) -> tuple[str, bool]:
    """The Python regex (bytes, DOTALL) for the ERE ``pattern``; True if it has inner anchors."""
    translator = _Translator(pattern)
    return translator.run(), translator.inner_anchor


def compile_ere(pattern: str) -> Ere:
    """Compile ``pattern`` (the decoded expect string) the way nanny's regcomp() would."""
    text, inner_anchor = translate(pattern)
    try:
        compiled = re.compile(text.encode("utf-8", "surrogateescape"), re.DOTALL)
    except re.error as err:
        raise _refuse(pattern, str(err)) from err
    inexact = INNER_ANCHOR if inner_anchor else None
    return Ere(pattern, compiled, inexact)
