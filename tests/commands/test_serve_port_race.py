"""Issue 27 item 1a: every served-process fixture survives another test taking "its" port.

The fixtures used to pick a port by binding port 0, closing it and passing the number to
`piranha-web serve --port N`; another test could bind N in between.  Here a competitor binds
every port number handed to serve the moment serve is started (the worst case of that race):
the fixtures must still start a server that answers with its own login page.
"""

from __future__ import annotations

import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import start_server, stop_server
from tests.helpers.served import start_serve
from tests.web.api.test_served import served as api_served

REAL_POPEN = subprocess.Popen


@pytest.fixture
def competitor(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[socket.socket]]:
    """Before any process starts, listen on the port number its ``--port`` names (not 0)."""
    taken: list[socket.socket] = []

    def popen(args: Any, *rest: Any, **kwargs: Any) -> Any:
        words = [str(word) for word in args] if isinstance(args, list) else []
        if "--port" in words and words[words.index("--port") + 1] != "0":
            thief = socket.socket()
            thief.bind(("127.0.0.1", int(words[words.index("--port") + 1])))
            thief.listen()
            taken.append(thief)
        return REAL_POPEN(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    yield taken
    for thief in taken:
        thief.close()


def login_page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=30) as answer:  # noqa: S310 (loopback)
        return str(answer.read().decode())


def test_the_e2e_server_gets_a_port_no_one_can_take_first(
    tmp_path: Path, competitor: list[socket.socket],
) -> None:
    served = start_server(tmp_path, (Path(__file__).parents[2] / "lvs.cf.example").read_text())
    try:
        assert 'name="username"' in login_page(f"{served.url}/login")
        assert served.serve.port not in [thief.getsockname()[1] for thief in competitor]
    finally:
        stop_server(served)


def test_the_api_server_gets_a_port_no_one_can_take_first(
    tmp_path: Path, competitor: list[socket.socket],
) -> None:
    fixture = api_served(tmp_path)
    url, _, _ = next(fixture)
    try:
        with pytest.raises(urllib.error.HTTPError) as refused:
            login_page(f"{url}/config")
        assert refused.value.code == 401  # our server: the API wants a token
        refused.value.close()
    finally:
        fixture.close()


def test_a_server_that_cannot_start_fails_with_its_output() -> None:
    with pytest.raises(AssertionError, match="--certfile and --keyfile go together"):
        start_serve("--certfile", "x.pem")


def test_the_output_keeps_being_read_after_the_start(tmp_path: Path) -> None:
    """The pipe is drained for the server's whole life: its lines stay available."""
    server = start_serve("--config", str(tmp_path / "lvs.cf"), "--state-dir",
                         str(tmp_path / "state"))
    try:
        assert server.lines[0].startswith("Created ")
        assert server.lines[1].startswith(f"Log in at http://127.0.0.1:{server.port}/ ")
        assert server.lines[2].startswith("(shown only this once")
        assert server.process.poll() is None
    finally:
        server.stop()
    assert server.process.returncode is not None
