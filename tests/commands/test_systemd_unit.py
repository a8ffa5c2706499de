"""`piranha-web systemd-unit`: the shipped unit, verified by systemd; serve inside its limits."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from piranha_web.commands.systemd_unit import render_unit, shipped_unit, under_home
from piranha_web.sync import SyncService, SyncSettings
from piranha_web.tokens import TokenStore
from tests.commands.test_serve import _list_fields, _toggle, browser, password_of
from tests.conftest import ROOT
from tests.helpers.served import ServeProcess as Server
from tests.helpers.served import start_serve
from tests.helpers.sshd import BackupRouter, lvs_cf_text
from tests.helpers.unit_sandbox import confined, limits

PROGRAM = str(Path(sys.executable).parent / "piranha-web")
CAP_NET_ADMIN, CAP_NET_BIND_SERVICE, CAP_NET_RAW = 12, 10, 13


def unit_command(*args: str, state_dir: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if state_dir is not None:
        env["PIRANHA_STATE_DIR"] = str(state_dir)
    return subprocess.run([sys.executable, "-m", "piranha_web.cli", "systemd-unit", *args],
                          cwd=ROOT, capture_output=True, text=True, env=env, check=False)


def test_the_shipped_unit_runs_serve_with_piranhas_paths_hardened() -> None:
    unit = shipped_unit()
    assert unit == (ROOT / "piranha-web.service").read_text()
    found = limits(unit)
    assert "ExecStart=/usr/local/bin/piranha-web serve --config /etc/sysconfig/ha/lvs.cf " \
        "--state-dir /var/lib/piranha-web\n" in unit
    assert "Restart=on-failure\n" in unit
    assert found["ReadWritePaths"] == "/etc/sysconfig/ha /var/lib/piranha-web"
    assert found["ProtectSystem"] == "strict"
    assert found["NoNewPrivileges"] == found["PrivateTmp"] == found["ProtectHome"] == "yes"
    assert found["CapabilityBoundingSet"] == "CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW"


def test_the_command_prints_the_unit_with_this_installations_program() -> None:
    done = unit_command()
    assert done.returncode == 0, done.stderr
    expected = shipped_unit().replace("/usr/local/bin/piranha-web", PROGRAM)
    if under_home(PROGRAM):  # e.g. a venv of a pyenv Python in /root/.pyenv
        expected = expected.replace("ProtectHome=yes\n", "# this Python lives under a home "
                                    "directory: readable, not hidden\nProtectHome=read-only\n")
    assert done.stdout == expected


def test_a_python_under_a_home_directory_makes_homes_read_only_not_hidden(
    tmp_path: Path,
) -> None:
    script = tmp_path / "piranha-web"
    for shebang, home in [("#!/usr/bin/python3", False), ("#!/root/.pyenv/bin/python3", True),
                          ("#!/home/admin/venv/bin/python -E", True), ("#!", False), ("", False)]:
        script.write_text(f"{shebang}\nimport sys\n")
        assert under_home(str(script)) is home, shebang
    (tmp_path / "py").symlink_to("/root/.pyenv/versions/3.11/bin/python3")
    script.write_text(f"#!{tmp_path}/py\n")
    assert under_home(str(script))  # the link is followed
    assert under_home("/home/admin/bin/piranha-web")  # not readable: the path alone
    assert not under_home("/nonexistent/bin/piranha-web")
    text = render_unit(shipped_unit(), "/usr/bin/piranha-web", Path("/etc/sysconfig/ha/lvs.cf"),
                       Path("/var/lib/piranha-web"), home=True)
    assert "ProtectHome=read-only\n" in text and "ProtectHome=yes" not in text


def test_other_paths_go_into_execstart_and_readwritepaths_without_the_directory_lines() -> None:
    text = render_unit(shipped_unit(), "/opt/pw/bin/piranha-web", Path("/srv/lb/lvs.cf"),
                       Path("/srv/pw-state"))
    assert "ExecStart=/opt/pw/bin/piranha-web serve --config /srv/lb/lvs.cf --state-dir " \
        "/srv/pw-state\n" in text
    assert "ReadWritePaths=/srv/lb /srv/pw-state\n" in text
    assert "StateDirectory" not in text and "ConfigurationDirectory" not in text
    # nothing else differs
    kept = [line for line in shipped_unit().splitlines()
            if not line.startswith(("ExecStart=", "ReadWritePaths=", "StateDirectory",
                                    "ConfigurationDirectory"))]
    assert [line for line in text.splitlines()
            if not line.startswith(("ExecStart=", "ReadWritePaths="))] == kept


def test_keepalived_directory_is_writable_only_when_that_engine_is_chosen(
    tmp_path: Path,
) -> None:
    piranha = unit_command(state_dir=tmp_path)
    assert f"ReadWritePaths=/etc/sysconfig/ha {tmp_path}\n" in piranha.stdout
    forced = unit_command("--keepalived", state_dir=tmp_path)
    assert f"ReadWritePaths=/etc/sysconfig/ha {tmp_path} /etc/keepalived\n" in forced.stdout
    (tmp_path / "keepalived.json").write_text(json.dumps(
        {"engine": "keepalived", "conf_path": "/etc/lb/keepalived/keepalived.conf"}))
    chosen = unit_command(state_dir=tmp_path)
    assert f"ReadWritePaths=/etc/sysconfig/ha {tmp_path} /etc/lb/keepalived\n" in chosen.stdout
    (tmp_path / "keepalived.json").write_text("{")
    broken = unit_command(state_dir=tmp_path)
    assert broken.returncode == 2 and "keepalived.json" in broken.stderr
    assert broken.stdout == ""


@pytest.mark.parametrize("program, config, state", [
    ("piranha-web", "/etc/sysconfig/ha/lvs.cf", "/var/lib/piranha-web"),
    ("/usr/bin/piranha-web", "/etc/sysconfig/ha/lvs.cf", "/var/lib/piranha web"),
    ("/usr/bin/piranha-web", "/etc/ha%i/lvs.cf", "/var/lib/piranha-web"),
    ("/usr/bin/piranha-web", "/etc/ha/lvs.cf", "/var/lib/$STATE"),
    ("/usr/bin/piranha-web", "/etc/ha\nX=1/lvs.cf", "/var/lib/piranha-web"),
])
def test_paths_systemd_would_read_differently_are_refused(program: str, config: str,
                                                          state: str) -> None:
    with pytest.raises(ValueError, match="not an absolute path"):
        render_unit(shipped_unit(), program, Path(config), Path(state))


def test_a_relative_program_is_a_usage_error() -> None:
    done = unit_command("--program", "bin/piranha-web")
    assert done.returncode == 2 and "not an absolute path" in done.stderr and not done.stdout


def verify(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "piranha-web.service"
    path.write_text(text)
    return subprocess.run(["systemd-analyze", "verify", "--man=no", str(path)],
                          capture_output=True, text=True, check=False)


@pytest.mark.parametrize("home", [False, True])
def test_systemd_analyze_verify_accepts_the_unit_without_a_word(tmp_path: Path,
                                                                home: bool) -> None:
    """Both forms: ProtectHome=yes (as shipped) and read-only (a Python under /root)."""
    text = render_unit(shipped_unit(), PROGRAM, Path("/etc/sysconfig/ha/lvs.cf"),
                       Path("/var/lib/piranha-web"), Path("/etc/keepalived"), home=home)
    assert ("ProtectHome=read-only" in text) is home
    verified = verify(tmp_path, text)
    assert verified.returncode == 0 and verified.stderr == "" and verified.stdout == "", \
        verified.stderr


@pytest.mark.parametrize("change, complaint", [
    (("NoNewPrivileges=yes", "NoNewPrivileges=yess"), "Failed to parse boolean"),
    (("PrivateTmp=yes", "PrivateTmp=yes\nProtectEverything=yes"), "Unknown key"),
    ((PROGRAM, "/nonexistent/piranha-web"), "not executable"),
])
def test_systemd_analyze_verify_would_tell_a_broken_unit(
    tmp_path: Path, change: tuple[str, str], complaint: str,
) -> None:
    """The check above can fail: the same verify reports what systemd would not take."""
    verified = verify(tmp_path, unit_command().stdout.replace(*change))
    assert complaint in verified.stderr


@pytest.fixture
def outside_tmp() -> Iterator[Path]:
    """A directory outside /tmp, /home and /root (PrivateTmp and ProtectHome hide those)."""
    path = Path(tempfile.mkdtemp(prefix="piranha-web-unit-", dir="/var/lib"))
    yield path
    shutil.rmtree(path)


def start_confined(unit: str) -> Server:
    """Run the unit's ExecStart (on a free port) inside its limits; wait for 'Log in at'."""
    (command,) = [line.removeprefix("ExecStart=") for line in unit.splitlines()
                  if line.startswith("ExecStart=")]
    return start_serve(argv=confined(unit, [*command.split(), "--port", "0"]))


def status_of(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return dict(line.split(":\t", 1) for line in lines if ":\t" in line)


def inside(pid: int, unit: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in the mount namespace of ``pid`` with the unit's capabilities."""
    caps = ",".join(["-all", *(f"+{c.removeprefix('CAP_').lower()}" for c in
                               limits(unit)["CapabilityBoundingSet"].split())])
    return subprocess.run(["nsenter", f"--mount=/proc/{pid}/ns/mnt", "setpriv", "--inh-caps",
                           "-all", "--bounding-set", caps, "--no-new-privs", *argv],
                          capture_output=True, text=True, check=False, timeout=30)


@pytest.mark.root
def test_serve_works_inside_the_units_limits_and_cannot_write_outside_them(
    outside_tmp: Path,
) -> None:
    config, state = outside_tmp / "ha" / "lvs.cf", outside_tmp / "state"
    config.parent.mkdir()
    state.mkdir(mode=0o700)
    unit = unit_command("--config", str(config), "--state-dir", str(state)).stdout
    server = start_confined(unit)
    try:
        assert server.lines[0] == f"Created {config} from the example configuration."
        status = status_of(server.process.pid)
        assert int(status["CapEff"], 16) == (1 << CAP_NET_ADMIN) | (1 << CAP_NET_BIND_SERVICE) \
            | (1 << CAP_NET_RAW)
        assert int(status["CapInh"], 16) == 0 and status["NoNewPrivs"] == "1"
        opener = browser(server.url, password_of(server))
        before = config.read_text()
        assert _toggle(opener, server.url, _list_fields(opener, server.url), "www") == 200
        after = config.read_text()
        assert "active = 0" in after and after != before  # ACCEPTed: lvs.cf written
        assert (state / "audit.log").read_text().count('"kind": "save"') == 1
        assert (state / "history.json").exists() and (state / "passwords").exists()
        token = TokenStore(state).create("piranha", "prometheus")[1]
        scrape = urllib.request.Request(server.url + "metrics",
                                        headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(scrape, timeout=10) as response:
            exposition = response.read().decode()
        serial = [s.value for f in text_string_to_metric_families(exposition)
                  for s in f.samples if s.name == "piranha_web_config_serial"]
        assert serial == [float(re.findall(r"serial_no = (\d+)", after)[0])]
        with pytest.raises(urllib.error.HTTPError) as anonymous:
            urllib.request.urlopen(server.url + "metrics", timeout=10)
        assert anonymous.value.code == 401
        anonymous.value.close()
        probe = ("import sys\nfor p in sys.argv[1:]:\n    try:\n        open(p, 'w').close()\n"
                 "        print(p, 'written')\n    except OSError as e:\n"
                 "        print(p, e.strerror)\n")
        home = "Read-only file system" if "ProtectHome=read-only" in unit else \
            "Permission denied"
        tried = inside(server.process.pid, unit, sys.executable, "-c", probe,
                       str(state / "probe"), str(config.parent / "probe"), "/etc/probe",
                       str(outside_tmp / "probe"), str(ROOT / "probe"), "/root/probe",
                       "/tmp/probe")
        assert tried.stdout.splitlines() == [
            f"{state}/probe written", f"{config.parent}/probe written",
            "/etc/probe Read-only file system", f"{outside_tmp}/probe Read-only file system",
            f"{ROOT}/probe Read-only file system", f"/root/probe {home}",
            "/tmp/probe written"], tried.stderr
        assert not Path("/tmp/probe").exists()  # a private /tmp
    finally:
        server.stop()


@pytest.mark.root
def test_an_accept_reaches_the_backup_router_over_ssh_from_inside_the_limits(
    outside_tmp: Path, backup_router: BackupRouter,
) -> None:
    """ProtectHome hides /root/.ssh: the identity and known_hosts live in the state directory,
    and the copy after ACCEPT (ssh/sftp started by the confined serve) still lands."""
    config, state = outside_tmp / "ha" / "lvs.cf", outside_tmp / "state"
    config.parent.mkdir()
    state.mkdir(mode=0o700)
    config.write_text(lvs_cf_text(backup_router.address))
    identity = state / "id_ed25519"
    shutil.copyfile(backup_router.keys["client"], identity)
    identity.chmod(0o600)
    remote = backup_router.new_dir("unit") / "lvs.cf"
    SyncService(config, state).save_settings(SyncSettings(identity_file=str(identity),
                                                          remote_path=str(remote)))
    (state / "known_hosts").write_text(backup_router.known_hosts_line())
    unit = unit_command("--config", str(config), "--state-dir", str(state)).stdout
    server = start_confined(unit)
    try:
        opener = browser(server.url, password_of(server))
        name = re.search(r"^virtual (\S+) \{", config.read_text(), re.M)
        assert name is not None
        assert _toggle(opener, server.url, _list_fields(opener, server.url),
                       name.group(1)) == 200
        assert remote.read_bytes() == config.read_bytes()
        last = SyncService(config, state).last()
        assert last is not None and last.ok, last
    finally:
        server.stop()


@pytest.mark.root
def test_protect_home_yes_hides_home_directories(outside_tmp: Path) -> None:
    """The shipped ProtectHome=yes, with a program outside home directories (/bin/sh)."""
    unit = render_unit(shipped_unit(), "/usr/bin/piranha-web", outside_tmp / "lvs.cf",
                       outside_tmp)
    done = subprocess.run(confined(unit, ["/bin/sh", "-c", "ls /root; touch /root/x"]),
                          capture_output=True, text=True, timeout=60, check=False)
    assert "ls: cannot open directory '/root': Permission denied" in done.stderr
    assert "touch: cannot touch '/root/x': Permission denied" in done.stderr


@pytest.mark.root
def test_serve_refuses_to_start_when_the_state_directory_is_not_writable(
    outside_tmp: Path,
) -> None:
    config, state = outside_tmp / "ha" / "lvs.cf", outside_tmp / "state"
    config.parent.mkdir()
    state.mkdir(mode=0o700)
    unit = unit_command("--config", str(config), "--state-dir", str(state)).stdout
    narrowed = re.sub(r"ReadWritePaths=.*", f"ReadWritePaths={config.parent}", unit)
    (command,) = [line.removeprefix("ExecStart=") for line in unit.splitlines()
                  if line.startswith("ExecStart=")]
    done = subprocess.run(confined(narrowed, [*command.split(), "--port", "0"]), cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "Read-only file system" in done.stderr
    assert list(state.iterdir()) == []
