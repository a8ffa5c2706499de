"""CONTROL/MONITORING against real router state: stand-in daemons and labelled aliases in a
network namespace, and the IPVS table captured from a real IPVS kernel (tests/data/ipvs)."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from piranha_web.netinfo import NetInfo
from piranha_web.sync import SyncService
from tests.conftest import ROOT
from tests.helpers.router_ns import RouterNamespace
from tests.web.conftest import BASE, Web, build_web, form_of

URL = "/control/"
CAPTURED = ROOT / "tests" / "data" / "ipvs" / "scenario.proc.txt"
#: BASE's web server as lvs.cf describes it, against the captured kernel table
ROUTER_CF = BASE.replace(
    "address = 10.0.0.1", "address = 198.51.100.11").replace(
    "address = 10.0.0.2\n         active = 1\n         weight = 2",
    "address = 198.51.100.12\n         active = 1\n         weight = 2\n     }\n"
    "     server rs3 {\n         address = 198.51.100.13\n         active = 1\n"
    "         weight = 1").replace("quiesce_server = 0", "quiesce_server = 1").replace(
    "address = 192.0.2.20 eth0:2", "address = 192.0.2.20 pwni0:3").replace(
    "address = 192.0.2.10 eth0:1", "address = 192.0.2.10 pwni0:1")


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RouterNamespace]:
    """A router namespace running pulse and one nanny (stand-ins named like the daemons)."""
    ns = RouterNamespace.create()
    bin_dir = tmp_path_factory.mktemp("daemons")
    ns.start_daemon(bin_dir, "pulse", "--forceactive")
    ns.start_daemon(bin_dir, "nanny", "-c", "-h", "198.51.100.11", "-p", "80", "-s",
                    "GET / HTTP/1.0\\r\\n\\r\\n", "-x", "HTTP", "-V", "192.0.2.10", "-M", "g",
                    "--lvs")
    yield ns
    ns.delete()


@pytest.fixture
def monitored(tmp_path: Path, router: RouterNamespace) -> Web:
    """The app reading the router namespace, with the captured IPVS table as its kernel's."""
    web = build_web(tmp_path, ROUTER_CF)
    web.services.netinfo = NetInfo(router.name, proc_ip_vs=CAPTURED, use_netlink=False,
                                   hz=250)
    return web


def rows(page: str, table: str) -> list[list[str]]:
    """The text of each cell of each body row of the table with id ``table``."""
    body = re.search(rf'<table[^>]*id="{table}".*?</thead>(.*?)</table>', page, re.S)
    assert body is not None, f"no table {table}"
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        found.append([html.unescape(re.sub(r"<[^>]+>|\s+", " ", c)).strip() for c in cells])
    return found


def test_daemons_of_the_router_are_shown_with_their_arguments(monitored: Web) -> None:
    page = monitored.client().get(URL).get_data(as_text=True)

    assert re.search(r'id="daemon-summary">Daemon: <span class="status-up">running', page)
    table = {r[0]: r for r in rows(page, "daemons")}
    assert table["pulse"][1] == "running" and table["pulse"][3].endswith("pulse --forceactive")
    assert table["lvsd"][1:] == ["stopped", "", ""]
    assert "-h 198.51.100.11 -p 80 -s 'GET / HTTP/1.0\\r\\n\\r\\n' -x HTTP" in table["nanny"][3]


def test_pulse_stopped_is_shown_in_red(tmp_path: Path) -> None:
    ns = RouterNamespace.create()
    try:
        web = build_web(tmp_path)
        web.services.netinfo = NetInfo(ns.name, proc_ip_vs=tmp_path / "none", use_netlink=False)
        page = web.client().get(URL).get_data(as_text=True)
    finally:
        ns.delete()

    assert re.search(r'id="daemon-summary">Daemon: <span class="status-down">stopped', page)


def test_ipvs_table_marks_what_differs_from_lvs_cf(monitored: Web) -> None:
    """web: rs1 up, rs2 quiesced by nanny, rs3 taken out; the other kernel services extra."""
    page = monitored.client().get(URL).get_data(as_text=True)
    table = rows(page, "ipvs-table")

    assert table[0][:7] == ["TCP 192.0.2.10:80", "wlc", "", "", "", "virtual web", "OK"]
    servers = [(r[0], r[1], r[2], r[5], r[6]) for r in table[1:4]]
    assert servers == [
        ("-> 198.51.100.11:80", "Route", "1", "server rs1", "OK"),
        ("-> 198.51.100.12:80", "Route", "0", "server rs2", "QUIESCED"),
        ("-> 198.51.100.13:80", "", "", "server rs3", "MISSING"),
    ]
    assert table[1][7] == ""
    assert "weight 0: nanny quiesced it after a failed check" in table[2][7]
    assert "nanny took it out after a failed check" in table[3][7]
    https = next(r for r in table if r[0] == "TCP 192.0.2.10:443")
    assert https[1] == "rr persistent 300 mask 255.255.255.255" and https[6] == "EXTRA"
    assert "difference(s) between the kernel's table and lvs.cf are marked" in page


def test_forwarding_is_compared_with_the_network_type(monitored: Web) -> None:
    """network = nat means Masq; the kernel forwards to the web servers by direct routing."""
    monitored.config.write_text(ROUTER_CF.replace("network = direct", "network = nat"))

    page = monitored.client().get(URL).get_data(as_text=True)

    rs1 = rows(page, "ipvs-table")[1]
    assert rs1[6] == "DIFFERS"
    assert "forwarding Route in the kernel, Masq by lvs.cf's network" in rs1[7]


def test_interfaces_and_where_each_vip_is_up(monitored: Web) -> None:
    page = monitored.client().get(URL).get_data(as_text=True)

    interfaces = {r[0]: r for r in rows(page, "interfaces")}
    assert interfaces["pwni0"][1] == "up"
    assert "192.0.2.10/24 (pwni0:1)" in interfaces["pwni0"][2]
    assert "192.0.2.1/24" in interfaces["pwni0"][2]
    assert interfaces["pwni2"][1] == "down"
    vips = rows(page, "vips")
    assert vips[0] == ["virtual web", "192.0.2.10", "pwni0:1", "up here on pwni0:1"]
    assert vips[1] == ["virtual mail", "192.0.2.20", "pwni0:3",
                       "not up here (inactive in lvs.cf)"]


def test_a_kernel_without_ipvs_is_explained(tmp_path: Path, router: RouterNamespace) -> None:
    web = build_web(tmp_path)
    web.services.netinfo = NetInfo(router.name, proc_ip_vs=tmp_path / "ip_vs",
                                   use_netlink=False)

    page = web.client().get(URL).get_data(as_text=True)

    assert re.search(r'id="ipvs-problem">This router&#39;s kernel has no IPVS', page)
    assert 'id="interfaces"' in page  # the rest is still shown


def test_an_unreadable_namespace_is_explained_part_by_part(web: Web,
                                                          client: FlaskClient) -> None:
    web.services.netinfo = NetInfo("pwninonexistent")

    page = client.get(URL).get_data(as_text=True)

    for part in ("daemons", "ipvs", "interfaces"):
        assert re.search(rf'id="{part}-problem">Cannot read [^<]*no network namespace', page)


def test_a_broken_lvs_cf_does_not_hide_the_routers_state(monitored: Web) -> None:
    monitored.config.write_text("virtual web\n{\n}\n")  # pulse refuses: '{' on its own line

    page = monitored.client().get(URL).get_data(as_text=True)

    assert 'id="config-problem">lvs.cf cannot be read' in page
    assert 'id="ipvs-summary"' not in page
    table = rows(page, "ipvs-table")
    assert len([r for r in table if r[0].startswith(("TCP", "UDP", "FWM"))]) == 12
    assert {r[6] for r in table} == {""}


def test_viewing_writes_nothing(monitored: Web) -> None:
    before = monitored.config.read_bytes()

    monitored.client().get(URL + "?auto_update=1&rate=5")

    assert monitored.config.read_bytes() == before


@pytest.mark.parametrize(("query", "rate", "note"), [
    ("auto_update=1&rate=5", 5, None),
    ("auto_update=1&rate=1", 2, "The shortest interval is 2 seconds."),
    ("auto_update=1&rate=", 10, None),
    ("auto_update=1&rate=soon", 10, "'soon' is not a number of seconds; using 10."),
])
def test_auto_update_reloads_the_page_with_a_meta_refresh(
        client: FlaskClient, query: str, rate: int, note: str | None) -> None:
    """No JavaScript: the browser reloads the same view (interval of at least 2 s)."""
    page = client.get(f"{URL}?{query}").get_data(as_text=True)

    head = page[:page.index("</head>")]
    assert f'<meta http-equiv="refresh" content="{rate};url=/control/?auto_update=1&amp;' \
           f'rate={rate}&amp;refresh=auto">' in head
    assert re.search(r'id="auto_update" name="auto_update" value="1" checked', page)
    assert f'id="rate" name="rate" value="{rate}"' in page
    if note:
        assert html.unescape(page).count(note) == 1
    else:
        assert 'id="rate-note"' not in page


def test_without_auto_update_the_page_stays_and_offers_update_now(client: FlaskClient) -> None:
    page = client.get(URL).get_data(as_text=True)

    assert "http-equiv" not in page
    assert 'id="update-now">Update information now</button>' in page
    assert "Auto update is off." in page


def test_backup_sync_status_is_included(web: Web, client: FlaskClient) -> None:
    web.services.syncer = SyncService(web.config, web.state_dir)

    assert 'id="sync-status"' in client.get(URL).get_data(as_text=True)


def test_the_serial_no_pulse_loaded_is_the_one_saved_before_it_started(
        tmp_path: Path) -> None:
    web = build_web(tmp_path, ROUTER_CF)
    client = web.client()
    data = {**form_of(client, "/virtual/edit?virtual=web"), "timeout": "7", "action": "ACCEPT"}
    assert client.post("/virtual/edit?virtual=web", data=data).status_code == 303  # serial 8
    time.sleep(0.05)
    ns = RouterNamespace.create()
    try:
        web.services.netinfo = NetInfo(ns.name, proc_ip_vs=CAPTURED, use_netlink=False, hz=250)
        page = client.get(URL).get_data(as_text=True)
        assert 'id="daemons-loaded"' not in page  # no pulse running: nothing to say
        ns.start_daemon(tmp_path, "pulse", "--forceactive")
        time.sleep(0.05)
        data = {**form_of(client, "/virtual/edit?virtual=web"), "timeout": "8",
                "action": "ACCEPT"}
        assert client.post("/virtual/edit?virtual=web", data=data).status_code == 303
        page = client.get(URL).get_data(as_text=True)
    finally:
        ns.delete()
    assert "serial_no = 9" in web.config.read_text()
    loaded = re.search(r'id="daemons-loaded">([^<]*)<', page)
    assert loaded and loaded.group(1).endswith(": it loaded serial_no 8."), page[:200]


def test_a_pulse_older_than_the_history_is_said_to_be_unknown(monitored: Web) -> None:
    page = monitored.client().get(URL).get_data(as_text=True)
    loaded = re.search(r'id="daemons-loaded">([^<]*)<', page)
    assert loaded and "which serial_no it loaded is not known" in loaded.group(1)
