"""Loopback real servers shared by the check engine's and the web layer's tests (a plugin)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.monitor import loopback


@pytest.fixture(scope="module")
def http_server() -> Iterator[loopback.TcpServer]:
    with loopback.serving(loopback.http_handler) as server:
        yield server


@pytest.fixture(scope="module")
def banner_server() -> Iterator[loopback.TcpServer]:
    with loopback.serving(loopback.banner_handler) as server:
        yield server
