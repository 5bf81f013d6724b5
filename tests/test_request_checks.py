"""The request-shape checks fail on each way a request can break its contract."""

from __future__ import annotations

import re

import pytest
import requests

from p2p_conformance.contracts import Contract, load_catalog
from p2p_conformance.contracts.build import build_request
from p2p_conformance.contracts.request_checks import request_problems
from p2p_conformance.signer import BinanceAuth, HmacKey, vectors

KEY = HmacKey(vectors.BINANCE_API_KEY, vectors.BINANCE_SECRET)
URL = "https://api.binance.com"


def built(endpoint_id: str, **changes: object) -> tuple[Contract, requests.PreparedRequest]:
    contract = load_catalog()[endpoint_id]
    request = build_request(contract, URL, BinanceAuth(KEY, clock_ms=lambda: 1_700_000_000_000))
    for name, value in changes.items():
        setattr(request, name, value)
    return contract, request


def test_default_recv_window_is_5000() -> None:
    _, request = built("ads/getAds")
    assert "&recvWindow=5000&timestamp=" in (request.url or "")


def test_seed_post_has_only_signing_params_in_the_query_and_the_seed_body() -> None:
    _, request = built("ads/search")
    assert (request.url or "").split("?")[1].startswith("recvWindow=5000&timestamp=1700000000000&signature=")
    assert request.body == b'{"asset":"USDT","fiat":"USD","page":1,"rows":10,"tradeType":"BUY"}'
    assert request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("endpoint_id", "mutate", "expected"),
    [
        ("ads/search", lambda r: setattr(r, "method", "GET"), "received GET /sapi/v1/c2c/ads/search, expected POST"),
        (
            "ads/search",
            lambda r: setattr(r, "url", r.url.replace("?", "?asset=USDT&")),
            "business parameters in the query .* expected them only in the JSON body",
        ),
        ("ads/search", lambda r: r.headers.pop("Content-Type"), "received Content-Type None"),
        ("ads/search", lambda r: setattr(r, "body", b'{"asset":"BTC"}'), "expected application/json and"),
        ("ads/getAds", lambda r: setattr(r, "body", b"{}"), "expected none: parameters go in the query"),
        ("ads/getAds", lambda r: setattr(r, "url", r.url.replace("page=1&", "")), "received business query"),
        (
            "ads/getAds",
            lambda r: setattr(r, "url", r.url.replace("recvWindow=5000", "recvWindow=60001")),
            "received recvWindow='60001', expected milliseconds from 1 to 60000",
        ),
        (
            "ads/getAds",
            lambda r: setattr(r, "url", r.url.replace("timestamp=", "timestamp=x")),
            "expected milliseconds since the epoch",
        ),
        (
            "ads/getAds",
            lambda r: setattr(r, "url", r.url.replace("tradeType=BUY", "tradeType=SELL")),
            "expected HMAC-SHA256 of the transmitted query",
        ),
        (
            "ads/getAds",
            lambda r: setattr(r, "url", r.url + "&extra=1"),
            "expected them to end with \\['recvWindow', 'timestamp', 'signature'\\]",
        ),
        ("ads/getAds", lambda r: r.headers.pop("X-MBX-APIKEY"), "received no X-MBX-APIKEY header"),
        ("chat/retrieveChatCredential", lambda r: r.headers.pop("clientType"), "expected {'clientType': 'web'}"),
    ],
)
def test_each_broken_request_is_reported(endpoint_id: str, mutate: object, expected: str) -> None:
    contract, request = built(endpoint_id)
    mutate(request)  # type: ignore[operator]
    problems = request_problems(contract, request, vectors.BINANCE_SECRET)
    assert any(re.search(expected, problem) for problem in problems), problems
