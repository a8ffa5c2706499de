"""Edge cases: the keepalived export sends traffic where pulse, lvsd and nanny would, and says
what differs; ``export lvsd`` (the reference of the VM test) makes the same choices.

Each case states what the daemons do with it and where that was settled: lvsd.c and nanny.c of
Piranha 0.8.6 read through the search tool (``startVirtualServer``, ``startClientMonitor``,
``cmpRealServers`` in lvsd.c; ``main``, ``bringUpDev``, ``adjustWeight``, ``pinger`` in nanny.c),
docs/reference/piranha.md §3 and §8 (the daemons built and run in the IPVS VM), keepalived 2.2.7's
``validate_check_config`` ("has no real servers - ignoring").  Every case is also checked with
the real ``keepalived -t`` for both routers, in a network namespace holding its devices.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from piranha_web.lvscf import parse, schema
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.lvsd import lvsd_commands
from piranha_web.lvscf.validate import validate
from tests.helpers.keepalived import assert_accepted

CHECK = "/bin/true"  # an existing program: keepalived -t checks a script's path
HEAD = ("serial_no = 7\nprimary = 192.0.2.1\nbackup_active = 1\nbackup = 192.0.2.2\n"
        "keepalive = 2\ndeadtime = 6\nnetwork = {network}\n")


def virtual(name: str = "web", *lines: str, servers: str | None = None) -> str:
    """A virtual block (VIP 198.51.100.10 on eth0:1, port 80, expect "HTTP") with ``lines``
    and ``servers`` (one active server 10.0.0.11 when None)."""
    body = "".join(f"    {line}\n" for line in lines)
    if servers is None:
        servers = server("a", "address = 10.0.0.11")
    return (f"virtual {name} {{\n    active = 1\n    address = 198.51.100.10 eth0:1\n"
            f"    vip_nmask = 255.255.255.0\n{body}    expect = \"HTTP\"\n    timeout = 5\n"
            f"    reentry = 10\n{servers}}}\n")


def server(name: str, *lines: str, active: int = 1) -> str:
    return (f"    server {name} {{\n        active = {active}\n"
            + "".join(f"        {line}\n" for line in lines) + "    }\n")


@dataclass(frozen=True)
class Case:
    """One lvs.cf, what the daemons do with it, and what both exports must (not) contain."""

    does: str  # what pulse/lvsd/nanny do, and the source read
    body: str
    network: str = "nat"
    lvsd: tuple[str, ...] = ()  # ipvsadm commands lvsd/nanny run (that succeed)
    not_lvsd: tuple[str, ...] = ()
    conf: tuple[str, ...] = ()  # lines (stripped) of the primary's keepalived.conf
    not_conf: tuple[str, ...] = ()  # substrings of no configuration line
    warns: tuple[str, ...] = ()  # substrings of some warning
    backup: tuple[str, ...] = ()  # lines of the backup's keepalived.conf
    backup_warns: tuple[str, ...] = ()
    refused: bool = False  # check refuses the file (an error pulse/lvsd would hit)
    head: str = field(default=HEAD)


MARK = ("fwmark = 80", "port = 80", "persistent = 60")
CASES: dict[str, Case] = {
    "weight 0": Case(
        "nanny adds the server at max(1, 0 >> 5) = 1 and never lowers it without a load monitor "
        "(nanny.c bringUpDev/adjustWeight; piranha.md §8)",
        virtual(servers=server("a", "address = 10.0.0.11", "weight = 0")),
        lvsd=("-r 10.0.0.11:80 -m -w 1",), conf=("weight 1",), not_conf=("weight 0",),
        warns=("weight 0 is written as 1",)),
    "negative weight": Case(
        "lvsconfig.c reads any sign; nanny starts at max(1, -5 >> 5) = 1 (nanny.c)",
        virtual(servers=server("a", "address = 10.0.0.11", "weight = -5")),
        lvsd=("-r 10.0.0.11:80 -m -w 1",), conf=("weight 1",), warns=("weight -5 is written",)),
    "weight 100": Case(
        "nanny starts at 100 >> 5 = 3 and doubles up to 100 (nanny.c adjustWeight)",
        virtual(servers=server("a", "address = 10.0.0.11", "weight = 100")),
        lvsd=("-r 10.0.0.11:80 -m -w 100",), conf=("weight 100",)),
    "all weights 0 and a sorry server": Case(
        "every server is added at weight 1, the sorry server only when all are down (§3.8); "
        "keepalived would see weight 0 servers as no quorum and use the sorry server",
        virtual("web", "sorry_server = 10.0.0.99",
                servers=server("a", "address = 10.0.0.11", "weight = 0")
                + server("b", "address = 10.0.0.12", "weight = 0")),
        lvsd=("-r 10.0.0.11:80 -m -w 1", "-r 10.0.0.12:80 -m -w 1"), not_lvsd=("10.0.0.99",),
        conf=("sorry_server 10.0.0.99 80",), not_conf=("weight 0",)),
    "fwmark NAT with a real-server port": Case(
        "nanny adds -f 80 -r RIP:8080 -m; the kernel rewrites the port (lvsd.c "
        "startClientMonitor passes -r RPORT; piranha.md §8)",
        virtual("mark", *MARK, servers=server("s", "address = 10.0.0.32", "port = 8080")),
        lvsd=("-a -f 80 -r 10.0.0.32:8080 -m -w 1",), conf=("real_server 10.0.0.32 8080 {",)),
    "fwmark NAT sorry server": Case(
        "lvsd adds the sorry server with the virtual port, kept under NAT (piranha.md §8)",
        virtual("mark", *MARK, "sorry_server = 10.0.0.99",
                servers=server("s", "address = 10.0.0.32")),
        conf=("sorry_server 10.0.0.99 80",)),
    "fwmark DR": Case(
        "ipvsadm gives a DR destination the service's port, 0 for a mark: no port is written",
        virtual("mark", *MARK, "sorry_server = 10.0.0.99",
                servers=server("s", "address = 10.0.0.32", "port = 8080")),
        network="direct", lvsd=("-a -f 80 -r 10.0.0.32:8080 -g -w 1",),
        conf=("real_server 10.0.0.32 {", "sorry_server 10.0.0.99")),
    "two blocks, one fwmark": Case(
        "the second ipvsadm -A -f 80 fails; lvsd.c startVirtualServer then returns before "
        "startClientMonitor: the second block's servers never enter the table",
        virtual("one", *MARK, servers=server("a", "address = 10.0.0.11"))
        + virtual("two", "fwmark = 80", "port = 443", "persistent = 60",
                  servers=server("b", "address = 10.0.0.12")),
        lvsd=("-a -f 80 -r 10.0.0.11:80 -m -w 1",), not_lvsd=("10.0.0.12",),
        not_conf=("10.0.0.12",), warns=("virtual two not translated: it is the same IPVS",)),
    "two blocks, one VIP, port and protocol": Case(
        "the second ipvsadm -A -t fails, its servers are never monitored (lvsd.c; §8)",
        virtual("one") + virtual("two", servers=server("b", "address = 10.0.0.12")),
        not_lvsd=("10.0.0.12",), not_conf=("10.0.0.12",), warns=("lvsd's ipvsadm -A fails",),
        refused=True),
    "one VIP and port, two protocols": Case(
        "TCP and UDP services are different IPVS services: both run",
        virtual("tcp", "port = 53") + virtual(
            "udp", "port = 53", "protocol = udp", servers=server("b", "address = 10.0.0.12")),
        lvsd=("-a -t 198.51.100.10:53 -r 10.0.0.11:53", "-a -u 198.51.100.10:53 -r 10.0.0.12:53"),
        conf=("virtual_server 198.51.100.10 53 {", "protocol UDP")),
    "two fwmarks sharing a real server": Case(
        "lvsd.c cmpRealServers compares VIP, RIP, port, rport and protocol, not the mark: the "
        "second mark's nanny for the shared server never starts",
        virtual("one", *MARK, servers=server("a", "address = 10.0.0.11"))
        + virtual("two", "fwmark = 81", "port = 80", "persistent = 60",
                  servers=server("a", "address = 10.0.0.11") + server("b",
                                                                      "address = 10.0.0.12")),
        lvsd=("-a -f 80 -r 10.0.0.11:80", "-a -f 81 -r 10.0.0.12:80"),
        not_lvsd=("-a -f 81 -r 10.0.0.11",), warns=("a nanny already runs for 10.0.0.11:80",)),
    "two fwmarks, shared server on another port": Case(
        "the real port is part of lvsd's key: both marks get the server",
        virtual("one", *MARK, servers=server("a", "address = 10.0.0.11"))
        + virtual("two", "fwmark = 81", "port = 80", "persistent = 60",
                  servers=server("a", "address = 10.0.0.11", "port = 8080")),
        lvsd=("-a -f 80 -r 10.0.0.11:80", "-a -f 81 -r 10.0.0.11:8080")),
    "a real server listed twice": Case(
        "one nanny for the address and port (lvsd.c findClientInList): the first one's weight",
        virtual(servers=server("a", "address = 10.0.0.11", "weight = 3")
                + server("b", "address = 10.0.0.11", "weight = 9")),
        lvsd=("-r 10.0.0.11:80 -m -w 3",), not_lvsd=("-w 9",), not_conf=("weight 9",)),
    "one address on two ports (NAT)": Case(
        "two nannies, two destinations",
        virtual(servers=server("a", "address = 10.0.0.11")
                + server("b", "address = 10.0.0.11", "port = 8080")),
        lvsd=("-r 10.0.0.11:80 -m", "-r 10.0.0.11:8080 -m"),
        conf=("real_server 10.0.0.11 80 {", "real_server 10.0.0.11 8080 {")),
    "all real servers inactive": Case(
        "lvsd still runs ipvsadm -A: an empty service (lvsd.c startVirtualServer)",
        virtual(servers=server("a", "address = 10.0.0.11", active=0)),
        lvsd=("-A -t 198.51.100.10:80 -s wlc",), not_lvsd=("-a -t",),
        conf=("virtual_server 198.51.100.10 80 {", 'misc_path "/bin/false"'),
        warns=("lvsd creates the IPVS service empty (and adds no sorry server)",)),
    "all real servers inactive, sorry server": Case(
        "no monitor starts, so the service never counts as running: no sorry server (§8)",
        virtual("web", "sorry_server = 10.0.0.99",
                servers=server("a", "address = 10.0.0.11", active=0)),
        not_lvsd=("10.0.0.99",), not_conf=("sorry_server",),
        warns=("sorry_server not translated: lvsd adds it only",)),
    "no server block at all": Case(
        "the same empty service", virtual(servers=""), lvsd=("-A -t 198.51.100.10:80",),
        conf=('misc_path "/bin/false"',)),
    "empty send and expect": Case(
        "lvsd passes -s '' -x '' (lvsd.c strip_quotes of \"\"), nanny writes nothing and reads "
        "nothing: the servers are checked, not dropped (netkiller mysql-virtual-only)",
        virtual("db", "port = 3306", 'send = ""', 'expect = ""'),
        conf=("real_server 10.0.0.11 3306 {",),
        lvsd=("-r 10.0.0.11:3306 -m -w 1",)),
    "empty send on port 80": Case(
        "a send string is set, so nanny.c main() does not assume its HTTP default",
        virtual("web", 'send = ""').replace('    expect = "HTTP"\n', ""),
        conf=("real_server 10.0.0.11 80 {",)),
    "backup_active = 0": Case(
        "pulse on the backup exits (piranha.md §2, PC:2878-2884): the backup file runs nothing",
        virtual(), head=HEAD.replace("backup_active = 1", "backup_active = 0"),
        conf=("state MASTER",), backup_warns=("pulse on the backup router exits",),
        backup=("router_id piranha_backup",), not_conf=("unicast_peer",)),
    "failback": Case(
        "with a backup, the primary's keepalived preempts when it returns: said as a warning",
        virtual(), warns=("failback:",), backup=("state BACKUP",)),
    "one VIP on two labels of one device": Case(
        "pulse raises the address once; the second label is not used",
        virtual("one") + virtual("two", "port = 443").replace("eth0:1", "eth0:2"),
        conf=("198.51.100.10/24 dev eth0 label eth0:1",), not_conf=("label eth0:2",),
        warns=("198.51.100.10 is already raised on eth0:1",)),
    "one VIP on two devices": Case(
        "two interfaces, two addresses: both raised",
        virtual("one") + virtual("two", "port = 443").replace("eth0:1", "eth1:1"),
        conf=("198.51.100.10/24 dev eth0 label eth0:1", "198.51.100.10/24 dev eth1 label eth1:1")),
    "reentry absent": Case(
        "nanny.c main(): -a 0 means 180 s for an LVS nanny; keepalived re-adds at once",
        virtual().replace("    reentry = 10\n", ""), warns=("nanny's default reentry (180 s)",)),
    "reentry 0": Case(
        "reentry = 0 reaches nanny as -a 0, which nanny replaces with 180 s",
        virtual().replace("reentry = 10", "reentry = 0"),
        warns=("nanny's default reentry (180 s)", "reentry = 0 not translated")),
    "monitor_links": Case(
        "pulse checks the links of the VIP devices; keepalived's VRRP only its own interface",
        virtual(), head=HEAD + "monitor_links = 1\n", warns=("monitor_links = 1 not translated",)),
    "active_cmd and inactive_cmd": Case(
        "pulse execv()s them when the router becomes active / inactive (PC:1331-1373)",
        virtual(), head=HEAD + 'active_cmd = "/usr/local/bin/up"\ninactive_cmd = /bin/true\n',
        warns=("pulse runs it when this router becomes active",
               "pulse runs it when this router becomes inactive")),
    "quiesce_server": Case(
        "nanny sets a failed server's weight to 0 instead of removing it (-q, §3.6)",
        virtual("web", "quiesce_server = 1"), conf=("inhibit_on_failure",),
        warns=("keepalived keeps a failed real server at weight 0 even if it never came up",)),
    "inactive virtual server": Case(
        "lvsd starts only active virtual servers",
        virtual().replace("active = 1\n    address", "active = 0\n    address")
        + virtual("other", "port = 443"),
        not_lvsd=(":80",), not_conf=("198.51.100.10 80",), warns=("virtual web is inactive",)),
    "hard_shutdown, debug_level, heartbeat_port, rsh_command": Case(
        "settings of pulse/lvsd without a keepalived meaning",
        virtual(), head=HEAD + "hard_shutdown = 0\ndebug_level = NONE\nheartbeat = 1\n"
        "heartbeat_port = 539\nrsh_command = ssh\nipvsadm = /sbin/ipvsadm\nsync = 0\n",
        warns=("hard_shutdown = 0 not translated", "debug_level = NONE not translated",
               "heartbeat_port = 539 not translated", "rsh_command = ssh not translated",
               "ipvsadm = /sbin/ipvsadm not translated")),
    "DR with another real-server port": Case(
        "ipvsadm stores the virtual port; nanny checks 8080 and its removal of :8080 fails "
        "(check names the trap: port-mapping)",
        virtual(servers=server("a", "address = 10.0.0.11", "port = 8080")), network="direct",
        lvsd=("-r 10.0.0.11:8080 -g -w 1",), conf=("real_server 10.0.0.11 80 {",),
        warns=("port 8080 is not used with DR",)),
    "tunnel": Case("lvsd passes -M i to nanny, ipvsadm -i", virtual(), network="tunnel",
                   lvsd=("-r 10.0.0.11:80 -i -w 1",), conf=("lb_kind TUN",)),
    "persistence and pmask": Case(
        "lvsd adds -p and -M only when pmask is not 0; 255.255.255.255 means no mask",
        virtual("web", "persistent = 300", "pmask = 255.255.255.0")
        + virtual("w2", "port = 81", "persistent = 30", "pmask = 255.255.255.255"),
        lvsd=("-A -t 198.51.100.10:80 -s wlc -p 300 -M 255.255.255.0",
              "-A -t 198.51.100.10:81 -s wlc -p 30"),
        conf=("persistence_timeout 300", "persistence_granularity 255.255.255.0"),
        not_lvsd=("-p 30 -M",)),
    "UDP with expect": Case(
        "nanny -u sends and expects over UDP: checked by check-server, not TCP_CHECK",
        virtual("dns", "port = 53", "protocol = udp"), lvsd=("-A -u 198.51.100.10:53",),
        conf=("protocol UDP",)),
    "send_program and use_regex": Case(
        "nanny runs the program (send discarded) and compares its output exactly",
        virtual("web", 'send_program = "/usr/local/bin/chk %h"', "use_regex = 1"),
        conf=("real_server 10.0.0.11 80 {",)),
    "load_monitor uptime": Case(
        "nanny runs rsh_command IP uptime to raise weights; keepalived has no such thing",
        virtual("web", "load_monitor = uptime", "scheduler = rr"),
        warns=("load_monitor = uptime not translated",)),
    "every scheduler": Case(
        "lvsd passes the scheduler to ipvsadm -s",
        "".join(virtual(f"s{sched}", f"port = {port}", f"scheduler = {sched}")
                for port, sched in enumerate(("rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
                                              "sh"), start=8000)),
        lvsd=("-s lblcr", "-s dh"), conf=("lb_algo lblcr", "lb_algo sh")),
    "NAT router, sync daemon, timeouts, private heartbeat": Case(
        "pulse raises nat_router, starts ipvsadm --start-daemon with syncd_id & 0xff, lvsd "
        "sets the timeouts",
        virtual(), head=HEAD + "primary_private = 10.9.0.1\nbackup_private = 10.9.0.2\n"
        "nat_router = 10.0.0.254 eth1:1\nnat_nmask = 255.255.255.0\nsyncdaemon = 1\n"
        "syncd_iface = eth1\nsyncd_id = 290\ntcp_timeout = 900\ntcpfin_timeout = 30\n"
        "udp_timeout = 60\nservice = lvs\n",
        lvsd=("--set 900 30 60",),
        conf=("lvs_sync_daemon eth1 VI_1 id 34", "10.0.0.254/24 dev eth1 label eth1:1",
              "unicast_src_ip 10.9.0.1", "lvs_timeouts tcp 900 tcpfin 30 udp 60"),
        backup=("unicast_src_ip 10.9.0.2",)),
    "parsed but unused keys": Case(
        "lvsconfig.c parses master, dirs, sync and the FOS shared-storage keys; LVS ignores them",
        virtual("web", "master = 192.0.2.1", "dirs = [ a b ]"),
        head=HEAD + "primary_shared = /dev/sdb\nbackup_shared = /dev/sdb\n"
        "reservation_conflict_action = nothing\n",
        not_conf=("master", "dirs")),
    "client_monitor and failover start/stop commands": Case(
        "lvsd runs client_monitor instead of nanny; start_cmd/stop_cmd belong to failover",
        virtual("web", "client_monitor = /usr/sbin/nanny", 'start_cmd = "/bin/true"',
                'stop_cmd = "/bin/true"'),
        warns=("client_monitor = /usr/sbin/nanny not translated",)),
}


def lvsd_text(doc_text: str) -> str:
    return "\n".join(str(c) for c in lvsd_commands(parse(doc_text).model()) if c.fails is None)


def config_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if not line.lstrip().startswith("#")]


def source(case: Case) -> str:
    return case.head.format(network=case.network) + case.body


def test_there_are_thirty_cases_and_they_cover_every_key() -> None:
    assert len(CASES) >= 30
    written = {m.group(1) for case in CASES.values()
               for m in re.finditer(r"^\s*([a-z_]+) =", source(case), re.M)}
    for scope in ("global", "virtual", "server"):
        missing = set(schema.KEYS[scope]) - written
        assert not missing, f"{scope} keys no case covers: {sorted(missing)}"


@pytest.mark.parametrize("name", CASES)
def test_check_accepts_the_case_unless_lvsd_would_fail(name: str) -> None:
    errors = [f for f in validate(parse(source(CASES[name]))) if f.is_error]
    assert bool(errors) == CASES[name].refused, errors


@pytest.mark.parametrize("name", CASES)
def test_export_lvsd_runs_what_lvsd_and_nanny_run(name: str) -> None:
    case = CASES[name]
    text = lvsd_text(source(case))
    for wanted in case.lvsd:
        assert wanted in text, f"{case.does}\n{text}"
    for unwanted in case.not_lvsd:
        assert unwanted not in text, f"{case.does}\n{text}"


@pytest.mark.parametrize("name", CASES)
def test_keepalived_sends_traffic_where_lvsd_would_and_says_what_differs(name: str) -> None:
    case = CASES[name]
    doc = parse(source(case))
    primary = export_keepalived(doc, "primary", check_command=CHECK)
    lines = config_lines(primary.text)
    for wanted in case.conf:
        assert wanted in lines, f"{case.does}\n{primary.text}"
    for unwanted in case.not_conf:
        assert not any(unwanted in line for line in lines), f"{case.does}\n{primary.text}"
    messages = [str(w) for w in primary.warnings]
    for warning in case.warns:
        assert any(warning in m for m in messages), f"{warning!r} not in {messages}"
    backup = export_keepalived(doc, "backup", check_command=CHECK)
    for wanted in case.backup:
        assert wanted in config_lines(backup.text)
    for warning in case.backup_warns:
        assert any(warning in str(w) for w in backup.warnings)
    if case.backup_warns:  # the inactive backup never takes the VIPs
        assert "vrrp_instance" not in backup.text and "virtual_server" not in backup.text


@pytest.mark.parametrize("router", ["primary", "backup"])
@pytest.mark.parametrize("name", CASES)
def test_keepalived_accepts_the_export_of_every_case(name: str, router: str,
                                                     tmp_path: Path) -> None:
    export = export_keepalived(parse(source(CASES[name])), router, check_command=CHECK)
    assert_accepted(export.text, tmp_path)


def test_the_netkiller_mysql_file_keeps_its_real_servers() -> None:
    """The corpus file with ``send = ""`` and ``expect = ""`` used to export no real server."""
    corpus = Path(__file__).parents[1] / "data" / "corpus"
    text = (corpus / "netkiller-docs__fsid2380789243__mysql-virtual-only.cf").read_text()
    export = export_keepalived(parse(text), check_command=CHECK)
    lines = config_lines(export.text)
    for address in ("172.16.1.46", "172.16.1.47", "172.16.1.48"):
        assert f"real_server {address} 3306 {{" in lines
    checks = [line for line in lines if line.startswith("misc_path")]
    assert len(checks) == 3 and all("--send-hex= --expect-hex=" in c for c in checks)
