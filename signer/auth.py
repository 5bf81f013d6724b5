"""The signer as a ``requests`` authentication handler, in the idiom of requests' own ``auth.py``."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import requests

from p2p_conformance.signer.keys import Key
from p2p_conformance.signer.signing import DEFAULT_RECV_WINDOW, append_signature, validate_recv_window

API_KEY_HEADER = "X-MBX-APIKEY"


def _now_ms() -> int:
    return int(time.time() * 1000)


class BinanceAuth(requests.auth.AuthBase):
    """Sign a request: add ``recvWindow``, ``timestamp``, the signature and the API key header.

    The query string the request already has is signed exactly as it will be sent, so pass
    ``params=encode_query(...)`` for Binance's RFC 3986 encoding. A JSON body is not signed.
    ``offset_ms`` is added to the local clock (the measured server minus local time).
    ``recv_window=None`` signs without ``recvWindow`` (``timestamp`` alone, as Binance's C2C guides do).
    """

    def __init__(
        self,
        key: Key,
        *,
        recv_window: int | None = DEFAULT_RECV_WINDOW,
        offset_ms: int = 0,
        clock_ms: Callable[[], int] = _now_ms,
    ) -> None:
        if recv_window is not None:
            validate_recv_window(recv_window)
        self.key = key
        self.recv_window = recv_window
        self.offset_ms = offset_ms
        self.clock_ms = clock_ms

    def __repr__(self) -> str:
        return f"BinanceAuth({self.key!r}, recv_window={self.recv_window}, offset_ms={self.offset_ms})"

    def with_recv_window(self, recv_window: int | None) -> BinanceAuth:
        """The same signer (key, clock, offset) with another ``recvWindow``, or none."""
        if recv_window == self.recv_window:
            return self
        return BinanceAuth(self.key, recv_window=recv_window, offset_ms=self.offset_ms, clock_ms=self.clock_ms)

    def signing(self, signs_recv_window: bool = True) -> BinanceAuth:
        """The signer of a call: this one, or the same without ``recvWindow`` for a call signed over ``timestamp``
        alone (as Binance's C2C guides sign the chat credential). Every caller decides it here."""
        return self if signs_recv_window else self.with_recv_window(None)

    def timestamp(self) -> int:
        """The ``timestamp`` of a request signed now: this machine's clock corrected by ``offset_ms``."""
        return self.clock_ms() + self.offset_ms

    def signing_params(self) -> dict[str, int]:
        """``recvWindow`` (when signed) and ``timestamp``, as a request signed now carries them, in that order."""
        window = {"recvWindow": self.recv_window} if self.recv_window is not None else {}
        return {**window, "timestamp": self.timestamp()}

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        query = append_signature(parts.query, self.key, timestamp=self.timestamp(), recv_window=self.recv_window)
        request.url = urlunsplit(parts._replace(query=query))
        request.headers[API_KEY_HEADER] = self.key.api_key
        return request
