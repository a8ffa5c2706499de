"""``export keepalived``'s checks as real keepalived 2.2.7 reads them: FILE_CHECK on the
checker's verdict files by default (``--check-dir``), MISC_CHECK with ``--misc-check``."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from piranha_web.lvscf import parse
from piranha_web.lvscf.check_files import check_file_name, track_name
from piranha_web.lvscf.keepalived import export_keepalived
from tests.conftest import ROOT
from tests.helpers.keepalived import config_test

EXAMPLE = ROOT / "lvs.cf.example"


def export(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "piranha_web.cli", "export", "keepalived",
                           "--config", str(EXAMPLE), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_file_checks_are_read_by_keepalived_without_a_dropped_tracker(tmp_path: Path) -> None:
    text = export("--check-dir", "/srv/piranha/checks")
    assert "FILE_CHECK" in text and "check-server" not in text
    done = config_test(text, tmp_path)
    # keepalived -t exits 0 even when a FILE_CHECK names a track_file it has not read yet
    # (it drops the check: the server would count as up), so its words are checked too
    assert done.returncode == 0, done.stderr
    assert "not found" not in done.stderr and "ignoring" not in done.stderr, done.stderr


def test_every_file_check_names_a_track_file_defined_before_it_on_the_checkers_file() -> None:
    text = export("--check-dir", "/srv/piranha/checks")
    defined = re.findall(r'^track_file (pw_\w+) \{\n    file "/srv/piranha/checks/(check-\w+)"',
                         text, flags=re.M)
    used = re.findall(r"FILE_CHECK \{\n\s+track_file (pw_\w+)", text)
    assert used and set(used) <= {name for name, _ in defined}
    assert all(name == "pw_" + file.removeprefix("check-") for name, file in defined)
    first_server = text.index("virtual_server")
    assert all(text.index(f"track_file {name} {{") < first_server for name, _ in defined)


def test_misc_check_waits_three_timeouts_and_names_no_file(tmp_path: Path) -> None:
    text = export("--misc-check")
    assert "FILE_CHECK" not in text and "track_file" not in text
    timeouts = {int(t) for t in re.findall(r"^\s+delay_loop (\d+)", text, flags=re.M)}
    waits = {int(t) for t in re.findall(r"misc_timeout (\d+)", text)}
    assert waits and waits <= {3 * t + 2 for t in timeouts}
    assert config_test(text, tmp_path).returncode == 0


def test_two_servers_of_one_name_in_two_virtuals_get_two_files() -> None:
    text = ("serial_no = 1\nprimary = 192.0.2.1\nnetwork = direct\n" + "".join(
        f"virtual {name} {{\n    active = 1\n    address = 192.0.2.{n} eth0:{n}\n"
        f"    port = 80\n    expect = \"HTTP\"\n    server same {{\n"
        f"        address = 10.0.0.{n}\n        active = 1\n    }}\n}}\n"
        for n, name in ((1, "one"), (2, "two"))))
    out = export_keepalived(parse(text), check_dir="/c").text
    for virtual in ("one", "two"):
        assert f'file "/c/{check_file_name(virtual, "same")}"' in out
        assert f"track_file {track_name(virtual, 'same')}\n" in out
