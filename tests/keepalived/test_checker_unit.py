"""How the checker runs beside keepalived: the ``piranha-web-checker.service`` the wheel carries
(``piranha-web systemd-unit --checker``) and the verdict directory the engine prepares."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from piranha_web.commands.systemd_unit import (
    CHECKER_UNIT_NAME,
    render_checker_unit,
    shipped_unit,
)
from piranha_web.keepalived.service import KeepalivedService
from piranha_web.lvscf import parse
from tests.conftest import ROOT
from tests.helpers.unit_sandbox import limits

PROGRAM = str(Path(sys.executable).parent / "piranha-web")


def unit_command(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "piranha_web.cli", "systemd-unit", "--checker",
                           *args], cwd=ROOT, capture_output=True, text=True, check=False)


def test_the_shipped_checker_unit_runs_before_keepalived_writing_only_the_verdicts() -> None:
    unit = shipped_unit(CHECKER_UNIT_NAME)
    assert unit == (ROOT / CHECKER_UNIT_NAME).read_text()
    assert "ExecStart=/usr/local/bin/piranha-web checker --config /etc/sysconfig/ha/lvs.cf " \
        "--dir /var/lib/piranha-web/checks\n" in unit
    found = limits(unit)
    assert found["ReadWritePaths"] == "/var/lib/piranha-web/checks"
    assert found["ProtectSystem"] == "strict" and found["NoNewPrivileges"] == "yes"
    assert "Before=keepalived.service\n" in unit and "Restart=always\n" in unit
    assert "StateDirectory=piranha-web piranha-web/checks\n" in unit
    assert "CAP_NET_ADMIN" not in found["CapabilityBoundingSet"]


def test_the_wheel_carries_the_checker_unit() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"{CHECKER_UNIT_NAME}" = "piranha_web/{CHECKER_UNIT_NAME}"' in pyproject


def test_the_command_fills_in_this_installation(tmp_path: Path) -> None:
    done = unit_command("--program", PROGRAM, "--config", str(tmp_path / "lvs.cf"),
                        "--state-dir", str(tmp_path / "state"))
    assert done.returncode == 0, done.stderr
    assert (f"ExecStart={PROGRAM} checker --config {tmp_path / 'lvs.cf'} "
            f"--dir {tmp_path / 'state' / 'checks'}\n") in done.stdout
    assert f"ReadWritePaths={tmp_path / 'state' / 'checks'}\n" in done.stdout
    assert "StateDirectory" not in done.stdout  # only for Piranha's own paths


@pytest.mark.parametrize("program", ["bin/piranha-web", "/opt/my tools/piranha-web",
                                     "/opt/%h/piranha-web"])
def test_paths_systemd_would_read_differently_are_refused(program: str) -> None:
    with pytest.raises(ValueError, match="not an absolute path"):
        render_checker_unit(shipped_unit(CHECKER_UNIT_NAME), program, Path("/etc/lvs.cf"),
                            Path("/var/lib/piranha-web"))
    done = unit_command("--program", program)
    assert done.returncode == 2 and not done.stdout


def test_systemd_analyze_verify_accepts_the_checker_unit(tmp_path: Path) -> None:
    path = tmp_path / CHECKER_UNIT_NAME
    path.write_text(render_checker_unit(shipped_unit(CHECKER_UNIT_NAME), PROGRAM,
                                        Path("/etc/sysconfig/ha/lvs.cf"),
                                        Path("/var/lib/piranha-web")))
    done = subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr


def test_accepting_for_keepalived_prepares_the_verdict_directory_the_export_reads(
    tmp_path: Path,
) -> None:
    service = KeepalivedService.load(tmp_path)
    exports = service.regenerate(parse((ROOT / "lvs.cf.example").read_text()))
    checks = tmp_path / "checks"
    assert checks.is_dir()
    assert f'file "{checks}/check-' in exports["primary"].text
    assert "MISC_CHECK" not in exports["primary"].text.replace('misc_path "/bin/false"', "")
