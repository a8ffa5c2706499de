"""Rules across lines and blocks: names, collisions and what goes wrong when the daemons run.

Two active virtual servers claiming the same IPVS service make lvsd's second ``ipvsadm -A``
fail: an error.  A firewall mark shared by several virtual servers, or a real server listed
twice, is what lvsd handles quietly (docs/reference/piranha.md §8, lvsd.c read): the second block
with the mark gets no monitor, the second server no nanny of its own: warnings that say so.
Settings the daemons ignore or that rarely do what the user meant (persistence mask without
persistence, a port mapping under direct routing, no active virtual server) are warnings.
Each finding sits on the line of its key, else on its block's opener line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from piranha_web.lvscf.cross_index import CrossIndex, cross_index
from piranha_web.lvscf.document import Document
from piranha_web.lvscf.finding import ERROR, WARNING, Finding, where_of
from piranha_web.lvscf.model import Config, RealServer, VirtualServer
from piranha_web.lvscf.nanny import decode
from piranha_web.lvscf.schema import WEIGHTED_SCHEDULERS
from piranha_web.lvscf.syntax import Block, Statement
from piranha_web.lvscf.values import inet_aton

Report = Callable[[str, tuple[Block, ...], str | None, str, str], None]


#: where a scope's lines are, relative to its top-level block's first line: the scope's
#: opener, and the last line of each of its keys
_Offsets = tuple[int, dict[str, int]]


def _scope_offsets(parents: tuple[Block, ...]) -> _Offsets:
    """The offsets of the innermost of ``parents`` (a chain from a top-level block) in the
    first; other nested blocks are only counted, so only the scope's keys are read."""
    scope, path = parents[-1], {id(block) for block in parents}
    keys: dict[str, int] = {}
    opener = 0

    def visit(block: Block, number: int) -> int:
        nonlocal opener
        number += len(block.leading)
        if block is scope:
            opener = number
        number += 1
        for item in block.body:
            if isinstance(item, Block):
                number = visit(item, number) if id(item) in path else number + len(item.lines())
                continue
            if block is scope and isinstance(item, Statement):
                keys[item.key] = number
            number += 1
        return number + (1 if block.closer is not None else 0)

    visit(parents[0], 0)
    return opener, keys


class _Reporter:
    """Collects findings, placing each on the last line of its key, else its block's opener.

    Line numbers are counted only where findings need them (most files have none): the first
    finding numbers the top-level lines, and a finding inside a block looks its line up in
    its scope's offsets (only that scope's keys are read); sizes and offsets are kept by the
    document per top-level block until an edit touches it, so after a one-field save of a file
    with 900 warnings only the edited block is walked again (issue 24).
    """

    def __init__(self, doc: Document) -> None:
        self.findings: list[Finding] = []
        self._doc = doc
        self._top_keys: dict[str, int] = {}
        self._starts: dict[int, tuple[Block, int]] | None = None

    def _index_top(self) -> dict[int, tuple[Block, int]]:
        """First line of every top-level block; the lines of the top-level statements."""
        starts: dict[int, tuple[Block, int]] = {}
        number = 1
        for item in self._doc.items:
            if isinstance(item, Block):
                starts[id(item)] = (item, number)
                number += len(self._doc.memoized(item, "lines", Block.lines))
            else:
                if isinstance(item, Statement):
                    self._top_keys[item.key] = number
                number += 1
        self._starts = starts
        return starts

    def _line_in(self, number: int, parents: tuple[Block, ...], key: str) -> int:
        """Line of the last ``key`` statement of ``parents[-1]`` (else of its opener); the
        top-level ``parents[0]`` starts at line ``number``."""
        opener, keys = self._doc.memoized(parents[0], f"offsets {id(parents[-1])}",
                                          lambda _: _scope_offsets(parents))
        return number + keys.get(key, opener)

    def __call__(self, severity: str, parents: tuple[Block, ...], key: str | None,
                 code: str, message: str) -> None:
        starts = self._starts if self._starts is not None else self._index_top()
        if not parents:
            line = self._top_keys.get(key or "", 1)
        elif id(parents[0]) in starts:
            line = self._line_in(starts[id(parents[0])][1], parents, key or "")
        else:
            line = 1
        self.findings.append(Finding(severity, line, key, message, code, where_of(parents)))


def block_findings(doc: Document) -> list[Finding]:
    """Findings about names, collisions between blocks, and the globals as pulse uses them.

    Each virtual server's own findings are kept with its block; the rules across blocks walk
    the file only when the :class:`CrossIndex` counts a collision.
    """
    report = _Reporter(doc)
    config = doc.model()
    blocks = doc.blocks()
    network = config.globals.network
    kept_as = f"virtual_findings {network}"  # the routing method decides some of them
    for block, vs in zip(blocks, config.virtuals, strict=True):
        if block.kind == "virtual":
            recorded = functools.partial(_recorded, vs=vs, network=network)
            for call in doc.memoized(block, kept_as, recorded):
                report(*call)
    index = cross_index(doc)
    if index.conflicts:
        cross_findings(blocks, config.virtuals, report)
    _global_findings(config, index, report)
    _private_findings(doc, report)
    return report.findings


def cross_findings(blocks: list[Block], virtuals: tuple[VirtualServer, ...],
                   report: Report) -> None:
    """Blocks that claim what an earlier block claims: a name, an IPVS service, a firewall mark
    with another persistence, a device with another virtual IP (in file order, the later block
    gets the finding)."""
    seen: set[tuple[str, str]] = set()
    services: dict[tuple[int | None, int, str], VirtualServer] = {}
    marks: dict[int, VirtualServer] = {}
    holders: dict[int, VirtualServer] = {}  # the first active virtual server of each mark
    monitored: dict[tuple[object, ...], tuple[str, str]] = {}  # nanny key -> (virtual, server)
    devices: dict[str, VirtualServer] = {}
    for block, vs in zip(blocks, virtuals, strict=True):
        if (block.kind, block.name) in seen:
            report(ERROR, (block,), None, "duplicate-name",
                   f"another {block.kind} block is already called {block.name!r}: names must "
                   "be unique (pulse would run both, and this tool edits blocks by name)")
        seen.add((block.kind, block.name))
        if block.kind != "virtual":
            continue
        if vs.fwmark == 0 and vs.address:
            _service_collision(block, vs, vs.address, services, report)
        if vs.fwmark:
            _fwmark_collision(block, vs, marks, holders, report)
        if vs.fwmark and vs.active and (holders.get(vs.fwmark) is vs):
            _shared_monitors(block, vs, monitored, report)
        if vs.active and vs.device and vs.address:
            _device_collision(block, vs, (vs.device, vs.address), devices, report)


def _service_collision(block: Block, vs: VirtualServer, address: str,
                       services: dict[tuple[int | None, int, str], VirtualServer],
                       report: Report) -> None:
    """An address/port/protocol service an earlier virtual server already is (``address``:
    the virtual server's, known to be set)."""
    service = (inet_aton(address), vs.port, vs.protocol)
    if service in services:
        other = services[service]
        both = vs.active and other.active  # lvsd starts only active virtual servers
        report(ERROR if both else WARNING, (block,), "address", "duplicate-service",
               f"{vs.protocol} {vs.address}:{vs.port} is already the service of virtual "
               f"server {other.name!r}: ipvsadm refuses the second one, so lvsd "
               + ("cannot start it" if both else "could not run both once active"))
    services.setdefault(service, vs)


def _fwmark_collision(block: Block, vs: VirtualServer, marks: dict[int, VirtualServer],
                      holders: dict[int, VirtualServer], report: Report) -> None:
    """A firewall mark shared with another persistence, or already held by an active virtual
    server (``holders`` records the first active one of each mark)."""
    first = marks.setdefault(vs.fwmark, vs)
    if first.persistent != vs.persistent:
        report(ERROR, (block,), "persistent", "fwmark-persistence",
               f"firewall mark {vs.fwmark} is shared with virtual server {first.name!r}, "
               f"whose persistence is {first.persistent} s (here {vs.persistent} s): "
               "services bundled by a mark must use the same persistence")
    holder = holders.setdefault(vs.fwmark, vs) if vs.active else None
    if holder is not None and holder is not vs:
        report(WARNING, (block,), "fwmark", "shared-fwmark",
               f"firewall mark {vs.fwmark} is already the service of virtual server "
               f"{holder.name!r}: lvsd's ipvsadm -A -f {vs.fwmark} fails for this one "
               "and lvsd starts no monitor for it, so its real servers never receive "
               f"traffic (everything marked {vs.fwmark} goes to {holder.name!r}'s)")


def _device_collision(block: Block, vs: VirtualServer, placed: tuple[str, str],
                      devices: dict[str, VirtualServer], report: Report) -> None:
    """An active virtual server's device that already carries another virtual IP (``placed``:
    the virtual server's device and address, known to be set)."""
    device, address = placed
    other = devices.setdefault(device, vs)
    if inet_aton(other.address or "") != inet_aton(address):
        report(WARNING, (block,), "address", "shared-device",
               f"device {vs.device} already carries {other.address} for virtual server "
               f"{other.name!r}: pulse would replace one address with the other; give "
               "each address its own alias (eth0:1, eth0:2, ...)")


def _shared_monitors(block: Block, vs: VirtualServer,
                     monitored: dict[tuple[object, ...], tuple[str, str]],
                     report: Report) -> None:
    """Real servers of a running firewall-mark block that lvsd gives no nanny because one
    already runs for the same VIP, address, ports and protocol (lvsd.c ``cmpRealServers``
    ignores the mark)."""
    servers = [item for item in block.body if isinstance(item, Block)]
    vip = inet_aton(vs.address or "")
    for item, rs in zip(servers, vs.servers, strict=True):
        if not rs.active:
            continue
        key = (vip, inet_aton(rs.address), vs.port, rs.effective_port, vs.protocol)
        virtual, server = monitored.setdefault(key, (vs.name, rs.name))
        if virtual != vs.name:  # within one block: duplicate-real-server says it
            report(WARNING, (block, item), "address", "shared-monitor",
                   f"{rs.address}:{rs.effective_port} is already monitored as server "
                   f"{server!r} of {virtual!r} for the same VIP and port: lvsd starts one nanny "
                   f"for both (whatever the firewall mark), so mark {vs.fwmark} never gets "
                   "this server")


#: the warning on a ``backup_private`` line that lvsconfig.c overwrites with ``backup``
BACKUP_PRIVATE_IGNORED = ("ignored by pulse because primary_private is not set; set "
                          "primary_private or remove this line")


def _private_findings(doc: Document, report: _Reporter) -> None:
    """A ``backup_private`` line pulse ignores: without primary_private, it uses ``backup``."""
    if (doc.get("primary") is not None and doc.get("primary_private") is None
            and doc.get("backup_private") is not None):
        report(WARNING, (), "backup_private", "backup-private-ignored", BACKUP_PRIVATE_IGNORED)


#: one call of a reporter: severity, enclosing blocks, key, code, message
Call = tuple[str, tuple[Block, ...], str | None, str, str]


def _recorded(block: Block, vs: VirtualServer, network: str) -> tuple[Call, ...]:
    """The report calls of :func:`_virtual_findings` for one block (its own lines and the
    routing method decide them), to be replayed while the block is unedited."""
    calls: list[Call] = []

    def record(severity: str, parents: tuple[Block, ...], key: str | None, code: str,
               message: str) -> None:
        calls.append((severity, parents, key, code, message))

    _virtual_findings(block, vs, network, record)
    return tuple(calls)


def _virtual_findings(
    block: Block, vs: VirtualServer, network: str, report: Report
) -> None:
    """One virtual server's findings from its own lines and the routing method alone."""
    here = (block,)
    _scheduling_findings(here, vs, report)
    if vs.active and inet_aton(vs.address or "") is None:  # 0.0.0.0: rules_values
        report(WARNING, here, "address" if vs.address else None, "no-address",
               "an active virtual server without 'address = IP DEVICE': pulse would bring up "
               "the virtual IP 0.0.0.0 and clients could not reach the service")
    _monitor_findings(block, vs, report)
    if vs.monitor.send is not None and vs.monitor.send_program:
        report(WARNING, here, "send", "send-ignored",
               "send is ignored because a sending program is set (nanny uses only the program)")
    if vs.active and not any(rs.active for rs in vs.servers):
        report(WARNING, here, None, "no-real-servers",
               "an active virtual server without an active real server: every connection to it "
               "fails" + ("" if vs.sorry_server else " (no sorry server either)"))
    stale = [rs.name for rs in vs.servers if rs.port is None and rs.effective_port != vs.port]
    if stale:
        report(WARNING, here, "port", "port-after-servers",
               f"'port = {vs.port}' comes after real server(s) {', '.join(stale)}, which keep "
               "the port set above them (Piranha copies the port when it reads a server): "
               "move 'port' above the real servers")
    _real_server_findings(block, vs, network, report)


def _scheduling_findings(here: tuple[Block, ...], vs: VirtualServer, report: Report) -> None:
    """Persistence and load monitoring settings that lvsd ignores or that defeat the
    scheduler."""
    if vs.fwmark and vs.persistent <= 0:
        report(WARNING, here, "fwmark", "fwmark-without-persistence",
               "a firewall mark without persistence: set Persistence too (the same for every "
               "virtual server with this mark) so related connections reach the same server")
    if vs.pmask and inet_aton(vs.pmask) and vs.persistent <= 0:
        report(WARNING, here, "pmask", "pmask-without-persistence",
               "a persistence network mask without persistence: lvsd ignores it")
    if vs.load_monitor != "none" and vs.scheduler in WEIGHTED_SCHEDULERS:
        report(WARNING, here, "load_monitor", "load-monitor-weighted",
               f"load monitoring ({vs.load_monitor}) changes the weights that the weighted "
               f"scheduler {vs.scheduler} relies on: scheduling becomes hard to predict")


def _real_server_findings(block: Block, vs: VirtualServer, network: str, report: Report
                          ) -> None:
    """Each real server's own findings and its collisions with the block's earlier ones."""
    names: set[str] = set()
    endpoints: dict[tuple[int | None, int], RealServer] = {}
    servers = [item for item in block.body if isinstance(item, Block)]
    for item, rs in zip(servers, vs.servers, strict=True):
        where = (block, item)
        if rs.name in names:
            report(ERROR, where, None, "duplicate-name",
                   f"virtual server {vs.name!r} already has a real server called {rs.name!r}: "
                   "names must be unique (this tool edits real servers by name)")
        names.add(rs.name)
        address = inet_aton(rs.address)
        if address:
            _endpoint_collision(where, rs, (address, rs.effective_port), endpoints, report)
        elif rs.active and address == 0:
            report(WARNING, where, "address", "no-real-address",
                   "an active real server with address 0.0.0.0: nanny would check and add "
                   "0.0.0.0, which is no server")
        if (network != "nat" and vs.fwmark == 0 and rs.port is not None
                and rs.port != vs.port):
            report(WARNING, where, "port", "port-mapping",
                   f"port {rs.port} differs from the virtual server's port {vs.port}, but with "
                   f"{network} routing IPVS cannot change ports: ipvsadm stores port {vs.port}, "
                   f"packets arrive there while nanny checks {rs.port}, and when this server "
                   f"fails nanny's ipvsadm -d of port {rs.port} fails: nanny exits and, with "
                   "hard_shutdown = 1 (the default), lvsd shuts LVS down")


def _endpoint_collision(where: tuple[Block, ...], rs: RealServer,
                        endpoint: tuple[int | None, int],
                        endpoints: dict[tuple[int | None, int], RealServer],
                        report: Report) -> None:
    """A real server at the address and port of an earlier one of the same block."""
    if endpoint in endpoints:
        other_rs = endpoints[endpoint]
        both = rs.active and other_rs.active  # nannies run only for active servers
        report(WARNING, where, "address", "duplicate-real-server",
               f"{rs.address}:{rs.effective_port} is already real server "
               f"{other_rs.name!r}: lvsd starts one nanny per address and port, so "
               + ("this server gets none: only the first one's weight counts" if both
                  else "once both are active, only the first one is checked and added"))
    endpoints.setdefault(endpoint, rs)


def _global_findings(config: Config, index: CrossIndex, report: _Reporter) -> None:
    g = config.globals
    top: tuple[Block, ...] = ()
    if g.backup_active and (g.backup is None or inet_aton(g.backup) == 0):
        report(ERROR, top, "backup_active", "backup-missing",
               "backup_active = 1 without a backup router address: pulse switches redundancy "
               "off again (set 'backup' on the REDUNDANCY panel)")
    if g.backup and g.primary and inet_aton(g.backup) == inet_aton(g.primary) != 0:
        report(WARNING, top, "backup", "backup-is-primary",
               "the backup router has the same address as the primary: pulse on the backup "
               "would heartbeat to itself and never take over")
    if g.primary is None:
        report(WARNING, top, None, "no-primary",
               "'primary' is not set: pulse cannot recognise the primary router, so every "
               "router acts as the backup")
    if g.deadtime <= g.keepalive:
        report(WARNING, top, "deadtime", "deadtime-short",
               f"deadtime ({g.deadtime} s) is not longer than the heartbeat interval "
               f"(keepalive, {g.keepalive} s): the backup takes over after one late heartbeat")
    if g.service == "lvs" and not index.active:
        report(WARNING, top, None, "no-active-virtual",
               "no virtual server is active: pulse refuses to start without one")
    if g.network == "nat" and g.backup_active and index.virtuals and g.nat_router is None:
        report(WARNING, top, "network", "nat-router-missing",
               "NAT routing with a backup router but no 'nat_router': after a failover the "
               "real servers' default gateway stays on the failed router")


#: what glibc's regcomp(REG_EXTENDED) refuses at the start of a pattern (after an optional ^)
LEADING_REPETITION = ("*", "+", "?", "{")


def _monitor_findings(block: Block, vs: VirtualServer, report: Report) -> None:
    """nanny's checks that can never pass: UDP without an expect string, and an expect regex
    starting with a repetition (nanny.c 0.8.6 ``pinger``)."""
    here = (block,)
    monitor = vs.monitor
    nanny_default = vs.port == 80 and not (monitor.send or monitor.expect or monitor.send_program)
    if vs.protocol == "udp" and monitor.expect is None and not monitor.send_program \
            and not nanny_default:
        if monitor.send is None:
            report(ERROR, here, "protocol", "udp-without-send-or-expect",
                   "a UDP service with neither send nor expect: nanny sends nothing, so every "
                   "real server stays down, and if a datagram arrives anyway nanny crashes "
                   "(no expect string) and lvsd, with hard_shutdown = 1, stops all of LVS")
        else:
            report(WARNING, here, "protocol", "udp-without-expect",
                   "a UDP service without an expect string: nanny crashes as soon as a real "
                   "server answers its check, and lvsd then shuts LVS down")
    pattern = decode(monitor.expect or "").removeprefix("^")
    if monitor.use_regex and not monitor.send_program and pattern.startswith(LEADING_REPETITION):
        report(ERROR, here, "expect", "regex-does-not-compile",
               f"the expect regex starts with {pattern[0]!r}, which glibc's regcomp() refuses "
               "(nothing to repeat): nanny only logs that, and every check of every real "
               "server fails (for \"any byte\" use expect = \"*\" without use_regex)")
