"""The TCP/UDP exchange of one check, with asyncio (thin I/O; decisions are in :mod:`.verdict`).

Like nanny (docs/reference/piranha.md §3.3): connect with the service timeout, send the string once,
then — only when there is an expect string, or always for UDP — wait up to the timeout for the
first read.  That first read is what nanny compares; nanny asks for ``len(expect)`` (or 254)
bytes, which is a prefix of the larger chunk read here, so one connection serves both verdicts.
For TCP the strict reader then goes on reading until the answer is settled, the server closes,
the reply reaches :data:`REPLY_LIMIT` or the timeout (counted from the first wait) runs out.
A UDP reply is one datagram.

Only ``spec.address`` is ever contacted; it comes from the configuration's real server.
"""

from __future__ import annotations

import asyncio
import socket

from piranha_web.monitor.expect import Mode
from piranha_web.monitor.observations import Ended, Exchange, Stage
from piranha_web.monitor.spec import CheckSpec

READ_CHUNK = 65536
REPLY_LIMIT = 65536


def _os_text(err: OSError) -> str:
    if isinstance(err, ConnectionRefusedError):
        return "refused"
    return err.strerror or str(err)


async def exchange(spec: CheckSpec) -> Exchange:
    """Run the network part of ``spec`` against its real server and record what happened."""
    loop = asyncio.get_running_loop()
    udp = spec.protocol == "udp"
    kind = socket.SOCK_DGRAM if udp else socket.SOCK_STREAM
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.setblocking(False)
        try:
            await asyncio.wait_for(loop.sock_connect(sock, (spec.address, spec.port)), spec.timeout)
        except TimeoutError:
            return Exchange(Stage.CONNECT, "timeout")
        except OSError as err:
            return Exchange(Stage.CONNECT, _os_text(err))
        if spec.send is not None:
            try:
                if udp:
                    sock.send(spec.send)  # one datagram, even an empty one
                else:
                    await asyncio.wait_for(loop.sock_sendall(sock, spec.send), spec.timeout)
            except TimeoutError:
                return Exchange(Stage.SEND, "timed out")
            except OSError as err:
                return Exchange(Stage.SEND, _os_text(err))
        if spec.matcher.mode is Mode.NONE and not udp:
            return Exchange()
        return await _read_reply(loop, sock, spec, udp)


async def _read_reply(
    loop: asyncio.AbstractEventLoop, sock: socket.socket, spec: CheckSpec, udp: bool
) -> Exchange:
    deadline = loop.time() + spec.timeout
    try:
        first = await asyncio.wait_for(loop.sock_recv(sock, READ_CHUNK), spec.timeout)
    except TimeoutError:
        return Exchange(Stage.READ, "timeout")
    except OSError as err:
        return Exchange(Stage.READ, _os_text(err))
    if udp:
        return Exchange(first=first, reply=first, ended=Ended.DATAGRAM)
    reply = first
    ended = Ended.EOF if not first else None
    while ended is None:
        remaining = deadline - loop.time()
        if spec.matcher.settled(reply):
            ended = Ended.SETTLED
        elif len(reply) >= REPLY_LIMIT:
            ended = Ended.LIMIT
        elif remaining <= 0:
            ended = Ended.TIMEOUT
        else:
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, READ_CHUNK), remaining)
            except TimeoutError:
                ended = Ended.TIMEOUT
            except OSError:
                ended = Ended.ERROR
            else:
                reply += chunk
                ended = None if chunk else Ended.EOF
    return Exchange(first=first, reply=reply, ended=ended)
