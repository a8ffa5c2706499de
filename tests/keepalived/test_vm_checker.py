"""In a real IPVS kernel (the QEMU VM): ``piranha-web checker`` checks real backends and
keepalived 2.2.7, started on our export, follows its verdicts through ``track_file`` and
``FILE_CHECK`` (issue 21: one checker process instead of a check-server process per server).

keepalived's man page says a ``track_file`` with ``weight 0`` on a real server is "not fully
implemented yet"; this proves what the export relies on, in one VM boot:

1. the checker's verdicts drive the table: a server whose check passes enters it, one whose
   check fails stays out, as with nanny;
2. a server that goes down leaves the table (or, with ``quiesce_server = 1``, stays at weight 0,
   nanny's quiesce) and a server that comes up enters it; then both come back;
3. lvs.cf is saved with a server removed and one added while the checker runs: it loads the
   new file by itself (no restart), deletes the removed server's verdict file and checks the
   new one, and keepalived (SIGHUP on the new export) follows.

The backends are one Python process in the VM answering ``HTTP/1.0 200 OK`` on each address
while ``up.ADDRESS`` exists in the job directory, and ``NOPE`` otherwise (nanny's expect fails).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from piranha_web.lvscf import parse
from piranha_web.lvscf.check_files import check_file_name
from piranha_web.lvscf.keepalived import export_keepalived
from tests.conftest import ROOT
from tests.helpers.ipvs_vm import run_job

pytestmark = pytest.mark.vm

CHECK_DIR = "/run/checks"  # a tmpfs in the VM (keepalived watches it with inotify)


def lvs_cf(edited: bool) -> str:
    """Two virtual servers: web (a, b; d instead of b when ``edited``) and quiet (c,
    quiesce_server = 1)."""
    servers = ["a 10.0.3.1", "d 10.0.3.4" if edited else "b 10.0.3.2"]
    web = "".join(f"    server {name} {{\n        address = {address}\n        active = 1\n"
                  "    }\n" for name, address in (s.split() for s in servers))
    return f"""serial_no = {2 if edited else 1}
primary = 192.0.2.1
network = nat
virtual web {{
    active = 1
    address = 198.51.100.10 eth0:1
    vip_nmask = 255.255.255.0
    port = 80
    send = "GET / HTTP/1.0\\r\\n\\r\\n"
    expect = "HTTP"
    timeout = 3
{web}}}
virtual quiet {{
    active = 1
    address = 198.51.100.10 eth0:1
    vip_nmask = 255.255.255.0
    port = 81
    expect = "HTTP"
    timeout = 3
    quiesce_server = 1
    server c {{
        address = 10.0.3.3
        port = 80
        active = 1
    }}
}}
"""


BACKEND = """\
import os, socket, sys, threading
job = sys.argv[1]

def answer(conn, host):  # the reply at once (quiet's check sends nothing), then the request
    up = os.path.exists(os.path.join(job, "up." + host))
    conn.settimeout(5)
    try:
        conn.sendall(b"HTTP/1.0 200 OK\\r\\n\\r\\n" if up else b"NOPE\\r\\n")
        conn.recv(4096)
    except OSError:
        pass
    conn.close()

def serve(host):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, 80))
    s.listen(16)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=answer, args=(conn, host), daemon=True).start()

for host in ("10.0.3.1", "10.0.3.2", "10.0.3.3", "10.0.3.4"):
    threading.Thread(target=serve, args=(host,), daemon=True).start()
print("listening", flush=True)
threading.Event().wait()
"""

JOB = """\
busybox --install -s /bin
mount -t tmpfs run /host/run
ip link set lo up
ip link add eth0 type dummy
ip addr add 192.0.2.1/24 dev eth0
ip link set eth0 multicast on
ip link set eth0 up
for a in 1 2 3 4; do ip addr add 10.0.3.$a/32 dev lo; done
touch /job/up.10.0.3.1 /job/up.10.0.3.3 /job/up.10.0.3.4
cp /job/lvs1.cf /job/lvs.cf
cp /job/r1.conf /job/keepalived.conf
run() {  # $1: log name, then the command, in the host's root with this checkout as cwd
  log=$1; shift
  chroot /host /bin/sh -c "cd @ROOT@ && PYTHONDONTWRITEBYTECODE=1 exec $*" > /job/$log 2>&1 &
}
run backend.log @PY@ /tmp/job/backend.py /tmp/job
run checker.log @PY@ -m piranha_web.cli checker --config /tmp/job/lvs.cf --dir @CHECKS@
wait_for() {  # until the shell condition $1 holds, at most ~90 s
  n=0
  until eval "$1" || [ $n -ge 300 ]; do sleep 0.3; n=$((n + 1)); done
}
snapshot() {
  ipvsadm -Sn | sort > /job/$1.S
  for f in /host/run/checks/*; do echo "$(basename $f) $(cat $f)"; done > /job/$1.files
}
has() { ipvsadm -Sn | grep -q -- "$1"; }
logged() { grep -q "$1" /job/checker.log; }
wait_for "logged 'a 10.0.3.1:80 up' && logged 'b 10.0.3.2:80 down' && logged 'c 10.0.3.3:80 up'"
chroot /host /usr/sbin/keepalived -n -l -G -D -f /tmp/job/keepalived.conf \\
  >> /job/keepalived.log 2>&1 &
wait_for "[ -s /host/run/keepalived.pid ]"
pid=$(cat /host/run/keepalived.pid)
wait_for "has '-r 10.0.3.1:80 -m -w 1' && has '-r 10.0.3.3:80 -m -w 1'"
sleep 3
snapshot s1
rm /job/up.10.0.3.1 /job/up.10.0.3.3
touch /job/up.10.0.3.2
wait_for "! has '10.0.3.1:80' && has '-r 10.0.3.2:80 -m -w 1' && has '-r 10.0.3.3:80 -m -w 0'"
snapshot s2
touch /job/up.10.0.3.1 /job/up.10.0.3.3
wait_for "has '-r 10.0.3.1:80 -m -w 1' && has '-r 10.0.3.3:80 -m -w 1'"
snapshot s3
cp /job/lvs2.cf /job/lvs.new && mv /job/lvs.new /job/lvs.cf
wait_for "grep -q 'd 10.0.3.4:80 up' /job/checker.log"
cp /job/r2.conf /job/keepalived.conf
kill -HUP $pid
wait_for "has '-r 10.0.3.4:80 -m -w 1' && ! has '10.0.3.2:80'"
snapshot s4
kill -TERM $pid
sleep 2
"""


def export(edited: bool) -> str:
    return export_keepalived(parse(lvs_cf(edited)), check_dir=CHECK_DIR).text


@pytest.fixture(scope="module")
def vm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("keepalived_checker_vm")
    for number, edited in ((1, False), (2, True)):
        (directory / f"lvs{number}.cf").write_text(lvs_cf(edited))
        (directory / f"r{number}.conf").write_text(export(edited))
    (directory / "backend.py").write_text(BACKEND)
    job = (JOB.replace("@ROOT@", str(ROOT)).replace("@PY@", sys.executable)
           .replace("@CHECKS@", CHECK_DIR))
    return run_job(directory, job)


def table(vm: Path, name: str) -> str:
    return (vm / f"{name}.S").read_text()


def files(vm: Path, name: str) -> dict[str, str]:
    return dict(line.split() for line in (vm / f"{name}.files").read_text().splitlines())


def logs(vm: Path) -> str:
    return "\n".join(f"--- {name}\n{(vm / name).read_text()[-2500:]}"
                     for name in ("checker.log", "keepalived.log", "backend.log")
                     if (vm / name).exists())


def verdict(virtual: str, server: str) -> str:
    return check_file_name(virtual, server)


def test_the_export_reads_the_checkers_verdict_files() -> None:
    text = export(False)
    assert "MISC_CHECK" not in text.replace('misc_path "/bin/false"', "")
    for virtual, server in (("web", "a"), ("web", "b"), ("quiet", "c")):
        assert f'file "{CHECK_DIR}/{verdict(virtual, server)}"' in text
    assert text.count("FILE_CHECK") == 3 and text.count("track_file pw_") == 6  # defined, then used


def test_verdicts_bring_servers_in_and_keep_failing_ones_out(vm: Path) -> None:
    s1 = table(vm, "s1")
    assert "-r 10.0.3.1:80 -m -w 1" in s1, logs(vm)
    assert "10.0.3.2" not in s1, logs(vm)  # its check fails: never added
    assert "-a -t 198.51.100.10:81 -r 10.0.3.3:80 -m -w 1" in s1, logs(vm)
    assert files(vm, "s1") == {verdict("web", "a"): "0", verdict("web", "b"): "1",
                               verdict("quiet", "c"): "0"}


def test_a_server_going_down_leaves_and_a_quiesced_one_gets_weight_0(vm: Path) -> None:
    s2 = table(vm, "s2")
    assert "10.0.3.1" not in s2, logs(vm)
    assert "-a -t 198.51.100.10:80 -r 10.0.3.2:80 -m -w 1" in s2, logs(vm)
    assert "-a -t 198.51.100.10:81 -r 10.0.3.3:80 -m -w 0" in s2, logs(vm)
    assert files(vm, "s2") == {verdict("web", "a"): "1", verdict("web", "b"): "0",
                               verdict("quiet", "c"): "1"}


def test_servers_coming_back_reenter(vm: Path) -> None:
    s3 = table(vm, "s3")
    assert "-r 10.0.3.1:80 -m -w 1" in s3 and "-r 10.0.3.3:80 -m -w 1" in s3, logs(vm)


def test_the_checker_follows_a_saved_lvs_cf_without_a_restart(vm: Path) -> None:
    s4 = table(vm, "s4")
    assert "-r 10.0.3.4:80 -m -w 1" in s4 and "10.0.3.2" not in s4, logs(vm)
    assert files(vm, "s4") == {verdict("web", "a"): "0", verdict("web", "d"): "0",
                               verdict("quiet", "c"): "0"}
    assert "lvs.cf changed: 3 real servers checked" in (vm / "checker.log").read_text()
