"""lvs.cf → keepalived.conf for one router (pure; docs/reference/peers.md §8).

What maps exactly is written as keepalived configuration; every lvs.cf setting without an exact
equivalent is kept as a comment next to where it would belong and returned as an
:class:`ExportWarning` carrying its lvs.cf line.  All output goes through
:mod:`.writer`, so no value from lvs.cf reaches keepalived's parser unchecked.

Decisions (where the mapping is a choice):

* one ``vrrp_instance`` per VIP device (``eth0`` for ``eth0:1``), ``virtual_router_id`` from
  ``router_id_base`` upwards, MASTER/150 on the primary and BACKUP/100 on the backup, unicast
  between the routers (their private addresses when both are set), all instances in one
  ``vrrp_sync_group`` when there are several;
* ``alpha``: a real server enters the table after its first successful check, as with nanny;
* checks: a TCP service without send/expect/send_program (and not on port 80, where nanny
  sends its HTTP default) gets ``TCP_CHECK``; everything else a ``MISC_CHECK`` running
  ``piranha-web check-server`` with the strings hex-encoded, so the check is nanny's own (an
  empty ``send = ""`` counts as set: lvsd passes it, and ``--send-hex=`` carries it);
  ``delay_loop`` = ``connect_timeout`` = lvs.cf ``timeout`` and ``retry 0``: one failed check
  takes a server out, as nanny does;
* traffic goes where lvsd and nanny send it (:func:`~piranha_web.lvscf.lvsd.lvsd_plan`, the
  same plan ``export lvsd`` prints): a virtual server whose ``ipvsadm -A`` would fail (an
  earlier one has the same firewall mark, or the same protocol, VIP and port) is left out with
  its real servers, which lvsd never monitors; a real server that already has a nanny (the same
  VIP, address, ports and protocol, whatever the mark) is left out; a weight below 1 is written
  as 1, the weight nanny settles on; a firewall-mark NAT service keeps its real servers' ports
  (the kernel rewrites them) and its sorry server's virtual port;
* a virtual server without a monitored real server stays an (empty) IPVS service, as with lvsd:
  keepalived ignores a ``virtual_server`` without ``real_server``, so it gets one placeholder
  whose check is ``/bin/false`` and that therefore never enters the table; no sorry server
  unless lvsd would add one;
* the backup router's file when ``backup_active = 0`` (pulse on the backup exits) has no VRRP
  instance and no virtual server: it never takes the VIPs.
"""

from __future__ import annotations

from dataclasses import dataclass

from piranha_web.errors import KeepalivedValueError
from piranha_web.lvscf import schema
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.keepalived import writer as w
from piranha_web.lvscf.lvsd import ServicePlan, lvsd_plan, nanny_weight
from piranha_web.lvscf.model import Globals, MonitorScript, RealServer, VirtualServer
from piranha_web.lvscf.nanny import lvsd_monitor
from piranha_web.lvscf.syntax import Block, Statement
from piranha_web.lvscf.values import c_int, dotted, inet_aton, netmask_prefix

ROUTERS = ("primary", "backup")
LB_KIND = {"nat": "NAT", "direct": "DR", "tunnel": "TUN"}
SCHEDULERS = frozenset(s for s, _ in schema.SCHEDULERS) | {"sed", "nq"}
PRIORITY = {"primary": 150, "backup": 100}
DEFAULT_CHECK_COMMAND = "/usr/bin/piranha-web"
#: the check of the placeholder real server of an empty service: always down
NEVER_UP = "/bin/false"
#: nanny's re-entry time when lvs.cf sets none (or 0): nanny.c main()
NANNY_REENTRY = 180
#: lvs.cf keys that configure nothing keepalived can do; kept as comments with a warning
GAP_KEYS = {
    "heartbeat_port": "VRRP has no port (IP protocol 112)",
    "reentry": "keepalived re-adds a real server after its first successful check",
    "debug_level": "keepalived's logging is set on its command line",
    "hard_shutdown": "keepalived keeps the other services when a checker fails",
    "rsh_command": "keepalived runs no remote commands",
    "active_cmd": "pulse runs it when this router becomes active; keepalived would need a "
    "notify_master script",
    "inactive_cmd": "pulse runs it when this router becomes inactive; keepalived would need a "
    "notify_backup script",
    "ipvsadm": "it is the ipvsadm program lvsd and nanny run; keepalived talks to the kernel "
    "itself",
    "client_monitor": "it is the monitor program lvsd starts (nanny); keepalived runs its own "
    "checkers",
}
#: lvs.cf keys whose meaning is carried by the output (or that mean nothing to the daemons)
MAPPED_KEYS = {
    "global": {
        "serial_no", "primary", "primary_private", "service", "backup_active", "backup",
        "backup_private", "heartbeat", "keepalive", "deadtime", "network", "nat_router",
        "nat_nmask", "syncdaemon", "syncd_iface", "syncd_id", "tcp_timeout",
        "tcpfin_timeout", "udp_timeout",
        # parsed and unused (sync), or only for failover services' shared storage
        "sync", "primary_shared", "backup_shared", "reservation_conflict_action",
    },
    "virtual": {
        "active", "address", "vip_nmask", "sorry_server", "fwmark", "port", "protocol",
        "scheduler", "persistent", "pmask", "timeout", "quiesce_server", "load_monitor", "send",
        "expect", "send_program", "use_regex",
        # parsed and unused (master, dirs), or only for failover services
        "master", "dirs", "start_cmd", "stop_cmd",
    },
    "server": {"address", "active", "weight", "port"},
}


@dataclass(frozen=True)
class ExportWarning:
    """Something of lvs.cf that keepalived.conf cannot say exactly (``line`` in lvs.cf)."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Export:
    """A keepalived.conf for one router and what did not translate exactly."""

    router: str
    text: str
    warnings: tuple[ExportWarning, ...]


@dataclass
class _Vip:
    address: w.Word
    prefix: int
    device: w.Word
    label: w.Word | None
    line: int



class _Lines:
    """lvs.cf line numbers of blocks and statements (the last assignment of a key wins)."""

    def __init__(self, doc: Document) -> None:
        self.opener: dict[int, int] = {}
        self.keys: dict[tuple[int | None, str], tuple[int, Statement]] = {}
        self.statements: dict[int | None, list[tuple[int, Statement]]] = {}
        for number, node, parents in doc.walk():
            owner = id(parents[-1]) if parents else None
            if parents and node is parents[-1].opener:
                self.opener[owner or 0] = number
            elif isinstance(node, Statement) and (pair := node.assignment()) is not None:
                self.keys[(owner, pair[0])] = (number, node)
                self.statements.setdefault(owner, []).append((number, node))

    def of(self, owner: Block | None, key: str) -> int | None:
        found = self.keys.get((id(owner) if owner is not None else None, key))
        return found[0] if found else None

    def block(self, block: Block) -> int:
        return self.opener.get(id(block), 0)

    def assignments(self, owner: Block | None) -> list[tuple[int, Statement]]:
        return self.statements.get(id(owner) if owner is not None else None, [])


def _ipv4(text: str | None) -> str | None:
    """``text`` as inet_aton() reads it, in dotted form (None when it is not an address)."""
    if not text:
        return None
    value = inet_aton(text)
    return dotted(value) if value is not None else None


def _device(device: str) -> tuple[w.Word, w.Word | None]:
    """``eth0:1`` → (dev eth0, label eth0:1); ``eth0`` → (dev eth0, no label)."""
    base = device.split(":", 1)[0]
    return w.ifname(base), (w.label(device) if ":" in device else None)


def check_server_argv(
    check_command: str, vs: VirtualServer, rs: RealServer, address: str, strings: MonitorScript
) -> list[str]:
    """The ``piranha-web check-server`` command line of one real server (user strings in hex,
    as ``--option=HEX`` so that an empty string, ``send = ""``, is still one word)."""
    argv = [
        check_command, "check-server", "--address", address, "--port", str(rs.effective_port),
        "--virtual-port", str(vs.port), "--protocol", vs.protocol, "--timeout", str(vs.timeout),
    ]
    for option, value in (
        ("--send-hex", strings.send),
        ("--expect-hex", strings.expect),
        ("--program-hex", strings.send_program),
    ):
        if value is not None:
            argv.append(f"{option}={value.encode('utf-8', 'surrogateescape').hex()}")
    if strings.use_regex:
        argv.append("--regex")
    return argv


def needs_misc_check(vs: VirtualServer, strings: MonitorScript) -> bool:
    """False only when nanny's check is a bare TCP connect, which TCP_CHECK does exactly."""
    plain = strings.send is None and strings.expect is None and strings.send_program is None
    return not (plain and vs.protocol == "tcp" and vs.port != 80)


class _Translator:
    def __init__(self, doc: Document, router: str, check_command: str, router_id_base: int):
        if router not in ROUTERS:
            raise KeepalivedValueError("router", f"{router!r} is not primary or backup")
        w.command([check_command])  # refuse an unusable check command at once
        self.doc = doc
        self.router = router
        self.check_command = check_command
        self.router_id_base = router_id_base
        self.config = doc.model()
        self.g: Globals = self.config.globals
        self.lines = _Lines(doc)
        self.out = w.ConfWriter()
        self.warnings: list[ExportWarning] = []

    def warn(self, line: int | None, message: str) -> None:
        self.warnings.append(ExportWarning(line, message))
        self.out.comment(f"lvs.cf line {line}: {message}" if line else message)

    def keep_gaps(self, owner: Block | None, scope: str, where: str) -> None:
        """Comment and warn for each setting of ``owner`` that keepalived cannot express."""
        for number, stmt in self.lines.assignments(owner):
            key, value = stmt.assignment() or ("", "")
            if key in GAP_KEYS:
                self.warn(number, f"{where}{key} = {value} not translated: {GAP_KEYS[key]}")
            elif key == "monitor_links":
                if c_int(value):
                    self.warn(number, f"monitor_links = {value} not translated: pulse watches "
                              "the links of the VIP devices and fails over when one goes down; "
                              "keepalived's VRRP watches only its own interface "
                              "(track_interface could)")
            elif key == "load_monitor" and value != "none":
                self.warn(number, f"{where}load_monitor = {value} not translated: keepalived "
                          "has no load-based weights (a MISC_CHECK misc_dynamic script could)")
            elif key not in MAPPED_KEYS[scope]:
                self.warn(number, f"{where}{key} = {value} is not a key lvs.cf knows here")

    # ------------------------------------------------------------------ the whole file

    def run(self) -> Export:
        out = self.out
        out.comment(f"keepalived.conf for the {self.router} router, generated by piranha-web "
                    "from lvs.cf")
        out.comment("Edit lvs.cf (the piranha-web panels), not this file.")
        if self.g.serial_no:
            out.comment(f"lvs.cf serial_no = {self.g.serial_no}")
        self.keep_gaps(None, "global", "")
        if self.g.service != "lvs":
            self.warn(self.lines.of(None, "service"),
                      f"service = {self.g.service}: only the lvs service is translated")
        for block in self.doc.blocks("failover"):
            self.warn(self.lines.block(block),
                      f"failover {block.name} not translated: keepalived would need a "
                      "vrrp_script and notify scripts")
        if self.router == "backup" and not self.g.backup_active:
            self.warn(self.lines.of(None, "backup_active"),
                      "backup_active = 0: pulse on the backup router exits, so this file has "
                      "no VRRP instance and no virtual server and never takes the VIPs")
            out.blank()
            self.global_defs({})
        else:
            self.translate()
        warnings = sorted(self.warnings, key=lambda warning: warning.line or 0)
        return Export(self.router, out.text(), tuple(warnings))

    def translate(self) -> None:
        """VRRP for the VIPs and one virtual_server per IPVS service lvsd would run."""
        services = self.services()
        vips, nat = self.vips(services)
        instances = self.group_instances(vips, nat)
        self.out.blank()
        self.global_defs(instances)
        if instances:
            self.vrrp(instances)
        for plan, block in services:
            self.out.blank()
            self.virtual_server(plan, block)

    def services(self) -> list[tuple[ServicePlan, Block]]:
        """The virtual servers lvsd runs, each with its block (warnings for the others)."""
        blocks = self.doc.blocks()
        found: list[tuple[ServicePlan, Block]] = []
        for vs, block in zip(self.config.virtuals, blocks, strict=True):
            if vs.kind == "virtual" and not vs.active:
                self.warn(self.lines.block(block), f"virtual {vs.name} is inactive: not "
                          "translated")
        for plan in lvsd_plan(self.config):
            vs, block = plan.virtual, blocks[plan.index]
            line = self.lines.block(block)
            if plan.fails:
                self.warn(line, f"virtual {vs.name} not translated: it is the same IPVS "
                          f"service as virtual {plan.fails}, so lvsd's ipvsadm -A fails and "
                          "lvsd starts no monitor for it: its real servers never enter the "
                          "table")
            elif not vs.fwmark and _ipv4(vs.address) is None:
                self.warn(line, f"virtual {vs.name} has no usable address: not translated")
            else:
                found.append((plan, block))
        return found

    def vips(self, services: list[tuple[ServicePlan, Block]]) -> tuple[list[_Vip], _Vip | None]:
        """The VIPs pulse raises: each address once per device (whatever its labels)."""
        vips: list[_Vip] = []
        seen: dict[tuple[str, str], str] = {}
        for plan, block in services:
            vs = plan.virtual
            line = self.lines.of(block, "address") or self.lines.block(block)
            vip = _ipv4(vs.address)
            if vip is None or not vs.device:
                self.warn(line, f"virtual {vs.name}: no VIP address and device for VRRP")
                continue
            base = vs.device.split(":", 1)[0]
            if (vip, base) in seen:
                if seen[(vip, base)] != vs.device:
                    self.warn(line, f"virtual {vs.name}: {vip} is already raised on "
                              f"{seen[(vip, base)]}; pulse raises it once on {base}, so does "
                              f"this file (label {vs.device} is not used)")
                continue
            prefix = self.prefix(vs.vip_nmask, self.lines.of(block, "vip_nmask") or line,
                                 f"virtual {vs.name}")
            try:
                device, label = _device(vs.device)
                vips.append(_Vip(w.ip(vip), prefix, device, label, line))
            except KeepalivedValueError as err:
                self.warn(line, f"virtual {vs.name}: VIP not translated: {err}")
                continue
            seen[(vip, base)] = vs.device
        nat = None
        if self.g.network == "nat" and self.g.nat_router:
            nat_line = self.lines.of(None, "nat_router")
            try:
                address = _ipv4(self.g.nat_router)
                if address is None or not self.g.nat_router_device:
                    raise KeepalivedValueError("nat_router", "needs an address and a device")
                device, label = _device(self.g.nat_router_device)
                prefix = self.prefix(self.g.nat_nmask, self.lines.of(None, "nat_nmask") or nat_line,
                                     "nat_router")
                nat = _Vip(w.ip(address), prefix, device, label, nat_line or 0)
            except KeepalivedValueError as err:
                self.warn(nat_line, f"nat_router not translated: {err}")
        return vips, nat

    def prefix(self, mask: str | None, line: int | None, where: str) -> int:
        if mask is None:
            self.warn(line, f"{where}: no netmask (pulse lets ifconfig choose one): /32 is used")
            return 32
        prefix = netmask_prefix(mask)
        if prefix is None or prefix == 0:
            self.warn(line, f"{where}: netmask {mask} is not usable for an address: /32 is used")
            return 32
        return prefix

    def group_instances(self, vips: list[_Vip], nat: _Vip | None) -> dict[str, list[_Vip]]:
        instances: dict[str, list[_Vip]] = {}
        for vip in [*vips, *([nat] if nat else [])]:
            instances.setdefault(str(vip.device), []).append(vip)
        return instances

    # ------------------------------------------------------------------ global_defs, VRRP

    def global_defs(self, instances: dict[str, list[_Vip]]) -> None:
        g = self.g
        with self.out.block("global_defs"):
            self.out.line("router_id", w.name(f"piranha_{self.router}"))
            self.out.line("script_user", w.Word("root"))
            self.out.line("enable_script_security")
            timeouts: list[w.Word] = []
            for word, value in (("tcp", g.tcp_timeout), ("tcpfin", g.tcpfin_timeout),
                                ("udp", g.udp_timeout)):
                if value > 0:
                    timeouts += [w.Word(word), w.number(value, f"{word}_timeout", 1, 31536000)]
            if timeouts:
                self.out.line("lvs_timeouts", *timeouts)
            if g.syncdaemon:
                line = self.lines.of(None, "syncdaemon")
                try:
                    if not instances:
                        raise KeepalivedValueError("syncdaemon", "keepalived ties the sync "
                                                   "daemon to a VRRP instance and there is none")
                    self.out.line("lvs_sync_daemon", w.ifname(g.syncd_iface, "syncd_iface"),
                                  w.Word(self.instance_name(0)), w.Word("id"),
                                  w.number(g.syncd_id & 0xFF, "syncd_id", 0, 255))
                except KeepalivedValueError as err:
                    self.warn(line, f"syncdaemon not translated: {err}")

    def instance_name(self, index: int) -> str:
        return f"VI_{index + 1}"

    def unicast(self) -> tuple[w.Word, w.Word] | None:
        """(own address, peer address) of the heartbeat, private addresses when both are set."""
        g = self.g
        if not g.backup_active or not g.backup:
            return None
        # the model gives the public addresses as private ones when none are set (as pulse)
        private = bool(g.primary_private and g.backup_private) and (
            (g.primary_private, g.backup_private) != (g.primary, g.backup))
        primary = g.primary_private if private else g.primary
        backup = g.backup_private if private else g.backup
        if private:
            self.warn(self.lines.of(None, "primary_private"),
                      "heartbeat over the private addresses only (pulse also used the "
                      "public ones)")
        try:
            own, peer = (primary, backup) if self.router == "primary" else (backup, primary)
            return w.ip(_ipv4(own) or str(own), "unicast"), w.ip(_ipv4(peer) or str(peer),
                                                                 "unicast")
        except KeepalivedValueError as err:
            self.warn(self.lines.of(None, "primary"), f"heartbeat addresses not usable: {err}: "
                      "VRRP uses multicast")
            return None

    def vrrp(self, instances: dict[str, list[_Vip]]) -> None:
        g, out = self.g, self.out
        keepalive = max(1, min(g.keepalive, 255))
        if keepalive != g.keepalive:
            self.warn(self.lines.of(None, "keepalive"), f"keepalive {g.keepalive} is outside "
                      f"VRRP's 1-255 s: advert_int {keepalive} is used")
        adverts = max(1, min(round(g.deadtime / keepalive), 100))
        if adverts * keepalive != g.deadtime:
            self.warn(self.lines.of(None, "deadtime"),
                      f"deadtime = {g.deadtime} is not a multiple of keepalive = {g.keepalive}: "
                      f"the backup takes over after {adverts} missed adverts "
                      f"({adverts * keepalive} s)")
        peers = self.unicast()
        if g.backup_active:
            self.warn(self.lines.of(None, "backup_active"),
                      "failback: the primary's keepalived (MASTER, higher priority) takes the "
                      "VIPs back from the backup as soon as it runs again (VRRP preemption); "
                      "pulse on a returning primary stays inactive while the backup is active, "
                      "so the VIPs stayed on the backup; add nopreempt by hand (with state "
                      "BACKUP on both routers) to keep them where they are")
        if len(instances) > 1:
            out.blank()
            with out.block("vrrp_sync_group", w.Word("PIRANHA")), out.block("group"):
                for index in range(len(instances)):
                    out.line(self.instance_name(index))
        for index, (device, vips) in enumerate(instances.items()):
            out.blank()
            with out.block("vrrp_instance", w.Word(self.instance_name(index))):
                out.line("state", w.Word("MASTER" if self.router == "primary" else "BACKUP"))
                out.line("interface", w.ifname(device))
                out.line("virtual_router_id",
                         w.number(self.router_id_base + index, "virtual_router_id", 1, 255))
                out.line("priority", w.number(PRIORITY[self.router]))
                out.line("advert_int", w.number(keepalive))
                out.line("down_timer_adverts", w.number(adverts))
                if peers:
                    out.line("unicast_src_ip", peers[0])
                    with out.block("unicast_peer"):
                        out.line(peers[1])
                with out.block("virtual_ipaddress"):
                    for vip in vips:
                        words = [w.Word(f"{vip.address}/{vip.prefix}"), w.Word("dev"), vip.device]
                        if vip.label:
                            words += [w.Word("label"), vip.label]
                        out.line(*words)

    # ------------------------------------------------------------------ virtual servers

    def virtual_server(self, plan: ServicePlan, block: Block) -> None:
        vs = plan.virtual
        out = self.out
        out.comment(f"virtual {vs.name} (lvs.cf line {self.lines.block(block)})")
        self.keep_gaps(block, "virtual", f"virtual {vs.name}: ")
        if self.lines.of(block, "reentry") is None or vs.reentry == 0:
            self.warn(self.lines.of(block, "reentry") or self.lines.block(block),
                      f"virtual {vs.name}: nanny's default reentry ({NANNY_REENTRY} s) applies "
                      "and is not translated: keepalived re-adds a real server after its first "
                      "successful check")
        try:
            with out.block("virtual_server", *self.service_words(vs)):
                self.virtual_body(plan, block)
                if not self.real_servers(plan, block):
                    self.placeholder(plan, block)
        except KeepalivedValueError as err:
            self.warn(self.lines.block(block), f"virtual {vs.name} not translated: {err}")

    def placeholder(self, plan: ServicePlan, block: Block) -> None:
        """A real server that is never up, so that keepalived keeps the empty service lvsd
        creates (keepalived ignores a virtual_server without real_server)."""
        vs = plan.virtual
        self.warn(self.lines.block(block),
                  f"virtual {vs.name}: no real server is monitored, so lvsd creates the IPVS "
                  "service empty" + (" and adds the sorry server" if plan.sorry else
                                     " (and adds no sorry server)")
                  + f"; keepalived needs a real_server, so a placeholder whose check is "
                  f"{NEVER_UP} keeps it empty")
        with self.out.block("real_server", *self.server_words(vs, "127.0.0.1", vs.port)):
            self.out.line("weight", w.number(1))
            with self.out.block("MISC_CHECK"):
                self.out.line("misc_path", w.command([NEVER_UP], "misc_path"))

    def service_words(self, vs: VirtualServer) -> list[w.Word]:
        if vs.fwmark:
            return [w.Word("fwmark"), w.number(vs.fwmark, "fwmark", 1, 2**32 - 1)]
        return [w.ip(_ipv4(vs.address) or "", "address"), w.number(vs.port, "port", 1, 65535)]

    def server_words(self, vs: VirtualServer, address: str, port: int) -> list[w.Word]:
        """``IP PORT`` of a real (or sorry) server.  Under NAT the port is kept (the kernel
        rewrites to it); a firewall-mark service under DR or TUN gets none: keepalived clears
        it there, and the kernel forwards to the port a packet was sent to anyway."""
        words = [w.ip(address)]
        if not vs.fwmark or self.g.network == "nat":
            words.append(w.number(port, "port", 1, 65535))
        return words

    def virtual_body(self, plan: ServicePlan, block: Block) -> None:
        vs, out = plan.virtual, self.out
        out.line("delay_loop", w.number(vs.timeout, "timeout", 1, 86400))
        out.line("lb_algo", w.keyword(vs.scheduler, SCHEDULERS, "scheduler"))
        out.line("lb_kind", w.Word(LB_KIND[self.g.network]))
        if not vs.fwmark:  # a firewall-mark service has no protocol of its own
            out.line("protocol", w.keyword(vs.protocol.upper(), ("TCP", "UDP"), "protocol"))
        if vs.persistent > 0:
            out.line("persistence_timeout", w.number(vs.persistent, "persistent", 1, 2**31 - 1))
            pmask = _ipv4(vs.pmask)
            if pmask and pmask != "0.0.0.0":
                out.line("persistence_granularity", w.ip(pmask, "pmask"))
        if vs.quiesce_server:
            out.line("inhibit_on_failure")
            self.warn(self.lines.of(block, "quiesce_server"),
                      f"virtual {vs.name}: quiesce_server: keepalived keeps a failed real "
                      "server at weight 0 even if it never came up; nanny adds a server only "
                      "after a successful check, and quiesces it only after that (no traffic "
                      "either way)")
        out.line("alpha")
        if not vs.sorry_server:
            return
        line = self.lines.of(block, "sorry_server")
        if not plan.sorry:
            self.warn(line, f"virtual {vs.name}: sorry_server not translated: lvsd adds it "
                      "only to a virtual server with an active real server")
            return
        try:
            out.line("sorry_server", *self.server_words(
                vs, _ipv4(vs.sorry_server) or vs.sorry_server, vs.port))
        except KeepalivedValueError as err:
            self.warn(line, f"sorry_server not translated: {err}")

    def real_servers(self, plan: ServicePlan, block: Block) -> int:
        """Write the real servers lvsd monitors for ``plan`` and return how many (warnings for
        the others)."""
        vs = plan.virtual
        written = 0
        strings = lvsd_monitor(block, vs)
        monitored = dict(plan.monitors)
        skipped = {item.index: item.why for item in plan.skipped}
        seen: set[tuple[str, int]] = set()
        servers = [item for item in block.body if isinstance(item, Block)]
        for index, (rs, server_block) in enumerate(zip(vs.servers, servers, strict=True)):
            line = self.lines.block(server_block)
            self.out.comment(f"server {rs.name} (lvs.cf line {line})")
            self.keep_gaps(server_block, "server", f"server {rs.name}: ")
            where = f"server {rs.name} of virtual {vs.name}"
            if not rs.active:
                self.warn(line, f"{where} is inactive: not translated")
            elif index not in monitored:
                self.warn(line, f"{where} not translated: {skipped[index]}")
            else:
                try:
                    self.real_server(vs, rs, server_block, strings, seen)
                    written += 1
                except KeepalivedValueError as err:
                    self.warn(line, f"{where} not translated: {err}")
        return written

    def real_server(self, vs: VirtualServer, rs: RealServer, server_block: Block,
                    strings: MonitorScript, seen: set[tuple[str, int]]) -> None:
        """One ``real_server`` block (KeepalivedValueError when it cannot be written)."""
        line = self.lines.block(server_block)
        where = f"server {rs.name} of virtual {vs.name}"
        address = _ipv4(rs.address)
        if address is None or address == "0.0.0.0":
            raise KeepalivedValueError("address", f"{rs.address!r} is not an address")
        port = rs.effective_port
        w.number(port, "port", 1, 65535)
        if self.g.network != "nat" and not vs.fwmark and port != vs.port:
            self.warn(line, f"{where}: port {port} is not used with {LB_KIND[self.g.network]} "
                      f"(the kernel sends to the virtual port {vs.port})")
            port = vs.port
        words = self.server_words(vs, address, port)
        key = (address, port if len(words) > 1 else 0)
        if key in seen:
            raise KeepalivedValueError(
                "address", f"{address} is already a real server of this firewall mark and the "
                f"kernel keeps no port for it under {LB_KIND[self.g.network]} (ipvsadm refuses "
                "the second one: its nanny exits)")
        weight = nanny_weight(rs.weight)
        if weight != rs.weight:
            self.warn(self.lines.of(server_block, "weight") or line,
                      f"{where}: weight {rs.weight} is written as {weight}, the weight nanny "
                      "adds the server with and keeps (it never goes below 1 without a load "
                      "monitor)")
        with self.out.block("real_server", *words):
            self.out.line("weight", w.number(weight, "weight", 1, 65535))
            self.checker(vs, rs, address, strings)
        seen.add(key)

    def checker(self, vs: VirtualServer, rs: RealServer, address: str,
                strings: MonitorScript) -> None:
        out = self.out
        timeout = w.number(vs.timeout, "timeout", 1, 86400)
        if not needs_misc_check(vs, strings):
            with out.block("TCP_CHECK"):
                out.line("connect_port", w.number(rs.effective_port, "port", 1, 65535))
                out.line("connect_timeout", timeout)
                out.line("retry", w.number(0))
            return
        argv = check_server_argv(self.check_command, vs, rs, address, strings)
        with out.block("MISC_CHECK"):
            out.line("misc_path", w.command(argv, "misc_path"))
            out.line("misc_timeout", w.number(vs.timeout + 2, "timeout", 1, 86400))


def export_keepalived(
    doc: Document,
    router: str = "primary",
    *,
    check_command: str = DEFAULT_CHECK_COMMAND,
    router_id_base: int = 51,
) -> Export:
    """keepalived.conf for ``router`` (``primary`` or ``backup``) from an lvs.cf document.

    ``check_command`` is the absolute path of the ``piranha-web`` program that MISC_CHECK
    runs.  Raises :class:`KeepalivedValueError` only for an unusable ``router`` or
    ``check_command``; anything in the document that cannot be written becomes a warning.
    """
    return _Translator(doc, router, check_command, router_id_base).run()

