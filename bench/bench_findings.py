"""Benchmark of issue 24: every page and call on a file with findings costs what it shows.

One run serves a 1,000 x 32 lvs.cf where each alias device is shared by ten virtual servers
(900 warnings) and its 10 x 32 twin, and measures side by side (median of a few warm calls):
the KEEPALIVED tab (time and size), an API one-field PATCH (time and answer size), a web
ACCEPT (POST only), GET /api/v1/findings, GET /api/v1/keepalived as text/plain, the whole
``piranha-web check`` process beside the floor (``python -c pass``), and the server's peak
memory (VmHWM) after them.  Missed targets are printed and marked in BENCHMARKS.md (section
"## Files with findings").

Run: .venv/bin/python bench/bench_findings.py
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import write_section  # noqa: E402
from bench.bench_core import generate  # noqa: E402
from bench.bench_web import Client, form_fields, serve  # noqa: E402

RUNS = 5
SIZES = (10, 1000)


def timed(call: Callable[[], int], runs: int = RUNS) -> tuple[float, int]:
    """Median seconds of ``runs`` warm calls (one unmeasured first) and the last size."""
    size = call()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        size = call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), size


class Api:
    """Bearer-token calls to /api/v1 of one served process."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base + "/api/v1", token

    def call(self, method: str, path: str, body: object = None,
             headers: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
            **(headers or {})})
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.read(), {k.lower(): v for k, v in response.headers.items()}


def token(state: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "piranha_web.cli", "token", "create",
                           "--user", "piranha", "--state-dir", str(state)],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def post_without_redirect(web: Client) -> Callable[[str, dict[str, str]], int]:
    """A POST in ``web``'s session that does not follow ACCEPT's 303 (the POST alone)."""
    cookies = next(h for h in getattr(web.opener, "handlers", ())
                   if isinstance(h, urllib.request.HTTPCookieProcessor))
    opener = urllib.request.build_opener(cookies, _NoRedirect())

    def post(url: str, fields: dict[str, str]) -> int:
        try:
            with opener.open(url, urllib.parse.urlencode(fields).encode(), timeout=60) as answer:
                answer.read()
                return int(answer.status)
        except urllib.error.HTTPError as err:
            err.read()
            return int(err.code)

    return post


def peak_memory(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def measure_served(virtuals: int) -> dict[str, float]:
    """The served rows on one size of issue 24's file."""
    with tempfile.TemporaryDirectory() as tmp:
        process, base = serve(Path(tmp), virtuals, shared_aliases=True)
        try:
            api = Api(base, token(Path(tmp) / "state"))
            web = Client(base)
            out: dict[str, float] = {}
            out["keepalived_s"], out["keepalived_bytes"] = timed(
                lambda: len(web.get("/keepalived/").encode()))
            rounds = iter(range(10**6))

            etag = [api.call("GET", "/virtual-servers/vs5")[1]["etag"]]

            def patch() -> int:  # the PATCH alone: the ETag is the previous answer's
                body, headers = api.call("PATCH", "/virtual-servers/vs5",
                                         {"timeout": str(6 + next(rounds) % 3)},
                                         {"If-Match": etag[0]})
                etag[0] = headers["etag"]
                return len(body)

            out["patch_s"], out["patch_bytes"] = timed(patch)

            post_only = post_without_redirect(web)

            def accept() -> int:
                fields = form_fields(web.get("/virtual/edit?virtual=vs7"))
                fields.update(timeout=str(6 + next(rounds) % 3), action="ACCEPT")
                start = time.perf_counter()
                status = post_only(base + "/virtual/edit?virtual=vs7", fields)
                assert status == 303, status  # saved, answered with the redirect
                return int((time.perf_counter() - start) * 1e6)

            accept()
            out["accept_s"] = statistics.median(accept() / 1e6 for _ in range(RUNS))
            out["findings_s"], _ = timed(lambda: len(api.call("GET", "/findings")[0]))
            out["api_keepalived_s"], out["api_keepalived_bytes"] = timed(lambda: len(api.call(
                "GET", "/keepalived", headers={"Accept": "text/plain"})[0]))
            out["serve_peak_bytes"] = peak_memory(process.pid)
        finally:
            process.terminate()
            process.wait(10)
    return out


def measure_check(virtuals: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lvs.cf"
        path.write_text(generate(virtuals, shared_aliases=True))
        return timed(lambda: subprocess.run(
            [sys.executable, "-m", "piranha_web.cli", "check", str(path)], cwd=ROOT,
            capture_output=True, check=False).returncode)[0]


def main() -> None:
    floor = timed(lambda: subprocess.run([sys.executable, "-c", "pass"], check=True).returncode)[0]
    rows = {n: {**measure_served(n), "check_s": measure_check(n)} for n in SIZES}
    small, big = rows[10], rows[1000]
    targets = [
        ("KEEPALIVED tab", "keepalived_s", big["keepalived_s"] <= 6 * small["keepalived_s"]
         and big["keepalived_bytes"] <= 2 << 20, "<= 6x the 10 x 32 page and <= 2 MB"),
        ("API one-field PATCH", "patch_s", big["patch_s"] <= 0.1
         and big["patch_bytes"] <= 64 << 10, "<= 100 ms and <= 64 KB"),
        ("web ACCEPT, POST only", "accept_s", big["accept_s"] <= 0.1
         and big["accept_s"] <= 6 * small["accept_s"], "<= 100 ms, <= 6x"),
        ("GET /api/v1/findings", "findings_s", big["findings_s"] <= 0.2, "<= 200 ms"),
        ("GET /api/v1/keepalived (text/plain)", "api_keepalived_s",
         big["api_keepalived_s"] <= 0.5, "<= 500 ms"),
        ("`piranha-web check` (process)", "check_s", big["check_s"] <= 0.5
         and small["check_s"] <= 3 * floor,
         f"<= 0.5 s; 10 x 32 <= 3x the floor ({floor * 1e3:.0f} ms)"),
        ("serve peak memory (VmHWM)", "serve_peak_bytes",
         big["serve_peak_bytes"] <= 250 << 20, "<= 250 MB"),
    ]
    sizes = {"keepalived_s": "keepalived_bytes", "patch_s": "patch_bytes",
             "api_keepalived_s": "api_keepalived_bytes"}
    lines = ["| call | 1,000 x 32 (900 warnings) | 10 x 32 | target | met |",
             "|---|---|---|---|---|"]
    missed = []
    for name, key, met, target in targets:
        def cell(row: dict[str, float], key: str = key) -> str:
            if key.endswith("_bytes"):
                return f"{row[key] / 2**20:.0f} MB"
            text = f"{row[key] * 1e3:.0f} ms"
            if key in sizes:
                text += f", {row[sizes[key]] / 1024:.0f} KB"
            return text
        lines.append(f"| {name} | {cell(big)} | {cell(small)} | {target} | "
                     f"{'yes' if met else '**no**'} |")
        if not met:
            missed.append(name)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    lines.append(f"\nFloor `python -c pass`: {floor * 1e3:.0f} ms. Median of {RUNS} warm calls "
                 "in one run, beside the same call on the 10 x 32 twin; load average at the "
                 f"end: {load} (2 cores shared).")
    if missed:
        lines.append("\nMissed: " + ", ".join(missed) + ".")
    write_section("Files with findings", "Generated by `bench/bench_findings.py` (issue 24): "
                  "lvs.cf of 1,000 x 32 where each alias device is shared by ten virtual "
                  "servers (900 warnings).\n\n" + "\n".join(lines))
    print("\n".join(lines))
    for name in missed:
        print(f"MISSED: {name}")


if __name__ == "__main__":
    main()
