"""MAINTENANCE panel: search an address, DRAIN it everywhere in one save, RETURN it as it was."""

from __future__ import annotations

import json
from pathlib import Path

from flask.testing import FlaskClient

from piranha_web.accounts import Role
from piranha_web.lvscf import parse
from piranha_web.netinfo import NetInfo
from tests.web.conftest import BASE, Web, build_web, file_diff, revision_of
from tests.web.test_roles import client_as

#: web and mail both served by 10.0.0.2 (mail's copy inactive, weight 4)
TEXT = BASE.replace("     reentry = 15\n}", "     reentry = 15\n"
                    "     server m2 {\n         address = 10.0.0.2\n         active = 0\n"
                    "         weight = 4\n     }\n}")
#: /proc/net/ip_vs: web's service (192.0.2.10:80) with 10.0.0.2 at weight 2, 7 active, 3 inactive
PROC = """\
IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port Forward Weight ActiveConn InActConn
TCP  C000020A:0050 wlc
  -> 0A000002:0050      Route   2      7          3
  -> 0A000001:0050      Route   1      0          0
"""


def _web(tmp_path: Path, live: bool = True) -> Web:
    web = build_web(tmp_path, TEXT)
    proc = tmp_path / "ip_vs"
    proc.write_text(PROC)
    if live:
        web.services.netinfo = NetInfo(proc_ip_vs=proc, use_netlink=False, hz=100)
    return web


def _drain(client: FlaskClient, query: str) -> tuple[int, str]:
    page = client.get(f"/maintenance/?q={query}").get_data(as_text=True)
    response = client.post("/maintenance/drain", data={"q": query,
                                                       "revision": revision_of(page)})
    return response.status_code, response.headers.get("Location", "")


def test_search_lists_every_virtual_server_with_live_numbers(tmp_path: Path) -> None:
    client = _web(tmp_path).client()
    page = client.get("/maintenance/?q=10.0.0.2").get_data(as_text=True)
    assert 'id="place-1"' in page and 'id="place-2"' in page and 'id="place-3"' not in page
    first = page.split('id="place-1"')[1].split("</tr>")[0]
    assert ">web<" in first and ">rs2<" in first and ">80<" in first
    assert '<td class="live-weight">2</td>' in first
    assert '<td class="active-conns">7</td>' in first
    assert '<td class="inactive-conns">3</td>' in first
    second = page.split('id="place-2"')[1].split("</tr>")[0]
    assert ">mail<" in second and "(inactive)" in second and "not in the kernel" in second
    assert "7 active connection(s) to 10.0.0.2" in page
    assert 'id="drain"' in page and 'id="return"' not in page


def test_search_by_name_and_for_nothing(tmp_path: Path) -> None:
    client = _web(tmp_path).client()
    page = client.get("/maintenance/?q=m2").get_data(as_text=True)
    assert '<h2 id="address-heading">10.0.0.2</h2>' in page
    missing = client.get("/maintenance/?q=10.9.9.9").get_data(as_text=True)
    assert "No real server has the address or name" in missing and 'id="drain"' not in missing
    hostile = client.get("/maintenance/?q=<script>x</script>").get_data(as_text=True)
    assert "<script>x" not in hostile and "&lt;script&gt;x" in hostile


def test_drain_is_one_save_and_return_puts_back_exactly_what_was_there(tmp_path: Path) -> None:
    web = _web(tmp_path)
    client = web.client()
    before = web.config.read_text()
    status, location = _drain(client, "10.0.0.2")
    assert status == 303 and location.endswith("/maintenance/?q=10.0.0.2")
    drained = web.config.read_text()
    removed, added = file_diff(before, drained)
    # web's rs2 deactivated (mail's m2 was inactive already) and the serial bumped: one save
    assert removed == ["serial_no = 7", "         active = 1"]
    assert added == ["serial_no = 8", "         active = 0"]
    assert len(web.services.history.revisions()) == 2  # first seen + this save
    page = client.get(location).get_data(as_text=True)
    assert "10.0.0.2 deactivated in 1 virtual server(s)." in page
    assert 'id="return"' in page and 'id="drained-1"' in page

    # meanwhile someone edits the weight of rs2: RETURN puts back 2, and active = 1
    doc = parse(drained)
    doc.set("weight", "9", virtual="web", server="rs2")
    web.config.write_text(doc.dumps())
    page = client.get("/maintenance/?q=10.0.0.2").get_data(as_text=True)
    response = client.post("/maintenance/return", data={"address": "10.0.0.2",
                                                         "revision": revision_of(page)})
    assert response.status_code == 303
    after = parse(web.config.read_text()).model()
    rs2, m2 = after.virtual("web").server("rs2"), after.virtual("mail").server("m2")
    assert (rs2.active, rs2.weight, m2.active, m2.weight) == (True, 2, False, 4)
    assert web.config.read_text() == before.replace("serial_no = 7", "serial_no = 9")
    page = client.get("/maintenance/").get_data(as_text=True)
    assert 'id="none-drained"' in page
    kinds = [e.kind for e in web.services.audit.entries()]
    assert kinds.count("save") == 2  # DRAIN and RETURN, one audit record each


def test_return_of_an_address_never_drained_is_404_and_writes_nothing(tmp_path: Path) -> None:
    web = _web(tmp_path)
    client = web.client()
    before = web.config.read_bytes()
    page = client.get("/maintenance/?q=10.0.0.1").get_data(as_text=True)
    response = client.post("/maintenance/return", data={"address": "10.0.0.1",
                                                         "revision": revision_of(page)})
    assert response.status_code == 404
    assert "was not drained here" in response.get_data(as_text=True)
    assert web.config.read_bytes() == before


def test_a_refused_drain_keeps_no_record(tmp_path: Path) -> None:
    # a file with an error the drain does not fix: the save is refused? no: only *new*
    # errors refuse a save.  An audit trail that cannot be written refuses it.
    web = _web(tmp_path)
    client = web.client()
    page = client.get("/maintenance/?q=10.0.0.2").get_data(as_text=True)
    audit = web.state_dir / "audit.log"
    audit.unlink(missing_ok=True)
    audit.mkdir()  # cannot be appended to
    before = web.config.read_bytes()
    response = client.post("/maintenance/drain", data={"q": "10.0.0.2",
                                                       "revision": revision_of(page)})
    assert response.status_code >= 400
    assert web.config.read_bytes() == before
    assert not (web.state_dir / "maintenance.json").exists()


def test_drain_on_a_stale_page_still_saves_on_the_current_file(tmp_path: Path) -> None:
    web = _web(tmp_path)
    client = web.client()
    page = client.get("/maintenance/?q=10.0.0.2").get_data(as_text=True)
    old = revision_of(page)
    doc = parse(web.config.read_text())
    doc.set("weight", "5", virtual="web", server="rs1")  # another edit meanwhile
    web.config.write_text(doc.dumps())
    response = client.post("/maintenance/drain", data={"q": "10.0.0.2", "revision": old})
    assert response.status_code == 303
    model = parse(web.config.read_text()).model()
    assert model.virtual("web").server("rs1").weight == 5
    assert not model.virtual("web").server("rs2").active
    record = json.loads((web.state_dir / "maintenance.json").read_text())
    assert record["drained"][0]["servers"][0] == {"virtual": "web", "server": "rs2",
                                                  "active": True, "weight": "2"}


def test_roles_viewer_reads_operator_drains(tmp_path: Path) -> None:
    web = _web(tmp_path, live=False)
    viewer = client_as(web, "vic", Role.VIEWER)
    page = viewer.get("/maintenance/?q=10.0.0.2").get_data(as_text=True)
    assert 'id="drain" disabled title="needs the operator role (you are viewer)"' in page
    refused = viewer.post("/maintenance/drain", data={"q": "10.0.0.2",
                                                      "revision": revision_of(page)})
    assert refused.status_code == 403
    operator = client_as(web, "otto", Role.OPERATOR)
    status, _ = _drain(operator, "10.0.0.2")
    assert status == 303
    page = operator.get("/maintenance/?q=10.0.0.2").get_data(as_text=True)
    assert 'id="tab-maintenance"' in page
    response = operator.post("/maintenance/return", data={"address": "10.0.0.2",
                                                          "revision": revision_of(page)})
    assert response.status_code == 303


def test_watch_reloads_the_page(tmp_path: Path) -> None:
    client = _web(tmp_path).client()
    page = client.get("/maintenance/?q=10.0.0.2&watch=1").get_data(as_text=True)
    assert 'http-equiv="refresh" content="5;url=/maintenance/?q=10.0.0.2&amp;watch=1"' in page
    plain = client.get("/maintenance/?q=10.0.0.2").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in plain
