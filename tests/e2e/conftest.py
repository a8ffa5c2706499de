"""End-to-end fixtures: `piranha-web serve` as a real process, driven by real headless Chromium.

Chromium is Debian's (`chromium` package) driven through Playwright with ``executable_path``; no
browser download is needed.  Missing Chromium skips these tests on a developer machine but fails
them under CI=true.  Screenshots go to ``test-output/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "e2e-Secret-pw-42"
SCREENSHOTS = ROOT / "test-output" / "screenshots"


def chromium_executable() -> str:
    for candidate in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if Path(candidate).exists():
            return candidate
    message = "Debian's chromium is not installed (scripts/test.sh installs it)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """A running piranha-web process and the files it works on."""

    url: str
    config: Path
    state_dir: Path
    process: subprocess.Popen[str]
    password: str = PASSWORD


def cli(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "piranha_web.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=True,
    )
    return result.stdout


def start_server(
    tmp: Path, config_text: str | None = None, extra_env: dict[str, str] | None = None,
    *, relative: bool = False,
) -> Served:
    """Start `piranha-web serve` on a free port with a known password; wait until it answers.

    ``relative``: run it in ``tmp`` with ``--config lvs.cf --state-dir state`` (relative paths).
    """
    config = tmp / "lvs.cf"
    state = tmp / "state"
    if config_text is not None:
        config.write_text(config_text)
    env = {**os.environ, **(extra_env or {})}
    cli("passwd", "--state-dir", str(state), "--password-stdin", stdin=PASSWORD + "\n", env=env)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "piranha_web.cli",
            "serve",
            "--config",
            "lvs.cf" if relative else str(config),
            "--state-dir",
            "state" if relative else str(state),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=tmp if relative else ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"piranha-web serve exited: {output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        raise RuntimeError("piranha-web serve did not start listening")
    return Served(f"http://127.0.0.1:{port}", config, state, process)


def stop_server(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(10)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()
    if served.process.stdout:
        served.process.stdout.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """piranha-web serving a copy of lvs.cf.example."""
    shutil.copy(ROOT / "lvs.cf.example", tmp_path / "lvs.cf")
    server = start_server(tmp_path)
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = chromium_executable()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def screenshot(page: object, name: str) -> Path:
    """Keep a full-page screenshot of the current panel under test-output/screenshots."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path
