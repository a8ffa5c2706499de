"""API tokens: shown once, kept hashed, per user, revocable, written atomically (mode 600)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from piranha_web.errors import AuthError
from piranha_web.tokens import TOKEN_FILE, TokenStore


def test_a_created_token_identifies_its_user_and_only_its_hash_is_stored(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    info, token = store.create("alice", "ansible")
    assert store.user_of(token) == "alice"
    kept = (tmp_path / TOKEN_FILE).read_text()
    secret = token.removeprefix(f"pwt_{info.id}_")
    assert len(secret) == 43 and secret not in kept and info.hash in kept
    assert stat.S_IMODE((tmp_path / TOKEN_FILE).stat().st_mode) == 0o600
    assert [t.label for t in store.list("alice")] == ["ansible"]


def test_wrong_tampered_and_revoked_tokens_identify_nobody(tmp_path: Path) -> None:
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


def test_user_names_and_labels_that_cannot_be_stored_are_refused(tmp_path: Path) -> None:
    store = TokenStore(tmp_path)
    for user in ("", "a b", "a:b", "é"):
        with pytest.raises(AuthError):
            store.create(user)
    with pytest.raises(AuthError):
        store.create("alice", "line\nbreak")
    assert not (tmp_path / TOKEN_FILE).exists()
