"""Checks of an answer against a contract: small named functions, each "received / expected".

Each check returns ``None`` when the answer passes, or one line saying what was received and
what the contract expected. :func:`check_answer` runs them in order and stops at the first
problem, since later checks assume the earlier ones passed.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable
from typing import Any

import jsonschema
import requests

from p2p_conformance.contracts.model import Contract, json_type
from p2p_conformance.errors import TargetError

SUCCESS_CODE = "000000"


def first_schema_error(schema: Any, instance: Any) -> str | None:
    """The most relevant JSON Schema violation, as ``path: message``, or ``None``."""
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(schema).iter_errors(instance))
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "(root)"
    return f"{where}: {error.message}"


# Binance's answers are a few levels deep and their numbers a few digits long; JSON beyond these bounds is not
# an answer of the contract, and reading it could exhaust the reader (Python refuses ints of 4,300+ digits).
MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER_CHARACTERS = 100


class UnreadableJson(TargetError, ValueError):
    """Text that is not JSON within the bounds an answer of the contract keeps (the reason is the message)."""


def _bounded_number(kind: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        if len(text) > MAX_JSON_NUMBER_CHARACTERS:
            raise UnreadableJson(f"a number of {len(text):,} characters")
        return kind(text)

    return parse


def _depth_over(value: Any, limit: int) -> bool:
    """Whether a parsed value nests deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def read_json(text: str | bytes) -> Any:
    """Parsed JSON within the bounds of an answer; raises :class:`UnreadableJson` saying why not."""
    try:
        value = json.loads(text, parse_int=_bounded_number(int), parse_float=_bounded_number(float))
    except UnreadableJson:
        raise
    except RecursionError:
        raise UnreadableJson(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError:  # json.JSONDecodeError, UnicodeDecodeError
        raise UnreadableJson("not JSON") from None
    if _depth_over(value, MAX_JSON_DEPTH):
        raise UnreadableJson(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def parsed_body(response: requests.Response) -> Any:
    """The JSON body, or ``None`` when there is none or it is not JSON within an answer's bounds."""
    try:
        return read_json(response.content)
    except UnreadableJson:
        return None


class AnswerKind(enum.StrEnum):
    """What an answer is, before any contract is asked: :func:`answer_kind` decides it, once, for every layer.

    Only Binance's own answers are evidence of what Binance does with a key: an empty 200 is the gateway
    answering a path no service takes, a wrong-method 404 says the method, a 451 says the location."""

    SUCCESS = "success"  # HTTP 200, JSON, no error or business code: the service answered the call
    ERROR_CODE = "error-code"  # Binance's error code (a negative number), whatever the status
    BUSINESS_CODE = "business-code"  # the C2C envelope with a business code other than 000000
    EMPTY_200 = "empty-200"  # HTTP 200 with an empty body: the gateway's catch-all, no service answered
    UNREADABLE_200 = "unreadable-200"  # HTTP 200 with a body that is not JSON within an answer's bounds
    WRONG_METHOD = "wrong-method"  # a 4xx saying the request method is not supported (-1000 at HTTP 404, or 405)
    BLOCKED_LOCATION = "blocked-location"  # HTTP 451: Binance serves no client from this machine's location
    HTTP_STATUS = "http-status"  # another HTTP status without a Binance code
    NO_ANSWER = "no-answer"  # sent, nothing came back
    NOT_SENT = "not-sent"  # held back (a ban, the deadline) or not run
    SOCKET = "socket"  # a WebSocket check's end: how it ended is its own record's (model.SocketAnswer)

    @property
    def served(self) -> bool:
        """Whether a Binance service (not the gateway's catch-all, not a location block) answered the call itself."""
        return self in (AnswerKind.SUCCESS, AnswerKind.ERROR_CODE, AnswerKind.BUSINESS_CODE)


UNKNOWN_CODE = -1000  # Binance's UNKNOWN: "failed while processing" at a 5xx, the method's refusal at a 404
WRONG_METHOD = re.compile(r"request method '?[a-z]+'? (is )?not supported", re.IGNORECASE)
RESTRICTED_LOCATION = re.compile(r"restricted location", re.IGNORECASE)


def answer_kind(http_status: int | None, content: bytes | str) -> AnswerKind:
    """What an answer is, from its HTTP status (None: no answer came) and its body as received: the one place
    that says whether a call got an answer of a Binance service, and which."""
    if http_status is None:
        return AnswerKind.NO_ANSWER
    try:
        body = read_json(content)
    except UnreadableJson:
        body = None
    code, message = answer_code(body), str(answer_message(body) or "")
    if http_status == 451 or RESTRICTED_LOCATION.search(message):
        return AnswerKind.BLOCKED_LOCATION
    if http_status == 405 or (400 <= http_status < 500 and code == UNKNOWN_CODE and WRONG_METHOD.search(message)):
        return AnswerKind.WRONG_METHOD
    if isinstance(code, int) and code < 0:
        return AnswerKind.ERROR_CODE
    if isinstance(code, str) and code != SUCCESS_CODE:
        return AnswerKind.BUSINESS_CODE
    if http_status != 200:
        return AnswerKind.HTTP_STATUS
    if not content.strip():
        return AnswerKind.EMPTY_200
    return AnswerKind.UNREADABLE_200 if body is None else AnswerKind.SUCCESS


def is_gateway_error(body: Any) -> bool:
    """Binance's gateway error shape: ``{"code": <negative int>, "msg": "..."}``."""
    return isinstance(body, dict) and isinstance(body.get("code"), int) and "msg" in body


def is_business_error(body: Any) -> bool:
    """The C2C envelope carrying a business error: a string ``code`` other than ``000000``."""
    return isinstance(body, dict) and isinstance(body.get("code"), str) and body["code"] != SUCCESS_CODE


def answer_code(body: Any) -> int | str | None:
    """An answer's ``code``: Binance's negative number or a C2C business code (a string), else ``None``."""
    code = body.get("code") if isinstance(body, dict) else None
    return code if isinstance(code, int | str) and not isinstance(code, bool) else None


def answer_message(body: Any) -> Any:
    """An answer's ``msg`` (the gateway's) or ``message`` (the C2C envelope's), as given, else ``None``."""
    return (body.get("msg") or body.get("message")) if isinstance(body, dict) else None


def _error_text(body: Any) -> str:
    return f"error code {body['code']} ({answer_message(body)})"


def check_http_status(contract: Contract, response: requests.Response) -> str | None:
    if response.status_code == 200:
        return None
    body = parsed_body(response)
    answer = f" with {_error_text(body)}" if is_gateway_error(body) or is_business_error(body) else ""
    return f"received HTTP {response.status_code}{answer}, expected 200"


def check_json_body(contract: Contract, response: requests.Response) -> str | None:
    try:
        if read_json(response.content) is not None:
            return None
        why = "JSON null"
    except UnreadableJson as error:
        why = str(error)
    body = f"{response.text[:80]!r}"
    return f"received a body that is not JSON within an answer's bounds ({why}: {body}), expected the C2C JSON envelope"


def check_no_error_code(contract: Contract, response: requests.Response) -> str | None:
    if answer_kind(response.status_code, response.content) in (AnswerKind.ERROR_CODE, AnswerKind.BUSINESS_CODE):
        return f"received {_error_text(parsed_body(response))}, expected code {SUCCESS_CODE}"
    return None


# A field of ``data`` whose type or value changed is drift (reported, not failed); anything else breaks it.
DRIFT_VALIDATORS = frozenset({"type", "enum", "format", "pattern", "minimum", "maximum", "minLength", "maxLength"})


def _is_drift(error: jsonschema.ValidationError) -> bool:
    return bool(error.absolute_path) and error.absolute_path[0] == "data" and error.validator in DRIFT_VALIDATORS


def _where(error: jsonschema.ValidationError) -> str:
    return "/".join(str(part) for part in error.absolute_path) or "(root)"


def check_success_envelope(contract: Contract, response: requests.Response) -> str | None:
    errors = jsonschema.Draft202012Validator(contract.response_schema).iter_errors(parsed_body(response))
    error = jsonschema.exceptions.best_match(error for error in errors if not _is_drift(error))
    return None if error is None else f"received a body that breaks the contract at {_where(error)}: {error.message}"


def _field_drift(schema: Any, value: Any, path: str) -> list[str]:
    """Fields the contract does not know, and documented optional fields that are missing."""
    if not isinstance(schema, dict):
        return []
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [note for item in value for note in _field_drift(schema["items"], item, f"{path}/*")]
    properties = schema.get("properties")
    if not isinstance(value, dict) or not isinstance(properties, dict):
        return []
    required = set(schema.get("required", ()))
    notes = [f"{path}/{name}: a field the contract does not know" for name in value if name not in properties]
    notes += [
        f"{path}/{name}: a documented optional field is missing"
        for name in properties
        if name not in value and name not in required
    ]
    notes += [
        note
        for name, sub in properties.items()
        if name in value
        for note in _field_drift(sub, value[name], f"{path}/{name}")
    ]
    return notes


def observed_shape(value: Any) -> Any:
    """The shape of an answer as JSON Schema types (an array by its first item): what a contract update needs,
    never the values themselves."""
    if isinstance(value, dict):
        return {"type": "object", "properties": {name: observed_shape(item) for name, item in value.items()}}
    if isinstance(value, list):
        return {"type": "array", "items": observed_shape(value[0])} if value else {"type": "array"}
    return {"type": json_type(value)}


BYTE_ORDER_MARKS = {b"\xef\xbb\xbf": "a UTF-8 byte order mark", b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}


def check_encoding(content: bytes) -> str | None:
    """A note when an answer is JSON that is not plain UTF-8 (a byte order mark, UTF-16): RFC 8259 section 8.1
    asks for UTF-8 without one, and a strict client may not read it, though requests does."""
    found = next((name for mark, name in BYTE_ORDER_MARKS.items() if content.startswith(mark)), None)
    if found is None and b"\x00" in content[:4]:
        found = "UTF-16"
    if found is None:
        return None
    return f"received JSON in {found}, expected UTF-8 without a byte order mark (RFC 8259, section 8.1)"


def answer_drift(contract: Contract, body: Any) -> tuple[str, ...]:
    """How a successful answer's parsed ``body`` departs from the contract without breaking it: new or
    missing optional fields, and fields whose type or value changed (one note per field, list items merged)."""
    if not isinstance(body, dict):
        return ()
    changed = [
        f"{_where(error)}: {error.message}"
        for error in jsonschema.Draft202012Validator(contract.response_schema).iter_errors(body)
        if _is_drift(error)
    ]
    changed = [re.sub(r"/\d+(?=/|:)", "/*", note) for note in changed]
    return tuple(dict.fromkeys([*changed, *_field_drift(contract.data_schema, body.get("data"), "data")]))


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
