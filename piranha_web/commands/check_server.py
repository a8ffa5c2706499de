"""``piranha-web check-server --address IP --port N ...``: one nanny check of one real server.

What keepalived's MISC_CHECK runs for a virtual server with send/expect strings or a sending
program (``piranha-web export keepalived`` writes the command line).  The strings come
hex-encoded, exactly as lvsd would pass them to nanny (escapes not yet decoded), so that no
character of them is ever interpreted by keepalived's parser.  The check is the monitor
engine's nanny-exact one (piranha_web.monitor).

Prints ``up|down REASON``.  Exit status: 0 up, 1 down, 2 usage errors.
"""

from __future__ import annotations

import argparse
import asyncio
import binascii

from piranha_web.lvscf.model import MonitorScript, RealServer, VirtualServer
from piranha_web.monitor import probe_server

NAME = "check-server"
HELP = "check one real server once, exactly as nanny would (exit 0 up, 1 down)"
#: keepalived starts one such process per check: end it as soon as the verdict is printed
EXIT_AT_ONCE = True


def _hex(text: str) -> str:
    try:
        return bytes.fromhex(text).decode("utf-8", "surrogateescape")
    except (ValueError, binascii.Error) as err:
        raise argparse.ArgumentTypeError(f"not hexadecimal: {err}") from err


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--address", required=True, help="the real server's IP address")
    parser.add_argument("--port", type=int, required=True, help="the real server's port")
    parser.add_argument("--virtual-port", type=int,
                        help="the virtual server's port (nanny's HTTP default on port 80)")
    parser.add_argument("--protocol", choices=("tcp", "udp"), default="tcp")
    parser.add_argument("--timeout", type=int, default=10,
                        help="seconds for connect, read or program (lvs.cf timeout)")
    parser.add_argument("--send-hex", type=_hex, help="send string as lvsd passes it, in hex")
    parser.add_argument("--expect-hex", type=_hex, help="expect string, in hex")
    parser.add_argument("--program-hex", type=_hex, help="send_program command line, in hex")
    parser.add_argument("--regex", action="store_true", help="expect is a regex (use_regex)")


def run(args: argparse.Namespace) -> int:
    monitor = MonitorScript(send=args.send_hex, expect=args.expect_hex,
                            send_program=args.program_hex, use_regex=args.regex)
    virtual = VirtualServer(
        name="check", active=True, port=args.virtual_port or args.port, protocol=args.protocol,
        timeout=args.timeout, monitor=monitor,
    )
    server = RealServer(name="server", address=args.address, active=True, port=args.port,
                        effective_port=args.port)
    result = asyncio.run(probe_server(virtual, server, monitor))
    print(f"{result.nanny.state} {result.nanny.reason}")
    return 0 if result.nanny.up else 1
