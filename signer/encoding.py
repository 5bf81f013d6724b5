"""Percent-encoding of signed payloads, as Binance requires since 2026-01-15.

Only the RFC 3986 unreserved characters ``A-Z a-z 0-9 - _ . ~`` stay literal; every other
character is UTF-8 encoded and written as ``%XX``. Binance rejects a signature computed over a
payload that was not percent-encoded first with -1022.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

Params = Mapping[str, Any] | Iterable[tuple[str, Any]]


def percent_encode(text: str) -> str:
    """Percent-encode ``text`` per RFC 3986: only unreserved characters stay literal."""
    return quote(text, safe="")


def _value_text(value: Any) -> str:
    if isinstance(value, bool):  # before int: bool is an int subclass
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        # repr keeps every digit; Decimal turns 1e-07 into 0.0000001, which Binance parses.
        return format(Decimal(repr(value)), "f")
    if isinstance(value, (str, int)):
        return str(value)
    raise TypeError(
        f"parameter value {value!r} has type {type(value).__name__}; use str, int, Decimal, float, bool, list or dict"
    )


def encode_query(params: Params) -> str:
    """Encode ``params`` as the exact query string to sign and send.

    Order is kept. Booleans become ``true``/``false``; lists and dicts become compact JSON;
    ``None`` values are left out (an unset optional parameter).
    """
    pairs = params.items() if isinstance(params, Mapping) else params
    return "&".join(
        f"{percent_encode(str(name))}={percent_encode(_value_text(value))}"
        for name, value in pairs
        if value is not None
    )
