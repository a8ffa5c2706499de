"""`piranha-web token create|list|revoke --user U` (the CLI's own entry point), audited."""

from __future__ import annotations

from pathlib import Path

import pytest

from piranha_web.audit import AuditLog
from piranha_web.auth import PasswordFile
from piranha_web.cli import main
from piranha_web.tokens import TOKEN_FILE, TokenStore


def token_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["token", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_create_prints_the_token_once_list_shows_ids_and_revoke_ends_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    PasswordFile(tmp_path / "passwords", cost=16).set_password("alice", "alice-password")
    state = ("--state-dir", str(tmp_path))
    code, out, err = token_cli(capsys, "create", "--user", "alice", "--label", "ansible", *state)
    assert code == 0, err
    token = out.strip().splitlines()[-1]
    assert TokenStore(tmp_path).user_of(token) == "alice"
    code, out, _ = token_cli(capsys, "list", "--user", "alice", *state)
    token_id = token.split("_")[1]
    assert code == 0 and token_id in out and "ansible" in out and token not in out
    assert token_cli(capsys, "revoke", token_id, "--user", "bob", *state)[0] == 1
    assert token_cli(capsys, "revoke", token_id, "--user", "alice", *state)[0] == 0
    assert TokenStore(tmp_path).user_of(token) is None
    entries = list(reversed(AuditLog(tmp_path).entries(kind="user")))
    assert [(e.details["action"], e.details["target"], e.details["token_id"])
            for e in entries] == [("token-create", "alice", token_id),
                                  ("token-revoke", "alice", token_id)]
    assert token not in AuditLog(tmp_path).path.read_text()


def test_create_refuses_a_user_without_a_password(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = token_cli(capsys, "create", "--user", "ghost", "--state-dir", str(tmp_path))
    assert code == 1 and "no user ghost" in err
    assert TokenStore(tmp_path).list() == []
    assert AuditLog(tmp_path).entries() == []


def test_nothing_changes_when_the_audit_trail_cannot_be_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    PasswordFile(tmp_path / "passwords", cost=16).set_password("alice", "alice-password")
    state = ("--state-dir", str(tmp_path))
    code, out, _ = token_cli(capsys, "create", "--user", "alice", *state)
    token = out.strip().splitlines()[-1]
    AuditLog(tmp_path).path.unlink()
    AuditLog(tmp_path).path.mkdir()  # appending to it fails
    code, out, err = token_cli(capsys, "create", "--user", "alice", *state)
    assert code == 1 and "audit trail" in err and "pwt_" not in out
    assert len(TokenStore(tmp_path).list()) == 1
    code, _, err = token_cli(capsys, "revoke", token.split("_")[1], "--user", "alice", *state)
    assert code == 1 and "audit trail" in err
    assert TokenStore(tmp_path).user_of(token) == "alice"
    assert (tmp_path / TOKEN_FILE).exists()
