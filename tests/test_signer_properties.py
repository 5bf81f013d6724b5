"""Properties of signing that must hold for every input, checked with hypothesis."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qsl

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from hypothesis import assume, given
from hypothesis import strategies as st

from p2p_conformance.signer import (
    SIGNING_PARAMS,
    Ed25519Key,
    HmacKey,
    Placement,
    RsaKey,
    encode_query,
    sign,
    signed_query,
)
from p2p_conformance.signer import vectors as v

SECRET = v.BINANCE_SECRET
KEY = HmacKey(v.BINANCE_API_KEY, SECRET)
ENCODED = re.compile(r"(?:[A-Za-z0-9\-_.~]|%[0-9A-F]{2})*")

texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
names = texts.filter(bool)
values = st.one_of(texts, st.integers(), st.booleans(), st.lists(st.integers(), max_size=3))
# business parameters: never named like those the signer adds (those are refused: see the last test)
params_lists = st.lists(
    st.tuples(names.filter(lambda name: name not in SIGNING_PARAMS), values),
    min_size=1,
    max_size=6,
    unique_by=lambda pair: pair[0],
)
timestamps = st.integers(min_value=1_000_000_000_000, max_value=9_999_999_999_999)
recv_windows = st.one_of(st.none(), st.integers(min_value=1, max_value=60_000))  # None: not signed at all


def transmitted_payload(query: str) -> str:
    payload, separator, _ = query.rpartition("&signature=")
    assert separator, f"received query without a trailing signature: {query!r}"
    return payload


def signature_of(query: str) -> str:
    return query.rpartition("&signature=")[2]


@given(params_lists, timestamps)
def test_signing_is_deterministic(params: list, timestamp: int) -> None:
    assert signed_query(params, KEY, timestamp=timestamp) == signed_query(params, KEY, timestamp=timestamp)


@given(params_lists, timestamps, recv_windows)
def test_signature_is_hmac_over_the_exact_transmitted_query(
    params: list, timestamp: int, recv_window: int | None
) -> None:
    query = signed_query(params, KEY, timestamp=timestamp, recv_window=recv_window).query
    expected = hmac.new(SECRET.encode(), transmitted_payload(query).encode(), hashlib.sha256).hexdigest()
    assert signature_of(query) == expected
    timing = [
        (name, value) for name, value in parse_qsl(transmitted_payload(query)) if name in ("recvWindow", "timestamp")
    ]
    assert timing[-1] == ("timestamp", str(timestamp))  # last before the signature, recvWindow (if any) before it
    assert [value for name, value in timing if name == "recvWindow"] == (
        [] if recv_window is None else [str(recv_window)]
    )


@st.composite
def changed_params(draw: st.DrawFn) -> tuple[list, list]:
    params = draw(params_lists)
    index = draw(st.integers(0, len(params) - 1))
    name, value = params[index]
    changed = list(params)
    how = draw(st.sampled_from(["name", "value", "order"]))
    if how == "name":
        new_name = draw(names.filter(lambda n: n not in dict(params)))
        changed[index] = (new_name, value)
    elif how == "value":
        changed[index] = (name, draw(values.filter(lambda x: encode_query({"v": x}) != encode_query({"v": value}))))
    else:
        assume(len(params) > 1)
        other = draw(st.integers(0, len(params) - 1).filter(lambda i: i != index))
        changed[index], changed[other] = changed[other], changed[index]
    return params, changed


@given(changed_params(), timestamps)
def test_any_change_to_a_name_value_or_order_changes_the_signature(pair: tuple[list, list], timestamp: int) -> None:
    original, changed = pair
    assume(encode_query(original) != encode_query(changed))  # e.g. swapping two identical encodings
    first = signature_of(signed_query(original, KEY, timestamp=timestamp).query)
    second = signature_of(signed_query(changed, KEY, timestamp=timestamp).query)
    assert first != second


@given(st.lists(st.tuples(names, st.one_of(texts, st.integers())), max_size=6))
def test_encode_query_round_trips_and_emits_only_unreserved_and_percent_escapes(params: list) -> None:
    encoded = encode_query(params)
    assert all(ENCODED.fullmatch(part) for part in encoded.split("&") for part in part.split("=", 1)), encoded
    assert parse_qsl(encoded, keep_blank_values=True) == [(name, str(value)) for name, value in params]


@given(st.dictionaries(names, values, max_size=5), st.dictionaries(names, values, max_size=5), timestamps)
def test_json_body_never_influences_the_signature(body: dict, other_body: dict, timestamp: int) -> None:
    first = signed_query(body, KEY, timestamp=timestamp, placement=Placement.JSON_BODY)
    second = signed_query(other_body, KEY, timestamp=timestamp, placement=Placement.JSON_BODY)
    assert first.query == second.query
    assert first.query.startswith(f"recvWindow=5000&timestamp={timestamp}&signature=")


@pytest.fixture(scope="module")
def rsa_key() -> RsaKey:
    """An RSA-2048 key made for this module (generation is slow, so only once)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return RsaKey("r" * 64, pem)


@given(payload=texts)
def test_rsa_signature_verifies_with_the_public_key(rsa_key: RsaKey, payload: str) -> None:
    public = serialization.load_pem_public_key(rsa_key.public_key_pem())
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(base64.b64decode(sign(payload, rsa_key)), payload.encode(), padding.PKCS1v15(), hashes.SHA256())


@given(payload=texts)
def test_ed25519_signature_verifies_with_the_public_key(payload: str) -> None:
    key = Ed25519Key("e" * 64, v.RFC8032_PEM)
    public = serialization.load_pem_public_key(key.public_key_pem())
    assert isinstance(public, ed25519.Ed25519PublicKey)
    public.verify(base64.b64decode(sign(payload, key)), payload.encode())


@given(params_lists, st.sampled_from(["recvWindow", "timestamp", "signature"]), timestamps, recv_windows)
def test_a_parameter_named_like_one_the_signer_adds_is_refused(
    params: list, name: str, timestamp: int, recv_window: int | None
) -> None:
    """Binance would get two of them, and check one the caller did not mean: one clear error instead."""
    with pytest.raises(ValueError, match=f"already have {name}: leave them to the signer"):
        signed_query(
            [*[(n, v) for n, v in params if n != name], (name, "0")], KEY, timestamp=timestamp, recv_window=recv_window
        )
