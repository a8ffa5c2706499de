"""Validation of lvs.cf: what pulse, lvsd and nanny would reject, misread or trip over.

``validate(doc)`` returns :class:`Finding` objects sorted by line, errors first on a line.
Errors block a save: pulse would refuse to start, or a daemon would crash, hang or shut LVS
down.  Warnings are shown.  The rules live in :mod:`.rules_lines` (each line as the C parser
reads it), :mod:`.rules_values` (each value as the daemons use it) and :mod:`.rules_blocks`
(names, collisions, operational pitfalls).  ``check_text`` also turns the syntax problems of a
:class:`ParseError` into findings, so a file that does not parse still gets line-numbered
messages.
"""

from __future__ import annotations

from piranha_web.errors import ParseError, SyntaxProblem
from piranha_web.lvscf.bulk import collection_paused
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.finding import ERROR, Finding, refuse
from piranha_web.lvscf.parser import parse
from piranha_web.lvscf.rules_blocks import block_findings
from piranha_web.lvscf.rules_lines import line_findings
from piranha_web.lvscf.syntax import BARE_TOKEN

__all__ = ["Finding", "check_text", "validate"]

OPENERS = frozenset({"virtual", "failover", "server"})
REFUSE = "pulse would refuse to start"


def validate(doc: Document) -> list[Finding]:
    """All findings of a parsed document, sorted by (line, severity).

    Computed once per content: unedited copies of a document share the result.
    """
    known = doc.derived.get("findings")
    if isinstance(known, tuple):
        return list(known)
    with collection_paused():
        findings = line_findings(doc) + block_findings(doc)
    ordered = sorted(findings, key=lambda f: (f.line, f.severity, f.code))
    doc.derived["findings"] = tuple(ordered)
    return ordered


def check_text(text: str) -> list[Finding]:
    """Parse and validate ``text``; each syntax problem becomes an error (code ``syntax``)."""
    if text == "":
        return [Finding(ERROR, 1, None, "the file is empty; " + refuse("Empty configuration"),
                        "empty", "global")]
    try:
        doc = parse(text)
    except ParseError as err:
        return syntax_findings(text, err.problems)
    return validate(doc)


def syntax_findings(text: str, problems: tuple[SyntaxProblem, ...]) -> list[Finding]:
    """Error findings for the problems of a :class:`ParseError`, with the block of each."""
    wheres = _block_at_each_line(text)
    findings = []
    for p in problems:
        message = p.message if "pulse" in p.message else f"{p.message}; {REFUSE}"
        message = f"{message} (column {p.column})"
        where = wheres[p.line - 1] if 0 < p.line <= len(wheres) else "global"
        findings.append(Finding(ERROR, p.line, None, message, "syntax", where))
    return sorted(findings, key=lambda f: (f.line, f.message))


def _block_at_each_line(text: str) -> list[str]:
    """For every line, the enclosing blocks as ``where`` text, read leniently (no quotes)."""
    stack: list[str] = []
    wheres: list[str] = []
    for raw in text.split("\n"):
        words = BARE_TOKEN.findall(raw)
        if len(words) == 3 and words[0] in OPENERS and words[2] == "{":
            stack.append(f"{words[0]} {words[1]}")
            wheres.append(" / ".join(stack))
            continue
        wheres.append(" / ".join(stack) or "global")
        if words and words[0] == "}" and stack:
            stack.pop()
    return wheres
