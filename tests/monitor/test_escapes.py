"""Monitoring strings reach nanny as lvsd strips them and nanny's convert_str() decodes them."""

from __future__ import annotations

import pytest

from piranha_web.errors import MonitorScriptError
from piranha_web.monitor.escapes import decode_escapes, lvsd_strip_quotes, quoted, show_bytes

DECODED = [
    ("GET / HTTP/1.0\\r\\n\\r\\n", "GET / HTTP/1.0\r\n\r\n"),
    ("a\\tb", "a\tb"),
    ("\\\\", "\\"),
    ("\\'x\\'", "'x'"),
    ('say \\"hi\\"', 'say "hi"'),
    ("\\\\n", "\\n"),  # an escaped backslash does not start a second escape
    ("HTTP/1\\\\.1", "HTTP/1\\.1"),  # how to write a regex \. in lvs.cf
    ("\\", "\\"),  # shorter than two characters: nanny leaves it alone
    ("x", "x"),
    ("", ""),
    ("plain text", "plain text"),
]


@pytest.mark.parametrize(("written", "sent"), DECODED)
def test_nanny_decodes_the_six_escapes_of_convert_str(written: str, sent: str) -> None:
    assert decode_escapes(written) == sent


@pytest.mark.parametrize(
    ("written", "named"),
    [
        ("HTTP/1\\.1", "\\."),
        ("abc\\", "lone backslash"),
        ("a\\x41", "\\x"),
        ("\\d+", "\\d"),
    ],
)
def test_escapes_that_make_nanny_hang_are_reported_instead(written: str, named: str) -> None:
    with pytest.raises(MonitorScriptError, match="loop forever") as caught:
        decode_escapes(written, "expect")
    assert named in caught.value.message
    assert caught.value.key == "expect"


@pytest.mark.parametrize(
    ("text", "quote", "passed"),
    [
        ("abc", '"', "abc"),
        ("abc", "'", "'abc'"),  # lvsd strips double quotes only
        ("abc", "", "abc"),
        ('abc"', "", "abc"),  # a bare word's trailing double quote is stripped too
        ("", '"', ""),
        ("'abc'", '"', "'abc'"),
    ],
)
def test_lvsd_strips_only_double_quotes(text: str, quote: str, passed: str) -> None:
    assert lvsd_strip_quotes(text, quote) == passed


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        (b"HTTP/1.0 200 OK\r\n", "HTTP/1.0 200 OK\\r\\n"),
        (b"\x00\xff\x1b", "\\x00\\xff\\x1b"),
        (b'a"b\\\t', 'a\\"b\\\\\\t'),
        (b"", ""),
    ],
)
def test_received_bytes_are_shown_on_one_printable_line(data: bytes, shown: str) -> None:
    assert show_bytes(data) == shown


def test_long_replies_are_shortened_with_their_length() -> None:
    assert quoted(b"x" * 100, limit=4) == '"xxxx"... (100 bytes)'
    assert quoted(b"ok") == '"ok"'
