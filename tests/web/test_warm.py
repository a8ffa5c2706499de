"""``serve`` reads lvs.cf while it starts, before the first page needs it."""

from __future__ import annotations

from pathlib import Path

import pytest

import piranha_web.store
from piranha_web.web.warm import warm_up
from tests.web.conftest import build_web


def test_warm_up_keeps_lvs_cf_parsed_for_the_first_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = build_web(tmp_path)
    warm_up(web.app)

    def no_parse(text: str) -> None:
        raise AssertionError("lvs.cf was parsed again")

    monkeypatch.setattr(piranha_web.store, "parse", no_parse)
    client = web.client()
    assert client.get("/virtual/").status_code == 200


def test_warm_up_leaves_a_file_that_does_not_parse_to_the_pages(tmp_path: Path) -> None:
    web = build_web(tmp_path, "serial_no = 1\nvirtual web {\n")
    warm_up(web.app)
    page = web.client().get("/virtual/")
    assert b"is never closed" in page.data
