"""What top-level blocks claim that another block may claim too, counted across the file.

The cross-block rules (:mod:`.rules_blocks`) look for two blocks with the same name, two
virtual servers with the same IPVS service, a firewall mark shared with different persistence,
and one device carrying two virtual IPs.  :class:`CrossIndex` counts those claims and how many
of them collide (``conflicts``), so that the rules walk the file only when something collides.

It is kept with the document (``derived``) and follows edits: a document copied from one that
has an index starts from a copy of it and replays only the blocks that changed since
(``Document.blocks_since_base``): the old versions' claims are withdrawn, the new ones added.
Counting stays exact whatever the order, so the result equals an index built from scratch.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from piranha_web.lvscf.document import Document
from piranha_web.lvscf.model import VirtualServer, virtual_of, with_models
from piranha_web.lvscf.syntax import Block
from piranha_web.lvscf.values import inet_aton

KEY = "cross index"


@dataclass(frozen=True)
class Claims:
    """What one top-level block claims (``None``: nothing of that kind)."""

    name: tuple[str, str]  # (kind, name)
    service: tuple[int | None, int, str] | None = None  # (VIP, port, protocol), no fwmark
    mark: tuple[int, int] | None = None  # (fwmark, persistence)
    device: tuple[str, int | None] | None = None  # (device, VIP) of an active virtual server
    virtual: bool = False  # a ``virtual`` block (not ``failover``)
    active: bool = False  # an active ``virtual`` block


def claims_of(block: Block, vs: VirtualServer) -> Claims:
    """The claims of ``block`` (whose model is ``vs``), as the cross-block rules read them."""
    if block.kind != "virtual":
        return Claims((block.kind, block.name))
    return Claims(
        (block.kind, block.name),
        (inet_aton(vs.address), vs.port, vs.protocol) if vs.fwmark == 0 and vs.address else None,
        (vs.fwmark, vs.persistent) if vs.fwmark else None,
        (vs.device, inet_aton(vs.address)) if vs.active and vs.device and vs.address else None,
        True,
        vs.active,
    )


class CrossIndex:
    """Claims of every top-level block, counted.

    ``conflicts`` is 0 exactly when no two blocks share a name or a service, every firewall
    mark has one persistence and every device one virtual IP.
    """

    def __init__(self) -> None:
        self.units: dict[int, tuple[Block, Claims]] = {}
        self.counts: Counter[tuple[object, ...]] = Counter()
        self.conflicts = 0
        self.virtuals = 0
        self.active = 0

    def copy(self) -> CrossIndex:
        twin = CrossIndex()
        twin.units = dict(self.units)
        twin.counts = self.counts.copy()
        twin.conflicts, twin.virtuals, twin.active = self.conflicts, self.virtuals, self.active
        return twin

    def add(self, block: Block, claims: Claims) -> None:
        self.units[id(block)] = (block, claims)
        self._count(claims, 1)

    def withdraw(self, block: Block) -> None:
        kept = self.units.pop(id(block), None)
        if kept is not None and kept[0] is block:
            self._count(kept[1], -1)

    def _count(self, claims: Claims, step: int) -> None:
        self.virtuals += step * claims.virtual
        self.active += step * claims.active
        self._shared(("name", *claims.name), step)
        if claims.service is not None:
            self._shared(("service", *claims.service), step)
        if claims.mark is not None:
            self._one_value(("mark", claims.mark[0]), claims.mark[1], step)
        if claims.device is not None:
            self._one_value(("device", claims.device[0]), claims.device[1], step)

    def _shared(self, key: tuple[object, ...], step: int) -> None:
        """A claim only one block may hold: each holder beyond the first is a conflict."""
        before = self.counts[key]
        after = before + step
        self._set(key, after)
        self.conflicts += max(after - 1, 0) - max(before - 1, 0)

    def _one_value(self, group: tuple[object, ...], value: object, step: int) -> None:
        """A claim whose holders must agree on ``value``: each value beyond the first is a
        conflict."""
        key = (*group, value)
        before = self.counts[key]
        self._set(key, before + step)
        if (before == 0) != (before + step == 0):  # a value appears or disappears
            distinct = ("values", *group)
            old = self.counts[distinct]
            new = old + (1 if before == 0 else -1)
            self._set(distinct, new)
            self.conflicts += max(new - 1, 0) - max(old - 1, 0)

    def _set(self, key: tuple[object, ...], count: int) -> None:
        if count:
            self.counts[key] = count
        else:
            del self.counts[key]


def cross_index(doc: Document) -> CrossIndex:
    """The index of ``doc``'s content: kept, else updated from the one of the content it was
    parsed or copied with, else built."""
    kept = doc.derived.get(KEY)
    if isinstance(kept, CrossIndex):
        return kept
    base = doc.base_derived.get(KEY)
    if isinstance(base, CrossIndex):
        index = base.copy()
        gone, new = doc.blocks_since_base()
        for block in gone:
            index.withdraw(block)
        for block in new:
            index.add(block, claims_of(block, virtual_of(doc, block)))
    else:
        index = CrossIndex()
        for block, vs in with_models(doc):
            index.add(block, claims_of(block, vs))
    doc.derived[KEY] = index
    return index
