"""Line nodes of a lossless lvs.cf document and the tokenizer of Piranha's C parser.

Invariants:

* every node keeps its raw text (without the line terminator); a document renders by joining
  raw lines, so an unedited document renders to exactly the bytes it was parsed from;
* a token remembers its span in the raw line (quotes included), so an edit can splice a new
  value into the line and keep indentation, spacing and anything else on it;
* tokenizing follows ``tokenizeString`` of lvsconfig.c exactly, quirks included: tokens are
  separated by runs of space/TAB, a token that starts with ``"`` or ``'`` ends at the matching
  quote, there is no escape character, and a quoted token with no blank inside that is followed
  by trailing blanks is a "quotation mismatch" (the C scanner looks for the closing quote only
  after the first blank);
* the C tokenizer keeps at most :data:`MAX_TOKENS` tokens of a line and silently drops the rest
  (``LVS_MAX_TOKENS``), so a longer line is an error for the validator and no edit writes one.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import NamedTuple

BLANKS = " \t"
QUOTES = "\"'"
BARE_TOKEN = re.compile(r"[^ \t]+")
#: tokens per line lvsconfig.c keeps (``LVS_MAX_TOKENS``); it drops the rest without a word
MAX_TOKENS = 99
#: entries of the caches of what one line (or value) reads as: enough for the lines a large
#: file repeats (``active = 1`` ...), not one per line of it: a server that runs for months
#: edits ever new lines, and the per-block memos of a document keep what re-validation needs
LINE_CACHE = 4096


class Token(NamedTuple):
    """One token of a line: ``text`` without quotes, ``start``/``end`` span with quotes."""

    text: str
    start: int
    end: int
    quote: str = ""


class QuotingError(Exception):
    """A quoted token is not closed the way the C parser requires (0-based ``column``)."""

    def __init__(self, column: int) -> None:
        self.column = column
        super().__init__(f"quotation mismatch at column {column + 1}")


def tokenize(line: str) -> list[Token]:
    """Split one line into tokens as Piranha's ``tokenizeString`` does."""
    if '"' not in line and "'" not in line:
        return [Token(m.group(), m.start(), m.end()) for m in BARE_TOKEN.finditer(line)]
    tokens: list[Token] = []
    pos = 0
    n = len(line)
    while pos < n and line[pos] in BLANKS:
        pos += 1
    while pos < n:
        start = pos
        end = pos
        while end < n and line[end] not in BLANKS:
            end += 1
        quote = line[pos] if line[pos] in QUOTES else ""
        if quote:
            content = pos + 1
            while end < n and line[end] != quote:
                end += 1
            if end < n:
                end += 1
            if end > content and line[end - 1] != quote:
                raise QuotingError(start)
            if end <= content:
                # a lone quote character: C writes before its buffer; we refuse it
                raise QuotingError(start)
            text = line[content : end - 1]
        else:
            text = line[start:end]
        tokens.append(Token(text, start, end, quote))
        pos = end
        while pos < n and line[pos] in BLANKS:
            pos += 1
    return tokens


@functools.lru_cache(maxsize=LINE_CACHE)
def assignment_of(raw: str) -> tuple[str, str] | None:
    """``(key, value)`` of a ``key = value...`` line, else None; remembered per line text.

    Large files repeat the same lines (``active = 1``) many thousand times.
    """
    if '"' not in raw and "'" not in raw:  # nearly every line: words without token objects
        words = BARE_TOKEN.findall(raw)
        if len(words) < 2 or words[1] != "=":
            return None
        return words[0], " ".join(words[2:])
    try:
        tokens = tokenize(raw)
    except QuotingError:
        tokens = lenient_tokens(raw)
    if len(tokens) < 2 or tokens[1].text != "=" or tokens[1].quote:
        return None
    return tokens[0].text, " ".join(t.text for t in tokens[2:])


def lenient_tokens(line: str) -> list[Token]:
    """Blank-separated tokens ignoring quotes: how to read on after a quotation mismatch."""
    return [Token(m.group(), m.start(), m.end()) for m in BARE_TOKEN.finditer(line)]


@dataclass(slots=True)
class Trivia:
    """A blank (or blanks-only) line or a comment line (``#`` as first non-blank)."""

    raw: str

    @property
    def is_comment(self) -> bool:
        return self.raw.lstrip(BLANKS).startswith("#")


class Statement:
    """A ``key = value...`` line (or anything else that is not a block boundary).

    Tokens are computed on first use: most lines of a large file are never looked at closely.
    """

    __slots__ = ("raw", "_tokens", "_words", "quoting_error")

    def __init__(
        self, raw: str, tokens: list[Token] | None = None, quoting_error: int | None = None
    ) -> None:
        self.raw = raw
        self._tokens = tokens
        self._words: list[str] | None = None
        #: 1-based column of a quotation mismatch (tokens are then split on blanks only)
        self.quoting_error = quoting_error

    def __repr__(self) -> str:
        return f"Statement({self.raw!r})"

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = tokenize(self.raw)
        return self._tokens

    @tokens.setter
    def tokens(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._words = None
        self.quoting_error = None

    @property
    def words(self) -> list[str]:
        """Token texts (quotes removed); cheap for the common unquoted line."""
        if self._words is None:
            if self._tokens is None and '"' not in self.raw and "'" not in self.raw:
                self._words = BARE_TOKEN.findall(self.raw)
            else:
                self._words = [t.text for t in self.tokens]
        return self._words

    @property
    def key(self) -> str:
        return self.words[0]

    def assignment(self) -> tuple[str, str] | None:
        """``(key, value)`` of a ``key = value...`` line (values joined by a space), else None."""
        return assignment_of(self.raw)

    @property
    def has_equals(self) -> bool:
        words = self.words
        if len(words) < 2 or words[1] != "=":
            return False
        return self._tokens is None or not self._tokens[1].quote

    @property
    def values(self) -> list[Token]:
        return self.tokens[2:] if self.has_equals else []

    @property
    def value(self) -> str:
        """The value tokens' texts joined by one space ('' when there are none)."""
        return " ".join(self.words[2:]) if self.has_equals else ""

    @property
    def indent(self) -> str:
        return self.raw[: self.tokens[0].start]


class Opener:
    """``virtual NAME {``, ``failover NAME {`` or ``server NAME {``.

    The parser gives a plain opener line its kind and name only: the tokens (with their
    spans, which a rename needs) are computed on first use.
    """

    __slots__ = ("raw", "kind", "name", "_tokens")

    def __init__(self, raw: str, tokens: list[Token] | None, kind: str = "",
                 name: str = "") -> None:
        self.raw = raw
        self._tokens = tokens
        self.kind = tokens[0].text if tokens else kind
        self.name = tokens[1].text if tokens else name

    def __repr__(self) -> str:
        return f"Opener({self.raw!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opener) and other.raw == self.raw

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = tokenize(self.raw)
        return self._tokens

    @property
    def indent(self) -> str:
        return self.raw[: self.tokens[0].start]


@dataclass(slots=True)
class Closer:
    """A line whose first token is ``}`` (the C parser ignores the rest of it)."""

    raw: str

    @property
    def indent(self) -> str:
        return self.raw[: len(self.raw) - len(self.raw.lstrip(BLANKS))]


@dataclass(slots=True)
class Block:
    """A ``virtual``/``failover``/``server`` block with the trivia lines that belong to it.

    ``leading`` holds the comment and blank lines directly above the opener: they move and are
    deleted with the block.
    """

    opener: Opener
    body: list[Trivia | Statement | Block] = field(default_factory=list)
    closer: Closer | None = None
    leading: list[Trivia] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.opener.kind

    @property
    def name(self) -> str:
        return self.opener.name

    def lines(self) -> list[str]:
        """The raw lines of this block, leading trivia first."""
        out = [t.raw for t in self.leading]
        out.append(self.opener.raw)
        for item in self.body:
            if isinstance(item, Block):
                out.extend(item.lines())
            else:
                out.append(item.raw)
        if self.closer is not None:
            out.append(self.closer.raw)
        return out
