"""Checks of values typed into the GLOBAL SETTINGS and REDUNDANCY panels.

The lvs.cf validator (run on every save) refuses what the C parser would refuse; these checks
are stricter where the panels ask for something specific (an IPv4 address, a port number, a
device label the kernel can hold), and they speak in the panel's words.  Each returns an
error message, or None when the value is fine; a blank value is checked by the caller.
"""

from __future__ import annotations

import re

from piranha_web.lvscf.values import decimal, is_dotted_quad

#: IFNAMSIZ - 1: the longest interface name, and the longest address label (``eth0:1``)
MAX_DEVICE = 15
_DEVICE = re.compile(r"[A-Za-z0-9_.-]+(:[A-Za-z0-9_.-]+)?")


def ipv4(value: str) -> str | None:
    """An address written as a plain dotted quad (``192.0.2.1``)."""
    if not is_dotted_quad(value):
        return f"{value!r} is not an IPv4 address like 192.0.2.1."
    if value == "0.0.0.0":  # noqa: S104 (Piranha's "unset" address, not a bind)
        return "0.0.0.0 is not an address a router can have."
    return None


def integer(value: str, low: int, high: int | None = None) -> str | None:
    """A decimal whole number within [low, high] (no octal or hex surprises)."""
    number = decimal(value)
    if number is None or not value.isdigit() or (len(value) > 1 and value[0] == "0"):
        return f"{value!r} is not a whole number."
    if high is None and number < low:
        return f"Enter a number of at least {low}."
    if high is not None and not low <= number <= high:
        return f"Enter a number from {low} to {high}."
    return None


def device(value: str) -> str | None:
    """A network device (``eth0``) or an LVS alias label on one (``eth0:1``)."""
    if not _DEVICE.fullmatch(value):
        return (f"{value!r} is not a device name like eth0 or an alias like eth0:1 "
                "(letters, digits, _ . - and at most one colon).")
    if len(value) > MAX_DEVICE:
        return (f"{value!r} is too long: the kernel keeps device names and alias labels to "
                f"{MAX_DEVICE} characters.")
    return None
