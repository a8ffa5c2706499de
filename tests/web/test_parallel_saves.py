"""Many admins ACCEPT at once, each on a different virtual server, all from the same stale list:
every edit lands (a stale form is refused only when the same thing changed)."""

from __future__ import annotations

import threading
from pathlib import Path

from piranha_web.lvscf import parse
from tests.web.conftest import build_web, form_of

EDITORS = 16


def text_with(count: int) -> str:
    blocks = "".join(
        f"virtual vs{n} {{\n     active = 1\n     address = 192.0.2.{10 + n} eth0:{n + 1}\n"
        f"     port = 80\n     protocol = tcp\n}}\n"
        for n in range(count)
    )
    return f"serial_no = 1\nprimary = 192.0.2.1\nnetwork = direct\n{blocks}"


def test_parallel_toggles_of_different_virtual_servers_all_land(tmp_path: Path) -> None:
    web = build_web(tmp_path, text_with(EDITORS))
    clients = [web.client() for _ in range(EDITORS)]
    forms = [{**form_of(c, "/virtual/"), "selected": f"vs{n}", "action": "(DE)ACTIVATE"}
             for n, c in enumerate(clients)]
    start = threading.Barrier(EDITORS)
    statuses: list[int] = []

    def toggle(n: int) -> None:
        start.wait()
        statuses.append(clients[n].post("/virtual/", data=forms[n]).status_code)

    threads = [threading.Thread(target=toggle, args=(n,)) for n in range(EDITORS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * EDITORS
    model = parse(web.config.read_text()).model()
    assert [vs.active for vs in model.virtuals] == [False] * EDITORS
