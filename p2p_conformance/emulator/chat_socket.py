"""The emulator's chat socket: the WebSocket a chat credential opens, on loopback, as the scenario plays it.

``chat/retrieveChatCredential`` answers ``chatWssUrl`` (this server's ``ws://127.0.0.1:PORT/chat``), and the
key's ``listenKey`` and ``listenToken``; a client opens ``{chatWssUrl}/{listenKey}?token={listenToken}&
clientType=web``. A handshake with an unknown key or a wrong token is refused (401); otherwise the key's
``chat/websocket`` behaviour plays: accepted and quiet until the client closes (``ok``), refused with an HTTP
status, closed at once with a code and reason, or frames sent once open. Served by websockets' own server,
not hand-written framing. Each handshake is kept in the emulator's journal (never its key or token).
"""

from __future__ import annotations

import hmac
import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from p2p_conformance.emulator.app import Call, Emulator
from p2p_conformance.emulator.scenario import Behaviour, KeyScenario, SocketPlay

SOCKET_ID = "chat/websocket"
PATH = "/chat"
LOOPBACK = "127.0.0.1"


class ChatSocket:
    """The socket server for one emulator; its plays, by connection, between the handshake and the socket."""

    def __init__(self, emulator: Emulator, tls: tuple[Path, Path] | None = None) -> None:
        self.emulator = emulator
        self._plays: dict[ServerConnection, SocketPlay | None] = {}
        self._lock = threading.Lock()
        context = None
        if tls is not None:  # (certificate, private key) files: wss://, as Binance serves it
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls[0], tls[1])
        self.scheme = "wss" if context is not None else "ws"
        self.server: Server = serve(
            self._serve, LOOPBACK, 0, ssl=context, process_request=self._handshake, compression=None, ping_interval=None
        )

    @property
    def url(self) -> str:
        return f"{self.scheme}://{LOOPBACK}:{self.server.socket.getsockname()[1]}{PATH}"

    def _key(self, request: Request) -> KeyScenario | None:
        """The scenario's key whose listenKey and listenToken the handshake carries (compared in constant time)."""
        parts = urlsplit(request.path)
        listen_key = parts.path.removeprefix(PATH + "/")
        token = parse_qs(parts.query).get("token", [""])[0]
        for key in self.emulator.scenario.keys.values():
            same_key = hmac.compare_digest(key.listen_key.encode(), listen_key.encode())
            if same_key and hmac.compare_digest(key.listen_token.encode(), token.encode()):
                return key
        return None

    def _handshake(self, connection: ServerConnection, request: Request) -> Response | None:
        key = self._key(request)
        if key is None or not request.path.startswith(PATH + "/"):
            return self._refuse(connection, HTTPStatus.UNAUTHORIZED, None)
        step = self.emulator.scenario.next_step(key.name, SOCKET_ID)
        play = step.answer if isinstance(step.answer, SocketPlay) else None
        if play is None and step.answer is not Behaviour.OK:
            play = SocketPlay(close=1011, reason="emulator: not a socket behaviour")
        if play is not None and play.refuse is not None:
            return self._refuse(connection, HTTPStatus(play.refuse), key)
        with self._lock:
            self._plays[connection] = play
        self._journal(key, 101, accepted=True)
        return None

    def _refuse(self, connection: ServerConnection, status: HTTPStatus, key: KeyScenario | None) -> Response:
        self._journal(key, status.value, accepted=False)
        body = json.dumps({"code": -status.value, "msg": status.phrase}).encode()
        return Response(status.value, status.phrase, Headers([("Content-Type", "application/json")]), body)

    def _journal(self, key: KeyScenario | None, status: int, accepted: bool) -> None:
        call = Call(
            method="GET",
            path=PATH,
            endpoint_id=SOCKET_ID,
            key_name=key.name if key is not None else None,
            accepted=accepted,
            http_status=status,
            code=None,
        )
        with self.emulator.journal_lock:
            self.emulator.journal.append(call)

    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            play = self._plays.pop(connection, None)
        if play is not None and play.close is not None:
            connection.close(play.close, play.reason)
            return
        for frame in play.frames if play is not None else ():
            connection.send(json.dumps(frame))
        for _ in connection:  # quiet until the client closes; whatever it sends is not answered
            pass


@contextmanager
def serving_chat_socket(emulator: Emulator, tls: tuple[Path, Path] | None = None) -> Iterator[str]:
    """The emulator's chat socket on a free loopback port while the block runs (over TLS with ``tls``'
    certificate and key); the emulator's credential answers point at it. Yields its URL."""
    chat = ChatSocket(emulator, tls)
    thread = threading.Thread(target=chat.server.serve_forever, name="emulator-chat-socket", daemon=True)
    thread.start()
    emulator.chat_socket_url = chat.url
    try:
        yield chat.url
    finally:
        emulator.chat_socket_url = None
        chat.server.shutdown()
        thread.join(timeout=5)
