"""A verifier of signed requests written from Binance's published signing rules, not from the suite's signer:
what Binance support can run against ``requests.jsonl`` with the key's secret.

The rules (Binance's "Signed endpoint security" page for SAPI; the C2C convention in docs/endpoints.md):
``signature`` is the hex HMAC-SHA256, keyed with the secret, of ``totalParams``: the query string as sent up to
the ``&signature=`` that ends it, followed by the body when the body is ``application/x-www-form-urlencoded``. A
JSON body (the C2C endpoints' business parameters) is not part of it."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

FORM = "application/x-www-form-urlencoded"


def total_params(line: Mapping[str, Any]) -> str | None:
    """What was signed, or None when the request carries no signature (an unsigned call, as the server time)."""
    signed, marker, _ = str(line["query"]).rpartition("&signature=")
    if not marker:
        return None
    content_type = next((v for k, v in line["headers"].items() if k.lower() == "content-type"), "")
    return signed + (line["body"] or "" if content_type.startswith(FORM) else "")


def signature_verifies(line: Mapping[str, Any], secret: str) -> bool:
    """Whether the request's ``signature`` is the HMAC-SHA256 of its ``totalParams`` with ``secret``."""
    signed = total_params(line)
    if signed is None:
        return False
    sent = str(line["query"]).rpartition("&signature=")[2]
    expected = hmac.new(secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, sent)
