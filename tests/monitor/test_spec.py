"""A real server's check is built the way lvsd starts nanny for it."""

from __future__ import annotations

from typing import Any

import pytest

from piranha_web.errors import MonitorScriptError
from piranha_web.lvscf import parse
from piranha_web.lvscf.model import MonitorScript, RealServer
from piranha_web.lvscf.nanny import lvsd_monitor
from piranha_web.monitor.expect import Mode
from piranha_web.monitor.spec import build_spec, program_argv
from tests.monitor.conftest import virtual


def test_real_server_port_wins_over_the_virtual_port() -> None:
    vs = virtual(("127.0.0.1", 8080), port=80, send="x", expect="y")
    spec = build_spec(vs, vs.servers[0])
    assert (spec.address, spec.port) == ("127.0.0.1", 8080)


def test_port_80_with_nothing_configured_sends_nannys_default_http_request() -> None:
    vs = virtual(("127.0.0.1", 8080), port=80)
    spec = build_spec(vs, vs.servers[0])
    assert spec.send == b"GET / HTTP/1.0\r\n\r\n"
    assert spec.expect == b"HTTP"
    assert any("GET / HTTP/1.0" in note for note in spec.notes)


def test_other_ports_with_nothing_configured_only_connect() -> None:
    vs = virtual(("127.0.0.1", 2121), port=21)
    spec = build_spec(vs, vs.servers[0])
    assert spec.send is None
    assert spec.matcher.mode is Mode.NONE
    assert spec.notes == ()


def test_any_configured_string_turns_the_port_80_default_off() -> None:
    vs = virtual(("127.0.0.1", 80), port=80, expect="HTTP")
    spec = build_spec(vs, vs.servers[0])
    assert spec.send is None
    assert spec.expect == b"HTTP"


def test_send_and_expect_are_escape_decoded() -> None:
    vs = virtual(("127.0.0.1", 25), port=25, send="QUIT\\r\\n", expect="220")
    spec = build_spec(vs, vs.servers[0])
    assert spec.send == b"QUIT\r\n"
    assert spec.matcher.mode is Mode.PREFIX


def test_a_star_expect_accepts_any_byte() -> None:
    vs = virtual(("127.0.0.1", 25), port=25, expect="*")
    assert build_spec(vs, vs.servers[0]).matcher.mode is Mode.ANY_BYTE


def test_a_star_expect_as_a_regex_is_refused_as_glibc_refuses_it() -> None:
    """Issue 21: with use_regex nanny hands "*" to regcomp(), which refuses it."""
    vs = virtual(("127.0.0.1", 25), port=25, expect="*", use_regex=True)
    with pytest.raises(MonitorScriptError, match="does not compile"):
        build_spec(vs, vs.servers[0])
    program = virtual(("127.0.0.1", 25), port=25, expect="*", use_regex=True,
                      send_program="/bin/check %h")
    assert build_spec(program, program.servers[0]).matcher.mode is Mode.ANY_BYTE


def test_sending_program_replaces_send_and_gets_address_and_port() -> None:
    vs = virtual(("127.0.0.1", 5353), port=53, send="ignored", expect="OK",
                 send_program="/usr/local/bin/check  -H %h -p %p x%h")
    spec = build_spec(vs, vs.servers[0])
    assert spec.program == ("/usr/local/bin/check", "-H", "127.0.0.1", "-p", "5353", "x%h")
    assert spec.send is None
    assert any("send is ignored" in note for note in spec.notes)


def test_program_longer_than_nannys_buffer_is_refused() -> None:
    with pytest.raises(MonitorScriptError, match="255-byte buffer"):
        program_argv("/bin/check " + "x" * 250, "127.0.0.1", 80)


def test_program_with_more_arguments_than_nannys_argv_is_refused() -> None:
    with pytest.raises(MonitorScriptError, match="room for 39"):
        program_argv("/bin/check" + " a" * 39, "127.0.0.1", 80)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timeout": 0}, "divides by it"),
        ({"address": "0.0.0.0"}, "has no address"),
        ({"address": "web.example"}, "not an IP address"),
        ({"port": 0}, "not usable"),
    ],
)
def test_checks_nanny_cannot_run_are_refused(change: dict[str, Any], message: str) -> None:
    vs = virtual(("127.0.0.1", 80), send="x", expect="y", timeout=int(change.get("timeout", 1)))
    rs = vs.servers[0]
    address = str(change.get("address", rs.address))
    port = int(str(change.get("port", rs.effective_port)))
    rs = RealServer(rs.name, address, True, 1, port, port)
    with pytest.raises(MonitorScriptError, match=message):
        build_spec(vs, rs)


def test_inet_aton_address_forms_are_contacted_as_dotted_quads() -> None:
    vs = virtual(("127.1", 80), send="x")
    assert build_spec(vs, vs.servers[0]).address == "127.0.0.1"


def test_overrides_change_the_strings_but_not_the_target() -> None:
    vs = virtual(("127.0.0.1", 8080), send="a", expect="b")
    spec = build_spec(vs, vs.servers[0], MonitorScript(send="PING\\n", expect="PONG"))
    assert (spec.send, spec.expect, spec.target) == (b"PING\n", b"PONG", "127.0.0.1:8080")


def test_single_quoted_strings_keep_their_quotes_as_lvsd_passes_them() -> None:
    doc = parse(
        "virtual v {\n     port = 21\n     send = 'quit'\n     expect = \"220\"\n"
        "     send_program = /bin/true\n     server a {\n         address = 127.0.0.1\n     }\n}\n"
    )
    vs = doc.model().virtual("v")
    assert vs.monitor.send == "quit"  # the model has the quotes removed
    passed = lvsd_monitor(doc.find_virtual("v"), vs)
    assert (passed.send, passed.expect, passed.send_program) == ("'quit'", "220", "/bin/true")
