"""What Binance's gateway checks before a signed request reaches an endpoint.

API key header (-2014, -2015), ``timestamp`` and ``signature`` present (-1102), ``recvWindow`` at
most 60000 (-1102), the timestamp inside the window (-1021), and the signature over the exact
bytes received, percent-encoded (-1022): Binance signs "the query string concatenated with the
request body" (a form body; a JSON body is not part of it), and takes the signing parameters from
either. Written independently of ``signer``: it checks the bytes on the wire, as Binance does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from p2p_conformance.emulator.scenario import KeyScenario, Scenario
from p2p_conformance.errors import P2PConformanceError

MAX_RECV_WINDOW = 60000
# --strict: only what an RFC 3986 encoder writes. By default only what Binance documents refusing: a
# payload with characters that were never percent-encoded (non-ASCII, spaces); '@' or ',' pass, as
# Binance's legacy connector sends them.
PERCENT_ENCODED = re.compile(r"[A-Za-z0-9\-_.~%=&+*!'()]*")
NOT_ENCODED = re.compile(r"[^\x21-\x7e]")
RECV_WINDOW = re.compile(r"\d+(\.\d{1,3})?")  # up to three decimals (spot API since 2025-08-12)


@dataclass
class Rejection(P2PConformanceError):
    """The gateway's refusal: a Binance error code and, where it differs, the exact message."""

    code: int
    message: str | None = None


def _mandatory(name: str) -> Rejection:
    return Rejection(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def _signature_valid(key: KeyScenario, payload: bytes, signature: str) -> bool:
    if key.secret is not None:
        expected = hmac.new(key.secret.encode("utf-8"), payload, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature.lower())
    assert key.public_key is not None
    public = serialization.load_pem_public_key(key.public_key.encode("ascii"))
    try:
        raw = base64.b64decode(unquote(signature), validate=True)
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(raw, payload, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public, ed25519.Ed25519PublicKey):
            public.verify(raw, payload)
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def _signed_parts(raw_query: str, form_body: str) -> tuple[str, str]:
    """The signed payload and the signature: the signature is the last ``signature`` parameter of the form
    body, else of the query; the payload is the query and the body concatenated (no separator between
    them, as Binance documents), without the signature."""
    body_part, in_body, body_signature = f"&{form_body}".rpartition("&signature=")
    if in_body:
        return raw_query + body_part[1:], body_signature
    query_part, _, query_signature = f"&{raw_query}".rpartition("&signature=")
    return query_part[1:] + form_body, query_signature


def authenticate(
    scenario: Scenario,
    api_key: str | None,
    raw_query: str,
    now_ms: int,
    path: str = "/sapi/",
    strict: bool = False,
    form_body: str = "",
) -> tuple[KeyScenario, dict[str, str]]:
    """The key and the signed parameters of an accepted request; raises :class:`Rejection`.

    ``form_body``: an ``application/x-www-form-urlencoded`` body as received; it is signed with the query.
    """
    if not api_key or not api_key.isascii() or api_key != api_key.strip():
        raise Rejection(-2014)
    key = scenario.key_for(api_key)
    if key is None:  # a key Binance does not know: -2008 on /sapi/ (observed), -2015 on /api/ (documented)
        raise Rejection(-2008 if path.startswith("/sapi/") else -2015)
    payload, signature = _signed_parts(raw_query, form_body)
    params = dict(parse_qsl(raw_query, keep_blank_values=True)) | dict(parse_qsl(form_body, keep_blank_values=True))
    params.pop("signature", None)
    if not params.get("timestamp", "").isdigit():
        raise _mandatory("timestamp")
    if not signature:
        raise _mandatory("signature")
    recv_window = params.get("recvWindow", "5000")
    if not (recv_window.isdigit() if strict else RECV_WINDOW.fullmatch(recv_window)):
        raise _mandatory("recvWindow")
    if float(recv_window) > MAX_RECV_WINDOW:
        raise Rejection(-1102, f"'recvWindow' contains unexpected value. Cannot be greater than {MAX_RECV_WINDOW}.")
    timestamp = int(params["timestamp"])
    if timestamp >= now_ms + 1000:
        raise Rejection(-1021, "Timestamp for this request was 1000ms ahead of the server's time.")
    if now_ms - timestamp > float(recv_window):
        raise Rejection(-1021)
    # Since 2026-01-15 a payload that was not percent-encoded before signing is rejected.
    unencoded = not PERCENT_ENCODED.fullmatch(payload) if strict else NOT_ENCODED.search(payload)
    if unencoded or not _signature_valid(key, payload.encode("latin-1"), signature):
        raise Rejection(-1022)
    return key, params
