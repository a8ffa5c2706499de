"""Sending programs run as real processes: nanny's verdict on their output, and the strict one."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from piranha_web.monitor import probe_virtual
from piranha_web.monitor.probe import ProbeResult
from piranha_web.monitor.program import REAPER
from tests.monitor.conftest import HOST_PID, virtual

TARGET = ("127.0.0.1", 8080)


def run_program(command: str, expect: str | None = "OK") -> ProbeResult:
    (result,) = probe_virtual(virtual(TARGET, send_program=command, expect=expect))
    return result


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie waiting to be reaped is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_program_printing_the_expect_string_is_up(scripts: dict[str, Path]) -> None:
    result = run_program(str(scripts["ok.sh"]))
    assert (result.nanny.state, result.strict.state) == ("up", "up")
    assert result.received == "OK\\n"
    assert result.check == f"program {scripts['ok.sh']}"


def test_program_printing_something_else_is_down(scripts: dict[str, Path]) -> None:
    result = run_program(str(scripts["fail.sh"]))
    assert (result.nanny.state, result.strict.state) == ("down", "down")
    assert result.nanny.reason == 'the program printed "FAIL", expected "OK"'


def test_failing_program_is_up_for_nanny_and_down_for_the_strict_check(
    scripts: dict[str, Path],
) -> None:
    result = run_program(str(scripts["exits.sh"]))
    assert (result.nanny.state, result.strict.state) == ("up", "down")
    assert "exited with status 3" in result.strict.reason
    assert any("as UP" in w for w in result.warnings)


def test_hanging_program_is_killed_at_the_timeout_with_its_children(
    scripts: dict[str, Path],
) -> None:
    result = run_program(str(scripts["hang.sh"]))
    assert (result.nanny.state, result.strict.state) == ("up", "down")
    assert "did not finish within 1 s" in result.strict.reason
    child = int(Path(f"{scripts['hang.sh']}.child").read_text())
    deadline = time.monotonic() + 60  # a generous bound: the kill is what is tested
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


def test_program_gets_the_real_server_address_and_port(scripts: dict[str, Path]) -> None:
    result = run_program(f"{scripts['args.sh']} %h %p", expect="127.0.0.1:8080")
    assert (result.nanny.state, result.strict.state) == ("up", "up")


def test_output_without_newline_loses_its_last_byte_for_nanny(scripts: dict[str, Path]) -> None:
    result = run_program(str(scripts["no_newline.sh"]))
    assert (result.nanny.state, result.strict.state) == ("down", "up")
    assert result.nanny.reason == 'the program printed "O", expected "OK"'


def test_output_in_pieces_is_read_by_nanny_after_the_program_exits(
    scripts: dict[str, Path],
) -> None:
    """getExecOutput() waits for the program, then reads the pipe once: both pieces."""
    result = run_program(str(scripts["pieces.sh"]))
    assert (result.nanny.state, result.strict.state) == ("up", "up")


def test_nanny_compares_only_the_first_4095_bytes_of_the_output(tmp_path: Path) -> None:
    program = tmp_path / "long"
    program.write_text(f"#!/bin/sh\nprintf '{'x' * 4095}'\necho OK\n")
    program.chmod(0o755)
    result = run_program(str(program), expect="x" * 4094)
    assert (result.nanny.state, result.strict.state) == ("up", "down")
    assert any("only the first 4095" in w for w in result.warnings)


def test_program_that_does_not_exist_is_up_for_nanny(tmp_path: Path) -> None:
    result = run_program(f"{tmp_path}/missing %h")
    assert (result.nanny.state, result.strict.state) == ("up", "down")
    assert "could not be started" in result.strict.reason


def test_program_without_expect_string_is_down(scripts: dict[str, Path]) -> None:
    result = run_program(str(scripts["ok.sh"]), expect=None)
    assert (result.nanny.state, result.strict.state) == ("down", "down")
    assert "no expect string" in result.nanny.reason


def test_arguments_reach_the_program_without_a_shell(
    tmp_path: Path, scripts: dict[str, Path]
) -> None:
    marker = tmp_path / "injected"
    result = run_program(f"{scripts['args.sh']} ;touch {marker} $(id)", expect=";touch:")
    assert result.nanny.state == "down"
    assert result.received.startswith(";touch")
    assert not marker.exists()


def wait_gone(pid: int) -> bool:
    """Whether ``pid`` is gone, waiting for it with a generous bound (a loaded machine)."""
    deadline = time.monotonic() + 60
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


def test_a_setsid_child_left_behind_by_a_finished_program_is_killed(
    scripts: dict[str, Path],
) -> None:
    result = run_program(str(scripts["escape.sh"]))
    assert (result.nanny.state, result.strict.state) == ("up", "up")
    escaped = int(Path(f"{scripts['escape.sh']}.child").read_text())
    assert wait_gone(escaped)


def test_a_setsid_child_of_a_hanging_program_is_killed_at_the_deadline(
    scripts: dict[str, Path],
) -> None:
    result = run_program(str(scripts["escape_hang.sh"]))
    assert "did not finish within 1 s" in result.strict.reason
    escaped = int(Path(f"{scripts['escape_hang.sh']}.child").read_text())
    assert wait_gone(escaped)


def test_the_program_gets_a_minimal_environment_not_the_servers(
    scripts: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIRANHA_SECRET_FOR_TEST", "leak")
    result = run_program(str(scripts["env.sh"]), expect=None)
    assert "leak" not in result.received
    names = {line.split("=", 1)[0] for line in result.received.split("\\n") if "=" in line}
    assert names <= {"PATH", "HOME", "LC_ALL", "PWD", "SHLVL", "_"}, names


@pytest.mark.parametrize(("command", "why"), [
    ("no-such-check-program", "was not found in /usr/local/sbin:"),
    ("./ok.sh", "is a relative path"),
    ("bin/echo OK", "is a relative path"),
    ("/no/such/program", "not an executable file"),
    ("/", "not an executable file"),
])
def test_a_program_is_an_absolute_path_or_a_name_in_the_fixed_path(command: str, why: str) -> None:
    result = run_program(command)
    assert result.strict.state == "down"
    assert "could not be started" in result.strict.reason
    assert why in result.strict.reason


def test_a_program_named_without_a_path_is_found_in_the_fixed_path_like_execvp() -> None:
    """Issue 21: nanny runs ``check_web %h`` via PATH; here in the fixed safe PATH."""
    up = run_program("echo OK")
    assert (up.nanny.state, up.strict.state) == ("up", "up")
    down = run_program("echo FAIL")
    assert (down.nanny.state, down.strict.state) == ("down", "down")
    assert down.nanny.reason == 'the program printed "FAIL", expected "OK"'


def test_a_program_found_by_name_ignores_the_servers_own_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planted = tmp_path / "check_planted"
    planted.write_text("#!/bin/sh\necho OK\n")
    planted.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")
    result = run_program("check_planted")
    assert result.strict.state == "down"
    assert "was not found" in result.strict.reason


@pytest.mark.parametrize("status", ["exits.sh", "hang.sh", "no-such-check-program"])
def test_a_failing_program_without_an_expect_string_is_down_for_nanny(
    scripts: dict[str, Path], status: str
) -> None:
    """Issue 21: external_check() returns 1 when the result and the expect string are both
    NULL: a program that fails, times out or cannot start is down without an expect string."""
    command = str(scripts[status]) if status in scripts else status
    result = run_program(command, expect=None)
    assert (result.nanny.state, result.strict.state) == ("down", "down")
    assert "there is no expect string" in result.nanny.reason


def test_a_program_cannot_escape_by_killing_its_parent(scripts: dict[str, Path]) -> None:
    """Issue 20 item 13: ``kill -9 $PPID`` after a setsid child; nothing outlives the check."""
    result = run_program(str(scripts["kill_parent.sh"]))
    child = int(Path(f"{scripts['kill_parent.sh']}.child").read_text())
    assert result.nanny.state == "up"
    assert wait_gone(child)


def test_a_program_runs_from_the_root_with_only_cap_net_raw(scripts: dict[str, Path]) -> None:
    """Issue 20 item 13: not in the server's working directory, not with every capability."""
    result = run_program(str(scripts["where.sh"]), expect=None)
    lines = result.received.split("\\n")
    assert lines[0] == "/"
    capabilities = dict(line.split(":\\t") for line in lines[1:] if line)
    ours = re.search(r"^CapBnd:\s*([0-9a-f]+)$", Path("/proc/self/status").read_text(), re.M)
    assert ours
    kept = f"{int(ours[1], 16) & (1 << 13):016x}"  # CAP_NET_RAW, if this host has it at all
    assert capabilities == {"CapEff": kept, "CapBnd": kept}


def test_a_file_without_execute_permission_is_not_run(tmp_path: Path) -> None:
    plain = tmp_path / "check"
    plain.write_text("#!/bin/sh\necho OK\n")
    plain.chmod(0o644)
    result = run_program(str(plain))
    assert "not an executable file" in result.strict.reason


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to run the reaper unprivileged")
def test_without_a_pid_namespace_the_reaper_still_kills_what_is_left() -> None:
    """Not root (no PID namespace): the subreaper fallback kills a setsid child at exit."""
    folder = Path(tempfile.mkdtemp(prefix="piranha-reaper-"))
    try:
        folder.chmod(0o777)  # the unprivileged program writes its child's pid here
        script = folder / "escape.sh"
        script.write_text(f"#!/bin/sh\nsetsid sh -c '{HOST_PID} > \"$0.child\"; exec sleep 300'"
                          ' "$0" &\nwhile [ ! -s "$0.child" ]; do sleep 0.01; done\necho OK\n')
        script.chmod(0o755)
        done = subprocess.run(
            ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
             sys.executable, "-I", "-S", str(REAPER), str(script)],
            capture_output=True, timeout=30, check=False)
        assert (done.returncode, done.stdout) == (0, b"OK\n")
        assert wait_gone(int(Path(f"{script}.child").read_text()))
    finally:
        shutil.rmtree(folder)


def test_output_beyond_the_pipe_nanny_waits_on_is_nannys_timeout(tmp_path: Path) -> None:
    """nanny reads the pipe only after waitpid(): a program writing more than 64 KiB blocks
    until the alarm, and a timed-out program is up when there is an expect string."""
    program = tmp_path / "chatty"
    program.write_text("#!/bin/sh\nhead -c 70000 /dev/zero | tr '\\0' x\necho\n")
    program.chmod(0o755)
    result = run_program(str(program), expect="OK")
    assert (result.nanny.state, result.strict.state) == ("up", "down")
    assert "more than 65536 bytes" in result.nanny.reason
