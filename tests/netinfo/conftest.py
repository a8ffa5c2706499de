"""Fixtures of the netinfo tests: a real router namespace, shared by the tests of a module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.router_ns import RouterNamespace


@pytest.fixture(scope="module")
def router() -> Iterator[RouterNamespace]:
    """A namespace with veth devices and labelled aliases (see tests.helpers.router_ns)."""
    ns = RouterNamespace.create()
    yield ns
    ns.delete()
