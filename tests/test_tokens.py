"""API tokens: shown once, kept hashed, per account, revocable, written atomically (mode 600)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from piranha_web.accounts import Accounts, Role
from piranha_web.auth import PasswordFile
from piranha_web.errors import AuditError, AuthError
from piranha_web.tokens import TOKEN_FILE, TokenInfo, TokenStore


def accounts_in(state: Path, *users: str) -> Accounts:
    accounts = Accounts(PasswordFile(state / "passwords", cost=16))
    for user in ("piranha", *users):
        accounts.add(user, f"{user} password", Role.ADMIN if user == "piranha" else Role.VIEWER)
    return accounts


def test_a_created_token_identifies_its_user_and_only_its_hash_is_stored(tmp_path: Path) -> None:
    accounts_in(tmp_path, "alice")
    store = TokenStore(tmp_path)
    info, token = store.create("alice", "ansible")
    assert store.user_of(token) == "alice"
    kept = (tmp_path / TOKEN_FILE).read_text()
    secret = token.removeprefix(f"pwt_{info.id}_")
    assert len(secret) == 43 and secret not in kept and info.hash in kept
    assert stat.S_IMODE((tmp_path / TOKEN_FILE).stat().st_mode) == 0o600
    assert [t.label for t in store.list("alice")] == ["ansible"]


def test_wrong_tampered_and_revoked_tokens_identify_nobody(tmp_path: Path) -> None:
    accounts_in(tmp_path, "alice", "bob")
    store = TokenStore(tmp_path)
    info, token = store.create("alice")
    _, other = store.create("bob")
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    for wrong in ("", "pwt", tampered, f"{token}x", other.replace(other.split("_")[1],
                                                                  info.id)):
        assert store.user_of(wrong) is None, wrong
    assert not store.revoke("bob", info.id)  # only its own user's token
    assert store.revoke("alice", info.id)
    assert store.user_of(token) is None and store.user_of(other) == "bob"
    assert [t.user for t in store.list()] == ["bob"]


def test_user_names_labels_and_missing_users_are_refused(tmp_path: Path) -> None:
    accounts_in(tmp_path, "alice")
    store = TokenStore(tmp_path)
    for user in ("", "a b", "a:b", "é", "ghost"):
        with pytest.raises(AuthError):
            store.create(user)
    with pytest.raises(AuthError):
        store.create("alice", "line\nbreak")
    assert not (tmp_path / TOKEN_FILE).exists()


def test_a_token_ends_with_its_account_not_with_its_name(tmp_path: Path) -> None:
    accounts = accounts_in(tmp_path, "alice", "bob")
    store = TokenStore(tmp_path)
    _, alice = store.create("alice")
    _, bob = store.create("bob")
    accounts.delete("alice")
    assert store.user_of(alice) is None
    assert "alice" not in (tmp_path / TOKEN_FILE).read_text()  # forgotten, not only refused
    accounts.add("alice", "a new alice's password", Role.ADMIN)  # the same name again
    assert store.user_of(alice) is None and store.list("alice") == []
    accounts.set_password("bob", "bob's new password")
    assert store.user_of(bob) is None and store.list() == []
    assert (tmp_path / TOKEN_FILE).read_text() == ""


def test_a_password_changed_behind_accounts_back_also_ends_the_tokens(tmp_path: Path) -> None:
    accounts = accounts_in(tmp_path, "alice")
    store = TokenStore(tmp_path)
    _, token = store.create("alice")
    accounts.set_role("alice", Role.OPERATOR)  # a role change keeps the token
    assert store.user_of(token) == "alice"
    PasswordFile(tmp_path / "passwords", cost=16).set_password("alice", "piranha-web passwd")
    assert store.user_of(token) is None and store.list() == []
    assert store.prune() == 1 and store.prune() == 0


def test_a_token_stored_before_accounts_were_bound_is_refused(tmp_path: Path) -> None:
    accounts_in(tmp_path, "alice")
    store = TokenStore(tmp_path)
    info, token = store.create("alice")
    line = json.loads((tmp_path / TOKEN_FILE).read_text())
    del line["account"]  # the format before this binding
    (tmp_path / TOKEN_FILE).write_text(json.dumps(line) + "\n")
    assert store.find(token) is None and store.list() == []
    assert info.account  # what a new token records


def test_a_recorder_that_fails_refuses_the_change(tmp_path: Path) -> None:
    accounts_in(tmp_path, "alice")
    store = TokenStore(tmp_path)
    seen: list[TokenInfo] = []

    def refuse(info: TokenInfo) -> None:
        seen.append(info)
        raise AuditError("disk full")

    with pytest.raises(AuditError):
        store.create("alice", "x", record=refuse)
    assert store.list() == [] and seen[0].user == "alice"
    info, token = store.create("alice", "x", record=seen.append)
    assert seen[-1] == info
    with pytest.raises(AuditError):
        store.revoke("alice", info.id, record=refuse)
    assert store.user_of(token) == "alice"
    assert store.revoke("alice", info.id, record=seen.append) and seen[-1] == info
