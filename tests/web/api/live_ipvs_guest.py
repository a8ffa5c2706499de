"""Run inside the IPVS VM (tests/web/api/test_live_ipvs.py): ask the API for the live state of
both virtual servers against the VM's real IPVS table (scripts/ipvs_vm/scenario.sh) read
through netlink; write the answers as JSON to argv[1]."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from piranha_web.netinfo import NetInfo
from piranha_web.tokens import TokenStore
from tests.web.api.conftest import Api
from tests.web.conftest import build_web
from tests.web.test_lists import LIVE_BASE


def main(out: str) -> None:
    web = build_web(Path(tempfile.mkdtemp()), LIVE_BASE)
    web.services.netinfo = NetInfo()
    api = Api(web, web.app.test_client(), TokenStore(web.state_dir).create("piranha")[1])
    result = {name: api.get(f"/virtual-servers/{name}/live").json for name in ("web", "mail")}
    with open(out, "w") as fh:
        json.dump(result, fh)


if __name__ == "__main__":
    main(sys.argv[1])
