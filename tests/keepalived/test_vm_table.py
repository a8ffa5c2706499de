"""In a real IPVS kernel (the QEMU VM): keepalived started on our export builds the table lvsd's
ipvsadm commands build, raises the VIPs with their labels, and after an lvs.cf edit and SIGHUP
updates the table in place so that it still equals lvsd's.  One VM boot, four rounds:

1. NAT: TCP, UDP, a firewall mark with persistence and mask, every scheduler, a quiesced
   server that is down, a virtual server whose only server is down (sorry server);
2. an edit and SIGHUP: a weight changed, a real server removed, a virtual server added and one
   deactivated; a real server added by hand before it survives (the table is patched in place,
   not rebuilt);
3. and 4. direct routing, then tunnelling, each by a restart (see ``ROUNDS``).

Every round also holds what issue 21 found the export got wrong: a weight 0 with empty
send/expect strings, a second block with a firewall mark already used, a second mark on the
same VIP and port sharing a real server, a firewall-mark NAT server with its own port, a
virtual server whose real servers are all inactive, with and without a sorry server.

lvsd's table is built from scratch for each round in a second network namespace of the same VM
with the commands of :func:`lvsd_commands` (``export lvsd``, which follows what lvsd.c and
nanny.c do); the two tables are compared as the kernel lists them, with one normalisation: a
direct-routing or tunnelled destination of a firewall-mark service keeps the port ipvsadm gives
it, while keepalived clears it ("has port specified - clearing"); the kernel forwards such
packets to the port they were sent to, whatever the destination's port, so both send traffic
to the same place.
The VM has no network to reach real servers and runs shell scripts slowly (TCG), so each
exported check-server command line is replaced by ``/bin/true`` or ``/bin/false`` by real
server address (``check-server`` itself is tested on the host, and ``keepalived -t`` accepts
the command lines); the placeholder of an empty service keeps its ``/bin/false``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from piranha_web.lvscf import parse
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.lvsd import lvsd_commands
from tests.helpers.ipvs_vm import run_job

pytestmark = pytest.mark.vm

CHECK = "/usr/bin/piranha-web"
MISC_PATH = re.compile(r'misc_path "[^"]*--address ([\d.]+)[^"]*"')
DOWN = {"10.0.0.12", "10.0.0.41"}  # web/w2 (quiesced) and mail/m1 (sorry server takes over)

SERVICES = """\
virtual web {
    active = 1
    address = 198.51.100.10 eth0:1
    vip_nmask = 255.255.255.0
    port = 80
    send = "GET / HTTP/1.0\\r\\n\\r\\n"
    expect = "HTTP"
    scheduler = wlc
    timeout = 5
    quiesce_server = 1
    server w1 {
        address = 10.0.0.11
        active = 1
        weight = WEIGHT
    }
    server w2 {
        address = 10.0.0.12
        active = 1
        weight = 1
    }
}
virtual dns {
    active = 1
    address = 198.51.100.10 eth0:1
    vip_nmask = 255.255.255.0
    port = 53
    protocol = udp
    scheduler = rr
    timeout = 5
    server d1 {
        address = 10.0.0.21
        active = 1
        weight = 2
    }
DNS2}
virtual shop {
    active = 1
    address = 198.51.100.20 eth0:2
    vip_nmask = 255.255.255.0
    fwmark = 80
    port = 80
    persistent = 300
    pmask = 255.255.255.0
    expect = "HTTP"
    scheduler = sh
    timeout = 5
    server s1 {
        address = 10.0.0.31
        active = 1
    }
    server s2 {
        address = 10.0.0.32
        port = 8080
        active = 1
    }
}
virtual mail {
    active = 1
    address = 198.51.100.30 eth0:3
    port = 25
    expect = "220"
    scheduler = lc
    timeout = 5
    sorry_server = 10.0.0.99
    server m1 {
        address = 10.0.0.41
        active = 1
    }
}
"""
#: issue 21's cases (see the module docstring), in every round
TRAPS = """\
virtual zero {
    active = 1
    address = 198.51.100.40 eth0:4
    port = 3306
    send = ""
    expect = ""
    timeout = 5
    server z1 {
        address = 10.0.2.1
        active = 1
        weight = 0
    }
}
virtual shop443 {
    active = 1
    address = 198.51.100.20 eth0:2
    fwmark = 80
    port = 443
    persistent = 300
    pmask = 255.255.255.0
    expect = "HTTP"
    timeout = 5
    server never {
        address = 10.0.2.2
        active = 1
    }
}
virtual shop81 {
    active = 1
    address = 198.51.100.20 eth0:2
    fwmark = 81
    port = 80
    persistent = 300
    pmask = 255.255.255.0
    expect = "HTTP"
    scheduler = rr
    timeout = 5
    server shared {
        address = 10.0.0.31
        active = 1
    }
    server s3 {
        address = 10.0.2.3
        active = 1
    }
}
virtual idle {
    active = 1
    address = 198.51.100.40 eth0:4
    port = 8080
    expect = "OK"
    timeout = 5
    server i1 {
        address = 10.0.2.4
        active = 0
    }
}
virtual idlesorry {
    active = 1
    address = 198.51.100.40 eth0:4
    port = 8443
    expect = "OK"
    sorry_server = 10.0.2.99
    timeout = 5
    server i2 {
        address = 10.0.2.5
        active = 0
    }
}
"""
OTHERS = [("wrr", 110), ("lblc", 143), ("lblcr", 993), ("dh", 3128)]


def document(network: str, edited: bool) -> str:
    """The lvs.cf of one round."""
    head = (f"serial_no = 1\nprimary = 192.0.2.1\nbackup_active = 1\nbackup = 192.0.2.2\n"
            f"keepalive = 1\ndeadtime = 3\nnetwork = {network}\ntcp_timeout = 900\n"
            f"tcpfin_timeout = 30\nudp_timeout = 60\n")
    dns2 = "" if edited else ("    server d2 {\n        address = 10.0.0.22\n"
                              "        active = 1\n    }\n")
    body = SERVICES.replace("WEIGHT", "4" if edited else "3").replace("DNS2", dns2) + TRAPS
    others = OTHERS + ([("rr", 8000)] if edited else [])
    for index, (scheduler, port) in enumerate(others):
        active = 0 if edited and scheduler == "lblc" else 1
        body += (f"virtual {scheduler}{port} {{\n    active = {active}\n"
                 f"    address = 198.51.100.30 eth0:3\n    port = {port}\n    expect = \"OK\"\n"
                 f"    scheduler = {scheduler}\n    timeout = 5\n"
                 f"    server r{index} {{\n        address = 10.0.1.{index + 1}\n"
                 f"        active = 1\n        weight = {index + 2}\n    }}\n}}\n")
    return head + body


#: (network, edited, how keepalived gets the file); a SIGHUP that changes the forwarding method
#: is not used: keepalived 2.2.7 then gives failed real servers their weight back and keeps the
#: sorry server's old method (seen in this VM), so a method change needs a restart.
ROUNDS = [("nat", False), ("nat", True), ("direct", True), ("tunnel", True)]

JOB = """\
busybox --install -s /bin
mount -t tmpfs run /host/run
ip link add eth0 type dummy
ip addr add 192.0.2.1/24 dev eth0
ip link set eth0 multicast on
ip link set eth0 up
lvsd() {  # lvsd's table for round $1, from scratch in a second network namespace
  unshare -n sh -c "ip link set lo up; sh /job/$1.lvsd.sh > /job/$1.lvsd.log 2>&1;
    ipvsadm -Sn | sort > /job/$1.lvsd.S; ipvsadm -L --timeout > /job/$1.lvsd.timeout"
  awk '/^-a -f .* -[gi] / { sub(/:[0-9]+ /, ":0 ") } { print }' /job/$1.lvsd.S |
    sort > /job/$1.want
}
reach() {  # until keepalived's table is lvsd's (the hand-added server aside), at most ~30 s
  n=0
  until ipvsadm -Sn | grep -v 10.0.9.9 | sort | cmp -s - /job/$1.want || [ $n -ge 100 ]; do
    sleep 0.3; n=$((n + 1))
  done
  sleep 0.5
}
snapshot() {
  n=0
  until ip -o addr show dev eth0 | grep -q 198.51.100.30 || [ $n -ge 100 ]; do
    sleep 0.2; n=$((n + 1))
  done
  ipvsadm -Sn | sort > /job/$1.keepalived.S
  ipvsadm -L --timeout > /job/$1.keepalived.timeout
  ip -o addr show dev eth0 > /job/$1.addr
}
start() {
  cp /job/$1.conf /job/keepalived.conf
  chroot /host /usr/sbin/keepalived -n -l -G -D -f /tmp/job/keepalived.conf \
    >> /job/keepalived.log 2>&1 &
  n=0
  until [ -s /host/run/keepalived.pid ] || [ $n -ge 100 ]; do sleep 0.1; n=$((n + 1)); done
  pid=$(cat /host/run/keepalived.pid)
}
stop() {
  kill -TERM $pid
  n=0
  while kill -0 $pid 2>/dev/null && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
}
for r in r1 r2 r3 r4; do lvsd $r; done
start r1
reach r1
snapshot r1
ipvsadm -a -t 198.51.100.10:80 -r 10.0.9.9:80 -m -w 7
cp /job/r2.conf /job/keepalived.conf
kill -HUP $pid
reach r2
snapshot r2
for r in r3 r4; do
  stop
  start $r
  reach $r
  snapshot $r
done
stop
"""


def vm_checks(text: str) -> str:
    """``text`` with each check command replaced by /bin/false (down) or /bin/true (up)."""
    replaced = MISC_PATH.sub(
        lambda m: f"misc_path /bin/{'false' if m.group(1) in DOWN else 'true'}", text)
    assert "TCP_CHECK" not in replaced and "check-server" not in replaced
    return replaced


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keepalived_vm")
    for number, (network, edited) in enumerate(ROUNDS, start=1):
        doc = parse(document(network, edited))
        export = export_keepalived(doc, check_command=CHECK)
        (directory / f"r{number}.conf").write_text(vm_checks(export.text))
        down = {(vs.name, rs.name) for vs in doc.model().virtuals for rs in vs.servers
                if rs.address in DOWN}
        commands = [c for c in lvsd_commands(doc.model(), down) if c.fails is None]
        (directory / f"r{number}.lvsd.sh").write_text("".join(f"{c}\n" for c in commands))
    return run_job(directory, JOB)


def table(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if line.strip()]


def without_dr_fwmark_ports(lines: list[str]) -> list[str]:
    """The normalisation of the module docstring (DR/TUN destinations of a mark: port 0)."""
    return [re.sub(r"^(-a -f \d+ -r [\d.]+):\d+( -[gi] )", r"\1:0\2", line) for line in lines]


@pytest.mark.parametrize("round_", ["r1", "r2", "r3", "r4"])
def test_keepalived_builds_the_table_lvsd_builds(vm: Path, round_: str) -> None:
    ours = table(vm / f"{round_}.keepalived.S")
    lvsd = table(vm / f"{round_}.lvsd.S")
    if round_ == "r2":  # the real server added by hand before the SIGHUP is still there
        foreign = "-a -t 198.51.100.10:80 -r 10.0.9.9:80 -m -w 7"
        assert foreign in ours, (vm / "keepalived.log").read_text()[-3000:]
        ours.remove(foreign)
    assert len(ours) > 10
    assert sorted(ours) == sorted(without_dr_fwmark_ports(lvsd)), (
        f"{(vm / 'keepalived.log').read_text()[-3000:]}\n{(vm / f'{round_}.lvsd.log').read_text()}")
    assert (vm / f"{round_}.keepalived.timeout").read_text() == (
        vm / f"{round_}.lvsd.timeout").read_text()


def test_a_fwmark_nat_real_server_keeps_its_port_and_keepalived_clears_it_for_dr(
    vm: Path
) -> None:
    for source in ("lvsd", "keepalived"):
        assert "-a -f 80 -r 10.0.0.32:8080 -m -w 1" in table(vm / f"r1.{source}.S")
    assert "-a -f 80 -r 10.0.0.32:8080 -g -w 1" in table(vm / "r3.lvsd.S")
    assert "-a -f 80 -r 10.0.0.32:0 -g -w 1" in table(vm / "r3.keepalived.S")


@pytest.mark.parametrize(("round_", "method"), [("r1", "-m"), ("r3", "-g")])
def test_issue_21_traffic_goes_where_lvsd_sends_it(vm: Path, round_: str, method: str) -> None:
    ours = "\n".join(table(vm / f"{round_}.keepalived.S"))
    assert f"-a -t 198.51.100.40:3306 -r 10.0.2.1:3306 {method} -w 1" in ours  # weight 0
    assert "10.0.2.2" not in ours  # the second block with mark 80 is never monitored
    assert "-A -f 81 -s rr -p 300 -M 255.255.255.0" in ours
    assert "-a -f 81 -r 10.0.2.3:" in ours and "-a -f 81 -r 10.0.0.31:" not in ours
    assert "-a -f 80 -r 10.0.0.31:" in ours  # the shared server stays with the first mark
    for service in ("198.51.100.40:8080", "198.51.100.40:8443"):  # empty, no sorry server
        assert f"-A -t {service} -s wlc" in ours and f"-a -t {service} " not in ours
    assert "10.0.2.99" not in ours and "127.0.0.1" not in ours


def test_the_table_covers_what_the_issue_asks(vm: Path) -> None:
    r1 = "\n".join(table(vm / "r1.keepalived.S"))
    for scheduler in ("wlc", "rr", "sh", "lc", "wrr", "lblc", "lblcr", "dh"):
        assert f"-s {scheduler}" in r1
    assert "-A -f 80 -s sh -p 300 -M 255.255.255.0" in r1
    assert "-A -u 198.51.100.10:53 -s rr" in r1
    assert "-r 10.0.0.12:80 -m -w 0" in r1  # quiesced
    assert "-r 10.0.0.99:25 -m -w 1" in r1  # sorry server
    r2 = "\n".join(table(vm / "r2.keepalived.S"))
    assert "-r 10.0.0.11:80 -m -w 4" in r2 and "10.0.0.22" not in r2 and ":143" not in r2
    assert "-A -t 198.51.100.30:8000 -s rr" in r2
    assert " -g " in "\n".join(table(vm / "r3.keepalived.S"))
    assert " -i " in "\n".join(table(vm / "r4.keepalived.S"))
    assert "900 30 60" in (vm / "r1.keepalived.timeout").read_text()


def test_the_vips_are_on_their_device_with_their_labels(vm: Path) -> None:
    addresses = (vm / "r1.addr").read_text()
    for vip, label in (("198.51.100.10/24", "eth0:1"), ("198.51.100.20/24", "eth0:2"),
                       ("198.51.100.30/32", "eth0:3")):
        assert re.search(rf"inet {re.escape(vip)} .*{label}", addresses), addresses
