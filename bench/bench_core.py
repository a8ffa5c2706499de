"""Benchmark of the lvs.cf engine: parse, dumps, validate, one-field edit + save.

Generates lvs.cf files with 10, 100 and 1,000 virtual servers of 32 real servers each (the largest
is about 200k lines), measures each step (median of several runs) and peak memory of a fresh
process per size, and writes the table to BENCHMARKS.md (section "## Core engine").

Run: .venv/bin/python bench/bench_core.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import write_section  # noqa: E402


def generate(virtuals: int, servers: int = 32, *, shared_aliases: bool = False) -> str:
    """A GUI-layout lvs.cf with ``virtuals`` virtual servers of ``servers`` real servers each.

    ``shared_aliases``: each alias device eth0:0 .. eth0:99 is shared by ten virtual servers
    (issue 24's file with findings: 900 warnings at 1,000 virtual servers).
    """
    out = [
        "serial_no = 1",
        "primary = 192.0.2.1",
        "service = lvs",
        "backup_active = 1",
        "backup = 192.0.2.2",
        "heartbeat = 1",
        "heartbeat_port = 539",
        "keepalive = 6",
        "deadtime = 18",
        "network = direct",
    ]
    for v in range(virtuals):
        a, b = divmod(v, 250)
        out += [
            f"virtual vs{v} {{",
            "     active = 1",
            f"     address = 10.{100 + a}.{b}.1 eth0:{v % 100}" if shared_aliases
            else f"     address = 198.51.{100 + a}.{b + 1} eth0:{v + 1}",
            "     vip_nmask = 255.255.255.0",
            "     port = 80",
            '     send = "GET / HTTP/1.0\\r\\n\\r\\n"',
            '     expect = "HTTP"',
            "     use_regex = 0",
            "     load_monitor = none",
            "     scheduler = wlc",
            "     protocol = tcp",
            "     timeout = 6",
            "     reentry = 15",
            "     quiesce_server = 0",
        ]
        for s in range(servers):
            out += [
                f"     server rs{s} {{",
                f"         address = 10.{v // 250}.{v % 250}.{s + 1}",
                "         active = 1",
                "         weight = 1",
                "     }",
            ]
        out.append("}")
    return "\n".join(out) + "\n"


MEASURE = r"""
import json, resource, statistics, sys, time
from pathlib import Path
from piranha_web.lvscf import parse
from piranha_web.lvscf.validate import validate
from piranha_web.store import ConfigStore

path = Path(sys.argv[1]); runs = int(sys.argv[2])
text = path.read_text()
def timed(fn):
    samples = []
    for _ in range(runs):
        t = time.perf_counter(); result = fn(); samples.append(time.perf_counter() - t)
    return statistics.median(samples), result
parse_s, doc = timed(lambda: parse(text))
dumps_s, _ = timed(doc.dumps)
validate_samples = []
for _ in range(runs):
    fresh = parse(text)  # a new document: nothing derived from it yet
    t = time.perf_counter(); findings = validate(fresh)
    validate_samples.append(time.perf_counter() - t)
validate_cold, validate_s = validate_samples[0], statistics.median(validate_samples[1:])
errors = [f for f in findings if f.is_error]
assert not errors, errors[:3]
store = ConfigStore(path)
edits = []
for i in range(runs):
    t = time.perf_counter()
    loaded = store.load()
    t_loaded = time.perf_counter()
    loaded.document.set("weight", str(2 + i), virtual="vs0", server="rs0")
    store.save(loaded.document, loaded.revision)
    edits.append((time.perf_counter() - t, time.perf_counter() - t_loaded))
print(json.dumps({
    "lines": text.count("\n"), "bytes": len(text),
    "parse": parse_s, "dumps": dumps_s, "validate": validate_s, "validate_cold": validate_cold,
    "load_edit_save": statistics.median(e[0] for e in edits),
    "edit_save": statistics.median(e[1] for e in edits),
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for virtuals in (10, 100, 1000):
            path = Path(tmp) / f"lvs{virtuals}.cf"
            path.write_text(generate(virtuals))
            runs = 5 if virtuals < 1000 else 3
            out = subprocess.run(
                [sys.executable, "-c", MEASURE, str(path), str(runs)],
                check=True, capture_output=True, text=True, cwd=ROOT,
            )
            result = json.loads(out.stdout)
            result["virtuals"] = virtuals
            rows.append(result)
            print(result, flush=True)
    ms = lambda s: f"{s * 1000:.1f}"  # noqa: E731
    table = [
        "| virtual servers (×32 real) | lines | parse ms | dumps ms | validate ms (first / "
        "later documents) | parse+validate ms (first) | edit+save ms (incl. fsync, re-parse, "
        "re-validate) | load+edit+save ms | peak RSS MB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        table.append(
            f"| {r['virtuals']} | {r['lines']} | {ms(r['parse'])} | {ms(r['dumps'])} | "
            f"{ms(r['validate_cold'])} / {ms(r['validate'])} | "
            f"{ms(r['parse'] + r['validate_cold'])} | {ms(r['edit_save'])} | "
            f"{ms(r['load_edit_save'])} | {r['maxrss_mb']:.0f} |"
        )
    write_section(
        "Core engine",
        "`bench/bench_core.py`: median of 3-5 runs, one fresh process per size, on this 2-core "
        f"machine ({time.strftime('%Y-%m-%d')}). Targets for the 1,000-server file: parse + "
        "validate < 1 s, one-field edit + save < 100 ms plus fsync, memory < 300 MB.\n\n"
        + "\n".join(table),
    )


if __name__ == "__main__":
    main()
