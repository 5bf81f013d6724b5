"""Checks of an answer against a contract: small named functions, each "received / expected".

Each check returns ``None`` when the answer passes, or one line saying what was received and
what the contract expected. :func:`check_answer` runs them in order and stops at the first
problem, since later checks assume the earlier ones passed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import requests

from contracts.model import Contract

SUCCESS_CODE = "000000"


def first_schema_error(schema: Any, instance: Any) -> str | None:
    """The most relevant JSON Schema violation, as ``path: message``, or ``None``."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(instance))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"


def parsed_body(response: requests.Response) -> Any:
    """The JSON body, or ``None`` when there is none or it is not JSON."""
    try:
        return response.json()
    except (json.JSONDecodeError, requests.JSONDecodeError, RecursionError):  # nested too deep: not an answer
        return None


def is_gateway_error(body: Any) -> bool:
    """Binance's gateway error shape: ``{"code": <negative int>, "msg": "..."}``."""
    return isinstance(body, dict) and isinstance(body.get("code"), int) and "msg" in body


def is_business_error(body: Any) -> bool:
    """The C2C envelope carrying a business error: a string ``code`` other than ``000000``."""
    return isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"] != SUCCESS_CODE


def _error_text(body: Any) -> str:
    message = body.get("msg") or body.get("message")
    return f"error code {body['code']} ({message})"


def check_http_status(contract: Contract, response: requests.Response) -> str | None:
    if response.status_code == 200:
        return None
    body = parsed_body(response)
    answer = f" with {_error_text(body)}" if is_gateway_error(body) or is_business_error(body) else ""
    return f"received HTTP {response.status_code}{answer}, expected 200"


def check_json_body(contract: Contract, response: requests.Response) -> str | None:
    if parsed_body(response) is not None:
        return None
    return f"received a body that is not JSON ({response.text[:80]!r}), expected the C2C JSON envelope"


def check_no_error_code(contract: Contract, response: requests.Response) -> str | None:
    body = parsed_body(response)
    if is_gateway_error(body) or is_business_error(body):
        return f"received {_error_text(body)}, expected code {SUCCESS_CODE}"
    return None


def check_success_envelope(contract: Contract, response: requests.Response) -> str | None:
    problem = first_schema_error(contract.response_schema, parsed_body(response))
    return None if problem is None else f"received a body that breaks the contract at {problem}"


Check = Callable[[Contract, requests.Response], "str | None"]
CHECKS: tuple[Check, ...] = (check_http_status, check_json_body, check_no_error_code, check_success_envelope)


def check_answer(contract: Contract, response: requests.Response) -> str | None:
    """The first problem with ``response`` for ``contract``, or ``None`` when it is a success."""
    try:
        for check in CHECKS:
            problem = check(contract, response)
            if problem is not None:
                return problem
    except RecursionError:
        return "received a body nested too deep to check, expected the C2C JSON envelope"
    return None
