"""Text → :class:`Document`, reading lvs.cf the way Piranha's C parser (lvsconfig.c) does.

Rules (see reference/piranha.md §1):

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
    problems: list[SyntaxProblem] = []
    lines = text.split("\n")
    final_newline = text.endswith("\n") or text == ""
    if final_newline:
        lines.pop()

    for number, raw in enumerate(lines if ("\r" in text or "\x00" in text) else (), start=1):
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

    root: list[Trivia | Statement | Block] = []
    stack: list[tuple[Block, int]] = []
    pending: list[Trivia] = []
    seen_top_level_content = False
    #: line count of each top-level block (what ``Document.changes`` skips unedited blocks by)
    sizes: dict[int, tuple[Block, int]] = {}

    def container() -> list[Trivia | Statement | Block]:
        return stack[-1][0].body if stack else root

    def open_block(opener: Opener, number: int, seen_top_level_content: bool) -> bool:
        """Open a block at line ``number``; returns the new ``seen_top_level_content``."""
        nonlocal pending
        stay, leading = _split_leading(pending, not stack and not seen_top_level_content)
        pending = []
        container().extend(stay)
        block = Block(opener, leading=leading)
        container().append(block)
        stack.append((block, number))
        return True

    def close_block(raw: str, number: int) -> None:
        """Close the innermost open block with its ``}`` line ``raw`` at line ``number``."""
        nonlocal pending
        block, opened_at = stack.pop()
        if not stack:
            sizes[id(block)] = (block, number - opened_at + 1 + len(block.leading))
        block.body.extend(pending)
        pending = []
        block.closer = Closer(raw)

    for number, raw in enumerate(lines, start=1):
        stripped = raw.lstrip(BLANKS)
        if not stripped or stripped[0] == "#":
            pending.append(Trivia(raw))
            continue
        plain = '"' not in raw and "'" not in raw
        # (the prefix test first: it rules out nearly every line without a function call)
        if plain and not (stripped.startswith(STRUCTURAL_PREFIXES) and _structural(stripped)):
            if stack:
                body = stack[-1][0].body
            else:
                body = root
                seen_top_level_content = True
            if pending:
                body.extend(pending)
                pending = []
            body.append(Statement(raw))
            continue
        if (
            stack
            and stripped[0] == "}"
            and stripped[1:2] in ("", " ", "\t")
            and '"' not in raw
            and "'" not in raw
        ):
            close_block(raw, number)  # the common closer: no tokens needed
            continue
        if plain:
            words = BARE_TOKEN.findall(stripped)
            if (len(words) == 3 and words[2] == "{"
                    and words[0] in (INNER_BLOCKS if stack else TOP_BLOCKS) and len(stack) < 2):
                # the common opener: its tokens are computed when an edit needs them
                seen_top_level_content = open_block(Opener(raw, None, words[0], words[1]),
                                                    number, seen_top_level_content)
                continue
        quoting_error: int | None = None
        try:
            tokens = tokenize(raw)
        except QuotingError as err:
            quoting_error = err.column + 1
            tokens = lenient_tokens(raw)
        first = tokens[0]
        word = first.text if not first.quote else None
        if quoting_error is not None and word in STRUCTURAL:
            problems.append(SyntaxProblem(number, quoting_error, "quotation mismatch"))

        if word == "}":
            if not stack:
                problems.append(SyntaxProblem(number, first.start + 1, "'}' without an open block"))
                container().extend(pending)
                pending = []
                container().append(Statement(raw, tokens))
                continue
            close_block(raw, number)
            continue

        if word in TOP_BLOCKS or word in INNER_BLOCKS:
            allowed = TOP_BLOCKS if not stack else INNER_BLOCKS if len(stack) == 1 else ()
            if word not in allowed:
                where = (
                    "inside a server block"
                    if len(stack) > 1
                    else ("inside a virtual/failover block" if stack else "outside a virtual block")
                )
                problems.append(
                    SyntaxProblem(number, first.start + 1, f"'{word}' block is not allowed {where}")
                )
            if len(tokens) != 3 or tokens[2].text != "{" or tokens[2].quote:
                problems.append(
                    SyntaxProblem(
                        number,
                        first.start + 1,
                        f"a block must open with '{word} NAME {{' on one line "
                        "(three words separated by blanks)",
                    )
                )
                container().extend(pending)
                pending = []
                container().append(Statement(raw, tokens))
                continue
            seen_top_level_content = open_block(Opener(raw, tokens), number,
                                                seen_top_level_content)
            continue

        if not stack:
            seen_top_level_content = True
        container().extend(pending)
        pending = []
        container().append(Statement(raw, tokens, quoting_error))

    container().extend(pending)
    for block, opened_at in reversed(stack):
        problems.append(
            SyntaxProblem(
                opened_at,
                1,
                f"'{block.kind} {block.name} {{' is never closed: a '}}' is missing "
                "(pulse would silently read everything after it as part of this block)",
            )
        )
    if problems:
        problems.sort(key=lambda p: (p.line, p.column))
        raise ParseError(problems)
    return Document(root, final_newline, sizes=sizes)
