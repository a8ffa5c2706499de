"""The typed model reads values like the daemons do and fills in their defaults."""

from __future__ import annotations

import gc

import pytest

from piranha_web.errors import NotFoundError
from piranha_web.lvscf import Document, model, parse
from piranha_web.lvscf.model import with_models

TEXT = """primary = 192.0.2.1
keepalive = 0x8
deadtime = 030
heartbeat_port = 1050
network = tunnel
nat_router = 10.0.0.254 eth1:1
virtual web {
     active = 1
     address = 198.51.100.10 eth0:1
     port = https
     scheduler = rr
     persistent = 300
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     use_regex = 1
     timeout = abc
     server rs1 {
         address = 10.0.0.1
         active = 1
         weight = 7
     }
     server rs2 {
         address = 10.0.0.2
         port = 8443
     }
}
failover web {
     active = 1
}
"""


def test_empty_document_has_the_c_parser_global_defaults() -> None:
    g = Document().model().globals
    assert (g.keepalive, g.deadtime, g.heartbeat_port) == (2, 5, 539)
    assert (g.network, g.service, g.rsh_command, g.syncd_iface) == ("nat", "lvs", "rsh", "eth0")
    assert g.hard_shutdown and not g.backup_active
    assert g.primary is None and g.backup is None


def test_virtual_and_real_server_defaults() -> None:
    vs = parse("virtual v {\n     server s {\n     }\n}\n").model().virtual("v")
    assert (vs.port, vs.protocol, vs.scheduler, vs.load_monitor) == (80, "tcp", "wlc", "none")
    assert (vs.timeout, vs.reentry, vs.fwmark, vs.persistent) == (10, 180, 0, 0)
    assert not vs.active and vs.address is None and vs.device is None
    rs = vs.server("s")
    assert (rs.address, rs.weight, rs.active, rs.port, rs.effective_port) == (
        "0.0.0.0", 1, False, None, 80
    )


def test_numbers_are_read_with_strtol_base_0() -> None:
    g = parse(TEXT).model().globals
    assert (g.keepalive, g.deadtime, g.heartbeat_port) == (8, 24, 1050)


def test_typed_values_of_a_virtual_server() -> None:
    vs = parse(TEXT).model().virtual("web")
    assert vs.active and (vs.address, vs.device) == ("198.51.100.10", "eth0:1")
    assert (vs.port, vs.scheduler, vs.persistent) == (443, "rr", 300)
    assert vs.monitor.send == "GET / HTTP/1.0\\r\\n\\r\\n"  # escapes are kept as written
    assert vs.monitor.expect == "HTTP" and vs.monitor.use_regex


def test_unreadable_value_falls_back_to_the_default() -> None:
    """``timeout = abc`` is a validation error; the model shows what the default would be."""
    assert parse(TEXT).model().virtual("web").timeout == 10


def test_real_servers_inherit_the_virtual_port_unless_they_set_one() -> None:
    vs = parse(TEXT).model().virtual("web")
    rs1, rs2 = vs.servers
    assert (rs1.port, rs1.effective_port, rs1.weight, rs1.active) == (None, 443, 7, True)
    assert (rs2.port, rs2.effective_port, rs2.weight, rs2.active) == (8443, 8443, 1, False)


def test_real_servers_inherit_the_port_as_read_so_far_like_lvsconfig_c() -> None:
    """A ``port`` below the real servers does not reach them (LC copies it at the opener)."""
    text = (
        "virtual v {\n     port = 25\n     server a {\n     }\n"
        "     port = 587\n     server b {\n     }\n}\n"
    )
    vs = parse(text).model().virtual("v")
    assert vs.port == 587
    assert [rs.effective_port for rs in vs.servers] == [25, 587]


def test_global_pairs_are_split_into_address_and_device() -> None:
    g = parse(TEXT).model().globals
    assert (g.nat_router, g.nat_router_device, g.network) == ("10.0.0.254", "eth1:1", "tunnel")


def test_last_assignment_wins_like_in_the_c_parser() -> None:
    g = parse("keepalive = 3\nkeepalive = 4\n").model().globals
    assert g.keepalive == 4


def test_lookup_by_name_distinguishes_virtual_from_failover() -> None:
    config = parse(TEXT).model()
    assert [(v.kind, v.name) for v in config.virtuals] == [("virtual", "web"), ("failover", "web")]
    assert config.virtual("web").kind == "virtual"
    with pytest.raises(NotFoundError):
        config.virtual("mail")
    with pytest.raises(NotFoundError):
        config.virtual("web").server("rs9")


def test_model_is_a_snapshot_that_later_edits_do_not_change() -> None:
    doc = parse(TEXT)
    before = doc.model()
    doc.set("weight", "9", virtual="web", server="rs1")
    assert before.virtual("web").server("rs1").weight == 7
    assert doc.model().virtual("web").server("rs1").weight == 9


def test_models_of_old_block_versions_are_not_kept_once_no_document_uses_them() -> None:
    """A long-running server edits blocks thousands of times: the per-block model memo keeps
    only versions some document still uses (it once kept 4,096 of them, 60 MB at 1,000 x 32)."""
    doc = parse("virtual memo_web {\n     port = 80\n}\n")
    for port in range(81, 581):
        doc = doc.copy()
        doc.set("port", str(port), virtual="memo_web")
        doc.model()
    gc.collect()
    kept = [lines for kind, lines in list(model._MEMO.keys()) if lines[0] == "virtual memo_web {"]
    assert 1 <= len(kept) <= 2  # this document's version, and the one it was copied from
    assert doc.model().virtual("memo_web").port == 580


def test_blocks_are_paired_with_their_own_models_even_when_names_repeat() -> None:
    """with_models pairs by identity: two blocks called web each get their own port, and a
    failover block is not taken for the virtual server at its position."""
    doc = parse(
        "virtual web {\n port = 80\n}\n"
        "failover web {\n port = 81\n}\n"
        "virtual web {\n port = 8080\n}\n"
    )
    pairs = with_models(doc)
    assert [(b.kind, b.name, vs.kind, vs.port) for b, vs in pairs] == [
        ("virtual", "web", "virtual", 80), ("failover", "web", "failover", 81),
        ("virtual", "web", "virtual", 8080)]
    assert [vs for _, vs in pairs] == list(doc.model().virtuals)
    assert [(b.name, vs.port) for b, vs in with_models(doc, "virtual")] == [
        ("web", 80), ("web", 8080)]
    doc.set("port", "90", virtual="web", kind="failover")
    assert [vs.port for _, vs in with_models(doc)] == [80, 90, 8080]
