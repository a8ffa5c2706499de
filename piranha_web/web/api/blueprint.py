"""The API blueprint (``/api/v1``): every operation needs a Bearer token (``auth``)."""

from __future__ import annotations

from flask_openapi3.blueprint import APIBlueprint
from flask_openapi3.models.tag import Tag
from flask_openapi3.types import ResponseDict

from piranha_web.web.api.problems import Problem

#: every operation: 400 (an unknown query parameter, a body that is not one JSON object),
#: 415 (a body that is not application/json) included
ERRORS: ResponseDict = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 406: Problem,
                        413: Problem, 415: Problem, 422: Problem, 429: Problem, 503: Problem}
WRITE_ERRORS: ResponseDict = {409: Problem, 412: Problem, 428: Problem}



def operation_id(name: str, path: str, method: str) -> str:
    """An operation's id is its view's name (``list_virtual_servers``): generated clients
    name their methods after it."""
    del path, method
    return name


bp = APIBlueprint(
    "api", __name__, url_prefix="/api/v1", abp_security=[{"bearer": []}],
    abp_responses=ERRORS, operation_id_callback=operation_id,
)
CONFIG = [Tag(name="config", description="The whole lvs.cf, its findings, global settings")]
VIRTUAL = [Tag(name="virtual servers", description="Virtual servers, real servers, "
               "monitoring scripts, checks")]
SYNC = [Tag(name="sync", description="Copying lvs.cf to the backup router")]
