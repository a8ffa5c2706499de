"""nanny's convert_str(): how send/expect strings are decoded, and where nanny would hang."""

from __future__ import annotations

import pytest

from piranha_web.lvscf import nanny


@pytest.mark.parametrize(
    ("written", "decoded"),
    [
        ("GET / HTTP/1.0\\r\\n\\r\\n", "GET / HTTP/1.0\r\n\r\n"),
        ("a\\tb\\\\c\\'d\\\"e", "a\tb\\c'd\"e"),
        ("\\n", "\n"),
        ("x", "x"),
        ("\\", "\\"),  # shorter than two characters: nanny leaves it alone
        ("", ""),
    ],
)
def test_known_escapes_decode_to_the_characters_nanny_sends(written: str, decoded: str) -> None:
    assert nanny.decode(written) == decoded
    assert nanny.bad_escape(written) is None


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("HTTP/1\\.1", "the escape \\."),
        ("abc\\", "a lone backslash at the end"),
        ("a\\x41", "the escape \\x"),
        ("\\d+", "the escape \\d"),
    ],
)
def test_other_escapes_are_named_as_the_place_nanny_would_hang(written: str, problem: str) -> None:
    assert nanny.bad_escape(written) == problem
    assert [p.kind for p in nanny.pieces(written)].count("bad") == 1


def test_percent_h_and_p_are_replaced_only_as_whole_arguments() -> None:
    assert nanny.program_words("/bin/check  %h x=%h %p", "10.0.0.1", 8080) == [
        "/bin/check", "10.0.0.1", "x=%h", "8080"
    ]
