"""Probing whole virtual servers: all real servers at once, only the configured targets."""

from __future__ import annotations

import json

import pytest

from piranha_web.errors import NotFoundError
from piranha_web.lvscf import parse
from piranha_web.lvscf.model import MonitorScript
from piranha_web.monitor import probe_config, probe_virtual
from tests.monitor import loopback
from tests.monitor.conftest import virtual


def test_all_real_servers_are_checked_at_the_same_time() -> None:
    with loopback.serving(loopback.silent_handler) as server:
        vs = virtual(*[("127.0.0.1", server.port)] * 12, port=3306, send="x", expect="y")
        results = probe_virtual(vs)
    assert [r.server for r in results] == [f"rs{i}" for i in range(1, 13)]
    assert all(r.nanny.reason == "no reply within 1 s" for r in results)
    assert server.most_open == 12  # every check was waiting on its connection together


def test_overrides_are_sent_to_the_configured_real_servers_only(
    banner_server: loopback.TcpServer, http_server: loopback.TcpServer,
) -> None:
    vs = virtual(("127.0.0.1", banner_server.port), port=21, expect="999")
    before = (banner_server.accepted, http_server.accepted)
    (result,) = probe_virtual(vs, MonitorScript(send="quit\\r\\n", expect="220"))
    assert result.nanny.state == "up"
    assert (banner_server.accepted, http_server.accepted) == (before[0] + 1, before[1])


def config_text(banner: int, http: int, closed: int) -> str:
    return f"""serial_no = 1
virtual ftp {{
     active = 1
     address = 127.0.0.1 lo:1
     port = 21
     expect = '220'
     timeout = 1
     server ok {{
         address = 127.0.0.1
         active = 1
         port = {banner}
     }}
}}
virtual web {{
     active = 1
     address = 127.0.0.1 lo:2
     port = 80
     timeout = 1
     server www {{
         address = 127.0.0.1
         active = 1
         port = {http}
     }}
     server gone {{
         address = 127.0.0.1
         active = 0
         port = {closed}
     }}
}}
"""


@pytest.fixture
def document_text(
    banner_server: loopback.TcpServer, http_server: loopback.TcpServer, closed_port: int
) -> str:
    return config_text(banner_server.port, http_server.port, closed_port)


def test_config_probe_covers_every_real_server_in_file_order(document_text: str) -> None:
    results = probe_config(parse(document_text).model())
    assert [(r.virtual, r.server) for r in results] == [
        ("ftp", "ok"), ("web", "www"), ("web", "gone"),
    ]
    assert [r.nanny.state for r in results] == ["up", "up", "down"]
    assert [r.active for r in results] == [True, True, False]


def test_single_quoted_expect_is_checked_with_its_quotes_from_the_document(
    document_text: str,
) -> None:
    (result,) = probe_config(parse(document_text), ["ftp"])
    assert result.nanny.reason == """got "220 f", expected "'220'\""""


def test_names_select_virtual_servers_and_unknown_names_are_refused(document_text: str) -> None:
    doc = parse(document_text)
    assert {r.virtual for r in probe_config(doc, ["web"])} == {"web"}
    with pytest.raises(NotFoundError, match="nope"):
        probe_config(doc, ["web", "nope"])


def test_results_convert_to_json(document_text: str, banner_server: loopback.TcpServer) -> None:
    (result,) = probe_config(parse(document_text), ["ftp"])
    data = json.loads(json.dumps(result.as_dict()))
    assert (data["virtual"], data["server"], data["port"]) == ("ftp", "ok", banner_server.port)
    assert data["nanny"] == {"state": "down", "reason": result.nanny.reason}
    assert data["received"].startswith("220 ")
