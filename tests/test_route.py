"""How requests reach the target, as the environment says: a merchant behind a TLS-inspecting proxy adds its
CA the way requests and curl read it, a proxy in the way is named when no answer comes, and a SOCKS proxy
without PySocks is a one-line error before anything is sent. The emulator, on loopback, never goes through
a proxy."""

from __future__ import annotations

import importlib.util
import socketserver
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
from canary import Canary
from certificates import self_signed

from catalog_facts import CATALOG
from p2p_conformance.emulator import running_emulator
from p2p_conformance.engine.chat_socket import open_socket
from p2p_conformance.engine.transport import Route, SendGate, environment_route, failure_name, failure_words
from p2p_conformance.model import Answer, LiveResult

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY = Canary("CanaryKeyR0ute" + "r" * 50, "CanarySecretR0ute" + "s" * 47)
ONE = ("-k", "test_live and ads/getAds")
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


@pytest.fixture
def no_proxy_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever the machine running the tests has set, these tests set their own."""
    for name in (*PROXY_VARIABLES, "NO_PROXY", "no_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"])
def test_the_ca_bundle_the_environment_names_verifies_the_target(
    endpoint_suite: EndpointSuite,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    no_proxy_set: None,
    variable: str,
) -> None:
    tls = self_signed(tmp_path)
    CANARY.in_environment(monkeypatch)
    with running_emulator(CANARY.emulator(), tls=tls) as url:
        assert url.startswith("https://127.0.0.1:")
        unverified = endpoint_suite.run("-m", "live", "--binance-url", url, *ONE)
        unverified.stdout.fnmatch_lines(["*cannot read the server time at https://127.0.0.1:*: SSLError*"])
        monkeypatch.setenv(variable, str(tls[0]))
        endpoint_suite.run("-m", "live", "--binance-url", url, *ONE).assert_outcomes(passed=1)


def test_a_ca_bundle_that_is_not_there_is_one_line(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_proxy_set: None
) -> None:
    CANARY.in_environment(monkeypatch)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    result = endpoint_suite.run("-m", "live", "--binance-url", "https://127.0.0.1:9", *ONE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.stderr.lines if line.strip()]
    assert lines == [
        f"ERROR: REQUESTS_CA_BUNDLE {tmp_path / 'missing.pem'}: no such file or folder; give the CA "
        "bundle's path, or unset it"
    ]


def test_an_offline_run_does_not_read_the_route(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_proxy_set: None
) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    assert endpoint_suite.run("-k", "test_request_shape and ads/getAds").ret == pytest.ExitCode.OK


def test_a_proxy_in_the_way_is_named_when_no_answer_comes(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, no_proxy_set: None
) -> None:
    """The target is a name that never resolves (``.invalid``); the proxy is a closed loopback port: nothing
    leaves this machine, and the one line says which proxy refused."""
    CANARY.in_environment(monkeypatch)
    monkeypatch.setenv("HTTPS_PROXY", "http://user:hunter2@127.0.0.1:9")
    result = endpoint_suite.run("-m", "live", "--binance-url", "https://c2c.invalid", *ONE)
    result.stdout.fnmatch_lines(
        [
            "*cannot read the server time at https://c2c.invalid/api/v3/time: ProxyError*, through the proxy "
            "http://127.0.0.1:9; check --binance-url and the network*"
        ]
    )
    assert "hunter2" not in result.stdout.str() + result.stderr.str()


def test_a_socks_proxy_without_pysocks_is_one_line_before_anything_is_sent(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, no_proxy_set: None
) -> None:
    if importlib.util.find_spec("socks") is not None:
        pytest.skip("PySocks is installed here: requests uses the SOCKS proxy")
    CANARY.in_environment(monkeypatch)
    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:9")
    result = endpoint_suite.run("-m", "live", "--binance-url", "https://c2c.invalid", *ONE)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["ERROR: the proxy socks5://127.0.0.1:9 (from the environment) is a SOCKS proxy: install PySocks*"]
    )


def test_loopback_never_goes_through_a_proxy_and_others_do(monkeypatch: pytest.MonkeyPatch, no_proxy_set: None) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    assert environment_route("http://127.0.0.1:8080").proxies == {} == environment_route("http://localhost:1").proxies
    assert environment_route("http://127.0.0.2:8080").proxies == {} == environment_route("http://[::1]:1").proxies
    assert environment_route("https://c2c.invalid").proxies["https"] == "http://proxy.invalid:3128"
    assert environment_route("https://c2c.invalid").proxy == "http://proxy.invalid:3128"
    monkeypatch.setenv("NO_PROXY", "other.invalid")  # requests then gives NO_PROXY's value as a "no" proxy
    assert environment_route("https://c2c.invalid").proxies == {"https": "http://proxy.invalid:3128"} | {
        "http": "http://proxy.invalid:3128"
    }
    monkeypatch.setenv("NO_PROXY", "c2c.invalid")
    assert environment_route("https://c2c.invalid").proxy is None


def test_the_chat_socket_is_verified_with_the_same_ca_bundle(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_proxy_set: None
) -> None:
    """The emulator over HTTPS answers a wss:// chat address; with its CA named as for the REST calls, the
    socket's TLS is verified with it and the socket opens (without it, nothing of the run gets past TLS)."""
    tls = self_signed(tmp_path)
    CANARY.in_environment(monkeypatch)
    selection = ("--socket", "-k", "retrieveChatCredential or websocket")
    with running_emulator(CANARY.emulator(), tls=tls) as url:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls[0]))
        result = endpoint_suite.run("-m", "live", "--binance-url", url, *selection)
        result.assert_outcomes(passed=2, deselected=result.parseoutcomes()["deselected"])
        (opened,) = [r for r in endpoint_suite.summary()["results"] if r["id"] == "chat/websocket"]
        assert opened["socket"]["url"].startswith("wss://127.0.0.1:") and opened["socket"]["state"] == "open"


def test_a_chat_socket_whose_certificate_is_not_trusted_is_not_opened(tmp_path: Path) -> None:
    """The same credential and socket, once with certifi's bundle (the self-signed CA unknown to it), once with
    the CA named: TLS is verified, and only the second handshake happens."""
    tls = self_signed(tmp_path)
    emulator = CANARY.emulator()
    socket = CATALOG.sockets[0]
    with running_emulator(emulator, tls=tls):
        assert emulator.chat_socket_url is not None and emulator.chat_socket_url.startswith("wss://")
        key = next(iter(emulator.scenario.keys.values()))
        credential = {
            "chatWssUrl": emulator.chat_socket_url,
            "listenKey": key.listen_key,
            "listenToken": key.listen_token,
        }
        answered = LiveResult(
            contract=CATALOG[socket.from_endpoint],
            answer=Answer(sent=True, http_status=200, code="000000", at="2026-12-05T12:00:00.000Z"),
            problem=None,
            credential=credential,
        )
        untrusted = open_socket(socket, answered, gate=SendGate(), route=Route(), target_on_loopback=True)
        trusted = open_socket(
            socket, answered, gate=SendGate(), route=Route(verify=str(tls[0])), target_on_loopback=True
        )
    assert untrusted.answer.socket is not None and untrusted.answer.socket.state == "no-answer"
    assert "SSLCertVerificationError" in str(untrusted.problem)
    assert trusted.passed, trusted.problem  # (a rare CI failure here: its problem is what to read first)
    assert [c.http_status for c in emulator.journal if c.endpoint_id == socket.id] == [101]


class CredentialsWanted(socketserver.StreamRequestHandler):
    """A proxy that answers every CONNECT with 407, as one that wants credentials does."""

    def handle(self) -> None:
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.wfile.write(
            b'HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n'
            b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )


def test_a_proxy_that_asks_for_credentials_is_named_as_such(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, no_proxy_set: None
) -> None:
    """The target never resolves (``.invalid``): the proxy on loopback is all the run reaches."""
    CANARY.in_environment(monkeypatch)
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), CredentialsWanted) as proxy:
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        port = proxy.server_address[1]
        monkeypatch.setenv("HTTPS_PROXY", f"http://wrong-user:hunter2@127.0.0.1:{port}")
        result = endpoint_suite.run("-m", "live", "--binance-url", "https://c2c.invalid", *ONE)
        proxy.shutdown()
    result.stdout.fnmatch_lines(
        [
            f"*cannot read the server time at https://c2c.invalid/api/v3/time: ProxyError*, through the proxy "
            f"http://127.0.0.1:{port}, the proxy asks for credentials (HTTP 407): give them in the proxy's URL, "
            "http://USER:PASSWORD@HOST:PORT (never shown by the suite)*"
        ]
    )
    assert "hunter2" not in result.stdout.str() + result.stderr.str() and "wrong-user" not in result.stdout.str()


def test_a_tls_failure_is_said_for_what_it_was_an_untrusted_certificate_or_a_connection_that_failed(
    tmp_path: Path, no_proxy_set: None
) -> None:
    """A certificate no CA bundle trusts is said so; a TLS connection that failed for another reason (here a server
    that answers the TLS greeting in plain HTTP, as a misrouted port or a broken middlebox does) is not blamed on a
    certificate, whose trust was never judged."""
    tls = self_signed(tmp_path)
    said = {}
    for name, served in (("untrusted", tls), ("plain", None)):
        with running_emulator(CANARY.emulator(), tls=served) as url:
            https = url.replace("http://", "https://")
            with pytest.raises(requests.exceptions.SSLError) as failed:
                requests.get(f"{https}/api/v3/time", timeout=30)
        said[name] = failure_words(failure_name(failed.value))
    assert said == {
        "untrusted": "the target's TLS certificate was not trusted",
        "plain": "the TLS connection failed (cut short, or a protocol refused), not for an untrusted certificate",
    }
