"""What an edit changed, in words: compare two typed models (:class:`~.model.Config`).

``describe(old, new)`` lists the differences the way an administrator would say them, in the
order of the new file::

    global: network nat -> direct
    virtual web-api added
    virtual www renamed to www2
    virtual www deactivated
    virtual www: port 80 -> 8080
    virtual www / server rs2 added
    virtual www / server rs2: weight 1 -> 2

Values are the model's (as the daemons read them, defaults filled in), so a key written with
the value the daemons already assumed is no change, and blocks are matched by kind and name.
A block that disappears while one with the same content but another name appears is a rename.
Derived values (``serial_no``, a real server's inherited port) are not listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields, replace
from typing import TypeVar

from piranha_web.lvscf.model import Config, RealServer, VirtualServer

#: fields that follow from others or from the tool itself, never worth a line of their own
_DERIVED = frozenset({"serial_no", "effective_port", "servers", "monitor", "name", "kind",
                      "active"})


@dataclass(frozen=True)
class Change:
    """One difference: ``where`` ("global", "virtual www", "virtual www / server rs2")."""

    where: str
    what: str

    def __str__(self) -> str:
        if self.what.startswith(":"):
            return f"{self.where}{self.what}"
        return f"{self.where} {self.what}"


def shown(value: object) -> str:
    """A model value as lvs.cf would say it (booleans 1/0, absent values "(not set)")."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and (value == "" or " " in value):
        return f'"{value}"'
    return str(value)


def _fields(old: object, new: object, where: str) -> Iterator[Change]:
    for spec in fields(old):  # type: ignore[arg-type]
        if spec.name in _DERIVED:
            continue
        before, after = getattr(old, spec.name), getattr(new, spec.name)
        if before != after:
            yield Change(where, f": {spec.name} {shown(before)} -> {shown(after)}")


def _activity(old: bool, new: bool, where: str) -> Iterator[Change]:
    if old != new:
        yield Change(where, "activated" if new else "deactivated")


Named = TypeVar("Named", VirtualServer, RealServer)


def _renames(removed: list[str], added: list[str], before: Mapping[str, Named],
             after: Mapping[str, Named]) -> dict[str, str]:
    """old name -> new name for blocks whose content is the same under another name."""
    found: dict[str, str] = {}
    for new_name in added:
        for old_name in removed:
            if old_name not in found and replace(before[old_name], name=new_name) == \
                    after[new_name]:
                found[old_name] = new_name
                break
    return found


def _servers(old: VirtualServer, new: VirtualServer, where: str) -> Iterator[Change]:
    before = {rs.name: rs for rs in old.servers}
    after = {rs.name: rs for rs in new.servers}
    removed = [name for name in before if name not in after]
    added = [name for name in after if name not in before]
    renamed = _renames(removed, added, before, after)
    for name in removed:
        if name in renamed:
            yield Change(f"{where} / server {name}", f"renamed to {renamed[name]}")
        else:
            yield Change(f"{where} / server {name}", "deleted")
    new_names = set(renamed.values())
    for rs in new.servers:
        here = f"{where} / server {rs.name}"
        if rs.name in added:
            if rs.name not in new_names:
                yield Change(here, "added")
            continue
        yield from _activity(before[rs.name].active, rs.active, here)
        yield from _fields(before[rs.name], rs, here)


def _virtual(old: VirtualServer, new: VirtualServer) -> Iterator[Change]:
    if old == new:
        return
    where = f"{new.kind} {new.name}"
    yield from _activity(old.active, new.active, where)
    yield from _fields(old, new, where)
    yield from _fields(old.monitor, new.monitor, where)
    yield from _servers(old, new, where)


def describe(old: Config, new: Config) -> list[Change]:
    """Every difference between ``old`` and ``new`` (see the module docstring)."""
    changes = list(_fields(old.globals, new.globals, "global"))
    before = {f"{vs.kind} {vs.name}": vs for vs in old.virtuals}
    after = {f"{vs.kind} {vs.name}": vs for vs in new.virtuals}
    removed = [label for label in before if label not in after]
    added = [label for label in after if label not in before]
    renamed: dict[str, str] = {}
    for kind in {vs.kind for vs in (*old.virtuals, *new.virtuals)}:
        pairs = _renames(
            [before[label].name for label in removed if before[label].kind == kind],
            [after[label].name for label in added if after[label].kind == kind],
            {vs.name: vs for vs in old.virtuals if vs.kind == kind},
            {vs.name: vs for vs in new.virtuals if vs.kind == kind},
        )
        renamed.update({f"{kind} {a}": f"{kind} {b}" for a, b in pairs.items()})
    for label in removed:
        if label in renamed:
            changes.append(Change(label, f"renamed to {after[renamed[label]].name}"))
        else:
            changes.append(Change(label, "deleted"))
    targets = set(renamed.values())
    for label, vs in after.items():
        if label in targets:
            continue
        if label in added:
            changes.append(Change(label, "added"))
        elif before[label] is not vs:  # the model shares unchanged blocks' snapshots
            changes.extend(_virtual(before[label], vs))
    return changes
