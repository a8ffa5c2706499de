"""The one error hierarchy of piranha-web.

Every error the tool raises on purpose derives from :class:`PiranhaError`.  The web layer maps
these classes to messages and HTTP statuses in one place (``piranha_web/web/errors.py``); the
CLI maps them to exit codes.  ``status_hint`` says whose fault it is: 4xx for the user's input
or a conflict, 5xx for the environment (disk, network, the backup router).

    PiranhaError
    ├── LvsCfError                 problems with lvs.cf text or edits (pure layer)
    │   ├── ParseError             text the C parser would reject or misread; line + column
    │   ├── EditError              an edit that cannot be expressed safely (bad value, bad name)
    │   ├── EditErrors             several EditErrors of one form, reported together
    │   ├── NotFoundError          no virtual/real server of that name
    │   ├── DuplicateNameError     a name that is already taken
    │   │   └── AmbiguousNameError a name two blocks of the file share (a hand edit)
    │   ├── MonitorScriptError     a health check nanny cannot run as configured
    │   └── KeepalivedValueError   a value keepalived's parser would split or misread
    ├── StoreError                 lvs.cf on disk
    │   ├── StaleRevisionError     the file changed since the caller loaded it
    │   ├── ValidationFailedError  the new text has errors; nothing was written
    │   └── StoreIOError           reading or writing the file failed
    ├── SyncError                  copying lvs.cf to the backup router failed
    │   └── SyncSettingsError      a backup-sync setting that cannot be used; names the field
    ├── KeepalivedError            keepalived's settings, files or process unusable
    ├── NetInfoError               this router's interfaces, processes or IPVS table unreadable
    ├── AuditError                 the audit trail cannot be written; the save is refused
    ├── MaintenanceError           the record of drained addresses cannot be read or written
    ├── ChecksBusyError            TEST / CHECK NOW refused: as many checks as allowed are running
    └── AuthError                  login / password problems
        └── RoleError              the user's role does not allow the request (403)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class PiranhaError(Exception):
    """Root of every error piranha-web raises on purpose."""

    status_hint = 500


class LvsCfError(PiranhaError):
    """A problem with lvs.cf text or with an edit of it."""

    status_hint = 400


@dataclass(frozen=True)
class SyntaxProblem:
    """One place where the text breaks Piranha's grammar (1-based line and column)."""

    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class ParseError(LvsCfError):
    """The text cannot be read the way pulse/lvsd would read it.

    ``problems`` lists every syntax problem found; ``line``/``column``/``message`` describe the
    first one.
    """

    def __init__(self, problems: Sequence[SyntaxProblem]) -> None:
        if not problems:
            raise ValueError("ParseError needs at least one problem")
        self.problems = tuple(problems)
        first = self.problems[0]
        self.line = first.line
        self.column = first.column
        self.message = first.message
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first.message} at line {first.line} col {first.column}{more}")


class EditError(LvsCfError, ValueError):
    """An edit was refused because its value cannot be written safely or correctly."""

    def __init__(self, key: str | None, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}" if key else message)


class EditErrors(LvsCfError, ValueError):
    """Several fields of one edit were refused; all are reported at once (``errors``)."""

    def __init__(self, errors: Sequence[EditError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


class NotFoundError(LvsCfError, LookupError):
    """No block with the requested name."""

    status_hint = 404


class DuplicateNameError(LvsCfError):
    """A block with that name already exists in the same scope."""

    status_hint = 409


class AmbiguousNameError(DuplicateNameError):
    """Several blocks of the file share the name asked for: which one is meant is unknown.

    Nothing is read or changed through such a name; ``what`` is ``"virtual server 'web'"``
    or the like, ``lines`` where the blocks start when known.
    """

    def __init__(self, what: str, count: int, lines: Sequence[int] = ()) -> None:
        self.what = what
        self.lines = tuple(lines)
        where = f" (lines {', '.join(map(str, lines))})" if lines else ""
        super().__init__(
            f"lvs.cf has {count} blocks for {what}{where}, so piranha-web cannot tell which one "
            "you mean and changes neither. Rename or remove one of them in lvs.cf with a text "
            "editor (Piranha's pulse refuses the file as it is), then reload this page."
        )


class MonitorScriptError(LvsCfError):
    """A health check nanny cannot run as configured.

    An unknown escape, a bad regex or an over-long command in the monitoring strings, or a
    real server without an address, a port or a timeout nanny can use.  Raised by
    ``piranha_web.monitor`` while building a check; a probe reports it as the reason the check
    is down instead of contacting the real server.
    """

    def __init__(self, key: str | None, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(message)


class KeepalivedValueError(LvsCfError, ValueError):
    """A value cannot be written into keepalived.conf so that keepalived reads it as meant.

    Raised by the keepalived writer (``piranha_web.lvscf.keepalived.writer``) for anything its
    parser would split, treat as a comment, substitute or truncate.
    """

    def __init__(self, what: str, message: str) -> None:
        self.what = what
        self.message = message
        super().__init__(f"{what}: {message}")


class KeepalivedError(PiranhaError):
    """keepalived's settings, files or process on this router cannot be used as asked."""

    status_hint = 500


class StoreError(PiranhaError):
    """A problem with lvs.cf on disk."""


class StaleRevisionError(StoreError):
    """The file changed since it was loaded; nothing was written."""

    status_hint = 409

    def __init__(self, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            "lvs.cf changed since you loaded it (another administrator or a hand edit); "
            "nothing was written"
        )


class ValidationFailedError(StoreError):
    """The rendered text has errors; nothing was written.  ``findings`` holds them."""

    status_hint = 400

    def __init__(self, findings: Sequence[object]) -> None:
        self.findings = tuple(findings)
        super().__init__(f"the change would leave {len(self.findings)} error(s) in lvs.cf")


class StoreIOError(StoreError):
    """Reading or writing lvs.cf (or its history) failed."""

    status_hint = 503


class SyncError(PiranhaError):
    """Copying lvs.cf to the backup router failed; ``reason`` is a plain-words category."""

    status_hint = 502

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


class NetInfoError(PiranhaError):
    """This router's interfaces, daemon processes or IPVS table could not be read.

    ``source`` names what was being read (``netlink``, ``/proc/net/ip_vs``, ...).
    """

    status_hint = 503

    def __init__(self, source: str, detail: str) -> None:
        self.source = source
        self.detail = detail
        super().__init__(f"{source}: {detail}")


class SyncSettingsError(SyncError):
    """A backup-sync setting (SSH user, port, paths...) cannot be used; ``field`` names it."""

    status_hint = 400

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__("invalid sync setting", f"{field}: {message}")


class AuthError(PiranhaError):
    """Login or password problem."""

    status_hint = 401


class ChecksBusyError(PiranhaError):
    """TEST or CHECK NOW refused at once: the allowed number of checks is already running."""

    status_hint = 503


class RoleError(AuthError):
    """The logged-in user's role does not allow the request (``web.policy``)."""

    status_hint = 403


class AuditError(PiranhaError):
    """The audit trail cannot be written (or read); a save that needs it is refused."""

    status_hint = 503


class MaintenanceError(PiranhaError):
    """The record of drained addresses (``STATE/maintenance.json``) cannot be read or written."""

    status_hint = 503
