"""The emulator: a WSGI app (Werkzeug) that answers like Binance's gateway for the C2C catalog.

Each behaviour is documented, observed or assumed (``docs/emulator.md``); assumed ones are lenient,
so a request Binance would accept is accepted here (Binance's own clients are its test). With
``strict`` it also refuses what the suite thinks a careful client avoids: business parameters in the
query of a JSON-body endpoint (-1104), a body that is not a JSON object (-1135), a ``clientType``
other than ``web`` (-31002), and a payload character that an RFC 3986 encoder would have encoded.
"""

from __future__ import annotations

import base64
import errno
import json
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request, Response

from p2p_conformance.contracts import Catalog, Contract, load_catalog, load_error_codes
from p2p_conformance.contracts.model import (
    API_RESTRICTIONS_ID,
    API_RESTRICTIONS_PATH,
    EMULATOR_HEADER,
    NO_EXAMPLE,
    SERVER_TIME_PATH,
)
from p2p_conformance.emulator.gateway import Rejection, authenticate
from p2p_conformance.emulator.scenario import (
    Behaviour,
    KeyScenario,
    Scenario,
    SocketPlay,
    UnknownPaths,
    When,
    Written,
)
from p2p_conformance.signer import API_KEY_HEADER, SIGNING_PARAMS, Placement

WEIGHT_HEADER = "X-SAPI-USED-IP-WEIGHT-1M"
CHAT_CREDENTIAL_ID = "chat/retrieveChatCredential"  # answers the credential of the emulator's chat socket
# Binance's documented answer, verbatim from the wallet SDK's tests (docs/signing.md, "The key's own permissions").
API_RESTRICTIONS = {
    "ipRestrict": False,
    "createTime": 1623840271000,
    "enableReading": True,
    "enableWithdrawals": False,
    "enableInternalTransfer": True,
    "enableMargin": False,
    "enableFutures": False,
    "permitsUniversalTransfer": True,
    "enableVanillaOptions": False,
    "enableFixApiTrade": False,
    "enableFixReadOnly": True,
    "enableSpotAndMarginTrading": False,
    "enablePortfolioMarginTrading": True,
}


@dataclass(frozen=True, kw_only=True)
class Call:
    """One request as the emulator saw it: what a test can check without trusting the client."""

    method: str
    path: str
    endpoint_id: str | None
    key_name: str | None
    accepted: bool  # passed the gateway (key, timestamp, signature) and the contract's request shape
    http_status: int
    code: int | str | None
    json_body: Any = None
    signed: frozenset[str] = frozenset()  # the names of the signed parameters (recvWindow, timestamp, ...)


IDENTITY_CHARS = 120  # of the scenario's description, in ASCII, in every answer's EMULATOR_HEADER


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False), status, headers, mimetype="application/json")


def error_response(rejection: Rejection) -> Response:
    known = load_error_codes()[rejection.code]
    return _json({"code": rejection.code, "msg": rejection.message or known.message}, known.http)


FORM = "application/x-www-form-urlencoded"


class _NoAnswer:
    """A body that never comes: after ``hold`` seconds (or once the emulator stops) the connection is reset
    before the answer's first byte, as a stalled server's is; the client sees no answer at all."""

    def __init__(self, released: threading.Event, hold: float) -> None:
        self.released, self.hold = released, hold

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:  # the server asks for the first bytes of the answer only after its headers
        self.released.wait(self.hold)
        raise ConnectionResetError(errno.ECONNRESET, "the emulator plays a call that gets no answer")


class Emulator:
    """Answers each catalog endpoint per the scenario, after the gateway's checks; keeps a journal."""

    def __init__(
        self,
        scenario: Scenario,
        catalog: Catalog | None = None,
        clock: Callable[[], float] = time.time,
        strict: bool = False,
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.strict = strict  # also refuse what the suite thinks a careful client avoids (docs/emulator.md)
        described = " ".join(scenario.description.encode("ascii", "replace").decode().split())
        self._identity = described[:IDENTITY_CHARS] + (", strict" if strict else "")
        self.routes = {contract.path: contract for contract in (catalog or load_catalog()).contracts}
        self.journal: list[Call] = []
        self.chat_socket_url: str | None = None  # set while the chat socket serves (emulator.chat_socket)
        self._recent: deque[float] = deque()
        self._lock = threading.Lock()
        self._released = threading.Event()  # set when the emulator stops: held calls end

    @property
    def journal_lock(self) -> threading.Lock:
        """Held while the journal changes (the chat socket adds its handshakes from its own threads)."""
        return self._lock

    def release(self) -> None:
        """End every call held without an answer (``no-answer``): the server is about to stop."""
        self._released.set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if latency := self.scenario.latency.for_path(request.path):
            time.sleep(latency)
        response, call = self.dispatch(request)
        with self._lock:
            self.journal.append(call)
            now = self.clock()
            self._recent.append(now)
            while self._recent and self._recent[0] < now - 60:
                self._recent.popleft()
            response.headers[WEIGHT_HEADER] = str(len(self._recent))
        # CloudFront's identifiers, as Binance's answers carry them: what support looks an answer up by
        response.headers["X-Cache"] = "Miss from cloudfront"
        response.headers["X-Amz-Cf-Id"] = base64.b64encode(secrets.token_bytes(40)).decode()
        response.headers[EMULATOR_HEADER] = self._identity  # whatever address a client reached it by
        return response(environ, start_response)

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def dispatch(self, request: Request) -> tuple[Response, Call]:
        def seen(
            response: Response,
            contract: Contract | None = None,
            key_name: str | None = None,
            accepted: bool = False,
            body: Any = None,
            signed: frozenset[str] = frozenset(),
        ) -> tuple[Response, Call]:
            endpoint_id = contract.id if contract else None
            call = Call(
                method=request.method,
                path=request.path,
                endpoint_id=endpoint_id,
                key_name=key_name,
                accepted=accepted,
                http_status=response.status_code,
                code=_code_of(response),
                json_body=body,
                signed=signed,
            )
            return response, call

        if request.path == SERVER_TIME_PATH and request.method == "GET":
            return seen(_json({"serverTime": self.now_ms()}))
        contract = self.routes.get(request.path)
        if contract is None and request.path != API_RESTRICTIONS_PATH:
            return seen(self._unknown_path(request.path))
        if request.method != (contract.method if contract else "GET"):  # as Binance answers it (docs/emulator.md)
            wrong = {"code": -1000, "msg": f"Request method '{request.method}' is not supported"}
            return seen(_json(wrong, 404), contract)
        try:
            key, params = authenticate(
                self.scenario,
                request.headers.get(API_KEY_HEADER),
                request.environ.get("QUERY_STRING", ""),
                self.now_ms(),
                request.path,
                self.strict,
                form_body=_form_body(request),
            )
            body = self._check_shape(contract, request, params, self.strict) if contract else None
        except Rejection as rejection:
            return seen(error_response(rejection), contract)
        step = self.scenario.next_step(key.name, contract.id if contract else API_RESTRICTIONS_ID)
        if step.delay:
            time.sleep(step.delay)
        assert not isinstance(step.answer, SocketPlay), "a socket's play is parsed for sockets only"
        answer = step.answer
        if isinstance(answer, When):
            answer = answer.answer(params, {name.lower(): value for name, value in request.headers.items()})
        response = self._answer(answer, contract, key)
        return seen(response, contract, key_name=key.name, accepted=True, body=body, signed=frozenset(params))

    @staticmethod
    def _check_shape(contract: Contract, request: Request, params: dict[str, str], strict: bool) -> Any:
        """The request shape the contract asks for; returns the parsed JSON body if any.

        By default only what Binance is reported to refuse: a missing ``clientType`` header (-31002); not another
        ``User-Agent`` than the agent skill's (every HTTP client sends its own, and none is reported refused).
        With ``strict``, also the suite's own idea of a careful request: each header's exact value,
        business parameters only in the JSON body (-1104), and a JSON body (-1135).
        """
        if strict:
            missing = [name for name, value in contract.headers.items() if request.headers.get(name) != value]
        else:
            missing = [name for name in contract.headers if name != "User-Agent" and not request.headers.get(name)]
        if missing:
            raise Rejection(-31002)
        if contract.placement is not Placement.JSON_BODY:
            return None
        if not strict:
            return _lenient_body(request)
        extra = set(params) - set(SIGNING_PARAMS)
        if extra:
            read = len(set(params) & set(SIGNING_PARAMS)) + 1
            raise Rejection(
                -1104,
                f"Not all sent parameters were read; read '{read}' parameter(s) but was sent '{len(params) + 1}'.",
            )
        if request.mimetype != "application/json":
            raise Rejection(-1135)
        try:
            body = json.loads(request.get_data(as_text=True))
        except json.JSONDecodeError:
            raise Rejection(-1135) from None
        if not isinstance(body, dict):
            raise Rejection(-1135)
        return body

    def _unknown_path(self, path: str) -> Response:
        """A path no endpoint has, as Binance's gateway answers it: under /sapi/ an empty 200 (or the scenario's
        404 ``{"error": "Not Found"}``), elsewhere a 404 with no body (docs/emulator.md gives the sources)."""
        if not path.startswith("/sapi/"):
            return Response(b"", 404)
        if self.scenario.unknown_paths is UnknownPaths.NOT_FOUND:
            return _json({"error": "Not Found"}, 404)
        return Response(b"", 200)

    def _answer(self, answer: Behaviour | int | Written, contract: Contract | None, key: KeyScenario) -> Response:
        if isinstance(answer, Written):
            return _json(answer.body, answer.status)
        if answer is Behaviour.NO_ANSWER:
            return Response(_NoAnswer(self._released, self.scenario.no_answer_hold))
        if answer is Behaviour.EMPTY_200:
            return Response(b"", 200)
        if answer is Behaviour.OK and contract is None:
            return _json(API_RESTRICTIONS)
        if answer is Behaviour.OK:
            assert contract is not None
            data = None if contract.example is NO_EXAMPLE else contract.example
            if contract.id == CHAT_CREDENTIAL_ID:  # the key's own credential, for the emulator's chat socket
                url = self.chat_socket_url or contract.example["chatWssUrl"]
                data = {"chatWssUrl": url, "listenKey": key.listen_key, "listenToken": key.listen_token}
            envelope: dict[str, Any] = {"code": "000000", "message": "success", "data": data, "success": True}
            if isinstance(data, list) and self.strict:  # "total" is optional in the envelope: assumed
                envelope["total"] = len(data)
            return _json(envelope)
        if answer is Behaviour.NOT_FOUND:
            return _json(
                {
                    "code": "EMULATOR_NOT_FOUND",
                    "message": "Emulator: no record with this id.",
                    "data": None,
                    "success": False,
                }
            )
        if answer is Behaviour.HTTP_500:
            return Response("<html><body><h1>500 Internal Server Error</h1></body></html>", 500, mimetype="text/html")
        if answer is Behaviour.RATE_LIMITED:
            response = error_response(Rejection(-1003))
            response.headers["Retry-After"] = "1"
            return response
        return error_response(Rejection(answer))


def _form_body(request: Request) -> str:
    """A form body as received (Binance signs it with the query), or nothing for any other body."""
    if request.mimetype != FORM:
        return ""
    return request.get_data(cache=True, as_text=True)


def _lenient_body(request: Request) -> Any:
    """The business parameters however they came: a JSON body, a form body, or none (then the query)."""
    if request.mimetype == "application/json":
        try:
            return json.loads(request.get_data(as_text=True))
        except json.JSONDecodeError:
            raise Rejection(-1135) from None  # a body that says it is JSON and is not: documented
    sent = parse_qsl(_form_body(request), keep_blank_values=True)
    return {name: value for name, value in sent if name not in SIGNING_PARAMS} or None


def _code_of(response: Response) -> int | str | None:
    if response.mimetype != "application/json":
        return None
    code = json.loads(response.get_data(as_text=True)).get("code")
    return code if isinstance(code, (int, str)) else None
