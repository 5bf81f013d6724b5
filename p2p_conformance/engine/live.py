"""Calling endpoints for real: clock offset, ids, the signed call, and what came back."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from p2p_conformance.contracts import Catalog, Contract
from p2p_conformance.contracts.build import build_request
from p2p_conformance.contracts.checks import (
    AnswerKind,
    answer_code,
    answer_drift,
    answer_kind,
    answer_message,
    check_answer,
    check_encoding,
    is_business_error,
    observed_shape,
    parsed_body,
    read_json,
)
from p2p_conformance.contracts.model import EMULATOR_HEADER, SERVER_TIME_PATH
from p2p_conformance.contracts.request_checks import (
    check_contract_headers,
    check_parameter_definitions,
    check_time_window,
)
from p2p_conformance.engine.cross_check import second_opinion
from p2p_conformance.engine.ids import ResolvedId, list_calls, params_with_ids, resolve_ids
from p2p_conformance.engine.probe import ProbeBudget, probe
from p2p_conformance.engine.reproduction import curl_command, sent_request
from p2p_conformance.engine.transport import (
    FIELD_LIMIT,
    MAX_ANSWER_BYTES,
    NotSent,
    Sender,
    SendGate,
    cut,
    elapsed_ms,
    failure_name,
    redirect_target,
    send,
    was_cut,
)
from p2p_conformance.errors import TargetError
from p2p_conformance.model import Answer, LiveResult, utc_now
from p2p_conformance.safety import secrets_of
from p2p_conformance.safety.redaction import redact_text, scrub_body
from p2p_conformance.signer import DEFAULT_RECV_WINDOW, BinanceAuth, Key

BODY_LIMIT = 4000  # characters of a body kept for the report
DRIFT_NOTES = 20  # drift notes kept per answer
RATE_LIMIT_HEADER_PREFIXES = ("x-sapi-used-", "x-mbx-used-", "x-mbx-order-count-", "retry-after")
# What a request must carry by its contract (headers, required and well-formed parameters): a parameter
# error from Binance on a request that carried all of it is not the client's fault by this run's evidence.
CONTRACT_REQUIREMENTS = (check_contract_headers, check_parameter_definitions, check_time_window)


# The answer headers that identify a call for Binance's support (where Binance sends them), and the emulator's, which
# says an answer is not Binance's.
TRACE_HEADERS = frozenset(
    {"date", "x-mbx-uuid", "x-mbx-traceid", "x-cache", "x-amz-cf-id", "x-amz-cf-pop", EMULATOR_HEADER.lower()}
)


def kept_headers(headers: Mapping[str, str], wanted: Callable[[str], bool], secrets: Sequence[str]) -> dict[str, str]:
    """The answer headers ``wanted`` keeps, as data: each name and value bounded, and redacted (a target that
    echoes the key in a header gets it replaced, like in a body)."""
    return {
        cut(name, FIELD_LIMIT): cut(redact_text(value, secrets), FIELD_LIMIT)
        for name, value in headers.items()
        if wanted(name.lower())
    }


def rate_limit_headers(headers: Mapping[str, str], secrets: Sequence[str]) -> dict[str, str]:
    """The weight, order-count and Retry-After headers of an answer."""
    return kept_headers(headers, lambda name: name.startswith(RATE_LIMIT_HEADER_PREFIXES), secrets)


def trace_headers(headers: Mapping[str, str], secrets: Sequence[str]) -> dict[str, str]:
    """The headers that identify an answer for support: Date, x-mbx-uuid, x-mbx-traceid, CloudFront's."""
    return kept_headers(headers, TRACE_HEADERS.__contains__, secrets)


PLAUSIBLE_CLOCK_OFFSET_MS = 24 * 3600 * 1000  # a server time further from this machine's is not believed


class TargetUnreachable(TargetError, RuntimeError):
    """The target's server time could not be read: nothing else is worth calling."""


def measure_clock_offset(http: Sender, base_url: str, gate: SendGate) -> int:
    """Server minus local time in ms, from ``GET /api/v3/time`` (half the round trip assumed)."""
    where = f"cannot read the server time at {base_url}{SERVER_TIME_PATH}"
    sent = time.time() * 1000
    try:
        response = send(http, requests.Request("GET", base_url + SERVER_TIME_PATH).prepare(), gate)
        if (elsewhere := redirect_target(response)) is not None:
            raise TargetUnreachable(f"{where}: HTTP {response.status_code} redirecting to {elsewhere}, not followed")
        response.raise_for_status()
        server_time = read_json(response.content)["serverTime"]
    except NotSent as error:
        raise TargetUnreachable(f"{where}: {error}") from None
    except (requests.RequestException, ValueError, KeyError, TypeError, OverflowError, RecursionError) as error:
        raise TargetUnreachable(f"{where}: {failure_name(error)}; check --binance-url and the network") from None
    received = time.time() * 1000
    # A whole number of milliseconds near this machine's clock, or nothing is signed with it.
    if type(server_time) is not int or abs(server_time - received) > PLAUSIBLE_CLOCK_OFFSET_MS:
        raise TargetUnreachable(
            f"{where}: the server's time is not plausible ({cut(str(server_time), 40)!r} is not a whole number of "
            "milliseconds within a day of this machine's clock); nothing was signed with it"
        )
    return round(server_time - (sent + received) / 2)


@dataclass(frozen=True, kw_only=True)
class CallSettings:
    """What every key's calls of a run share besides the key: the catalog, the target, the receive window, and
    what else a failing call gets (``--cross-check``, ``--probe``). The run's plan makes it once."""

    catalog: Catalog
    base_url: str
    recv_window: int = DEFAULT_RECV_WINDOW
    cross_check: bool = False  # send each failing call again through Binance's own SDK code
    probes: ProbeBudget | None = None  # --probe: how many more failing endpoints may be sent in other shapes
    probe_endpoints: frozenset[str] = frozenset()  # only these (the case's --focus), when given


class LiveSession:
    """Everything a key's calls share: the run's call settings, the key, the clock offset, and the ids its calls
    need.

    Made by :meth:`open`, which measures the clock offset (every signature needs it); constructing
    one sends nothing.
    """

    def __init__(self, settings: CallSettings, key: Key, http: Sender, gate: SendGate, offset_ms: int) -> None:
        self.probes = settings.probes
        self.probe_endpoints = settings.probe_endpoints
        self.catalog = settings.catalog
        self.base_url = settings.base_url
        self.recv_window = settings.recv_window
        self.cross_check = settings.cross_check
        self.key = key
        self.secrets = secrets_of([key])  # a server that echoes them back gets them redacted
        self.http = http
        self.gate = gate  # one per run: Binance's limits are per IP, whatever the key
        self.offset_ms = offset_ms
        self.auth = BinanceAuth(key, recv_window=self.recv_window, offset_ms=offset_ms)
        self.ids: dict[str, ResolvedId] = {}
        # The fields of an answer a later check needs (a credential), by the endpoint that answers it: in memory only.
        self.credential_fields = settings.catalog.credential_fields

    def resync(self, offset_ms: int) -> None:
        """Sign from now on with ``offset_ms``, the clock offset read again at a later round's start (over hours
        the clocks drift apart)."""
        self.offset_ms = offset_ms
        self.auth = BinanceAuth(self.key, recv_window=self.recv_window, offset_ms=offset_ms)

    @classmethod
    def open(cls, settings: CallSettings, key: Key, http: Sender, gate: SendGate | None = None) -> LiveSession:
        """A key's session, once the target's clock has been read (raises :class:`TargetUnreachable`)."""
        gate = gate or SendGate()
        return cls(settings, key, http, gate, measure_clock_offset(http, settings.base_url, gate))

    def __repr__(self) -> str:
        return f"LiveSession({self.base_url}, {self.key!r}, offset_ms={self.offset_ms})"

    def start_id_lookups(
        self, contracts: Sequence[Contract], user_ids: Mapping[str, str], pool: Executor
    ) -> dict[str, Future[Any]]:
        """The list calls that give the ids ``contracts`` need, started in ``pool``: their answers by endpoint."""
        return {
            contract.id: pool.submit(self._list_body, contract)
            for contract in list_calls(self.catalog, list(contracts), user_ids)
        }

    def set_ids(
        self, contracts: Sequence[Contract], user_ids: Mapping[str, str], lookups: Mapping[str, Future[Any]]
    ) -> None:
        """Wait for the list calls of :meth:`start_id_lookups` and keep the ids they give (or placeholders)."""
        self.ids = resolve_ids(self.catalog, list(contracts), user_ids, lambda source: lookups[source.id].result())

    def send(self, request: requests.PreparedRequest, weight: int = 1) -> requests.Response:
        """Send one signed request of this session: no redirect followed, within the run's rate limits."""
        return send(self.http, request, self.gate, weight)

    def _list_body(self, contract: Contract) -> Any:
        try:
            response = self.send(build_request(contract, self.base_url, self.auth), contract.request_weight)
        except (requests.RequestException, NotSent):
            return None
        return parsed_body(response) if check_answer(contract, response) is None else None

    def call(self, contract: Contract) -> LiveResult:
        """Call a read-only endpoint once and judge the answer against its contract."""
        if not contract.read_only:
            raise ValueError(f"{contract.id} is mutating ({contract.mutating}): it is never called live")
        result = self._call(contract)
        if result.passed:
            return result
        if self._may_probe(contract, result):
            found = probe(
                contract,
                base_url=self.base_url,
                auth=self.auth,
                params=lambda shaped: params_with_ids(shaped, self.ids),
                send=self.send,
            )
            result = replace(result, answer=replace(result.answer, probes=found))
        if not self.cross_check:
            return result
        opinion = second_opinion(
            result,
            self.base_url,
            self.auth,
            params_with_ids(contract, self.ids),
            lambda request: self.send(request, contract.request_weight),
        )
        return replace(result, answer=replace(result.answer, second_opinion=opinion))

    def _may_probe(self, contract: Contract, result: LiveResult) -> bool:
        """A failing call with an answer, of a probed endpoint, while the run's probe budget lasts."""
        wanted = not self.probe_endpoints or contract.id in self.probe_endpoints
        answered = result.answer.http_status is not None
        return self.probes is not None and wanted and answered and self.probes.take()

    def _call(self, contract: Contract) -> LiveResult:
        used = [self.ids[kind] for kind in contract.ids.values()]
        notes = tuple(resolved.how for resolved in used)
        request = build_request(contract, self.base_url, self.auth, params_with_ids(contract, self.ids))
        gaps = tuple(gap for check in CONTRACT_REQUIREMENTS if (gap := check(contract, request, "")) is not None)
        stamp = dict(parse_qsl(urlsplit(request.url or "").query)).get("timestamp", "")
        prepared = Answer(
            notes=notes,
            reproduction=curl_command(request),
            request=sent_request(request),
            request_gaps=gaps,
            timestamp=int(stamp) if stamp.isdigit() else None,
            offset_ms=self.offset_ms,
        )
        started = time.perf_counter()
        try:
            response = self.send(request, contract.request_weight)
        except NotSent as reason:
            return LiveResult(contract=contract, answer=replace(prepared, latency_ms=0.0), problem=str(reason))
        except requests.RequestException as error:
            answer = replace(prepared, sent=True, kind=AnswerKind.NO_ANSWER, latency_ms=elapsed_ms(started))
            return LiveResult(contract=contract, answer=answer, problem=f"no answer: {failure_name(error)}")
        body = parsed_body(response)
        answered = replace(
            prepared,
            sent=True,
            kind=answer_kind(response.status_code, response.content),
            http_status=response.status_code,
            latency_ms=elapsed_ms(started),
            at=utc_now(),
            rate_limit_headers=rate_limit_headers(response.headers, self.secrets),
            trace_headers=trace_headers(response.headers, self.secrets),
        )
        if (elsewhere := redirect_target(response)) is not None:
            redirected = f"received HTTP {response.status_code} redirecting to {elsewhere}, expected 200; not followed"
            answer = replace(answered, msg=f"redirect to {elsewhere}")
            return LiveResult(contract=contract, answer=answer, problem=redirected)
        code = answer_code(body)
        code = cut(code, FIELD_LIMIT) if isinstance(code, str) else code
        message = answer_message(body)
        message = cut(redact_text(str(message), self.secrets), FIELD_LIMIT) if message is not None else None
        if was_cut(response):
            notes += (f"the answer was cut at {MAX_ANSWER_BYTES:,} bytes: the rest was not read",)
        problem = check_answer(contract, response)
        if problem and is_business_error(body) and any(resolved.placeholder for resolved in used):
            notes += (f"business error {code} with a placeholder id: the key reached the endpoint",)
            problem = None
        encoding = check_encoding(response.content)
        drift = (
            tuple(cut(note, FIELD_LIMIT) for note in answer_drift(contract, body)[:DRIFT_NOTES])
            + ((encoding,) if encoding else ())
            if not problem
            else ()
        )
        answer = replace(
            answered,
            code=code,
            msg=message,
            notes=notes,
            body=cut(redact_text(scrub_body(response.text), self.secrets), BODY_LIMIT),
            drift=drift,
            observed=observed_shape(body.get("data")) if drift and isinstance(body, dict) else None,
        )
        credential = self._credential(contract, body) if problem is None else None
        return LiveResult(contract=contract, answer=answer, problem=problem, credential=credential)

    def _credential(self, contract: Contract, body: Any) -> dict[str, str] | None:
        """The credential a later check needs from an answer of ``contract`` that passed (its text fields)."""
        wanted = self.credential_fields.get(contract.id)
        data = body.get("data") if isinstance(body, dict) else None
        if not wanted or not isinstance(data, dict):
            return None
        return {name: value for name, value in data.items() if name in wanted and isinstance(value, str)}
