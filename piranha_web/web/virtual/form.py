"""The VIRTUAL SERVER subsection form and how it maps onto a ``virtual`` block of lvs.cf.

Labels, choices and help texts are Piranha's (lvscf.schema).  The form shows raw values; a
key absent from the file shows the value the daemons assume.  ACCEPT writes only the fields the
user changed (see ``panel``).  Virtual IP Address and Device together are the ``address`` key.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Mapping
from functools import partial

from wtforms import RadioField, SelectField, StringField

from piranha_web.edits.checks import device as device_problem
from piranha_web.errors import NotFoundError
from piranha_web.lvscf import Document
from piranha_web.lvscf import schema as s
from piranha_web.lvscf.rules_values import address_error
from piranha_web.web.panel import (
    Problems,
    RevisionForm,
    add_choice,
    check_new_name,
    choices,
    set_or_unset,
    shown_value,
    submitted,
)

#: fields of the form that are plain lvs.cf keys of the same name
PLAIN_KEYS = (
    "port", "protocol", "vip_nmask", "sorry_server", "fwmark", "reentry", "timeout",
    "quiesce_server", "load_monitor", "scheduler", "persistent", "pmask",
)
FIELDS = ("name", "address", "device", *PLAIN_KEYS)
MASKS = [("", "Unused"), *((m, m) for m in s.NETMASKS)]

#: what Piranha's ADD writes for a new virtual server (docs/reference/piranha.md §2.9); the VIP is
#: left for the user because 0.0.0.0 is no usable address
ADD_DEFAULTS: dict[str, str] = {
    "name": "", "address": "", "device": "eth0:1", "port": "80", "protocol": "tcp",
    "vip_nmask": "", "sorry_server": "", "fwmark": "", "reentry": "15", "timeout": "6",
    "quiesce_server": "0", "load_monitor": "none", "scheduler": "wlc", "persistent": "",
    "pmask": "",
}
#: keys Piranha's ADD also writes that are edited on other subsections
ADD_EXTRA: dict[str, str] = {
    "active": "0",
    "send": r"GET / HTTP/1.0\r\n\r\n",
    "expect": "HTTP",
    "use_regex": "0",
}


def help_of(key: str) -> str:
    keyspec = s.spec("virtual", key)
    return keyspec.help if keyspec else ""


HELP: dict[str, str] = {key: help_of(key) for key in PLAIN_KEYS}
HELP["name"] = (
    "Enter a descriptive name to identify the virtual server. This name is not the hostname "
    "for the machine, so make it descriptive and easily identifiable."
)
HELP["address"] = "Enter the virtual server's floating IP address in this text field."
HELP["device"] = (
    "Enter the name of the network device to which you want the floating IP address defined "
    "the Virtual IP Address field to bind. You should alias the public floating IP address to "
    "the Ethernet interface connected to the public network, e.g. eth0:1."
)


class VirtualForm(RevisionForm):
    """Fields of the VIRTUAL SERVER subsection (names are the form controls' names and ids)."""

    name = StringField("Name")
    port = StringField("Application port")
    protocol = SelectField("Protocol", choices=choices([("tcp", "TCP"), ("udp", "UDP")]))
    address = StringField("Virtual IP Address")
    vip_nmask = SelectField("Virtual IP Network Mask", choices=choices(MASKS))
    sorry_server = StringField("Sorry Server")
    fwmark = StringField("Firewall Mark")
    device = StringField("Device")
    reentry = StringField("Re-entry Time")
    timeout = StringField("Service Timeout")
    quiesce_server = RadioField("Quiesce server", choices=choices([("1", "Yes"), ("0", "No")]))
    load_monitor = SelectField(
        "Load monitoring tool", choices=choices((m, m) for m in ("none", "rup", "ruptime"))
    )
    scheduler = SelectField("Scheduling", choices=choices(s.SCHEDULERS))
    persistent = StringField("Persistence")
    pmask = SelectField("Persistence Network Mask", choices=choices(MASKS))

    def offer(self, initial: dict[str, str]) -> None:
        """Add the file's values that are not in a drop-down's list, so they are kept."""
        for key in ("protocol", "vip_nmask", "quiesce_server", "load_monitor", "scheduler",
                    "pmask"):
            add_choice(getattr(self, key), initial.get(key))


def initial_values(doc: Document, name: str) -> dict[str, str]:
    """What the form shows for virtual server ``name``."""
    doc.find_virtual(name)

    def raw(key: str, default: str = "") -> str:
        value = shown_value(doc, key, virtual=name)
        return value if value is not None else default

    words = raw("address").split(" ")
    values = {
        "name": name,
        "address": words[0],
        "device": words[1] if len(words) > 1 else "",
    }
    for key in PLAIN_KEYS:
        keyspec = s.spec("virtual", key)
        shows_default = key not in ("fwmark", "persistent") and keyspec is not None
        values[key] = raw(key, (keyspec.default or "") if shows_default and keyspec else "")
    return values


#: the block name a NEW virtual server is checked under while its own name is refused
UNNAMED = "piranha-web-unnamed"


def _address(vip: str, device: str, problems: Problems) -> list[str] | None:
    """The ``address`` value for the two fields (None: both blank, or refused)."""
    if not vip and not device:
        return None
    if not vip:
        problems.refuse("address", "Enter the virtual IP address (or clear Device as well).")
    if not device:
        problems.refuse(
            "device",
            "Enter the device the virtual IP is raised on, e.g. eth0:1 (pulse refuses an "
            "address without a device).",
        )
    elif (problem := device_problem(device)) is not None:
        problems.refuse("device", problem)
        device = ""
    if vip and not device and (problem := address_error(vip)) is not None:
        # without a device the line is not written, so its findings cannot name the address
        problems.refuse("address", problem)
    return [vip, device] if vip and device else None


def edit_existing(todo: dict[str, str], name: str) -> Callable[[Document], None]:
    """The edit ACCEPT applies to virtual server ``name``: the changed fields ``todo``.

    Every changed field is tried, so that the errors of all of them are reported together.
    """

    def edit(doc: Document) -> None:
        problems = Problems()
        target = name
        if "name" in todo:
            new = todo["name"]
            if problems.attempt(lambda: check_new_name(new, "virtual server")) and \
                    problems.attempt(lambda: doc.rename_virtual(name, new)):
                target = new
        if "address" in todo or "device" in todo:
            words = (doc.get("address", virtual=target) or "").split(" ")
            vip = todo.get("address", words[0])
            device = todo.get("device", words[1] if len(words) > 1 else "")
            value = _address(vip, device, problems)
            if value is not None or not (vip or device):
                problems.attempt(lambda: doc.set("address", value, virtual=target))
        for key in PLAIN_KEYS:
            if key in todo:
                problems.attempt(partial(set_or_unset, doc, key, todo[key], virtual=target))
        problems.raise_any()

    return edit


def create_new(form: VirtualForm, without: Collection[str] = ()) -> Callable[[Document], None]:
    """The edit ACCEPT applies for a NEW virtual server: Piranha's ADD keys plus the form
    (but the fields ``without``: refused by the form already)."""
    return add_virtual({key: submitted(getattr(form, key)) for key in FIELDS
                        if key not in without})


def add_virtual(values: Mapping[str, str]) -> Callable[[Document], None]:
    """A NEW virtual server from the form's fields (``FIELDS``; blank or absent: no key).

    A refused name or value does not stop the others from being checked: the block is added
    without the refused values (under a stand-in name if the name is refused), so the save
    reports every field's error at once and writes nothing.
    """
    name = values.get("name", "")

    def edit(doc: Document) -> None:
        problems = Problems()
        named = problems.attempt(lambda: check_new_name(name, "virtual server"))
        target = name if named else UNNAMED
        vip, device = values.get("address", ""), values.get("device", "")
        if not vip and not device:
            problems.refuse("address", "Enter the virtual IP address.")
        keys: dict[str, str | list[str] | None] = {
            "address": _address(vip, device, problems), **ADD_EXTRA}
        for key in PLAIN_KEYS:
            keys[key] = values.get(key) or None
        while not problems.attempt(partial(doc.add_virtual, target, keys)):
            refused = problems.errors[-1].key
            if refused == "name" and target != UNNAMED:
                target = UNNAMED  # a taken name: check the values under a stand-in name
                continue
            if refused not in keys or keys[refused] is None:
                break
            keys[refused] = None  # check the others without it
            with contextlib.suppress(NotFoundError):  # a half-added block goes
                doc.remove_virtual(target)
        problems.raise_any()

    return edit
