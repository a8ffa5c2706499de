"""`piranha-web token create|list|revoke --user U` (the CLI's own entry point)."""

from __future__ import annotations

from pathlib import Path

import pytest

from piranha_web.auth import PasswordFile
from piranha_web.cli import main
from piranha_web.tokens import TokenStore


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


def test_create_refuses_a_user_without_a_password(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = token_cli(capsys, "create", "--user", "ghost", "--state-dir", str(tmp_path))
    assert code == 1 and "no user ghost" in err
    assert TokenStore(tmp_path).list() == []
