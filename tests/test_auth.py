"""Password file, session secret and login throttle (piranha_web.auth)."""

from __future__ import annotations

import stat
import tracemalloc
from pathlib import Path

import pytest

from piranha_web.auth import (
    LoginThrottle,
    PasswordFile,
    check_password,
    hash_password,
    load_or_create_secret,
)
from piranha_web.errors import AuthError


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_password_is_stored_hashed_salted_with_mode_600(tmp_path: Path) -> None:
    passwords = PasswordFile(tmp_path / "state" / "passwords", cost=16)
    assert not passwords.is_set()
    passwords.set_password("piranha", "s3cret pass")
    text = (tmp_path / "state" / "passwords").read_text()
    assert text.startswith("piranha:scrypt$16$8$1$") and "s3cret" not in text
    assert stat.S_IMODE((tmp_path / "state" / "passwords").stat().st_mode) == 0o600
    assert passwords.is_set()
    assert passwords.verify("piranha", "s3cret pass")
    assert not passwords.verify("piranha", "s3cret pas")
    assert not passwords.verify("nobody", "s3cret pass")


def test_same_password_hashes_differently_each_time() -> None:
    first, second = hash_password("pw", n=16), hash_password("pw", n=16)
    assert first != second
    assert check_password("pw", first) and check_password("pw", second)


@pytest.mark.parametrize("encoded", ["", "md5$x", "scrypt$16$8$1$!!$!!", "scrypt$x$8$1$a$b"])
def test_malformed_hashes_never_match(encoded: str) -> None:
    assert not check_password("pw", encoded)


def test_other_users_are_kept_and_the_stamp_follows_the_password(tmp_path: Path) -> None:
    passwords = PasswordFile(tmp_path / "passwords", cost=16)
    passwords.set_password("piranha", "one one one")
    passwords.set_password("admin", "two two two")
    stamp = passwords.stamp("piranha")
    passwords.set_password("piranha", "three three")
    assert passwords.stamp("piranha") != stamp
    assert passwords.verify("admin", "two two two") and passwords.verify("piranha", "three three")
    assert passwords.stamp("nobody") is None


@pytest.mark.parametrize("user", ["", "a:b", "a b", "é"])
def test_user_names_that_cannot_be_stored_are_refused(tmp_path: Path, user: str) -> None:
    with pytest.raises(AuthError):
        PasswordFile(tmp_path / "passwords", cost=16).set_password(user, "password")


@pytest.mark.parametrize("password", ["", "x", "7 chars"])
def test_passwords_shorter_than_the_minimum_are_refused(tmp_path: Path, password: str) -> None:
    with pytest.raises(AuthError, match="at least 8 characters"):
        PasswordFile(tmp_path / "passwords", cost=16).set_password("piranha", password)


def test_generated_password_verifies(tmp_path: Path) -> None:
    passwords = PasswordFile(tmp_path / "passwords", cost=16)
    generated = passwords.generate()
    assert len(generated) >= 16 and passwords.verify("piranha", generated)


def test_session_secret_is_created_once_with_mode_600(tmp_path: Path) -> None:
    secret = load_or_create_secret(tmp_path)
    assert len(secret) == 64
    assert load_or_create_secret(tmp_path) == secret
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_throttle_lets_three_failures_pass_then_doubles_the_lock() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    assert [throttle.failed("10.0.0.1", "piranha") for _ in range(3)] == [0, 0, 0]
    assert throttle.wait_seconds("10.0.0.1", "piranha") == 0
    assert throttle.failed("10.0.0.1", "piranha") == 2
    assert throttle.wait_seconds("10.0.0.1", "piranha") == 2
    assert throttle.wait_seconds("10.0.0.2", "piranha") == 0
    assert throttle.wait_seconds("10.0.0.1", "admin") == 0
    assert throttle.failed("10.0.0.1", "piranha") == 4
    for _ in range(20):
        throttle.failed("10.0.0.1", "piranha")
    assert throttle.wait_seconds("10.0.0.1", "piranha") == 300
    clock.now += 300
    assert throttle.wait_seconds("10.0.0.1", "piranha") == 0
    throttle.succeeded("10.0.0.1", "piranha")
    assert throttle.failed("10.0.0.1", "piranha") == 0


def test_throttle_forgets_old_entries_and_stays_bounded() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock, capacity=10, forget=60)
    for _ in range(4):
        throttle.failed("10.0.0.1", "piranha")
    clock.now += 61
    throttle.failed("10.0.0.9", "x")
    assert throttle.failed("10.0.0.1", "piranha") == 0  # the old failures were forgotten
    for number in range(50):
        throttle.failed(f"10.1.0.{number}", "piranha")
    assert len(throttle) <= 10


def test_throttle_memory_stays_small_with_huge_user_names() -> None:
    """300 failures with 100 kB names (issue 20 #5): kept as digests, not as the names."""
    throttle = LoginThrottle(clock=Clock())
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for number in range(300):
            name = f"{number:06d}" + "u" * 100_000  # made per request, like a form's value
            throttle.failed("10.0.0.1", name)
            throttle.attempt("10.0.0.2", name)
            del name
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 1_000_000  # the names alone are 30 MB
    assert len(throttle) == 600


def test_throttle_keeps_long_names_apart_and_counts_them() -> None:
    clock = Clock()
    throttle = LoginThrottle(clock=clock)
    long_a, long_b = "a" * 70, "a" * 69 + "b"
    for _ in range(4):
        throttle.failed("10.0.0.1", long_a)
    assert throttle.wait_seconds("10.0.0.1", long_a) == 2
    assert throttle.wait_seconds("10.0.0.1", long_b) == 0
    assert throttle.wait_seconds("10.0.0.1", "sha256:" + "0" * 64) == 0
    throttle.succeeded("10.0.0.1", long_a)
    assert throttle.wait_seconds("10.0.0.1", long_a) == 0


def test_throttle_total_entries_are_bounded_whatever_the_names() -> None:
    throttle = LoginThrottle(clock=Clock(), capacity=100)
    for number in range(1000):
        throttle.failed(f"10.0.{number // 250}.{number % 250}", f"user{number}" * 20)
    assert len(throttle) <= 100
    assert len(throttle._users) <= 100
