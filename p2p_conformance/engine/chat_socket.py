"""A WebSocket check (``sockets:`` in the catalog): the socket opened with the credential an endpoint answered.

``chat/retrieveChatCredential`` answers ``chatWssUrl``, ``listenKey`` and ``listenToken``; a merchant's bot
opens ``{chatWssUrl}/{listenKey}?token={listenToken}&clientType=web`` with them to read and answer buyers.
The check opens that socket as given (TLS verified as the run's route says, no redirect followed, a proxy
only where the run's route has one and never to loopback), within the run's gate (a ban or the deadline
holds it back, and it counts as a call), waits for the handshake and at most ``listen`` seconds of frames,
sends nothing, and closes. Of the frames it keeps the count, the types and the field names: a chat message
is personal data. The credential's secrets never leave this module but redacted.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket as socket_module
import ssl
import struct
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import certifi
import jsonschema
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException
from websockets.frames import CloseCode
from websockets.protocol import State
from websockets.sync.client import ClientConnection, reconnect

from p2p_conformance.contracts import Catalog, SocketContract
from p2p_conformance.contracts.checks import UnreadableJson, read_json
from p2p_conformance.engine.transport import (
    NotSent,
    Route,
    SendGate,
    cut,
    elapsed_ms,
    failure_name,
    failure_words,
    numeric_address,
    on_loopback,
)
from p2p_conformance.errors import TargetError
from p2p_conformance.model import (
    NO_FACT_FOR_NO_ANSWER,
    Answer,
    AnswerKind,
    Conclusion,
    EndpointRecord,
    LiveResult,
    Side,
    SocketAnswer,
    SocketState,
    utc_now,
)
from p2p_conformance.safety import MIN_LEARNED_CHARS
from p2p_conformance.safety.redaction import REDACTED, redact_text

DEFAULT_LISTEN_SECONDS = 0.0  # the accepted handshake proves the credential; reading frames is opt-in
MAX_LISTEN_SECONDS = 30.0
MAX_FRAMES = 20  # frames read at most: enough to see their shape
MAX_FRAME_BYTES = 65_536
MAX_CREDENTIAL_FIELD = 512  # characters of a key or token; longer is not a credential
CLOSE_SECONDS = 0.5  # for the closing handshake; the result is decided before it, a server slower to answer is cut off
# websockets' recv wakes on a message or on the TCP close, not on a close frame: a server that sends its close
# and holds the connection (or frames the client refuses, closing) would otherwise hold the read for all of listen
CLOSING_CHECK_SECONDS = 0.05
REASON_LIMIT = 120  # characters of a close reason kept
CLIENT_CLOSES: dict[int, str] = {  # why the WebSocket client fails a connection, by the code it closes with
    CloseCode.PROTOCOL_ERROR: "a frame that breaks the WebSocket protocol",
    CloseCode.INVALID_DATA: "a text frame that is not UTF-8",
    CloseCode.MESSAGE_TOO_BIG: f"a message over {MAX_FRAME_BYTES} bytes",
}
NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")  # a frame type or field name kept as it is; anything else is "other"
CREDENTIAL_TEXT = re.compile(r"[\x21-\x7e]+")  # printable ASCII, no space
MAX_URL = 2048  # characters of chatWssUrl; longer is not an address (a 900,000-character one was copied whole)
HOST_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")  # a DNS label, as IDNA would refuse it otherwise
# A secret this short is redacted where it stands (the address is made with REDACTED in its place) but not as a
# substring of free text: a one-letter "listenKey" would blank every such letter of a close reason.
MIN_REDACTED = 8


class UnusableCredential(TargetError, ValueError):
    """The credential answered does not make a socket address the way the contract says."""


def _host_is_valid(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return len(host) <= 253 and all(HOST_LABEL.fullmatch(label) for label in host.rstrip(".").split("."))
    return True


def socket_url(socket: SocketContract, credential: Mapping[str, str], *, target_on_loopback: bool) -> str:
    """The socket's address from the credential: the base a ``wss://`` URL of at most :data:`MAX_URL`
    characters, with a valid host and port and no user, query or fragment; this machine only when the run's
    target is on it too (``ws://`` there only), so a remote target cannot steer the client to a local service;
    the other fields percent-encoded."""
    base_field, *other_fields = socket.fields
    base = credential.get(base_field, "")
    if len(base) > MAX_URL:
        raise UnusableCredential(f"{base_field} is longer than {MAX_URL} characters")
    try:
        parts = urlsplit(base)
        parts.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError:
        raise UnusableCredential(f"{base_field} is not a URL with a valid port") from None
    loopback = on_loopback(parts.hostname)
    if loopback and not target_on_loopback:
        raise UnusableCredential(f"{base_field} points at this machine while the run's target is not on it")
    if not loopback and _internal_address(parts.hostname) and not target_on_loopback:
        raise UnusableCredential(f"{base_field} points at a private or reserved address, not a public host")
    if parts.scheme != "wss" and not (parts.scheme == "ws" and loopback):
        raise UnusableCredential(f"{base_field} is not a wss:// URL")
    if (
        not parts.hostname
        or not _host_is_valid(parts.hostname)
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or not CREDENTIAL_TEXT.fullmatch(base)
    ):
        raise UnusableCredential(f"{base_field} is not a URL of a host and a path only")
    values = {base_field: base.rstrip("/")}
    for name in other_fields:
        value = credential.get(name, "")
        if not MIN_LEARNED_CHARS <= len(value) <= MAX_CREDENTIAL_FIELD or not CREDENTIAL_TEXT.fullmatch(value):
            raise UnusableCredential(
                f"{name} is not a credential ({MIN_LEARNED_CHARS} to {MAX_CREDENTIAL_FIELD} printable characters)"
            )
        values[name] = quote(value, safe="")
    return socket.url.format(**values)


def _internal_address(host: str | None) -> bool:
    """Whether ``host`` spells an IP address no public service has (private, link-local such as a cloud's metadata
    service at 169.254.169.254, shared, reserved, multicast, unspecified), however spelt (``169.254.43518``,
    ``0xa9fea9fe``): a remote target's answer must not steer the client into the merchant's own network. A name
    is resolved once before the socket opens (:func:`checked_address`), and connected to as checked."""
    address = numeric_address(host)
    return address is not None and not address.is_global


AddressInfo = tuple[int, int, int, str, tuple[Any, ...]]  # socket.getaddrinfo's (family, type, proto, name, address)


def checked_address(url: str, *, target_on_loopback: bool) -> AddressInfo:
    """The address the socket connects to: the URL's host resolved once (a name, or a number however spelt), every
    address it gives checked as :func:`socket_url` checks a spelt one, the first returned to connect to, so a
    name that resolves to this machine or a private network is refused, and a second resolution cannot move the
    connection elsewhere. Raises :class:`UnusableCredential`, or :class:`OSError` when the name does not resolve."""
    parts = urlsplit(url)
    host = (parts.hostname or "").strip("[]")
    found = socket_module.getaddrinfo(host, parts.port or 443, type=socket_module.SOCK_STREAM)
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if target_on_loopback:
            continue
        if address.is_loopback:
            raise UnusableCredential(
                f"the chat host {host} resolves to this machine while the run's target is not on it"
            )
        if not address.is_global:
            raise UnusableCredential(
                f"the chat host {host} resolves to a private or reserved address, not a public host"
            )
    family, kind, proto, name, sockaddr = found[0]
    return family, kind, proto, name, sockaddr


def shown_url(socket: SocketContract, credential: Mapping[str, str]) -> str:
    """The address as the reports show it: made with ``REDACTED`` where each secret stands (never by searching
    the address for the secrets' text)."""
    base_field = socket.fields[0]
    values = {name: REDACTED if name in socket.secrets else credential.get(name, "") for name in socket.fields}
    return socket.url.format(**{**values, base_field: credential.get(base_field, "").rstrip("/")})


def shown(text: str, socket: SocketContract, credential: Mapping[str, str]) -> str:
    """Free ``text`` (a close reason) with the credential's secrets replaced, as they are and percent-encoded
    (those shorter than :data:`MIN_REDACTED` characters are not searched for: see there)."""
    secrets = [value for name in socket.secrets if len(value := credential.get(name, "")) >= MIN_REDACTED]
    return redact_text(text, [*secrets, *(quote(secret, safe="") for secret in secrets)])


def _tls(route: Route) -> ssl.SSLContext:
    """TLS verified with the CA bundle the run's route names, else certifi's (as requests does)."""
    if isinstance(route.verify, str) and os.path.isdir(route.verify):
        return ssl.create_default_context(capath=route.verify)
    return ssl.create_default_context(cafile=route.verify if isinstance(route.verify, str) else certifi.where())


class SocketChecks:
    """The run's socket checks, as the rest of the engine sees them: a check that needs another endpoint's answer
    (:meth:`needs`), and runs once it has it (:meth:`run`). The live sessions ask nothing else of a socket."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        route: Route,
        target_on_loopback: bool,
        listen: float = DEFAULT_LISTEN_SECONDS,
        learn_secrets: Callable[[Iterable[str]], None] = lambda texts: None,
    ) -> None:
        self.catalog = catalog
        self.route = route
        self.target_on_loopback = target_on_loopback
        self.listen = listen
        # Told each secret of a credential as soon as it is read: every redaction after it knows it.
        self.learn_secrets = learn_secrets
        self.needed = frozenset(catalog.needs.values())  # the endpoints whose answers a check needs

    def __repr__(self) -> str:
        return f"SocketChecks({sorted(self.catalog.needs)})"

    def needs(self, check_id: str) -> str | None:
        """The endpoint whose answer the check ``check_id`` needs, or None when ``check_id`` is an endpoint's."""
        return self.catalog.needs.get(check_id)

    def run(self, check_id: str, gate: SendGate, answered: LiveResult | None) -> LiveResult:
        """The check's result, from the answer it needs (None: that endpoint was not called)."""
        socket = self.catalog.socket(check_id)
        assert socket is not None, f"{check_id} is an endpoint, not a check that needs another's answer"
        if answered is not None and answered.credential is not None:
            self.learn_secrets(answered.credential.get(name, "") for name in socket.secrets)
        return open_socket(
            socket,
            answered,
            gate=gate,
            route=self.route,
            target_on_loopback=self.target_on_loopback,
            listen=self.listen,
        )


def open_socket(
    socket: SocketContract,
    credential_result: LiveResult | None,
    *,
    gate: SendGate,
    route: Route,
    target_on_loopback: bool,
    listen: float = DEFAULT_LISTEN_SECONDS,
) -> LiveResult:
    """The socket's result for one key and round, from its credential call's (None: it was not called);
    ``target_on_loopback``: whether the run's REST target is this machine (only then may the socket be)."""
    contract = socket.contract
    credential = credential_result.credential if credential_result is not None else None
    if credential_result is None or credential is None:
        answered = "was not called" if credential_result is None else f"answered {credential_result.answer.text}"
        return _not_opened(
            socket,
            SocketAnswer(state=SocketState.NO_CREDENTIAL, url=contract.path),
            f"not opened: {socket.from_endpoint} {answered}, not a credential",
        )
    credential_at = credential_result.answer.at
    try:
        url = socket_url(socket, credential, target_on_loopback=target_on_loopback)
    except UnusableCredential as error:
        state = SocketAnswer(state=SocketState.BAD_CREDENTIAL, url=contract.path, credential_at=credential_at)
        return _not_opened(socket, state, f"received a credential that makes no socket address: {error}")
    url_shown = shown_url(socket, credential)
    try:  # through a proxy, the proxy resolves the name and connects (a machine behind one may have no DNS)
        proxied = _proxy(route, url) is not None
        address = None if proxied else checked_address(url, target_on_loopback=target_on_loopback)
    except UnusableCredential as error:
        state = SocketAnswer(state=SocketState.BAD_CREDENTIAL, url=url_shown, credential_at=credential_at)
        return _not_opened(socket, state, f"received a credential that makes no socket address: {error}")
    except OSError as error:  # the name does not resolve: no socket to open, nothing sent
        state = SocketAnswer(state=SocketState.NO_ANSWER, url=url_shown, credential_at=credential_at)
        answer = Answer(sent=False, kind=AnswerKind.SOCKET, socket=state)
        return LiveResult(contract=socket.contract, answer=answer, problem=f"no answer: {failure_name(error)}")
    try:
        gate.before_sending()
    except NotSent as reason:
        state = SocketAnswer(state=SocketState.NOT_OPENED, url=url_shown, credential_at=credential_at)
        return _not_opened(socket, state, str(reason))
    started = time.perf_counter()
    gate.meter.started()
    try:
        return _opened(socket, url, address, credential, url_shown, credential_at, gate, route, listen, started)
    finally:
        gate.meter.ended()


class _OpenAsGiven(reconnect):
    """websockets' client, except that a redirect is an answer of its own: the credential's address is opened
    as given, never another (websockets follows up to 10 redirects by default)."""

    def process_redirect(self, exc: Exception) -> Exception | str:
        return exc


def _opened(
    socket: SocketContract,
    url: str,
    address: AddressInfo | None,
    credential: Mapping[str, str],
    url_shown: str,
    credential_at: str | None,
    gate: SendGate,
    route: Route,
    listen: float,
    started: float,
) -> LiveResult:
    seconds = min(gate.timeout, gate.time_left())
    host = urlsplit(url).hostname or ""
    proxy = _proxy(route, url)
    try:
        # straight to the address checked; through a proxy, the proxy connects (the name's spelling was checked)
        sock = _connected(address, seconds) if address is not None else None
        opening = _OpenAsGiven(
            url,
            sock=sock,
            server_hostname=host.strip("[]") if url.startswith("wss://") else None,
            open_timeout=seconds,
            close_timeout=CLOSE_SECONDS,
            max_size=MAX_FRAME_BYTES,
            compression=None,
            ssl=_tls(route) if url.startswith("wss://") else None,
            proxy=proxy,
            ping_interval=None,
        )
        connection = opening.connect()
    except InvalidStatus as refused:
        status = refused.response.status_code
        state = SocketAnswer(state=SocketState.REFUSED, url=url_shown, credential_at=credential_at)
        answer = Answer(
            sent=True,
            kind=AnswerKind.SOCKET,
            http_status=status,
            latency_ms=elapsed_ms(started),
            at=utc_now(),
            socket=state,
        )
        return LiveResult(
            contract=socket.contract,
            answer=answer,
            problem=f"received HTTP {status} to the WebSocket handshake, expected 101 (no redirect is followed)",
        )
    except (OSError, TimeoutError, WebSocketException) as error:
        gate.unanswered()
        state = SocketAnswer(state=SocketState.NO_ANSWER, url=url_shown, credential_at=credential_at)
        answer = Answer(sent=True, kind=AnswerKind.SOCKET, latency_ms=elapsed_ms(started), socket=state)
        return LiveResult(contract=socket.contract, answer=answer, problem=f"no answer: {failure_name(error)}")
    _bound_sends(connection, seconds)
    listen = min(listen, gate.time_left())
    with connection:
        return _listened(socket, connection, credential, url_shown, credential_at, listen, started)


def _proxy(route: Route, url: str) -> str | None:
    """The proxy the socket goes through: the environment's for a wss:// target; never for this machine."""
    if on_loopback(urlsplit(url).hostname):
        return None
    return route.proxies.get("https") or route.proxies.get("all")


def _connected(address: AddressInfo, seconds: float) -> socket_module.socket:
    """A TCP connection to the address :func:`checked_address` checked, within ``seconds``."""
    family, kind, proto, _, sockaddr = address
    sock = socket_module.socket(family, kind, proto)
    try:
        sock.settimeout(seconds)
        sock.connect(sockaddr)
        sock.settimeout(None)  # websockets sets its own timeouts from here on
    except OSError:
        sock.close()
        raise
    return sock


def _bound_sends(connection: ClientConnection, seconds: float) -> None:
    """Every send on the socket (websockets answers each ping with a pong, in its reader thread; our close
    frame) gives up after ``seconds``: a server that stops reading would otherwise block the sender for ever,
    and the closing handshake (and the run's end, SIGTERM included) behind it.

    Set under the lock websockets sends under, and only on a socket still open: a server may close the
    connection at any moment after the handshake (Binance's 4001 for an expired token), and websockets' reader
    then closes the socket itself, partly outside that lock. A closed socket sends nothing more, so there is
    nothing left to bound, and how it ended is judged from the protocol as for any other close."""
    whole, fraction = divmod(max(seconds, 0.1), 1)
    with connection.protocol_mutex:
        if connection.protocol.state is not State.OPEN:
            return
        try:
            connection.socket.setsockopt(
                socket_module.SOL_SOCKET, socket_module.SO_SNDTIMEO, struct.pack("ll", int(whole), int(fraction * 1e6))
            )
        except OSError:  # closed by the reader between the state's check and here (it closes outside the lock)
            return


def _listened(
    socket: SocketContract,
    connection: ClientConnection,
    credential: Mapping[str, str],
    url_shown: str,
    credential_at: str | None,
    listen: float,
    started: float,
) -> LiveResult:
    """Read frames until ``listen`` seconds have passed, :data:`MAX_FRAMES` came, the server closed, or a frame
    broke the contract; keep their types and field names only."""
    handshake_ms, at = elapsed_ms(started), utc_now()
    types: dict[str, None] = {}
    names: set[str] = set()
    frames, problem, state, close_code, reason = 0, None, SocketState.OPEN, None, ""
    ends = time.monotonic() + listen
    validator = jsonschema.Draft202012Validator(dict(socket.frame))
    while frames < MAX_FRAMES and (remaining := ends - time.monotonic()) > 0:
        if connection.protocol.state is not State.OPEN:
            break  # a close was sent or received: how it ended is read from the protocol below
        try:
            message = connection.recv(timeout=min(remaining, CLOSING_CHECK_SECONDS))
        except TimeoutError:
            continue
        except ConnectionClosed:
            break  # how it ended is read from the protocol below: who sent which close code
        frames += 1
        try:
            frame = read_json(message) if isinstance(message, str) else None
        except UnreadableJson:
            frame = None
        if isinstance(frame, dict):
            types.setdefault(_name(frame.get("type")), None)
            names.update(_name(field) for field in frame)
        error = jsonschema.exceptions.best_match(validator.iter_errors(frame))
        if error is not None:  # the schema's words only: a frame's values are personal data
            where = "/".join(str(part) for part in error.absolute_path) or "(the frame)"
            problem = f"received a frame that breaks the socket's frame contract at {where} ({error.validator})"
            state = SocketState.BAD_FRAME
            break
    if state is SocketState.OPEN:  # it may have ended all the same, while listening or as it began
        refused, received = connection.protocol.close_sent, connection.protocol.close_rcvd
        if received is None and refused is not None and refused.code != CloseCode.NORMAL_CLOSURE:
            # the client failed the connection over what the server sent (a frame too large, invalid UTF-8, a
            # broken close frame): the server's frames broke the contract, Binance did not close it
            state = SocketState.BAD_FRAME
            words = CLIENT_CLOSES.get(refused.code, "a protocol error")
            problem = f"received frames the WebSocket client refused, closing with {refused.code} ({words})"
        elif received is not None or connection.state is State.CLOSED:
            state = SocketState.CLOSED
            close_code = received.code if received is not None else int(CloseCode.ABNORMAL_CLOSURE)
            reason = received.reason if received is not None else ""
    said = cut(shown(reason, socket, credential), REASON_LIMIT) if reason else None  # the close reason, redacted
    if state is SocketState.CLOSED:
        problem = f"the server closed the socket with code {close_code}{f' ({said})' if said else ''}, expected it open"
    socket_answer = SocketAnswer(
        state=state,
        url=url_shown,
        credential_at=credential_at,
        close_code=close_code,
        frames=frames,
        frame_types=tuple(types),
        frame_fields=tuple(sorted(names)),
    )
    answer = Answer(
        sent=True,
        kind=AnswerKind.SOCKET,
        http_status=101,
        code=f"close {close_code}" if close_code is not None else None,
        msg=said,
        latency_ms=handshake_ms,
        at=at,
        notes=(_frames_note(frames, tuple(types), state, close_code),),
        socket=socket_answer,
    )
    return LiveResult(contract=socket.contract, answer=answer, problem=problem)


def _not_opened(socket: SocketContract, state: SocketAnswer, problem: str) -> LiveResult:
    """A check that opened nothing: nothing was sent (its answer says "not opened" or "bad credential")."""
    said = "bad credential" if state.state is SocketState.BAD_CREDENTIAL else "not opened"
    answer = Answer(code=said, latency_ms=0.0, socket=state)
    return LiveResult(contract=socket.contract, answer=answer, problem=problem)


def _name(value: object) -> str:
    return value if isinstance(value, str) and NAME.fullmatch(value) else "other"


def _frames_note(frames: int, types: tuple[str, ...], state: SocketState, close_code: int | None) -> str:
    """What came on the socket besides how it ended (a close, or a frame the client refused, is a frame that came:
    it is said as what it is, never as "no frame came")."""
    if frames:
        return f"{frames} frame(s) read, of type(s) {', '.join(types) or 'none'}; their content is not kept"
    if state is SocketState.CLOSED:
        return f"no message came before the server closed the socket (code {close_code}); nothing is sent on it"
    if state is SocketState.BAD_FRAME:
        return "no message was read: the client closed the socket on a frame it refused; nothing is sent on it"
    return "no frame came while the socket was read (nothing is sent on it; --socket-listen reads longer)"


TAKEN_OVER = "bye"  # the chat server's close reason for a connection another one of the account replaced


def socket_judged(record: EndpointRecord, socket: SocketAnswer) -> Conclusion:
    """A socket check that did not work, by how it ended (called by
    :func:`~p2p_conformance.engine.conclusions.conclude`, where every side is drawn). Its credential came from
    Binance in the same run for the same key, and was used as given: a refusal of it is Binance's."""
    given = f"the credential Binance answered this key at {socket.credential_at} in this run, used as given"
    if socket.state is SocketState.NO_CREDENTIAL:
        return Conclusion(
            Side.UNDETERMINED,
            f"{str(record.problem)[:1].upper()}{str(record.problem)[1:]}.",
            "The socket is opened with the credential its endpoint answers: see that endpoint's row first.",
            "No socket was opened, so nothing of this check bears on the socket itself.",
        )
    if socket.state is SocketState.NOT_OPENED:
        return Conclusion(
            Side.UNDETERMINED,
            f"Not opened: the run held it back ({record.problem}).",
            "Run again once Binance's rate limit or ban has passed, within --deadline.",
            "Nothing was sent, so nothing of this check bears on the socket.",
        )
    if socket.state is SocketState.NO_ANSWER:
        return Conclusion(
            Side.NETWORK,
            f"No answer to the WebSocket handshake at {socket.url}: {failure_words(str(record.problem))}.",
            "Check the network path to the chat host (a firewall or proxy may not pass WebSocket traffic).",
            NO_FACT_FOR_NO_ANSWER,
        )
    if socket.state is SocketState.BAD_CREDENTIAL:
        return Conclusion(
            Side.CONTRACT,
            f"Binance's credential answer makes no socket address: {record.problem}.",
            'Compare the credential answer with the contract (docs/endpoints.md, "The chat socket").',
            "The credential came from Binance in this run; as answered, it cannot be used the way public clients do.",
        )
    if socket.state is SocketState.BAD_FRAME:
        return Conclusion(
            Side.CONTRACT,
            f"The chat socket opened, and a frame breaks the frame contract: {record.problem}.",
            "The frame contract comes from a public client: compare it with what the socket sends.",
            "The handshake was accepted; only the frame's shape differs from what public clients expect.",
        )
    if socket.state is SocketState.CLOSED and (record.answer.msg or "").strip().lower() == TAKEN_OVER:
        return Conclusion(
            Side.UNDETERMINED,
            f"The chat socket opened with {given}, then Binance closed it with {socket.close_code} "
            f"({record.answer.msg}): another connection of this account took it over, most likely a chat client "
            "the merchant runs (Binance keeps one chat connection per account).",
            "Nothing to fix for the credential: its handshake was accepted. To read the socket's frames, run with "
            "--socket while no other chat client of this account runs.",
            "The handshake was accepted with the credential; a close saying Bye is how the chat server ends the "
            "connection another one replaced: it says nothing against the credential or the client, and nothing of "
            "Binance's service.",
        )
    refused = (
        f"HTTP {record.answer.http_status} to the handshake"
        if socket.state is SocketState.REFUSED
        else f"a close with code {socket.close_code}{f' ({record.answer.msg})' if record.answer.msg else ''}"
    )
    return Conclusion(
        Side.BINANCE,
        f"Binance refused the chat socket with {refused}, for {given}.",
        "Send this report to Binance support: the credential call works, and the socket refuses its credential.",
        f"The address and token are Binance's own answer to this key in this run ({socket.url}), sent as given "
        "(only percent-encoded): the refusal cannot come from how the client built them.",
    )
