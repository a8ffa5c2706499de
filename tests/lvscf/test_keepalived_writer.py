"""The keepalived writer refuses or neutralises everything keepalived's parser would misread."""

from __future__ import annotations

import pytest

from piranha_web.errors import KeepalivedValueError
from piranha_web.lvscf.keepalived import writer as w


@pytest.mark.parametrize("value", ["10.0.0.1 10.0.0.2", "10.0.0.1#", "$VIP", "10.0.0", "",
                                   "::1", "10.0.0.1\n}", "10.0.0.256"])
def test_an_address_that_is_not_one_ipv4_address_is_refused(value: str) -> None:
    with pytest.raises(KeepalivedValueError):
        w.ip(value)


@pytest.mark.parametrize("value", ["eth0 label", "eth0#", "eth0}", "$IF", "eth0:1",
                                   "a" * 16, "", "..", "eth0/1", "eth0\n"])
def test_a_device_name_the_kernel_or_keepalived_would_misread_is_refused(value: str) -> None:
    with pytest.raises(KeepalivedValueError):
        w.ifname(value)


@pytest.mark.parametrize("arg", ['"', "a b", "$(id)", "x#y", "x!y", "{", "a\\b", "'", "@x", ""])
def test_a_command_word_with_a_character_keepalived_would_interpret_is_refused(arg: str) -> None:
    with pytest.raises(KeepalivedValueError):
        w.command(["/usr/bin/piranha-web", arg])


def test_a_relative_program_is_refused() -> None:
    with pytest.raises(KeepalivedValueError, match="absolute"):
        w.command(["piranha-web", "check-server"])


def test_comments_show_unusual_characters_as_escapes() -> None:
    text = w.comment_text('we{b}$X#"!@\\ ok\x00é')
    assert text == "we\\x7bb\\x7d\\x24X\\x23\\x22\\x21\\x40\\x5c ok\\x00\\xc3\\xa9"


def test_lines_accept_only_checked_words_and_block_bodies_that_fail_leave_nothing() -> None:
    out = w.ConfWriter()
    with pytest.raises(TypeError):
        out.line("weight", "1")  # type: ignore[arg-type]
    with pytest.raises(KeepalivedValueError), out.block("real_server", w.ip("10.0.0.1")):
        out.line("weight", w.number(1))
        w.ip("nonsense")
    assert out.lines == []


def test_an_overlong_line_is_refused() -> None:
    out = w.ConfWriter()
    with pytest.raises(KeepalivedValueError, match="characters long"):
        out.line("misc_path", w.Word("x" * (w.MAX_LINE + 1)))
