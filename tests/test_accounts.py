"""Accounts and roles: upgrade of the single-user password file, changes, the last admin."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from piranha_web.accounts import Account, Accounts, Role
from piranha_web.auth import PasswordFile
from piranha_web.errors import AuthError


def accounts(tmp_path: Path) -> Accounts:
    passwords = PasswordFile(tmp_path / "passwords", cost=16)
    passwords.set_password("piranha", "old password")
    return Accounts(passwords)


def test_roles_are_ordered_and_parsed_by_name() -> None:
    assert Role.VIEWER < Role.OPERATOR < Role.ADMIN
    assert Role.parse(" Operator ") is Role.OPERATOR
    with pytest.raises(AuthError, match="unknown role 'root'"):
        Role.parse("root")


def test_the_existing_piranha_user_is_an_admin_and_keeps_its_password(tmp_path: Path) -> None:
    found = accounts(tmp_path)
    assert found.role_of("piranha") is Role.ADMIN
    assert found.passwords.verify("piranha", "old password")
    assert not (tmp_path / "roles").exists()  # reading never writes
    found.add("ann", "ann's password", Role.OPERATOR)
    assert found.list() == [Account("ann", Role.OPERATOR), Account("piranha", Role.ADMIN)]
    assert stat.S_IMODE((tmp_path / "roles").stat().st_mode) == 0o600
    assert found.passwords.verify("piranha", "old password")


def test_a_user_without_a_role_line_is_a_viewer_once_roles_exist(tmp_path: Path) -> None:
    found = accounts(tmp_path)
    found.add("ann", "ann's password", Role.ADMIN)
    found.passwords.set_password("bob", "set with the old passwd command")
    assert found.role_of("bob") is Role.VIEWER
    assert found.role_of("nobody") is None


def test_role_password_and_deletion_change_the_stamp(tmp_path: Path) -> None:
    found = accounts(tmp_path)
    found.add("ann", "ann's password", Role.ADMIN)
    first = found.stamp("ann")
    found.set_role("ann", Role.VIEWER)
    demoted = found.stamp("ann")
    assert demoted not in (None, first)
    found.set_password("ann", "another password")
    assert found.stamp("ann") not in (None, demoted)
    found.delete("ann")
    assert found.stamp("ann") is None and found.role_of("ann") is None
    assert not found.passwords.verify("ann", "another password")


def test_the_last_admin_can_be_neither_deleted_nor_demoted(tmp_path: Path) -> None:
    found = accounts(tmp_path)
    with pytest.raises(AuthError, match="last admin"):
        found.delete("piranha")
    with pytest.raises(AuthError, match="last admin"):
        found.set_role("piranha", Role.OPERATOR)
    found.add("ann", "ann's password", Role.ADMIN)
    found.set_role("piranha", Role.OPERATOR)
    assert found.role_of("piranha") is Role.OPERATOR


def test_bad_additions_change_nothing(tmp_path: Path) -> None:
    found = accounts(tmp_path)
    with pytest.raises(AuthError, match="exists already"):
        found.add("piranha", "a long password", Role.VIEWER)
    with pytest.raises(AuthError, match="at least 8"):
        found.add("ann", "short", Role.VIEWER)
    with pytest.raises(AuthError, match="invalid user name"):
        found.add("a:b", "a long password", Role.VIEWER)
    with pytest.raises(AuthError, match="no user"):
        found.set_role("ghost", Role.ADMIN)
    assert found.list() == [Account("piranha", Role.ADMIN)]
