"""The signer as a requests ``AuthBase``, and the guard on the public API."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import pytest
import requests

from p2p_conformance import signer
from p2p_conformance.signer import BinanceAuth, HmacKey, encode_query
from p2p_conformance.signer import vectors as v

KEY = HmacKey(v.BINANCE_API_KEY, v.BINANCE_SECRET)


def prepare(auth: BinanceAuth, **kwargs: object) -> requests.PreparedRequest:
    return requests.Request(url="https://api.binance.com/sapi/v1/c2c/x", auth=auth, **kwargs).prepare()  # type: ignore[arg-type]


def test_auth_adds_timestamp_recv_window_signature_and_key_header() -> None:
    prepared = prepare(
        BinanceAuth(KEY, clock_ms=lambda: 1499827319559),
        method="GET",
        params=encode_query({"tradeType": "BUY", "page": 1, "rows": 10}),
    )
    query = urlsplit(prepared.url).query
    assert query == (
        "tradeType=BUY&page=1&rows=10&recvWindow=5000&timestamp=1499827319559"
        "&signature=b694253ed1e75e860c49f75ea24052d569a0f4bd480be237447d4af27f1a1275"
    )
    assert prepared.headers["X-MBX-APIKEY"] == v.BINANCE_API_KEY


def test_auth_without_recv_window_signs_over_timestamp_alone_as_the_c2c_vector() -> None:
    """recv_window=None: the payload ends with timestamp, as Binance's C2C guides and binance_common sign it."""
    auth = BinanceAuth(KEY, recv_window=7000, clock_ms=lambda: 1499827319559).with_recv_window(None)
    prepared = prepare(auth, method="GET", params=encode_query({"tradeType": "BUY", "page": 1, "rows": 10}))
    assert urlsplit(prepared.url).query == f"{v.C2C_PAYLOAD}&signature={v.C2C_SIGNATURE}"
    assert auth.with_recv_window(7000).recv_window == 7000 and auth.with_recv_window(None) is auth
    assert "recv_window=None" in repr(auth)


def test_auth_signs_what_requests_sends_even_with_its_own_encoding() -> None:
    prepared = prepare(
        BinanceAuth(KEY, recv_window=60000, offset_ms=-500, clock_ms=lambda: 1000), method="GET", params={"q": "a b*"}
    )
    payload, _, signature = urlsplit(prepared.url).query.rpartition("&signature=")
    assert payload == "q=a+b%2A&recvWindow=60000&timestamp=500"
    assert signature == hmac.new(v.BINANCE_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()


def test_auth_leaves_a_json_body_unsigned_and_untouched() -> None:
    auth = BinanceAuth(KEY, clock_ms=lambda: 1)
    first = prepare(auth, method="POST", json={"asset": "USDT"})
    second = prepare(auth, method="POST", json={"asset": "BTC"})
    assert first.url == second.url
    assert first.body == b'{"asset": "USDT"}'
    assert first.headers["Content-Type"] == "application/json"


def test_auth_refuses_a_request_that_is_already_signed() -> None:
    with pytest.raises(ValueError, match="already have signature, timestamp: leave them to the signer"):
        prepare(BinanceAuth(KEY), method="GET", params="timestamp=1&signature=x")


@pytest.mark.parametrize("recv_window", [0, 60001, 5000.5, "5000", True])
def test_recv_window_outside_binance_limits_is_refused(recv_window: object) -> None:
    with pytest.raises(ValueError, match=r"recvWindow is .*: use a whole number of milliseconds from 1 to 60000"):
        BinanceAuth(KEY, recv_window=recv_window)  # type: ignore[arg-type]


def test_auth_repr_hides_the_secret() -> None:
    text = repr(BinanceAuth(KEY))
    assert v.BINANCE_SECRET not in text and v.BINANCE_API_KEY not in text and "vmPU...Eh8A" in text


def test_public_api_is_exactly_what_the_readme_documents() -> None:
    assert sorted(signer.__all__) == [
        "API_KEY_HEADER",
        "BinanceAuth",
        "DEFAULT_RECV_WINDOW",
        "Ed25519Key",
        "HmacKey",
        "Key",
        "KeyConfigError",
        "KeyFormatWarning",
        "KeyType",
        "MAX_RECV_WINDOW",
        "Placement",
        "RsaKey",
        "SIGNING_PARAMS",
        "SignedQuery",
        "encode_query",
        "json_body",
        "load_key",
        "secret_texts",
        "sign",
        "signed_query",
        "validate_recv_window",
    ]
    assert all(hasattr(signer, name) for name in signer.__all__)
