"""REDUNDANCY: how its fields map onto the heartbeat and sync-daemon keys of lvs.cf (panel, API).

Labels are Piranha's (docs/reference/piranha.md §2.4).  Fields show raw values, or the daemons'
defaults when a key is absent (keepalive 2, deadtime 5, heartbeat_port 539, syncd_iface eth0,
syncd_id 0); ACCEPT writes only what the user changed.  Unlike Piranha, viewing writes nothing
(Piranha forced ``heartbeat = 1`` and its own timer defaults on every view).  The fields are
shown whether or not the backup is enabled, because enabling needs a backup address first.
"""

from __future__ import annotations

from collections.abc import Mapping

from piranha_web.edits import checks
from piranha_web.edits.common import Edit, shown_value
from piranha_web.lvscf import Document
from piranha_web.lvscf.values import c_int, inet_aton

TEXT_KEYS = ("backup", "backup_private", "keepalive", "deadtime", "heartbeat_port",
             "syncd_iface", "syncd_id")
CHECKBOXES = ("monitor_links", "syncdaemon")
FIELDS = (*TEXT_KEYS, *CHECKBOXES)
#: lvs.cf keys this panel edits (their findings are shown here)
KEYS = frozenset({*FIELDS, "backup_active", "heartbeat"})
DEFAULTS = {"keepalive": "2", "deadtime": "5", "heartbeat_port": "539", "syncd_iface": "eth0",
            "syncd_id": "0"}

HELP: dict[str, str] = {
    "backup": "The public real IP address of the backup LVS router.",
    "backup_private": "The backup router's real IP address on the private heartbeat network "
    "(shown because the primary has a private IP).",
    "keepalive": "Seconds between heartbeats from the backup router to the primary.",
    "deadtime": "Seconds without a heartbeat after which the backup router takes over. It "
    "must be longer than the heartbeat interval.",
    "heartbeat_port": "The UDP port pulse sends its heartbeat to (539 when not set).",
    "monitor_links": "Also check the link state of the network devices carrying the virtual "
    "servers; a link failure causes a failover.",
    "syncdaemon": "Run the IPVS connection sync daemon (ipvsadm --start-daemon), so that the "
    "backup router knows the open connections when it takes over.",
    "syncd_iface": "The device the sync daemon sends and receives its multicast messages on.",
    "syncd_id": "The sync daemon's ID (0-255); both routers must use the same.",
}


def initial_values(doc: Document) -> dict[str, str]:
    """What the form shows for lvs.cf as it is (the private IP only with a primary's one)."""
    g = doc.model().globals
    values = {key: shown_value(doc, key) or DEFAULTS.get(key, "") for key in TEXT_KEYS}
    values["monitor_links"] = "1" if g.monitor_links else ""
    values["syncdaemon"] = "1" if g.syncdaemon else ""
    if not doc.get("primary_private"):
        del values["backup_private"]
    return values


def check(todo: Mapping[str, str], current: Mapping[str, str], primary: str | None
          ) -> dict[str, str]:
    """Errors (field -> message) in the changed values, and between the resulting ones."""
    errors: dict[str, str] = {}

    def problem(field: str, message: str | None) -> None:
        if message and field not in errors:
            errors[field] = message

    for field in ("backup", "backup_private"):
        if todo.get(field):
            problem(field, checks.ipv4(todo[field]))
    if "backup" in todo and not todo["backup"]:
        problem("backup", "Enter the backup router's public IP address.")
    for field, low, high in (("keepalive", 1, None), ("deadtime", 1, None),
                             ("heartbeat_port", 1, 65535), ("syncd_id", 0, 255)):
        if field in todo:
            problem(field, checks.integer(todo[field], low, high) if todo[field]
                    else "Enter a number.")
    if todo.get("syncd_iface"):
        problem("syncd_iface", checks.device(todo["syncd_iface"]))
    after = {**current, **todo}
    keepalive, deadtime = c_int(after["keepalive"]), c_int(after["deadtime"])
    if (("keepalive" in todo or "deadtime" in todo) and keepalive is not None
            and deadtime is not None and deadtime <= keepalive):
        problem("deadtime", f"Assume dead after ({deadtime} s) must be longer than the "
                f"heartbeat interval ({keepalive} s).")
    backup = inet_aton(after.get("backup", ""))
    if "backup" in todo and primary and backup and backup == inet_aton(primary):
        problem("backup", "The backup router cannot have the primary router's address "
                f"({primary}).")
    return errors


def apply(todo: Mapping[str, str], backup_active: str | None) -> Edit:
    """The edit ACCEPT (or ENABLE/DISABLE, ``backup_active`` "1"/"0") applies."""

    def edit(doc: Document) -> None:
        for key in TEXT_KEYS:
            if key in todo:
                doc.set(key, todo[key] or None)
        for key in CHECKBOXES:
            if key in todo:
                doc.set(key, "1" if todo[key] else "0")
        if backup_active is not None:
            doc.set("backup_active", backup_active)

    return edit
