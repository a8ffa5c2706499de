"""One validation finding: where a problem sits in lvs.cf and what the daemons would do with it.

Shared by the rule modules (:mod:`.rules_lines`, :mod:`.rules_values`, :mod:`.rules_blocks`)
and re-exported by :mod:`.validate`, which is the public entry point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from piranha_web.lvscf.syntax import Block

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem: 1-based line, key, block (``where``) and what pulse/lvsd/nanny would do.

    ``severity`` is ``"error"`` (pulse would refuse to start, or a daemon would crash, hang or
    take the whole service down: blocks a save) or ``"warning"`` (shown to the user).
    ``code`` is a short stable identifier such as ``"unknown-key"`` or ``"timeout-zero"``.
    """

    severity: str
    line: int
    key: str | None
    message: str
    code: str
    where: str

    @property
    def signature(self) -> tuple[str, str, str | None, str]:
        """Identity of the finding ignoring its line number (to spot findings an edit adds)."""
        return (self.code, self.where, self.key, self.message)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    def as_line(self, filename: str) -> str:
        """The finding as a compiler-style line, ``FILE:LINE: error: WHERE: KEY: MESSAGE``."""
        context = self.where if self.key is None else f"{self.where}: {self.key}"
        return f"{filename}:{self.line}: {self.severity}: {context}: {self.message}"


def where_of(parents: Sequence[Block]) -> str:
    """``global``, ``virtual web`` or ``virtual web / server rs1`` for the enclosing blocks."""
    if not parents:
        return "global"
    return " / ".join(f"{b.kind} {b.name}" for b in parents)


def refuse(c_message: str) -> str:
    """The consequence of a parse error, with the message Piranha's C parser prints."""
    return f"pulse would refuse to start: {c_message}"
