"""One real server taken out of service everywhere, and put back (MAINTENANCE, addresses API).

Flask-free: what a search for an address (or real-server name) finds in lvs.cf, the edit that
deactivates every real server with that address in one save (DRAIN), and the edit that puts
back exactly what was there before (RETURN: active flags and weights as they were).

    found = find(config, "10.0.0.1")          # [Placement(virtual, server, address, port,
                                              #   weight, active, virtual_active)]
    edit = deactivate(found)                  # lvs.cf edit: active = 0 on each active one
    kept = MaintenanceLog(state_dir)          # STATE/maintenance.json: what DRAIN changed
    kept.remember(record_of(doc, address, found, user, now, kept.drained(address)))
                                              # after the save succeeded
    kept.remember(record.with_live(changes))  # the live quiesce's weight changes
    edit = put_back(kept.drained(address))    # lvs.cf edit: each recorded active and weight
    kept.forget(address)                      # after RETURN's save (and the live weights)

The record is written only after the save that it describes succeeded, and forgotten only
after RETURN's save succeeded: a refused or conflicting save leaves it as it was.  A second
DRAIN of an address already drained keeps the first record of each real server (what was
there before the maintenance began) and adds the real servers that were not in it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from piranha_web.atomic import locked, replace_file
from piranha_web.errors import MaintenanceError, NotFoundError
from piranha_web.lvscf import Document
from piranha_web.lvscf.model import Config
from piranha_web.lvscf.values import dotted, inet_aton
from piranha_web.netinfo.ipvs_weights import WeightChange

#: the record of drained addresses in the state directory
FILE_NAME = "maintenance.json"
#: at most this many addresses are kept drained at once (the file stays small)
MAX_DRAINED = 1024


@dataclass(frozen=True)
class Placement:
    """One real server of one virtual server, as lvs.cf has it."""

    virtual: str
    server: str
    address: str
    port: int
    weight: int
    active: bool
    virtual_active: bool


@dataclass(frozen=True)
class Kept:
    """What one real server had before DRAIN: its active flag and weight (as written, None
    when the file had no ``weight`` line)."""

    virtual: str
    server: str
    active: bool
    weight: str | None


@dataclass(frozen=True)
class Drained:
    """An address taken out of service: who, when, what each real server had in lvs.cf
    before, and the weights the live quiesce set in the running IPVS table (``live``)."""

    address: str
    user: str
    time: float
    servers: tuple[Kept, ...]
    live: tuple[WeightChange, ...] = ()

    def as_json(self) -> dict[str, object]:
        """The record as stored in the file."""
        return {"address": self.address, "user": self.user, "time": self.time,
                "servers": [asdict(k) for k in self.servers],
                "live": [asdict(c) for c in self.live]}

    def with_live(self, changes: Iterable[WeightChange]) -> Drained:
        """This record plus live weight changes (the first old weight of each real server of
        each service is kept: what it had before the maintenance began)."""
        kept = {(c.service, c.address, c.port): c for c in self.live}
        for change in changes:
            kept.setdefault((change.service, change.address, change.port), change)
        return replace(self, live=tuple(kept.values()))

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Drained:
        """A record read back from the file (ValueError/TypeError/KeyError when malformed)."""
        servers, live = data["servers"], data.get("live", [])
        if not isinstance(servers, list) or not isinstance(live, list):
            raise TypeError("servers or live is not a list")
        return cls(str(data["address"]), str(data["user"]), float(data["time"]),  # type: ignore[arg-type]
                   tuple(Kept(str(s["virtual"]), str(s["server"]), bool(s["active"]),
                              None if s["weight"] is None else str(s["weight"]))
                         for s in servers),
                   tuple(WeightChange(str(c["service"]), str(c["address"]), int(c["port"]),
                                      int(c["old"]), int(c["new"])) for c in live))


def normal_address(text: str) -> str | None:
    """``text`` (four parts, as ``inet_aton`` reads them: ``10.0.0.010`` is 10.0.0.8, as the
    daemons read lvs.cf) as a plain dotted quad; None when it is not an address."""
    text = text.strip()
    value = inet_aton(text) if text.count(".") == 3 else None
    return dotted(value) if value is not None else None


def find(config: Config, query: str) -> list[Placement]:
    """Every real server whose address is ``query`` (an IPv4 address) or, when ``query`` is
    not an address, whose name is ``query``, in file order; failover blocks have none."""
    wanted = normal_address(query)
    found = []
    for vs in config.virtuals:
        if vs.kind != "virtual":
            continue
        for rs in vs.servers:
            if (wanted is not None and normal_address(rs.address) == wanted) or \
                    (wanted is None and rs.name == query.strip()):
                found.append(Placement(vs.name, rs.name, rs.address, rs.effective_port,
                                       rs.weight, rs.active, vs.active))
    return found


def address_of(found: Sequence[Placement], query: str) -> str:
    """The one address a search stands for: ``query`` itself, or the address of the real
    servers a name found (NotFoundError when nothing is found, or a name is used by real
    servers of different addresses: then the address must be given)."""
    if not found:
        raise NotFoundError(f"No real server has the address or name {query!r}.")
    addresses = {normal_address(p.address) or p.address for p in found}
    if len(addresses) > 1:
        raise NotFoundError(f"The name {query!r} is used by real servers of different "
                            f"addresses ({', '.join(sorted(addresses))}): search by address.")
    return addresses.pop()


def deactivate(found: Iterable[Placement]) -> Callable[[Document], None]:
    """The edit that sets ``active = 0`` on each active real server found (others untouched,
    so their lines stay byte-identical)."""
    todo = [(p.virtual, p.server) for p in found if p.active]

    def edit(doc: Document) -> None:
        for virtual, server in todo:
            doc.set_active(False, virtual=virtual, server=server)

    return edit


def put_back(drained: Drained) -> Callable[[Document], None]:
    """The edit that gives each recorded real server its active flag and weight again.

    Only what differs from the record is written; a real server deleted or renamed since is
    left out (``missing`` names them after the edit ran)."""

    def edit(doc: Document) -> None:
        for kept in drained.servers:
            try:
                rs = doc.model().virtual(kept.virtual).server(kept.server)
            except NotFoundError:
                continue
            if rs.active != kept.active:
                doc.set_active(kept.active, virtual=kept.virtual, server=kept.server)
            if doc.get("weight", virtual=kept.virtual, server=kept.server) != kept.weight:
                doc.set("weight", kept.weight, virtual=kept.virtual, server=kept.server)

    return edit


def missing(drained: Drained, config: Config) -> list[str]:
    """The recorded real servers lvs.cf no longer has ("server rs1 of virtual web")."""
    gone = []
    for kept in drained.servers:
        try:
            config.virtual(kept.virtual).server(kept.server)
        except NotFoundError:
            gone.append(f"server {kept.server} of virtual {kept.virtual}")
    return gone


def record_of(doc: Document, address: str, found: Iterable[Placement], user: str, now: float,
              earlier: Drained | None = None) -> Drained:
    """What DRAIN is about to change, read from ``doc`` before the edit: each found real
    server's active flag and written weight, the earlier record's entries first."""
    kept = {(k.virtual, k.server): k for k in (earlier.servers if earlier else ())}
    for p in found:
        kept.setdefault((p.virtual, p.server), Kept(
            p.virtual, p.server, p.active,
            doc.get("weight", virtual=p.virtual, server=p.server)))
    return Drained(address, earlier.user if earlier else user,
                   earlier.time if earlier else now, tuple(kept.values()),
                   earlier.live if earlier else ())


class MaintenanceLog:
    """The drained addresses of this router: ``STATE/maintenance.json`` (atomic, locked)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / FILE_NAME
        self._lock = state_dir / (FILE_NAME + ".lock")

    def all(self) -> list[Drained]:
        """Every drained address, oldest first."""
        return list(self._read().values())

    def drained(self, address: str) -> Drained | None:
        """The record of ``address`` (None: not drained through this tool)."""
        return self._read().get(address)

    def remember(self, drained: Drained) -> None:
        """Keep ``drained`` (replacing an earlier record of its address)."""
        with self._locked():
            records = self._read()
            records[drained.address] = drained
            if len(records) > MAX_DRAINED:
                raise MaintenanceError(
                    f"{MAX_DRAINED} addresses are drained already; return some first.")
            self._write(records)

    def forget(self, address: str) -> None:
        """Drop the record of ``address`` (nothing when there is none)."""
        with self._locked():
            records = self._read()
            if records.pop(address, None) is not None:
                self._write(records)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One read-change-write at a time (processes included)."""
        with ExitStack() as stack:
            try:
                stack.enter_context(locked(self._lock))
            except OSError as err:
                raise MaintenanceError(f"cannot lock {self._lock}: {err}") from None
            yield

    def _read(self) -> dict[str, Drained]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as err:
            raise MaintenanceError(f"cannot read {self.path}: {err}") from None
        try:
            found = [Drained.from_json(item) for item in data["drained"]]
        except (KeyError, TypeError, ValueError) as err:
            raise MaintenanceError(f"{self.path} is not a maintenance record: {err!r}") from None
        return {d.address: d for d in found}

    def _write(self, records: dict[str, Drained]) -> None:
        data = {"drained": [d.as_json() for d in records.values()]}
        try:
            replace_file(self.path, (json.dumps(data, indent=1) + "\n").encode(),
                         make_parent=True)
        except OSError as err:
            raise MaintenanceError(f"cannot write {self.path}: {err}") from None
