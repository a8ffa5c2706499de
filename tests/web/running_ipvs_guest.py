"""Run inside the IPVS VM (tests/web/test_running_ipvs.py): CONTROL's RUNNING VS SAVED.

argv: the job's directory.  For each phase the job names (``NAME ENGINE`` lines of
``phases``) it waits for ``NAME.go``: the job has then built this router's table from
tests/web/conftest.py's BASE (lvsd's commands, or keepalived on the export) or changed it by
hand; the page is rendered against it through netlink, its RUNNING VS SAVED section (summary,
engine, each difference with its command) written to ``NAME.json``, then ``NAME.done``.  One
Python start for every phase (the VM runs it under TCG).
"""

from __future__ import annotations

import html
import json
import re
import sys
import tempfile
import time
from pathlib import Path

from piranha_web.keepalived.service import EngineSettings, save_settings
from piranha_web.netinfo import NetInfo
from tests.web.conftest import BASE, build_web


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 300
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear")
        time.sleep(0.1)


def render(out: Path, engine: str) -> None:
    web = build_web(Path(tempfile.mkdtemp()), BASE)
    if engine == "keepalived":
        save_settings(web.state_dir, EngineSettings(engine="keepalived"))
    web.services.netinfo = NetInfo()
    page = web.client().get("/control/").get_data(as_text=True)
    summary = re.search(r'id="running-summary">([^<]*)<', page)
    engine_note = re.search(r'id="running-engine">([^<]*)<', page)
    rows = re.findall(r'<tr id="running-\d+"><td>([^<]*)</td><td><code>([^<]*)</code>', page)
    result = {"summary": html.unescape(summary.group(1)) if summary else None,
              "engine": html.unescape(engine_note.group(1)) if engine_note else None,
              "rows": [[html.unescape(w), html.unescape(c)] for w, c in rows]}
    out.write_text(json.dumps(result))


def main(job: Path) -> None:
    for line in (job / "phases").read_text().splitlines():
        name, engine = line.split()
        wait_for(job / f"{name}.go")
        render(job / f"{name}.json", engine)
        (job / f"{name}.done").write_text("")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
