"""Benchmark of ``piranha_web.monitor``: probe 1,000 real servers at once.

A server process opens 1,000 loopback listeners: half answer like a web server, half accept and
never answer (so their checks run into the 2 s service timeout).  A fresh probe process parses an
lvs.cf naming all of them (10 virtual servers of 100 real servers, send/expect HTTP) and runs
``probe_config``; it reports wall time and peak memory (``ru_maxrss``).  Target: about one
timeout, under 4 s wall and 150 MB.  Writes BENCHMARKS.md section "## Probe".

Run: .venv/bin/python bench/bench_probe.py
"""

from __future__ import annotations

import asyncio
import json
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import write_section  # noqa: E402

SERVERS = 1000
PER_VIRTUAL = 100
TIMEOUT = 2
RUNS = 3
LOOPBACK = "127.0.0.1"


def raise_fd_limit(wanted: int = 8192) -> int:
    """Raise the soft open-file limit (each check holds a socket; each listener one more)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(4096)
    writer.write(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    writer.close()


async def serve(count: int) -> None:
    """Open ``count`` listeners (even: answering, odd: silent), print their ports, wait for EOF."""
    raise_fd_limit()
    ports: list[int] = []
    keep: list[object] = []
    for index in range(count):
        if index % 2 == 0:
            server = await asyncio.start_server(_answer, LOOPBACK, 0)
            ports.append(server.sockets[0].getsockname()[1])
            keep.append(server)
        else:  # the kernel completes the handshake; nobody ever reads or writes
            sock = socket.create_server((LOOPBACK, 0), backlog=16)
            ports.append(sock.getsockname()[1])
            keep.append(sock)
    print(json.dumps(ports), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def config_text(ports: list[int]) -> str:
    out = ["serial_no = 1"]
    for v in range(0, len(ports), PER_VIRTUAL):
        out += [
            f"virtual vs{v // PER_VIRTUAL} {{",
            "     active = 1",
            f"     address = 127.0.0.1 lo:{v // PER_VIRTUAL}",
            "     port = 80",
            '     send = "GET / HTTP/1.0\\r\\n\\r\\n"',
            '     expect = "HTTP"',
            f"     timeout = {TIMEOUT}",
        ]
        for s, port in enumerate(ports[v : v + PER_VIRTUAL]):
            out += [f"     server rs{s} {{", f"         address = {LOOPBACK}",
                    "         active = 1", f"         port = {port}", "     }"]
        out.append("}")
    return "\n".join(out) + "\n"


def probe(ports_file: str) -> None:
    """In a fresh process: parse the config, probe everything, print the measurements."""
    from piranha_web.lvscf import parse
    from piranha_web.monitor import probe_config

    raise_fd_limit()
    doc = parse(config_text(json.loads(Path(ports_file).read_text())))
    started = time.perf_counter()
    results = probe_config(doc)
    wall = time.perf_counter() - started
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "wall": wall,
        "rss_mb": rss_mb,
        "up": sum(r.nanny.up for r in results),
        "down": sum(not r.nanny.up for r in results),
        "timeouts": sum(r.nanny.reason.startswith("no reply") for r in results),
    }))


def main() -> None:
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(SERVERS)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None and server.stdin is not None
    try:
        ports = json.loads(server.stdout.readline())
        ports_file = ROOT / ".cache" / "bench_probe_ports.json"
        ports_file.parent.mkdir(exist_ok=True)
        ports_file.write_text(json.dumps(ports))
        runs = []
        for _ in range(RUNS):
            done = subprocess.run([sys.executable, __file__, "--probe", str(ports_file)],
                                  capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout))
            print(runs[-1])
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    wall = statistics.median(r["wall"] for r in runs)
    rss = statistics.median(r["rss_mb"] for r in runs)
    last = runs[-1]
    write_section("Probe", f"""
`bench/bench_probe.py`: {SERVERS} real servers on loopback listeners ({PER_VIRTUAL} per virtual
server, send `GET / HTTP/1.0\\r\\n\\r\\n`, expect `HTTP`, `timeout = {TIMEOUT}`); every second
listener accepts and never answers. One fresh process parses the file and runs `probe_config`;
median of {RUNS} runs on this 2-core machine ({time.strftime("%Y-%m-%d")}). Targets: about one
timeout, under 4 s wall, under 150 MB.

| real servers | up | down (timed out) | wall s | peak RSS MB (ru_maxrss) |
|---|---|---|---|---|
| {SERVERS} | {last["up"]} | {last["down"]} ({last["timeouts"]}) | {wall:.2f} | {rss:.0f} |
""")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(serve(int(sys.argv[2])))
    elif sys.argv[1:2] == ["--probe"]:
        probe(sys.argv[2])
    else:
        main()
