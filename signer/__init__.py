"""A minimal signer for Binance's signed REST endpoints, checked against Binance's published vectors.

>>> from p2p_conformance.signer import HmacKey, signed_query
>>> key = HmacKey("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A",
...               "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
>>> key
HmacKey(api_key='vmPU...Eh8A')
>>> signed_query({"tradeType": "BUY", "page": 1}, key, timestamp=1499827319559).query
'tradeType=BUY&page=1&recvWindow=5000&timestamp=1499827319559&signature=...'
"""

from p2p_conformance.signer.auth import API_KEY_HEADER, BinanceAuth
from p2p_conformance.signer.encoding import encode_query
from p2p_conformance.signer.env import load_key
from p2p_conformance.signer.errors import KeyConfigError, KeyFormatWarning
from p2p_conformance.signer.keys import Ed25519Key, HmacKey, Key, KeyType, RsaKey, secret_texts
from p2p_conformance.signer.signing import (
    DEFAULT_RECV_WINDOW,
    MAX_RECV_WINDOW,
    SIGNING_PARAMS,
    Placement,
    SignedQuery,
    json_body,
    sign,
    signed_query,
    validate_recv_window,
)

__all__ = [
    "API_KEY_HEADER",
    "DEFAULT_RECV_WINDOW",
    "MAX_RECV_WINDOW",
    "SIGNING_PARAMS",
    "BinanceAuth",
    "Ed25519Key",
    "HmacKey",
    "Key",
    "KeyConfigError",
    "KeyFormatWarning",
    "KeyType",
    "Placement",
    "RsaKey",
    "SignedQuery",
    "encode_query",
    "json_body",
    "load_key",
    "secret_texts",
    "sign",
    "signed_query",
    "validate_recv_window",
]
