"""Control checks, run before the endpoints: the target's clock, the key's own permissions, the signer.

Alone, a C2C endpoint answering -2008 means little; next to these, and next to the endpoints that
answered, it is evidence (see :mod:`.evidence`): the server's clock is reachable and close, the
key's permissions answer (or not) on ``GET /sapi/v1/account/apiRestrictions``, and the signer
reproduces Binance's published vectors.
"""

from __future__ import annotations

import base64

import requests

from p2p_conformance.contracts.checks import is_gateway_error, parsed_body
from p2p_conformance.contracts.model import API_RESTRICTIONS_PATH
from p2p_conformance.engine.conclusions import code_meaning
from p2p_conformance.engine.live import LiveSession
from p2p_conformance.engine.transport import NotSent, failure_name, redirect_target
from p2p_conformance.model import ControlCheck, ControlKind, clock_words, utc_now
from p2p_conformance.signer import Ed25519Key, HmacKey, sign, vectors

CLOCK_SKEW_LIMIT_MS = 1000  # a timestamp more than 1 s ahead of the server is refused (-1021)
API_RESTRICTIONS_NAME = "API key permissions (GET /sapi/v1/account/apiRestrictions)"


def clock_check(session: LiveSession) -> ControlCheck:
    skew = session.offset_ms
    applied = "every timestamp corrected by it" if skew else "nothing to correct"
    return ControlCheck(
        kind=ControlKind.CLOCK,
        name="Server time and clock skew",
        ok=abs(skew) < CLOCK_SKEW_LIMIT_MS,
        evidence=f"GET /api/v3/time answered: {clock_words(skew)} ({applied}).",
    )


def api_restrictions_check(session: LiveSession) -> ControlCheck:
    def refused(evidence: str, http_status: int | None = None, code: int | None = None) -> ControlCheck:
        return ControlCheck(
            kind=ControlKind.API_RESTRICTIONS,
            name=API_RESTRICTIONS_NAME,
            ok=False,
            evidence=evidence,
            at=utc_now(),
            http_status=http_status,
            code=code,
        )

    prepared = requests.Request("GET", session.base_url + API_RESTRICTIONS_PATH, auth=session.auth).prepare()
    try:
        response = session.send(prepared)
    except NotSent as reason:
        return refused(f"{reason}.")
    except requests.RequestException as error:
        return refused(f"no answer ({failure_name(error)}).")
    if (elsewhere := redirect_target(response)) is not None:
        return refused(f"HTTP {response.status_code} redirecting to {elsewhere}: not followed.", response.status_code)
    body = parsed_body(response)
    if response.status_code == 200 and isinstance(body, dict):
        flags = ", ".join(f"{flag}={body.get(flag)}" for flag in ("enableReading", "ipRestrict", "createTime"))
        return ControlCheck(
            kind=ControlKind.API_RESTRICTIONS,
            name=API_RESTRICTIONS_NAME,
            ok=body.get("enableReading") is True,
            evidence=f"HTTP 200: the key and its signature are accepted ({flags}).",
            at=utc_now(),
            http_status=200,
        )
    if is_gateway_error(body):
        meaning = code_meaning(body["code"], response.status_code, body.get("msg"))
        evidence = f"HTTP {response.status_code}, {meaning.diagnosis} {meaning.next_step}"
        return refused(evidence, response.status_code, body["code"])
    return refused(f"HTTP {response.status_code} without a Binance error code.", response.status_code)


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
        kind=ControlKind.SIGNER,
        name="Signature self-check against Binance's published vectors",
        ok=all(results.values()),
        evidence=f"{evidence} (e.g. {vectors.ASCII_SIGNATURE[:16]}... for the ASCII order example).",
    )


def run_controls(session: LiveSession) -> list[ControlCheck]:
    return [clock_check(session), api_restrictions_check(session), signer_self_check()]
