"""Checks of a built request against its contract, in "received / expected" form.

These read the request as it would go on the wire (method, URL, headers, body bytes) and
compare it with the contract's data, so a change to the builder that breaks a contract fails here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests

from p2p_conformance.contracts.checks import first_schema_error
from p2p_conformance.contracts.model import Contract
from p2p_conformance.signer import API_KEY_HEADER, MAX_RECV_WINDOW, SIGNING_PARAMS, Placement, encode_query


def _query(request: requests.PreparedRequest) -> str:
    return urlsplit(request.url or "").query


def _business_query(request: requests.PreparedRequest) -> str:
    """The query string before the signing parameters (``recvWindow`` or ``timestamp``, then ``signature``)."""
    pairs = _query(request).split("&")
    names = [pair.split("=", 1)[0] for pair in pairs]
    end = next((names.index(name) for name in SIGNING_PARAMS if name in names), len(pairs))
    return "&".join(pairs[:end])


def check_method_and_path(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    received = f"{request.method} {urlsplit(request.url or '').path}"
    expected = f"{contract.method} {contract.path}"
    return None if received == expected else f"received {received}, expected {expected}"


def check_signing_params_last(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    names = [name for name, _ in parse_qsl(_query(request), keep_blank_values=True)]
    expected = contract.signing_params
    if tuple(names[-len(expected) :]) == expected and names.count("recvWindow") == expected.count("recvWindow"):
        return None
    return f"received query parameters {names}, expected them to end with {list(expected)}"


def check_recv_window(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    value = dict(parse_qsl(_query(request))).get("recvWindow")
    if not contract.signs_recv_window:
        return None if value is None else f"received recvWindow={value!r}, expected none: signed over timestamp alone"
    if value is not None and value.isdigit() and 0 < int(value) <= MAX_RECV_WINDOW:
        return None
    return f"received recvWindow={value!r}, expected milliseconds from 1 to {MAX_RECV_WINDOW}"


def check_timestamp(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    value = dict(parse_qsl(_query(request))).get("timestamp", "")
    return None if value.isdigit() else f"received timestamp={value!r}, expected milliseconds since the epoch"


def check_signature(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    payload, _, signature = _query(request).rpartition("&signature=")
    expected = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if hmac.compare_digest(signature, expected):
        return None
    return f"received signature {signature[:12]}..., expected HMAC-SHA256 of the transmitted query {payload!r}"


def check_api_key_header(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    return None if request.headers.get(API_KEY_HEADER) else f"received no {API_KEY_HEADER} header, expected the key"


def check_contract_headers(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    wrong = {
        name: request.headers.get(name)
        for name, value in contract.headers.items()
        if request.headers.get(name) != value
    }
    return None if not wrong else f"received headers {wrong}, expected {dict(contract.headers)}"


def check_parameter_placement(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    query, content_type = _business_query(request), request.headers.get("Content-Type")
    if contract.placement is Placement.JSON_BODY:
        body = json.loads(request.body) if request.body else None
        if query:
            return f"received business parameters in the query ({query!r}), expected them only in the JSON body"
        if content_type != "application/json" or body != dict(contract.params):
            return (
                f"received Content-Type {content_type!r} and body {request.body!r}, "
                f"expected application/json and {json.dumps(dict(contract.params))}"
            )
        return None
    if request.body or content_type:
        return f"received a body ({request.body!r}, {content_type!r}), expected none: parameters go in the query"
    expected = encode_query(contract.params)
    return None if query == expected else f"received business query {query!r}, expected {expected!r}"


def _sent_parameters(contract: Contract, request: requests.PreparedRequest) -> dict[str, Any]:
    """The business parameters as sent, typed as the definitions say (a query carries only text)."""
    if contract.placement is Placement.JSON_BODY:
        body = json.loads(request.body) if request.body else {}
        return dict(body) if isinstance(body, dict) else {}
    properties = contract.parameter_schema["properties"]
    sent: dict[str, Any] = {}
    for name, text in parse_qsl(_business_query(request), keep_blank_values=True):
        kind = properties.get(name, {}).get("type")
        try:
            sent[name] = json.loads(text) if kind in ("integer", "number", "boolean", "array", "object") else text
        except ValueError:
            sent[name] = text  # not of its type: the schema says so below
    return sent


def check_parameter_definitions(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    problem = first_schema_error(contract.parameter_schema, _sent_parameters(contract, request))
    if problem is None:
        return None
    return f"received parameters that break their definitions at {problem}, expected what the contract defines"


def check_time_window(contract: Contract, request: requests.PreparedRequest, secret: str) -> str | None:
    window = contract.time_window
    if window is None:
        return None
    stamp = dict(parse_qsl(_query(request))).get("timestamp", "")
    return window.problem(_sent_parameters(contract, request), int(stamp) if stamp.isdigit() else 0)


RequestCheck = Callable[[Contract, requests.PreparedRequest, str], "str | None"]
REQUEST_CHECKS: tuple[RequestCheck, ...] = (
    check_method_and_path,
    check_signing_params_last,
    check_recv_window,
    check_timestamp,
    check_signature,
    check_api_key_header,
    check_contract_headers,
    check_parameter_placement,
    check_parameter_definitions,
    check_time_window,
)


def request_problems(contract: Contract, request: requests.PreparedRequest, secret: str) -> list[str]:
    """Every way ``request`` breaks ``contract`` (an HMAC ``secret`` checks the signature)."""
    return [problem for check in REQUEST_CHECKS if (problem := check(contract, request, secret)) is not None]
