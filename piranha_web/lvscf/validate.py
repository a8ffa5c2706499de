"""Validation of an lvs.cf document: what pulse, lvsd and nanny would reject, misread or trip on.

``validate(doc)`` returns :class:`Finding` objects sorted by line.  Errors block a save (pulse
would refuse to start, or a daemon would crash or hang); warnings are shown.  Rules per line live
in :mod:`.rules_lines` (keys and values as the C parser reads them), rules across blocks in
:mod:`.rules_blocks`.  ``check_text`` also turns a :class:`ParseError` into findings.
"""

from __future__ import annotations

from dataclasses import dataclass

from piranha_web.errors import ParseError
from piranha_web.lvscf.document import Document


@dataclass(frozen=True)
class Finding:
    """One problem: where it is (1-based line, key, block) and what the daemons would do."""

    severity: str  # "error" | "warning"
    line: int
    key: str | None
    message: str
    code: str
    where: str

    @property
    def signature(self) -> tuple[str, str, str | None, str]:
        """Identity of the finding ignoring its line number."""
        return (self.code, self.where, self.key, self.message)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def validate(doc: Document) -> list[Finding]:
    """All findings of a parsed document, sorted by line (errors first on a line)."""
    from piranha_web.lvscf.rules_blocks import block_findings
    from piranha_web.lvscf.rules_lines import line_findings

    findings = line_findings(doc) + block_findings(doc)
    return sorted(findings, key=lambda f: (f.line, f.severity != "error", f.code))


def check_text(text: str) -> list[Finding]:
    """Parse and validate ``text``; syntax problems become error findings (code "syntax")."""
    from piranha_web.lvscf.parser import parse

    if text == "":
        return [
            Finding(
                "error", 1, None,
                "Empty configuration: pulse would refuse to start", "empty", "global",
            )
        ]
    try:
        doc = parse(text)
    except ParseError as err:
        return [
            Finding(
                "error", p.line, None,
                f"{p.message} (column {p.column}); pulse would refuse to start or misread the file",
                "syntax", "file",
            )
            for p in err.problems
        ]
    return validate(doc)
