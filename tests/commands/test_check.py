"""`piranha-web check`: compiler-style findings and exit codes 0/1/2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT

CLEAN = """primary = 192.0.2.1
virtual web {
     active = 1
     address = 192.0.2.10 eth0:1
     port = 80
     send = "GET / HTTP/1.0\\r\\n\\r\\n"
     expect = "HTTP"
     scheduler = wlc
     protocol = tcp
     timeout = 6
     reentry = 15
     server rs1 {
         address = 10.0.0.1
         active = 1
         weight = 1
     }
}
"""


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "piranha_web.cli", "check", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_clean_file_exits_zero_and_prints_nothing(tmp_path: Path) -> None:
    result = run_check(str(write(tmp_path, "lvs.cf", CLEAN)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_errors_are_printed_with_file_and_line_and_exit_one(tmp_path: Path) -> None:
    path = write(tmp_path, "lvs.cf", CLEAN.replace("timeout = 6", "timeout = 0"))
    result = run_check(str(path))
    assert result.returncode == 1
    line = result.stdout.splitlines()[0]
    assert line.startswith(f"{path}:10: error: ")
    assert "timeout" in line


def test_inline_comment_in_the_negative_corpus_file_is_an_error_at_line_3() -> None:
    """The same line pulse reports: an inline '#' is not a comment for Piranha."""
    negative = next(CORPUS.glob("NEGATIVE__*.cf"))
    result = run_check(str(negative))
    assert result.returncode == 1
    assert f"{negative}:3: error: " in result.stdout


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    path = write(tmp_path, "lvs.cf", CLEAN.replace("weight = 1", "weight = 010"))
    relaxed = run_check(str(path))
    assert relaxed.returncode == 0
    assert f"{path}:15: warning: " in relaxed.stdout
    assert run_check("--strict", str(path)).returncode == 1


def test_crlf_file_is_reported_not_silently_truncated(tmp_path: Path) -> None:
    path = tmp_path / "dos.cf"
    path.write_bytes(CLEAN.replace("\n", "\r\n").encode())
    result = run_check(str(path))
    assert result.returncode == 1
    assert f"{path}:1: error:" in result.stdout
    assert "CRLF" in result.stdout


def test_unreadable_file_exits_two(tmp_path: Path) -> None:
    result = run_check(str(tmp_path / "missing.cf"), str(write(tmp_path, "ok.cf", CLEAN)))
    assert result.returncode == 2
    assert "missing.cf" in result.stderr


def test_no_file_argument_is_a_usage_error() -> None:
    assert run_check().returncode == 2


@pytest.mark.parametrize("path", sorted(p for p in CORPUS.glob("*.cf") if "NEGATIVE" not in p.name))
def test_every_positive_corpus_file_has_no_errors(path: Path) -> None:
    """Files the real C parser accepts produce no error-level findings."""
    result = run_check(str(path))
    assert result.returncode == 0, result.stdout


def test_check_imports_neither_the_web_layer_nor_flask_wtforms_or_pyroute2(tmp_path: Path) -> None:
    path = tmp_path / "lvs.cf"
    path.write_text(CLEAN)
    probe = (
        "import sys\n"
        "from piranha_web.cli import main\n"
        f"code = main(['check', {str(path)!r}])\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'wtforms', 'flask_wtf', 'pyroute2', 'werkzeug', 'jinja2', 'waitress') "
        "or m.startswith('piranha_web.web'))\n"
        "print(code, heavy)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "0 []"


def test_a_5000_digit_serial_number_is_a_finding_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "lvs.cf"
    path.write_text("serial_no = " + "5" * 5000 + "\n" + CLEAN)
    result = run_check(str(path))
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert "does not fit in the 32 bits" in result.stdout


def test_every_finding_reaches_a_pipe_although_the_process_ends_at_once(tmp_path: Path) -> None:
    """The command ends the process without tearing down what it parsed: its output (more
    than a pipe holds) is flushed first."""
    body = "".join(f"     x_unknown_{n} = 1\n" for n in range(3000))
    path = write(tmp_path, "lvs.cf", CLEAN.replace("     port = 80\n", "     port = 80\n" + body))
    result = run_check(str(path))
    assert result.returncode == 1
    unknown = [line for line in result.stdout.splitlines() if "x_unknown_" in line]
    assert len(unknown) == 3000 and unknown[-1].startswith(f"{path}:3005: error: ")
    assert len(result.stdout) > 65536
