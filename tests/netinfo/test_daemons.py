"""LVS daemon processes found in /proc, counted only in the router's network namespace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from piranha_web.errors import NetInfoError
from piranha_web.netinfo import NetInfo
from tests.helpers.router_ns import RouterNamespace

NANNY_ARGS = ("-c", "-h", "198.51.100.11", "-p", "80", "-s", "GET / HTTP/1.0\\r\\n\\r\\n",
              "-x", "HTTP", "-a", "15", "-I", "/sbin/ipvsadm", "-t", "6", "-w", "1",
              "-V", "192.0.2.10", "-M", "g", "-U", "none", "--lvs")


@pytest.fixture
def fresh_router() -> Iterator[RouterNamespace]:
    """A router of its own: daemons started in one test never leak into another."""
    ns = RouterNamespace.create()
    yield ns
    ns.delete()


def test_a_router_without_daemons_reports_all_stopped(fresh_router: RouterNamespace) -> None:
    """pulse, lvsd, nanny and keepalived are listed, each stopped."""
    status = NetInfo(fresh_router.name).daemons()

    assert [(d.name, d.running) for d in status] == [
        ("pulse", False), ("lvsd", False), ("nanny", False), ("keepalived", False)]


def test_running_daemons_are_reported_with_their_arguments(
        fresh_router: RouterNamespace, tmp_path: Path) -> None:
    """Each process is found by name with its full argument list, blanks inside kept."""
    pulse = fresh_router.start_daemon(tmp_path, "pulse", "--forceactive")
    nanny = fresh_router.start_daemon(tmp_path, "nanny", *NANNY_ARGS)

    status = {d.name: d for d in NetInfo(fresh_router.name).daemons()}

    assert status["pulse"].running and not status["lvsd"].running
    (found,) = status["nanny"].processes
    assert found.pid == nanny.pid
    assert found.argv[-len(NANNY_ARGS):] == NANNY_ARGS
    assert "'GET / HTTP/1.0\\r\\n\\r\\n'" in found.command_line
    assert status["pulse"].processes[0].pid == pulse.pid
    assert status["pulse"].processes[0].argv[-1] == "--forceactive"


def test_daemons_of_other_namespaces_do_not_count(
        fresh_router: RouterNamespace, router: RouterNamespace, tmp_path: Path) -> None:
    """A pulse running for another router (namespace) is not this router's pulse."""
    router.start_daemon(tmp_path, "pulse")

    assert not NetInfo(fresh_router.name).daemons()[0].running
    assert NetInfo(router.name).daemons()[0].running


def test_a_stopped_daemon_disappears(fresh_router: RouterNamespace, tmp_path: Path) -> None:
    """Nothing is cached: the next read after the process ended shows it stopped."""
    lvsd = fresh_router.start_daemon(tmp_path, "lvsd")
    info = NetInfo(fresh_router.name)
    assert info.daemons()[1].running

    fresh_router.stop_daemon(lvsd)

    assert not info.daemons()[1].running


def test_unknown_namespace_is_an_error() -> None:
    """Daemons of a namespace that does not exist cannot be told apart: an error, not 'none'."""
    with pytest.raises(NetInfoError, match="no network namespace"):
        NetInfo("pwninonexistent").daemons()
