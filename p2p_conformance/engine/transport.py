"""The one way the engine sends a request: never on to another address, and never past a rate limit.

The target is hostile until proven otherwise. A redirect is never followed (the signature does not
cover the host or the path, so a 307 could carry a valid signed request anywhere): a 3xx is an
answer of its own. A 429 stops sending until its ``Retry-After`` has passed, or, when that is
longer than the run may wait, for the rest of the run; a 418 (an IP ban) stops it at once. The
limits are per IP, so one :class:`RateGate` serves every key of a run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests

TIMEOUT_SECONDS = 15
DEFAULT_MAX_WAIT_SECONDS = 60.0
RETRY_AFTER_UNKNOWN = 60  # seconds assumed when a 429 or 418 carries no readable Retry-After


class NotSent(Exception):
    """The request was not sent, to honour a rate limit or a ban; the message says why and until when."""


def redirect_target(response: requests.Response) -> str | None:
    """The host a 3xx answer points to (``elsewhere.example:8443``), or None when it is no redirect."""
    if not 300 <= response.status_code < 400:
        return None
    location = response.headers.get("Location", "")
    return urlsplit(location).netloc or "the same host (another path)"


def _retry_after(response: requests.Response) -> int:
    value = response.headers.get("Retry-After", "")
    return int(value) if value.isdigit() else RETRY_AFTER_UNKNOWN


class RateGate:
    """Whether a request may go out now: waits out a short 429, refuses during a long one or a ban."""

    def __init__(
        self,
        max_wait: float = DEFAULT_MAX_WAIT_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.max_wait = max_wait
        self.clock = clock
        self.sleep = sleep
        self._until = 0.0  # no request before this time (epoch seconds)
        self._reason = ""
        self._stopped = False  # for the rest of the run
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"RateGate(max_wait={self.max_wait}, stopped={self._stopped})"

    def before_sending(self) -> None:
        """Wait out a short pause; raise :class:`NotSent` during a ban or a pause longer than ``max_wait``."""
        with self._lock:
            if self._stopped:
                raise NotSent(self._reason)
            wait = self._until - self.clock()
        if wait > 0:
            self.sleep(wait)

    def after(self, response: requests.Response) -> None:
        """Learn from an answer: a 429 pauses the run, a 418 stops it."""
        if response.status_code not in (418, 429):
            return
        seconds = _retry_after(response)
        with self._lock:
            self._until = max(self._until, self.clock() + seconds)
            until = time.strftime("%H:%M:%S UTC", time.gmtime(self._until))
            if response.status_code == 418:
                self._stopped = True
                self._reason = (
                    f"not sent: Binance banned this IP address (HTTP 418) until {until}; the run stopped "
                    "sending at once (retry after the ban)"
                )
            elif seconds > self.max_wait:
                self._stopped = True
                self._reason = (
                    f"not sent: Binance asked to wait {seconds} s (HTTP 429, Retry-After), longer than --max-wait "
                    f"{self.max_wait:g} s; retry after {until}"
                )


def send(http: requests.Session, request: requests.PreparedRequest, gate: RateGate) -> requests.Response:
    """Send once, redirects not followed, within the rate limits; raises :class:`NotSent` or requests' errors."""
    gate.before_sending()
    response = http.send(request, timeout=TIMEOUT_SECONDS, allow_redirects=False)
    gate.after(response)
    return response
