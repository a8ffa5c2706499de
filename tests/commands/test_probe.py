"""`piranha-web probe`: one line (or JSON object) per real server, exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.cli import main
from tests.conftest import ROOT
from tests.monitor import loopback


@pytest.fixture(scope="module")
def banner() -> Iterator[loopback.TcpServer]:
    with loopback.serving(loopback.banner_handler) as server:
        yield server


@pytest.fixture(scope="module")
def failing_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("programs") / "broken-check"
    path.write_text("#!/bin/sh\necho OK\nexit 1\n")
    path.chmod(0o755)
    return path


def write_config(path: Path, banner: int, closed: int, program: Path,
                 gone_active: int = 0) -> Path:
    path.write_text(f"""serial_no = 3
virtual ftp {{
     active = 1
     address = 127.0.0.1 lo:1
     port = 21
     expect = "220"
     timeout = 1
     server ftp1 {{
         address = 127.0.0.1
         active = 1
         port = {banner}
     }}
     server gone {{
         address = 127.0.0.1
         active = {gone_active}
         port = {closed}
     }}
}}
virtual custom {{
     active = 1
     address = 127.0.0.1 lo:2
     port = 8080
     send_program = "{program} %h"
     expect = "OK"
     timeout = 1
     server app1 {{
         address = 127.0.0.1
         active = 1
     }}
}}
""")
    return path


@pytest.fixture
def config(tmp_path: Path, banner: loopback.TcpServer, failing_program: Path) -> Path:
    return write_config(tmp_path / "lvs.cf", banner.port, loopback.closed_port(), failing_program)


def probe(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["probe", *args])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_prints_one_line_per_real_server_and_exits_0_when_active_ones_are_up(
    capsys: pytest.CaptureFixture[str], config: Path, banner: loopback.TcpServer
) -> None:
    code, lines, _ = probe(capsys, "--config", str(config))
    assert code == 0
    assert lines[0] == f'ftp ftp1 127.0.0.1:{banner.port} up got "220" as expected'
    assert lines[1].startswith("ftp gone 127.0.0.1:")
    assert " down connection refused [inactive" in lines[1]
    assert lines[2].startswith("custom app1 127.0.0.1:8080 up the program exited with status 1")
    assert len(lines) == 3


def test_exits_1_when_an_active_real_server_is_down(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, banner: loopback.TcpServer,
    failing_program: Path,
) -> None:
    path = write_config(tmp_path / "lvs.cf", banner.port, loopback.closed_port(),
                        failing_program, gone_active=1)
    code, lines, _ = probe(capsys, "--config", str(path), "ftp")
    assert code == 1
    assert lines[1].endswith(" down connection refused")


def test_strict_counts_a_failing_program_as_down(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    code, lines, _ = probe(capsys, "--config", str(config), "--strict", "custom")
    assert code == 1
    assert lines == ["custom app1 127.0.0.1:8080 down the program exited with status 1"]


def test_json_prints_one_object_per_real_server(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    code, lines, _ = probe(capsys, "--config", str(config), "--json", "custom", "ftp")
    objects = [json.loads(line) for line in lines]
    assert code == 0
    assert [(o["virtual"], o["server"]) for o in objects] == [
        ("ftp", "ftp1"), ("ftp", "gone"), ("custom", "app1"),
    ]
    assert objects[2]["nanny"]["state"] == "up"
    assert objects[2]["strict"]["state"] == "down"
    assert objects[2]["received"] == "OK\\n"


def test_unknown_virtual_name_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    code, lines, err = probe(capsys, "--config", str(config), "ftp", "mail")
    assert (code, lines) == (2, [])
    assert "'mail'" in err


def test_unreadable_or_unparsable_config_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = probe(capsys, "--config", str(tmp_path / "missing.cf"))
    assert code == 2
    assert "cannot read" in err
    broken = tmp_path / "broken.cf"
    broken.write_text("virtual web {\n     port = 80\n")  # the block is never closed
    code, _, err = probe(capsys, "--config", str(broken))
    assert code == 2
    assert "line 1" in err


def test_config_defaults_to_the_piranha_config_variable(
    capsys: pytest.CaptureFixture[str], config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIRANHA_CONFIG", str(config))
    code, lines, _ = probe(capsys, "ftp")
    assert code == 0
    assert len(lines) == 2


def test_the_installed_command_runs_the_probe(config: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "piranha_web.cli", "probe", "--config", str(config), "--strict"],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert done.returncode == 1
    assert "custom app1 127.0.0.1:8080 down" in done.stdout
