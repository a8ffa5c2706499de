"""What changed between two configurations, in words an LVS administrator reads at a glance.

    summarize(old: Config, new: Config) -> list[str]

computed from the typed models (not from the text), so reformatting, comments and key order
say nothing, and a value written differently but read the same by the daemons is no change.
Examples::

    global settings: network nat -> direct
    virtual www added                         virtual www removed
    virtual www renamed to web                virtual www activated / deactivated
    virtual www: port 80 -> 8080              virtual www: send "GET /" -> "HEAD /"
    server rs2 added to virtual web           server rs2 removed from virtual web
    server rs1 of virtual web: weight 1 -> 5  server rs1 of virtual web deactivated
    virtual servers reordered

``serial_no`` is left out (every save bumps it) unless nothing else changed.  Used by the
history (entries and comparisons) and the ACCEPT page.  Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields, replace
from typing import TYPE_CHECKING, TypeVar

from piranha_web.lvscf.model import Config, Globals, MonitorScript, RealServer, VirtualServer
from piranha_web.lvscf.schema import KEYS, Kind

MAX_VALUE = 60
T = TypeVar("T", VirtualServer, RealServer)

if TYPE_CHECKING:
    from piranha_web.lvscf.document import Document


def summarize(old: Config, new: Config) -> list[str]:
    """Changes from ``old`` to ``new`` in words, globals first, then blocks in file order."""
    lines = _globals(old.globals, new.globals)
    lines.extend(_virtuals(old.virtuals, new.virtuals))
    if not lines and old.globals.serial_no != new.globals.serial_no:
        lines.append(f"serial_no {old.globals.serial_no} -> {new.globals.serial_no}")
    return lines


def summarize_documents(old: Document, new: Document) -> list[str]:
    """:func:`summarize` of two documents, plus the choices the model cannot tell apart.

    The model reads a value that is not one of a key's choices as the default (an unknown
    scheduler is wlc there; lvsd aborts on it), so a hand edit to or from one would say
    nothing, or name the default: the words written are shown instead.
    """
    lines = summarize(old.model(), new.model())
    extra = []
    for read, written in _unread_choices(old, new):
        if read in lines:
            lines[lines.index(read)] = written
        else:
            extra.append(written)
    if extra and len(lines) == 1 and lines[0].startswith("serial_no "):
        lines = []
    return lines + extra


def _unread_choices(old: Document, new: Document) -> list[tuple[str, str]]:
    """(the model's words, the written words) of every choice key changed to or from a value
    that is not one of its choices."""
    scopes: list[tuple[str, str | None]] = [("global", None)]
    scopes.extend(("virtual", name) for name in new.virtual_names()
                  if name in old.virtual_names())
    found = []
    for scope, name in scopes:
        for key, spec in KEYS[scope].items():
            if spec.kind != Kind.CHOICE:
                continue
            was, now = old.get(key, virtual=name), new.get(key, virtual=name)
            unknown = [v for v in (now, was) if v is not None and v not in spec.choices]
            if was == now or not unknown:
                continue
            read = [v if v in spec.choices else spec.default for v in (was, now)]
            label = "global settings" if name is None else f"virtual {name}"
            found.append((f"{label}: {key} {show(read[0])} -> {show(read[1])}",
                          f"{label}: {key} {show(was)} -> {show(now)} "
                          f"({show(unknown[0])} is not a {key} pulse knows)"))
    return found


def show(value: object) -> str:
    """A value as the summary shows it (bools 0/1, unset, long strings shortened)."""
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        text = value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 3] + "..."
        return f'"{text}"' if (not text or " " in text) else text
    return str(value)


def _fields(old: object, new: object, skip: Iterable[str]) -> list[str]:
    """``key old -> new`` for every dataclass field that differs."""
    skipped = set(skip)
    return [
        f"{f.name} {show(getattr(old, f.name))} -> {show(getattr(new, f.name))}"
        for f in fields(old)  # type: ignore[arg-type]
        if f.name not in skipped and getattr(old, f.name) != getattr(new, f.name)
    ]


def _globals(old: Globals, new: Globals) -> list[str]:
    skip = ["serial_no", *_followers(old, new)]
    return [f"global settings: {change}" for change in _fields(old, new, skip)]


def _followers(old: Globals, new: Globals) -> list[str]:
    """Private addresses that only follow the public ones (pulse copies them when no
    ``primary_private`` is set): their change is the public address's change, said once."""
    pairs = (("primary_private", "primary"), ("backup_private", "backup"))
    return [private for private, public in pairs
            if all(getattr(g, private) == getattr(g, public) for g in (old, new))]


def _label(vs: VirtualServer) -> str:
    return f"{vs.kind} {vs.name}"


def _by_name(items: Sequence[T]) -> dict[str, T]:
    """Each block by name; a name a hand edit repeats is keyed ``name (#2)``, ``name (#3)``...
    (a server renamed to the name of another is then a rename, not a removal)."""
    found: dict[str, T] = {}
    for item in items:
        key, count = item.name, 1
        while key in found:
            count += 1
            key = f"{item.name} (#{count})"
        found[key] = item
    return found


def _same_place(old: T, new: T) -> bool:
    """True when two blocks serve the same address (and port): a rename with other changes."""
    if isinstance(old, VirtualServer) and isinstance(new, VirtualServer):
        return (old.address, old.port, old.fwmark) == (new.address, new.port, new.fwmark)
    return old.address is not None and old.address == new.address


def _renames(
    gone: dict[str, T], added: dict[str, T]
) -> dict[str, str]:
    """old name -> new name where a removed and an added block are equal but for the name,
    else (a rename with other changes) serve the same address."""
    renamed: dict[str, str] = {}
    for same in (lambda o, n: replace(n, name=o.name) == o, _same_place):
        for old_name, old in gone.items():
            if old_name in renamed:
                continue
            for new_name, new in added.items():
                if new_name not in renamed.values() and same(old, new):
                    renamed[old_name] = new_name
                    break
    return renamed


def _virtuals(old: Sequence[VirtualServer], new: Sequence[VirtualServer]) -> list[str]:
    before, after = _by_name(old), _by_name(new)
    gone = {n: v for n, v in before.items() if n not in after}
    added = {n: v for n, v in after.items() if n not in before}
    renamed = _renames(gone, added)
    lines: list[str] = []
    for name, vs in before.items():
        if name in renamed:
            lines.append(f"{_label(vs)} renamed to {renamed[name]}")
            lines.extend(_virtual(replace(vs, name=after[renamed[name]].name),
                                  after[renamed[name]]))
        elif name in gone:
            lines.append(f"{_label(vs)} removed")
    for name, vs in after.items():
        if name in added and name not in renamed.values():
            lines.append(f"{_label(vs)} added")
        elif name in before:
            lines.extend(_virtual(before[name], vs))
    common_before = [n for n in before if n in after]
    common_after = [n for n in after if n in before]
    if common_before != common_after:
        lines.append("virtual servers reordered")
    return lines


def _virtual(old: VirtualServer, new: VirtualServer) -> list[str]:
    if old is new:  # an unedited block keeps its VirtualServer: nothing to compare
        return []
    label = _label(new)
    lines: list[str] = []
    if old.active != new.active:
        lines.append(f"{label} {'activated' if new.active else 'deactivated'}")
    lines.extend(f"{label}: {c}" for c in _fields(old, new, ("name", "active", "monitor",
                                                             "servers")))
    lines.extend(f"{label}: {c}" for c in _monitor(old.monitor, new.monitor))
    lines.extend(_servers(label, old.servers, new.servers))
    return lines


def _monitor(old: MonitorScript, new: MonitorScript) -> list[str]:
    return _fields(old, new, ())


def _server(label: str, name: str, was: RealServer, rs: RealServer) -> list[str]:
    """What changed in one real server (known as ``name``) of virtual ``label``."""
    lines = []
    if was.active != rs.active:
        lines.append(f"server {name} of {label} {'activated' if rs.active else 'deactivated'}")
    lines.extend(f"server {name} of {label}: {c}"
                 for c in _fields(was, rs, ("name", "active", "effective_port")))
    return lines


def _servers(label: str, old: Sequence[RealServer], new: Sequence[RealServer]) -> list[str]:
    before, after = _by_name(old), _by_name(new)
    gone = {n: s for n, s in before.items() if n not in after}
    added = {n: s for n, s in after.items() if n not in before}
    renamed = _renames(gone, added)
    lines: list[str] = []
    for name in gone:
        if name in renamed:
            lines.append(f"server {name} of {label} renamed to {renamed[name]}")
            lines.extend(_server(label, renamed[name], replace(before[name], name=renamed[name]),
                                 after[renamed[name]]))
        else:
            lines.append(f"server {name} removed from {label}")
    for name, rs in after.items():
        if name in added and name not in renamed.values():
            lines.append(f"server {name} added to {label}")
        elif name in before:
            lines.extend(_server(label, name, before[name], rs))
    if [n for n in before if n in after] != [n for n in after if n in before]:
        lines.append(f"servers of {label} reordered")
    return lines
