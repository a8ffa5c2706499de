"""CONTROL's RUNNING VS SAVED against a real IPVS kernel under both engines (QEMU VM).

One boot: the table of tests/web/conftest.py's BASE is built by lvsd's commands (``export
lvsd``) and then by keepalived started on our export; each time the page says the running table
is what lvs.cf builds, and after a hand ``ipvsadm -e ... -w 5`` it names that difference with
the command that undoes it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from piranha_web.lvscf import parse
from piranha_web.lvscf.keepalived import export_keepalived
from piranha_web.lvscf.lvsd import lvsd_commands
from tests.conftest import ROOT
from tests.helpers.ipvs_vm import run_job
from tests.web.conftest import BASE

pytestmark = pytest.mark.vm

JOB = f"""\
set -e
busybox --install -s /bin
mount -t tmpfs run /host/run
ip link add eth0 type dummy
ip addr add 192.0.2.1/24 dev eth0
ip link set eth0 multicast on
ip link set eth0 up
chroot /host /bin/sh -c 'cd {ROOT} && PYTHONDONTWRITEBYTECODE=1 \
  exec .venv/bin/python -m tests.web.running_ipvs_guest /tmp/job' &
guest=$!
page() {{  # the guest renders CONTROL now
  touch /job/$1.go
  while [ ! -f /job/$1.done ] && kill -0 $guest 2>/dev/null; do sleep 0.2; done
  [ -f /job/$1.done ]
}}
sh /job/lvsd.sh > /job/lvsd.log 2>&1
page lvsd-same
ipvsadm -e -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 5
page lvsd-hand
ipvsadm -C
chroot /host /usr/sbin/keepalived -n -l -G -D -f /tmp/job/keepalived.conf \\
  >> /job/keepalived.log 2>&1 &
n=0
until [ "$(ipvsadm -Sn | grep -c -- '-r 10.0.0')" = 2 ] || [ $n -ge 100 ]; do
  sleep 0.3; n=$((n + 1))
done
sleep 1
ipvsadm -Sn > /job/keepalived.S
page keepalived-same
ipvsadm -e -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 5
page keepalived-hand
kill -TERM $(cat /host/run/keepalived.pid)
wait $guest
"""
HAND = ["real server 10.0.0.1:80 of service TCP 192.0.2.10:80 (virtual web): weight 5 "
        "running, 1 saved", "ipvsadm -e -t 192.0.2.10:80 -r 10.0.0.1:80 -g -w 1"]


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("running_vm")
    (directory / "phases").write_text("lvsd-same piranha\nlvsd-hand piranha\n"
                                      "keepalived-same keepalived\nkeepalived-hand keepalived\n")
    doc = parse(BASE)
    commands = [c for c in lvsd_commands(doc.model()) if c.fails is None]
    (directory / "lvsd.sh").write_text("".join(f"{c}\n" for c in commands))
    text = export_keepalived(doc, check_command="/usr/bin/piranha-web").text
    (directory / "keepalived.conf").write_text(
        re.sub(r'misc_path "[^"]*"', "misc_path /bin/true", text))
    return run_job(directory, JOB)


def page(vm: Path, name: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((vm / f"{name}.json").read_text())
    return found


@pytest.mark.parametrize("engine", ["lvsd", "keepalived"])
def test_the_running_table_is_what_lvs_cf_builds(vm: Path, engine: str) -> None:
    same = page(vm, f"{engine}-same")
    assert same["rows"] == [], (vm / "keepalived.log").read_text()[-2000:]
    assert same["summary"] == "The running table is what the saved lvs.cf builds."
    assert ("keepalived" if engine == "keepalived" else "lvsd and its nannies") in same["engine"]


@pytest.mark.parametrize("engine", ["lvsd", "keepalived"])
def test_a_hand_ipvsadm_change_shows_up_as_a_difference(vm: Path, engine: str) -> None:
    hand = page(vm, f"{engine}-hand")
    assert hand["rows"] == [HAND]
    assert "1 difference(s)" in hand["summary"]
