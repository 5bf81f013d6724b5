"""``--probe``: a failing read-only call sent again in the documented alternative request shapes.

The case file's "tested multiple signature methods", done by the tool, as the merchant's own audit
did (audits/...: "Original", "Form URL-encoded", "With clientType header", "JSON body POST"), and
what other merchants found in production: the contract's shape; every parameter in the signed query;
every parameter in a signed form body (what ccxt and python-binance send); signed without
``recvWindow`` (or with it, where the contract leaves it out); without each header the contract
names, and with ``clientType: web`` where it names none; the catalog's named variants; the
parameters sorted by name. Each goes through the run's send gate like any call, and
only read-only endpoints are probed. If every shape gets the same refusal, the request shape is not
the cause; a shape Binance accepts is the one to use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import requests

from p2p_conformance.contracts import Contract
from p2p_conformance.contracts.build import USER_AGENT, build_request
from p2p_conformance.contracts.checks import AnswerKind, answer_code, answer_kind, check_answer, parsed_body
from p2p_conformance.engine.reproduction import sent_request
from p2p_conformance.engine.transport import NotSent, failure_name
from p2p_conformance.model import EMPTY_200_TEXT, ProbeResult, SentRequest
from p2p_conformance.signer import API_KEY_HEADER, DEFAULT_RECV_WINDOW, BinanceAuth, Placement, signed_query

CLIENT_TYPE = ("clientType", "web")  # the header some merchant endpoints want (docs/endpoints.md)
DEFAULT_PROBE_LIMIT = 6  # endpoints probed in a run: the case's six
MAX_PROBE_LIMIT = 50


@dataclass(frozen=True, kw_only=True)
class Shape:
    """One way to send an endpoint's call: what it sends, how the contract's own shape differs, and the fix to
    name if Binance accepts this one and refuses the contract's."""

    name: str  # "signed over timestamp alone"
    contract: Contract  # the contract as this shape sends it (placement, headers, parameters, recvWindow)
    contrast: str = ""  # the contract's own shape, in the same terms: "with recvWindow=5000"
    fix: str = ""  # "drop recvWindow on this endpoint"
    form_body: bool = False  # every parameter and the signature in an application/x-www-form-urlencoded body


class ProbeBudget:
    """How many more endpoints a run may probe (``--probe-limit``), shared by every key and thread."""

    def __init__(self, endpoints: int) -> None:
        self._left = endpoints
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ProbeBudget({self._left} left)"

    def take(self) -> bool:
        with self._lock:
            if self._left <= 0:
                return False
            self._left -= 1
            return True


def shapes(contract: Contract, recv_window: int) -> list[Shape]:
    """The shapes to try for ``contract``, its own first (``recv_window``: what the run signs)."""
    found = [Shape(name="as the contract says", contract=contract)]
    if contract.placement is Placement.JSON_BODY:
        found.append(
            Shape(
                name="with every parameter in the signed query",
                contract=replace(contract, placement=Placement.QUERY),
                contrast="with the parameters in a JSON body",
                fix="send every parameter in the signed query on this endpoint",
            )
        )
    if contract.method == "POST":
        found.append(
            Shape(
                name="with every parameter in a signed form body (as ccxt and python-binance send)",
                contract=contract,
                contrast="with the parameters in a JSON body"
                if contract.placement is Placement.JSON_BODY
                else "with the parameters in the signed query",
                fix="send every parameter and the signature in a form body on this endpoint",
                form_body=True,
            )
        )
    found.append(_recv_window_shape(contract, recv_window))
    found += [
        Shape(
            name=f"without the {name} header",
            contract=replace(contract, headers={other: v for other, v in contract.headers.items() if other != name}),
            contrast=f"with the header {name}: {value}",
            fix=f"leave out the {name} header on this endpoint",
        )
        for name, value in contract.headers.items()
    ]
    name, value = CLIENT_TYPE
    if name not in contract.headers:
        found.append(
            Shape(
                name=f"with the header {name}: {value}",
                contract=replace(contract, headers={**contract.headers, name: value}),
                contrast=f"without the {name} header",
                fix=f"send the header {name}: {value} on this endpoint",
            )
        )
    found += [
        Shape(
            name=f"as its variant {variant}",
            contract=contract.with_variant(variant),
            contrast="as the contract says",
            fix=f"use the variant {variant} (--variant {contract.id}={variant}); the contract may need it",
        )
        for variant in contract.variants
        if variant != contract.variant
    ]
    if len(contract.params) > 1 and list(contract.params) != sorted(contract.params):
        in_order = dict(sorted(contract.params.items()))
        found.append(
            Shape(
                name="with the parameters sorted by name",
                contract=replace(contract, params=in_order),
                contrast="in the contract's order",
                fix="send the parameters sorted by name on this endpoint",
            )
        )
    return found


def _recv_window_shape(contract: Contract, recv_window: int) -> Shape:
    """The call signed the other way round: without ``recvWindow`` when the contract signs it (Binance's C2C
    guides sign ``timestamp`` alone; a merchant's production log shows -31002 with it), else with it."""
    if contract.signs_recv_window:
        over = "its parameters and timestamp" if contract.params else "timestamp"
        return Shape(
            name=f"signed over {over} alone",
            contract=replace(contract, signs_recv_window=False),
            contrast=f"with recvWindow={recv_window}",
            fix="drop recvWindow on this endpoint",
        )
    return Shape(
        name=f"with recvWindow={recv_window}",
        contract=replace(contract, signs_recv_window=True),
        contrast="signed without recvWindow",
        fix=f"sign recvWindow={recv_window} on this endpoint",
    )


def _form_request(
    shape: Shape, base_url: str, auth: BinanceAuth, params: Mapping[str, Any]
) -> requests.PreparedRequest:
    """Every parameter and the signature in a form body, an empty query: Binance signs query and body together."""
    signer = auth.signing(shape.contract.signs_recv_window)
    body = signed_query(params, signer.key, timestamp=signer.timestamp(), recv_window=signer.recv_window).query
    headers = {
        "User-Agent": USER_AGENT,
        API_KEY_HEADER: auth.key.api_key,
        "Content-Type": "application/x-www-form-urlencoded",
        **shape.contract.headers,
    }
    url = base_url.rstrip("/") + shape.contract.path
    return requests.Request(shape.contract.method, url, headers=headers, data=body).prepare()


def probe(
    contract: Contract,
    *,
    base_url: str,
    auth: BinanceAuth,
    params: Callable[[Contract], Mapping[str, Any]],
    send: Callable[[requests.PreparedRequest, int], requests.Response],
) -> tuple[ProbeResult, ...]:
    """Send ``contract``'s call in every shape (read-only contracts only); what each got."""
    if not contract.read_only:
        raise ValueError(f"{contract.id} is mutating ({contract.mutating}): it is never probed")
    results = []
    for shape in shapes(contract, auth.recv_window or DEFAULT_RECV_WINDOW):
        sent_params = params(shape.contract)
        if shape.form_body:
            request = _form_request(shape, base_url, auth, sent_params)
            as_sent = None  # its signature is in the body: not kept, and not replayable by the Postman script
        else:
            request = build_request(shape.contract, base_url, auth, sent_params)
            as_sent = sent_request(request)
        try:
            response = send(request, contract.request_weight)
        except NotSent as reason:
            held = f"not sent ({reason})"
            results.append(_shape_tried(shape, held, accepted=False, request=as_sent))
            break  # the gate stopped the run: no shape after this one goes either
        except requests.RequestException as error:
            failure = f"no answer ({failure_name(error)})"
            results.append(_shape_tried(shape, failure, accepted=False, request=as_sent))
            continue
        body = parsed_body(response)
        code, kind = answer_code(body), answer_kind(response.status_code, response.content)
        accepted = kind is AnswerKind.SUCCESS and check_answer(shape.contract, response) is None
        shown = (
            "accepted"
            if accepted
            else str(code)
            if code is not None
            else EMPTY_200_TEXT
            if kind is AnswerKind.EMPTY_200
            else f"HTTP {response.status_code}"
        )
        results.append(_shape_tried(shape, shown[:40], accepted=accepted, request=as_sent))
    return tuple(results)


def _shape_tried(shape: Shape, answer: str, *, accepted: bool, request: SentRequest | None) -> ProbeResult:
    return ProbeResult(
        shape=shape.name, answer=answer, accepted=accepted, request=request, contrast=shape.contrast, fix=shape.fix
    )
