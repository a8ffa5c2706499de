"""`piranha-web export keepalived|lvsd` and `piranha-web check-server` (exit codes, files)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from piranha_web.cli import main
from tests.conftest import ROOT
from tests.monitor import loopback

EXAMPLE = ROOT / "lvs.cf.example"
CORPUS = ROOT / "tests" / "data" / "corpus"


def test_export_writes_the_primary_file_atomically_and_lists_warnings_with_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "keepalived.conf"
    out.write_text("old\n")
    out.chmod(0o600)
    code = main(["export", "keepalived", "--config", str(EXAMPLE), "-o", str(out),
                 "--check-command", "/usr/bin/piranha-web"])
    assert code == 0
    assert "state MASTER" in out.read_text()
    assert out.stat().st_mode & 0o777 == 0o600  # the installed file keeps its mode
    assert [p.name for p in tmp_path.iterdir()] == ["keepalived.conf"]  # no temp file left
    assert f"{EXAMPLE}:7: warning: heartbeat_port = 539" in capsys.readouterr().err


def test_strict_export_fails_on_warnings_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "keepalived.conf"
    assert main(["export", "keepalived", "--config", str(EXAMPLE), "--strict", "-o",
                 str(out)]) == 1
    assert not out.exists()


def test_export_refuses_a_file_pulse_would_refuse(capsys: pytest.CaptureFixture[str]) -> None:
    negative = next(CORPUS.glob("NEGATIVE__*.cf"))
    assert main(["export", "keepalived", "--config", str(negative)]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and ":3: error:" in captured.err


def test_export_backup_to_stdout_and_unreadable_input(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    assert main(["export", "keepalived", "--config", str(EXAMPLE), "--router", "backup"]) == 0
    assert "state BACKUP" in capsys.readouterr().out
    assert main(["export", "keepalived", "--config", str(tmp_path / "missing")]) == 2
    assert main(["export", "keepalived", "--config", str(EXAMPLE), "-o",
                 str(tmp_path / "no" / "dir" / "k.conf")]) == 2


def test_export_lvsd_prints_the_ipvsadm_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "lvsd", "--config", str(EXAMPLE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["ipvsadm --set 0 0 0", "ipvsadm -C",
                         "ipvsadm -A -t 198.51.100.10:80 -s wlc"]
    assert "ipvsadm -a -f 80 -r 10.0.0.21:80 -g -w 1" in lines
    # lvs.cf.example's shop-https shares mark 80: its -A fails and lvsd starts no nanny for it
    assert "# ipvsadm -A -f 80 -s wlc -p 300  (fails: Service already exists (virtual " \
        "shop-http))" in lines
    assert not [line for line in lines if ":443 " in line]


def test_export_lvsd_names_the_real_servers_lvsd_starts_no_nanny_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marks = "".join(
        f"virtual m{mark} {{\n    active = 1\n    address = 192.0.2.10 eth0:1\n"
        f"    fwmark = {mark}\n    persistent = 60\n    port = 80\n    expect = \"OK\"\n"
        "    server shared {\n        address = 10.0.0.1\n        active = 1\n    }\n}\n"
        for mark in (80, 81))
    config = tmp_path / "lvs.cf"
    config.write_text("primary = 192.0.2.1\nnetwork = nat\n" + marks)
    assert main(["export", "lvsd", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "ipvsadm -a -f 80 -r 10.0.0.1:80 -m -w 1" in lines
    assert not [line for line in lines if line.startswith("ipvsadm -a -f 81")]
    assert ("# no nanny for server shared of virtual m81: a nanny already runs for 10.0.0.1:80 "
            "(server shared of m80): lvsd starts one per VIP, real server, ports and protocol, "
            "whatever the firewall mark") in lines


def hexed(text: str) -> str:
    return text.encode().hex()


def test_check_server_is_nannys_check_up_and_down(capsys: pytest.CaptureFixture[str]) -> None:
    with loopback.serving(loopback.http_handler) as server:
        up = ["check-server", "--address", "127.0.0.1", "--port", str(server.port),
              "--timeout", "2", "--send-hex", hexed("GET / HTTP/1.0\\r\\n\\r\\n"),
              "--expect-hex", hexed("HTTP")]
        assert main(up) == 0
        assert main([*up[:-1], hexed("200 OK")]) == 1  # nanny matches a prefix only
        assert main([*up[:-1], hexed("200 OK"), "--regex"]) == 0
    with loopback.serving(None) as closed:
        port = closed.port
    assert main(["check-server", "--address", "127.0.0.1", "--port", str(port),
                 "--timeout", "1"]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith("down")


def test_check_server_runs_a_sending_program_with_the_address(tmp_path: Path) -> None:
    program = tmp_path / "answer"
    program.write_text('#!/bin/sh\n[ "$1" = 127.0.0.1 ] && echo OK\n')
    program.chmod(0o755)
    argv = ["check-server", "--address", "127.0.0.1", "--port", "1", "--timeout", "2",
            "--program-hex", hexed(f"{program} %h"), "--expect-hex", hexed("OK")]
    assert main(argv) == 0
    assert main([*argv[:-1], hexed("NO")]) == 1


def test_check_server_and_export_import_no_web_framework(tmp_path: Path) -> None:
    script = (
        "import sys\nfrom piranha_web.cli import main\n"
        f"main(['export', 'lvsd', '--config', {str(EXAMPLE)!r}])\n"
        "main(['check-server', '--address', '127.0.0.1', '--port', '1', '--timeout', '1'])\n"
        "assert not {'flask', 'werkzeug', 'jinja2'} & set(sys.modules), sorted(sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert done.returncode == 0, done.stderr
