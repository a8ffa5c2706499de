"""The VRRP state of a real keepalived (its SIGUSR1 data dump), and CONTROL showing it."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.keepalived.vrrp import parse_data, vrrp_states
from piranha_web.netinfo import NetInfo
from tests.helpers.keepalived import keepalived_binary, wait_for
from tests.web.conftest import build_web

CONF = """\
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.10/24 dev eth0
    }
}
"""
#: the part of keepalived 2.2.7's dump that names the states (other lines left out)
DUMP = """\
------< VRRP Topology >------
 VRRP Instance = VI_1
   VRRP Version = 2
   State = MASTER
   Flags: none
 VRRP Instance = VI_2
   VRRP Version = 2
   State = BACKUP
------< Interfaces >------
 Name = eth0
   State = UP, RUNNING
"""


def test_parse_data_reads_each_instance_and_not_the_interfaces() -> None:
    assert parse_data(DUMP) == {"VI_1": "MASTER", "VI_2": "BACKUP"}
    assert parse_data("") == {}


def test_no_such_process_is_no_state() -> None:
    assert vrrp_states(2**22 + 12345, wait=0.1) == {}


@pytest.fixture
def netns() -> Iterator[str]:
    """A named network namespace (for NetInfo(netns=...)), deleted afterwards."""
    name = f"pwvrrp{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


@pytest.fixture
def keepalived(tmp_path: Path, netns: str) -> Iterator[int]:
    """A real keepalived alone on a veth pair with an address: it becomes MASTER."""
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONF)
    pid_file, log = tmp_path / "k.pid", tmp_path / "log"
    script = ('ip link set lo up && ip link add eth0 type veth peer name eth1 && '
              'ip link set eth1 up && ip link set eth0 up && ip addr add 192.0.2.1/24 dev eth0 '
              '&& exec "$0" -n -l -G -D -f "$1" -p "$2" -r "$3" -c "$4"')
    with open(log, "w") as out:
        process = subprocess.Popen(
            ["ip", "netns", "exec", netns, "sh", "-c", script, keepalived_binary(), str(conf),
             str(pid_file), str(tmp_path / "v.pid"), str(tmp_path / "c.pid")],
            stdout=out, stderr=subprocess.STDOUT)
    try:
        assert wait_for(log, "Entering MASTER STATE", 20), log.read_text()
        yield process.pid
    finally:
        process.terminate()
        process.wait(10)


def test_a_real_keepalived_says_master(keepalived: int) -> None:
    assert vrrp_states(keepalived) == {"VI_1": "MASTER"}


def test_control_shows_the_vrrp_state(keepalived: int, netns: str, tmp_path: Path) -> None:
    web = build_web(tmp_path)
    web.services.netinfo = NetInfo(netns, proc_ip_vs=tmp_path / "none", use_netlink=False)
    page = web.client().get("/control/").get_data(as_text=True)
    assert '<p id="vrrp-state">VRRP (keepalived): <strong>VI_1 MASTER</strong></p>' in page
