"""Control checks, run before the endpoints: what proves "credentials valid, signature correct".

A C2C endpoint answering -2008 means little alone; next to these it is an argument: the server's
clock is reachable and close, the same key and signer are accepted by
``GET /sapi/v1/account/apiRestrictions``, and the signer reproduces Binance's published vectors.
"""

from __future__ import annotations

import base64

import requests

from contracts.checks import is_gateway_error, parsed_body
from contracts.model import API_RESTRICTIONS_PATH
from p2p_conformance.engine.diagnosis import diagnose_code
from p2p_conformance.engine.live import TIMEOUT_SECONDS, LiveSession
from p2p_conformance.model import ControlCheck
from signer import Ed25519Key, HmacKey, sign, vectors

CLOCK_SKEW_LIMIT_MS = 1000  # a timestamp more than 1 s ahead of the server is refused (-1021)


def clock_check(session: LiveSession) -> ControlCheck:
    skew = session.offset_ms
    ok = abs(skew) < CLOCK_SKEW_LIMIT_MS
    applied = "applied to every timestamp" if skew else "nothing to correct"
    return ControlCheck(
        "Server time and clock skew",
        ok,
        f"GET /api/v3/time answered; local clock is {-skew:+d} ms from the server's ({applied}).",
    )


def api_restrictions_check(session: LiveSession) -> ControlCheck:
    name = "API key permissions (GET /sapi/v1/account/apiRestrictions)"
    prepared = requests.Request("GET", session.base_url + API_RESTRICTIONS_PATH, auth=session.auth).prepare()
    try:
        response = session.http.send(prepared, timeout=TIMEOUT_SECONDS)
    except requests.RequestException as error:
        return ControlCheck(name, False, f"no answer ({type(error).__name__}).")
    body = parsed_body(response)
    if response.status_code == 200 and isinstance(body, dict):
        flags = ", ".join(f"{flag}={body.get(flag)}" for flag in ("enableReading", "ipRestrict", "createTime"))
        return ControlCheck(
            name, body.get("enableReading") is True, f"HTTP 200: the key and its signature are accepted ({flags})."
        )
    if is_gateway_error(body):
        meaning = diagnose_code(body["code"], response.status_code)
        return ControlCheck(name, False, f"HTTP {response.status_code}, {meaning.diagnosis} {meaning.next_step}")
    return ControlCheck(name, False, f"HTTP {response.status_code} without a Binance error code.")


def signer_self_check() -> ControlCheck:
    doc_key = HmacKey(vectors.BINANCE_API_KEY, vectors.BINANCE_SECRET)
    rfc_key = Ed25519Key(vectors.BINANCE_API_KEY, vectors.RFC8032_PEM)
    results = {
        "HMAC ASCII": sign(vectors.ASCII_PAYLOAD, doc_key) == vectors.ASCII_SIGNATURE,
        "HMAC non-ASCII, percent-encoded": sign(vectors.NON_ASCII_PAYLOAD, doc_key) == vectors.NON_ASCII_SIGNATURE,
        "Ed25519 RFC 8032 test 1": base64.b64decode(sign("", rfc_key)).hex() == vectors.RFC8032_EMPTY_SIGNATURE_HEX,
    }
    evidence = "; ".join(f"{name}: {'reproduced' if ok else 'MISMATCH'}" for name, ok in results.items())
    return ControlCheck(
        "Signature self-check against Binance's published vectors",
        all(results.values()),
        f"{evidence} (e.g. {vectors.ASCII_SIGNATURE[:16]}... for the ASCII order example).",
    )


def run_controls(session: LiveSession) -> list[ControlCheck]:
    return [clock_check(session), api_restrictions_check(session), signer_self_check()]
