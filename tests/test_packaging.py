"""The installed wheel carries what `piranha-web serve` needs besides the code."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_carries_templates_static_files_and_the_example_config(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    (wheel,) = tmp_path.glob("piranha_web-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.relative_to(ROOT).as_posix() for p in (ROOT / "templates").rglob("*.html")}
    static = {p.relative_to(ROOT).as_posix() for p in (ROOT / "static").rglob("*") if p.is_file()}
    assert {f"piranha_web/{t}" for t in templates | static} <= names
    assert "piranha_web/lvs.cf.example" in names
    assert "piranha_web/piranha-web.service" in names  # `piranha-web systemd-unit` prints it
    assert any(n.endswith("entry_points.txt") for n in names)
