"""`piranha-web passwd`: the password from stdin only, stored hashed with mode 600."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from piranha_web.accounts import Accounts, Role
from piranha_web.audit import AuditLog
from piranha_web.auth import PasswordFile
from piranha_web.tokens import TOKEN_FILE, TokenStore
from tests.conftest import ROOT


def passwd(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "piranha_web.cli", "passwd", *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, check=False,
    )


def test_password_from_stdin_is_stored_hashed_with_mode_600(tmp_path: Path) -> None:
    state = tmp_path / "state"
    result = passwd("--state-dir", str(state), "--password-stdin", stdin="new pass word\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"Password of user piranha set in {state / 'passwords'}.\n"
    path = state / "passwords"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "new pass word" not in path.read_text()
    assert PasswordFile(path).verify("piranha", "new pass word")


def test_other_user_and_changing_a_password(tmp_path: Path) -> None:
    state = str(tmp_path)
    passwd("--state-dir", state, "--password-stdin", stdin="first password\n")
    passwd("--state-dir", state, "--user", "admin", "--password-stdin", stdin="admins password\n")
    passwd("--state-dir", state, "--password-stdin", stdin="second password\n")
    passwords = PasswordFile(tmp_path / "passwords")
    assert passwords.verify("piranha", "second password")
    assert not passwords.verify("piranha", "first password")
    assert passwords.verify("admin", "admins password")


def test_without_password_stdin_and_no_terminal_nothing_is_asked_or_set(tmp_path: Path) -> None:
    result = passwd("--state-dir", str(tmp_path), stdin="ignored\n")
    assert result.returncode == 2
    assert "--password-stdin" in result.stderr
    assert not (tmp_path / "passwords").exists()


def test_empty_password_is_refused(tmp_path: Path) -> None:
    result = passwd("--state-dir", str(tmp_path), "--password-stdin", stdin="\n")
    assert result.returncode == 1
    assert not (tmp_path / "passwords").exists()


def test_the_password_cannot_be_given_as_an_argument(tmp_path: Path) -> None:
    result = passwd("--state-dir", str(tmp_path), "secret")
    assert result.returncode == 2
    assert "unrecognized arguments: secret" in result.stderr


def test_a_password_shorter_than_the_web_forms_minimum_is_refused(tmp_path: Path) -> None:
    result = passwd("--state-dir", str(tmp_path), "--password-stdin", stdin="x\n")
    assert result.returncode == 1
    assert "at least 8 characters" in result.stderr
    assert not (tmp_path / "passwords").exists()


def test_passwd_is_recorded_first_and_refused_when_the_trail_cannot_be_written(
    tmp_path: Path,
) -> None:
    """Issue 20 #10: `piranha-web passwd` left no audit record."""
    state = tmp_path / "state"
    assert passwd("--state-dir", str(state), "--password-stdin",
                  stdin="first password\n").returncode == 0
    entry = AuditLog(state).entries(kind="user")[0]
    assert (entry.details["action"], entry.details["target"], entry.details["commit"]) == (
        "passwd", "piranha", "done")
    assert "first password" not in (state / "audit.log").read_text()
    (state / "audit.log").unlink()
    (state / "audit.log").mkdir()  # appending now fails
    refused = passwd("--state-dir", str(state), "--password-stdin", stdin="second password\n")
    assert refused.returncode == 1 and "audit trail" in refused.stderr
    assert PasswordFile(state / "passwords").verify("piranha", "first password")


def token_users(state: Path) -> list[str]:
    """The users named in the token file as it is on disk (live or not)."""
    path = state / TOKEN_FILE
    return [json.loads(line)["user"] for line in path.read_text().splitlines()] \
        if path.exists() else []


def test_a_new_password_removes_the_users_tokens_from_the_file_at_once(tmp_path: Path) -> None:
    """Issue 27 item 4: passwd went around Accounts; the user's tokens were refused at once
    but stayed in the token file until the next clean-up."""
    state = tmp_path / "state"
    passwords = PasswordFile(state / "passwords", cost=16)
    passwords.set_password("piranha", "first password")
    passwords.set_password("olga", "olgas password")
    tokens = TokenStore(state)
    _, piranha_token = tokens.create("piranha", "cron")
    _, olga_token = tokens.create("olga", "grafana")
    done = passwd("--state-dir", str(state), "--password-stdin", stdin="second password\n")
    assert done.returncode == 0, done.stderr
    assert token_users(state) == ["olga"]  # piranha's is gone from the file, olga's stays
    assert TokenStore(state).user_of(olga_token) == "olga"
    assert TokenStore(state).user_of(piranha_token) is None
    entry = AuditLog(state).entries(kind="user")[0]
    assert (entry.details["action"], entry.details["commit"]) == ("passwd", "done")


def test_a_refused_password_leaves_the_tokens_and_the_password(tmp_path: Path) -> None:
    state = tmp_path / "state"
    PasswordFile(state / "passwords", cost=16).set_password("piranha", "first password")
    _, token = TokenStore(state).create("piranha", "cron")
    refused = passwd("--state-dir", str(state), "--password-stdin", stdin="two\rlines\n")
    assert refused.returncode == 1 and "one line" in refused.stderr
    assert token_users(state) == ["piranha"]
    assert TokenStore(state).user_of(token) == "piranha"


def test_passwd_still_creates_a_missing_user_as_piranha_passwd_did(tmp_path: Path) -> None:
    state = tmp_path / "state"
    PasswordFile(state / "passwords", cost=16).set_password("piranha", "first password")
    Accounts(PasswordFile(state / "passwords")).set_role("piranha", Role.ADMIN)  # roles file
    _, token = TokenStore(state).create("piranha", "cron")
    done = passwd("--state-dir", str(state), "--user", "newcomer", "--password-stdin",
                  stdin="newcomers password\n")
    assert done.returncode == 0, done.stderr
    assert PasswordFile(state / "passwords").verify("newcomer", "newcomers password")
    assert Accounts(PasswordFile(state / "passwords")).role_of("newcomer") is Role.VIEWER
    assert TokenStore(state).user_of(token) == "piranha"  # nobody else's tokens touched
