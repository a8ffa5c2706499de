"""Validation and the model after an edit reuse what was computed for the untouched blocks.

The oracle is a whole-file validation of the re-parsed text: after any sequence of edits (on
the document itself or on copies of it, with findings computed in between) the incremental
findings must be the same findings, in the same order.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from piranha_web.lvscf import Document, parse
from piranha_web.lvscf.validate import validate
from tests.lvscf.test_properties import apply_random_edit
from tests.strategies import Shadow, documents

SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

DUPLICATES = """\
serial_no = 1
virtual a {
     active = 1
     active = 0
     x_unknown = 1
}
# moved down by edits above
virtual b {
     timeout = 5
     timeout = 6
     server s {
         weight = 1
         weight = 2
     }
}
"""


@SETTINGS
@given(documents(), st.data())
def test_incremental_validation_equals_a_full_validation_after_random_edits(
    drawn: tuple[str, Shadow], data: st.DataObject
) -> None:
    text, shadow = drawn
    doc = parse(text)
    validate(doc)
    for _ in range(data.draw(st.integers(1, 8))):
        if data.draw(st.booleans()):
            doc = doc.copy()
        apply_random_edit(data, doc, shadow)
        if data.draw(st.booleans()):
            assert validate(doc) == validate(parse(doc.dumps()))
    assert doc.dumps() == Document(list(doc.items), doc.final_newline).dumps()
    again = parse(doc.dumps())
    assert validate(doc) == validate(again)
    assert doc.model() == again.model()


def test_findings_of_an_untouched_block_move_with_it_when_lines_are_added_above() -> None:
    doc = parse(DUPLICATES)
    before = {f.code: f for f in validate(doc) if f.where == "virtual b"}
    edited = doc.copy()
    edited.set("primary", "10.0.0.1")
    edited.add_server("a", "new", {"address": "10.0.0.9", "active": "1"})
    after = {f.code: f for f in validate(edited) if f.where == "virtual b"}
    assert after["duplicate-key"].line == before["duplicate-key"].line + 5
    assert "already set on line 14:" in after["duplicate-key"].message
    assert validate(edited) == validate(parse(edited.dumps()))


def test_block_findings_follow_a_change_of_the_routing_method() -> None:
    doc = parse(DUPLICATES + "network = direct\n")
    doc.set("port", "80", virtual="b")
    doc.set("port", "8080", virtual="b", server="s")
    assert any(f.code == "port-mapping" for f in validate(doc))
    nat = doc.copy()
    nat.set("network", "nat")
    assert not any(f.code == "port-mapping" for f in validate(nat))
    assert validate(nat) == validate(parse(nat.dumps()))


def test_an_edited_block_is_validated_again_in_a_document_that_owns_it() -> None:
    doc = parse(DUPLICATES)
    assert any(f.code == "unknown-key" for f in validate(doc))
    doc.set("timeout", "not-a-number", virtual="a")
    doc.unset("active", virtual="a")
    found = validate(doc)
    assert not any(f.code == "duplicate-key" and f.where == "virtual a" for f in found)
    assert found == validate(parse(doc.dumps()))
