"""GET /metrics: a bearer token of any role, Prometheus' text format read back by its own parser.

The numbers against a real IPVS kernel are in tests/web/test_traffic_ipvs.py; here the IPVS
table is a given one (the mapping of lvs.cf names and the format are what is tested).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from piranha_web.accounts import Role
from piranha_web.monitor.verdict import Verdict
from piranha_web.netinfo import IpvsReading, NetInfo
from piranha_web.netinfo.ipvs_model import IpvsDest, IpvsService, IpvsStats, IpvsTable
from piranha_web.sync import SyncService
from piranha_web.tokens import TokenStore
from piranha_web.web.recent_checks import RecentChecks
from tests.web.conftest import Web, build_web, form_of
from tests.web.test_lists import LIVE_BASE

TABLE = IpvsTable.of("netlink", [
    IpvsService("tcp", "192.0.2.10", 80, 0, "wlc", stats=IpvsStats(30, 300, 200, 45000, 900000),
                dests=(
        IpvsDest("198.51.100.11", 80, "Route", 1, 2, 7, IpvsStats(20, 200, 150, 30000, 600000)),
        IpvsDest("198.51.100.12", 80, "Route", 0, 0, 3, IpvsStats(10, 100, 50, 15000, 300000)),
    )),
    IpvsService("udp", "192.0.2.99", 53, 0, "rr", stats=IpvsStats(5, 5, 5, 500, 500), dests=(
        IpvsDest("198.51.100.99", 53, "Masq", 1, 0, 0, IpvsStats(5, 5, 5, 500, 500)),)),
], )
TOTALS = IpvsStats(35, 305, 205, 45500, 900500)


class GivenTable(NetInfo):
    """This router's IPVS table as given (a logic test of the mapping, not of the kernel)."""

    def __init__(self, table: IpvsTable | None) -> None:
        super().__init__()
        self.table = table

    def ipvs(self) -> IpvsReading:
        if self.table is None:
            return IpvsReading(None, "no IPVS")
        return IpvsReading(self.table)


@pytest.fixture
def web(tmp_path: Path) -> Web:
    web = build_web(tmp_path, LIVE_BASE)
    web.services.netinfo = GivenTable(replace(TABLE, totals=TOTALS))
    return web


def token_of(web: Web, user: str = "piranha") -> str:
    return TokenStore(web.state_dir).create(user, "prometheus")[1]


def scrape(web: Web, token: str) -> dict[str, list[Sample]]:
    response = web.app.test_client().get("/metrics",
                                         headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    found: dict[str, list[Sample]] = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            found.setdefault(sample.name, []).append(sample)
    return found


def value(samples: dict[str, list[Sample]], name: str, **labels: str) -> float:
    matching = [s.value for s in samples[name] if all(s.labels.get(k) == v
                                                        for k, v in labels.items())]
    assert len(matching) == 1, (name, labels, samples.get(name))
    return matching[0]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer pwt_nope_nope", "Basic eDp5",
                                    "bearer  ", "Token pwt_x_y"])
def test_without_a_valid_token_it_is_401(web: Web, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = web.app.test_client().get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "piranha_web" not in response.get_data(as_text=True)


def test_a_browser_session_is_not_a_token(web: Web) -> None:
    response = web.client().get("/metrics")
    assert response.status_code == 401


def test_other_methods_need_the_login_like_every_page(web: Web) -> None:
    client = web.app.test_client()
    assert client.post("/metrics", headers={"Authorization": f"Bearer {token_of(web)}"}
                       ).status_code == 401
    assert web.client().post("/metrics").status_code == 405


def test_wrong_tokens_are_throttled(web: Web) -> None:
    client = web.app.test_client()
    statuses = [client.get("/metrics", headers={"Authorization": "Bearer pwt_a_b"}).status_code
                for _ in range(12)]
    assert statuses[0] == 401 and statuses[-1] == 429
    refused = client.get("/metrics", headers={"Authorization": f"Bearer {token_of(web)}"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0


@pytest.mark.parametrize("role", list(Role))
def test_any_role_may_scrape(web: Web, role: Role) -> None:
    web.services.accounts.add("prom", "a-long-password", role)
    assert value(scrape(web, token_of(web, "prom")), "piranha_web_config_serial") == 7


def test_a_revoked_token_or_a_deleted_user_is_refused(web: Web) -> None:
    web.services.accounts.add("prom", "a-long-password", Role.VIEWER)
    store = TokenStore(web.state_dir)
    info, token = store.create("prom", "x")
    client = web.app.test_client()
    assert client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    web.services.accounts.delete("prom")
    assert client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert not store.revoke("prom", info.id)  # deleting the user removed its token already


def test_the_config_serial_and_findings_follow_lvs_cf(web: Web) -> None:
    token = token_of(web)
    first = scrape(web, token)
    assert value(first, "piranha_web_config_serial") == 7
    assert value(first, "piranha_web_config_readable") == 1
    assert value(first, "piranha_web_config_findings", severity="error") == 0
    client = web.client()
    form = form_of(client, "/virtual/servers/edit?virtual=web&server=rs1")
    client.post("/virtual/servers/edit?virtual=web&server=rs1",
                data={**form, "weight": "3", "action": "ACCEPT"})
    web.config.write_text(web.config.read_text().replace("weight = 2", "weight = 2\n bogus = 1"))
    second = scrape(web, token)
    assert value(second, "piranha_web_config_serial") == 8
    assert value(second, "piranha_web_config_findings", severity="error") == 1
    assert value(second, "piranha_web_save_duration_seconds_count", outcome="saved") == 1
    web.config.write_text("virtual {\n")
    broken = scrape(web, token)
    assert value(broken, "piranha_web_config_readable") == 0
    assert "piranha_web_config_serial" not in broken


def test_requests_are_counted_by_method_and_code(web: Web) -> None:
    client = web.client()
    client.get("/virtual/")
    client.get("/virtual/edit?virtual=nope")
    samples = scrape(web, token_of(web))
    assert value(samples, "piranha_web_http_request_duration_seconds_count",
                 method="GET", code="404") == 1
    assert value(samples, "piranha_web_http_request_duration_seconds_count",
                 method="GET", code="200") >= 1
    assert value(samples, "piranha_web_http_request_duration_seconds_count",
                 method="POST", code="303") == 1  # the login
    web.app.test_client().open("/virtual/", method="BREW")
    assert value(scrape(web, token_of(web)), "piranha_web_http_request_duration_seconds_count",
                 method="other", code="401") == 1  # not logged in


def test_ipvs_numbers_are_labelled_with_lvs_cf_names(web: Web) -> None:
    samples = scrape(web, token_of(web))
    rs1 = {"virtual": "web", "server": "rs1", "service": "TCP 192.0.2.10:80",
           "real_server": "198.51.100.11:80"}
    rs2 = {**rs1, "server": "rs2", "real_server": "198.51.100.12:80"}
    assert value(samples, "piranha_web_ipvs_real_server_connections_total", **rs1) == 20
    assert value(samples, "piranha_web_ipvs_real_server_in_bytes_total", **rs1) == 30000
    assert value(samples, "piranha_web_ipvs_real_server_out_bytes_total", **rs2) == 300000
    assert value(samples, "piranha_web_ipvs_real_server_in_packets_total", **rs2) == 100
    assert value(samples, "piranha_web_ipvs_real_server_out_packets_total", **rs1) == 150
    assert value(samples, "piranha_web_ipvs_real_server_weight", **rs2) == 0
    assert value(samples, "piranha_web_ipvs_real_server_active_connections", **rs1) == 2
    assert value(samples, "piranha_web_ipvs_real_server_inactive_connections", **rs1) == 7
    assert value(samples, "piranha_web_ipvs_virtual_connections_total", virtual="web") == 30
    # a service lvs.cf does not have: the kernel's identity, no name
    assert value(samples, "piranha_web_ipvs_virtual_in_bytes_total",
                 service="UDP 192.0.2.99:53") == 500
    assert value(samples, "piranha_web_ipvs_real_server_connections_total",
                 real_server="198.51.100.99:53") == 5
    assert value(samples, "piranha_web_ipvs_real_server_connections_total",
                 real_server="198.51.100.99:53", virtual="", server="") == 5
    assert value(samples, "piranha_web_ipvs_connections_total") == 35
    assert value(samples, "piranha_web_ipvs_out_bytes_total") == 900500
    assert value(samples, "piranha_web_ipvs_readable") == 1


def test_without_ipvs_only_that_is_said(web: Web) -> None:
    web.services.netinfo = GivenTable(None)
    samples = scrape(web, token_of(web))
    assert value(samples, "piranha_web_ipvs_readable") == 0
    assert not [name for name in samples if name.startswith("piranha_web_ipvs_real")]


def test_the_last_check_verdict_of_each_real_server(web: Web) -> None:
    recent = RecentChecks()
    web.services.recent_checks = recent
    config = web.services.store.load().document.model()
    vs = config.virtual("web")

    class Result:
        def __init__(self, server: str, state: str) -> None:
            self.server, self.nanny = server, Verdict(state, "checked")

    recent.record(vs, [Result("rs1", "up"), Result("rs2", "down")])  # type: ignore[list-item]
    samples = scrape(web, token_of(web))
    assert value(samples, "piranha_web_real_server_check_up", virtual="web", server="rs1") == 1
    assert value(samples, "piranha_web_real_server_check_up", virtual="web", server="rs2") == 0


def test_sync_state_and_backup_readiness_from_the_last_attempt(web: Web) -> None:
    assert "piranha_web_sync_attempted" not in scrape(web, token_of(web))  # no sync here
    web.services.syncer = SyncService(web.config, web.state_dir, store=web.services.store)
    assert value(scrape(web, token_of(web)), "piranha_web_sync_attempted") == 0
    outcome = web.services.syncer.sync_now()  # lvs.cf names no backup router: skipped
    samples = scrape(web, token_of(web))
    assert value(samples, "piranha_web_sync_attempted") == 1
    assert value(samples, "piranha_web_sync_last_success") == (1 if outcome.ok else 0)
    assert value(samples, "piranha_web_sync_last_timestamp_seconds") == pytest.approx(
        outcome.time)
    assert value(samples, "piranha_web_backup_ready") == 0  # nothing was copied
