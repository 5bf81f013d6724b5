"""The signer reproduces Binance's published HMAC vectors and RFC 8032's Ed25519 vector."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from p2p_conformance.signer import Ed25519Key, HmacKey, encode_query, sign, signed_query
from p2p_conformance.signer import vectors as v

ORDER = [("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTC"), ("quantity", 1), ("price", "0.1")]


@pytest.fixture
def binance_doc_key() -> HmacKey:
    """The key and secret printed in Binance's "SIGNED Endpoint Examples"."""
    return HmacKey(v.BINANCE_API_KEY, v.BINANCE_SECRET)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(v.ASCII_PAYLOAD, v.ASCII_SIGNATURE, id="ascii"),
        pytest.param(v.NON_ASCII_PAYLOAD, v.NON_ASCII_SIGNATURE, id="non-ascii-percent-encoded"),
        pytest.param(v.C2C_PAYLOAD, v.C2C_SIGNATURE, id="c2c-history-derived"),
    ],
)
def test_hmac_signature_matches_published_vector(binance_doc_key: HmacKey, payload: str, expected: str) -> None:
    assert sign(payload, binance_doc_key) == expected


def test_non_ascii_payload_is_encoded_exactly_as_binance_documents() -> None:
    params = [("symbol", v.NON_ASCII_SYMBOL), *ORDER, ("recvWindow", 5000), ("timestamp", 1499827319559)]
    assert encode_query(params) == v.NON_ASCII_PAYLOAD


def test_signed_query_reproduces_the_non_ascii_vector_end_to_end(binance_doc_key: HmacKey) -> None:
    signed = signed_query([("symbol", v.NON_ASCII_SYMBOL), *ORDER], binance_doc_key, timestamp=1499827319559)
    assert signed.query == f"{v.NON_ASCII_PAYLOAD}&signature={v.NON_ASCII_SIGNATURE}"


def test_signed_query_without_recv_window_reproduces_the_c2c_vector_end_to_end(binance_doc_key: HmacKey) -> None:
    """Binance's C2C guides and binance_common sign over the parameters and timestamp alone."""
    params = {"tradeType": "BUY", "page": 1, "rows": 10}
    signed = signed_query(params, binance_doc_key, timestamp=1499827319559, recv_window=None)
    assert signed.query == f"{v.C2C_PAYLOAD}&signature={v.C2C_SIGNATURE}"


def test_the_c2c_guide_s_printed_signature_is_not_hmac_of_its_own_example() -> None:
    """The example of the C2C SAPI v7.4 reference Binance sent the case's merchant: its printed figure is not the
    HMAC-SHA256 of its payload with its secret (openssl gives the same as here), so it proves nothing either way;
    hashlib, written by nobody here, and the signer agree."""
    key = HmacKey("a" * 64, v.C2C_GUIDE_SECRET)
    independent = hmac.new(v.C2C_GUIDE_SECRET.encode(), v.C2C_GUIDE_PAYLOAD.encode(), hashlib.sha256).hexdigest()
    assert sign(v.C2C_GUIDE_PAYLOAD, key) == independent == v.C2C_GUIDE_SIGNATURE != v.C2C_GUIDE_PRINTED_SIGNATURE
    signed = signed_query({"adsNo": "10191633467710386176"}, key, timestamp=1591702613943, recv_window=None)
    assert signed.query == f"{v.C2C_GUIDE_PAYLOAD}&signature={v.C2C_GUIDE_SIGNATURE}"


def test_unencoded_payload_gives_the_signature_binance_now_rejects(binance_doc_key: HmacKey) -> None:
    unencoded = v.NON_ASCII_PAYLOAD.replace(encode_query({"s": v.NON_ASCII_SYMBOL})[2:], v.NON_ASCII_SYMBOL)
    assert sign(unencoded, binance_doc_key) == v.UNENCODED_SIGNATURE != v.NON_ASCII_SIGNATURE


def test_ed25519_matches_rfc8032_test_1() -> None:
    key = Ed25519Key("a" * 64, v.RFC8032_PEM)
    assert base64.b64decode(sign("", key)).hex() == v.RFC8032_EMPTY_SIGNATURE_HEX
    public = serialization.load_pem_public_key(key.public_key_pem())
    assert isinstance(public, ed25519.Ed25519PublicKey)
    assert public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex() == v.RFC8032_PUBLIC_HEX


def test_ed25519_matches_the_derived_order_vector() -> None:
    assert sign(v.ED25519_ORDER_PAYLOAD, Ed25519Key("a" * 64, v.RFC8032_PEM)) == v.ED25519_ORDER_SIGNATURE


def test_asymmetric_signature_is_percent_encoded_in_the_query() -> None:
    key = Ed25519Key("a" * 64, v.RFC8032_PEM)
    query = signed_query({}, key, timestamp=1).query
    payload, _, signature = query.rpartition("&signature=")
    assert signature == encode_query({"s": sign(payload, key)})[2:]
    assert "/" not in signature and "+" not in signature and "=" not in signature
