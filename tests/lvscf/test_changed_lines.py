"""Edits know what they changed: ``Document.changes()`` against whole-text comparison."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from piranha_web.lvscf import parse
from piranha_web.lvscf.changed_lines import ChangedLines, Hunk
from tests.lvscf.test_properties import apply_random_edit
from tests.strategies import Shadow, documents

SETTINGS = settings(max_examples=80)

TEXT = """serial_no = 7
primary = 192.0.2.1
service = lvs
network = direct

# the web farm
virtual www {
     active = 1
     address = 198.51.100.1 eth0:1
     port = 80
     server rs1 {
         address = 10.0.0.1
         active = 1
     }
     server rs2 {
         address = 10.0.0.2
         active = 1
     }
}
virtual mail {
     active = 1
     address = 198.51.100.2 eth0:2
     port = 25
}
"""


def apply_hunks(old: list[str], changes: ChangedLines) -> list[str]:
    """Patch ``old`` with the hunks, checking every removed line and every line number."""
    out: list[str] = []
    position = 0
    for hunk in changes:
        start = hunk.old_start - 1
        assert start >= position, "hunks are in file order and do not overlap"
        out += old[position:start]
        assert hunk.new_start == len(out) + 1, "the new line number is where the hunk lands"
        assert tuple(old[start : start + len(hunk.removed)]) == hunk.removed
        out += hunk.added
        position = start + len(hunk.removed)
    return out + old[position:]


def test_a_key_change_and_the_serial_bump_are_two_hunks_with_their_blocks() -> None:
    doc = parse(TEXT).copy()
    doc.set("active", "0", virtual="www", server="rs2")
    doc.set("serial_no", "8")
    assert doc.changes() == ChangedLines((
        Hunk(1, 1, ("serial_no = 7",), ("serial_no = 8",), "global"),
        Hunk(17, 17, ("         active = 1",), ("         active = 0",),
             "virtual www / server rs2"),
    ))


def test_an_added_key_and_a_removed_block_have_their_line_numbers() -> None:
    doc = parse(TEXT).copy()
    doc.set("timeout", "10", virtual="mail")
    doc.remove_server("www", "rs1")
    changes = doc.changes()
    assert [(h.where, h.removed[:1], h.added) for h in changes] == [
        ("virtual www / server rs1", ("     server rs1 {",), ()),
        ("virtual mail", (), ("     timeout = 10",)),
    ]
    assert changes.hunks[0].old_start == 11 and changes.hunks[1].new_start == 20
    assert apply_hunks(TEXT.splitlines(), changes) == doc.dumps().splitlines()


def test_setting_a_value_back_changes_nothing() -> None:
    doc = parse(TEXT).copy()
    doc.set("port", "8080", virtual="www")
    doc.set("port", "80", virtual="www")
    assert not doc.changes()


def test_editing_a_copy_leaves_the_original_and_other_copies_alone() -> None:
    original = parse(TEXT)
    first, second = original.copy(), original.copy()
    first.set("port", "81", virtual="www")
    first.add_server("www", "rs3", {"address": "10.0.0.3"})
    second.remove_virtual("mail")
    original.set("port", "82", virtual="mail")
    assert "port = 81" not in original.dumps() and "rs3" not in second.dumps()
    assert "port = 82" not in first.dumps() and "virtual mail" in first.dumps()
    assert parse(TEXT).dumps() == TEXT
    changes = first.changes()
    assert sorted(line for hunk in changes for line in hunk.added) == sorted([
        "     port = 81", "     server rs3 {", "         address = 10.0.0.3", "     }"])
    assert apply_hunks(TEXT.splitlines(), changes) == first.dumps().splitlines()


@SETTINGS
@given(documents(), st.data(), st.booleans())
def test_changes_of_random_edit_sequences_patch_the_old_text_into_the_new_one(
    drawn: tuple[str, Shadow], data: st.DataObject, copied: bool
) -> None:
    text, shadow = drawn
    parsed = parse(text)
    doc = parsed.copy() if copied else parsed
    for _ in range(data.draw(st.integers(1, 6))):
        apply_random_edit(data, doc, shadow)
        midway = doc.changes()  # kept until the next edit, which must not find it again
        assert apply_hunks(text.splitlines(), midway) == doc.dumps().splitlines()
    new = doc.dumps()
    changes = doc.changes()
    assert apply_hunks(text.splitlines(), changes) == new.splitlines()
    assert bool(changes) == (new != text)
    assert all(hunk.removed != hunk.added for hunk in changes)
    assert apply_hunks(text.splitlines(), ChangedLines.between(text, new)) == new.splitlines()
    if copied:
        assert parsed.dumps() == text, "editing a copy never changes the original"
    doc.reread_changes()
