"""A second opinion from Binance's own code: the failing call sent once more through ``binance-common``.

``binance_common.utils.send_request(..., is_signed=True)`` is the request code of Binance's official
SDKs: it encodes and signs the request itself, not this suite's signer. It puts every parameter in
the signed query and, for a POST, sends the business parameters again as a form body, so for a
JSON-body endpoint its request has another shape: worth knowing either way. Installed with the
``official`` extra (``pip install -e '.[official]'``); HMAC keys only, since Binance's code wants the
secret itself.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Mapping
from typing import Any

import requests

from contracts import Contract
from p2p_conformance.model import LiveResult, SecondOpinion
from signer import HmacKey, Key, Placement

PACKAGE = "binance-common"
INSTALL_HINT = "--cross-check needs Binance's own SDK code: pip install -e '.[official]' (binance-common)"
TIMEOUT_MS = 15000
# binance-common's exceptions carry Binance's code, not the HTTP status: the class says which status it was.
STATUS_OF_ERROR = {
    "BadRequestError": 400,
    "UnauthorizedError": 401,
    "ForbiddenError": 403,
    "NotFoundError": 404,
    "RateLimitBanError": 418,
    "TooManyRequestsError": 429,
}


def official_version() -> str | None:
    """The installed ``binance-common`` version, or None when the extra is not installed."""
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def send_with_official_code(
    contract: Contract, base_url: str, key: HmacKey, params: Mapping[str, Any], signing: Mapping[str, int]
) -> tuple[int | None, int | str | None, str | None]:
    """(HTTP status, Binance code, message) of the call as Binance's own code sends it, with the
    contract's headers (``clientType``) as a client following the contract would add them."""
    from binance_common import errors  # the optional extra: imported only when asked for
    from binance_common.configuration import ConfigurationRestAPI
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
    with requests.Session() as session:
        session.max_redirects = 0  # a signed request is never sent on to another address
        try:
            answer: Any = send_request(
                session, configuration, contract.method, contract.path, payload, body, is_signed=True
            )
        except errors.ServerError as error:
            return error.status_code, None, error.error_message
        except errors.Error as error:
            status = STATUS_OF_ERROR.get(type(error).__name__)
            return status, getattr(error, "status_code", None), getattr(error, "error_message", str(error))
        except requests.RequestException as error:
            return None, None, f"no answer: {type(error).__name__}"
    data = answer.data()
    code = data.get("code") if isinstance(data, dict) else None
    message = (data.get("msg") or data.get("message")) if isinstance(data, dict) else None
    return answer.status, code, message


def second_opinion(
    result: LiveResult,
    base_url: str,
    key: Key,
    params: Mapping[str, Any],
    recv_window: int,
    offset_ms: int,
) -> SecondOpinion:
    """Send ``result``'s call again through Binance's own code, and say whether the answers agree."""
    version = official_version()
    if version is None:
        return SecondOpinion(summary=f"not sent: {INSTALL_HINT}")
    if not isinstance(key, HmacKey):
        return SecondOpinion(summary=f"not sent: Binance's code signs with the {key.key_type} key's PEM only")
    signing = {"recvWindow": recv_window, "timestamp": int(time.time() * 1000) + offset_ms}
    status, code, message = send_with_official_code(result.contract, base_url, key, params, signing)
    agrees = (status, code) == (result.answer.http_status, result.answer.code)
    shape = ""
    if result.contract.placement is Placement.JSON_BODY:
        shape = " (its own shape: every parameter in the signed query, and a form body instead of JSON)"
    answer = f"HTTP {status}" if status is not None else f"no answer ({message})"
    if code is not None:
        answer += f", code {code}"
    return SecondOpinion(
        summary=f"binance-common {version}{shape}: {answer}",
        http_status=status,
        code=code,
        agrees=agrees,
        message=message,
    )
