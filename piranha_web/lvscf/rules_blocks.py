"""Rules across lines and blocks: names, duplicates, collisions and operational pitfalls.

These describe what goes wrong when the daemons run the file: two virtual servers claiming the
same service (ipvsadm fails, nanny dies, and with ``hard_shutdown`` all of LVS stops), firewall
marks bundled with different persistence, redundancy switched on without a backup, and so on.
"""

from __future__ import annotations

from piranha_web.lvscf.document import Document
from piranha_web.lvscf.model import Config, VirtualServer
from piranha_web.lvscf.rules_lines import where_of
from piranha_web.lvscf.schema import WEIGHTED_SCHEDULERS
from piranha_web.lvscf.syntax import Block, Statement
from piranha_web.lvscf.validate import Finding
from piranha_web.lvscf.values import inet_aton


class _Lines:
    """Line numbers of openers and of the last occurrence of each key, per block."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.opener: dict[int, int] = {}
        self.key: dict[tuple[int, str], int] = {}
        self.first_line = 1
        self.indexed = False

    def _index(self) -> None:
        self.indexed = True
        for number, node, parents in self.doc.walk():
            if parents and node is parents[-1].opener:
                self.opener[id(parents[-1])] = number
            elif isinstance(node, Statement):
                self.key[(id(parents[-1]) if parents else 0, node.key)] = number

    def of(self, block: Block | None, key: str | None = None) -> int:
        if not self.indexed:
            self._index()
        scope = id(block) if block is not None else 0
        if key is not None and (scope, key) in self.key:
            return self.key[(scope, key)]
        if block is None:
            return self.first_line
        return self.opener[id(block)]


class _Reporter:
    """Collects findings, placing each on the line of its key (else of its block opener)."""

    def __init__(self, lines: _Lines) -> None:
        self.lines = lines
        self.findings: list[Finding] = []

    def __call__(
        self,
        severity: str,
        block: Block | None,
        key: str | None,
        code: str,
        message: str,
        parents: tuple[Block, ...] | None = None,
    ) -> None:
        where = where_of(parents if parents is not None else ((block,) if block else ()))
        self.findings.append(
            Finding(severity, self.lines.of(block, key), key, message, code, where)
        )


def block_findings(doc: Document) -> list[Finding]:
    report = _Reporter(_Lines(doc))
    config = doc.model()
    blocks = doc.blocks()

    seen: dict[tuple[str, str], Block] = {}
    for block in blocks:
        if (block.kind, block.name) in seen:
            report("error", block, None, "duplicate-name",
                   f"a second {block.kind} server called {block.name!r}: names must be unique "
                   "(the tool addresses virtual servers by name)")
        else:
            seen[(block.kind, block.name)] = block

    by_service: dict[tuple[str, int, str], str] = {}
    fwmark_persistence: dict[int, tuple[int, str]] = {}
    for block, vs in zip(blocks, config.virtuals, strict=True):
        if block.kind != "virtual":
            continue
        _virtual_findings(block, vs, report)
        if vs.fwmark == 0 and vs.address:
            service = (vs.address, vs.port, vs.protocol)
            if service in by_service:
                report("error", block, "address", "duplicate-service",
                       f"{vs.protocol} {vs.address}:{vs.port} is already used by virtual server "
                       f"{by_service[service]!r}: ipvsadm refuses the second service")
            else:
                by_service[service] = vs.name
        if vs.fwmark:
            first = fwmark_persistence.setdefault(vs.fwmark, (vs.persistent, vs.name))
            if first[0] != vs.persistent:
                report("error", block, "persistent", "fwmark-persistence",
                       f"firewall mark {vs.fwmark} is shared with virtual server {first[1]!r} "
                       f"whose persistence is {first[0]}, this one has {vs.persistent}: bundled "
                       "services must use the same persistence")

    _global_findings(doc, config, report)
    return report.findings


def _virtual_findings(block: Block, vs: VirtualServer, report: _Reporter) -> None:
    if vs.fwmark and vs.persistent <= 0:
        report("warning", block, "fwmark", "fwmark-without-persistence",
               "a firewall mark is set without persistence: set Persistence too, the same for "
               "every virtual server with this mark")
    if vs.pmask and vs.persistent <= 0:
        report("warning", block, "pmask", "pmask-without-persistence",
               "a persistence network mask without persistence: lvsd ignores it")
    if vs.load_monitor not in ("none", "") and vs.scheduler in WEIGHTED_SCHEDULERS:
        report("warning", block, "load_monitor", "load-monitor-weighted",
               f"load monitoring ({vs.load_monitor}) changes weights behind the weighted "
               f"scheduler {vs.scheduler}: scheduling becomes hard to predict")
    if vs.active and not vs.address:
        report("warning", block, None, "no-address",
               "active virtual server without 'address = IP DEVICE': pulse brings up 0.0.0.0")
    if vs.protocol == "udp" and vs.monitor.expect is None and not vs.monitor.send_program:
        report("warning", block, "protocol", "udp-without-expect",
               "UDP service without an expect string: nanny crashes when a reply arrives")
    if vs.active and not vs.servers:
        report("warning", block, None, "no-real-servers",
               "active virtual server without real servers")
    names: set[str] = set()
    endpoints: dict[tuple[str, int], str] = {}
    servers = [i for i in block.body if isinstance(i, Block)]
    for item, rs in zip(servers, vs.servers, strict=True):
        parents = (block, item)
        if rs.name in names:
            report("error", item, None, "duplicate-name",
                   f"a second real server called {rs.name!r} in this virtual server", parents)
        names.add(rs.name)
        endpoint = (rs.address, rs.effective_port)
        if endpoint in endpoints and rs.address != "0.0.0.0":
            report("error", item, "address", "duplicate-real-server",
                   f"{rs.address}:{rs.effective_port} is already real server "
                   f"{endpoints[endpoint]!r}: ipvsadm refuses the duplicate and nanny dies",
                   parents)
        endpoints.setdefault(endpoint, rs.name)
        if rs.active and inet_aton(rs.address) in (None, 0):
            report("warning", item, "address", "no-real-address",
                   "active real server without an address: nanny checks 0.0.0.0", parents)


def _global_findings(doc: Document, config: Config, report: _Reporter) -> None:
    g = config.globals
    if g.backup_active and (not g.backup or inet_aton(g.backup) == 0):
        report("error", None, "backup_active", "backup-missing",
               "backup_active = 1 but no backup router address: pulse switches redundancy off")
    if g.backup and g.primary and g.backup == g.primary:
        report("error", None, "backup", "backup-is-primary",
               "the backup router has the same address as the primary")
    if g.primary is None:
        report("warning", None, None, "no-primary",
               "no 'primary': pulse cannot tell it is the primary router and acts as backup")
    timers_set = doc.get("deadtime") is not None or doc.get("keepalive") is not None
    if timers_set and g.deadtime <= g.keepalive:
        report("warning", None, "deadtime", "deadtime-short",
               f"deadtime ({g.deadtime} s) is not longer than the heartbeat interval "
               f"({g.keepalive} s): the backup takes over after one lost heartbeat")
    virtuals = [v for v in config.virtuals if v.kind == "virtual"]
    if g.service == "lvs" and virtuals and not any(v.active for v in virtuals):
        report("warning", None, None, "no-active-virtual",
               "no virtual server is active: pulse refuses to start ('no active lvs services')")
