"""GET /findings: kept per revision, never stale, conditional on its ETag (issue 24)."""

from __future__ import annotations

from tests.web.api.conftest import Api
from tests.web.conftest import BASE


def test_the_answer_follows_a_file_changed_behind_the_tools_back(api: Api) -> None:
    first = api.get("/findings")
    assert first.status_code == 200 and first.json is not None
    assert first.json["warnings"] == 0 and first.json["revision"] == api.revision()
    api.web.config.write_text(BASE.replace("     port  =  25", "     port  =  25\n"
                                           "     pmask = 255.255.255.0"))
    second = api.get("/findings")
    assert second.json is not None and second.json["warnings"] == 1
    assert second.json["revision"] == api.revision() != first.json["revision"]
    assert second.headers["ETag"] == f'"{second.json["revision"]}"'
    assert second.json["findings"][0]["key"] == "pmask"
    lines = api.web.config.read_text().splitlines()
    assert lines[second.json["findings"][0]["line"] - 1].strip() == "pmask = 255.255.255.0"
    api.web.config.write_text(BASE)
    assert api.get("/findings").json == first.json  # the earlier revision, validated again


def test_if_none_match_of_the_current_revision_is_304(api: Api) -> None:
    etag = api.get("/findings").headers["ETag"]
    headers = {**api.headers(), "If-None-Match": etag}
    unchanged = api.client.get("/api/v1/findings", headers=headers)
    assert unchanged.status_code == 304 and unchanged.data == b""
    api.web.config.write_text(BASE.replace("port  =  25", "port = 26"))
    changed = api.client.get("/api/v1/findings", headers=headers)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_file_that_does_not_parse_gives_its_syntax_errors(api: Api) -> None:
    api.web.config.write_text(BASE + "virtual broken {\n")
    answer = api.get("/findings").json
    assert answer is not None and answer["errors"] >= 1
    assert any(f["code"] == "syntax" for f in answer["findings"])
