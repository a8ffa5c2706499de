"""Shared fixtures: a clean PIRANHA_* environment for every test, the repo paths, and the one
hypothesis profile every property test runs under."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
#: session fixtures shared by several test folders (``backup_router``: a real sshd in a netns)
pytest_plugins = ("tests.helpers.sshd", "tests.helpers.loopback_servers")
#: real-world lvs.cf files with their provenance (INDEX.md): part of the repository
CORPUS = ROOT / "tests" / "data" / "corpus"

#: The only hypothesis settings of the suite: no per-example deadline (a loaded 2-core machine makes
#: wall-clock limits flaky; speed is measured in bench/), and no "too slow" health check for the
#: same reason. A test that needs more or fewer examples says only ``@settings(max_examples=N)``.
settings.register_profile(
    "piranha", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("piranha")


@pytest.fixture(autouse=True)
def _clean_piranha_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's PIRANHA_* settings."""
    for name in list(os.environ):
        if name.startswith("PIRANHA_"):
            monkeypatch.delenv(name)
    yield
