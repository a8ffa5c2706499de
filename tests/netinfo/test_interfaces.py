"""Interfaces and addresses as pyroute2 reads them from a real network namespace."""

from __future__ import annotations

import json
import subprocess

import pytest

from piranha_web.errors import NetInfoError
from piranha_web.netinfo import NetInfo
from tests.helpers.router_ns import RouterNamespace


def test_lists_every_interface_of_the_namespace_in_kernel_order(router: RouterNamespace) -> None:
    """The names are the namespace's own devices, not the host's, in ifindex order."""
    shown = subprocess.run(["ip", "-n", router.name, "-j", "link", "show"], capture_output=True,
                           text=True, check=True).stdout
    by_index = [link["ifname"] for link in sorted(json.loads(shown), key=lambda x: x["ifindex"])]

    names = NetInfo(router.name).interface_names()

    assert sorted(names) == ["lo", "pwni0", "pwni1", "pwni2", "pwni3"]
    assert names == by_index


def test_reports_which_interfaces_are_up(router: RouterNamespace) -> None:
    """Devices set up are up (a veth whose peer is up has carrier); the others are down."""
    by_name = {i.name: i for i in NetInfo(router.name).interfaces().interfaces}

    assert (by_name["pwni0"].state, by_name["pwni0"].admin_up) == ("up", True)
    assert (by_name["pwni2"].state, by_name["pwni2"].admin_up) == ("down", False)
    assert by_name["lo"].loopback and not by_name["pwni0"].loopback
    assert by_name["pwni0"].mac is not None and len(by_name["pwni0"].mac.split(":")) == 6


def test_addresses_carry_prefix_and_lvs_style_label(router: RouterNamespace) -> None:
    """An alias raised as pwni0:1 is reported with that label, its prefix and its device."""
    pwni0 = next(i for i in NetInfo(router.name).interfaces().interfaces if i.name == "pwni0")
    v4 = sorted((a.cidr, a.label, a.device, a.is_alias) for a in pwni0.addresses
                if a.version == 4)

    assert v4 == [
        ("192.0.2.1/24", "pwni0", "pwni0", False),
        ("192.0.2.10/24", "pwni0:1", "pwni0", True),
        ("192.0.2.11/32", "pwni0:2", "pwni0", True),
    ]


def test_ipv6_addresses_are_listed_under_the_device_name(router: RouterNamespace) -> None:
    """IPv6 has no labels; the address is listed with its device."""
    found = NetInfo(router.name).where_is("2001:db8::1")

    assert found is not None
    assert (found.cidr, found.label, found.version) == ("2001:db8::1/64", "pwni0", 6)


def test_where_is_finds_the_device_and_label_carrying_an_address(
        router: RouterNamespace) -> None:
    """A VIP is located on its alias; an address of no interface is nowhere."""
    info = NetInfo(router.name)
    vip = info.where_is("192.0.2.10")

    assert vip is not None and (vip.device, vip.label) == ("pwni0", "pwni0:1")
    assert info.where_is("198.51.100.1") is not None
    assert info.where_is("192.0.2.99") is None
    assert info.where_is("not an address") is None


def test_is_local_address_tells_this_routers_addresses_from_others(
        router: RouterNamespace) -> None:
    """pulse's question "is the primary IP mine?", answered from the kernel."""
    info = NetInfo(router.name)

    assert info.is_local_address("192.0.2.11")
    assert not info.is_local_address("192.0.2.12")


def test_device_suggestions_offer_interfaces_and_labels_but_not_loopback(
        router: RouterNamespace) -> None:
    """What the Device fields suggest: real devices, then the alias labels in use."""
    assert NetInfo(router.name).device_suggestions() == [
        "pwni0", "pwni1", "pwni2", "pwni3", "pwni0:1", "pwni0:2"]


def test_a_newly_raised_alias_shows_up_on_the_next_read(router: RouterNamespace) -> None:
    """Nothing is cached: each call reads the kernel."""
    info = NetInfo(router.name)
    assert info.where_is("198.51.100.50") is None

    router.add_address("pwni1", "198.51.100.50/24", "pwni1:7")

    found = info.where_is("198.51.100.50")
    assert found is not None and found.label == "pwni1:7"
    assert "pwni1:7" in info.device_suggestions()


def test_host_interfaces_are_read_without_a_namespace() -> None:
    """Without netns the host's own namespace is read (it always has lo)."""
    assert "lo" in NetInfo().interface_names()


def test_unknown_namespace_is_an_error_and_is_not_created() -> None:
    """A mistyped namespace name must not silently create an empty namespace."""
    name = "pwninonexistent"

    with pytest.raises(NetInfoError, match="no network namespace 'pwninonexistent'"):
        NetInfo(name).interfaces()

    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    assert name not in listed.split()

