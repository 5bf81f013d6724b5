"""Requests Binance can verify (``--verifiable``): every request of the run exactly as it went out.

The report files say what each call was (its path, parameters and answer) but not the signed request itself:
cassettes carry ``timestamp=0`` and no signature, so nothing in them lets Binance find a call in its own logs or
check that the merchant's client signed it right. With ``--verifiable`` the run keeps, in memory, each request
:func:`~p2p_conformance.engine.transport.send` hands to the network: the method, the path, the whole query as
sent (its real ``timestamp`` and ``signature``), the body, the headers, when it went out and the HTTP status that
came back. The bundle holds them as ``requests.jsonl``, one JSON object a line.

Why this is safe to hand over: each call is read-only; its ``timestamp`` is long outside any ``recvWindow``
(at most 60 s) by the time anyone reads the file, so Binance refuses it if sent again; and an HMAC-SHA256 (or
RSA, Ed25519) signature reveals nothing of the secret. The API key is shown as its fingerprint (first and last
four characters) unless the merchant asks for it in full (``--verifiable-with-key``): Binance holds the key and
its secret, so it can recompute each signature and find each request in its logs to the millisecond.
"""

from __future__ import annotations

import enum
import json
import threading
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from p2p_conformance.signer import API_KEY_HEADER
from p2p_conformance.signer.keys import fingerprint


class KeyShown(enum.StrEnum):
    """How ``requests.jsonl`` shows the API key header."""

    FINGERPRINT = "fingerprint"  # --verifiable: the key's first and last four characters
    FULL = "with-key"  # --verifiable-with-key: the key as sent (the secret never)


def _text(data: bytes | str | None) -> str | None:
    if data is None:
        return None
    return data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data


class RequestLedger:
    """The run's requests as sent, in the order they went out; thread-safe (calls go out from a pool). Its
    ``repr`` shows only how many it holds."""

    def __init__(self, key_shown: KeyShown) -> None:
        self.key_shown = key_shown
        self._lines: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RequestLedger({len(self._lines)} requests, key {self.key_shown})"

    def record(self, request: requests.PreparedRequest, sent_at: float, status: int | None) -> None:
        """One request handed to the network at ``sent_at`` (epoch seconds), and the HTTP status of its answer
        (None when none came)."""
        url = urlsplit(request.url or "")
        headers = dict(request.headers)
        if API_KEY_HEADER in headers and self.key_shown is KeyShown.FINGERPRINT:
            headers[API_KEY_HEADER] = fingerprint(str(headers[API_KEY_HEADER]))
        line = {
            "sent_at": datetime.fromtimestamp(sent_at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "method": request.method,
            "host": url.netloc,
            "path": url.path,
            "query": url.query,
            "body": _text(request.body),
            "headers": {str(name): str(value) for name, value in headers.items()},
            "status": status,
        }
        with self._lock:
            self._lines.append(line)

    def lines(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._lines)


def requests_file(lines: list[dict[str, Any]]) -> str:
    """``requests.jsonl``: the requests of every process of the run (pytest-xdist workers' too), by the time
    they went out."""
    ordered = sorted(lines, key=lambda line: str(line["sent_at"]))
    return "".join(json.dumps(line, sort_keys=True, ensure_ascii=True) + "\n" for line in ordered)
