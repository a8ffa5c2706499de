"""A client generated from the published OpenAPI document (openapi-python-client, generated
into tmp) performs the whole desired-state flow against a served process: a dry run first,
then one batch, then reads and a merge patch, with no hand-written HTTP."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.api.test_served import served

GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def api_server(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    yield from served(tmp_path)


def _generate(url: str, token: str, where: Path) -> Any:
    """The client package generated from the served document, imported."""
    request = urllib.request.Request(f"{url}/openapi.json",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        spec = json.load(response)
    (where / "openapi.json").write_text(json.dumps(spec))
    run = subprocess.run([str(GENERATOR), "generate", "--path", str(where / "openapi.json"),
                          "--output-path", str(where / "pwclient"), "--meta", "none"],
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module("pwclient")
    finally:
        sys.path.remove(str(where))


def test_a_generated_client_runs_the_desired_state_flow(
        api_server: tuple[str, str, Path], tmp_path: Path) -> None:
    url, token, config = api_server
    generated = _generate(url, token, tmp_path)
    models = importlib.import_module("pwclient.models")
    with generated.AuthenticatedClient(base_url=url.removesuffix("/api/v1"),
                                       token=token) as client:
        _desired_state_flow(models, client, config)


def _desired_state_flow(models: Any, client: Any, config: Path) -> None:
    """The flow of the issue through the generated modules only."""
    batch = importlib.import_module("pwclient.api.config.batch")
    get_config = importlib.import_module("pwclient.api.config.get_config")
    vs_api = "pwclient.api.virtual_servers."
    get_vs = importlib.import_module(vs_api + "get_virtual_server")
    list_rs = importlib.import_module(vs_api + "list_real_servers")
    update_rs = importlib.import_module(vs_api + "update_real_server")

    def op(method: str, path: str, body: Any = None) -> Any:
        found = models.BatchOperation(method=models.BatchOperationMethod(method), path=path)
        if body is not None:
            found.body = models.BatchOperationBodyType0.from_dict(body.to_dict())
        return found

    operations = [
        op("POST", "/virtual-servers", models.VirtualServerCreate(
            name="ftp", address="192.0.2.30 eth0:3", port=21,
            scheduler=models.VirtualServerCreateScheduler("wrr"))),
        *(op("POST", "/virtual-servers/ftp/real-servers", models.RealServerCreate(
            name=f"ftp{n}", address=f"10.0.0.3{n}", weight=n)) for n in (1, 2, 3)),
        op("PATCH", "/virtual-servers/ftp/monitoring",
           models.MonitoringPatch(send=None, expect="220")),
        *(op("POST", f"/virtual-servers/ftp/real-servers/ftp{n}/activate") for n in (1, 2, 3)),
        op("POST", "/virtual-servers/ftp/activate"),
    ]
    before = config.read_bytes()
    revision = get_config.sync(client=client).revision
    dry = batch.sync(client=client, body=models.BatchBody(operations=operations),
                     dry_run=True, if_match=f'"{revision}"')
    assert isinstance(dry, models.BatchResult), dry
    assert dry.dry_run is True and config.read_bytes() == before
    done = batch.sync(client=client, body=models.BatchBody(operations=operations),
                      if_match=f'"{revision}"')
    assert isinstance(done, models.BatchResult), done
    assert done.status == models.BatchResultStatus.SAVED and done.revision == dry.revision
    ftp = get_vs.sync("ftp", client=client)
    assert ftp.active is True and ftp.port == 21 and ftp.scheduler == "wrr"
    servers = list_rs.sync("ftp", client=client)
    assert [(s.name, s.weight, s.active) for s in servers.real_servers] == [
        ("ftp1", 1, True), ("ftp2", 2, True), ("ftp3", 3, True)]
    # a merge patch by the generated model: only the field set is sent
    changed = update_rs.sync("ftp", "ftp2", client=client, body=models.RealServerPatch(weight=7),
                             if_match=f'"{done.revision}"')
    assert isinstance(changed, models.WriteResult), changed
    assert [s.weight for s in list_rs.sync("ftp", client=client).real_servers] == [1, 7, 3]
    stale = update_rs.sync("ftp", "ftp2", client=client, body=models.RealServerPatch(weight=8),
                           if_match=f'"{done.revision}"')
    assert isinstance(stale, models.Problem) and stale.status == 412
