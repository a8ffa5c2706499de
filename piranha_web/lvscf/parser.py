"""Text → :class:`Document`, reading lvs.cf the way Piranha's C parser (lvsconfig.c) does.

Rules (see docs/reference/piranha.md §1):

* lines end with LF only; a CR anywhere makes the C reader skip or merge lines silently, so it
  is a :class:`ParseError` here, as is a NUL byte (C stops reading there);
* a line whose first non-blank character is ``#`` is a comment; blank lines are skipped;
* ``virtual NAME {`` and ``failover NAME {`` open blocks at top level, ``server NAME {`` inside
  them: exactly three tokens on one line; a line starting with ``}`` closes the current block;
* anything else is a statement; whether its key and values are acceptable is the validator's
  business, so unknown keys survive a round trip; a quotation mismatch is recorded on the
  statement (``quoting_error``) and reported by the validator, since it spoils only that line;
* a block left open at the end of the file is an error (the C parser silently accepts it).

The parser builds nodes from raw lines only and never edits them, so
``parse(text).dumps() == text`` for every text that parses.  Comment and blank lines directly
above a block opener are attached to the block (its ``leading`` trivia), except that trivia at
the very top of the file up to its last blank line stays with the document as its header.
"""

from __future__ import annotations

from piranha_web.errors import ParseError, SyntaxProblem
from piranha_web.lvscf.bulk import collection_paused
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.syntax import (
    BARE_TOKEN,
    BLANKS,
    Block,
    Closer,
    Opener,
    QuotingError,
    Statement,
    Token,
    Trivia,
    lenient_tokens,
    tokenize,
)

TOP_BLOCKS = ("virtual", "failover")
INNER_BLOCKS = ("server",)
STRUCTURAL = frozenset(("}", *TOP_BLOCKS, *INNER_BLOCKS))
STRUCTURAL_PREFIXES = tuple(STRUCTURAL)


def _structural(stripped: str) -> bool:
    """Whether a line without quotes (``stripped`` of its leading blanks) starts with a block
    opener's word or ``}`` as a whole word."""
    return (stripped.startswith(STRUCTURAL_PREFIXES)
            and stripped.partition(" ")[0].partition("\t")[0] in STRUCTURAL)


def _split_leading(
    pending: list[Trivia], at_top_of_file: bool
) -> tuple[list[Trivia], list[Trivia]]:
    """Split trivia above an opener into (stays with container, goes with the block)."""
    if not at_top_of_file:
        return [], pending
    last_blank = -1
    for i, trivia in enumerate(pending):
        if not trivia.is_comment:
            last_blank = i
    return pending[: last_blank + 1], pending[last_blank + 1 :]


def parse(text: str) -> Document:
    """Parse lvs.cf text into a lossless :class:`Document`; raise :class:`ParseError`."""
    with collection_paused():
        return _parse(text)


def _parse(text: str) -> Document:
    """The parse itself: line ends checked first, then one pass over the lines.

    Comment, blank and plain statement lines (nearly all of a large file) are handled in this
    loop; block openers, closers and lines with quotes go to :class:`_Reader`.
    """
    lines = text.split("\n")
    final_newline = text.endswith("\n") or text == ""
    if final_newline:
        lines.pop()
    if "\r" in text or "\x00" in text:
        _refuse_line_ends(lines)
    reader = _Reader()
    pending = reader.pending
    for number, raw in enumerate(lines, start=1):
        stripped = raw.lstrip(BLANKS)
        if not stripped or stripped[0] == "#":
            pending.append(Trivia(raw))
            continue
        plain = '"' not in raw and "'" not in raw
        # (the prefix test first: it rules out nearly every line without a function call)
        if plain and not (stripped.startswith(STRUCTURAL_PREFIXES) and _structural(stripped)):
            reader.statement(Statement(raw))
        else:
            reader.structural(number, raw, stripped, plain)
        pending = reader.pending
    return reader.document(final_newline)


def _refuse_line_ends(lines: list[str]) -> None:
    """ParseError for the first CR (pulse ignores every line after it) and each NUL byte."""
    problems: list[SyntaxProblem] = []
    for number, raw in enumerate(lines, start=1):
        if "\r" in raw:
            problems.append(
                SyntaxProblem(
                    number,
                    raw.index("\r") + 1,
                    "carriage return (DOS/CRLF line end): pulse would silently ignore every "
                    "line after the first CR; convert the file with dos2unix",
                )
            )
            break
        if "\x00" in raw:
            problems.append(
                SyntaxProblem(
                    number, raw.index("\x00") + 1, "NUL byte: pulse stops reading the file here"
                )
            )
    if problems:
        raise ParseError(problems)


class _Reader:
    """What one parse has built so far: the top-level nodes, the open blocks, the trivia not
    placed yet, the problems found, the line count of each top-level block (what
    ``Document.changes`` skips unedited blocks by)."""

    def __init__(self) -> None:
        self.root: list[Trivia | Statement | Block] = []
        self.stack: list[tuple[Block, int]] = []
        self.pending: list[Trivia] = []
        self.seen_top_level_content = False
        self.problems: list[SyntaxProblem] = []
        self.sizes: dict[int, tuple[Block, int]] = {}

    def container(self) -> list[Trivia | Statement | Block]:
        return self.stack[-1][0].body if self.stack else self.root

    def _flush(self) -> list[Trivia | Statement | Block]:
        """The container now, with the pending trivia placed in it."""
        body = self.container()
        if self.pending:
            body.extend(self.pending)
            self.pending = []
        return body

    def statement(self, statement: Statement) -> None:
        """A statement line (any line that neither opens nor closes a block)."""
        if not self.stack:
            self.seen_top_level_content = True
        self._flush().append(statement)

    def open_block(self, opener: Opener, number: int) -> None:
        """Open a block at line ``number``; trivia above it becomes its leading trivia."""
        stay, leading = _split_leading(
            self.pending, not self.stack and not self.seen_top_level_content)
        self.pending = []
        self.container().extend(stay)
        block = Block(opener, leading=leading)
        self.container().append(block)
        self.stack.append((block, number))
        self.seen_top_level_content = True

    def close_block(self, raw: str, number: int) -> None:
        """Close the innermost open block with its ``}`` line ``raw`` at line ``number``."""
        block, opened_at = self.stack.pop()
        if not self.stack:
            self.sizes[id(block)] = (block, number - opened_at + 1 + len(block.leading))
        block.body.extend(self.pending)
        self.pending = []
        block.closer = Closer(raw)

    def structural(self, number: int, raw: str, stripped: str, plain: bool) -> None:
        """A line that opens or closes a block, or has quotes."""
        if self.stack and stripped[0] == "}" and stripped[1:2] in ("", " ", "\t") and plain:
            self.close_block(raw, number)  # the common closer: no tokens needed
            return
        if plain:
            words = BARE_TOKEN.findall(stripped)
            if (len(words) == 3 and words[2] == "{" and len(self.stack) < 2
                    and words[0] in (INNER_BLOCKS if self.stack else TOP_BLOCKS)):
                # the common opener: its tokens are computed when an edit needs them
                self.open_block(Opener(raw, None, words[0], words[1]), number)
                return
        self.tokenized(number, raw)

    def tokenized(self, number: int, raw: str) -> None:
        """Any other line, read token by token (quotes, odd openers and closers)."""
        quoting_error: int | None = None
        try:
            tokens = tokenize(raw)
        except QuotingError as err:
            quoting_error = err.column + 1
            tokens = lenient_tokens(raw)
        first = tokens[0]
        word = first.text if not first.quote else None
        if quoting_error is not None and word in STRUCTURAL:
            self.problems.append(SyntaxProblem(number, quoting_error, "quotation mismatch"))
        if word == "}" and self.stack:
            self.close_block(raw, number)
        elif word == "}":
            self.problems.append(
                SyntaxProblem(number, first.start + 1, "'}' without an open block"))
            self._flush().append(Statement(raw, tokens))
        elif word in TOP_BLOCKS or word in INNER_BLOCKS:
            self.opener(number, raw, tokens, word)
        else:
            self.statement(Statement(raw, tokens, quoting_error))

    def opener(self, number: int, raw: str, tokens: list[Token], word: str) -> None:
        """A ``virtual``/``failover``/``server`` line: a block when well formed and allowed
        here (problems otherwise)."""
        first = tokens[0]
        allowed = TOP_BLOCKS if not self.stack else INNER_BLOCKS if len(self.stack) == 1 else ()
        if word not in allowed:
            where = (
                "inside a server block"
                if len(self.stack) > 1
                else ("inside a virtual/failover block" if self.stack
                      else "outside a virtual block")
            )
            self.problems.append(
                SyntaxProblem(number, first.start + 1, f"'{word}' block is not allowed {where}")
            )
        if len(tokens) != 3 or tokens[2].text != "{" or tokens[2].quote:
            self.problems.append(
                SyntaxProblem(
                    number,
                    first.start + 1,
                    f"a block must open with '{word} NAME {{' on one line "
                    "(three words separated by blanks)",
                )
            )
            self._flush().append(Statement(raw, tokens))
            return
        self.open_block(Opener(raw, tokens), number)

    def document(self, final_newline: bool) -> Document:
        """The document read (ParseError when there were problems or a block is open)."""
        self.container().extend(self.pending)
        for block, opened_at in reversed(self.stack):
            self.problems.append(
                SyntaxProblem(
                    opened_at,
                    1,
                    f"'{block.kind} {block.name} {{' is never closed: a '}}' is missing "
                    "(pulse would silently read everything after it as part of this block)",
                )
            )
        if self.problems:
            self.problems.sort(key=lambda p: (p.line, p.column))
            raise ParseError(self.problems)
        return Document(self.root, final_newline, sizes=self.sizes)
