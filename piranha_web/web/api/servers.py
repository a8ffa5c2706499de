"""Virtual servers, their real servers and monitoring scripts, and checks run now.

Addressed by name.  Reads show the values the panels show; writes go through the panels' own
edit functions (``virtual.form``, ``server.form``, ``edits.monitoring``), so the API writes the
same lvs.cf text as the panels for the same change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask_openapi3.types import ResponseDict
from werkzeug.wrappers import Response

from piranha_web import monitor
from piranha_web.accounts import Role
from piranha_web.edits import monitoring
from piranha_web.errors import AuditError, NotFoundError
from piranha_web.lvscf import Document
from piranha_web.monitor import lvsd_monitor
from piranha_web.web import journal
from piranha_web.web.api import models as m
from piranha_web.web.api.auth import authorize_changes, requires
from piranha_web.web.api.blueprint import VIRTUAL, WRITE_ERRORS, bp
from piranha_web.web.api.problems import ApiError, dump
from piranha_web.web.api.writes import Plan, batchable, etag, given_fields, write
from piranha_web.web.live_state import read_live
from piranha_web.web.server import form as sf
from piranha_web.web.services import services
from piranha_web.web.virtual import form as vf

WRITE: ResponseDict = {200: m.WriteResult, **WRITE_ERRORS}


def _every(body: Any) -> dict[str, str]:
    """Every field of a create body, defaults included, null as ''."""
    return {k: "" if v is None else str(v) for k, v in body.model_dump().items()}


def _split_address(values: dict[str, str]) -> None:
    """``address`` 'IP DEVICE' as the panel's two fields ``address`` and ``device``."""
    if "address" in values:
        words = values["address"].split(None, 1)
        values["address"] = words[0] if words else ""
        values["device"] = words[1] if len(words) > 1 else ""


def _unique(find: Callable[[], object], what: str) -> None:
    """409 (nothing written) when ``find`` finds the block a create or rename would name."""
    try:
        find()
    except NotFoundError:
        return
    raise ApiError(409, f"There is a {what} already; nothing was written.",
                   revision=services().store.revision())


# ------------------------------------------------------------------ virtual servers

def _virtual(doc: Document, name: str) -> Any:
    shown = vf.initial_values(doc, name)
    values: dict[str, Any] = {k: m.typed("virtual", k, shown[k] or None) for k in vf.PLAIN_KEYS}
    values["address"] = " ".join(w for w in (shown["address"], shown["device"]) if w) or None
    return m.VirtualServer(name=name, active=doc.model().virtual(name).active, **values)


def _virtual_names(doc: Document) -> list[str]:
    return [vs.name for vs in doc.model().virtuals if vs.kind == "virtual"]


def _page(names: list[str], query: m.Paging, item: Callable[[str], Any | None],
          endpoint: str, **args: str) -> tuple[list[Any], str | None]:
    """The items (``item(name)``, None: filtered out) of one page after ``query.cursor`` (a
    name; 400 when no item has it any more) and the next page's URL, if there are more."""
    start = 0
    if query.cursor is not None:
        if query.cursor not in names:
            raise ApiError(400, f"The cursor {query.cursor!r} names no item any more; start "
                           "again without it.")
        start = names.index(query.cursor) + 1
    found: list[Any] = []
    for position in range(start, len(names)):
        shown = item(names[position])
        if shown is None:
            continue
        if len(found) == query.limit:
            given: dict[str, Any] = {**args, **query.model_dump(exclude_none=True,
                                                                exclude_defaults=True)}
            given.update(cursor=names[position - 1], limit=query.limit)
            return found, url_for(endpoint, **given)
        found.append(shown)
    return found, None


def _matches(q: str | None, *words: object) -> bool:
    """``q`` is in one of ``words`` (case-insensitive); no ``q`` matches everything."""
    return q is None or any(q.lower() in str(w).lower() for w in words if w is not None)


@bp.get("/virtual-servers", tags=VIRTUAL, summary="List virtual servers (filters: all match; "
        "paged: limit, cursor, next)", responses={200: m.VirtualServerList})
@requires(Role.VIEWER)
def list_virtual_servers(query: m.VirtualFilter) -> Response:
    loaded = services().store.load()

    def item(name: str) -> Any | None:
        vs = _virtual(loaded.document, name)
        words = (vs.address or "").split(" ")
        port = None if vs.port is None else str(vs.port)
        if ((query.active is None or vs.active == query.active)
                and query.protocol in (None, vs.protocol)
                and query.port in (None, port)
                and query.scheduler in (None, vs.scheduler)
                and query.vip in (None, words[0])
                and query.device in (None, words[1] if len(words) > 1 else None)
                and _matches(query.q, name, vs.address, port)):
            return vs
        return None

    found, following = _page(_virtual_names(loaded.document), query, item,
                             ".list_virtual_servers")
    return dump(m.VirtualServerList(revision=loaded.revision, virtual_servers=found,
                                    next=following), headers=etag(loaded.revision))


@batchable("create_virtual_server", m.VirtualServerCreate)
def plan_create_virtual_server(path: dict[str, str], body: Any) -> Plan:
    """Piranha's ADD + ACCEPT of a virtual server."""
    del path
    values = _every(body)
    _split_address(values)
    name = values["name"]
    add = vf.add_virtual(values)

    def edit(doc: Document) -> None:
        _unique(lambda: doc.find_virtual(name), f"virtual server {name}")
        add(doc)

    return Plan(edit, f"Virtual server {name} added.", 201,
                url_for(".get_virtual_server", virtual=name))


@bp.post("/virtual-servers", tags=VIRTUAL, summary="Create a virtual server (like ADD + ACCEPT)",
         responses={201: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def create_virtual_server(header: m.IfMatch, body: m.VirtualServerCreate,  # type: ignore[valid-type]
                          query: m.DryRunQuery) -> Response:
    del header
    return write(plan_create_virtual_server({}, body), dry_run=query.dry_run)


@bp.get("/virtual-servers/<virtual>", tags=VIRTUAL, summary="One virtual server",
        responses={200: m.VirtualServer})
@requires(Role.VIEWER)
def get_virtual_server(path: m.VirtualPath) -> Response:
    loaded = services().store.load()
    return dump(_virtual(loaded.document, path.virtual), headers=etag(loaded.revision))


@batchable("update_virtual_server", m.VirtualServerPatch)
def plan_update_virtual_server(path: dict[str, str], body: Any) -> Plan:
    """The VIRTUAL SERVER panel's ACCEPT of the fields sent that differ from lvs.cf."""
    name = path["virtual"]
    given = given_fields(body)
    active = given.pop("active", None)
    _split_address(given)

    def edit(doc: Document) -> None:
        current = vf.initial_values(doc, name)
        if given.get("name") not in (None, name):
            _unique(lambda: doc.find_virtual(given["name"]), f"virtual server {given['name']}")
        if active is not None and (active == "True") != doc.model().virtual(name).active:
            doc.set_active(active == "True", virtual=name)
        vf.edit_existing({k: v for k, v in given.items() if v != current.get(k)}, name)(doc)

    return Plan(edit, f"Virtual server {given.get('name') or name} saved.")


@bp.patch("/virtual-servers/<virtual>", tags=VIRTUAL, summary="Change a virtual server",
          responses=WRITE)
@requires(Role.ADMIN)
def update_virtual_server(path: m.VirtualPath, header: m.IfMatch,
                          body: m.VirtualServerPatch,  # type: ignore[valid-type]
                          query: m.DryRunQuery) -> Response:
    del header
    return write(plan_update_virtual_server(path.model_dump(), body), dry_run=query.dry_run)


@batchable("delete_virtual_server", None)
def plan_delete_virtual_server(path: dict[str, str], body: None) -> Plan:
    """DELETE of a virtual server (404 when there is none of that name)."""
    del body
    name = path["virtual"]
    return Plan(lambda doc: doc.remove_virtual(name), f"Virtual server {name} deleted.")


@bp.delete("/virtual-servers/<virtual>", tags=VIRTUAL, summary="Delete a virtual server",
           responses=WRITE)
@requires(Role.ADMIN)
def delete_virtual_server(path: m.VirtualPath, header: m.IfMatch,
                          query: m.DryRunQuery) -> Response:
    del header
    return write(plan_delete_virtual_server(path.model_dump(), None), dry_run=query.dry_run)


def _activation(active: bool) -> Callable[[dict[str, str], None], Plan]:
    """The planner of ACTIVATE (``active``) or DEACTIVATE of a virtual or real server."""

    def plan(path: dict[str, str], body: None) -> Plan:
        del body
        virtual, server = path["virtual"], path.get("server")

        def edit(doc: Document) -> None:
            if server is None:
                doc.find_virtual(virtual)
            else:
                doc.find_server(virtual, server)
            doc.set_active(active, virtual=virtual, server=server)

        what = f"Real server {server} of {virtual}" if server else f"Virtual server {virtual}"
        return Plan(edit, f"{what} {'activated' if active else 'deactivated'}.")

    return plan


plan_activate = _activation(True)
plan_deactivate = _activation(False)
for _endpoint, _plan in (("activate_virtual_server", plan_activate),
                         ("deactivate_virtual_server", plan_deactivate),
                         ("activate_real_server", plan_activate),
                         ("deactivate_real_server", plan_deactivate)):
    batchable(_endpoint, None)(_plan)


@bp.post("/virtual-servers/<virtual>/activate", tags=VIRTUAL, summary="active = 1",
         responses=WRITE)
@requires(Role.OPERATOR)
def activate_virtual_server(path: m.VirtualPath, header: m.IfMatch,
                            query: m.DryRunQuery) -> Response:
    del header
    return write(plan_activate(path.model_dump(), None), dry_run=query.dry_run)


@bp.post("/virtual-servers/<virtual>/deactivate", tags=VIRTUAL, summary="active = 0",
         responses=WRITE)
@requires(Role.OPERATOR)
def deactivate_virtual_server(path: m.VirtualPath, header: m.IfMatch,
                              query: m.DryRunQuery) -> Response:
    del header
    return write(plan_deactivate(path.model_dump(), None), dry_run=query.dry_run)


# ------------------------------------------------------------------ real servers

def weight_only(changed: frozenset[str]) -> Role:
    """Like EDIT REAL SERVER: an operator may change the weight and nothing else."""
    return Role.OPERATOR if changed <= {"weight"} else Role.ADMIN


def _server(doc: Document, virtual: str, name: str) -> Any:
    shown = sf.initial_values(doc, virtual, name)
    values = {k: m.typed("server", k, shown[k] or None) for k in sf.PLAIN_KEYS}
    active = doc.model().virtual(virtual).server(name).active
    return m.RealServer(name=name, active=active, **values)


@bp.get("/virtual-servers/<virtual>/real-servers", tags=VIRTUAL,
        summary="List the real servers of a virtual server (filters: all match; paged: limit, "
        "cursor, next)", responses={200: m.RealServerList})
@requires(Role.VIEWER)
def list_real_servers(path: m.VirtualPath, query: m.ServerFilter) -> Response:
    loaded = services().store.load()
    vs = loaded.document.model().virtual(path.virtual)

    def item(name: str) -> Any | None:
        rs = _server(loaded.document, path.virtual, name)
        if ((query.active is None or rs.active == query.active)
                and query.address in (None, rs.address)
                and _matches(query.q, name, rs.address, rs.port)):
            return rs
        return None

    found, following = _page([r.name for r in vs.servers], query, item,
                             ".list_real_servers", virtual=path.virtual)
    return dump(m.RealServerList(revision=loaded.revision, real_servers=found, next=following),
                headers=etag(loaded.revision))


@batchable("create_real_server", m.RealServerCreate)
def plan_create_real_server(path: dict[str, str], body: Any) -> Plan:
    """Piranha's ADD + ACCEPT of a real server (404 without its virtual server)."""
    virtual = path["virtual"]
    values = _every(body)
    name = values["name"]
    add = sf.add_server(virtual, values)

    def edit(doc: Document) -> None:
        doc.find_virtual(virtual)
        _unique(lambda: doc.find_server(virtual, name), f"real server {name} of {virtual}")
        add(doc)

    return Plan(edit, f"Real server {name} added to {virtual}.", 201,
                url_for(".get_real_server", virtual=virtual, server=name))


@bp.post("/virtual-servers/<virtual>/real-servers", tags=VIRTUAL,
         summary="Add a real server (inactive, like ADD + ACCEPT)",
         responses={201: m.WriteResult, **WRITE_ERRORS})
@requires(Role.ADMIN)
def create_real_server(path: m.VirtualPath, header: m.IfMatch,
                       body: m.RealServerCreate,  # type: ignore[valid-type]
                       query: m.DryRunQuery) -> Response:
    del header
    return write(plan_create_real_server(path.model_dump(), body), dry_run=query.dry_run)


@bp.get("/virtual-servers/<virtual>/real-servers/<server>", tags=VIRTUAL,
        summary="One real server", responses={200: m.RealServer})
@requires(Role.VIEWER)
def get_real_server(path: m.ServerPath) -> Response:
    loaded = services().store.load()
    return dump(_server(loaded.document, path.virtual, path.server),
                headers=etag(loaded.revision))


@batchable("update_real_server", m.RealServerPatch)
def plan_update_real_server(path: dict[str, str], body: Any) -> Plan:
    """EDIT REAL SERVER's ACCEPT of the fields sent that differ from lvs.cf; the role is
    decided on exactly those (an operator may change the weight only)."""
    virtual, server = path["virtual"], path["server"]
    given = given_fields(body)
    active = given.pop("active", None)

    def edit(doc: Document) -> None:
        current = sf.initial_values(doc, virtual, server)
        if given.get("name") not in (None, server):
            _unique(lambda: doc.find_server(virtual, given["name"]),
                    f"real server {given['name']} of {virtual}")
        todo = {k: v for k, v in given.items() if v != current.get(k)}
        activate = active is not None and (
            active == "True") != doc.model().virtual(virtual).server(server).active
        authorize_changes({*todo, *(("active",) if activate else ())}, "api.update_real_server")
        if activate:
            doc.set_active(active == "True", virtual=virtual, server=server)
        sf.edit_existing(todo, virtual, server)(doc)

    return Plan(edit, f"Real server {given.get('name') or server} saved.")


@bp.patch("/virtual-servers/<virtual>/real-servers/<server>", tags=VIRTUAL,
          summary="Change a real server", responses=WRITE)
@requires(Role.OPERATOR, changes=weight_only)
def update_real_server(path: m.ServerPath, header: m.IfMatch,
                       body: m.RealServerPatch,  # type: ignore[valid-type]
                       query: m.DryRunQuery) -> Response:
    del header
    return write(plan_update_real_server(path.model_dump(), body), dry_run=query.dry_run)


@batchable("delete_real_server", None)
def plan_delete_real_server(path: dict[str, str], body: None) -> Plan:
    """DELETE of a real server (404 when there is none of that name)."""
    del body
    virtual, server = path["virtual"], path["server"]
    return Plan(lambda doc: doc.remove_server(virtual, server),
                f"Real server {server} of {virtual} deleted.")


@bp.delete("/virtual-servers/<virtual>/real-servers/<server>", tags=VIRTUAL,
           summary="Delete a real server", responses=WRITE)
@requires(Role.ADMIN)
def delete_real_server(path: m.ServerPath, header: m.IfMatch,
                       query: m.DryRunQuery) -> Response:
    del header
    return write(plan_delete_real_server(path.model_dump(), None), dry_run=query.dry_run)


@bp.post("/virtual-servers/<virtual>/real-servers/<server>/activate", tags=VIRTUAL,
         summary="active = 1", responses=WRITE)
@requires(Role.OPERATOR)
def activate_real_server(path: m.ServerPath, header: m.IfMatch,
                         query: m.DryRunQuery) -> Response:
    del header
    return write(plan_activate(path.model_dump(), None), dry_run=query.dry_run)


@bp.post("/virtual-servers/<virtual>/real-servers/<server>/deactivate", tags=VIRTUAL,
         summary="active = 0", responses=WRITE)
@requires(Role.OPERATOR)
def deactivate_real_server(path: m.ServerPath, header: m.IfMatch,
                           query: m.DryRunQuery) -> Response:
    del header
    return write(plan_deactivate(path.model_dump(), None), dry_run=query.dry_run)


# ------------------------------------------------------------------ monitoring scripts

def _monitoring(doc: Document, virtual: str) -> Any:
    shown = monitoring.initial_values(doc, virtual)
    return m.Monitoring(use_regex=bool(shown["use_regex"]),
                        **{k: shown[k] or None for k in monitoring.KEYS})


@bp.get("/virtual-servers/<virtual>/monitoring", tags=VIRTUAL,
        summary="MONITORING SCRIPTS of a virtual server", responses={200: m.Monitoring})
@requires(Role.VIEWER)
def get_monitoring(path: m.VirtualPath) -> Response:
    loaded = services().store.load()
    return dump(_monitoring(loaded.document, path.virtual), headers=etag(loaded.revision))


@batchable("update_monitoring", m.MonitoringPatch)
def plan_update_monitoring(path: dict[str, str], body: Any) -> Plan:
    """MONITORING SCRIPTS' ACCEPT of the fields sent that differ from lvs.cf."""
    virtual = path["virtual"]
    given = given_fields(body)
    if "use_regex" in given:
        given["use_regex"] = "1" if given["use_regex"] == "True" else ""

    def edit(doc: Document) -> None:
        current = monitoring.initial_values(doc, virtual)
        monitoring.edit({k: v for k, v in given.items() if v != current.get(k)}, virtual)(doc)

    return Plan(edit, f"Monitoring scripts of {virtual} saved.")


@bp.patch("/virtual-servers/<virtual>/monitoring", tags=VIRTUAL,
          summary="Change the MONITORING SCRIPTS", responses=WRITE)
@requires(Role.ADMIN)
def update_monitoring(path: m.VirtualPath, header: m.IfMatch,
                      body: m.MonitoringPatch,  # type: ignore[valid-type]
                      query: m.DryRunQuery) -> Response:
    del header
    return write(plan_update_monitoring(path.model_dump(), body), dry_run=query.dry_run)


# ------------------------------------------------------------------ checks now

def _probe(virtual: str, server: str | None) -> Response:
    loaded = services().store.load()
    doc = loaded.document
    vs = doc.model().virtual(virtual)
    if server is not None:
        vs.server(server)
    prober = services().prober or monitor
    saved = lvsd_monitor(doc.find_virtual(virtual), vs)
    try:  # like CHECK NOW: who and what is sent or run, recorded before anything runs
        entry = journal.record_first(
            "check", virtual=virtual, send_program=saved.send_program, send=saved.send,
            expect=saved.expect, use_regex=saved.use_regex, via="api")
    except AuditError as err:
        raise ApiError(503, f"Every check is recorded in the audit trail before it runs, and "
                       f"it cannot be written ({err}); nothing was checked.") from err
    results = prober.probe_virtual(vs, saved)
    journal.done(entry, verdicts={r.server: f"{r.nanny.state}: {r.nanny.reason}"
                                  for r in results})
    shown = [m.ProbeResult.model_validate(r.as_dict()) for r in results
             if server is None or r.server == server]
    return dump(m.ProbeResults(revision=loaded.revision, results=shown),
                headers=etag(loaded.revision))


@bp.post("/virtual-servers/<virtual>/probe", tags=VIRTUAL,
         summary="Check every real server now, as nanny would (CHECK NOW)",
         responses={200: m.ProbeResults})
@requires(Role.OPERATOR)
def probe_virtual_server(path: m.VirtualPath) -> Response:
    return _probe(path.virtual, None)


@bp.post("/virtual-servers/<virtual>/real-servers/<server>/probe", tags=VIRTUAL,
         summary="Check one real server now, as nanny would", responses={200: m.ProbeResults})
@requires(Role.OPERATOR)
def probe_real_server(path: m.ServerPath) -> Response:
    return _probe(path.virtual, path.server)




# ------------------------------------------------------------------ live IPVS state

@bp.get("/virtual-servers/<virtual>/live", tags=VIRTUAL, summary="This router's IPVS state of "
        "a virtual server and its real servers (read from the kernel now)",
        responses={200: m.LiveVirtual})
@requires(Role.VIEWER)
def get_live_state(path: m.VirtualPath) -> Response:
    loaded = services().store.load()
    config = loaded.document.model()
    vs = config.virtual(path.virtual)
    live = read_live(config)
    kernel = live.servers_of(path.virtual)
    up = live.up_counts().get(path.virtual)
    servers = []
    for rs in vs.servers:
        found = kernel.get(rs.name)
        dest = found.dest if found else None
        servers.append(m.LiveServer(
            name=rs.name, in_ipvs=dest is not None, weight=dest.weight if dest else None,
            active_connections=dest.active_conns if dest else None,
            inactive_connections=dest.inactive_conns if dest else None,
            state=found.state if found else None))
    return dump(m.LiveVirtual(virtual=path.virtual, readable=live.comparison is not None,
                              problem=live.problem or None, up=up[0] if up else None,
                              watched=up[1] if up else None, real_servers=servers),
                headers=etag(loaded.revision))
