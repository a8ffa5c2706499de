"""Values are read as lvsconfig.c reads them and rendered so they cannot break a line."""

from __future__ import annotations

import pytest

from piranha_web.errors import EditError
from piranha_web.lvscf.values import (
    c_bool,
    c_int,
    c_port,
    check_text,
    check_word,
    dotted,
    has_leading_zero,
    inet_aton,
    is_dotted_quad,
    netmask_prefix,
    render_string,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [("10", 10), ("010", 8), ("0x10", 16), ("0X1f", 31), ("-5", -5), ("+7", 7), ("0", 0)],
)
def test_integers_are_read_like_strtol_base_0(text: str, value: int) -> None:
    assert c_int(text) == value


@pytest.mark.parametrize("text", ["", "08", "1.5", "10s", "yes", "0x", "--1", "1 2"])
def test_integers_must_use_the_whole_token(text: str) -> None:
    assert c_int(text) is None


def test_leading_zero_is_flagged_only_for_octal_looking_numbers() -> None:
    assert has_leading_zero("010") and has_leading_zero("-07")
    assert not has_leading_zero("0") and not has_leading_zero("0x10")
    assert not has_leading_zero("10")


def test_booleans_are_integers_0_or_1() -> None:
    assert (c_bool("1"), c_bool("0"), c_bool("0x1")) == (True, False, True)
    assert c_bool("2") is None and c_bool("yes") is None


def test_ports_may_be_numbers_or_service_names() -> None:
    assert (c_port("8080"), c_port("http"), c_port("https")) == (8080, 80, 443)
    assert c_port("no-such-service") is None


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("10.1", "10.0.0.1"),
        ("10.1.2", "10.1.0.2"),
        ("167772161", "10.0.0.1"),
        ("0x0a000001", "10.0.0.1"),
        ("012.0.0.1", "10.0.0.1"),
    ],
)
def test_inet_aton_accepts_the_legacy_forms(text: str, address: str) -> None:
    value = inet_aton(text)
    assert value is not None and dotted(value) == address


@pytest.mark.parametrize("text", ["256.0.0.1", "1.2.3.4.5", "a.b.c.d", "", "1..2", "10.0.0.08"])
def test_inet_aton_rejects_what_the_c_library_rejects(text: str) -> None:
    assert inet_aton(text) is None


def test_dotted_quad_is_strict() -> None:
    assert is_dotted_quad("192.0.2.1")
    assert not is_dotted_quad("10.1") and not is_dotted_quad("010.0.0.1")
    assert not is_dotted_quad("256.0.0.1")


def test_netmask_prefix_only_for_contiguous_masks() -> None:
    assert netmask_prefix("255.255.255.0") == 24
    assert netmask_prefix("255.255.255.255") == 32
    assert netmask_prefix("0.0.0.0") == 0
    assert netmask_prefix("255.0.255.0") is None


@pytest.mark.parametrize("value", ["a\nb", "a\rb", "a\x00b", "a\tb", "caf\u00e9", "\x7f"])
def test_check_text_refuses_what_can_never_be_in_a_value(value: str) -> None:
    with pytest.raises(EditError):
        check_text("send", value)


@pytest.mark.parametrize("value", ["", "a b", 'a"b', "'a", "a#b", "{", "}", "="])
def test_bare_words_refuse_blanks_quotes_hash_braces(value: str) -> None:
    with pytest.raises(EditError):
        check_word("scheduler", value)


def test_render_string_quotes_free_text() -> None:
    assert render_string("send", "GET / HTTP/1.0\\r\\n") == '"GET / HTTP/1.0\\r\\n"'
    assert render_string("send", "") == '""'


def test_render_string_may_leave_a_plain_word_bare() -> None:
    assert render_string("expect", "HTTP", bare_ok=True) == "HTTP"
    assert render_string("expect", "a b", bare_ok=True) == '"a b"'


def test_render_string_refuses_a_double_quote_it_cannot_escape() -> None:
    with pytest.raises(EditError) as caught:
        render_string("send", 'say "hi"')
    assert caught.value.key == "send"


def test_render_string_keeps_single_quotes_when_asked_and_possible() -> None:
    assert render_string("send", 'a "b"', quote="'") == "'a \"b\"'"


# one number parser: never raises, whatever the text ----------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from piranha_web.lvscf.values import LONG_MAX, LONG_MIN, decimal  # noqa: E402

NUMBERISH = st.text(alphabet=st.sampled_from("0123456789+-xX \t²٣abcdef\u0660"), max_size=40)


@given(st.one_of(st.text(), NUMBERISH, st.integers().map(str)))
def test_reading_a_number_never_raises_on_any_text(text: str) -> None:
    for reader in (c_int, decimal, c_bool, c_port, inet_aton, is_dotted_quad):
        reader(text)


@given(st.integers(min_value=LONG_MIN, max_value=LONG_MAX))
def test_numbers_within_a_long_read_back_exactly(value: int) -> None:
    assert c_int(str(value)) == value
    assert decimal(str(value)) == value


def test_thousands_of_digits_saturate_like_strtol_instead_of_raising() -> None:
    assert c_int("9" * 5000) == LONG_MAX
    assert c_int("-" + "9" * 4301) == LONG_MIN
    assert c_int("0" + "7" * 4400) == LONG_MAX  # octal
    assert c_int("0" * 5000 + "12") == 0o12
    assert decimal("4" * 4301) == LONG_MAX
    assert is_dotted_quad("1" * 4301 + ".1.1.1") is False
    assert inet_aton("1" * 4301) is None


@pytest.mark.parametrize("text", ["²", "٣", "１２", "1²", "\u0663\u0664"])
def test_unicode_digits_are_not_numbers(text: str) -> None:
    assert c_int(text) is None
    assert decimal(text) is None


# the strict dotted quad, as Python's ipaddress reads it --------------------------------------

import ipaddress  # noqa: E402

from piranha_web.lvscf.values import dotted_quad  # noqa: E402

QUADISH = st.text(alphabet=st.sampled_from("0123456789.\u0663 x"), max_size=20)


@given(st.one_of(QUADISH, st.ip_addresses(v=4).map(str)))
def test_the_strict_dotted_quad_reads_like_ipaddress_and_inet_aton(text: str) -> None:
    try:
        expected: int | None = int(ipaddress.IPv4Address(text))
    except ValueError:
        expected = None
    assert dotted_quad(text) == expected
    assert is_dotted_quad(text) == (expected is not None)
    if expected is not None:
        assert inet_aton(text) == expected
