"""line_diff: the changed lines of an edit, right on any input, quick on huge repetitive files."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bench.bench_core import generate
from piranha_web.lvscf.line_diff import changed
from piranha_web.web.saving import LineChange, changed_lines

LINES = st.lists(st.sampled_from(["a", "b", "c", "}", "x = 1", "x = 2", "server s {"]),
                 max_size=40)


def apply(a: list[str], b: list[str]) -> list[str]:
    """``a`` with the opcodes applied (each replaced/inserted range taken from ``b``)."""
    out: list[str] = []
    at = 0
    for _, i1, i2, j1, j2 in changed(a, b):
        out.extend(a[at:i1])
        out.extend(b[j1:j2])
        at = i2
    return out + a[at:]


@given(LINES, LINES)
def test_the_changes_turn_the_old_lines_into_the_new_ones(a: list[str], b: list[str]) -> None:
    assert apply(a, b) == b
    spans = changed(a, b)
    assert all(i1 <= i2 and j1 <= j2 and (i1, i2, j1, j2) != (i1, i1, j1, j1)
               for _, i1, i2, j1, j2 in spans)
    assert [s[1] for s in spans] == sorted(s[1] for s in spans)


def test_a_toggle_deep_in_a_1000_virtual_server_file_is_two_line_changes() -> None:
    """serial_no on line 1 and one ``active`` line 94k lines further, the same texts between
    (difflib alone needed about ten minutes for this)."""
    old = generate(1000, 32)
    new = old.replace("serial_no = 1", "serial_no = 2").replace(
        "virtual vs537 {\n     active = 1", "virtual vs537 {\n     active = 0")
    line = old.splitlines().index("virtual vs537 {") + 2
    assert changed_lines(old, new) == (
        LineChange("-", 1, "serial_no = 1", "global"),
        LineChange("+", 1, "serial_no = 2", "global"),
        LineChange("-", line, "     active = 1", "virtual vs537"),
        LineChange("+", line, "     active = 0", "virtual vs537"))


def test_a_virtual_server_added_in_the_middle_of_a_big_file_is_its_own_lines() -> None:
    old = generate(300, 8)
    lines = old.splitlines(keepends=True)
    at = lines.index("virtual vs150 {\n")
    block = ["virtual new {\n", "     active = 0\n", "     port = 80\n", "}\n"]
    new = "".join(lines[:at] + block + lines[at:]).replace("serial_no = 1", "serial_no = 2")
    changes = changed_lines(old, new)
    assert [c.text for c in changes if c.sign == "-"] == ["serial_no = 1"]
    assert [(c.line, c.text) for c in changes if c.sign == "+"] == [
        (1, "serial_no = 2"), *[(at + 1 + n, b.rstrip("\n")) for n, b in enumerate(block)]]
