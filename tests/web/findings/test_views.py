"""FINDINGS and the findings line: the corpus file pulse refuses, listed and linked to fields."""

from __future__ import annotations

import html
from pathlib import Path

from tests.conftest import ROOT
from tests.web.conftest import build_web

NEGATIVE = (ROOT / "tests" / "data" / "corpus" /
            "NEGATIVE__blog-portal-dr-inline-comments-cn__fsid70284062048.cf").read_text()


def test_every_finding_is_listed_like_check_and_linked_to_its_field(tmp_path: Path) -> None:
    web = build_web(tmp_path, NEGATIVE)
    page = html.unescape(web.client().get("/findings/").get_data(as_text=True))
    assert "lvs.cf:25: error: virtual portal1v1: scheduler: '#' after a value" in page
    assert 'href="/virtual/edit?virtual=portal1v1#scheduler"' in page
    assert 'href="/virtual/monitoring/?virtual=portal1v1#send"' in page
    assert 'href="/global/#network"' in page and 'href="/redundancy/#backup_private"' in page
    assert page.index("<h2>global</h2>") < page.index("<h2>virtual portal1v1</h2>")


def test_every_page_counts_the_findings_of_the_file_on_disk(tmp_path: Path) -> None:
    web = build_web(tmp_path, NEGATIVE)
    client = web.client()
    for url in ("/virtual/", "/global/", "/redundancy/"):
        page = client.get(url).get_data(as_text=True)
        assert 'id="findings-link">lvs.cf: 7 errors, 1 warning</a>' in page, url
    web.config.write_text((ROOT / "lvs.cf.example").read_text())  # fixed by hand meanwhile
    page = client.get("/virtual/").get_data(as_text=True)
    # the example's one warning: shop-https shares firewall mark 80 with shop-http
    assert 'id="findings-link">lvs.cf: 0 errors, 1 warning</a>' in page


def test_viewing_a_broken_file_never_writes_it(tmp_path: Path) -> None:
    web = build_web(tmp_path, NEGATIVE)
    client = web.client()
    for url in ("/findings/", "/virtual/edit?virtual=portal1v1", "/global/",
                "/virtual/monitoring/?virtual=portal1v1"):
        assert client.get(url).status_code == 200, url
    assert web.config.read_text() == NEGATIVE
