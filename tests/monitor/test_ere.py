"""Expect regexes match where glibc's regexec(REG_EXTENDED) matches, as nanny uses it.

The table pins every place where Python's ``re`` would differ; the property test compares the
translation with the real glibc regcomp/regexec (through ctypes) on random patterns.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import platform

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from piranha_web.errors import MonitorScriptError
from piranha_web.monitor.ere import compile_ere
from piranha_web.monitor.regexec import GlibcRegex, with_glibc
from piranha_web.monitor.spec import build_spec

MATCHES = [
    ("HTTP/1\\.[01] 200", b"HTTP/1.1 200 OK", True),
    ("200 OK", b"HTTP/1.1 200 OK\r\n", True),  # anywhere in the chunk, not only at the start
    ("^200", b"HTTP/1.1 200 OK", False),
    ("a.b", b"a\nb", True),  # . matches a newline
    ("[^x]", b"\n", True),
    ("OK$", b"OK\n", False),  # $ is the end of the string only
    ("OK$", b"OK", True),
    ("\\d", b"1", False),  # glibc has no \d: it is a literal d
    ("\\d", b"d", True),
    ("[\\d]", b"\\", True),  # a backslash is literal inside brackets
    ("[[:digit:]]+", b"port 80", True),
    ("[[:alpha:]]", b"123", False),
    ("[[.a.]]", b"a", True),
    ("a**", b"a", True),  # stacked repetitions are fine for glibc
    ("x*+y", b"xxy", True),
    ("a{2}{3}", b"aaaaaa", True),
    ("a)", b"a)", True),  # an unmatched ) is a literal
    ("}", b"}", True),
    ("\\<ok\\>", b"say ok now", True),
    ("\\<ok\\>", b"broken", False),
    ("(a)\\1", b"aa", True),
    ("ab", b"a\x00ab", False),  # regexec stops at the NUL byte
    ("", b"anything", True),
    ("a|", b"b", True),
]


@pytest.mark.parametrize(("pattern", "data", "expected"), MATCHES)
def test_expect_regex_matches_like_glibc(pattern: str, data: bytes, expected: bool) -> None:
    assert compile_ere(pattern).search(data) is expected


@pytest.mark.parametrize(
    "pattern",
    ["*abc", "a|*b", "(*a)", "(?:a)", "{1}a", "a{", "a{x}", "a{3,1}", "a{32768}", "(", "[a",
     "[z-a]", "[[:foo:]]", "[[.hyphen.]]", "\\1", "(a)\\2", "\\<*", "^*a"],
)
def test_patterns_glibc_refuses_do_not_compile(pattern: str) -> None:
    with pytest.raises(MonitorScriptError, match="does not compile"):
        compile_ere(pattern)


def test_inner_anchors_are_flagged_as_possibly_inexact() -> None:
    assert compile_ere("a$.").inexact is not None
    assert compile_ere("^HTTP.*OK$").inexact is None


def _glibc() -> ctypes.CDLL | None:
    if platform.libc_ver()[0] != "glibc":
        return None
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


LIBC = _glibc()
ATOMS = ["a", "b", ".", "*", "+", "?", "{2}", "{1,}", "{,2}", "{", "}", "(", ")", "|", "^", "$",
         "[ab]", "[^a]", "[]a]", "[a-]", "\\", "\\.", "\\d", "\\w", "\\<", "\\>", "\\1",
         "[[:digit:]]", "[\\n]", "\\b", "[[:alpha:]]", "[a-c]", "{0}", "\\'", "\\`", "(a|b)"]
SUBJECTS = [b"", b"a", b"ab", b"aab", b"ba", b"a\nb", b"1", b"a.b", b"d", b"{2}", b"a b", b"\\",
            b"x)", b"aa\n", b"-", b"a\0b"]


def glibc_search(pattern: bytes, data: bytes) -> bool | None:
    """regcomp(REG_EXTENDED) + regexec with glibc itself; None when regcomp refuses."""
    assert LIBC is not None
    regex = ctypes.create_string_buffer(256)  # larger than regex_t
    if LIBC.regcomp(regex, pattern, 1):
        return None
    try:
        return bool(LIBC.regexec(regex, data, 0, None, 0) == 0)
    finally:
        LIBC.regfree(regex)


@pytest.mark.skipif(LIBC is None, reason="needs glibc to compare with")
@settings(max_examples=400)
@given(st.lists(st.sampled_from(ATOMS), min_size=1, max_size=5), st.sampled_from(SUBJECTS))
def test_translation_agrees_with_glibc_regexec(atoms: list[str], data: bytes) -> None:
    pattern = "".join(atoms)
    expected = glibc_search(pattern.encode(), data)
    try:
        ere = compile_ere(pattern)
    except MonitorScriptError:
        assert expected is None
        return
    if ere.inexact and b"\n" in data:
        return  # the documented difference (inner anchors next to a newline)
    assert ere.search(data) is expected


@pytest.mark.skipif(LIBC is None, reason="needs glibc")
@pytest.mark.parametrize(("pattern", "data", "expected"), MATCHES)
def test_the_glibc_engine_matches_the_table_like_the_translation(
    pattern: str, data: bytes, expected: bool
) -> None:
    assert GlibcRegex(pattern.encode()).search(data) is expected


@pytest.mark.skipif(LIBC is None, reason="needs glibc")
def test_a_pattern_python_would_backtrack_on_for_hours_gets_glibc_s_answer() -> None:
    """Issue 20 item 3: (a|aa)+$ against sixty a and a ! (Python's re never returns)."""
    regex = GlibcRegex(b"(a|aa)+$")
    assert regex.search(b"a" * 60 + b"!") is False
    assert regex.search(b"a" * 60) is True


@pytest.mark.skipif(LIBC is None, reason="needs glibc")
def test_the_glibc_engine_reads_in_the_c_locale_and_stops_at_nul() -> None:
    assert GlibcRegex(b"^.$").search("é".encode()) is False  # two bytes in the C locale
    assert GlibcRegex(b"^..$").search("é".encode()) is True
    assert GlibcRegex(b"b").search(b"a\0b") is False


@pytest.mark.skipif(LIBC is None, reason="needs glibc")
def test_glibc_refuses_a_lone_star_with_its_own_words() -> None:
    with pytest.raises(MonitorScriptError, match="Invalid preceding regular expression"):
        GlibcRegex(b"*")


@pytest.mark.skipif(LIBC is None, reason="needs glibc")
def test_with_glibc_swaps_the_engine_of_a_regex_spec_only() -> None:
    from tests.monitor.conftest import virtual

    vs = virtual(("127.0.0.1", 8080), expect="(a|aa)+$", use_regex=True)
    spec = with_glibc(build_spec(vs, vs.servers[0]))
    assert isinstance(spec.matcher.regex and spec.matcher.regex.engine, GlibcRegex)
    assert spec.matcher.matches(b"a" * 60 + b"!") is False
    plain = build_spec(virtual(("127.0.0.1", 8080), expect="OK"), vs.servers[0])
    assert with_glibc(plain) is plain


@pytest.mark.skipif(LIBC is None, reason="needs glibc")
def test_a_pattern_is_compiled_once_per_process_like_nannys() -> None:
    from piranha_web.monitor.regexec import compiled

    assert compiled(b"HTTP/1\\.[01]") is compiled(b"HTTP/1\\.[01]")
    with pytest.raises(MonitorScriptError):
        compiled(b"*")
