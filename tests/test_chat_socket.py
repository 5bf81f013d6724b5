"""The chat socket (``chat/websocket``): opened with the credential ``chat/retrieveChatCredential`` answered in
the same round for the same key, over loopback to the emulator's socket, as the scenario plays it. Each way it
can end gives its result and side; a canary listen token and a chat message's text appear in no output."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket as socket_module
import threading
import zipfile
from typing import TYPE_CHECKING, Any

import pytest
from canary import Canary
from websockets.datastructures import Headers
from websockets.http11 import Response
from websockets.sync.server import serve

from catalog_facts import CATALOG
from p2p_conformance.emulator import Emulator, parse_scenario, running_emulator
from p2p_conformance.engine import chat_socket
from p2p_conformance.engine.chat_socket import MAX_FRAMES, UnusableCredential, open_socket, shown_url, socket_url
from p2p_conformance.engine.records import RecordContext, endpoint_record
from p2p_conformance.engine.transport import Route, SendGate, on_loopback
from p2p_conformance.model import Answer, LiveResult, Outcome, SocketAnswer, SocketState
from p2p_conformance.safety import RunSecrets
from p2p_conformance.safety.redaction import redact_text

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY_KEY = "CanaryKeyS0cket" + "s" * 49
CANARY_SECRET = "CanarySecretS0cket" + "t" * 46
CANARY = Canary(CANARY_KEY, CANARY_SECRET)
LISTEN_CREDENTIAL = {"listenKey": "listen-key-0001", "listenToken": "listen-token-0001"}  # a listenKey and token
LISTEN_TOKEN = "CanaryListenToken" + "l" * 30  # what Binance answers as listenToken: a secret of the account
SOCKET = CATALOG.sockets[0]
CREDENTIAL = SOCKET.from_endpoint
CHAT_TEXT = "meet me at the bank at five"  # a buyer's message: personal data, never kept
SELECTION = ("--socket", "-k", "retrieveChatCredential or websocket")


def story(socket: Any = None, credential: Any = None) -> Emulator:
    """The canary key, whose credential carries :data:`LISTEN_TOKEN`; the socket and the credential call
    answering as given (by default: accepted, quiet; the documented credential)."""
    endpoints = {name: spec for name, spec in ((SOCKET.id, socket), (CREDENTIAL, credential)) if spec is not None}
    document = CANARY.scenario(endpoints)
    document["keys"]["canary"]["listen_token"] = LISTEN_TOKEN
    return Emulator(parse_scenario(document, CATALOG), CATALOG)


def handshakes(emulator: Emulator) -> list[int]:
    """The HTTP status of each handshake the emulator's socket answered."""
    return [call.http_status for call in emulator.journal if call.endpoint_id == SOCKET.id]


def socket_result(suite: EndpointSuite) -> dict[str, Any]:
    (found,) = [r for r in suite.summary()["results"] if r["id"] == SOCKET.id]
    return dict(found)


def played(
    suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, emulator: Emulator, *options: str
) -> tuple[pytest.RunResult, dict[str, Any]]:
    CANARY.in_environment(monkeypatch)
    with running_emulator(emulator) as url:
        result = suite.run("-m", "live", "--binance-url", url, *SELECTION, *options)
    return result, socket_result(suite)


def outputs(suite: EndpointSuite, result: pytest.RunResult) -> list[str]:
    """Everything the run printed or wrote (bundles' members and the history's bytes included)."""
    texts = [result.stdout.str(), result.stderr.str()]
    for path in suite.reports.rglob("*"):
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as bundle:
                texts += [bundle.read(name).decode("utf-8", "replace") for name in bundle.namelist()]
        elif path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return texts


def test_an_accepted_socket_works_and_its_credential_appears_nowhere(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = story()
    result, found = played(endpoint_suite, monkeypatch, emulator, "--bundle")
    result.assert_outcomes(passed=2, deselected=result.parseoutcomes()["deselected"])
    assert (found["outcome"], found["side"], found["http_status"]) == ("pass", "none", 101)
    assert found["socket"]["state"] == "open" and found["socket"]["credential_at"]
    assert found["socket"]["url"].endswith("/chat/REDACTED?token=REDACTED&clientType=web")
    assert handshakes(emulator) == [101]
    collection = json.loads((endpoint_suite.reports / "live-postman.json").read_text())
    described = collection["info"]["description"]
    assert f"{SOCKET.id} is a WebSocket" in described and SOCKET.url in described and described.endswith(": works.")
    leaked = [text for text in outputs(endpoint_suite, result) if LISTEN_TOKEN in text]
    assert not leaked and not [text for text in outputs(endpoint_suite, result) if CANARY_SECRET in text]


@pytest.mark.parametrize(
    ("socket", "answer", "said"),
    [
        ({"refuse": 403}, "HTTP 403", "Binance refused the chat socket with HTTP 403 to the handshake"),
        (
            {"close": 4001, "reason": f"token {LISTEN_TOKEN} expired"},
            "close 4001",
            "Binance refused the chat socket with a close with code 4001 (token REDACTED expired)",
        ),
    ],
    ids=["refused-at-handshake", "closed-with-a-code"],
)
def test_a_refused_socket_is_binance_side_for_the_credential_binance_gave(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, socket: Any, answer: str, said: str
) -> None:
    """Listening ends at the server's close (30 s is a backstop far above any machine's load, never waited)."""
    result, found = played(endpoint_suite, monkeypatch, story(socket), "--socket-listen", "30")
    assert (found["outcome"], found["side"]) == ("fail", "binance")
    assert (found["code"] or f"HTTP {found['http_status']}") == answer
    assert found["diagnosis"].startswith(said)
    assert f"for the credential Binance answered this key at {found['socket']['credential_at']}" in found["diagnosis"]
    assert not [text for text in outputs(endpoint_suite, result) if LISTEN_TOKEN in text]


def test_a_close_saying_bye_is_another_connection_taking_over_not_a_refusal(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Binance keeps one chat connection per account and ends the one another replaced with "Bye": the handshake
    accepted the credential, so neither the credential nor Binance's service is blamed."""
    _, found = played(endpoint_suite, monkeypatch, story({"close": 1000, "reason": "Bye"}), "--socket-listen", "30")
    assert (found["outcome"], found["side"], found["code"]) == ("fail", "undetermined", "close 1000")
    assert "another connection of this account took it over" in found["diagnosis"]
    assert "Binance refused" not in found["diagnosis"] and "against the credential" in found["reasoning"]


def test_a_frame_of_the_wrong_shape_is_the_contract_side_and_its_content_is_not_kept(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listening ends at the frame that breaks the contract, however long --socket-listen allows."""
    frame = {"type": 7, "content": CHAT_TEXT, "orderNo": "20219644646554779648"}
    result, found = played(endpoint_suite, monkeypatch, story({"frames": [frame]}), "--socket-listen", "30")
    assert (found["outcome"], found["side"]) == ("fail", "contract")
    assert "breaks the socket's frame contract at type (type)" in found["diagnosis"]
    assert (found["socket"]["frames"], found["socket"]["frame_fields"]) == (1, ["content", "orderNo", "type"])
    assert found["socket"]["frame_types"] == ["other"]
    assert not [text for text in outputs(endpoint_suite, result) if CHAT_TEXT in text]


def test_frames_of_the_contract_are_counted_by_type_and_field_never_by_content(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stand-in sends more frames than the check reads: listening ends at the check's bound."""
    frame = {"type": "text", "uuid": "u-1", "orderNo": "1", "content": CHAT_TEXT, "self": False, "createTime": 1}
    emulator = story({"frames": [frame] * (MAX_FRAMES + 5)})
    result, found = played(endpoint_suite, monkeypatch, emulator, "--socket-listen", "30")
    assert (found["outcome"], found["socket"]["frames"], found["socket"]["frame_types"]) == (
        "pass",
        MAX_FRAMES,
        ["text"],
    )
    assert found["socket"]["frame_fields"] == sorted(frame)
    assert not [text for text in outputs(endpoint_suite, result) if CHAT_TEXT in text]


def test_the_socket_is_not_opened_when_the_credential_call_failed(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    emulator = story(credential="-2008")
    _, found = played(endpoint_suite, monkeypatch, emulator)
    assert handshakes(emulator) == []
    assert (found["outcome"], found["code"], found["side"], found["sent"]) == (
        "fail",
        "not opened",
        "undetermined",
        False,
    )
    assert found["diagnosis"] == f"Not opened: {CREDENTIAL} answered -2008, not a credential."


def test_the_socket_is_not_opened_once_the_run_is_banned(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One call at a time, in the catalog's order: the credential is answered, then a later chat endpoint's
    call gets a 418 ban, then the socket's turn comes (its test runs after every endpoint's)."""

    class Banning:
        """The emulator, with a 418 for the risk warning tips."""

        def __init__(self) -> None:
            self.emulator = story()

        def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
            if environ["PATH_INFO"].endswith("chat/getRiskWarningTips"):
                start_response("418 I'm a teapot", [("Content-Type", "application/json"), ("Retry-After", "600")])
                return [b'{"code":-1003,"msg":"IP banned"}']
            return self.emulator(environ, start_response)

    target = Banning()
    CANARY.in_environment(monkeypatch)
    with running_emulator(target) as url:
        endpoint_suite.run(
            "-m", "live", "--binance-url", url, "--concurrency", "1", "--socket",
            "-k", "retrieveChatCredential or getRiskWarningTips or websocket",
        )  # fmt: skip
    found = socket_result(endpoint_suite)
    ids = [r["id"] for r in endpoint_suite.summary()["results"]]
    assert ids.index(SOCKET.id) == ids.index(CREDENTIAL) + 1  # its row under its credential's
    assert handshakes(target.emulator) == []
    assert (found["socket"]["state"], found["side"]) == ("not-opened", "undetermined")
    assert "banned this IP address (HTTP 418)" in found["diagnosis"]


def credential_answered(url: str, token: str = LISTEN_TOKEN) -> LiveResult:
    """A credential call's result as the engine keeps it: in memory, with the credential."""
    credential = {"chatWssUrl": url, "listenKey": "listen-key-0001", "listenToken": token}
    answer = Answer(sent=True, http_status=200, code="000000", at="2026-12-05T12:00:00.000Z")
    return LiveResult(contract=CATALOG[CREDENTIAL], answer=answer, problem=None, credential=credential)


def test_the_socket_is_not_opened_past_the_run_deadline() -> None:
    emulator = story()
    with running_emulator(emulator):
        assert emulator.chat_socket_url is not None
        late = SendGate(deadline=5, clock=iter([0.0, 10.0, 10.0]).__next__)
        result = open_socket(
            SOCKET, credential_answered(emulator.chat_socket_url), gate=late, route=Route(), target_on_loopback=True
        )
    assert handshakes(emulator) == [] and result.answer.socket is not None
    assert result.answer.socket.state == "not-opened" and "deadline" in str(result.problem)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://chat.example.invalid/ws", "chatWssUrl is not a wss:// URL"),
        ("ws://chat.example.invalid/ws", "chatWssUrl is not a wss:// URL"),  # plain ws:// only on loopback
        ("wss://user:pass@chat.example.invalid/ws", "chatWssUrl is not a URL of a host and a path only"),
        ("wss://chat.example.invalid/ws?next=/elsewhere", "chatWssUrl is not a URL of a host and a path only"),
        ("{{apiSecret}}", "chatWssUrl is not a wss:// URL"),
        ("ws://127.0.0.1:99999/x", "chatWssUrl is not a URL with a valid port"),
        ("wss://chat.example.invalid:abc/ws", "chatWssUrl is not a URL with a valid port"),
        (f"wss://{'a' * 70}.example.invalid/ws", "chatWssUrl is not a URL of a host and a path only"),
        ("wss://chat.example.invalid/" + "x" * 900_000, "chatWssUrl is longer than 2048 characters"),
    ],
)
def test_a_credential_that_makes_no_socket_address_is_refused_before_anything_is_sent(url: str, why: str) -> None:
    with pytest.raises(UnusableCredential, match=why):
        socket_url(
            SOCKET,
            {"chatWssUrl": url, **LISTEN_CREDENTIAL},
            target_on_loopback=True,
        )


@pytest.mark.parametrize(
    "url",
    [
        "ws://localhost:2375/containers",
        "wss://127.0.0.2/chat",
        "ws://[::1]:8080/x",
        # the spellings the C library reads as 127.0.0.1 (issue 37): ipaddress alone does not
        "wss://127.1/chat",
        "wss://2130706433/chat",
        "wss://0x7f000001/chat",
        "wss://0177.0.0.1/chat",
    ],
)
def test_a_remote_target_cannot_steer_the_socket_to_this_machine(url: str) -> None:
    """A socket on this machine is opened only when the run's REST target is on it too (the emulator)."""
    credential = {"chatWssUrl": url, **LISTEN_CREDENTIAL}
    with pytest.raises(UnusableCredential, match="points at this machine while the run's target is not on it"):
        socket_url(SOCKET, credential, target_on_loopback=False)
    gate = SendGate()
    answered = credential_answered(url)
    result = open_socket(SOCKET, answered, gate=gate, route=Route(), target_on_loopback=False)
    assert result.answer.socket is not None and result.answer.socket.state == "bad-credential"
    assert gate.meter.calls == 0


@pytest.mark.parametrize(
    "url",
    [
        "wss://10.0.0.5/chat",
        "wss://192.168.1.1:8443/chat",
        "wss://169.254.169.254/latest",  # a cloud's metadata service
        "wss://100.64.0.1/chat",
        "wss://[fd00::1]/chat",
        "wss://0.0.0.0/chat",
        "wss://169.254.43518/latest",  # the metadata service again, spelt as the C library reads it
        "wss://0xa9fea9fe/latest",
        "wss://10.1/chat",
        "wss://192.168.1/chat",
    ],
)
def test_a_remote_target_cannot_steer_the_socket_into_a_private_network(url: str) -> None:
    """Binance's answer names the socket's host: a private or reserved address is refused (nothing sent), as this
    machine is, unless the run's target is on this machine too (the emulator's own network is the test's)."""
    credential = {"chatWssUrl": url, **LISTEN_CREDENTIAL}
    with pytest.raises(UnusableCredential, match="points at a private or reserved address, not a public host"):
        socket_url(SOCKET, credential, target_on_loopback=False)
    assert socket_url(SOCKET, credential, target_on_loopback=True).startswith(url)
    assert socket_url(SOCKET, {**credential, "chatWssUrl": "wss://8.8.8.8/chat"}, target_on_loopback=False)


def test_the_address_shown_has_redacted_where_the_secrets_stand_never_elsewhere() -> None:
    """A one-letter listenKey does not blank every such letter of the address, and a percent-encoded token is
    redacted whole."""
    credential = {"chatWssUrl": "wss://chat.example.invalid/aaa", "listenKey": "a", "listenToken": "t&k=1"}
    assert shown_url(SOCKET, credential) == "wss://chat.example.invalid/aaa/REDACTED?token=REDACTED&clientType=web"


def test_the_credential_is_percent_encoded_into_the_address_never_reinterpreted() -> None:
    made = socket_url(
        SOCKET,
        {"chatWssUrl": "wss://chat.example.invalid/ws/", "listenKey": "abcd/efgh", "listenToken": "wxyz&y=12"},
        target_on_loopback=False,
    )
    assert made == "wss://chat.example.invalid/ws/abcd%2Fefgh?token=wxyz%26y%3D12&clientType=web"


def test_a_credential_too_short_to_be_one_is_the_contract_side_and_never_blanks_a_page() -> None:
    """Issue 37: a hostile server's one-letter listenKey was learned as a secret, and its redaction turned every
    such letter of the page into REDACTED. Such a value is refused as no credential, and never learned."""
    credential = {"chatWssUrl": "wss://chat.example.invalid/ws", "listenKey": "e", "listenToken": "listen-token-01"}
    with pytest.raises(UnusableCredential, match="listenKey is not a credential \\(8 to 512 printable characters\\)"):
        socket_url(SOCKET, credential, target_on_loopback=False)
    secrets = RunSecrets()
    secrets.learn(["e", "listen-token-01"])
    assert list(secrets) == ["listen-token-01"]
    assert redact_text('<html lang="en">', secrets) == '<html lang="en">'


def test_a_bad_credential_from_the_target_is_the_contract_side() -> None:
    gate = SendGate()
    result = open_socket(
        SOCKET, credential_answered("http://127.0.0.1:9/chat"), gate=gate, route=Route(), target_on_loopback=True
    )
    assert result.answer.socket is not None and result.answer.socket.state == "bad-credential"
    assert gate.meter.calls == 0 and result.answer.code == "bad credential"
    assert json.dumps(result.answer.socket.url).find(LISTEN_TOKEN) == -1


def test_a_redirected_handshake_is_an_answer_of_its_own_never_followed() -> None:
    """A socket server answering 307 towards another loopback listener: nothing connects there."""
    elsewhere = socket_module.create_server(("127.0.0.1", 0))
    elsewhere.setblocking(False)
    where = f"ws://127.0.0.1:{elsewhere.getsockname()[1]}/chat"

    def redirect(connection: Any, request: Any) -> Any:
        return Response(307, "Temporary Redirect", Headers([("Location", where + request.path)]), b"")

    with serve(lambda connection: None, "127.0.0.1", 0, process_request=redirect) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/chat"
        result = open_socket(SOCKET, credential_answered(url), gate=SendGate(), route=Route(), target_on_loopback=True)
        server.shutdown()
    with pytest.raises(BlockingIOError):
        elsewhere.accept()  # nobody came
    elsewhere.close()
    assert result.answer.http_status == 307 and result.answer.socket is not None
    assert result.answer.socket.state == "refused" and "no redirect is followed" in str(result.problem)


def test_a_credential_learned_in_the_run_is_redacted_from_tracebacks_with_their_locals(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socket code failing where the credential is a local (here made to raise): ``--showlocals`` prints
    it, and the traceback guard, told the listenKey and listenToken as soon as they were read, redacts them."""

    def failing(*args: Any, **kwargs: Any) -> LiveResult:
        raise RuntimeError("the socket code failed")

    monkeypatch.setattr(chat_socket, "_opened", failing)
    result, _ = played(endpoint_suite, monkeypatch, story(), "--tb=long", "--showlocals")
    assert "credential" in result.stdout.str() and "the socket code failed" in result.stdout.str()
    key = story().scenario.keys["canary"].listen_key
    assert not [text for text in outputs(endpoint_suite, result) if LISTEN_TOKEN in text or key in text]


class RawSocketServer:
    """A WebSocket server written by hand: it accepts the handshake, sends ``frames`` as given (bytes on the wire,
    whatever they break), then floods pings (``flood``) or holds the connection open, never reading, never
    closing it."""

    def __init__(self, frames: bytes = b"", flood: bool = True, hang_up: bool = False) -> None:
        self.frames, self.flood, self.hang_up = frames, flood, hang_up
        self.listener = socket_module.create_server(("127.0.0.1", 0))
        self.listener.setsockopt(socket_module.SOL_SOCKET, socket_module.SO_RCVBUF, 4096)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.listener.getsockname()[1]}/chat"

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        request = b""
        while b"\r\n\r\n" not in request:
            request += connection.recv(4096)
        key = re.search(rb"Sec-WebSocket-Key: (\S+)", request, flags=re.I)
        assert key is not None
        accept = base64.b64encode(hashlib.sha1(key.group(1) + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        handshake = (
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
        )
        connection.sendall(handshake + self.frames)  # one write: the frames may arrive with the handshake's last bytes
        if self.hang_up:
            connection.close()
            return
        connection.settimeout(0.5)
        ping = bytes([0x89, 125]) + b"p" * 125
        while not self.stop.is_set():
            if not self.flood:
                self.stop.wait(0.1)
                continue
            try:
                connection.sendall(ping * 64)
            except TimeoutError:  # the client no longer reads: it is stalled behind its own pongs
                continue
            except OSError:  # the client gave up and closed
                break
        connection.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)
        self.listener.close()


def test_a_chat_server_that_stops_reading_cannot_hold_the_check_past_its_bounds() -> None:
    """Its pings answered until the buffers are full, then nothing read: the check still ends (its sends give up
    within the run's timeout), so the run, its close and its report are not held for ever."""
    server = RawSocketServer()
    gate = SendGate(deadline=30, timeout=1)
    found: list[LiveResult] = []
    checking = threading.Thread(
        target=lambda: found.append(
            open_socket(
                SOCKET, credential_answered(server.url), gate=gate, route=Route(), target_on_loopback=True, listen=2
            )
        ),
        daemon=True,
    )
    try:
        checking.start()
        checking.join(60)  # a guard against a hang only (without the bound it hangs): the check ends on its own
        assert not checking.is_alive(), "the socket check is still held by a server that stopped reading"
    finally:
        server.close()
    (result,) = found  # ended with a result of its own: closed under the flood, or open when listening ended first
    assert result.answer.socket is not None and result.answer.socket.state in ("open", "closed")


def _frame(opcode: int, payload: bytes, length: int | None = None) -> bytes:
    """A frame from the server (unmasked), its length as given (a header may claim more than it carries)."""
    size = len(payload) if length is None else length
    header = bytes([0x80 | opcode]) + (
        bytes([size]) if size < 126 else bytes([126]) + size.to_bytes(2, "big") if size < 2**16 else
        bytes([127]) + size.to_bytes(8, "big")
    )  # fmt: skip
    return header + payload


@pytest.mark.parametrize(
    ("frames", "state", "said"),
    [
        (_frame(0x2, b"", length=100 * 2**20), "bad-frame", "closing with 1009 (a message over 65536 bytes)"),
        (_frame(0x8, b"\x03\xe8" + b"r" * 4998), "bad-frame", "closing with 1002 (a frame that breaks the WebSocket"),
        (_frame(0x1, b"\xff\xfe not UTF-8"), "bad-frame", "closing with 1007 (a text frame that is not UTF-8)"),
        (_frame(0x8, b"\x03\xe8"), "closed", "the server closed the socket with code 1000, expected it open"),
    ],
    ids=["a-100-MB-frame", "a-5000-byte-close-reason", "invalid-UTF-8", "a-close-without-the-TCP-close"],
)
def test_how_a_socket_ended_is_judged_from_who_closed_it_and_with_which_code(
    frames: bytes, state: str, said: str
) -> None:
    """What the client refused (it closed with 1009, 1002, 1007) is the frames' fault, the contract's side, never
    a pass and never Binance closing it; a close from the server is the server's, even without the TCP close.
    Listening ends at the close (30 s is a backstop only)."""
    server = RawSocketServer(frames, flood=False)
    try:
        result = open_socket(
            SOCKET, credential_answered(server.url), gate=SendGate(timeout=2), route=Route(), target_on_loopback=True,
            listen=30,
        )  # fmt: skip
    finally:
        server.close()
    assert result.answer.socket is not None and result.answer.socket.state == state
    assert said in str(result.problem)
    # the close is a frame that came: never "no frame came while the socket was read" (issue 37)
    assert not [note for note in result.answer.notes if "no frame came" in note], result.answer.notes


def test_a_close_that_comes_before_the_check_touches_the_socket_is_judged_as_the_close_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server answers the handshake, a close frame with 4001 and the TCP close in one write (Binance's answer
    to an expired token). Here the check goes on only once websockets' reader has seen the close and closed the
    socket itself (the event a loaded machine makes likely): the check says the server closed it with 4001, and
    never stops on a socket already closed (it set a socket option on it, and the run ended in EBADF)."""
    opened: list[Any] = []
    connect = chat_socket._OpenAsGiven.connect

    def connected_then_closed(self: Any) -> Any:
        connection = connect(self)
        connection.recv_events_thread.join(60)  # a backstop only: the server's close ends the reader at once
        assert not connection.recv_events_thread.is_alive(), "the server's close never reached the client"
        opened.append(connection)
        return connection

    monkeypatch.setattr(chat_socket._OpenAsGiven, "connect", connected_then_closed)
    server = RawSocketServer(_frame(0x8, (4001).to_bytes(2, "big") + b"token expired"), hang_up=True)
    try:
        result = open_socket(
            SOCKET, credential_answered(server.url), gate=SendGate(), route=Route(), target_on_loopback=True
        )
    finally:
        server.close()
    assert opened and opened[0].socket.fileno() == -1  # the socket was closed before the check went on
    assert result.answer.socket is not None and result.answer.socket.state == "closed"
    assert result.answer.code == "close 4001" and result.answer.msg == "token expired"
    assert result.problem == "the server closed the socket with code 4001 (token expired), expected it open"


def test_a_handshake_without_an_answer_is_said_in_words_not_exception_names() -> None:
    """The page is support's: what left the handshake unanswered in plain words (the names stay in the JSON)."""
    socket = CATALOG.sockets[0]
    state = SocketAnswer(state=SocketState.NO_ANSWER, url="wss://chat.example.invalid/ws/REDACTED")
    record = endpoint_record(
        socket.contract,
        RecordContext("k", "k...0001"),
        outcome=Outcome.FAIL,
        answer=Answer(sent=True, socket=state),
        problem="no answer: ConnectionRefusedError (NewConnectionError)",
    )
    found = chat_socket.socket_judged(record, state)
    assert found.diagnosis == (
        "No answer to the WebSocket handshake at wss://chat.example.invalid/ws/REDACTED: the connection was refused."
    )
    assert "Error" not in found.diagnosis


def test_a_name_that_resolves_to_this_machine_or_a_private_network_is_refused_before_anything_is_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The host is resolved once and every address it gives is checked: a public-looking name whose DNS answer is
    this machine, or the metadata service, is refused (nothing sent); a public answer is connected to as checked."""
    answers = {"chat.example.invalid": "127.0.0.1", "meta.example.invalid": "169.254.169.254"}
    real = socket_module.getaddrinfo

    def resolving(host: str, port: object, *args: Any, **kwargs: Any) -> Any:  # DNS: names only, never a number
        numeric_only = kwargs.get("flags", 0) & socket_module.AI_NUMERICHOST
        return real(host if numeric_only else answers.get(host, host), port, *args, **kwargs)

    monkeypatch.setattr(socket_module, "getaddrinfo", resolving)
    for host in answers:
        gate = SendGate()
        url = f"wss://{host}/chat"
        assert socket_url(
            SOCKET,
            {"chatWssUrl": url, **LISTEN_CREDENTIAL},
            target_on_loopback=False,
        )
        result = chat_socket.open_socket(
            SOCKET, credential_answered(url), gate=gate, route=Route(), target_on_loopback=False
        )
        assert result.answer.socket is not None and result.answer.socket.state == "bad-credential", host
        assert "resolves to" in str(result.problem) and gate.meter.calls == 0


def test_a_loopback_target_spelt_as_a_number_is_this_machine() -> None:
    """--binance-url http://2130706433:PORT is the emulator's machine, not a remote target."""
    assert all(on_loopback(host) for host in ("2130706433", "127.1", "0x7f000001", "[::1]", "localhost"))
    assert not any(on_loopback(host) for host in ("8.8.8.8", "api.binance.com", "", None, "0x7f00000100"))


def test_through_a_proxy_the_chat_host_is_resolved_by_the_proxy_not_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine behind a proxy may have no DNS of its own: the socket goes to the proxy, which resolves the name;
    the suite resolves nothing itself (the name's spelling is checked all the same)."""
    asked: list[str] = []
    real = socket_module.getaddrinfo

    def resolving(host: str, *args: Any, **kwargs: Any) -> Any:  # a DNS question: not a number's parsing
        if not kwargs.get("flags", 0) & socket_module.AI_NUMERICHOST:
            asked.append(host)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket_module, "getaddrinfo", resolving)
    with socket_module.socket() as unused:  # a loopback port nothing listens on: the proxy refuses at once
        unused.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{unused.getsockname()[1]}"
        route = Route(proxies={"https": proxy})
        result = open_socket(
            SOCKET, credential_answered("wss://chat.example.invalid/ws"), gate=SendGate(), route=route,
            target_on_loopback=False,
        )  # fmt: skip
    assert result.answer.socket is not None and result.answer.socket.state == "no-answer"
    assert "chat.example.invalid" not in asked
