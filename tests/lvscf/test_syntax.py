"""The tokenizer splits lines exactly like Piranha's ``tokenizeString`` (quirks included)."""

from __future__ import annotations

import pytest

from piranha_web.lvscf.parser import parse
from piranha_web.lvscf.syntax import (
    Block,
    QuotingError,
    Statement,
    Token,
    Trivia,
    lenient_tokens,
    tokenize,
)


def texts(line: str) -> list[str]:
    return [t.text for t in tokenize(line)]


def test_runs_of_spaces_and_tabs_separate_tokens_and_spans_point_into_the_line() -> None:
    line = "  a\tb  c"
    tokens = tokenize(line)
    assert [t.text for t in tokens] == ["a", "b", "c"]
    assert [line[t.start : t.end] for t in tokens] == ["a", "b", "c"]


def test_equals_and_braces_are_not_self_delimiting() -> None:
    """``primary=10.0.0.1`` is one token for the C parser (then an unknown command)."""
    assert texts("primary=10.0.0.1") == ["primary=10.0.0.1"]
    assert texts("server s{") == ["server", "s{"]


def test_double_quoted_value_with_blanks_is_one_token_without_its_quotes() -> None:
    line = 'send = "GET / HTTP/1.0\\r\\n\\r\\n"'
    assert tokenize(line)[2] == Token("GET / HTTP/1.0\\r\\n\\r\\n", 7, len(line), '"')


def test_single_quotes_quote_too_and_are_remembered() -> None:
    assert tokenize("expect = 'a b'")[2].quote == "'"
    assert texts("expect = 'a b'")[2] == "a b"


def test_hash_inside_quotes_is_data() -> None:
    assert texts('expect = "a#b c"') == ["expect", "=", "a#b c"]


def test_hash_after_a_value_is_just_more_tokens() -> None:
    assert texts("keepalive = 6 # seconds") == ["keepalive", "=", "6", "#", "seconds"]


def test_empty_quotes_give_an_empty_token() -> None:
    assert tokenize('send = ""')[2] == Token("", 7, 9, '"')


def test_backslash_does_not_escape_a_quote() -> None:
    """``"a \\"b\\" c"`` ends at the second quote: several tokens, not one."""
    assert len(tokenize('send = "a \\"b\\" c"')) > 3


@pytest.mark.parametrize(
    "line",
    [
        'send = "abc" ',  # quoted without blanks, then trailing blank: the C scanner quirk
        'send = "abc"def',  # text glued after the closing quote
        'send = "abc',  # never closed
        'send = "',  # a lone quote (C writes before its buffer)
        '"primary" = 10.0.0.1 ',  # quoted key followed by blanks
    ],
)
def test_quotation_mismatch_is_raised_where_the_c_parser_fails(line: str) -> None:
    with pytest.raises(QuotingError) as caught:
        tokenize(line)
    assert line[caught.value.column] in "\"'"


def test_quoted_value_with_blanks_may_have_trailing_blanks() -> None:
    assert texts('send = "a b"   ') == ["send", "=", "a b"]


def test_quoted_value_without_blanks_is_fine_at_the_end_of_the_line() -> None:
    assert texts('expect = "HTTP"') == ["expect", "=", "HTTP"]


def test_lenient_tokens_ignore_quotes_so_parsing_can_go_on() -> None:
    assert [t.text for t in lenient_tokens('send = "abc" ')] == ["send", "=", '"abc"']


def test_statement_reads_key_value_indent_and_assignment() -> None:
    stmt = Statement("     address = 192.0.2.1 eth0:1")
    assert stmt.key == "address"
    assert stmt.has_equals
    assert stmt.value == "192.0.2.1 eth0:1"
    assert stmt.indent == "     "
    assert stmt.assignment() == ("address", "192.0.2.1 eth0:1")


def test_statement_without_equals_or_with_a_quoted_equals_is_no_assignment() -> None:
    assert not Statement("port 80").has_equals
    assert Statement("port 80").assignment() is None
    quoted = Statement('port "="', tokenize('port "="'))
    assert not quoted.has_equals and quoted.assignment() is None
    assert quoted.value == ""


def test_trivia_knows_comments_from_blank_lines() -> None:
    assert Trivia("   # note").is_comment
    assert not Trivia(" \t").is_comment


def test_block_lines_start_with_the_comments_that_belong_to_it() -> None:
    text = "# web\nvirtual web {\n     port = 80\n}\n"
    (block,) = parse(text).items
    assert isinstance(block, Block)
    assert block.lines() == ["# web", "virtual web {", "     port = 80", "}"]
    assert (block.kind, block.name) == ("virtual", "web")
