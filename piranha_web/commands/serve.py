"""``piranha-web serve``: run the web interface on waitress (127.0.0.1:3636 by default).

When the config file does not exist it is created from ``lvs.cf.example``.  When no password
is set, one is generated, its hash stored, and the password printed once together with the URL;
the URL is printed always.  With ``--certfile``/``--keyfile`` the listening socket speaks TLS
(:mod:`piranha_web.tls`) and the session cookie is marked Secure.  ``--port 0`` picks a free
port (the printed URL shows it).

Why waitress: it keeps every connection, idle or keep-alive, in one event loop (an idle client
costs a file descriptor, not a thread), it refuses a body larger than ``max_request_body_size``
(413) from its Content-Length, or as soon as a chunked body passes it, before the application
sees anything, and it runs in one process, so the in-memory login throttle and the bound on
running checks hold for the whole server.  Tuned here: connections up to
:data:`CONNECTION_LIMIT` (and the descriptor limit raised to match), ``poll`` instead of
``select`` (which stops at descriptor 1024), the body limit per request
(:func:`settings.body_limit`: 16 MiB for the API operations that take a whole lvs.cf, 1 MiB
for everything else), decided by :class:`LimitedParser` as soon as the request line is read
(a refusal of an API request is ``application/problem+json`` like the API's own errors),
and at most :data:`~piranha_web.connections.PER_ADDRESS_LIMIT` connections (and as many
pending TLS handshakes) per client address (:mod:`piranha_web.connections`).
"""

from __future__ import annotations

import argparse
import gc
import ipaddress
import resource
import socket
import sys
import threading
from pathlib import Path

from flask import Flask
from waitress.adjustments import Adjustments
from waitress.parser import HTTPRequestParser
from waitress.task import ErrorTask

from piranha_web.auth import DEFAULT_USER, PASSWORD_FILE, PasswordFile, passwd_command
from piranha_web.collector import freeze_after_full_collections
from piranha_web.commands.paths import (
    add_config_argument,
    add_state_dir_argument,
    config_of,
    state_dir_of,
)
from piranha_web.connections import (
    PER_ADDRESS_LIMIT,
    AddressChannel,
    AddressLimit,
    LimitedServer,
)
from piranha_web.errors import PiranhaError
from piranha_web.history import HISTORY_BYTES, HISTORY_MIN
from piranha_web.malloc import one_heap
from piranha_web.resources import resource_path
from piranha_web.store import ConfigStore
from piranha_web.tls import TLSListener, server_context
from piranha_web.web import WebSettings, create_app
from piranha_web.web.api.problems import MEDIA_TYPE, TITLES, Problem
from piranha_web.web.settings import MAX_REQUEST_BODY, body_limit
from piranha_web.web.traffic_charts import start_sampling
from piranha_web.web.warm import warm_up

NAME = "serve"
HELP = "serve the web configuration tool (login required) on 127.0.0.1:3636"
#: request threads: one per administrator editing at once (8 measured in bench/), so that a
#: page view never queues behind requests that wait for the save lock
THREADS = 8
#: open connections served at once (plain or TLS); idle ones cost a descriptor, not a thread
CONNECTION_LIMIT = 2000
#: seconds an idle connection is kept
CHANNEL_TIMEOUT = 60


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_config_argument(parser)
    add_state_dir_argument(parser)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=3636,
                        help="port to listen on, 0 for any free one (default: %(default)s)")
    parser.add_argument("--certfile", type=Path, help="TLS certificate chain (PEM)")
    parser.add_argument("--keyfile", type=Path, help="TLS private key (PEM)")
    parser.add_argument("--history-keep", type=_positive, default=200, metavar="N",
                        help="keep the newest N revisions of lvs.cf (default: %(default)s)")
    parser.add_argument("--history-days", type=_positive, default=90, metavar="DAYS",
                        help="and every revision younger than DAYS (default: %(default)s)")
    parser.add_argument("--history-max-mb", type=_positive, default=HISTORY_BYTES >> 20,
                        metavar="MB", help="but only as many as fit in MB megabytes, the newest "
                        f"{HISTORY_MIN} always (default: %(default)s)")


def url_of(host: str, port: int, tls: bool) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{'https' if tls else 'http'}://{shown}:{port}/"


def exposure_warning(host: str, tls: bool) -> str | None:
    """A warning when the login would cross a network in clear text."""
    if tls:
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        if host == "localhost":
            return None
    return (f"WARNING: serving on {host} without TLS: the password and lvs.cf travel in clear "
            "text (use --certfile/--keyfile, or keep the default 127.0.0.1 and an SSH tunnel)")


def ensure_config(path: Path) -> bool:
    """Create ``path`` from lvs.cf.example when it does not exist; True when created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    ConfigStore(path).create(resource_path("lvs.cf.example").read_text("utf-8"))
    return True


def run(args: argparse.Namespace) -> int:
    if bool(args.certfile) != bool(args.keyfile):
        print("piranha-web serve: --certfile and --keyfile go together", file=sys.stderr)
        return 2
    config, state_dir = config_of(args), state_dir_of(args)
    tls = args.certfile is not None
    one_heap()  # before the request threads start (see piranha_web.malloc)
    try:
        state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if ensure_config(config):
            print(f"Created {config} from the example configuration.", flush=True)
        listener = socket.create_server(
            (args.host, args.port),
            family=socket.AF_INET6 if ":" in args.host else socket.AF_INET,
        )
        sock: socket.socket | TLSListener = listener
        if tls:
            sock = TLSListener(listener, server_context(args.certfile, args.keyfile))
        app = create_app(WebSettings(config_path=config, state_dir=state_dir, tls=tls,
                                     history_keep=args.history_keep,
                                     history_days=args.history_days,
                                     history_bytes=args.history_max_mb << 20,
                                     port=listener.getsockname()[1]))
        start_sampling(app)  # traffic charts: the kernel's counters every few seconds
        freeze_after_full_collections()
        threading.Thread(target=settle, args=(app,), name="warm-up", daemon=True).start()
        passwords = PasswordFile(state_dir / PASSWORD_FILE)
        url = url_of(args.host, listener.getsockname()[1], tls)
        if warning := exposure_warning(args.host, tls):
            print(warning, file=sys.stderr, flush=True)
        if passwords.is_set(DEFAULT_USER):
            print(f"Log in at {url} as user {DEFAULT_USER}", flush=True)
        else:
            password = passwords.generate(DEFAULT_USER)
            print(f"Log in at {url} as user {DEFAULT_USER} with password {password}", flush=True)
            print("(shown only this once; change it by typing the new password, then Enter, "
                  f"into: {passwd_command(state_dir)})", flush=True)
    except (OSError, PiranhaError) as err:
        print(f"piranha-web serve: {err}", file=sys.stderr)
        return 1
    serve_forever(app, sock, tls)
    return 0


def settle(app: Flask) -> None:
    """Read lvs.cf (:func:`warm_up`), then collect: what survives is frozen
    (:mod:`piranha_web.collector`).  Run beside the first requests, not before them: the
    address is printed at once, and a request that needs lvs.cf meanwhile waits for the same
    parse (the store's reading lock)."""
    warm_up(app)
    gc.collect()


class _BodyLimit:
    """``adj`` with another ``max_request_body_size`` (every other setting is ``adj``'s)."""

    def __init__(self, adj: Adjustments, limit: int) -> None:
        self._adj = adj
        self.max_request_body_size = limit

    def __getattr__(self, name: str) -> object:
        return getattr(self._adj, name)


class LimitedParser(HTTPRequestParser):  # type: ignore[misc]
    """waitress's parser with the body limit of the request's method and path.

    The limit is set once the request line and headers are parsed, before waitress compares
    the Content-Length (or the chunked body read so far) with it.
    """

    adj: Adjustments | _BodyLimit

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        limit = body_limit(self.command, self.path)
        if limit != self.adj.max_request_body_size:
            self.adj = _BodyLimit(self.adj, limit)


class ProblemErrorTask(ErrorTask):  # type: ignore[misc]
    """waitress's refusals (413, 400...) of an API request as ``application/problem+json``."""

    def execute(self) -> None:
        if not str(getattr(self.request, "path", "")).startswith("/api/"):
            super().execute()
            return
        err = self.request.error
        body = Problem(title=TITLES.get(err.code, err.reason), status=err.code, revision=None,
                       detail=f"{err.reason}: {err.body}.").model_dump_json().encode()
        self.status = f"{err.code} {err.reason}"
        self.response_headers.append(("Content-Type", MEDIA_TYPE))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class Channel(AddressChannel):
    """A per-address counted channel with per-request body limits and API problems."""

    parser_class = LimitedParser
    error_task_class = ProblemErrorTask


class Server(LimitedServer):
    """waitress's TCP server with a per-address connection limit and :class:`Channel`."""

    channel_class = Channel


def serve_forever(app: object, sock: socket.socket | TLSListener, tls: bool) -> None:
    """Run waitress on the already listening ``sock`` until interrupted.

    The server is built directly on the socket: waitress's ``sockets=`` option silently drops
    objects that are not plain sockets (and would then listen on its default 0.0.0.0:8080).
    """
    raise_descriptor_limit(4 * CONNECTION_LIMIT)
    adj = Adjustments(
        threads=THREADS, ident="piranha-web", url_scheme="https" if tls else "http",
        connection_limit=CONNECTION_LIMIT, channel_timeout=CHANNEL_TIMEOUT,
        asyncore_use_poll=True, max_request_body_size=MAX_REQUEST_BODY,  # see LimitedParser
    )
    if tls:
        # waitress gets the plain (AF_UNIX) end of each TLS relay: TCP options such as
        # TCP_NODELAY belong to the relay's TCP socket, which sets them itself
        adj.socket_options = []
    sockinfo = (sock.family, sock.type, sock.proto, sock.getsockname())
    server = Server(app, _sock=sock, adj=adj, bind_socket=False, sockinfo=sockinfo,
                           per_address=AddressLimit(PER_ADDRESS_LIMIT))
    server.run()


def raise_descriptor_limit(wanted: int) -> None:
    """Raise the soft limit of open files towards ``wanted`` (never above the hard limit).

    Each TLS connection holds three descriptors (the TLS socket and a socket pair to waitress);
    the usual soft limit of 1024 would refuse connections long before CONNECTION_LIMIT.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
