"""CheckRunner: checks off the request threads, a bounded number at once, time capped."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from piranha_web.errors import ChecksBusyError
from piranha_web.monitor import runner as runner_module
from piranha_web.monitor.runner import CheckRunner
from tests.monitor.conftest import virtual


def test_a_check_is_capped_at_the_interactive_limit_whatever_the_service_timeout(
    scripts: dict[str, Path],
) -> None:
    runner = CheckRunner(max_timeout=1)
    vs = virtual(("127.0.0.1", 8080), timeout=3600, send_program=str(scripts["hang.sh"]),
                 expect="OK")
    started = time.monotonic()
    (result,) = runner.probe_virtual(vs)
    assert time.monotonic() - started < 5
    assert "did not finish within 1 s" in result.strict.reason
    assert any("longest an interactive check may take" in w for w in result.warnings)


def test_a_request_beyond_the_slots_is_refused_at_once_not_queued(
    scripts: dict[str, Path],
) -> None:
    runner = CheckRunner(slots=1, max_timeout=2)
    slow = virtual(("127.0.0.1", 8080), timeout=60, send_program=str(scripts["hang.sh"]),
                   expect="OK")
    first = threading.Thread(target=runner.probe_virtual, args=(slow,))
    first.start()
    time.sleep(0.3)
    started = time.monotonic()
    with pytest.raises(ChecksBusyError):
        runner.probe_virtual(slow)
    assert time.monotonic() - started < 0.5
    first.join()
    (again,) = runner.probe_virtual(virtual(("127.0.0.1", 8080),
                                            send_program=str(scripts["ok.sh"]), expect="OK"))
    assert again.strict.state == "up"  # the slot is free again


def test_a_check_process_that_does_not_finish_is_killed_and_every_check_reported_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Whatever holds the check process (a regex, a program), the request gets verdicts."""
    hanging = [sys.executable, "-c", "import time; time.sleep(60)"]
    monkeypatch.setattr(runner_module, "WORKER", hanging)
    monkeypatch.setattr(runner_module, "GRACE", 0.5)
    vs = virtual(("127.0.0.1", 8080), ("127.0.0.1", 8081), timeout=1, expect="OK")
    started = time.monotonic()
    results = CheckRunner(max_timeout=1).probe_virtual(vs)
    assert time.monotonic() - started < 30
    assert [r.server for r in results] == ["rs1", "rs2"]
    for result in results:
        assert result.nanny.state == result.strict.state == "down"
        assert "did not finish within 1.5 s" in result.nanny.reason


def test_results_come_back_from_the_check_process_intact(scripts: dict[str, Path]) -> None:
    vs = virtual(("127.0.0.1", 8080), send_program=str(scripts["fail.sh"]) + " %h %p",
                 expect="OK")
    (result,) = CheckRunner().probe_virtual(vs)
    assert result.server == "rs1" and result.target == "127.0.0.1:8080"
    assert result.nanny.state == "down" and "FAIL" in result.nanny.reason
    assert result.received == "FAIL\\n"
    assert isinstance(result.warnings, tuple)
