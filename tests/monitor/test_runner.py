"""CheckRunner: checks off the request threads, a bounded number at once, time capped."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from piranha_web.errors import ChecksBusyError
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
