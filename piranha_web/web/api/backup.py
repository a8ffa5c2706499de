"""``GET /api/v1/backup``: is the backup router ready to take over? (over the sync's SSH)."""

from __future__ import annotations

from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import SYNC, bp
from piranha_web.web.api.problems import dump
from piranha_web.web.api.sync import _service


class BackupDaemon(BaseModel):
    name: str
    pid: int
    started: float = Field(description="Start time, seconds since the epoch.")


class BackupReadiness(BaseModel):
    reachable: bool
    serial_no: int | None = None
    same_file: bool | None = Field(None, description="The backup holds our lvs.cf's bytes.")
    daemons: list[BackupDaemon] = Field(default_factory=list)
    vrrp_state: str | None = None
    file_ok: bool | None = Field(None, description="The daemons accept the backup's file "
                                 "(checked here on the fetched text).")
    same_keepalived: bool | None = Field(None, description="keepalived as the engine: the "
                                         "backup holds the keepalived.conf made here for it.")
    checked_at: float
    ready: bool
    problem: str = ""
    errors: list[str] = Field(default_factory=list)


@bp.get("/backup", tags=SYNC, summary="Could the backup router take over now?",
        responses={200: BackupReadiness})
@requires(Role.VIEWER)
def get_backup() -> Response:
    found = _service().readiness()
    return dump(BackupReadiness(
        reachable=found.reachable, serial_no=found.serial_no, same_file=found.same_file,
        daemons=[BackupDaemon(name=d.name, pid=d.pid, started=d.started) for d in found.daemons],
        vrrp_state=found.vrrp_state, file_ok=found.file_ok, checked_at=found.checked_at,
        ready=found.ready, problem=found.problem, errors=list(found.errors),
        same_keepalived=found.same_keepalived))
