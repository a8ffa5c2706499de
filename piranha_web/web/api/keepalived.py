"""The keepalived export: lvs.cf as keepalived.conf for one router (``export keepalived``).

The same translation as ``piranha-web export keepalived`` (``lvscf.keepalived``), with the
MISC_CHECK program the KEEPALIVED tab uses (``keepalived.service.check_command``: the
``check_command`` engine setting, else this installation's piranha-web); nothing is written.
A file with errors pulse would refuse is not exported (422 with the findings), as on the
command line.

Both routers' files are generated once per lvs.cf revision (shared with the KEEPALIVED tab:
``KeepalivedService.generate_kept``).  A client that prefers ``Accept: text/plain`` gets the
file alone (12 MB at 1,000 virtual servers, not JSON-escaped), with the number of warnings in
``X-Export-Warnings`` (issue 24).
"""

from __future__ import annotations

from typing import Literal

from flask import request
from pydantic import BaseModel, ConfigDict
from werkzeug.wrappers import Response

from piranha_web.accounts import Role
from piranha_web.errors import KeepalivedError
from piranha_web.keepalived.service import KeepalivedService
from piranha_web.revisions import encode
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
    store = services().store
    loaded = store.load()
    errors = [f for f in store.findings(encode(loaded.text))
              if f.is_error]
    if errors:
        raise ApiError(422, "lvs.cf has errors pulse would refuse; it is not exported.",
                       revision=loaded.revision, findings=[from_finding(f) for f in errors])
    try:
        service = KeepalivedService.load(services().state_dir)
    except KeepalivedError as err:
        raise ApiError(500, f"The keepalived engine settings cannot be read: {err}") from err
    export = service.generate_kept(loaded.document, loaded.revision)[query.router]
    if request.accept_mimetypes.best_match(["application/json", "text/plain"]) == "text/plain":
        return Response(export.text, mimetype="text/plain", headers={
            **etag(loaded.revision), "X-Export-Warnings": str(len(export.warnings))})
    result = KeepalivedExport(
        revision=loaded.revision, router=export.router, text=export.text,
        warnings=[ExportWarning(line=w.line, message=w.message) for w in export.warnings],
    )
    return dump(result, headers=etag(loaded.revision))
