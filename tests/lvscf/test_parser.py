"""The parser reads lvs.cf like Piranha's C parser and keeps every byte.

Where the C parser silently misreads (CRLF, NUL, a block never closed) the parser refuses with
a line and column instead, so nothing is saved that pulse would read differently.
"""

from __future__ import annotations

import pytest

from piranha_web.errors import ParseError
from piranha_web.lvscf import parse
from piranha_web.lvscf.syntax import Block, Statement, Trivia

SMALL = """serial_no = 3
# the primary router
primary = 192.0.2.1
virtual web {
     active = 1
     server rs1 {
         address = 10.0.0.1
     }
}
"""


def problems(text: str) -> list[tuple[int, int]]:
    with pytest.raises(ParseError) as caught:
        parse(text)
    return [(p.line, p.column) for p in caught.value.problems]


def test_text_renders_back_byte_for_byte() -> None:
    assert parse(SMALL).dumps() == SMALL


@pytest.mark.parametrize("text", ["", "\n", "primary = 192.0.2.1", "a\n\n\n", "  \t\n# x"])
def test_edge_texts_render_back_exactly(text: str) -> None:
    """An empty file, a missing final newline and trailing blank lines all survive."""
    assert parse(text).dumps() == text


def test_blocks_nest_and_statements_land_in_their_block() -> None:
    doc = parse(SMALL)
    (web,) = doc.blocks("virtual")
    (rs1,) = [item for item in web.body if isinstance(item, Block)]
    assert rs1.name == "rs1"
    assert [s.key for s in rs1.body if isinstance(s, Statement)] == ["address"]
    assert doc.get("address", virtual="web", server="rs1") == "10.0.0.1"


def test_unknown_keys_and_odd_spacing_survive_a_round_trip() -> None:
    text = "bogus_key   =\tvalue\nvirtual a {\n\tnmask = 255.0.0.0\n  }  # end\n"
    doc = parse(text)
    assert doc.dumps() == text
    assert doc.get("nmask", virtual="a") == "255.0.0.0"


def test_comments_directly_above_a_block_belong_to_it() -> None:
    doc = parse("primary = 192.0.2.1\n\n# web service\nvirtual web {\n}\n")
    (web,) = doc.blocks()
    assert [t.raw for t in web.leading] == ["", "# web service"]


def test_file_header_comments_stay_with_the_document() -> None:
    """Comments at the top of the file up to its last blank line are the file's header."""
    doc = parse("# lvs.cf of router A\n\n# web service\nvirtual web {\n}\n")
    assert isinstance(doc.items[0], Trivia) and doc.items[0].raw == "# lvs.cf of router A"
    (web,) = doc.blocks()
    assert [t.raw for t in web.leading] == ["# web service"]


def test_crlf_line_ends_are_refused_at_the_first_cr() -> None:
    """The C reader would silently skip every line after the first one."""
    with pytest.raises(ParseError) as caught:
        parse("primary = 192.0.2.1\r\nkeepalive = 7\r\n")
    assert (caught.value.line, caught.value.column) == (1, 20)
    assert "carriage return" in caught.value.message


def test_nul_byte_is_refused() -> None:
    assert problems("primary = 192.0.2.1\nkeep\x00alive = 7\n") == [(2, 5)]


def test_block_never_closed_is_refused_at_its_opener() -> None:
    """The C parser accepts it and reads the rest of the file into the block."""
    text = "virtual a {\n     port = 80\n     server s {\n         weight = 1\n}\n"
    assert problems(text) == [(1, 1)]


def test_closing_brace_without_an_open_block_is_refused() -> None:
    assert problems("primary = 192.0.2.1\n}\n") == [(2, 1)]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("server s {\n}\n", 1),  # a real server outside a virtual server
        ("virtual a {\n virtual b {\n }\n}\n", 2),  # virtual inside virtual
        ("virtual a {\n server s {\n  server t {\n  }\n }\n}\n", 3),  # server inside server
        ("virtual a\n{\n}\n", 1),  # '{' must be on the opener's line
        ("virtual a{\n}\n", 1),  # '{' must be a separate word
    ],
)
def test_misplaced_or_malformed_block_openers_are_refused(text: str, line: int) -> None:
    assert line in [p[0] for p in problems(text)]


def test_every_problem_of_a_file_is_reported_in_line_order() -> None:
    text = "a = 1\n}\nserver s {\n}\nvirtual v {\n"
    assert [p[0] for p in problems(text)] == [2, 3, 5]


def test_quotation_mismatch_in_a_value_is_kept_on_the_line_for_the_validator() -> None:
    """It spoils only that line: the rest of the file is still read (and reported on)."""
    text = 'virtual a {\n     expect = "OK" \n     port = 80\n}\n'
    doc = parse(text)
    assert doc.dumps() == text
    stmt = doc.statements(virtual="a")[0]
    assert stmt.quoting_error == 15
    assert doc.get("port", virtual="a") == "80"


def test_quotation_mismatch_in_a_block_opener_is_a_parse_error() -> None:
    assert problems('virtual "a b {\n}\n')[0][0] == 1


def test_text_after_a_closing_brace_is_kept() -> None:
    text = "virtual a {\n} # end of a\n"
    assert parse(text).dumps() == text
