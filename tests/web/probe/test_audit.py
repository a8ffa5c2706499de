"""Every TEST and CHECK NOW is in the audit trail: who, what was sent or run, the verdicts."""

from __future__ import annotations

from pathlib import Path

from tests.monitor import loopback
from tests.web.conftest import build_web, form_of
from tests.web.probe.test_views import CHECK, MONITORING, SERVERS, TEST, config


def test_test_and_check_now_record_who_what_and_the_verdicts(
    tmp_path: Path, http_server: loopback.TcpServer, banner_server: loopback.TcpServer,
) -> None:
    web = build_web(tmp_path, config(http_server.port, banner_server.port))
    client = web.client()
    script = tmp_path / "check.sh"
    script.write_text('#!/bin/sh\necho "$1"\n')
    script.chmod(0o755)
    data = {**form_of(client, MONITORING), "send_program": f"{script} %p",
            "expect": str(http_server.port), "action": "TEST"}
    assert client.post(TEST, data=data).status_code == 200
    assert client.post(CHECK, data=form_of(client, SERVERS)).status_code == 200
    check, test = web.services.audit.entries()[:2]
    assert (test.kind, test.user, test.details["send_program"]) == (
        "test", "piranha", f"{script} %p")
    assert test.details["verdicts"]["www"].startswith("up")
    assert test.details["verdicts"]["ftp"].startswith("down")
    assert (check.kind, check.user, check.details["send"]) == (
        "check", "piranha", "GET / HTTP/1.0\\r\\n\\r\\n")
    assert check.details["verdicts"]["www"].startswith("up")


def test_test_is_recorded_before_the_program_runs_and_refused_unrecorded(
    tmp_path: Path, http_server: loopback.TcpServer, banner_server: loopback.TcpServer,
) -> None:
    """Issue 20 #10: TEST was recorded only after the program ran, and ran when the audit
    trail could not be written."""
    web = build_web(tmp_path, config(http_server.port, banner_server.port))
    client = web.client()
    trail = web.services.audit.path
    ran = tmp_path / "ran"
    script = tmp_path / "check.sh"
    script.write_text(f'#!/bin/sh\ngrep -c \'"kind": "test"\' {trail} >> {ran}\necho "$1"\n')
    script.chmod(0o755)
    data = {**form_of(client, MONITORING), "send_program": f"{script} %p",
            "expect": str(http_server.port), "action": "TEST"}
    assert client.post(TEST, data=data).status_code == 200
    assert set(ran.read_text().split()) == {"1"}  # the record was there while it ran
    entry = web.services.audit.entries(kind="test")[0]
    assert entry.details["commit"] == "done" and "www" in entry.details["verdicts"]
    ran.unlink()
    trail.unlink()
    trail.mkdir()  # appending now fails
    refused = client.post(TEST, data=data)
    assert refused.status_code == 503
    assert "audit trail" in refused.get_data(as_text=True)
    assert not ran.exists()
    assert client.post(CHECK, data=form_of(client, SERVERS)).status_code == 503
