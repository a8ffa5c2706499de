"""maintenance: finding one address everywhere, DRAIN's edit and record, RETURN's edit."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from piranha_web import maintenance as mt
from piranha_web.errors import MaintenanceError, NotFoundError
from piranha_web.lvscf import parse

TEXT = """\
serial_no = 3
primary = 192.0.2.1
service = lvs
network = direct
virtual web {
    active = 1
    address = 192.0.2.10 eth0:1
    port = 80
    server rs1 {
        address = 10.0.0.1
        active = 1
        weight = 3
    }
    server rs2 {
        address = 10.0.0.2
        active = 1
    }
}
virtual mail {
    active = 0
    address = 192.0.2.20 eth0:2
    port = 25
    server m1 {
        address = 10.0.0.01
        active = 0
        weight = 2
        port = 2525
    }
    server rs1 {
        address = 10.0.0.2
        active = 1
    }
}
failover ftp {
    active = 1
    address = 10.0.0.1 eth0:3
    port = 21
}
"""


def test_find_by_address_in_every_virtual_server_with_port_weight_and_flags() -> None:
    found = mt.find(parse(TEXT).model(), "10.0.0.1")
    assert found == [
        mt.Placement("web", "rs1", "10.0.0.1", 80, 3, True, True),
        # 10.0.0.01 is the same address as the C parser reads it (inet_aton)
        mt.Placement("mail", "m1", "10.0.0.01", 2525, 2, False, False),
    ]


def test_find_by_name_and_nothing_found() -> None:
    config = parse(TEXT).model()
    assert [(p.virtual, p.server) for p in mt.find(config, "rs2")] == [("web", "rs2")]
    assert mt.find(config, "10.9.9.9") == []
    assert mt.find(config, "ftp") == []  # failover blocks have no real servers
    assert mt.find(config, "") == []


def test_address_of_a_name_used_by_two_addresses_is_refused() -> None:
    config = parse(TEXT).model()
    with pytest.raises(NotFoundError, match="different addresses"):
        mt.address_of(mt.find(config, "rs1"), "rs1")
    with pytest.raises(NotFoundError, match="No real server"):
        mt.address_of([], "nope")
    assert mt.address_of(mt.find(config, "rs2"), "rs2") == "10.0.0.2"
    assert mt.address_of(mt.find(config, "10.0.0.01"), "10.0.0.01") == "10.0.0.1"


def test_deactivate_changes_only_the_active_lines_of_active_servers() -> None:
    doc = parse(TEXT)
    mt.deactivate(mt.find(doc.model(), "10.0.0.2"))(doc)
    before, after = TEXT.splitlines(), doc.dumps().splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert changed == [("        active = 1", "        active = 0")] * 2
    assert all(not p.active for p in mt.find(doc.model(), "10.0.0.2"))


def test_record_then_put_back_restores_active_flags_and_weights_byte_for_byte() -> None:
    doc = parse(TEXT)
    found = mt.find(doc.model(), "10.0.0.1")
    record = mt.record_of(doc, "10.0.0.1", found, "alice", 1.0)
    assert record.servers == (mt.Kept("web", "rs1", True, "3"),
                              mt.Kept("mail", "m1", False, "2"))
    mt.deactivate(found)(doc)
    doc.set("weight", "7", virtual="web", server="rs1")  # changed meanwhile by hand
    mt.put_back(record)(doc)
    assert doc.model().virtual("web").server("rs1").weight == 3
    assert doc.model().virtual("web").server("rs1").active
    assert not doc.model().virtual("mail").server("m1").active


def test_put_back_of_an_unwritten_weight_removes_the_line_again() -> None:
    doc = parse(TEXT)
    record = mt.record_of(doc, "10.0.0.2", mt.find(doc.model(), "rs2"), "bob", 1.0)
    assert record.servers[0].weight is None
    doc.set("weight", "9", virtual="web", server="rs2")
    mt.deactivate(mt.find(doc.model(), "rs2"))(doc)
    mt.put_back(record)(doc)
    assert doc.dumps() == TEXT


def test_put_back_skips_a_server_deleted_since_and_names_it() -> None:
    doc = parse(TEXT)
    record = mt.record_of(doc, "10.0.0.2", mt.find(doc.model(), "10.0.0.2"), "bob", 1.0)
    mt.deactivate(mt.find(doc.model(), "10.0.0.2"))(doc)
    doc.remove_server("mail", "rs1")
    mt.put_back(record)(doc)
    assert doc.model().virtual("web").server("rs2").active
    assert mt.missing(record, doc.model()) == ["server rs1 of virtual mail"]


def test_a_second_drain_keeps_the_first_record_of_each_server() -> None:
    doc = parse(TEXT)
    first = mt.record_of(doc, "10.0.0.2", mt.find(doc.model(), "10.0.0.2")[:1], "ann", 1.0)
    mt.deactivate(mt.find(doc.model(), "10.0.0.2"))(doc)
    second = mt.record_of(doc, "10.0.0.2", mt.find(doc.model(), "10.0.0.2"), "bob", 2.0,
                          first)
    assert (second.user, second.time) == ("ann", 1.0)
    # rs2 of web keeps "active" from before the first DRAIN; rs1 of mail is new: inactive now
    assert second.servers == (mt.Kept("web", "rs2", True, None),
                              mt.Kept("mail", "rs1", False, None))


def test_log_round_trip_forget_and_file_mode(tmp_path: Path) -> None:
    log = mt.MaintenanceLog(tmp_path / "state")
    assert log.all() == [] and log.drained("10.0.0.1") is None
    record = mt.Drained("10.0.0.1", "alice", 5.0, (mt.Kept("web", "rs1", True, "3"),))
    log.remember(record)
    assert mt.MaintenanceLog(tmp_path / "state").drained("10.0.0.1") == record
    assert os.stat(log.path).st_mode & 0o777 == 0o600
    log.forget("10.0.0.2")  # not drained: nothing happens
    log.forget("10.0.0.1")
    assert log.all() == []


def test_log_refuses_a_broken_file_and_a_linked_lock(tmp_path: Path) -> None:
    log = mt.MaintenanceLog(tmp_path)
    log.path.write_text(json.dumps({"drained": [{"address": "x"}]}))
    with pytest.raises(MaintenanceError, match="not a maintenance record"):
        log.all()
    log.path.write_text("{")
    with pytest.raises(MaintenanceError, match="cannot read"):
        log.drained("x")
    log.path.unlink()
    (tmp_path / "maintenance.json.lock").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(MaintenanceError, match="cannot lock"):
        log.remember(mt.Drained("10.0.0.1", "a", 1.0, ()))
    assert not (tmp_path / "elsewhere").exists()


def test_log_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mt, "MAX_DRAINED", 2)
    log = mt.MaintenanceLog(tmp_path)
    log.remember(mt.Drained("10.0.0.1", "a", 1.0, ()))
    log.remember(mt.Drained("10.0.0.2", "a", 1.0, ()))
    with pytest.raises(MaintenanceError, match="2 addresses are drained"):
        log.remember(mt.Drained("10.0.0.3", "a", 1.0, ()))
    assert [d.address for d in log.all()] == ["10.0.0.1", "10.0.0.2"]
