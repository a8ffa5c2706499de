"""Benchmark of health checks at scale (issue 21): what 1,000 x 32 real servers cost.

keepalived's export reads the verdicts of one long-running ``piranha-web checker`` (FILE_CHECK
on a track_file, which keepalived watches with inotify: it does nothing per check, only per
change); with ``--misc-check`` it runs one ``piranha-web check-server`` process per real
server every ``timeout`` seconds instead (MISC_CHECK).  lvs.cf's 1,000 virtual servers of 32
real servers at nanny's default ``timeout = 6`` are 5,333 checks a second.  Target: at most a
tenth of one core.

Measured on loopback (a server process answers like a web server; its CPU is not counted),
each with a floor measured in the same run:

* process per check: CPU of ``check-server`` runs (send/expect HTTP), against the floor of
  the cheapest Python process (``python -I -S -c pass``) and of Python with asyncio;
* one long-running process: CPU per check of ``probe_all`` (the nanny-exact engine) and of
  ``piranha-web checker``'s ``run_checker`` over many real servers, against the floor of a
  bare blocking socket exchange in a loop.

CPU is user + system time from ``getrusage`` (children for processes, self for loops).
Writes BENCHMARKS.md section "## Checks at scale".

Run: .venv/bin/python bench/bench_checks.py
"""

from __future__ import annotations

import asyncio
import json
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import write_section  # noqa: E402

LOOPBACK = "127.0.0.1"
LISTENERS = 500
PROCESS_RUNS = 20
LOOP_ROUNDS = 4
TARGET_CHECKS_PER_S = 1000 * 32 / 6
TARGET_CORES = 0.1
SEND = "GET / HTTP/1.0\\r\\n\\r\\n"
REPLY = b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"


def raise_fd_limit(wanted: int = 8192) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read(4096)
    writer.write(REPLY)
    await writer.drain()
    writer.close()


async def serve(count: int) -> None:
    """Open ``count`` answering listeners, print their ports, wait for EOF on stdin."""
    raise_fd_limit()
    servers = [await asyncio.start_server(_answer, LOOPBACK, 0, backlog=512)
               for _ in range(count)]
    print(json.dumps([s.sockets[0].getsockname()[1] for s in servers]), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def per_process(argv: list[str], runs: int) -> float:
    """Mean CPU seconds of one run of ``argv`` (children's rusage)."""
    before = children_cpu()
    for _ in range(runs):
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                       cwd="/")
    return (children_cpu() - before) / runs


def floor_loop(ports: list[int], rounds: int) -> dict[str, float]:
    """In this (fresh) process: a bare connect/send/recv/close per port, CPU per exchange."""
    payload = SEND.replace("\\r\\n", "\r\n").encode()
    before, ok = self_cpu(), 0
    for _ in range(rounds):
        for port in ports:
            with socket.create_connection((LOOPBACK, port), timeout=6) as sock:
                sock.sendall(payload)
                ok += sock.recv(4).startswith(b"HTTP")
    return {"cpu": (self_cpu() - before) / (rounds * len(ports)), "ok": ok}


def selectors_loop(ports: list[int], rounds: int) -> dict[str, float]:
    """In this (fresh) process: every port at once with one ``selectors`` loop (non-blocking
    connect, send, first read, close; no timers, no verdict): what a checker without asyncio
    could at best cost per check."""
    import selectors

    payload = SEND.replace("\\r\\n", "\r\n").encode()
    selector = selectors.DefaultSelector()
    raise_fd_limit()
    before, ok = self_cpu(), 0
    for _ in range(rounds):
        for port in ports:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.connect_ex((LOOPBACK, port))
            selector.register(sock, selectors.EVENT_WRITE, False)
        pending = len(ports)
        while pending:
            for key, _ in selector.select(6):
                sock = key.fileobj  # type: ignore[assignment]
                if not key.data:
                    sock.send(payload)
                    selector.modify(sock, selectors.EVENT_READ, True)
                    continue
                ok += sock.recv(4096).startswith(b"HTTP")
                selector.unregister(sock)
                sock.close()
                pending -= 1
    return {"cpu": (self_cpu() - before) / (rounds * len(ports)), "ok": ok}


def engine_loop(ports: list[int], rounds: int) -> dict[str, float]:
    """In this (fresh) process: probe_all over every port, CPU per check."""
    from piranha_web.lvscf.model import MonitorScript, RealServer, VirtualServer
    from piranha_web.monitor.probe import probe_all

    monitor = MonitorScript(send=SEND, expect="HTTP")
    virtuals = []
    for start in range(0, len(ports), 32):
        servers = tuple(RealServer(name=f"rs{p}", address=LOOPBACK, active=True, port=p,
                                   effective_port=p) for p in ports[start:start + 32])
        virtuals.append(VirtualServer(name=f"vs{start}", active=True, address=LOOPBACK,
                                      port=8080, timeout=6, monitor=monitor, servers=servers))
    raise_fd_limit()
    before, ok = self_cpu(), 0
    for _ in range(rounds):
        results = asyncio.run(probe_all([(vs, None) for vs in virtuals]))
        ok += sum(r.nanny.up for r in results)
    return {"cpu": (self_cpu() - before) / (rounds * len(ports)), "ok": ok}


def checker_loop(ports: list[int], rounds: int) -> dict[str, float]:
    """In this (fresh) process: ``run_checker`` rounds over every port, CPU per check."""
    import tempfile

    from piranha_web.lvscf import parse
    from piranha_web.monitor.checker import run_checker

    lines = ["serial_no = 1"]
    for start in range(0, len(ports), 32):
        lines += [f"virtual vs{start} {{", "     active = 1",
                  f"     address = {LOOPBACK} lo:1", f"     port = {8080 + start}",
                  f'     send = "{SEND}"', '     expect = "HTTP"', "     timeout = 6"]
        for port in ports[start:start + 32]:
            lines += [f"     server rs{port} {{", f"         address = {LOOPBACK}",
                      "         active = 1", f"         port = {port}", "     }"]
        lines.append("}")
    document = parse("\n".join(lines) + "\n")
    raise_fd_limit()
    changes: list[bool] = []

    def cpu_of(count: int) -> float:
        with tempfile.TemporaryDirectory() as directory:
            before = self_cpu()
            asyncio.run(run_checker(lambda: document, lambda: 0, Path(directory),
                                    lambda r: changes.append(r.nanny.up), lambda note: None,
                                    rounds=count))
            return self_cpu() - before

    # both runs write every file twice (down at start, up after the first check) and build
    # every check once: the difference is the steady state, checks whose verdict did not change
    first = cpu_of(1)
    # every listener is a server lvsd monitors (distinct services), each up once per run
    assert len(changes) == len(ports) and all(changes), (len(changes), len(ports))
    steady = (cpu_of(rounds + 1) - first) / (rounds * len(ports))
    return {"cpu": steady, "first_round": first / len(ports), "ok": sum(changes) / 2}


def in_fresh_process(kind: str, ports_file: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, kind, str(ports_file)], check=True,
                          capture_output=True, text=True)
    return dict(json.loads(done.stdout))


def cores(cpu_per_check: float) -> float:
    return cpu_per_check * TARGET_CHECKS_PER_S


def row(name: str, cpu: float, floor_name: str, floor: float) -> str:
    met = "yes" if cores(cpu) <= TARGET_CORES else "no"
    return (f"| {name} | {cpu * 1000:.3f} | {floor_name}: {floor * 1000:.3f} | "
            f"{cores(cpu):.1f} | {cores(floor):.1f} | {met} |")


def main() -> None:
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(LISTENERS)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None and server.stdin is not None
    try:
        ports = json.loads(server.stdout.readline())
        ports_file = ROOT / ".cache" / "bench_checks_ports.json"
        ports_file.parent.mkdir(exist_ok=True)
        ports_file.write_text(json.dumps(ports))
        check = [sys.executable, "-m", "piranha_web.cli", "check-server", "--address", LOOPBACK,
                 "--port", str(ports[0]), "--virtual-port", "8080", "--timeout", "6",
                 "--send-hex", SEND.encode().hex(), "--expect-hex", b"HTTP".hex()]
        assert subprocess.run(check, check=False, cwd="/").returncode == 0
        bare = per_process([sys.executable, "-I", "-S", "-c", "pass"], PROCESS_RUNS)
        with_asyncio = per_process([sys.executable, "-c", "import asyncio"], PROCESS_RUNS)
        check_server = per_process(check, PROCESS_RUNS)
        floor = in_fresh_process("--floor", ports_file)
        lean = in_fresh_process("--selectors", ports_file)
        engine = in_fresh_process("--engine", ports_file)
        checker = in_fresh_process("--checker", ports_file)
        print(json.dumps({"bare": bare, "asyncio": with_asyncio, "check_server": check_server,
                          "floor": floor, "selectors": lean, "engine": engine,
                          "checker": checker}))
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    checks = LOOP_ROUNDS * LISTENERS
    write_section("Checks at scale", f"""
`bench/bench_checks.py` ({time.strftime("%Y-%m-%d")}, this 2-core machine shared with other
work): CPU per health check (user + system), send `GET / HTTP/1.0\\r\\n\\r\\n` / expect `HTTP`
against loopback listeners (their CPU not counted), and what 1,000 virtual servers of 32 real
servers at `timeout = 6` would need ({TARGET_CHECKS_PER_S:,.0f} checks a second). Target: at most
{TARGET_CORES} core. Process per check: mean of {PROCESS_RUNS} runs; one long-running process:
{checks} checks ({LOOP_ROUNDS} rounds over {LISTENERS} listeners), every one up
(engine {engine["ok"]:.0f}, floor {floor["ok"]:.0f}; the checker's {checker["ok"]:.0f} servers
went up in its first round and wrote no file after it). The checker's row is its steady state
(the CPU of {LOOP_ROUNDS + 1} rounds minus that of one; each check's address and strings are
built once, as nanny does); its first round, which writes every verdict file twice (down, then
up; atomic, fsynced), costs {checker["first_round"] * 1000:.2f} ms per real server once.
keepalived's side of the design it exports (FILE_CHECK on the checker's files, inotify) costs
nothing per check, only per change of a verdict (not measured here).

| design | CPU ms per check | floor ms per check | cores at 1,000 x 32 | floor cores | target met |
|---|---|---|---|---|---|
{row("`check-server` process per check (MISC_CHECK, `export --misc-check`)", check_server,
     "`python -I -S -c pass`", bare)}
{row("`check-server` process per check", check_server, "`python -c 'import asyncio'`",
     with_asyncio)}
{row("one process, `probe_all` (asyncio, nanny-exact)", engine["cpu"],
     "bare blocking socket loop", floor["cpu"])}
{row("`piranha-web checker` + FILE_CHECK (what the export uses)", checker["cpu"],
     "bare blocking socket loop", floor["cpu"])}
{row("`piranha-web checker` + FILE_CHECK (what the export uses)", checker["cpu"],
     "one `selectors` loop, every port at once, no verdict", lean["cpu"])}

Not met: no process-per-check design can be (even the bare interpreter's start-up is
{cores(bare):.0f} cores at this rate); the long-running checker cuts the cost
{check_server / checker["cpu"]:.0f}-fold to {cores(checker["cpu"]):.1f} cores,
{checker["cpu"] / floor["cpu"]:.1f}x a bare Python socket loop, which itself needs
{cores(floor["cpu"]):.2f} cores; a checker rewritten on one `selectors` loop (no asyncio tasks)
could at best reach the {cores(lean["cpu"]):.2f} cores of such a loop without timers or
verdicts ({lean["ok"]:.0f} of {checks} exchanges answered): a tenth of a core at this rate is
below what Python can do.
""")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        asyncio.run(serve(int(sys.argv[2])))
    elif sys.argv[1:2] == ["--floor"]:
        print(json.dumps(floor_loop(json.loads(Path(sys.argv[2]).read_text()), LOOP_ROUNDS)))
    elif sys.argv[1:2] == ["--selectors"]:
        print(json.dumps(selectors_loop(json.loads(Path(sys.argv[2]).read_text()), LOOP_ROUNDS)))
    elif sys.argv[1:2] == ["--checker"]:
        print(json.dumps(checker_loop(json.loads(Path(sys.argv[2]).read_text()), LOOP_ROUNDS)))
    elif sys.argv[1:2] == ["--engine"]:
        print(json.dumps(engine_loop(json.loads(Path(sys.argv[2]).read_text()), LOOP_ROUNDS)))
    else:
        main()
