"""Property tests: the model against lvsconfig.c's documented rules (docs/reference/piranha.md §1).

:func:`lvsconfig` below re-reads a generated file line by line the way §1 describes the C
parser (statements applied in file order, then the globals' post-processing), independently of
the model's code.  For every generated file the validator calls error-free, the model must hold
exactly those values; a line of more than 99 tokens must never be error-free.  Edits of
send strings with double quotes are either written so that they read back exactly or refused
with advice that is true; failover blocks take every key edit a virtual block takes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from piranha_web.errors import EditError
from piranha_web.lvscf import check_text, parse
from piranha_web.lvscf.syntax import tokenize
from piranha_web.lvscf.values import (
    DOUBLE_QUOTE_ADVICE,
    SERVICES,
    c_int,
    c_port,
    dotted,
    inet_aton,
    quote_after_blank,
)
from tests.strategies import EDITABLE, PRINTABLE, ipv4, value_for

LVS_MAX_TOKENS = 99


@dataclass
class CVirtual:
    port: int = 80
    pmask: int = 0
    servers: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class CConfig:
    """The values lvsconfig.c ends up with (None/0 = unset)."""

    primary: str | None = None
    primary_private: str | None = None
    backup: str | None = None
    backup_private: str | None = None
    syncd_id: int = 0
    heartbeat_port: int = 539
    virtuals: dict[str, CVirtual] = field(default_factory=dict)


def lvsconfig(text: str) -> CConfig:
    """The generated file read as §1 says lvsconfig.c reads it (no quotes in these files)."""
    c = CConfig()
    virtual: CVirtual | None = None
    server: str | None = None
    server_port: int | None = None
    for raw in text.split("\n"):
        words = raw.split()[:LVS_MAX_TOKENS]  # the tokenizer drops the rest
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "virtual":
            virtual = c.virtuals.setdefault(words[1], CVirtual())
        elif words[0] == "server":
            # LC:1321: a server starts with the virtual's port *as read so far*
            server, server_port = words[1], virtual.port if virtual else 80
        elif words[0] == "}":
            if server is not None and virtual is not None:
                virtual.servers.append((server, server_port or 0))
                server = None
            else:
                virtual = None
        elif server is not None:
            if words[0] == "port":
                server_port = c_int(words[2])
        elif virtual is not None:
            if words[0] == "port":
                virtual.port = c_port(words[2]) or 0
            elif words[0] == "pmask":
                mask = inet_aton(words[2])  # LC:1146-1168: unreadable -> line ignored
                if mask is not None:
                    virtual.pmask = 0 if mask == 0xFFFFFFFF else mask
        elif words[0] in ("primary", "primary_private", "backup", "backup_private"):
            setattr(c, words[0], words[2])
        elif words[0] == "syncd_id":
            c.syncd_id = (c_int(words[2]) or 0) & 0xFF
        elif words[0] == "heartbeat_port":
            c.heartbeat_port = c_port(words[2]) or 0
    if c.primary is not None and c.primary_private is None:  # LC:1963-1973
        c.primary_private, c.backup_private = c.primary, c.backup
    return c


ports = st.one_of(st.integers(1, 65535).map(str), st.sampled_from(sorted(SERVICES)))
masks = st.sampled_from(["255.255.255.0", "255.255.0.0", "255.255.255.255", "0.0.0.0",
                         "255.255.0", "bogus", "255.255.255.256"])
hosts = st.one_of(ipv4, st.just("0.0.0.0"))


@st.composite
def c_files(draw: st.DrawFn) -> str:
    """Globals in any order (repeats too), virtual servers with ports above and below their
    real servers, pmask lines of every kind, and sometimes a ``dirs`` list near 99 tokens."""
    lines: list[str] = []
    keys = draw(st.lists(st.sampled_from(
        ["primary", "primary_private", "backup", "backup_private", "syncd_id",
         "heartbeat_port"]), max_size=8))
    for key in keys:
        if key == "syncd_id":
            value = str(draw(st.integers(0, 1000)))
        elif key == "heartbeat_port":
            value = draw(ports)
        else:
            value = draw(hosts)
        lines.append(f"{key} = {value}")
    for vname in draw(st.lists(st.sampled_from(["web", "mail", "ftp"]), unique=True,
                               max_size=2)):
        lines += [f"virtual {vname} {{", "     active = 1", "     persistent = 60"]
        body: list[str] = []
        for index in range(draw(st.integers(0, 3))):
            server = [f"     server rs{index} {{", f"         address = 10.0.0.{index + 1}"]
            if draw(st.booleans()):
                server.append(f"         port = {draw(st.integers(1, 65535))}")
            body.append("\n".join([*server, "     }"]))
        for _ in range(draw(st.integers(0, 2))):
            body.insert(draw(st.integers(0, len(body))), f"     port = {draw(ports)}")
        for _ in range(draw(st.integers(0, 3))):
            body.insert(draw(st.integers(0, len(body))), f"     pmask = {draw(masks)}")
        if draw(st.integers(0, 4)) == 0:
            count = draw(st.integers(95, 104))
            body.append("     dirs = [ " + "d " * (count - 4) + "]")
        lines += [*body, "}"]
    return "\n".join(lines) + "\n"


@given(c_files())
def test_error_free_files_give_the_values_lvsconfig_c_gives(text: str) -> None:
    findings = check_text(text)
    longest = max(len(tokenize(line)) for line in text.split("\n"))
    if longest > LVS_MAX_TOKENS:
        assert any(f.code == "too-many-tokens" and f.is_error for f in findings)
    if any(f.is_error for f in findings):
        return
    c = lvsconfig(text)
    model = parse(text).model()
    g = model.globals
    assert (g.primary, g.primary_private, g.backup, g.backup_private) == (
        c.primary, c.primary_private, c.backup, c.backup_private)
    assert (g.syncd_id, g.heartbeat_port) == (c.syncd_id, c.heartbeat_port)
    assert [vs.name for vs in model.virtuals] == list(c.virtuals)
    for vs in model.virtuals:
        expected = c.virtuals[vs.name]
        assert vs.port == expected.port
        assert vs.pmask == (dotted(expected.pmask) if expected.pmask else None)
        assert [(rs.name, rs.effective_port) for rs in vs.servers] == expected.servers


@given(c_files())
def test_ignored_backup_private_lines_and_service_name_ports_are_warned_about(text: str) -> None:
    findings = check_text(text)
    if any(f.is_error for f in findings):
        return
    c = lvsconfig(text)
    written = {line.split()[0]: line.split()[2] for line in text.split("\n")
               if line.startswith(("primary", "backup"))}
    ignored = [f for f in findings if f.code == "backup-private-ignored"]
    overwritten = ("primary" in written and "primary_private" not in written
                   and "backup_private" in written)
    assert bool(ignored) == overwritten
    if overwritten:
        assert c.backup_private == written.get("backup")
    names = [line for line in text.split("\n")
             if line.split()[:2] in (["port", "="], ["heartbeat_port", "="])
             and c_int(line.split()[2]) is None]
    assert len([f for f in findings if f.code == "service-name"]) == len(names)


@given(st.tuples(st.text(alphabet=PRINTABLE, max_size=8), st.text(alphabet=PRINTABLE, max_size=8))
       .map('"'.join))
def test_a_double_quote_in_send_is_written_exactly_or_refused_with_true_advice(
    value: str,
) -> None:
    doc = parse("virtual web {\n     active = 1\n}\n")
    try:
        doc.set("send", value, virtual="web")
    except EditError as err:
        assert quote_after_blank(value)
        assert err.message == DOUBLE_QUOTE_ADVICE
        # writing the quote as \" instead is refused too, so the advice must not suggest it
        escaped = value.replace('"', '\\"')
        assert quote_after_blank(escaped)
        return
    assert not quote_after_blank(value)
    assert parse(doc.dumps()).get("send", virtual="web") == value


@given(st.data())
def test_failover_blocks_take_every_key_edit_a_virtual_block_takes(data: st.DataObject) -> None:
    doc = parse("virtual web {\n     active = 1\n}\n")
    doc.add_virtual("web", kind="failover")
    twin = parse("virtual twin {\n}\n")  # the same edits on a virtual block
    expected: dict[str, str] = {}
    for _ in range(data.draw(st.integers(1, 6))):
        key = data.draw(st.sampled_from(EDITABLE["virtual"]))
        if data.draw(st.booleans()):
            doc.unset(key, virtual="web", kind="failover")
            expected.pop(key, None)
            continue
        value = data.draw(value_for("virtual", key))
        try:
            twin.set(key, value, virtual="twin")
        except EditError:
            continue
        doc.set(key, value, virtual="web", kind="failover")
        expected[key] = value
    again = parse(doc.dumps())
    for key in EDITABLE["virtual"]:
        assert again.get(key, virtual="web", kind="failover") == expected.get(key), key
    assert again.get("active", virtual="web") == "1"  # the virtual block is untouched
