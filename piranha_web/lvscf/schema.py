"""Every key Piranha's C parser knows, per block kind: value kind, default, order, GUI label.

Document values stay strings; this module says how to read them (``kind``), what the daemons
assume when a key is absent (``default``, from lvsconfig.c, docs/reference/piranha.md §1.6), and in
which order Piranha's GUI writes keys (``GLOBAL_ORDER`` etc., §1.7a), which is where new keys are
inserted.  ``failover`` blocks share the ``virtual`` key set (one struct in the C parser).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Kind(Enum):
    """How the C parser reads a value."""

    INT = "int"  # strtol base 0: 010 is 8, 0x10 is 16, negatives accepted
    BOOL = "bool"  # integer 0 or 1
    PORT = "port"  # integer or a service name from /etc/services
    HOST = "host"  # inet_aton forms or a host name resolved at daemon start
    IP = "ip"  # inet_aton forms only
    NETMASK = "netmask"  # dotted mask, inet_aton
    CHOICE = "choice"  # one of ``choices``, case-sensitive
    WORD = "word"  # one token, free text
    STRING = "string"  # one token, usually quoted ("GET / HTTP/1.0\r\n\r\n")
    ADDRESS = "address"  # two tokens: IP DEVICE
    LIST = "list"  # = [ a b c ]


@dataclass(frozen=True)
class KeySpec:
    """One key of one block kind."""

    name: str
    kind: Kind
    default: str | None = None
    choices: tuple[str, ...] = ()
    label: str = ""
    help: str = ""

    @property
    def arity(self) -> int | None:
        """Number of value tokens the C parser requires (None: a bracketed list)."""
        if self.kind is Kind.ADDRESS:
            return 2
        if self.kind is Kind.LIST:
            return None
        return 1


SCHEDULERS: tuple[tuple[str, str], ...] = (
    ("rr", "Round robin"),
    ("wlc", "Weighted least-connections"),
    ("wrr", "Weighted round robin"),
    ("lc", "Least-connection"),
    ("lblc", "Locality-Based Least-Connection Scheduling"),
    ("lblcr", "Locality-Based Least-Connection Scheduling (R)"),
    ("dh", "Destination Hash Scheduling"),
    ("sh", "Source Hash Scheduling"),
)
WEIGHTED_SCHEDULERS = frozenset({"wlc", "wrr"})

#: the masks of Piranha's netmask drop-downs, in the GUI's order
NETMASKS: tuple[str, ...] = (
    "255.255.255.255",
    "255.255.255.252",
    "255.255.255.248",
    "255.255.255.240",
    "255.255.255.224",
    "255.255.255.192",
    "255.255.255.128",
    "255.255.255.0",
    "255.255.254.0",
    "255.255.252.0",
    "255.255.248.0",
    "255.255.240.0",
    "255.255.224.0",
    "255.255.192.0",
    "255.255.128.0",
    "255.255.0.0",
)

LOAD_MONITORS = ("none", "rup", "ruptime", "uptime")

_G = Kind
GLOBAL_KEYS: tuple[KeySpec, ...] = (
    KeySpec("serial_no", _G.INT, "0", label="Serial number",
            help="Bumped on every save; no daemon reads it."),
    KeySpec("primary", _G.HOST, label="Primary server public IP",
            help="Public address of the primary LVS router; pulse compares it with this "
            "host's addresses to decide whether it is the primary."),
    KeySpec("primary_private", _G.HOST, label="Primary server private IP",
            help="Optional address on a private network for a second heartbeat channel."),
    KeySpec("primary_shared", _G.WORD),
    KeySpec("service", _G.CHOICE, "lvs", ("lvs", "fos")),
    KeySpec("rsh_command", _G.WORD, "rsh"),
    KeySpec("backup_active", _G.BOOL, "0", label="Backup status",
            help="1 enables the backup router (redundancy)."),
    KeySpec("backup", _G.HOST, label="Redundant server public IP",
            help="Public address of the backup LVS router."),
    KeySpec("backup_private", _G.HOST, label="Redundant server private IP",
            help="Backup router's address on the private heartbeat network."),
    KeySpec("backup_shared", _G.WORD),
    KeySpec("heartbeat", _G.BOOL, "0"),
    KeySpec("heartbeat_port", _G.PORT, "539", label="Heartbeat runs on port",
            help="UDP port of the pulse heartbeat."),
    KeySpec("keepalive", _G.INT, "2", label="Heartbeat interval (seconds)",
            help="Seconds between heartbeats."),
    KeySpec("deadtime", _G.INT, "5", label="Assume dead after (seconds)",
            help="Seconds of silence after which the backup takes over."),
    KeySpec("network", _G.CHOICE, "nat", ("nat", "direct", "tunnel"), label="Network type",
            help="How IPVS forwards to real servers: NAT, Direct Routing or Tunneling."),
    KeySpec("nat_router", _G.ADDRESS, label="NAT Router IP / device",
            help="Floating gateway address of the real servers and the alias device it is "
            "raised on, e.g. 10.0.0.254 eth1:1."),
    KeySpec("nat_nmask", _G.NETMASK, label="NAT Router netmask"),
    KeySpec("reservation_conflict_action", _G.CHOICE, None, ("nothing", "preempt")),
    KeySpec("debug_level", _G.WORD, "NONE"),
    KeySpec("active_cmd", _G.STRING),
    KeySpec("inactive_cmd", _G.STRING),
    KeySpec("monitor_links", _G.INT, "0", label="Monitor NIC links for failures"),
    KeySpec("syncdaemon", _G.BOOL, "0", label="Use sync daemon"),
    KeySpec("syncd_iface", _G.WORD, "eth0", label="Sync daemon interface"),
    KeySpec("syncd_id", _G.INT, "0", label="Sync daemon ID"),
    KeySpec("tcp_timeout", _G.INT, "0", label="TCP timeout (seconds)"),
    KeySpec("tcpfin_timeout", _G.INT, "0", label="TCP FIN timeout (seconds)"),
    KeySpec("udp_timeout", _G.INT, "0", label="UDP timeout (seconds)"),
    KeySpec("hard_shutdown", _G.BOOL, "1"),
    KeySpec("ipvsadm", _G.WORD, "/sbin/ipvsadm"),
    KeySpec("sync", _G.BOOL, "0"),
)

VIRTUAL_KEYS: tuple[KeySpec, ...] = (
    KeySpec("active", _G.BOOL, "0", label="Status",
            help="lvsd starts only active virtual servers."),
    KeySpec("address", _G.ADDRESS, label="Virtual IP Address / Device",
            help="Enter the virtual server's floating IP address and the network device to "
            "which it binds, e.g. 192.168.1.10 eth0:1."),
    KeySpec("sorry_server", _G.IP, label="Sorry Server",
            help="Address that receives the traffic when every real server is down."),
    KeySpec("vip_nmask", _G.NETMASK, label="Virtual IP Network Mask",
            help="Set the netmask for this virtual server with the drop-down menu."),
    KeySpec("fwmark", _G.INT, "0", label="Firewall Mark",
            help="Do not enter a firewall mark unless you are bundling multi-port protocols "
            "or creating a multi-port virtual server for separate, but related protocols. "
            "The marks themselves must be assigned by iptables rules outside this tool."),
    KeySpec("port", _G.PORT, "80", label="Application port",
            help="Enter the port number through which the service application will listen."),
    KeySpec("persistent", _G.INT, "0", label="Persistence",
            help="If an administrator needs persistent connections to the virtual server "
            "during client transactions, enter the number of seconds of inactivity allowed "
            "to lapse before a connection times out. With a firewall mark, use the same "
            "persistence for each virtual server with that mark."),
    KeySpec("pmask", _G.NETMASK, label="Persistence Network Mask",
            help="To limit persistence to particular subnet, select the appropriate network "
            "mask from the drop-down menu."),
    KeySpec("send", _G.STRING, label="Send",
            help="A string for nanny to send to each real server; blank means nanny only "
            "opens the port. Printable ASCII and the escapes \\n \\r \\t \\\\ \\'; a double "
            "quote (also as \\\") only before the first blank, since lvs.cf has no escape "
            "inside quotes."),
    KeySpec("expect", _G.STRING, label="Expect",
            help="The textual response the server should return if it is functioning "
            "properly."),
    KeySpec("use_regex", _G.BOOL, "0", label="Treat expect string as a regular expression"),
    KeySpec("send_program", _G.STRING, label="Sending Program",
            help="Path to a service-checking script; the token %h is replaced with each real "
            "server's IP address. If set, the Send field is ignored."),
    KeySpec("load_monitor", _G.WORD, "none", LOAD_MONITORS, label="Load monitoring tool",
            help="rup needs rstatd on each real server, ruptime needs rwhod; both need Linux "
            "real servers. Hard to predict when combined with weighted schedulers."),
    KeySpec("scheduler", _G.CHOICE, "wlc", tuple(s for s, _ in SCHEDULERS), label="Scheduling",
            help="Select your preferred scheduling algorithm. The default is Weighted "
            "least-connection."),
    KeySpec("protocol", _G.CHOICE, "tcp", ("tcp", "udp"), label="Protocol",
            help="Choose between UDP and TCP."),
    KeySpec("timeout", _G.INT, "10", label="Service Timeout",
            help="Seconds before a real server is considered dead and removed from the "
            "cluster; nanny also checks every this many seconds."),
    KeySpec("reentry", _G.INT, "180", label="Re-entry Time",
            help="Seconds before the active LVS router attempts to bring a real server back "
            "into the cluster after a failure."),
    KeySpec("quiesce_server", _G.BOOL, "0", label="Quiesce server",
            help="On failure, set the real server's weight to 0 instead of removing it, so "
            "existing connections finish."),
    KeySpec("client_monitor", _G.WORD, "/usr/sbin/nanny"),
    KeySpec("start_cmd", _G.STRING),
    KeySpec("stop_cmd", _G.STRING),
    KeySpec("master", _G.HOST),
    KeySpec("dirs", _G.LIST),
)

SERVER_KEYS: tuple[KeySpec, ...] = (
    KeySpec("address", _G.HOST, "0.0.0.0", label="Address",
            help="The real server's IP address. Do not add a port number here."),
    KeySpec("active", _G.BOOL, "0", label="Status"),
    KeySpec("port", _G.INT, label="Port",
            help="Leave blank to default to the Virtual Server's Application Port."),
    KeySpec("weight", _G.INT, "1", label="Weight",
            help="An integer value indicating this host's capacity relative to that of other "
            "hosts in the pool."),
)

KEYS: dict[str, dict[str, KeySpec]] = {
    "global": {k.name: k for k in GLOBAL_KEYS},
    "virtual": {k.name: k for k in VIRTUAL_KEYS},
    "failover": {k.name: k for k in VIRTUAL_KEYS},
    "server": {k.name: k for k in SERVER_KEYS},
}

#: keys in the order Piranha's GUI writes them (new keys are inserted by this order)
ORDER: dict[str, tuple[str, ...]] = {scope: tuple(keys) for scope, keys in KEYS.items()}


def spec(scope: str, key: str) -> KeySpec | None:
    """The spec of ``key`` in a block of kind ``scope`` ('global', 'virtual', ...), if known."""
    return KEYS[scope].get(key)
