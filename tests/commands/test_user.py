"""`piranha-web user`: add, list, role, passwd, del from the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from piranha_web.accounts import Accounts, Role
from piranha_web.auth import PasswordFile
from tests.conftest import ROOT


def user(state: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "piranha_web.cli", "user", "--state-dir", str(state), *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, check=False,
    )


def test_users_are_added_listed_changed_and_deleted(tmp_path: Path) -> None:
    PasswordFile(tmp_path / "passwords", cost=16).set_password("piranha", "the old one")
    added = user(tmp_path, "add", "ann", "--role", "operator", "--password-stdin",
                 stdin="ann's password\n")
    assert added.returncode == 0, added.stderr
    assert added.stdout == "User ann added with role operator.\n"
    assert user(tmp_path, "list").stdout == "ann operator\npiranha admin\n"
    assert user(tmp_path, "role", "ann", "--role", "admin").returncode == 0
    assert user(tmp_path, "passwd", "ann", "--password-stdin", stdin="new password\n"
                ).returncode == 0
    accounts = Accounts(PasswordFile(tmp_path / "passwords"))
    assert accounts.role_of("ann") is Role.ADMIN
    assert accounts.passwords.verify("ann", "new password")
    assert user(tmp_path, "del", "piranha").returncode == 0
    assert user(tmp_path, "list").stdout == "ann admin\n"


def test_refusals_say_why_and_change_nothing(tmp_path: Path) -> None:
    PasswordFile(tmp_path / "passwords", cost=16).set_password("piranha", "the old one")
    short = user(tmp_path, "add", "ann", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "at least 8 characters; nothing changed" in short.stderr
    last = user(tmp_path, "role", "piranha", "--role", "viewer")
    assert last.returncode == 1 and "last admin" in last.stderr
    assert user(tmp_path, "add", "ann").returncode == 2  # no password source
    assert user(tmp_path, "role", "piranha").returncode == 2  # no --role
    assert user(tmp_path, "list").stdout == "piranha admin\n"


def test_a_user_change_is_refused_when_the_trail_cannot_record_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "audit.log").mkdir()  # appending fails
    refused = user(state, "add", "eve", "--role", "admin", "--password-stdin",
                   stdin="long enough pw\n")
    assert refused.returncode != 0 and "audit trail" in refused.stderr
    assert not PasswordFile(state / "passwords").is_set("eve")
