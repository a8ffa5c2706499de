"""The keepalived export: lvs.cf as keepalived.conf for one router (``export keepalived``).

The same translation as ``piranha-web export keepalived`` (``lvscf.keepalived``), with the
MISC_CHECK program the KEEPALIVED tab uses (``keepalived.service.check_command``: the
``check_command`` engine setting, else this installation's piranha-web); nothing is written.
A file with errors pulse would refuse is not exported (422 with the findings), as on the
command line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.errors import KeepalivedError
from piranha_web.keepalived.service import check_command, check_dir, load_settings
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.validate import validate
from piranha_web.web.api.auth import requires
from piranha_web.web.api.blueprint import CONFIG, bp
from piranha_web.web.api.problems import ApiError, dump, from_finding
from piranha_web.web.api.writes import etag
from piranha_web.web.services import services


class RouterQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    router: Literal["primary", "backup"] = "primary"


class ExportWarning(BaseModel):
    """Something of lvs.cf keepalived.conf cannot say exactly (kept there as a comment)."""

    line: int | None
    message: str


class KeepalivedExport(BaseModel):
    revision: str
    router: str
    text: str
    warnings: list[ExportWarning]


@bp.get("/keepalived", tags=CONFIG, summary="lvs.cf as keepalived.conf for one router",
        responses={200: KeepalivedExport})
@requires(Role.VIEWER)
def get_keepalived(query: RouterQuery) -> Response:
    loaded = services().store.load()
    errors = [f for f in validate(loaded.document) if f.is_error]
    if errors:
        raise ApiError(422, "lvs.cf has errors pulse would refuse; it is not exported.",
                       revision=loaded.revision, findings=[from_finding(f) for f in errors])
    try:
        program = check_command(load_settings(services().state_dir))
    except KeepalivedError as err:
        raise ApiError(500, f"The keepalived engine settings cannot be read: {err}") from err
    export = export_keepalived(loaded.document, query.router, check_command=program,
                               check_dir=str(check_dir(services().state_dir)))
    result = KeepalivedExport(
        revision=loaded.revision, router=export.router, text=export.text,
        warnings=[ExportWarning(line=w.line, message=w.message) for w in export.warnings],
    )
    return dump(result, headers=etag(loaded.revision))
