"""A second opinion from Binance's own code: the failing call sent once more through ``binance-common``.

``binance_common.utils.send_request(..., is_signed=True)`` is the request code of Binance's official
SDKs: it encodes and signs the request itself, not this suite's signer. It puts every parameter in
the signed query and, for a POST, sends the business parameters again as a form body, so for a
JSON-body endpoint its request has another shape: worth knowing either way. Installed with the
``official`` extra (``pip install -e '.[official]'``); HMAC keys only, since Binance's code wants the
secret itself.

Binance's code is given a session of the suite's (:class:`GatedSession`): its request goes out like every
other the run causes, through the run's gate (rate limits, bans, weight budget, deadline, no redirect), read
within the same bounds and counted on the same meter, and the suite reads the answer itself.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from p2p_conformance.contracts import Contract
from p2p_conformance.contracts.checks import answer_code, answer_message, parsed_body
from p2p_conformance.engine.transport import FIELD_LIMIT, NotSent, cut, failure_name
from p2p_conformance.model import LiveResult, SecondOpinion
from p2p_conformance.safety import secrets_of
from p2p_conformance.safety.redaction import redact_text
from p2p_conformance.signer import BinanceAuth, HmacKey, Placement

PACKAGE = "binance-common"
INSTALL_HINT = "--cross-check needs Binance's own SDK code: pip install -e '.[official]' (binance-common)"
TIMEOUT_MS = 15000  # binance-common's own; the suite's gate decides the real one


def official_version() -> str | None:
    """The installed ``binance-common`` version, or None when the extra is not installed."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


class GatedSession(requests.Session):
    """The session binance-common is given: what it sends is its own (encoding, signature, shape); how it is
    sent is the suite's. Every request goes through ``send`` (the run's gate: rate limits, bans, weight budget,
    deadline, no redirect, a bounded read, the network count), and the answer is kept for the suite to read."""

    def __init__(self, send: Callable[[requests.PreparedRequest], requests.Response]) -> None:
        super().__init__()
        self.trust_env = False  # proxies and certificates are the suite's sender's, not read again here
        self._send = send
        self.answer: requests.Response | None = None

    def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
        """binance-common's timeout, proxies and redirect choice are set aside for the suite's."""
        self.answer = self._send(request)
        return self.answer


@dataclass(frozen=True, kw_only=True)
class OfficialAnswer:
    """What came back to binance-common's call, read by the suite's own bounded reader."""

    http_status: int | None
    code: int | str | None = None
    message: str | None = None  # Binance's message, or why there is no answer


def send_with_official_code(
    contract: Contract,
    base_url: str,
    key: HmacKey,
    params: Mapping[str, Any],
    signing: Mapping[str, int],
    send: Callable[[requests.PreparedRequest], requests.Response],
) -> OfficialAnswer:
    """The call as Binance's own code sends it, with the contract's headers (``clientType``) as a client
    following the contract would add them, sent through ``send``."""
    from binance_common.configuration import ConfigurationRestAPI  # the optional extra: only when asked for
    from binance_common.utils import send_request

    configuration = ConfigurationRestAPI(
        api_key=key.api_key,
        api_secret=key.reveal_secret(),
        base_path=base_url,
        timeout=TIMEOUT_MS,
        retries=0,
        custom_headers=dict(contract.headers),
    )
    body = dict(params) if contract.placement is Placement.JSON_BODY else None
    payload = {**signing} if body is not None else {**params, **signing}
    with GatedSession(send) as session:
        try:
            send_request(session, configuration, contract.method, contract.path, payload, body, is_signed=True)
        except NotSent as reason:
            return OfficialAnswer(http_status=None, message=str(reason))
        except Exception as error:  # binance-common reading an answer its way: the suite reads it below
            if session.answer is None:
                cause = error.__cause__ if isinstance(error.__cause__, BaseException) else error
                return OfficialAnswer(http_status=None, message=f"no answer: {failure_name(cause)}")
        answer = session.answer
    assert answer is not None  # binance-common returned, so it was answered
    body = parsed_body(answer)
    message = answer_message(body)
    return OfficialAnswer(
        http_status=answer.status_code,
        code=answer_code(body),
        message=cut(redact_text(str(message), secrets_of([key])), FIELD_LIMIT) if message is not None else None,
    )


def second_opinion(
    result: LiveResult,
    base_url: str,
    auth: BinanceAuth,
    params: Mapping[str, Any],
    send: Callable[[requests.PreparedRequest], requests.Response],
) -> SecondOpinion:
    """Send ``result``'s call again through Binance's own code, by ``send`` (the run's way out), and say
    whether the answers agree."""
    version = official_version()
    if version is None:
        return SecondOpinion(summary=f"not sent: {INSTALL_HINT}")
    key = auth.key
    if not isinstance(key, HmacKey):
        return SecondOpinion(summary=f"not sent: Binance's code signs with the {key.key_type} key's PEM only")
    signing = auth.signing(result.contract.signs_recv_window).signing_params()  # as the contract signs it
    official = send_with_official_code(result.contract, base_url, key, params, signing, send)
    status, code = official.http_status, official.code
    agrees = (status, code) == (result.answer.http_status, result.answer.code)
    shape = ""
    if result.contract.placement is Placement.JSON_BODY:
        shape = " (its own shape: every parameter in the signed query, and a form body instead of JSON)"
    answer = f"HTTP {status}" if status is not None else f"no answer ({official.message})"
    if code is not None:
        answer += f", code {cut(str(code), FIELD_LIMIT)}"
    return SecondOpinion(
        summary=f"binance-common {version}{shape}: {answer}",
        http_status=status,
        code=code,
        agrees=agrees,
        message=official.message,
    )
