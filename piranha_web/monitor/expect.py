"""How nanny compares what a real server answered with the expect string (pure).

docs/reference/piranha.md §3.3 item 4: nanny polls for input, then does **one** ``read()``:

* plain expect: it reads exactly ``len(expect)`` bytes and compares them with ``strncmp`` —
  the expect string must be a *prefix* of that one read, and a shorter read is a failure;
* ``expect = "*"`` (without use_regex): it reads one byte and then replaces whatever the read
  returned with ``"*"``, so any byte passes, and so does a connection closed without one
  (nanny.c 0.8.6 ``pinger``); with use_regex, regcomp() refuses ``*`` and every check fails;
* ``use_regex = 1``: it reads up to 254 bytes and searches the whole chunk with the POSIX ERE
  (:mod:`.ere`); regexec stops at a NUL byte;
* UDP without an expect string: nanny reads one byte and then dereferences the missing expect
  string, i.e. it crashes when any reply arrives (§5 D8).

The strict verdict applies the same comparison to the complete reply instead of the first read
(:meth:`Expectation.settled` tells a driver when reading more cannot change the answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from piranha_web.monitor.ere import Ere
from piranha_web.monitor.escapes import quoted

#: nanny's read buffer holds 254 bytes plus the terminating NUL
NANNY_READ_MAX = 254


class Mode(Enum):
    """Which of nanny's comparisons applies."""

    NONE = "none"  # no expect string
    ANY_BYTE = "any byte"  # expect = "*"
    PREFIX = "prefix"
    REGEX = "regex"


@dataclass(frozen=True)
class Expectation:
    """The decoded expect string and the way nanny compares with it."""

    mode: Mode
    text: bytes = b""
    regex: Ere | None = None  # set exactly when mode is REGEX

    @property
    def nanny_read_size(self) -> int:
        """How many bytes nanny asks for in its single read()."""
        if self.mode is Mode.PREFIX:
            return len(self.text)
        if self.mode is Mode.REGEX:
            return NANNY_READ_MAX
        return 1

    def nanny_view(self, first_read: bytes) -> bytes:
        """What nanny's read() returns when the first chunk that arrived is ``first_read``."""
        return first_read[: self.nanny_read_size]

    def matches(self, data: bytes) -> bool:
        """Whether ``data`` passes the comparison (nanny: its one read; strict: all of it)."""
        if self.mode is Mode.PREFIX:
            return data[: len(self.text)] == self.text and len(data) >= len(self.text)
        if self.regex is not None:
            return self.regex.search(data)
        return len(data) >= 1

    def settled(self, data: bytes) -> bool:
        """Whether reading more than ``data`` could no longer change :meth:`matches`."""
        if self.mode is Mode.REGEX:
            return self.matches(data)
        return len(data) >= self.nanny_read_size

    def describe(self) -> str:
        """The expect string for messages."""
        if self.mode is Mode.REGEX:
            return f"regex {quoted(self.text)}"
        return quoted(self.text)
