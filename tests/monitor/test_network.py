"""TCP and UDP checks against real loopback servers give nanny's verdict and the strict one."""

from __future__ import annotations

from typing import Any

from piranha_web.monitor import probe_virtual
from piranha_web.monitor.probe import ProbeResult
from tests.monitor import loopback
from tests.monitor.conftest import virtual

HOST = loopback.LOOPBACK


def probe_one(rport: int, **kwargs: Any) -> ProbeResult:
    (result,) = probe_virtual(virtual((HOST, rport), **kwargs))
    return result


def test_web_server_passes_the_default_http_check(http_server: loopback.TcpServer) -> None:
    result = probe_one(http_server.port, port=80)
    assert (result.nanny.state, result.strict.state) == ("up", "up")
    assert result.received.startswith("HTTP/1.0 200 OK\\r\\n")
    assert result.target == f"{HOST}:{http_server.port}"


def test_expect_that_is_not_at_the_start_of_the_reply_fails(
    http_server: loopback.TcpServer,
) -> None:
    result = probe_one(http_server.port, send="GET / HTTP/1.0\\r\\n\\r\\n", expect="200 OK")
    assert (result.nanny.state, result.strict.state) == ("down", "down")
    assert result.nanny.reason == 'got "HTTP/1", expected "200 OK"'
    assert any("appears at byte 9" in w for w in result.warnings)


def test_regex_expect_is_searched_in_the_reply(http_server: loopback.TcpServer) -> None:
    result = probe_one(http_server.port, send="GET / HTTP/1.0\\r\\n\\r\\n",
                       expect="HTTP/1\\\\.[01] 200", use_regex=True)
    assert (result.nanny.state, result.strict.state) == ("up", "up")


def test_ftp_banner_is_checked_without_sending_anything(
    banner_server: loopback.TcpServer,
) -> None:
    result = probe_one(banner_server.port, port=21, expect="220")
    assert (result.nanny.state, result.strict.state) == ("up", "up")
    assert result.received.startswith("220 ")


def test_wrong_banner_is_down_with_what_was_received(banner_server: loopback.TcpServer) -> None:
    result = probe_one(banner_server.port, port=21, send="quit\\r\\n", expect="230")
    assert result.nanny.state == "down"
    assert result.nanny.reason == 'got "220", expected "230"'


def test_segmented_reply_is_down_for_nanny_but_up_for_the_strict_check(
    segmented_server: loopback.TcpServer,
) -> None:
    result = probe_one(segmented_server.port, send="GET / HTTP/1.0\\r\\n\\r\\n", expect="HTTP/1.0")
    assert (result.nanny.state, result.strict.state) == ("down", "up")
    assert "returned 2 of 8 bytes" in result.nanny.reason
    assert any("in pieces" in w for w in result.warnings)


def test_silent_server_times_out(silent_server: loopback.TcpServer) -> None:
    result = probe_one(silent_server.port, send="hello", expect="hi")
    assert (result.nanny.state, result.strict.state) == ("down", "down")
    assert result.nanny.reason == "no reply within 1 s"


def test_silent_server_is_up_when_only_connecting(silent_server: loopback.TcpServer) -> None:
    result = probe_one(silent_server.port, port=3306)
    assert result.nanny.state == "up"
    assert "whole check" in result.nanny.reason


def test_closed_port_is_refused(closed_port: int) -> None:
    result = probe_one(closed_port, send="x", expect="y")
    assert (result.nanny.state, result.nanny.reason) == ("down", "connection refused")


def test_udp_echo_answers_the_send_string(udp_echo: loopback.UdpEcho) -> None:
    result = probe_one(udp_echo.port, port=53, protocol="udp", send="ping\\n", expect="ping")
    assert (result.nanny.state, result.strict.state) == ("up", "up")
    assert result.received == "ping\\n"


def test_udp_reply_without_expect_would_crash_nanny(udp_echo: loopback.UdpEcho) -> None:
    result = probe_one(udp_echo.port, port=53, protocol="udp", send="ping")
    assert (result.nanny.state, result.strict.state) == ("down", "up")
    assert "crashes" in result.nanny.reason


def test_closed_udp_port_is_unreachable(closed_udp_port: int) -> None:
    result = probe_one(closed_udp_port, port=53, protocol="udp", send="ping", expect="ping")
    assert result.nanny.state == "down"
    assert "unreachable" in result.nanny.reason


def test_bad_escape_is_reported_without_contacting_the_server(
    banner_server: loopback.TcpServer,
) -> None:
    before = banner_server.accepted
    result = probe_one(banner_server.port, port=21, expect="2\\d\\d")
    assert (result.nanny.state, result.strict.state) == ("down", "down")
    assert "loop forever" in result.nanny.reason
    assert result.check == "not run"
    assert banner_server.accepted == before
