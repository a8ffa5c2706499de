"""A logged-in admin's page load while 300 idle connections are held open (issue 15).

`piranha-web serve` as a process, plain HTTP and TLS.  Each run first measures the floor (the
VIRTUAL SERVERS page of the example config, no idle connections), then opens the idle load and
measures again:

* plain: 300 TCP connections that never send a byte;
* TLS: 150 TCP connections that never send a ClientHello and 150 handshaken TLS sessions
  that never send a request.

Median and p95 of 30 page loads (each a fresh connection, as a browser's first request is).
Target: under 1 s with the load.  Results go to BENCHMARKS.md ("## Idle connections").

Run: .venv/bin/python bench/bench_idle.py
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import select
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import write_section  # noqa: E402
from piranha_web.commands.serve import THREADS  # noqa: E402

LOADS = 30
IDLE = 300


def serve(tmp: Path, *tls_args: str) -> tuple[subprocess.Popen[str], str, str]:
    """Start serve on a free port; (process, url, password)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "piranha_web.cli", "serve", "--port", "0",
         "--config", str(tmp / "lvs.cf"), "--state-dir", str(tmp / "state"), *tls_args],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    lines = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if select.select([process.stdout], [], [], 0.5)[0]:
            lines += process.stdout.readline()
            found = re.search(r"Log in at (\S+) as user piranha with password (\S+)", lines)
            if found:
                return process, found.group(1), found.group(2)
    process.kill()
    raise RuntimeError(f"serve did not start: {lines}")


def opener_for(url: str, password: str, context: ssl.SSLContext | None):  # type: ignore[no-untyped-def]
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())]
    if context is not None:
        handlers.append(urllib.request.HTTPSHandler(context=context))
    opener = urllib.request.build_opener(*handlers)
    with opener.open(url + "login", timeout=30) as response:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                          response.read().decode())
    assert token
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "username": "piranha",
                                   "password": password}).encode()
    opener.open(url + "login", data=form, timeout=30).close()
    return opener


def page_loads(opener, url: str) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(LOADS):
        started = time.perf_counter()
        with opener.open(url + "virtual/", timeout=30) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    return times


def figures(times: list[float]) -> str:
    p95 = statistics.quantiles(times, n=20)[18]
    return f"{statistics.median(times):.0f} / {p95:.0f}"


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1].strip("/"))


def run(tls: bool, tmp: Path) -> list[str]:
    args: list[str] = []
    context = None
    if tls:
        cert, key = tmp / "cert.pem", tmp / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        args = ["--certfile", str(cert), "--keyfile", str(key)]
        context = ssl.create_default_context(cafile=str(cert))
    process, url, password = serve(tmp, *args)
    held: list[socket.socket] = []
    try:
        opener = opener_for(url, password, context)
        floor = page_loads(opener, url)
        port = port_of(url)
        opened = time.perf_counter()
        silent = IDLE // 2 if tls else IDLE
        # 25 per loopback source address: serve allows 64 per address (connections.py)
        held += [socket.create_connection(("127.0.0.1", port), timeout=30,
                                          source_address=(f"127.0.0.{2 + n // 25}", 0))
                 for n in range(silent)]
        if context is not None:
            held += [context.wrap_socket(
                socket.create_connection(("127.0.0.1", port), timeout=30,
                                         source_address=(f"127.0.0.{2 + n // 25}", 0)),
                server_hostname="127.0.0.1") for n in range(IDLE - silent)]
        open_seconds = time.perf_counter() - opened
        loaded = page_loads(opener, url)
        kind = ("TLS: 150 never send a ClientHello, 150 handshaken and idle" if tls
                else "plain: 300 never send a byte")
        return [f"| {kind} | {figures(floor)} | {figures(loaded)} | {max(loaded):.0f} | "
                f"{open_seconds:.2f} |"]
    finally:
        for conn in held:
            conn.close()
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    rows = []
    for tls in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            rows += run(tls, Path(tmp))
    body = (
        f"`bench/bench_idle.py`: `piranha-web serve` (waitress, {THREADS} request threads, up "
        "to 2,000 "
        "connections in its poll loop; TLS handshakes non-blocking in one selector thread) "
        f"as a process on this 2-core machine ({time.strftime('%Y-%m-%d')}); the example "
        f"config; {LOADS} loads of the VIRTUAL SERVERS page by a logged-in admin, each on a "
        f"new connection, first without (floor) then with {IDLE} idle connections held open. "
        "Target: under 1 s with the idle load (before issue 15 about 98 idle plain "
        "connections, 32 silent TLS ones or 256 idle TLS sessions stopped the service).\n\n"
        "| idle connections | floor median / p95 ms | with idle load median / p95 ms | "
        "max ms | seconds to open the idle load |\n|---|---|---|---|---|\n" + "\n".join(rows)
    )
    write_section("Idle connections", body)
    print(body)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
