"""Reading ``/proc/net/ip_vs``: the IPVS table as the kernel prints it for everyone.

The text (kernel ``ip_vs_info_seq_show``) is the same the original CONTROL/MONITORING page
showed, readable without privileges::

    IP Virtual Server version 1.2.1 (size=4096)
    Prot LocalAddress:Port Scheduler Flags
      -> RemoteAddress:Port Forward Weight ActiveConn InActConn
    TCP  C000020A:0050 wlc
      -> C633640B:0050      Route   1      0          0
    UDP  C0000232:0202 rr ops
    TCP  C000020A:01BB rr  persistent 75000 FFFFFFFF
    FWM  00000050 sh persistent 900000 FFFFFF00
    TCP  [2001:0db8:0000:0000:0000:0000:0000:0010]:0050 wlc

Addresses and ports are hexadecimal (IPv4 as ``AABBCCDD``, IPv6 in brackets); the
persistence timeout is in kernel ticks, so seconds need the kernel's HZ (:func:`kernel_hz`).
:func:`parse_proc_ip_vs` is pure; :func:`read_proc_ip_vs` and :func:`kernel_hz` read files.
"""

from __future__ import annotations

import contextlib
import gzip
import ipaddress
import os
import re
from dataclasses import replace
from pathlib import Path

from piranha_web.errors import NetInfoError
from piranha_web.netinfo.ipvs_model import IpvsDest, IpvsService, IpvsStats, IpvsTable

SOURCE = "/proc/net/ip_vs"
THREAD_PATH = Path("/proc/thread-self/net/ip_vs")
STATS_SOURCE = "/proc/net/ip_vs_stats"
THREAD_STATS_PATH = Path("/proc/thread-self/net/ip_vs_stats")
_PROTOCOLS = {"TCP": "tcp", "UDP": "udp", "SCTP": "sctp"}
_FORWARDS = ("Masq", "Local", "Tunnel", "Route", "Bypass")
_HEADER = re.compile(r"IP Virtual Server version \S+ \(size=\d+\)|Prot LocalAddress:Port .*"
                     r"|\s*-> RemoteAddress:Port .*")
_ENDPOINT = re.compile(
    r"(?:(?P<v4>[0-9A-Fa-f]{8})|\[(?P<v6>[0-9A-Fa-f:]+)\]):(?P<port>[0-9A-Fa-f]{4})")
_CONFIG_HZ = re.compile(r"^CONFIG_HZ=(\d+)$", re.MULTILINE)


class _Problem(ValueError):
    """A line that is not in the kernel's format (reported with its line number)."""


def parse_proc_ip_vs(text: str, hz: int | None = None) -> IpvsTable:
    """The table in ``text``; ``hz`` (kernel ticks per second) turns persistence into seconds.

    Raises :class:`NetInfoError` naming the first line that is not in the kernel's format.
    """
    services: list[IpvsService] = []
    current: IpvsService | None = None
    dests: list[IpvsDest] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or _HEADER.fullmatch(line):
            continue
        words = line.split()
        try:
            if words[0] == "->":
                if current is None:
                    raise _Problem("a real server before any service")
                dests.append(_dest(words))
                continue
            if current is not None:
                services.append(replace(current, dests=tuple(dests)))
            current, dests = _service(words, hz), []
        except (_Problem, ValueError, IndexError) as err:
            raise NetInfoError(SOURCE, f"line {number}: {err}: {line.strip()!r}") from None
    if current is not None:
        services.append(replace(current, dests=tuple(dests)))
    return IpvsTable.of(SOURCE, services)


def _service(words: list[str], hz: int | None) -> IpvsService:
    kind, where, scheduler, flags = words[0], words[1], words[2], words[3:]
    one_packet = bool(flags) and flags[0] == "ops"
    if one_packet:
        flags = flags[1:]
    persistent, timeout, mask = False, None, None
    if flags:
        if flags[0] != "persistent" or len(flags) != 3:
            raise _Problem(f"unknown service flags {' '.join(flags)!r}")
        persistent = True
        ticks = int(flags[1])
        timeout = ticks // hz if hz else None
        mask = str(ipaddress.IPv4Address(int(flags[2], 16)))
    if kind == "FWM":
        return IpvsService("fwm", None, None, int(where, 16), scheduler, persistent, timeout,
                           mask, one_packet)
    if kind not in _PROTOCOLS:
        raise _Problem(f"unknown protocol {kind!r}")
    address, port = _endpoint(where)
    if ":" in address:
        mask = None  # the kernel prints an IPv6 prefix length here, not a mask
    return IpvsService(_PROTOCOLS[kind], address, port, 0, scheduler, persistent, timeout,
                       mask, one_packet)


def _dest(words: list[str]) -> IpvsDest:
    if len(words) != 6 or words[2] not in _FORWARDS:
        raise _Problem("not a real server line")
    address, port = _endpoint(words[1])
    return IpvsDest(address, port, words[2], int(words[3]), int(words[4]), int(words[5]))


def _endpoint(text: str) -> tuple[str, int]:
    found = _ENDPOINT.fullmatch(text)
    if found is None:
        raise _Problem(f"{text!r} is not an address:port")
    if found["v4"]:
        address = str(ipaddress.IPv4Address(int(found["v4"], 16)))
    else:
        address = ipaddress.IPv6Address(found["v6"]).compressed
    return address, int(found["port"], 16)


def read_proc_ip_vs(path: Path = THREAD_PATH, hz: int | None = None) -> IpvsTable | None:
    """The table in ``path``; None when the file does not exist (no IPVS in this kernel).

    The default path is the calling thread's network namespace's /proc/net/ip_vs.
    """
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise NetInfoError(SOURCE, f"cannot read {path}: {err}") from None
    return parse_proc_ip_vs(text, hz)


def kernel_hz(release: str | None = None, boot: Path = Path("/boot"),
              proc_config: Path = Path("/proc/config.gz")) -> int | None:
    """The running kernel's CONFIG_HZ from its config file, or None when no config is found."""
    release = release or os.uname().release
    candidates: list[str] = []
    with contextlib.suppress(OSError):
        candidates.append((boot / f"config-{release}").read_text(errors="replace"))
    with contextlib.suppress(OSError, EOFError):
        candidates.append(gzip.decompress(proc_config.read_bytes()).decode(errors="replace"))
    for text in candidates:
        found = _CONFIG_HZ.search(text)
        if found:
            return int(found[1])
    return None


def parse_proc_ip_vs_stats(text: str) -> IpvsStats:
    """The totals of ``/proc/net/ip_vs_stats`` (kernel ``ip_vs_stats_show``)::

           Total Incoming Outgoing         Incoming         Outgoing
           Conns  Packets  Packets            Bytes            Bytes
               2       12        0              720                0

         Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s
               0        0        0                0                0

    The counters (third line) are hexadecimal; the rates below them are not used.  Raises
    :class:`NetInfoError` when the text is not in that format.
    """
    lines = text.splitlines()
    words = lines[2].split() if len(lines) > 2 and "Conns" in lines[1] else []
    try:
        if len(words) != 5:
            raise ValueError("no line of five counters")
        return IpvsStats(*(int(word, 16) for word in words))
    except ValueError as err:
        raise NetInfoError(STATS_SOURCE, f"not the kernel's format: {err}") from None


def read_proc_ip_vs_stats(path: Path = THREAD_STATS_PATH) -> IpvsStats | None:
    """The totals in ``path`` (by default the calling thread's namespace's); None when the
    file does not exist."""
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise NetInfoError(STATS_SOURCE, f"cannot read {path}: {err}") from None
    return parse_proc_ip_vs_stats(text)
