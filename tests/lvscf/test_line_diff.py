"""line_diff: the changed lines of an edit, right on any input, quick on huge repetitive files."""

from __future__ import annotations

import difflib
import re

from hypothesis import given
from hypothesis import strategies as st

from bench.bench_core import generate
from piranha_web.lvscf.line_diff import Opcode, changed, changed_slid, unified
from piranha_web.web.saving import LineChange, compare_texts

LINES = st.lists(st.sampled_from(["a", "b", "c", "}", "x = 1", "x = 2", "server s {"]),
                 max_size=40)


def apply(a: list[str], b: list[str], ops: list[Opcode] | None = None) -> list[str]:
    """``a`` with the opcodes (``changed``'s by default) applied (each replaced/inserted range
    taken from ``b``)."""
    out: list[str] = []
    at = 0
    for _, i1, i2, j1, j2 in changed(a, b) if ops is None else ops:
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


@given(LINES, LINES)
def test_slid_changes_still_turn_the_old_lines_into_the_new_ones(a: list[str], b: list[str]
                                                                  ) -> None:
    slid = changed_slid(a, b)
    assert apply(a, b, slid) == b
    assert [(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in slid] == [
        (i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in changed(a, b)]


def test_a_server_added_beside_a_serial_no_bump_is_shown_whole_not_from_a_brace_before_it(
) -> None:
    old = ["serial_no = 1", "virtual a {", "  server s {", "    x = 1", "  }", "}"]
    new = ["serial_no = 2", "virtual a {", "  server s {", "    x = 1", "  }",
           "  server t {", "    x = 1", "  }", "}"]
    # difflib's insertion starts inside server s: "    x = 1", "  }", "  server t {"
    assert changed(old, new)[1] == ("insert", 3, 3, 3, 6)
    assert changed_slid(old, new) == [("replace", 0, 1, 0, 1), ("insert", 5, 5, 5, 8)]


def test_a_toggle_deep_in_a_1000_virtual_server_file_is_two_line_changes() -> None:
    """serial_no on line 1 and one ``active`` line 94k lines further, the same texts between
    (difflib alone needed about ten minutes for this)."""
    old = generate(1000, 32)
    new = old.replace("serial_no = 1", "serial_no = 2").replace(
        "virtual vs537 {\n     active = 1", "virtual vs537 {\n     active = 0")
    line = old.splitlines().index("virtual vs537 {") + 2
    assert compare_texts(old, new) == (
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
    changes = compare_texts(old, new)
    assert [c.text for c in changes if c.sign == "-"] == ["serial_no = 1"]
    assert [(c.line, c.text) for c in changes if c.sign == "+"] == [
        (1, "serial_no = 2"), *[(at + 1 + n, b.rstrip("\n")) for n, b in enumerate(block)]]


@given(LINES, LINES, st.integers(0, 4))
def test_the_unified_diff_reads_like_difflibs_and_patches_the_old_lines_into_the_new(
    a: list[str], b: list[str], context: int
) -> None:
    diff = unified(a, b, "old", "new", context)
    if a == b:
        assert diff == []
        return
    assert diff[:2] == ["--- old", "+++ new"]
    rebuilt_a: list[str] = []
    rebuilt_b: list[str] = []
    covered_a = covered_b = 0
    for line in diff[2:]:
        if line.startswith("@@"):
            match = re.fullmatch(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", line)
            assert match, line
            start_a, count_a = int(match[1]), int(match[2] or 1)
            start_b, count_b = int(match[3]), int(match[4] or 1)
            first_a = start_a - (1 if count_a else 0)
            first_b = start_b - (1 if count_b else 0)
            rebuilt_a += a[covered_a:first_a]
            rebuilt_b += b[covered_b:first_b]
            covered_a, covered_b = first_a + count_a, first_b + count_b
            continue
        sign, text = line[0], line[1:]
        if sign in " -":
            rebuilt_a.append(text)
        if sign in " +":
            rebuilt_b.append(text)
    assert rebuilt_a + a[covered_a:] == a and rebuilt_b + b[covered_b:] == b


def test_the_unified_diff_is_difflibs_where_both_find_the_same_changes() -> None:
    a = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    b = ["a", "B", "c", "d", "e", "f", "g", "h", "i", "j"]
    for context in (0, 1, 3):
        assert unified(a, b, "x", "y", context) == list(
            difflib.unified_diff(a, b, "x", "y", n=context, lineterm=""))


def test_the_unified_diff_of_a_huge_generated_file_shows_just_its_changes() -> None:
    """A 1,000 x 32 file is 175,000 lines of a few texts (its keepalived.conf 300,000):
    difflib's unified_diff of a change at the top and one deep inside takes minutes."""
    old = generate(1000, 32).splitlines()
    new = list(old)
    new[0] = "serial_no = 2"
    new[94000] = new[94000] + " # changed"
    assert unified(old, new, "installed", "generated", 1) == [
        "--- installed", "+++ generated",
        "@@ -1,2 +1,2 @@", "-serial_no = 1", "+serial_no = 2", " " + old[1],
        "@@ -94000,3 +94000,3 @@", " " + old[93999], "-" + old[94000], "+" + new[94000],
        " " + old[94001]]
