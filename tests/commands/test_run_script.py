"""scripts/run.sh: the README's first command serves the tool, and the password hint it prints
(and USERS shows a logged-in admin, never the login page) works exactly as printed, from any
directory."""

from __future__ import annotations

import html
import http.cookiejar
import os
import re
import shlex
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

HINT = re.compile(r"into: (.+)\)$")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """``scripts/run.sh --port 0`` with its work folder in ``tmp_path``: (URL, its output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIRANHA_")}
    env["PIRANHA_RUN_DIR"] = str(tmp_path / "run")
    process = subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh"), "--port", "0"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        while not any(HINT.search(line) for line in lines) and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
        url = next((m[1] for line in lines if (m := re.search(r"Log in at (\S+)", line))), None)
        assert url, lines
        yield url, lines
    finally:
        process.terminate()
        process.wait(20)
        if process.stdout:
            process.stdout.close()


def _login(url: str, password: str) -> tuple[int, urllib.request.OpenerDirector]:
    """Log in through the login form; the status of the answer (303 on success) and the
    opener holding the session."""
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(f"{url}login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, page
    data = urllib.parse.urlencode({"csrf_token": token[1], "username": "piranha",
                                   "password": password, "action": "LOGIN"}).encode()
    try:
        return int(opener.open(f"{url}login", data, timeout=10).status), opener
    except urllib.error.HTTPError as err:
        return err.code, opener


def _printed_password(lines: list[str]) -> str:
    """The first-start password run.sh printed."""
    (password,) = [m[1] for line in lines if (m := re.search(r"with password (\S+)$", line))]
    return password


def test_the_password_hint_of_run_sh_and_the_login_page_works_as_printed(
    served: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, lines = served
    (command,) = [m[1] for line in lines if (m := HINT.search(line))]
    assert command.startswith(str(ROOT / ".venv" / "bin" / "piranha-web") + " passwd ")
    assert f"--state-dir {tmp_path / 'run' / 'state'} " in command
    page = urllib.request.urlopen(f"{url}login", timeout=10).read().decode()
    assert "passwd-command" not in page and str(tmp_path) not in page  # anonymous: no paths
    status, admin = _login(url, _printed_password(lines))
    assert status == 303
    users = admin.open(f"{url}users/", timeout=10).read().decode()
    shown = re.search(r'<code id="passwd-command">([^<]+)</code>', users)
    assert shown and html.unescape(shown[1]) == command

    elsewhere = tmp_path / "elsewhere"  # an admin's shell is anywhere, with a plain PATH
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(elsewhere)}
    done = subprocess.run(shlex.split(command), input="a new secret\n", cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 0, done.stderr
    assert _login(url, "a new secret")[0] == 303
    assert _login(url, "wrong")[0] == 401
