"""The API's request and response models, built from lvscf.schema and the panels' field lists.

Field names are lvs.cf key names; each field's description is the key's help text from
``lvscf.schema`` with the value the daemons assume when the key is absent.  The same models
validate requests (flask-openapi3) and generate the OpenAPI document, so the document cannot
drift from what the API accepts.

Types: a key the C parser reads as a number or a 0/1 flag (``Kind.INT``, ``BOOL``, ``PORT``)
is an integer, written in decimal as the panels write it; a string is accepted too and written
as sent (a port may be a service name; the text is checked like a panel's field), and a read
gives a string where lvs.cf's value is not a plain decimal integer (``010``, ``0x10``, a
service name: its findings are at ``/findings``).  A key with a fixed set of values
(``scheduler``, ``protocol``, ``network``, ``service``, ``load_monitor``) is an enum when
written; a read gives lvs.cf's value as it is.  What a value means is checked by the same
lvscf validation as an ACCEPT.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from piranha_web.edits import global_settings as global_settings_form
from piranha_web.edits import monitoring
from piranha_web.edits import redundancy as redundancy_form
from piranha_web.lvscf import schema as s
from piranha_web.web.api.problems import ProblemFinding
from piranha_web.web.panel import NAME_RE
from piranha_web.web.server import form as sf
from piranha_web.web.virtual import form as vf

STRICT = ConfigDict(extra="forbid", strict=True)
NAME = Field(pattern=f"^{NAME_RE.pattern}$",
             description="The block's name in lvs.cf (how it is addressed).")


def _describe(scope: str, key: str, extra: str = "") -> str:
    keyspec = s.spec(scope, key)
    text = keyspec.help if keyspec and keyspec.help else (keyspec.label if keyspec else "")
    if keyspec and keyspec.default is not None:
        text += f" Absent from lvs.cf: the daemons assume {keyspec.default!r}."
    if keyspec and keyspec.choices:
        text += " One of: " + ", ".join(keyspec.choices) + "."
    return (text + " " + extra).strip()


NUMERIC = (s.Kind.INT, s.Kind.BOOL, s.Kind.PORT)


def _type(scope: str, key: str, write: bool) -> Any:
    """The JSON type of ``key``'s value (see the module docstring)."""
    keyspec = s.spec(scope, key)
    if keyspec is None:
        return str
    if keyspec.kind in NUMERIC:
        return int | str
    if write and keyspec.choices:
        return Literal[keyspec.choices]
    return str


def typed(scope: str, key: str, value: str | None) -> int | str | None:
    """lvs.cf's ``value`` of ``key`` as a read answers it: an integer when the key is numeric
    and the value a plain decimal integer, else the text as it is."""
    keyspec = s.spec(scope, key)
    if value is None or keyspec is None or keyspec.kind not in NUMERIC:
        return value
    try:
        number = int(value, 10)
    except ValueError:
        return value
    return number if str(number) == value else value


def _fields(scope: str, keys: tuple[str, ...], *, required: tuple[str, ...] = (),
            defaults: dict[str, str] | None = None, extra: dict[str, str] | None = None,
            write: bool = True) -> dict[str, Any]:
    """pydantic field definitions ``key: (type, Field)`` for lvs.cf keys of ``scope``."""
    found: dict[str, Any] = {}
    for key in keys:
        description = _describe(scope, key, (extra or {}).get(key, ""))
        kind = _type(scope, key, write)
        if key in required:
            found[key] = (kind, Field(description=description))
        elif defaults and defaults.get(key):
            found[key] = (kind, Field(typed(scope, key, defaults[key]), description=description))
        else:
            found[key] = (kind | None, Field(None, description=description))
    return found


ADDRESS_NOTE = "Two words: the virtual IP and the device it is raised on, e.g. '192.0.2.10 eth0:1'."
NAT_NOTE = "Two words: the NAT router IP and its device, e.g. '10.0.0.254 eth1:1'."

# ------------------------------------------------------------------ configuration


class ConfigText(BaseModel):
    """The whole lvs.cf and its revision."""

    revision: str
    text: str


class ConfigBody(BaseModel):
    """A whole new lvs.cf text."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(max_length=16 * 1024 * 1024)


class FindingsReport(BaseModel):
    """Validation findings (errors: pulse would refuse or a daemon would fail; warnings)."""

    revision: str | None = None
    errors: int
    warnings: int
    findings: list[ProblemFinding]


class LineChange(BaseModel):
    sign: Literal["-", "+"]
    line: int
    text: str


class SyncReport(BaseModel):
    ok: bool
    message: str


class WriteResult(BaseModel):
    """What a write did: ``saved`` or ``unchanged`` (nothing written); with ``dry_run``, what
    it would do (nothing written either way)."""

    status: Literal["saved", "unchanged"]
    revision: str
    message: str
    summary: list[str] = Field(default_factory=list, description="What changed, in words.")
    changes: list[LineChange] = Field(default_factory=list,
                                      description="The lvs.cf lines removed and added.")
    warnings: list[ProblemFinding] = Field(
        default_factory=list,
        description="Warnings on the lines this write added or changed (at most 100); the "
                    "file's others are counted in warnings_total and listed by GET /findings.")
    warnings_total: int = Field(default=0, description="Warnings of the whole file now.")
    sync: SyncReport | None = None
    dry_run: bool = Field(default=False,
                          description="Only what the write would do; nothing written.")
    findings: list[ProblemFinding] = Field(
        default_factory=list,
        description="The findings the write added to lvs.cf (GET /findings: all of them).")
    resolved: list[ProblemFinding] = Field(
        default_factory=list, description="The findings of lvs.cf the write resolved.")


class DryRunQuery(BaseModel):
    """``dry_run=true``: answer what the write would do (changed lines, summary, new findings,
    resulting revision as the ETag) and write, record and sync nothing."""

    model_config = ConfigDict(extra="forbid")
    dry_run: bool = False


# ------------------------------------------------------------------ global settings, redundancy

GLOBAL_KEYS = tuple(k for k in s.ORDER["global"] if k in global_settings_form.KEYS)
#: writable global settings: every key GET shows (a GET body PATCHed back changes nothing)
GLOBAL_WRITABLE = (*global_settings_form.PLAIN_KEYS, "nat_router", "network", "service",
                   "debug_level")
REDUNDANCY_KEYS = tuple(k for k in s.ORDER["global"] if k in redundancy_form.KEYS)
REDUNDANCY_WRITABLE = (*redundancy_form.FIELDS, "backup_active", "heartbeat")

GlobalSettings = create_model(
    "GlobalSettings", __doc__="GLOBAL SETTINGS: the keys' values in lvs.cf (null: absent).",
    **_fields("global", GLOBAL_KEYS, extra={"nat_router": NAT_NOTE}, write=False),
)
GlobalSettingsPatch = create_model(
    "GlobalSettingsPatch", __config__=STRICT,
    __doc__="Keys to change ('' or null removes a key); keys left out are unchanged.",
    **_fields("global", tuple(k for k in GLOBAL_KEYS if k in GLOBAL_WRITABLE),
              extra={"nat_router": NAT_NOTE}),
)
Redundancy = create_model(
    "Redundancy", __doc__="REDUNDANCY: the keys' values in lvs.cf (null: absent).",
    **_fields("global", REDUNDANCY_KEYS, write=False),
)
RedundancyPatch = create_model(
    "RedundancyPatch", __config__=STRICT,
    __doc__="Keys to change ('' or null removes a key); keys left out are unchanged.",
    **_fields("global", tuple(k for k in REDUNDANCY_KEYS if k in REDUNDANCY_WRITABLE)),
)

# ------------------------------------------------------------------ virtual and real servers

VIRTUAL_KEYS = ("address", *vf.PLAIN_KEYS)
VirtualServer = create_model(
    "VirtualServer", __doc__="A virtual server (values as the VIRTUAL SERVER panel shows them).",
    name=(str, Field(description="The virtual server's name.")),
    active=(bool, Field(description=_describe("virtual", "active"))),
    **_fields("virtual", VIRTUAL_KEYS, extra={"address": ADDRESS_NOTE}, write=False),
)
VirtualServerCreate = create_model(
    "VirtualServerCreate", __config__=STRICT,
    __doc__="A new virtual server; keys left out get what Piranha's ADD writes.",
    name=(str, NAME),
    **_fields("virtual", VIRTUAL_KEYS, required=("address",), defaults=vf.ADD_DEFAULTS,
              extra={"address": ADDRESS_NOTE}),
)
VirtualServerPatch = create_model(
    "VirtualServerPatch", __config__=STRICT,
    __doc__="Fields to change ('' or null removes a key; a new name renames); others unchanged.",
    name=(str | None, Field(None, description="A new name (renames the virtual server).")),
    active=(bool, Field(None, description=_describe("virtual", "active"))),
    **_fields("virtual", VIRTUAL_KEYS, extra={"address": ADDRESS_NOTE}),
)


class VirtualServerList(BaseModel):
    """One page of virtual servers in lvs.cf's order; ``next``: the following page's URL."""

    revision: str
    virtual_servers: list[VirtualServer]  # type: ignore[valid-type]
    next: str | None = Field(None, description="The next page (same filters), if any.")


MAX_PAGE = 1000


class Paging(BaseModel):
    """A page: at most ``limit`` items after ``cursor``, those matching ``q``."""

    model_config = ConfigDict(extra="forbid")
    limit: int = Field(100, ge=1, le=MAX_PAGE, description="Items per page.")
    cursor: str | None = Field(None, max_length=200, description="From a page's next link: "
                               "the items after this one.")
    q: str | None = Field(None, max_length=200, description="Only items whose name, address, "
                          "device or port contains this text (case-insensitive).")


class VirtualFilter(Paging):
    """Filters of the list (all must match) and the page."""

    active: bool | None = None
    protocol: str | None = None
    port: str | None = None
    vip: str | None = Field(None, description="The virtual IP (first word of address).")
    device: str | None = None
    scheduler: str | None = None


SERVER_KEYS = sf.PLAIN_KEYS
RealServer = create_model(
    "RealServer", __doc__="A real server of a virtual server.",
    name=(str, Field(description="The real server's name.")),
    active=(bool, Field(description=_describe("server", "active"))),
    **_fields("server", SERVER_KEYS, write=False),
)
RealServerCreate = create_model(
    "RealServerCreate", __config__=STRICT,
    __doc__="A new real server (written inactive, like Piranha's ADD).",
    name=(str, NAME),
    **_fields("server", SERVER_KEYS, required=("address",), defaults=sf.ADD_DEFAULTS),
)
RealServerPatch = create_model(
    "RealServerPatch", __config__=STRICT,
    __doc__="Fields to change ('' or null removes a key; a new name renames); others unchanged.",
    name=(str | None, Field(None, description="A new name (renames the real server).")),
    active=(bool, Field(None, description=_describe("server", "active"))),
    **_fields("server", SERVER_KEYS),
)


class RealServerList(BaseModel):
    """One page of real servers in lvs.cf's order; ``next``: the following page's URL."""

    revision: str
    real_servers: list[RealServer]  # type: ignore[valid-type]
    next: str | None = Field(None, description="The next page (same filters), if any.")


class ServerFilter(Paging):
    """Filters of the list (all must match) and the page."""

    active: bool | None = None
    address: str | None = None


MONITOR_KEYS = monitoring.KEYS
Monitoring = create_model(
    "Monitoring", __doc__="MONITORING SCRIPTS of a virtual server (raw lvs.cf strings).",
    use_regex=(bool, Field(description=_describe("virtual", "use_regex"))),
    **_fields("virtual", MONITOR_KEYS),
)
MonitoringPatch = create_model(
    "MonitoringPatch", __config__=STRICT,
    __doc__="Fields to change ('' or null removes a key); others unchanged.",
    use_regex=(bool | None, Field(None, description=_describe("virtual", "use_regex"))),
    **_fields("virtual", MONITOR_KEYS),
)

# ------------------------------------------------------------------ parameters


class VirtualPath(BaseModel):
    virtual: str = Field(description="The virtual server's name.")


class ServerPath(BaseModel):
    virtual: str = Field(description="The virtual server's name.")
    server: str = Field(description="The real server's name.")


class IfMatch(BaseModel):
    """Every write names the revision it was based on (428 without, 412 when stale)."""

    if_match: str = Field(alias="If-Match",
                          description="The ETag (revision) the change is based on.")


# ------------------------------------------------------------------ probe and sync


class Verdict(BaseModel):
    state: Literal["up", "down"]
    reason: str


class ProbeResult(BaseModel):
    """One real server checked now, the way nanny would (``nanny``) and strictly."""

    virtual: str
    server: str
    address: str
    port: int
    protocol: str
    active: bool
    check: str
    nanny: Verdict
    strict: Verdict
    received: str
    elapsed: float
    warnings: list[str]


class ProbeResults(BaseModel):
    revision: str
    results: list[ProbeResult]


class SyncOutcome(BaseModel):
    ok: bool
    message: str
    reason: str | None = None
    detail: str = ""
    checksum: str | None = None
    host: str | None = None
    remote_path: str | None = None
    skipped: bool = False
    time: float = 0.0


class SyncState(BaseModel):
    state: str
    message: str
    local_checksum: str | None = None
    remote_checksum: str | None = None
    reason: str | None = None
    detail: str = ""
    host: str | None = None
    checked_at: float = 0.0
    last: SyncOutcome | None = None


# ------------------------------------------------------------------ live IPVS state


class LiveServer(BaseModel):
    """A real server as this router's kernel has it (null: not in the IPVS table)."""

    name: str
    in_ipvs: bool
    weight: int | None
    active_connections: int | None
    inactive_connections: int | None
    state: str | None = Field(description="How the kernel's entry compares with lvs.cf.")


class LiveVirtual(BaseModel):
    """A virtual server in this router's IPVS table now."""

    virtual: str
    readable: bool = Field(description="False: the IPVS table could not be read (problem).")
    problem: str | None
    up: int | None = Field(description="Real servers in the kernel with a weight above 0.")
    watched: int | None = Field(description="Active real servers nanny watches.")
    real_servers: list[LiveServer]
