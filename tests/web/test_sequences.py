"""Random sequences of panel actions never leave lvs.cf with a validation error.

A Hypothesis state machine clicks through the VIRTUAL SERVERS panels with valid and invalid
values (ADD, EDIT, DELETE, (DE)ACTIVATE, renames, monitoring strings); after every step the
file on disk must still be free of validation errors and no page may fail with a 5xx.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from piranha_web.lvscf import parse
from tests.web.conftest import build_web, form_of, no_errors

VALUES = st.sampled_from([
    "", "80", "0", "-1", "010", "99999", "abc", "10.0.0.5", "192.0.2.10", "192.0.2.20",
    "eth0:1", "eth0:2", "255.255.255.0", "<b>x</b>", 'a"b', "GET /\\r\\n", "x\\.y", "300",
])
NAMES = st.sampled_from(["web", "mail", "ftp", "rs1", "rs2", "rs9", "a b", "<x>"])
VIRTUAL_FIELDS = ("name", "port", "protocol", "address", "vip_nmask", "sorry_server", "fwmark",
                  "device", "reentry", "timeout", "quiesce_server", "load_monitor",
                  "scheduler", "persistent", "pmask")
SERVER_FIELDS = ("name", "address", "port", "weight")
MONITOR_FIELDS = ("send_program", "send", "expect", "use_regex")
OK = (200, 303, 400, 404, 409)


class PanelSequences(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="piranha-seq-"))
        self.web = build_web(self.tmp)
        self.client = self.web.client()

    def teardown(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def virtuals(self) -> list[str]:
        return parse(self.web.config.read_text()).virtual_names()

    def servers(self, virtual: str) -> list[str]:
        return [rs.name for rs in parse(self.web.config.read_text()).model().virtual(
            virtual).servers]

    def submit(self, url: str, **changes: str) -> None:
        data = {**form_of(self.client, url), **changes}
        status = self.client.post(url, data=data).status_code
        assert status in OK, (url, changes, status)

    @rule(data=st.data(), field=st.sampled_from(VIRTUAL_FIELDS), value=VALUES)
    def edit_virtual(self, data: st.DataObject, field: str, value: str) -> None:
        if names := self.virtuals():
            name = data.draw(st.sampled_from(names))
            self.submit(f"/virtual/edit?virtual={name}", **{field: value, "action": "ACCEPT"})

    @rule(name=NAMES, address=VALUES, device=VALUES, port=VALUES)
    def add_virtual(self, name: str, address: str, device: str, port: str) -> None:
        self.submit("/virtual/new", name=name, address=address, device=device, port=port,
                    action="ACCEPT")

    @rule(data=st.data(), button=st.sampled_from(["(DE)ACTIVATE", "DELETE"]))
    def list_button(self, data: st.DataObject, button: str) -> None:
        if names := self.virtuals():
            name = data.draw(st.sampled_from(names))
            if button == "DELETE":
                self.submit(f"/virtual/delete?virtual={name}", action="DELETE")
            else:
                self.submit("/virtual/", selected=name, action=button)

    @rule(data=st.data(), field=st.sampled_from(SERVER_FIELDS), value=VALUES)
    def edit_server(self, data: st.DataObject, field: str, value: str) -> None:
        if names := self.virtuals():
            virtual = data.draw(st.sampled_from(names))
            if servers := self.servers(virtual):
                server = data.draw(st.sampled_from(servers))
                url = f"/virtual/servers/edit?virtual={virtual}&server={server}"
                self.submit(url, **{field: value, "action": "ACCEPT"})

    @rule(data=st.data(), name=NAMES, address=VALUES, port=VALUES)
    def add_server(self, data: st.DataObject, name: str, address: str, port: str) -> None:
        if names := self.virtuals():
            virtual = data.draw(st.sampled_from(names))
            self.submit(f"/virtual/servers/new?virtual={virtual}", name=name, address=address,
                        port=port, action="ACCEPT")

    @rule(data=st.data(), button=st.sampled_from(["(DE)ACTIVATE", "DELETE"]))
    def server_button(self, data: st.DataObject, button: str) -> None:
        if names := self.virtuals():
            virtual = data.draw(st.sampled_from(names))
            if servers := self.servers(virtual):
                server = data.draw(st.sampled_from(servers))
                if button == "DELETE":
                    url = f"/virtual/servers/delete?virtual={virtual}&server={server}"
                    self.submit(url, action="DELETE")
                else:
                    self.submit(f"/virtual/servers/?virtual={virtual}", selected=server,
                                action=button)

    @rule(data=st.data(), field=st.sampled_from(MONITOR_FIELDS), value=VALUES,
          button=st.sampled_from(["ACCEPT", "BLANK SEND", "BLANK EXPECT", "NO SEND PROGRAM"]))
    def monitoring(self, data: st.DataObject, field: str, value: str, button: str) -> None:
        if names := self.virtuals():
            name = data.draw(st.sampled_from(names))
            self.submit(f"/virtual/monitoring/?virtual={name}", **{field: value,
                                                                   "action": button})

    @invariant()
    def file_has_no_validation_errors(self) -> None:
        assert no_errors(self.web.config.read_text())


PanelSequences.TestCase.settings = settings(max_examples=12, stateful_step_count=10)
test_panel_sequences_keep_the_file_valid = PanelSequences.TestCase
