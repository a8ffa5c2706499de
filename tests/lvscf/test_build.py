"""lvs.cf.example is exactly what the public edit API writes from an empty document.

The example is what ``piranha-web serve`` starts from, so it must be the GUI's canonical layout
(keys at 5 spaces, servers at 5, server keys at 9, no blank lines), produced by
``Document()`` + ``set`` / ``add_virtual`` / ``add_server``, and free of errors and warnings.
"""

from __future__ import annotations

from pathlib import Path

from piranha_web.lvscf import Document, check_text, parse, validate

EXAMPLE = Path(__file__).parents[2] / "lvs.cf.example"

GLOBALS = [
    ("serial_no", "1"),
    ("primary", "192.0.2.1"),
    ("service", "lvs"),
    ("backup_active", "1"),
    ("backup", "192.0.2.2"),
    ("heartbeat", "1"),
    ("heartbeat_port", "539"),
    ("keepalive", "6"),
    ("deadtime", "18"),
    ("network", "direct"),
]
HTTP_CHECK = {"send": "GET / HTTP/1.0\\r\\n\\r\\n", "expect": "HTTP", "use_regex": "0"}
COMMON = {
    "active": "1",
    "vip_nmask": "255.255.255.0",
    "load_monitor": "none",
    "scheduler": "wlc",
    "protocol": "tcp",
    "timeout": "6",
    "reentry": "15",
    "quiesce_server": "0",
}
SHOP = {"address": "198.51.100.20 eth0:2", "fwmark": "80", "persistent": "300"}


def build_example() -> Document:
    """The example, written the way the GUI panels write it: globals, then virtual servers."""
    doc = Document()
    for key, value in GLOBALS:
        doc.set(key, value)
    doc.add_virtual("www", {**COMMON, **HTTP_CHECK, "address": "198.51.100.10 eth0:1",
                            "port": "80"})
    doc.add_virtual("shop-http", {**COMMON, **HTTP_CHECK, **SHOP, "port": "80"})
    doc.add_virtual("shop-https", {**COMMON, **SHOP, "port": "443"})
    servers = {"www": [("www1", "10.0.0.11"), ("www2", "10.0.0.12")],
               "shop-http": [("shop1", "10.0.0.21"), ("shop2", "10.0.0.22")],
               "shop-https": [("shop1", "10.0.0.21"), ("shop2", "10.0.0.22")]}
    for virtual, pairs in servers.items():
        for name, address in pairs:
            doc.add_server(virtual, name, {"address": address, "active": "1", "weight": "1"})
    return doc


def test_example_file_is_exactly_what_the_api_builds_from_an_empty_document() -> None:
    assert build_example().dumps() == EXAMPLE.read_text()


def test_example_uses_the_gui_canonical_layout() -> None:
    lines = EXAMPLE.read_text().splitlines()
    assert "" not in lines, "the GUI layout has no blank lines"
    for line in lines:
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if stripped.startswith(("virtual ", "}")) and indent == 0:
            continue
        assert indent in (0, 5, 9), line
        if stripped.startswith("server "):
            assert indent == 5, line


def test_example_validates_with_no_errors_and_one_warning_its_mark_bundle() -> None:
    """shop-https shares mark 80 with shop-http: lvsd.c's second ipvsadm -A fails and starts
    no nanny for it (its HTTPS traffic, marked 80, goes to shop-http's servers)."""
    for findings in (check_text(EXAMPLE.read_text()), validate(build_example())):
        assert [(f.severity, f.code, f.where) for f in findings] == [
            ("warning", "shared-fwmark", "virtual shop-https")]


def test_example_describes_two_routers_and_a_fwmark_bundle_with_equal_persistence() -> None:
    config = parse(EXAMPLE.read_text()).model()
    assert config.globals.backup_active and config.globals.backup == "192.0.2.2"
    assert config.globals.network == "direct"
    www = config.virtual("www")
    assert www.monitor.send == "GET / HTTP/1.0\\r\\n\\r\\n" and www.monitor.expect == "HTTP"
    assert [rs.name for rs in www.servers] == ["www1", "www2"]
    http, https = config.virtual("shop-http"), config.virtual("shop-https")
    assert (http.fwmark, https.fwmark) == (80, 80)
    assert http.persistent == https.persistent == 300
    assert (http.port, https.port) == (80, 443)
    assert [rs.effective_port for rs in https.servers] == [443, 443]

