"""Shared fixtures: a clean PIRANHA_* environment for every test, and the repo paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: session fixtures shared by several test folders (``backup_router``: a real sshd in a netns)
pytest_plugins = ("tests.helpers.sshd", "tests.helpers.loopback_servers")
#: real-world lvs.cf files with their provenance (INDEX.md): part of the repository
CORPUS = ROOT / "tests" / "data" / "corpus"


@pytest.fixture(autouse=True)
def _clean_piranha_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's PIRANHA_* settings."""
    for name in list(os.environ):
        if name.startswith("PIRANHA_"):
            monkeypatch.delenv(name)
    yield
