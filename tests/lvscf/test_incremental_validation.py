"""Validation and the model after an edit reuse what was computed for the untouched blocks.

The oracle is a whole-file validation of the re-parsed text: after any sequence of edits (on
the document itself or on copies of it, with findings computed in between) the incremental
findings must be the same findings, in the same order.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from piranha_web.lvscf import Document, parse
from piranha_web.lvscf.cross_index import CrossIndex, cross_index
from piranha_web.lvscf.rules_blocks import cross_findings
from piranha_web.lvscf.validate import validate
from tests.lvscf.test_properties import apply_random_edit
from tests.strategies import Shadow, documents

SETTINGS = settings(max_examples=80)

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


def _randomly_edited(doc: Document, shadow: Shadow, data: st.DataObject,
                     between: Callable[[Document], object]) -> Document:
    """``doc`` after 1 to 8 random edits, some on copies (made before an edit), with
    ``between(doc)`` after some of them."""
    for _ in range(data.draw(st.integers(1, 8))):
        if data.draw(st.booleans()):
            doc = doc.copy()
        apply_random_edit(data, doc, shadow)
        if data.draw(st.booleans()):
            between(doc)
    return doc


@SETTINGS
@given(documents(), st.data())
def test_incremental_validation_equals_a_full_validation_after_random_edits(
    drawn: tuple[str, Shadow], data: st.DataObject
) -> None:
    text, shadow = drawn
    doc = parse(text)
    validate(doc)

    def same_as_full(doc: Document) -> None:
        assert validate(doc) == validate(parse(doc.dumps()))

    doc = _randomly_edited(doc, shadow, data, same_as_full)
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


def _index_state(index: CrossIndex) -> tuple[object, ...]:
    return (dict(index.counts), index.conflicts, index.virtuals, index.active)


def _cross_calls(doc: Document) -> list[tuple[object, ...]]:
    found: list[tuple[object, ...]] = []
    cross_findings(doc.blocks(), doc.model().virtuals, lambda *call: found.append(call))
    return found


@SETTINGS
@given(documents(), st.data())
def test_the_cross_block_index_follows_edits_and_counts_exactly_the_collisions(
    drawn: tuple[str, Shadow], data: st.DataObject
) -> None:
    """Updated from the copied document's index by the changed blocks only, it equals an index
    built from the text, and it counts a collision exactly when the rules would report one."""
    text, shadow = drawn
    doc = parse(text)
    cross_index(doc)
    doc = _randomly_edited(doc, shadow, data, cross_index)
    assert _index_state(cross_index(doc)) == _index_state(cross_index(parse(doc.dumps())))
    assert (cross_index(doc).conflicts == 0) == (_cross_calls(doc) == [])


COLLIDING = """\
virtual web {
     active = 1
     address = 192.0.2.10 eth0:1
     port = 80
}
virtual mail {
     active = 1
     address = 192.0.2.11 eth0:2
     port = 25
     fwmark = 7
     persistent = 60
}
"""


def _edited(doc: Document, *edits: tuple[str, str, str]) -> Document:
    """A copy of ``doc`` with ``(key, value, virtual)`` set, its index checked against one
    built from its text."""
    doc = doc.copy()
    for key, value, virtual in edits:
        doc.set(key, value, virtual=virtual)
    assert _index_state(cross_index(doc)) == _index_state(cross_index(parse(doc.dumps())))
    return doc


def _codes(doc: Document) -> list[str]:
    wanted = ("duplicate-name", "duplicate-service", "fwmark-persistence", "shared-device",
              "shared-fwmark")
    return [f.code for f in validate(doc) if f.code in wanted]


def test_collisions_appear_and_go_with_the_edits_that_make_and_mend_them() -> None:
    doc = parse(COLLIDING)
    assert cross_index(doc).conflicts == 0
    same_service = _edited(doc, ("fwmark", "0", "mail"), ("port", "80", "mail"),
                           ("address", "192.0.2.10 eth0:2", "mail"))
    assert cross_index(same_service).conflicts == 1
    assert _codes(same_service) == ["duplicate-service"]
    shared_device = _edited(same_service, ("address", "192.0.2.11 eth0:1", "mail"))
    assert cross_index(shared_device).conflicts == 1
    assert _codes(shared_device) == ["shared-device"]
    mended = _edited(shared_device, ("address", "192.0.2.11 eth0:2", "mail"))
    assert cross_index(mended).conflicts == 0 and _codes(mended) == []
    one_mark = _edited(doc, ("fwmark", "7", "web"), ("persistent", "30", "web"))
    assert cross_index(one_mark).conflicts == 2  # two persistences, two active holders
    assert sorted(_codes(one_mark)) == ["fwmark-persistence", "shared-fwmark"]
    agreed = _edited(one_mark, ("persistent", "60", "web"))
    assert cross_index(agreed).conflicts == 1 and _codes(agreed) == ["shared-fwmark"]
    one_holder = _edited(agreed, ("active", "0", "mail"))
    assert cross_index(one_holder).conflicts == 0 and _codes(one_holder) == []


def test_two_blocks_with_one_name_are_one_collision() -> None:
    doc = parse(COLLIDING + COLLIDING.split("virtual mail")[0])
    assert cross_index(doc).conflicts == 2  # the name, and the same service again
    assert sorted(_codes(doc)) == ["duplicate-name", "duplicate-service"]
