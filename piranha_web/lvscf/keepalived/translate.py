"""lvs.cf → keepalived.conf for one router (pure; reference/peers.md §8).

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
  ``piranha-web check-server`` with the strings hex-encoded, so the check is nanny's own;
  ``delay_loop`` = ``connect_timeout`` = lvs.cf ``timeout`` and ``retry 0``: one failed check
  takes a server out, as nanny does;
* virtual servers that lvsd would give the same IPVS service (the same firewall mark, or the
  same protocol, VIP and port) become one ``virtual_server``: the first one's settings, every
  one's real servers (lvsd's second ``ipvsadm -A`` fails the same way).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from piranha_web.errors import KeepalivedValueError
from piranha_web.lvscf import schema
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.keepalived import writer as w
from piranha_web.lvscf.model import Globals, MonitorScript, RealServer, VirtualServer
from piranha_web.lvscf.nanny import lvsd_strip_quotes
from piranha_web.lvscf.syntax import Block, Statement
from piranha_web.lvscf.values import dotted, inet_aton, netmask_prefix

ROUTERS = ("primary", "backup")
LB_KIND = {"nat": "NAT", "direct": "DR", "tunnel": "TUN"}
SCHEDULERS = frozenset(s for s, _ in schema.SCHEDULERS) | {"sed", "nq"}
PRIORITY = {"primary": 150, "backup": 100}
DEFAULT_CHECK_COMMAND = "/usr/bin/piranha-web"
#: lvs.cf keys that configure nothing keepalived can do; kept as comments with a warning
GAP_KEYS = {
    "heartbeat_port": "VRRP has no port (IP protocol 112)",
    "reentry": "keepalived re-adds a real server after its first successful check",
    "debug_level": "keepalived's logging is set on its command line",
    "hard_shutdown": "keepalived keeps the other services when a checker fails",
    "rsh_command": "keepalived runs no remote commands",
}
#: lvs.cf keys whose meaning is carried by the output (or that mean nothing to the daemons)
MAPPED_KEYS = {
    "global": {
        "serial_no", "primary", "primary_private", "service", "backup_active", "backup",
        "backup_private", "heartbeat", "keepalive", "deadtime", "network", "nat_router",
        "nat_nmask", "monitor_links", "syncdaemon", "syncd_iface", "syncd_id", "tcp_timeout",
        "tcpfin_timeout", "udp_timeout",
    },
    "virtual": {
        "active", "address", "vip_nmask", "sorry_server", "fwmark", "port", "protocol",
        "scheduler", "persistent", "pmask", "timeout", "quiesce_server", "load_monitor", "send",
        "expect", "send_program", "use_regex",
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


@dataclass
class _Service:
    """One IPVS service: the virtual servers of lvs.cf that share it."""

    virtuals: list[tuple[VirtualServer, Block]] = field(default_factory=list)


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


def lvsd_strings(block: Block, vs: VirtualServer) -> MonitorScript:
    """The monitoring strings exactly as lvsd hands them to nanny (single quotes kept)."""
    found: dict[str, str] = {}
    for item in block.body:
        if isinstance(item, Statement) and (pair := item.assignment()) is not None:
            key, value = pair
            if key in ("send", "expect", "send_program"):
                tokens = item.values
                single = tokens[0] if len(tokens) == 1 else None
                found[key] = lvsd_strip_quotes(single.text, single.quote) if single else value
    return MonitorScript(
        send=found.get("send", vs.monitor.send),
        expect=found.get("expect", vs.monitor.expect),
        send_program=found.get("send_program", vs.monitor.send_program),
        use_regex=vs.monitor.use_regex,
    )


def check_server_argv(
    check_command: str, vs: VirtualServer, rs: RealServer, address: str, strings: MonitorScript
) -> list[str]:
    """The ``piranha-web check-server`` command line of one real server (user strings in hex)."""
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
            argv += [option, value.encode("utf-8", "surrogateescape").hex()]
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
        services = self.services()
        vips, nat = self.vips(services)
        instances = self.group_instances(vips, nat)
        out.blank()
        self.global_defs(instances)
        if instances:
            self.vrrp(instances)
        for service in services.values():
            out.blank()
            self.virtual_server(service)
        warnings = sorted(self.warnings, key=lambda warning: warning.line or 0)
        return Export(self.router, out.text(), tuple(warnings))

    def services(self) -> dict[tuple[object, ...], _Service]:
        found: dict[tuple[object, ...], _Service] = {}
        blocks = self.doc.blocks("virtual")
        virtuals = [vs for vs in self.config.virtuals if vs.kind == "virtual"]
        for vs, block in zip(virtuals, blocks, strict=True):
            line = self.lines.block(block)
            if not vs.active:
                self.warn(line, f"virtual {vs.name} is inactive: not translated")
                continue
            vip = _ipv4(vs.address)
            if vs.fwmark:
                key: tuple[object, ...] = ("fwmark", vs.fwmark)
            elif vip is None:
                self.warn(line, f"virtual {vs.name} has no usable address: not translated")
                continue
            else:
                key = (vs.protocol, vip, vs.port)
            if key in found:
                first = found[key].virtuals[0][0].name
                self.warn(line, f"virtual {vs.name} is the same IPVS service as virtual "
                          f"{first}: its real servers join that virtual_server and its other "
                          "settings are not used (lvsd's second ipvsadm -A fails the same way)")
            found.setdefault(key, _Service()).virtuals.append((vs, block))
        return found

    def vips(self, services: dict[tuple[object, ...], _Service]) -> tuple[list[_Vip], _Vip | None]:
        vips: list[_Vip] = []
        seen: set[tuple[str, str]] = set()
        for service in services.values():
            for vs, block in service.virtuals:
                line = self.lines.of(block, "address") or self.lines.block(block)
                vip = _ipv4(vs.address)
                if vip is None or not vs.device:
                    self.warn(line, f"virtual {vs.name}: no VIP address and device for VRRP")
                    continue
                if (vip, vs.device) in seen:
                    continue
                prefix = self.prefix(vs.vip_nmask, self.lines.of(block, "vip_nmask") or line,
                                     f"virtual {vs.name}")
                try:
                    device, label = _device(vs.device)
                    vips.append(_Vip(w.ip(vip), prefix, device, label, line))
                except KeepalivedValueError as err:
                    self.warn(line, f"virtual {vs.name}: VIP not translated: {err}")
                    continue
                seen.add((vip, vs.device))
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

    def virtual_server(self, service: _Service) -> None:
        vs, block = service.virtuals[0]
        out = self.out
        for other, other_block in service.virtuals:
            out.comment(f"virtual {other.name} (lvs.cf line {self.lines.block(other_block)})")
        try:
            with out.block("virtual_server", *self.service_words(vs)):
                self.virtual_body(vs, block)
                seen: set[str] = set()
                written = 0
                for member, member_block in service.virtuals:
                    self.keep_gaps(member_block, "virtual", f"virtual {member.name}: ")
                    written += self.real_servers(member, member_block, seen)
                if not written:
                    raise KeepalivedValueError(
                        "real servers", "no active real server (keepalived ignores an empty "
                        "virtual_server; lvsd would create the service without real servers)")
        except KeepalivedValueError as err:
            self.warn(self.lines.block(block), f"virtual {vs.name} not translated: {err}")

    def service_words(self, vs: VirtualServer) -> list[w.Word]:
        if vs.fwmark:
            return [w.Word("fwmark"), w.number(vs.fwmark, "fwmark", 1, 2**32 - 1)]
        return [w.ip(_ipv4(vs.address) or "", "address"), w.number(vs.port, "port", 1, 65535)]

    def virtual_body(self, vs: VirtualServer, block: Block) -> None:
        out = self.out
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
        out.line("alpha")
        if vs.sorry_server:
            line = self.lines.of(block, "sorry_server")
            try:
                port = 0 if vs.fwmark else vs.port
                out.line("sorry_server", w.ip(_ipv4(vs.sorry_server) or vs.sorry_server,
                                              "sorry_server"), w.number(port))
            except KeepalivedValueError as err:
                self.warn(line, f"sorry_server not translated: {err}")

    def real_servers(self, vs: VirtualServer, block: Block, seen: set[str]) -> int:
        """Write the active real servers of ``vs`` and return how many; ``seen`` holds the
        addresses already written into this firewall-mark service (keepalived keeps no port
        for them)."""
        written = 0
        strings = lvsd_strings(block, vs)
        servers = [item for item in block.body if isinstance(item, Block)]
        for rs, server_block in zip(vs.servers, servers, strict=True):
            line = self.lines.block(server_block)
            self.out.comment(f"server {rs.name} (lvs.cf line {line})")
            self.keep_gaps(server_block, "server", f"server {rs.name}: ")
            if not rs.active:
                self.warn(line, f"server {rs.name} of virtual {vs.name} is inactive: not "
                          "translated")
                continue
            address = _ipv4(rs.address)
            try:
                if address is None or address == "0.0.0.0":
                    raise KeepalivedValueError("address", f"{rs.address!r} is not an address")
                port = w.number(rs.effective_port, "port", 1, 65535)
                if self.g.network != "nat" and not vs.fwmark and rs.effective_port != vs.port:
                    self.warn(line, f"server {rs.name} of virtual {vs.name}: port "
                              f"{rs.effective_port} is not used with {LB_KIND[self.g.network]} "
                              f"(the kernel sends to the virtual port {vs.port})")
                    port = w.number(vs.port, "port", 1, 65535)
                if vs.fwmark and address in seen:
                    self.warn(line, f"server {rs.name} of virtual {vs.name}: {address} is "
                              "already a real server of this firewall mark; keepalived keeps "
                              "one entry per address (ipvsadm would add one per port)")
                    continue
                if vs.fwmark:
                    seen.add(address)
                words = [w.ip(address)] if vs.fwmark else [w.ip(address), port]
                with self.out.block("real_server", *words):
                    self.out.line("weight", w.number(rs.weight, "weight", 0, 65535))
                    self.checker(vs, rs, address, strings)
                written += 1
            except KeepalivedValueError as err:
                self.warn(line, f"server {rs.name} of virtual {vs.name} not translated: {err}")
        return written

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

