"""What the I/O drivers observed, as plain data for the pure verdict rules.

A driver (:mod:`.network`, :mod:`.program`) only records what happened; :mod:`.verdict`
decides what nanny (and a strict checker) would make of it.  Tests of the rules build these
records by hand; tests of the drivers run real servers and programs.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Stage(Enum):
    """Where a network check stopped because something went wrong."""

    CONNECT = "connect"
    SEND = "send"
    READ = "read"


class Ended(Enum):
    """Why the strict reader stopped reading the reply."""

    NOT_READ = "not read"  # the check does not read (TCP without an expect string)
    SETTLED = "settled"  # more bytes could not change the answer
    EOF = "eof"  # the server closed the connection
    TIMEOUT = "timeout"  # no more bytes before the timeout
    LIMIT = "limit"  # the reply grew beyond what we keep
    DATAGRAM = "datagram"  # UDP: one datagram is the whole reply
    ERROR = "error"  # a read failed after the first one


@dataclass(frozen=True)
class Exchange:
    """One TCP/UDP conversation with a real server.

    ``failed_at``/``error``: the stage that failed and why (``"refused"``, ``"timeout"`` or the
    OS error text); ``first``: the bytes of the first read, as nanny's read() would have seen
    them (None when there was no read); ``reply``: every byte read, ``first`` included.
    """

    failed_at: Stage | None = None
    error: str = ""
    first: bytes | None = None
    reply: bytes = b""
    ended: Ended = Ended.NOT_READ


@dataclass(frozen=True)
class ProgramRun:
    """One run of a sending program.

    ``start_error``: it could not be started (not found, not executable); ``status``: its exit
    status (negative: killed by that signal); ``timed_out``: it was killed at the timeout;
    ``output``: its standard output.
    """

    argv: tuple[str, ...]
    start_error: str | None = None
    status: int | None = None
    timed_out: bool = False
    output: bytes = b""
