"""One real server everywhere: the MAINTENANCE panel's search, DRAIN and RETURN as JSON.

    GET  /api/v1/addresses/{address}              every real server with that address (or
                                                  name): lvs.cf beside the kernel
    POST /api/v1/addresses/{address}/deactivate   DRAIN: one save, what was there recorded
    POST /api/v1/addresses/{address}/activate     RETURN: one save puts that back

Writes take If-Match (one revision each) and need the operator role, like (DE)ACTIVATE.
"""

from __future__ import annotations

from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from piranha_web import maintenance as mt
from piranha_web.accounts import Role
from piranha_web.web.api import models as m
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import VIRTUAL, WRITE_ERRORS, bp
from piranha_web.web.api.problems import dump
from piranha_web.web.api.writes import Plan as WritePlan
from piranha_web.web.api.writes import etag, write
from piranha_web.web.maintenance import actions
from piranha_web.web.services import services


class AddressPath(BaseModel):
    address: str = Field(description="A real server's IPv4 address (or its name in lvs.cf).",
                         max_length=200)


class Placement(BaseModel):
    """One real server of the address, in lvs.cf and in this router's IPVS table."""

    virtual: str
    server: str
    port: int
    weight: int
    active: bool
    virtual_active: bool
    in_kernel: bool = Field(description="Whether this router's IPVS table has it.")
    kernel_weight: int | None = None
    active_conns: int | None = None
    inactive_conns: int | None = None
    last_check: str = Field("", description="The last CHECK NOW verdict and its age.")


class KeptServer(BaseModel):
    virtual: str
    server: str
    active: bool
    weight: str | None


class AddressState(BaseModel):
    address: str
    revision: str
    real_servers: list[Placement]
    drained: bool = Field(description="Deactivated through DRAIN; RETURN puts back `kept`.")
    kept: list[KeptServer] = Field(default_factory=list)


@bp.get("/addresses/<address>", tags=VIRTUAL,
        summary="Every virtual server a real server's address serves, with live numbers",
        responses={200: AddressState})
@requires(Role.VIEWER)
def get_address(path: AddressPath) -> Response:
    loaded = services().store.load()
    config = loaded.document.model()
    found = mt.find(config, path.address)
    address = mt.address_of(found, path.address)
    found = mt.find(config, address)
    record = actions.log().drained(address)
    rows = [Placement(virtual=r.place.virtual, server=r.place.server, port=r.place.port,
                      weight=r.place.weight, active=r.place.active,
                      virtual_active=r.place.virtual_active, in_kernel=r.in_kernel,
                      kernel_weight=r.live_weight, active_conns=r.active_conns,
                      inactive_conns=r.inactive_conns, last_check=r.check)
            for r in actions.rows(config, found)]
    kept = [KeptServer(virtual=k.virtual, server=k.server, active=k.active, weight=k.weight)
            for k in (record.servers if record else ())]
    return dump(AddressState(address=address, revision=loaded.revision, real_servers=rows,
                             drained=record is not None, kept=kept),
                headers=etag(loaded.revision))


@bp.post("/addresses/<address>/deactivate", tags=VIRTUAL,
         summary="DRAIN: deactivate every real server of the address in one save",
         responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.OPERATOR)
def deactivate_address(path: AddressPath, header: m.IfMatch) -> Response:
    del header
    plan = actions.plan_drain(path.address)
    response = write(WritePlan(plan.edit, plan.success))  # raises unless saved or unchanged
    plan.done()
    return response


@bp.post("/addresses/<address>/activate", tags=VIRTUAL,
         summary="RETURN: put back the active flags and weights DRAIN found, in one save",
         responses={200: m.WriteResult, **WRITE_ERRORS})
@requires(Role.OPERATOR)
def activate_address(path: AddressPath, header: m.IfMatch) -> Response:
    del header
    plan = actions.plan_return(path.address)
    response = write(WritePlan(plan.edit, plan.success))
    plan.done()
    return response
