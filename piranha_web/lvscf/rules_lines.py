"""Line rules: every line checked the way lvsconfig.c reads it.

A quotation mismatch, an unknown key for the block it is in, a missing ``=`` and a wrong number
of values (typically an inline ``# comment``) make pulse refuse to start: errors carrying the C
parser's message.  So is a line of more than 99 tokens: the C tokenizer silently drops the rest
(a long ``dirs`` list loses its ``]``), so what pulse reads is not what the line says.  A key
set twice in one block (the last one wins) and text after a ``}`` (ignored) are warnings.  The
value itself is checked by :mod:`.rules_values`.

The findings of one statement depend only on its block kind and its text, so they are cached:
re-validating after an edit costs little more than the lines that changed.
"""

from __future__ import annotations

import functools
from dataclasses import replace

from piranha_web.lvscf import schema
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.finding import ERROR, WARNING, Finding, refuse, where_of
from piranha_web.lvscf.rules_values import Report, check_value
from piranha_web.lvscf.schema import KeySpec, Kind
from piranha_web.lvscf.syntax import (
    BARE_TOKEN,
    BLANKS,
    LINE_CACHE,
    MAX_TOKENS,
    Block,
    QuotingError,
    Statement,
    Trivia,
    lenient_tokens,
    tokenize,
)

#: keys Piranha's GUI writes back from a hand-edited file although the C parser rejects them
GUI_ONLY_KEYS = frozenset({"expect_program", "nmask", "deadtime", "heartbeat"})
SCOPE_WORDS = {"global": "outside any block", "virtual": "in a virtual server",
               "failover": "in a failover service", "server": "in a real server"}


def line_findings(doc: Document) -> list[Finding]:
    """Findings of every statement and block closer, in file order.

    The findings of a top-level block depend only on its own lines: they are kept with the
    document (:meth:`Document.memoized`, relative to the block's first line) and moved to the
    block's current line, so after an edit only the blocks it touched are checked again.
    """
    findings: list[Finding] = []
    line = 0
    seen_keys: dict[str, int] = {}
    for item in doc.items:
        if isinstance(item, Block):
            relative, size = doc.memoized(item, "line_findings", _block_findings)
            findings += [_moved(f, line) for f in relative]
            line += size
            continue
        line += 1
        if not isinstance(item, Trivia):
            found, key = statement_facts("global", item.raw)
            first = line if key is None else seen_keys.setdefault(key, line)
            if found or first != line:
                _report_statement(found, key, first, line, (), findings)
    return findings


def _moved(finding: Finding, offset: int) -> Finding:
    """``finding`` of a block numbered from 1, moved to the block's place in the file."""
    if not offset:
        return finding
    if finding.code == "duplicate-key":
        first = int(finding.message.rsplit(" is already set on line ", 1)[1].split(":", 1)[0])
        return replace(finding, line=finding.line + offset,
                       message=duplicate_key(finding.key or "", first + offset))
    return replace(finding, line=finding.line + offset)


def duplicate_key(key: str, first: int) -> str:
    """The message for a key set again after line ``first``."""
    return f"{key} is already set on line {first}: the daemons use only this last one"


def _block_findings(block: Block) -> tuple[tuple[Finding, ...], int]:
    """The line findings of a top-level block numbered from 1, and its number of lines."""
    findings: list[Finding] = []
    size = _visit_block(block, (), 0, findings)
    return tuple(findings), size


def _visit_block(block: Block, parents: tuple[Block, ...], line: int,
                 findings: list[Finding]) -> int:
    """Check the lines of ``block`` (which starts after ``line``); returns its last line."""
    inner = (*parents, block)
    line += len(block.leading) + 1
    kind = block.kind
    seen_keys: dict[str, int] = {}
    for item in block.body:
        if isinstance(item, Block):
            line = _visit_block(item, inner, line, findings)
            continue
        line += 1
        if isinstance(item, Trivia):
            continue
        # (written out, not a call per line: this loop sees every line of a large file)
        found, key = statement_facts(kind, item.raw)
        first = line if key is None else seen_keys.setdefault(key, line)
        if found or first != line:
            _report_statement(found, key, first, line, inner, findings)
    if block.closer is not None:
        line += 1
        rest = block.closer.raw.strip(BLANKS)[1:].strip(BLANKS)
        count = (len(lenient_tokens(block.closer.raw))
                 if len(block.closer.raw) > 2 * MAX_TOKENS else 0)
        if count > MAX_TOKENS:
            findings.append(Finding(
                ERROR, line, None, too_many_tokens(count), "too-many-tokens", where_of(inner)))
        elif rest:
            findings.append(Finding(
                WARNING, line, None,
                f"the text after '}}' ({rest!r}) is ignored by Piranha's parser; "
                "put comments on their own line", "closer-text", where_of(inner)))
    return line


def _report_statement(found: Facts, key: str | None, first: int, line: int,
                      inner: tuple[Block, ...], findings: list[Finding]) -> None:
    """The findings of a statement on ``line`` in the blocks ``inner``: its own (``found``)
    and a duplicate-key warning when ``key`` was first set on an earlier line ``first``."""
    where = where_of(inner)
    for severity, code, message, about in found:
        findings.append(Finding(severity, line, about, message, code, where))
    if key is not None and first != line:
        findings.append(Finding(
            WARNING, line, key, duplicate_key(key, first), "duplicate-key", where))


#: the findings of one statement line: (severity, code, message, key)
Facts = tuple[tuple[str, str, str, str], ...]


@functools.lru_cache(maxsize=LINE_CACHE)
def statement_facts(scope: str, raw: str) -> tuple[Facts, str | None]:
    """The findings ``(severity, code, message, key)`` of one statement line and the key it
    sets (None: not a ``key = value`` line); they depend on nothing else.

    A line without quotes (nearly all of them) is split into words without token objects.
    """
    words: list[str]
    if '"' not in raw and "'" not in raw:
        words = BARE_TOKEN.findall(raw)
        equals = len(words) >= 2 and words[1] == "="
        quote, quoting_error = "", None
    else:
        node = _statement(raw)
        words, equals, quoting_error = node.words, node.has_equals, node.quoting_error
        quote = node.values[0].quote if equals and len(words) > 2 else ""
    key = words[0]
    found: list[tuple[str, str, str, str]] = []

    def report(severity: str, code: str, message: str) -> None:
        found.append((severity, code, message, key))

    assigned = key if equals and quoting_error is None else None
    if len(words) > MAX_TOKENS:
        report(ERROR, "too-many-tokens", too_many_tokens(len(words)))
        return tuple(found), assigned
    if quoting_error is not None:
        report(ERROR, "bad-quoting",
               f"the quotes at column {quoting_error} do not pair up (a quoted value "
               "ends at its closing quote, cannot contain that quote, and a quoted value "
               "without blanks must not be followed by blanks); " + refuse("quotation mismatch"))
        return tuple(found), assigned
    keyspec = schema.spec(scope, key)
    if keyspec is None:
        hint = (" (Piranha's own GUI writes it back from hand-edited files)"
                if key in GUI_ONLY_KEYS else "")
        report(ERROR, "unknown-key",
               f"{key!r} is not a key Piranha knows {SCOPE_WORDS[scope]}{hint}; "
               + refuse("unknown command"))
    elif not equals:
        report(ERROR, "equal-expected",
               f"'=' must follow {key!r}, separated by blanks; "
               + refuse("equal (=) expected after command"))
    elif _value_count_ok(keyspec, words[2:], report):
        check_value(keyspec, words[2:], quote, report)
    return tuple(found), assigned


def too_many_tokens(count: int) -> str:
    """The message for a line the C tokenizer would cut short."""
    return (f"{count} words on one line: Piranha's parser keeps only the first {MAX_TOKENS} "
            "and silently drops the rest, so pulse would not read what this line says; "
            "split it or shorten it")


def _statement(raw: str) -> Statement:
    """A statement node for ``raw``, with the parser's handling of a quotation mismatch."""
    try:
        return Statement(raw, tokenize(raw))
    except QuotingError as err:
        return Statement(raw, lenient_tokens(raw), err.column + 1)


def _value_count_ok(keyspec: KeySpec, words: list[str], report: Report) -> bool:
    """Report a wrong number of value words (the C parser's CHECK_ARGS); True when right."""
    if keyspec.kind is Kind.LIST:
        if len(words) < 2 or words[0] != "[" or words[-1] != "]":
            report(ERROR, "list-expected",
                   f"{keyspec.name} takes a list written '= [ a b ]'; " + refuse("list expected"))
        return False
    arity = keyspec.arity or 1
    if len(words) > arity:
        if any(w.startswith("#") for w in words[arity:]):
            report(ERROR, "inline-comment",
                   "'#' after a value does not start a comment for Piranha, comments must be "
                   "on their own line; " + refuse("unexpected arguments"))
        elif keyspec.kind is Kind.STRING:
            report(ERROR, "extra-args",
                   f"{len(words)} words where one value is expected (put it in double "
                   "quotes); " + refuse("unexpected arguments"))
        else:
            report(ERROR, "extra-args",
                   f"{len(words)} values where {arity} expected; "
                   + refuse("unexpected arguments"))
        return False
    if len(words) < arity:
        if keyspec.kind is Kind.ADDRESS and len(words) == 1:
            report(ERROR, "missing-device",
                   f"{keyspec.name} needs an address and a network device (e.g. "
                   f"'{words[0]} eth0:1'); " + refuse("missing arguments"))
        else:
            report(ERROR, "missing-args",
                   f"{keyspec.name} has no value; " + refuse("missing arguments"))
        return False
    return True
