"""Property tests: any valid file round-trips, any edit sequence keeps it readable and exact.

Documents come from :func:`tests.strategies.documents` (random comments, blank lines,
indentation, spacing and unknown keys).  A :class:`Shadow` of plain dictionaries is edited
alongside the document; after every edit the re-parsed text must hold exactly the shadow.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piranha_web.errors import EditError, NotFoundError
from piranha_web.lvscf import Document, parse
from piranha_web.lvscf.syntax import Block
from tests.strategies import (
    EDITABLE,
    Shadow,
    VirtualShadow,
    documents,
    names,
    value_for,
)


def assert_holds(doc: Document, shadow: Shadow) -> None:
    """The rendered text parses back to exactly what the shadow says, and nothing else."""
    text = doc.dumps()
    again = parse(text)
    assert again.dumps() == text
    assert again.model() == doc.model()
    for key in EDITABLE["global"]:
        assert again.get(key) == shadow.globals.get(key), key
    assert again.virtual_names() == list(shadow.virtuals)
    for vname, virtual in shadow.virtuals.items():
        for key in EDITABLE["virtual"]:
            assert again.get(key, virtual=vname) == virtual.keys.get(key), (vname, key)
        block = again.find_virtual(vname)
        assert [b.name for b in block.body if isinstance(b, Block)] == list(virtual.servers)
        for sname, keys in virtual.servers.items():
            for key in EDITABLE["server"]:
                assert again.get(key, virtual=vname, server=sname) == keys.get(key)


@given(documents())
def test_random_valid_documents_round_trip_byte_for_byte(drawn: tuple[str, Shadow]) -> None:
    text, shadow = drawn
    doc = parse(text)
    assert doc.dumps() == text
    assert_holds(doc, shadow)


def _scope(data: st.DataObject, shadow: Shadow) -> tuple[str, dict[str, str], dict[str, str]]:
    """A random scope: (kind, its shadow keys, the keyword arguments that address it)."""
    choices: list[tuple[str, dict[str, str], dict[str, str]]] = [("global", shadow.globals, {})]
    for vname, virtual in shadow.virtuals.items():
        choices.append(("virtual", virtual.keys, {"virtual": vname}))
        for sname, keys in virtual.servers.items():
            choices.append(("server", keys, {"virtual": vname, "server": sname}))
    return data.draw(st.sampled_from(choices))


def _values(data: st.DataObject, scope: str) -> dict[str, str]:
    keys = data.draw(st.lists(st.sampled_from(EDITABLE[scope]), unique=True, max_size=4))
    return {key: data.draw(value_for(scope, key)) for key in keys}


def _reorder(order: list[str], name: str, before: str | None) -> list[str]:
    rest = [n for n in order if n != name]
    index = rest.index(before) if before is not None else len(rest)
    return [*rest[:index], name, *rest[index:]]


def apply_random_edit(data: st.DataObject, doc: Document, shadow: Shadow) -> None:
    """Draw one edit, apply it to ``doc`` and to ``shadow`` (a refused edit changes neither)."""
    vnames = list(shadow.virtuals)
    edit = data.draw(st.sampled_from(
        ["set", "set", "set", "unset", "add_virtual", "add_server", "remove", "rename", "move"]
    ))
    if edit in ("set", "unset"):
        scope, keys, where = _scope(data, shadow)
        key = data.draw(st.sampled_from(EDITABLE[scope]))
        if edit == "unset":
            doc.unset(key, **where)
            keys.pop(key, None)
            return
        value = data.draw(st.one_of(value_for(scope, key), st.text(max_size=6)))
        before = doc.dumps()
        try:
            doc.set(key, value, **where)
        except EditError:
            assert doc.dumps() == before, "a refused edit must leave the text alone"
            return
        keys[key] = value
    elif edit == "add_virtual":
        name = data.draw(names.filter(lambda n: n not in shadow.virtuals))
        before_name = data.draw(st.sampled_from([None, *vnames]))
        values = _values(data, "virtual")
        doc.add_virtual(name, values, before=before_name)
        shadow.virtuals[name] = VirtualShadow(dict(values))
        order = _reorder(list(shadow.virtuals), name, before_name)
        shadow.virtuals = {n: shadow.virtuals[n] for n in order}
    elif not vnames:
        return
    else:
        vname = data.draw(st.sampled_from(vnames))
        virtual = shadow.virtuals[vname]
        snames = list(virtual.servers)
        on_server = bool(snames) and edit != "add_server" and data.draw(st.booleans())
        if edit == "add_server":
            name = data.draw(names.filter(lambda n: n not in virtual.servers))
            values = _values(data, "server")
            doc.add_server(vname, name, values)
            virtual.servers[name] = dict(values)
        elif edit == "remove" and on_server:
            sname = data.draw(st.sampled_from(snames))
            doc.remove_server(vname, sname)
            del virtual.servers[sname]
        elif edit == "remove":
            doc.remove_virtual(vname)
            del shadow.virtuals[vname]
        elif edit == "rename" and on_server:
            sname = data.draw(st.sampled_from(snames))
            new = data.draw(names.filter(lambda n: n not in virtual.servers))
            doc.rename_server(vname, sname, new)
            virtual.servers = {new if n == sname else n: k for n, k in virtual.servers.items()}
        elif edit == "rename":
            new = data.draw(names.filter(lambda n: n not in shadow.virtuals))
            doc.rename_virtual(vname, new)
            shadow.virtuals = {new if n == vname else n: v for n, v in shadow.virtuals.items()}
        elif on_server:
            sname = data.draw(st.sampled_from(snames))
            target = data.draw(st.sampled_from([None, *snames]))
            doc.move_server(vname, sname, target)
            if target != sname:
                order = _reorder(snames, sname, target)
                virtual.servers = {n: virtual.servers[n] for n in order}
        else:
            target = data.draw(st.sampled_from([None, *vnames]))
            doc.move_virtual(vname, target)
            if target != vname:
                order = _reorder(vnames, vname, target)
                shadow.virtuals = {n: shadow.virtuals[n] for n in order}


@given(documents(), st.data())
def test_random_edit_sequences_keep_the_file_readable_and_exact(
    drawn: tuple[str, Shadow], data: st.DataObject
) -> None:
    text, shadow = drawn
    doc = parse(text)
    for _ in range(data.draw(st.integers(1, 8))):
        apply_random_edit(data, doc, shadow)
        assert_holds(doc, shadow)


@given(documents(), st.data())
def test_after_random_edits_of_copies_each_document_finds_its_own_blocks_by_name(
    drawn: tuple[str, Shadow], data: st.DataObject
) -> None:
    """The name index is shared by copies and kept through value edits: a lookup must still
    give the block of the document asked, never one it shares no longer or one renamed."""
    text, shadow = drawn
    doc = parse(text)
    earlier: list[tuple[Document, str]] = []
    for _ in range(data.draw(st.integers(1, 8))):
        if data.draw(st.booleans()):
            earlier.append((doc, doc.dumps()))
            doc = doc.copy()
        apply_random_edit(data, doc, shadow)
        everyone = [doc, *(d for d, _ in earlier)]
        names_anywhere = {b.name for d in everyone for b in d.blocks("virtual")}
        for each in everyone:
            own = {b.name: b for b in each.blocks("virtual")}
            for name in names_anywhere:
                if name in own:
                    assert each.find_virtual(name) is own[name]
                else:
                    with pytest.raises(NotFoundError):
                        each.find_virtual(name)
    assert [d.dumps() for d, _ in earlier] == [t for _, t in earlier]


@given(documents(), st.data())
def test_an_edit_followed_by_its_inverse_restores_the_bytes(
    drawn: tuple[str, Shadow], data: st.DataObject
) -> None:
    text, shadow = drawn
    doc = parse(text)
    vnames = list(shadow.virtuals)
    kind = data.draw(st.sampled_from(["set", "add", "rename", "move"]))
    if kind == "set":
        scope, keys, where = _scope(data, shadow)
        key = data.draw(st.sampled_from(EDITABLE[scope]))
        doc.set(key, data.draw(value_for(scope, key)), **where)
        doc.set(key, keys.get(key), **where)  # None: it was absent, so unset it
    elif kind == "add":
        taken = set(shadow.virtuals) | set(shadow.virtuals[vnames[0]].servers if vnames else ())
        name = data.draw(names.filter(lambda n: n not in taken))
        doc.add_virtual(name, _values(data, "virtual"))
        if vnames:
            doc.add_server(vnames[0], name, _values(data, "server"))
            doc.remove_server(vnames[0], name)
        doc.remove_virtual(name)
    elif not vnames:
        return
    elif kind == "rename":
        vname = data.draw(st.sampled_from(vnames))
        new = data.draw(names.filter(lambda n: n not in shadow.virtuals))
        doc.rename_virtual(vname, new)
        doc.rename_virtual(new, vname)
    else:
        index = data.draw(st.integers(0, len(vnames) - 1))
        successor = vnames[index + 1] if index + 1 < len(vnames) else None
        doc.move_virtual(vnames[index], data.draw(st.sampled_from([None, *vnames])))
        doc.move_virtual(vnames[index], successor)
    assert doc.dumps() == text
