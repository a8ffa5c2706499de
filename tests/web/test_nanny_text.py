"""How the monitoring page shows what nanny will send, expect and run."""

from __future__ import annotations

import pytest

from piranha_web.web.nanny_text import Piece, nanny_pieces


@pytest.mark.parametrize(
    ("written", "pieces"),
    [
        ("GET / HTTP/1.0\\r\\n", [Piece("GET / HTTP/1.0"), Piece("CR", "control"),
                                  Piece("LF", "control")]),
        ("a\\tb", [Piece("a"), Piece("TAB", "control"), Piece("b")]),
        ("say \\\"hi\\\" \\\\ \\'x\\'", [Piece("say \"hi\" \\ 'x'")]),
        ("HTTP/1\\.1", [Piece("HTTP/1"), Piece("\\.", "bad-escape"), Piece("1")]),
        ("abc\\", [Piece("abc"), Piece("\\", "bad-escape")]),
        ("\\", [Piece("\\")]),  # nanny converts only strings of two or more characters
        ("", []),
    ],
)
def test_escapes_are_decoded_like_nanny_and_control_characters_made_visible(
    written: str, pieces: list[Piece]
) -> None:
    assert nanny_pieces(written) == pieces
