"""Pure lvs.cf engine: text ↔ lossless document ↔ typed model, and validation.

Nothing in this package touches files, sockets, processes or Flask (see README.md here).
"""

from piranha_web.errors import (
    DuplicateNameError,
    EditError,
    LvsCfError,
    NotFoundError,
    ParseError,
    SyntaxProblem,
)
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.model import Config, Globals, MonitorScript, RealServer, VirtualServer
from piranha_web.lvscf.parser import parse
from piranha_web.lvscf.validate import Finding, check_text, validate

__all__ = [
    "Config",
    "Document",
    "DuplicateNameError",
    "EditError",
    "Finding",
    "Globals",
    "LvsCfError",
    "MonitorScript",
    "NotFoundError",
    "ParseError",
    "RealServer",
    "SyntaxProblem",
    "VirtualServer",
    "check_text",
    "parse",
    "validate",
]
