"""keepalived.conf cut into top-level sections: nothing lost, titles, pages of sections."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piranha_web.lvscf import parse
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.keepalived.sections import section_ends, split_sections
from tests.web.conftest import BASE


def test_a_generated_file_splits_into_its_blocks_with_their_comments() -> None:
    text = export_keepalived(parse(BASE), "primary", check_command="/usr/bin/piranha-web",
                            check_dir=None).text  # MISC_CHECK: no track_file blocks first
    sections = split_sections(text)
    assert "".join(s.text for s in sections) == text
    titles = [s.title for s in sections]
    assert titles[:2] == ["global_defs", "vrrp_instance VI_1"]
    assert titles[2].startswith("virtual_server 192.0.2.10 80")
    assert "# virtual web (lvs.cf line 6)" in sections[2].text  # the comment stays with it
    assert len(section_ends(text)) == len(sections)


@pytest.mark.parametrize(("text", "titles"), [
    ("", []),
    ("a {\n}\n", ["a"]),
    ("only a line\n", ["only a line"]),
    ("a {\n}\n# after the last block\n", ["a"]),
    ("a {\n  b {\n  }\n}\nc {\n}", ["a", "c"]),
    ("# head\n\nx {\n}  \ny {\n}\n", ["x", "y"]),
    ("}\n}\n", ["}", "}"]),
])
def test_edge_cases_keep_every_character(text: str, titles: list[str]) -> None:
    sections = split_sections(text)
    assert [s.title for s in sections] == titles
    assert "".join(s.text for s in sections) == text


def test_a_page_of_sections_is_the_same_as_the_slice_of_all() -> None:
    text = "".join(f"# block {n}\nvirtual_server 10.0.0.{n} 80 {{\n    x\n}}\n" for n in range(45))
    everything = split_sections(text)
    assert split_sections(text, 20, 20) == everything[20:40]
    assert split_sections(text, 40, 20) == everything[40:]
    assert split_sections(text, 60, 20) == []


@given(st.lists(st.sampled_from(["}\n", "a {\n", "  }\n", "# c\n", "\n", "}", "x"]),
                max_size=30))
def test_any_text_comes_back_whole(parts: list[str]) -> None:
    text = "".join(parts)
    assert "".join(s.text for s in split_sections(text)) == text
