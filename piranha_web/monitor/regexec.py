"""Expect regexes matched by glibc's own ``regcomp``/``regexec``, the engine nanny calls.

nanny runs ``regcomp(expect, REG_EXTENDED)`` once and ``regexec`` on its first read (in the C
locale: nanny never calls ``setlocale``).  Python's ``re`` backtracks: ``(a|aa)+$`` against a
reply of sixty ``a`` and a ``!`` would hold the interpreter for hours.  glibc's matcher does not
backtrack for patterns without back-references, and every call here releases the interpreter
lock (ctypes), so a match never stops other threads; the checks that run it are in processes
of their own with a deadline (:mod:`.worker`, ``check-server``), which bounds even glibc's
slow back-reference cases.

:func:`with_glibc` gives a :class:`~.spec.CheckSpec` whose regex is matched here; the pure
translation in :mod:`.ere` still decides what nanny's regcomp refuses, with messages in words.
Without glibc (another C library) the translation's Python pattern is kept.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable
from dataclasses import replace

from piranha_web.errors import MonitorScriptError
from piranha_web.monitor.spec import CheckSpec

REG_EXTENDED = 1
#: sizeof(regex_t) is 64 bytes on 64-bit glibc; room to spare
REGEX_T_SIZE = 256
#: newlocale() masks: regcomp/regexec read LC_CTYPE and LC_COLLATE
LC_CTYPE_MASK = 1 << 0
LC_COLLATE_MASK = 1 << 3


def _libc() -> ctypes.CDLL | None:
    """The process's own C library when it is glibc (no ``ldconfig`` run, no file read)."""
    try:
        version = os.confstr("CS_GNU_LIBC_VERSION")
    except (ValueError, OSError):
        return None
    if not version or not version.startswith("glibc"):
        return None
    libc = ctypes.CDLL(None)
    libc.newlocale.restype = ctypes.c_void_p
    libc.newlocale.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_void_p]
    libc.uselocale.restype = ctypes.c_void_p
    libc.uselocale.argtypes = [ctypes.c_void_p]
    return libc


LIBC = _libc()
_C_LOCALE = LIBC.newlocale(LC_CTYPE_MASK | LC_COLLATE_MASK, b"C", None) if LIBC else None


class GlibcRegex:
    """One pattern compiled by glibc's ``regcomp(REG_EXTENDED)`` in the C locale."""

    def __init__(self, pattern: bytes) -> None:
        if LIBC is None:
            raise RuntimeError("the C library is not glibc")
        self._libc = LIBC
        self.pattern = pattern
        self._regex = ctypes.create_string_buffer(REGEX_T_SIZE)
        self._compiled = False
        code = self._in_c_locale(lambda: LIBC.regcomp(self._regex, pattern, REG_EXTENDED))
        if code:
            message = ctypes.create_string_buffer(256)
            LIBC.regerror(code, self._regex, message, len(message))
            raise MonitorScriptError(
                "expect",
                f"the regular expression {pattern.decode('utf-8', 'replace')!r} does not compile "
                f"({message.value.decode('ascii', 'replace')}): nanny only logs that and then "
                "every check of this service fails",
            )
        self._compiled = True

    def _in_c_locale(self, call: Callable[[], int]) -> int:
        previous = self._libc.uselocale(_C_LOCALE)
        try:
            return int(call())
        finally:
            self._libc.uselocale(previous)

    def search(self, data: bytes) -> bool:
        """regexec() on ``data`` as nanny's C string (it ends at the first NUL byte)."""
        return self._in_c_locale(lambda: self._libc.regexec(self._regex, data, 0, None, 0)) == 0

    def __del__(self) -> None:
        if getattr(self, "_compiled", False):
            self._libc.regfree(self._regex)


@functools.lru_cache(maxsize=1024)
def compiled(pattern: bytes) -> GlibcRegex:
    """``pattern`` compiled once per process, as nanny compiles its regex once."""
    return GlibcRegex(pattern)


def with_glibc(spec: CheckSpec) -> CheckSpec:
    """``spec`` with its expect regex (if any) matched by glibc; MonitorScriptError when glibc
    refuses a pattern the translation accepted."""
    ere = spec.matcher.regex
    if ere is None or LIBC is None:
        return spec
    engine = compiled(ere.pattern.encode("utf-8", "surrogateescape"))
    return replace(spec, matcher=replace(spec.matcher, regex=replace(ere, engine=engine,
                                                                    inexact=None)))
