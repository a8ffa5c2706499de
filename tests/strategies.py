"""Hypothesis strategies for lvs.cf: random valid documents and the values they should hold.

``documents()`` draws the text of a file the C parser accepts, with random comments, blank
lines, indentation, spacing and unknown keys, together with a :class:`Shadow`: the plain
dictionaries of what each known key should read as.  ``value_for(scope, key)`` draws a value an
edit may set.  Strings are written double-quoted, as Piranha's GUI writes them.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

from hypothesis import strategies as st

from piranha_web.lvscf import schema
from piranha_web.lvscf.schema import Kind

PRINTABLE = "".join(ch for ch in string.printable if " " <= ch <= "~")
#: keys a test may set: every key except the bracketed list ``dirs`` (parsed, never used)
EDITABLE = {
    scope: tuple(k.name for k in keys if k.kind is not Kind.LIST)
    for scope, keys in (
        ("global", schema.GLOBAL_KEYS),
        ("virtual", schema.VIRTUAL_KEYS),
        ("server", schema.SERVER_KEYS),
    )
}

names = st.from_regex(r"[A-Za-z0-9_.\[\]-]{1,10}", fullmatch=True)
blanks = st.text(alphabet=" \t", min_size=1, max_size=3)
indents = st.text(alphabet=" \t", max_size=6)
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
devices = st.from_regex(r"eth[0-9](:[0-9]{1,2})?", fullmatch=True)
words = st.from_regex(r"[A-Za-z0-9_./%-]{1,12}", fullmatch=True)
#: text that fits inside double quotes: printable ASCII, with double quotes only before the
#: first blank (lvsconfig.c ends a quoted value at the first quote after a blank)
quotable = st.one_of(
    st.text(alphabet=PRINTABLE.replace('"', ""), max_size=30),
    st.builds(str.__add__, st.text(alphabet=PRINTABLE.replace(" ", ""), max_size=10),
              st.text(alphabet=PRINTABLE.replace('"', ""), max_size=20)),
)
comments = st.builds(lambda indent, text: f"{indent}#{text}", indents,
                     st.text(alphabet=PRINTABLE + "\t", max_size=25))
blank_lines = st.text(alphabet=" \t", max_size=3)
trivia = st.lists(st.one_of(comments, blank_lines), max_size=2)
unknown_keys = st.from_regex(r"x_[a-z]{1,8}", fullmatch=True)


def value_for(scope: str, key: str) -> st.SearchStrategy[str]:
    """A value the C parser reads for ``key`` (any value is fine for the round-trip tests)."""
    keyspec = schema.spec(scope, key)
    assert keyspec is not None
    kind = keyspec.kind
    if kind is Kind.INT:
        return st.integers(0, 100000).map(str)
    if kind is Kind.BOOL:
        return st.sampled_from(["0", "1"])
    if kind is Kind.PORT:
        return st.one_of(st.integers(1, 65535).map(str), st.sampled_from(["http", "https"]))
    if kind in (Kind.HOST, Kind.IP):
        return ipv4
    if kind is Kind.NETMASK:
        return st.sampled_from(schema.NETMASKS)
    if kind is Kind.CHOICE:
        return st.sampled_from(keyspec.choices)
    if kind is Kind.ADDRESS:
        return st.builds(lambda ip, dev: f"{ip} {dev}", ipv4, devices)
    if kind is Kind.STRING:
        return quotable
    return words


@dataclass
class VirtualShadow:
    keys: dict[str, str] = field(default_factory=dict)
    servers: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Shadow:
    """What every known key of a document should read as, in file order of blocks."""

    globals: dict[str, str] = field(default_factory=dict)
    virtuals: dict[str, VirtualShadow] = field(default_factory=dict)


@st.composite
def _statement(draw: st.DrawFn, scope: str, indent: str, key: str, value: str) -> str:
    keyspec = schema.spec(scope, key)
    if keyspec is not None and keyspec.kind is Kind.STRING:
        rendered, trailing = f'"{value}"', ""  # a quoted word + trailing blanks is an error
    else:
        rendered = draw(blanks).join(value.split(" "))
        trailing = draw(st.text(alphabet=" \t", max_size=2))
    return f"{indent}{key}{draw(blanks)}={draw(blanks)}{rendered}{trailing}"


@st.composite
def _body(draw: st.DrawFn, scope: str, indent: str, shadow: dict[str, str]) -> list[str]:
    """Trivia and statements of one scope (known keys recorded in ``shadow``)."""
    keys = draw(st.lists(st.sampled_from(EDITABLE[scope]), unique=True, max_size=6))
    lines: list[str] = []
    for key in keys:
        value = draw(value_for(scope, key))
        shadow[key] = value
        lines.extend(draw(trivia))
        lines.append(draw(_statement(scope, indent, key, value)))
    if draw(st.booleans()):
        lines.append(f"{indent}{draw(unknown_keys)} = {draw(words)}")
    return lines


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, Shadow]:
    """The text of a random lvs.cf file the C parser accepts, and what it should hold."""
    shadow = Shadow()
    lines = draw(_body("global", "", shadow.globals))
    for vname in draw(st.lists(names, unique=True, max_size=3)):
        virtual = shadow.virtuals[vname] = VirtualShadow()
        lines.extend(draw(trivia))
        lines.append(f"{draw(indents)}virtual{draw(blanks)}{vname}{draw(blanks)}{{")
        key_indent = draw(indents)
        lines.extend(draw(_body("virtual", key_indent, virtual.keys)))
        for sname in draw(st.lists(names, unique=True, max_size=3)):
            server = virtual.servers[sname] = {}
            lines.extend(draw(trivia))
            lines.append(f"{key_indent}server {sname} {{")
            lines.extend(draw(_body("server", key_indent + draw(indents), server)))
            lines.append(f"{key_indent}}}")
        lines.extend(draw(trivia))
        lines.append("}" + draw(st.sampled_from(["", " ", " # end"])))
    lines.extend(draw(trivia))
    final_newline: bool = draw(st.booleans())
    text = "\n".join(lines) + ("\n" if lines and final_newline else "")
    return text, shadow
