"""Error pages: a broken lvs.cf on disk, missing objects, unreadable files."""

from __future__ import annotations

from pathlib import Path

from tests.web.conftest import BASE, build_web


def test_a_file_pulse_would_reject_is_shown_with_line_and_column_and_not_edited(
    tmp_path: Path,
) -> None:
    broken = BASE.replace("}\nvirtual mail", "virtual mail", 1)
    web = build_web(tmp_path, broken)
    client = web.client()
    for url in ("/virtual/", "/virtual/edit?virtual=web", "/virtual/monitoring/?virtual=web"):
        response = client.get(url)
        assert response.status_code == 500
        page = response.get_data(as_text=True)
        assert "<li>line 6:1: &#39;virtual web {&#39; is never closed" in page
        assert f"piranha-web check {web.config}" in page
    response = client.post("/virtual/edit?virtual=web", data={"action": "ACCEPT", "port": "1"})
    assert response.status_code == 500
    assert web.config.read_text() == broken


def test_an_unreadable_file_is_a_clear_503(tmp_path: Path) -> None:
    web = build_web(tmp_path)
    web.config.unlink()
    response = web.client().get("/virtual/")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Cannot read or write lvs.cf" in page and f"cannot read {web.config}" in page
