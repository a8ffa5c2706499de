"""Latency of the VIRTUAL SERVERS page and of an ACCEPT, against `piranha-web serve` (waitress).

For configs of 10 and 1,000 virtual servers (32 real servers each) and 1 and 8 concurrent
clients, each logged in with its own session: median and p95 of ``GET /virtual/`` and of the
POST of the VIRTUAL SERVER subsection's ACCEPT (each client edits its own virtual server; with
8 clients some ACCEPTs meet a newer revision and are answered with the conflict page, counted
separately).  Results go to BENCHMARKS.md ("## Web").

Run: .venv/bin/python bench/bench_web.py
"""

from __future__ import annotations

import html.parser
import http.cookiejar
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import write_section  # noqa: E402
from bench.bench_core import generate  # noqa: E402
from piranha_web.commands.serve import THREADS  # noqa: E402
from tests.helpers.served import start_serve  # noqa: E402

PASSWORD = "bench-password-1"
PAGE_REQUESTS = 40
ACCEPTS = 12


class _Form(html.parser.HTMLParser):
    """The values a browser would submit for the first form containing an ACCEPT button."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            elif kind not in ("submit", "button"):
                self.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select, self._first_option = name, None
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
                self.fields.setdefault(self._select, value)
            if "selected" in a:
                self.fields[self._select] = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_fields(page: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(page)
    return parser.fields


class Client:
    """One logged-in browser session."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        page = self.get("/login")
        fields = form_fields(page)
        fields.update(username="piranha", password=PASSWORD, action="LOGIN")
        self.post("/login", fields)

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=60) as response:
            return str(response.read().decode())

    def post(self, path: str, fields: dict[str, str]) -> int:
        data = urllib.parse.urlencode(fields).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                response.read()
                return int(response.status)
        except urllib.error.HTTPError as err:
            err.read()
            return int(err.code)


def serve(tmp: Path, virtuals: int, *, shared_aliases: bool = False
          ) -> tuple[subprocess.Popen[str], str]:
    """``piranha-web serve`` on a generated lvs.cf (``shared_aliases``: issue 24's file with
    900 warnings at 1,000 virtual servers), on a port of its own choosing
    (tests.helpers.served: no race for the port); (process, base URL)."""
    config, state = tmp / "lvs.cf", tmp / "state"
    config.write_text(generate(virtuals, shared_aliases=shared_aliases))
    cli = [sys.executable, "-m", "piranha_web.cli"]
    subprocess.run([*cli, "passwd", "--state-dir", str(state), "--password-stdin"],
                   input=PASSWORD.encode(), check=True, cwd=ROOT, capture_output=True)
    server = start_serve("--config", str(config), "--state-dir", str(state),
                         env={"PYTHONDONTWRITEBYTECODE": "1"})
    return server.process, server.url.rstrip("/")


def run_clients(count: int, work: object) -> list[list[tuple[float, int]]]:
    results: list[list[tuple[float, int]]] = [[] for _ in range(count)]
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        barrier.wait()
        results[index] = work(index)  # type: ignore[operator]

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return statistics.median(ordered), p95


def measure(virtuals: int, clients_count: int) -> dict[str, float | int]:
    with tempfile.TemporaryDirectory() as tmp:
        process, base = serve(Path(tmp), virtuals)
        try:
            clients = [Client(base) for _ in range(clients_count)]
            clients[0].get("/virtual/")  # warm the server's caches once

            def pages(index: int) -> list[tuple[float, int]]:
                out = []
                for _ in range(PAGE_REQUESTS):
                    start = time.perf_counter()
                    clients[index].get("/virtual/")
                    out.append((time.perf_counter() - start, 200))
                return out

            def accepts(index: int) -> list[tuple[float, int]]:
                out = []
                name = f"vs{index}"
                for round_ in range(ACCEPTS):
                    fields = form_fields(clients[index].get(f"/virtual/edit?virtual={name}"))
                    fields.update(timeout=str(6 + round_ % 2 + 1), action="ACCEPT")
                    start = time.perf_counter()
                    status = clients[index].post(f"/virtual/edit?virtual={name}", fields)
                    out.append((time.perf_counter() - start, status))
                return out

            page_samples = [s for r in run_clients(clients_count, pages) for s, _ in r]
            accept_results = [s for r in run_clients(clients_count, accepts) for s in r]
        finally:
            process.terminate()
            process.wait(10)
    saved = [t for t, status in accept_results if status in (200, 303)]
    conflicts = [t for t, status in accept_results if status == 409]
    page_median, page_p95 = percentiles(page_samples)
    accept_median, accept_p95 = percentiles(saved or [float("nan")])
    return {
        "virtuals": virtuals, "clients": clients_count,
        "page_median": page_median, "page_p95": page_p95,
        "accept_median": accept_median, "accept_p95": accept_p95,
        "saved": len(saved), "conflicts": len(conflicts),
        "other": len(accept_results) - len(saved) - len(conflicts),
    }


def main() -> None:
    rows = []
    for virtuals in (10, 1000):
        for clients_count in (1, 8):
            row = measure(virtuals, clients_count)
            print(row, flush=True)
            rows.append(row)
    ms = lambda s: f"{float(s) * 1000:.0f}"  # noqa: E731
    table = [
        "| virtual servers | clients | VIRTUAL SERVERS page median / p95 ms | "
        "ACCEPT median / p95 ms | ACCEPTs saved / conflict / other |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        table.append(
            f"| {r['virtuals']} | {r['clients']} | {ms(r['page_median'])} / {ms(r['page_p95'])} | "
            f"{ms(r['accept_median'])} / {ms(r['accept_p95'])} | "
            f"{r['saved']} / {r['conflicts']} / {r['other']} |"
        )
    missed = [f"page p95 at {r['virtuals']} servers, {r['clients']} clients"
              for r in rows if r["page_p95"] > (0.05 if r["virtuals"] == 10 else 0.5)]
    write_section(
        "Web",
        f"`bench/bench_web.py`: `piranha-web serve` (waitress, {THREADS} threads) as a process "
        "on this "
        f"2-core machine ({time.strftime('%Y-%m-%d')}); each client its own logged-in session; "
        f"{PAGE_REQUESTS} page loads and {ACCEPT_NOTE} per client. Targets: VIRTUAL SERVERS page "
        "p95 < 50 ms at 10 servers and < 500 ms at 1,000.\n\n" + "\n".join(table)
        + "\n\nTargets missed in this run: " + ("; ".join(missed) if missed else "none") + ".\n\n"
        "Since stale forms are rebased (issue 15), 8 clients get every ACCEPT saved (on "
        "2026-11-24, 75 of 96 were refused as stale and cost next to nothing), so the 8-client "
        "rows do about 4.6 times that run's save work on a server that is busy all the time.",
    )
    if missed:
        print("TARGETS MISSED:\n  " + "\n  ".join(missed), file=sys.stderr)


ACCEPT_NOTE = f"{ACCEPTS} ACCEPTs (GET the form, change Service Timeout, POST)"

if __name__ == "__main__":
    main()
