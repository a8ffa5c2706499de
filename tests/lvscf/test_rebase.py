"""Rebasing a stale edit: random concurrent edit pairs never lose either edit and never
overwrite a value that changed since the form was loaded."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from piranha_web.errors import EditError
from piranha_web.lvscf import Document, parse
from piranha_web.lvscf.finding import where_of
from piranha_web.lvscf.rebase import rebase
from piranha_web.lvscf.syntax import Statement
from tests.strategies import EDITABLE, Shadow, documents, value_for

SETTINGS = settings(max_examples=80)
Edit = Callable[[Document], None]
Scope = tuple[str, dict[str, str]]


def values(doc: Document) -> dict[tuple[str, str], str]:
    """Every key's value by (block, key): what an edit can change or lose."""
    found: dict[tuple[str, str], str] = {}
    for _, node, parents in doc.walk():
        if isinstance(node, Statement):
            found[(where_of(parents), node.key)] = node.value
    return found


def scopes(shadow: Shadow) -> list[Scope]:
    out: list[Scope] = [("global", {})]
    for vname, virtual in shadow.virtuals.items():
        out.append(("virtual", {"virtual": vname}))
        out += [("server", {"virtual": vname, "server": s}) for s in virtual.servers]
    return out


@st.composite
def edits(draw: st.DrawFn, shadow: Shadow) -> tuple[Edit, str]:
    """A key edit (set or unset) and the top-level block it is in."""
    scope, where = draw(st.sampled_from(scopes(shadow)))
    key = draw(st.sampled_from(EDITABLE[scope]))
    value = draw(st.one_of(st.none(), value_for(scope, key)))

    def edit(doc: Document) -> None:
        doc.set(key, value, **where)

    return edit, where.get("virtual", "global")


@SETTINGS
@given(documents(), st.data())
def test_concurrent_edit_pairs_never_lose_an_edit_or_overwrite_a_changed_value(
    drawn: tuple[str, Shadow], data: st.DataObject
) -> None:
    text, shadow = drawn
    first, first_block = data.draw(edits(shadow))
    second, second_block = data.draw(edits(shadow))
    base = parse(text)
    saved = base.copy()  # the first editor's save
    alone = base.copy()  # the second edit as if nobody else had saved
    try:
        first(saved)
        second(alone)
    except EditError:
        return
    current = saved.copy()
    accepted = rebase(second, base.copy(), current)
    if first_block != second_block:
        assert accepted, "edits of different blocks never refuse each other"
    if not accepted:
        return
    before, after_first, after_second, result = (
        values(base), values(saved), values(alone), values(current))
    for key in set(before) | set(after_first):
        if before.get(key) != after_first.get(key):
            assert result.get(key) == after_first.get(key), ("first edit lost or overwritten",
                                                             key)
    for key in set(before) | set(after_second):
        if before.get(key) != after_second.get(key):
            assert result.get(key) == after_second.get(key), ("second edit lost", key)
    assert parse(current.dumps()).dumps() == current.dumps()
