"""Turning parameters into the exact, signed query string that is sent.

Binance signs the transmitted query string byte for byte. The signature goes last and is not
part of the signed payload. C2C uses two placements:

* ``query``: every parameter in the query string (GET, and POSTs with a scalar such as ``adsNo``);
* ``json-body``: only ``recvWindow`` and ``timestamp`` in the query; the business parameters go
  as an unsigned JSON body (the merchant convention in the seed case file).
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass

from p2p_conformance.signer.encoding import Params, encode_query, percent_encode
from p2p_conformance.signer.keys import Key

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000
SIGNING_PARAMS = ("recvWindow", "timestamp", "signature")  # added by the signer, last, in this order


class Placement(enum.StrEnum):
    """Where an endpoint's business parameters go."""

    QUERY = "query"
    JSON_BODY = "json-body"


@dataclass(frozen=True)
class SignedQuery:
    """What is sent: the query string (signature last) and, for ``json-body``, the JSON text."""

    query: str
    json_body: str | None = None


def sign(payload: str, key: Key) -> str:
    """Sign ``payload`` exactly as given: HMAC as lowercase hex, RSA and Ed25519 as base64."""
    return key.sign(payload)


def validate_recv_window(recv_window: int) -> None:
    """Refuse a recvWindow Binance would reject (-1102), before anything is sent."""
    if isinstance(recv_window, bool) or not isinstance(recv_window, int) or not 0 < recv_window <= MAX_RECV_WINDOW:
        raise ValueError(
            f"recvWindow is {recv_window!r}: use a whole number of milliseconds from 1 to "
            f"{MAX_RECV_WINDOW} (default {DEFAULT_RECV_WINDOW})"
        )


def append_signature(query: str, key: Key, *, timestamp: int, recv_window: int | None = DEFAULT_RECV_WINDOW) -> str:
    """Add ``recvWindow``, ``timestamp`` and then the signature to an already encoded query.

    ``recv_window=None`` leaves ``recvWindow`` out: the payload ends with ``timestamp`` alone, as Binance's C2C
    guides sign (the server then applies its default window, 5000 ms). Parameters named like those the signer adds
    are refused: Binance would get two of them."""
    present = sorted({pair.split("=", 1)[0] for pair in query.split("&") if pair} & set(SIGNING_PARAMS))
    if present:
        raise ValueError(f"the parameters already have {', '.join(present)}: leave them to the signer, which adds them")
    timing: list[tuple[str, int]] = [("timestamp", timestamp)]
    if recv_window is not None:
        validate_recv_window(recv_window)
        timing.insert(0, ("recvWindow", recv_window))
    signing = encode_query(timing)
    payload = f"{query}&{signing}" if query else signing
    return f"{payload}&signature={percent_encode(sign(payload, key))}"


def json_body(params: Params) -> str:
    """The JSON body of a ``json-body`` request: compact, UTF-8, order kept; never signed."""
    return json.dumps(dict(params), separators=(",", ":"), ensure_ascii=False)


def signed_query(
    params: Params,
    key: Key,
    *,
    timestamp: int,
    recv_window: int | None = DEFAULT_RECV_WINDOW,
    placement: Placement | str = Placement.QUERY,
) -> SignedQuery:
    """Build the exact query string (and JSON body) sent for ``params`` in ``placement``; ``recv_window=None``
    signs without ``recvWindow``."""
    placement = Placement(placement)
    if placement is Placement.QUERY:
        return SignedQuery(append_signature(encode_query(params), key, timestamp=timestamp, recv_window=recv_window))
    return SignedQuery(
        append_signature("", key, timestamp=timestamp, recv_window=recv_window),
        json_body(params),
    )
