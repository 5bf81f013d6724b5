"""The one way the engine sends a request: never on to another address, never past a rate limit, a
deadline or a dead target, and never reading more than a bounded answer.

The target is hostile until proven otherwise. A redirect is never followed (the signature does not
cover the host or the path, so a 307 could carry a valid signed request anywhere): a 3xx is an
answer of its own. A 429 stops sending until its ``Retry-After`` has passed, or, when that is
longer than the run may wait, for the rest of the run; a 418 (an IP ban) stops it at once. The
limits are per IP, so one :class:`SendGate` serves every key of a run; it also ends the run's
sending at its deadline, and after several calls in a row that got no answer. An answer is read
up to :data:`MAX_ANSWER_BYTES` (after decompression) and for at most the gate's ``timeout`` (by default
:data:`TIMEOUT_SECONDS`) in all.

Calls may go out from several threads at once (:mod:`.sessions`' pool): the gate and the meter are
thread-safe, and :class:`SessionPerThread` gives each thread its own keep-alive connections.
"""

from __future__ import annotations

import http.client
import importlib.util
import ipaddress
import os
import re
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

import requests
import requests.adapters
import urllib3

from p2p_conformance.errors import InputError, P2PConformanceError, TargetError

TIMEOUT_SECONDS = 15.0  # to connect, between two bytes, and for a whole answer (``--request-timeout``)
MAX_TIMEOUT_SECONDS = 300.0
REDIRECT_HOST_LIMIT = 120  # characters of the host a redirect names, as the reports show it
MAX_ANSWER_BYTES = 1_000_000  # decompressed: a gzip bomb is cut like any other long answer
READ_CHUNK_BYTES = 8192
DEFAULT_MAX_WAIT_SECONDS = 60.0
DEFAULT_DEADLINE_SECONDS = 300.0
DEFAULT_WEIGHT_BUDGET = 1200  # request weight a minute: a tenth of Binance's 12,000 per IP on /sapi
USED_WEIGHT_HEADERS = ("X-SAPI-USED-IP-WEIGHT-1M", "X-MBX-USED-WEIGHT-1M")  # what the IP has used this minute
# Calls without an answer, one after another, before the run stops calling a target that is not there. More
# than one round's worth of a target that leaves some endpoints unanswered (the recorded case: four at 11:53),
# twice over, since a round's unanswered calls can end one round and begin the next.
FAILURES_IN_A_ROW = 10
RETRY_AFTER_UNKNOWN = 60  # seconds assumed when a 429 or 418 carries no readable Retry-After


class Sender(Protocol):
    """What sends a prepared request: a :class:`requests.Session`, or :class:`SessionPerThread`."""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response: ...


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def numeric_address(host: str | None) -> Address | None:
    """The address ``host`` spells when it is numeric, in any spelling the C library reads and would connect to
    (``127.1``, ``2130706433``, ``0x7f000001``, ``[::1]``), without asking DNS; None for a name."""
    bare = (host or "").strip("[]")
    if not bare:
        return None
    try:
        found = socket.getaddrinfo(bare, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return ipaddress.ip_address(str(found[0][4][0]).split("%")[0])


def on_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine: a name of it, or an address of 127.0.0.0/8 or ::1 however spelt."""
    if host in LOOPBACK_HOSTS:
        return True
    address = numeric_address(host)
    return address is not None and address.is_loopback


# Where requests (and curl) let the user name a CA bundle, in the order requests reads them; then OpenSSL's.
CA_BUNDLE_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")
PROXY_SCHEMES = ("https", "http", "all")  # a target is https: its proxy first


class RouteError(InputError, ValueError):
    """The environment names a proxy or a CA bundle the run cannot use (one line: what to fix)."""


@dataclass(frozen=True)
class Route:
    """How the run's requests reach the target, as the environment says (read once, by the thread that starts
    the run): the proxies (``HTTPS_PROXY``, ``ALL_PROXY``, ``NO_PROXY``...; none for a loopback target) and the
    CA bundle that verifies TLS (``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, ``SSL_CERT_FILE``; else certifi's)."""

    proxies: Mapping[str, str] = field(default_factory=dict)  # by scheme ("https", "http", "all")
    verify: bool | str = True

    @property
    def proxy(self) -> str | None:
        """The proxy in the way, as a failure names it: scheme, host and port only (never its credentials)."""
        found = next((self.proxies[scheme] for scheme in PROXY_SCHEMES if scheme in self.proxies), None)
        if found is None:
            return None
        parts = urlsplit(found)
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def environment_route(url: str, environ: Mapping[str, str] = os.environ) -> Route:
    """The :class:`Route` to ``url``; raises :class:`RouteError` for a CA bundle that is not there or a SOCKS
    proxy without PySocks, before anything is sent."""
    verify: bool | str = True
    for name in CA_BUNDLE_VARIABLES:
        if bundle := environ.get(name):
            if not os.path.exists(bundle):
                raise RouteError(f"{name} {bundle}: no such file or folder; give the CA bundle's path, or unset it")
            verify = bundle
            break
    found = {} if on_loopback(urlsplit(url).hostname) else requests.utils.get_environ_proxies(url)
    proxies = {scheme: proxy for scheme, proxy in found.items() if scheme in PROXY_SCHEMES}  # not NO_PROXY's "no"
    route = Route(proxies, verify)
    if route.proxy is not None and route.proxy.startswith("socks") and importlib.util.find_spec("socks") is None:
        raise RouteError(
            f"the proxy {route.proxy} (from the environment) is a SOCKS proxy: install PySocks "
            "(pip install 'requests[socks]'), or unset ALL_PROXY / HTTPS_PROXY"
        )
    return route


MAX_INTERIM_ANSWERS = 10  # informational (1xx) answers skipped before a request's answer; more is no answer
MAX_INTERIM_HEADER_LINES = 100  # as http.client bounds an answer's headers
MAX_HEADER_LINE = 65536


class InterimAnswers(TargetError, http.client.HTTPException):
    """More informational answers before the answer than :data:`MAX_INTERIM_ANSWERS`, or one that does not end."""


class _FinalAnswer(http.client.HTTPResponse):
    """A request's answer read past every informational (1xx) answer before it (a CDN's 103 Early Hints, RFC 9110
    section 15.2): http.client skips 100 Continue only, and would take a 103 for the answer, leaving the real one
    unread on the kept-alive connection for the next request to read as its own."""

    def _read_status(self) -> tuple[str, int, str]:
        for _ in range(MAX_INTERIM_ANSWERS):
            version, status, reason = super()._read_status()  # type: ignore[misc]  # http.client's own, unstubbed
            if status == http.client.CONTINUE or not 100 <= status < 200 or status == http.client.SWITCHING_PROTOCOLS:
                return version, status, reason  # http.client skips a 100 itself
            for _ in range(MAX_INTERIM_HEADER_LINES + 1):  # the interim answer's headers, up to its blank line
                line = self.fp.readline(MAX_HEADER_LINE + 1)
                if line in (b"\r\n", b"\n", b""):
                    break
            else:
                raise InterimAnswers("an informational answer's headers did not end")
        raise InterimAnswers(f"more than {MAX_INTERIM_ANSWERS} informational answers before the answer")


def _reading_final_answers(connection: Any) -> Any:
    """A new connection of a pool, its answers read as :class:`_FinalAnswer` (an http.client connection at heart,
    whichever class urllib3, or vcrpy replaying a cassette, made it of)."""
    cast(http.client.HTTPConnection, connection).response_class = _FinalAnswer
    return connection


class _Pool(urllib3.HTTPConnectionPool):
    def _new_conn(self) -> Any:
        return _reading_final_answers(super()._new_conn())


class _TlsPool(urllib3.HTTPSConnectionPool):
    def _new_conn(self) -> Any:
        return _reading_final_answers(super()._new_conn())


FINAL_ANSWER_POOLS = {"http": _Pool, "https": _TlsPool}


class _FinalAnswerAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter whose connections read a request's own answer past any 1xx (:class:`_FinalAnswer`),
    directly and through a proxy."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = FINAL_ANSWER_POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> urllib3.PoolManager:
        manager: urllib3.PoolManager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = FINAL_ANSWER_POOLS
        return manager


class NoRedirectSession(requests.Session):
    """A requests session that never works out a redirect: requests prepares the next request of a 3xx even when
    it does not follow it (``Response.next``), and a crafted ``Location`` then raises ValueError out of ``send``
    (every call of the run an error). The 3xx stays an answer of its own (:func:`redirect_target`). Every answer
    is the request's own: informational answers before it are skipped (:class:`_FinalAnswer`)."""

    def __init__(self) -> None:
        super().__init__()
        for prefix in ("https://", "http://"):
            self.mount(prefix, _FinalAnswerAdapter())

    def resolve_redirects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        return iter(())


# What a proxy's refusal of the tunnel to the target means (its status to CONNECT), and what to do
PROXY_STATUS_WORDS = {
    407: "the proxy asks for credentials (HTTP 407): give them in the proxy's URL, http://USER:PASSWORD@HOST:PORT "
    "(never shown by the suite)",
}
TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})\b")


def tunnel_refused(error: BaseException) -> int | None:
    """The HTTP status a proxy answered to the tunnel's CONNECT, as urllib3 words it deep in ``error``'s chain (its
    reason's reason), or None. Only that status is read: the rest of the chain's text can hold the URL."""
    seen: list[BaseException] = [error]
    for found in seen:
        if len(seen) > 8:
            break
        if isinstance(found, OSError) and (match := TUNNEL_REFUSED.search(str(found))):
            return int(match.group(1))
        inner = [getattr(found, "reason", None), found.__cause__, found.__context__, *found.args]
        seen += [item for item in inner if isinstance(item, BaseException) and item not in seen]
    return None


class SessionPerThread:
    """One keep-alive :class:`requests.Session` for each thread that sends: connections are reused by
    the thread that opened them and never shared between threads.

    Every request goes by the ``route`` given here: a sending thread never reads ``os.environ``
    (requests would, for each request), which pytest changes between tests (``PYTEST_CURRENT_TEST``),
    and reading it while it changes raises ``KeyError`` in the reader. A request that gets no answer
    through a proxy says so (a note on the error, which :func:`failure_name` shows).
    """

    def __init__(self, route: Route | None = None) -> None:
        self.route = route or Route()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"SessionPerThread({len(self._sessions)} sessions)"

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = NoRedirectSession()
            with self._lock:
                self._sessions.append(session)
        try:
            return session.send(request, proxies=dict(self.route.proxies), verify=self.route.verify, **kwargs)
        except requests.RequestException as error:
            if self.route.proxy is not None:
                error.add_note(f"through the proxy {self.route.proxy}")
                if (status := tunnel_refused(error)) is not None:
                    error.add_note(PROXY_STATUS_WORDS.get(status, f"the proxy refused the connection (HTTP {status})"))
            raise

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()


class NetworkMeter:
    """How many requests a run sent, and for how long at least one of them was on the network."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.calls = 0
        self.seconds = 0.0  # time with at least one request in flight: concurrent calls count once
        self._in_flight = 0
        self._since = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"NetworkMeter(calls={self.calls}, seconds={self.seconds:.3f})"

    def started(self) -> None:
        with self._lock:
            self.calls += 1
            if not self._in_flight:
                self._since = self.clock()
            self._in_flight += 1

    def ended(self) -> None:
        with self._lock:
            self._in_flight -= 1
            if not self._in_flight:
                self.seconds += self.clock() - self._since


class NotSent(P2PConformanceError):
    """The request was not sent; the message says why (a rate limit, a ban, the deadline, a dead target)."""


class AnswerTooSlow(requests.RequestException):
    """The answer did not arrive whole within the call's timeout (a server dripping bytes)."""


FAILURE_DEPTH = 4  # names: requests' error, urllib3's retries, its error, the cause (SSLCertVerificationError)


def failure_name(error: BaseException) -> str:
    """``ConnectionError (RemoteDisconnected)``: what kind of failure left a call without an answer, by the
    names of the exceptions only (their messages can hold the URL, and so the signature)."""
    names = [type(error).__name__]
    inner: object = error.args[0] if error.args else None
    while isinstance(inner, BaseException) and len(names) < FAILURE_DEPTH:
        names.append(type(inner).__name__)
        inner = getattr(inner, "reason", None) or next((a for a in inner.args if isinstance(a, BaseException)), None)
    notes = "".join(f", {note}" for note in getattr(error, "__notes__", ()))
    return names[0] + (f" ({', '.join(dict.fromkeys(names[1:]))})" if len(names) > 1 else "") + notes


# A failure's exception names (failure_name) in a support agent's words, the first that matches
FAILURE_WORDS = (
    (("ReadTimeout", "ConnectTimeout", "Timeout", "AnswerTooSlow"), "no answer came within the call's time limit"),
    (("SSLCertVerificationError",), "the target's TLS certificate was not trusted"),
    (("SSLError",), "the TLS connection failed (cut short, or a protocol refused), not for an untrusted certificate"),
    (("NameResolutionError", "gaierror"), "the host name did not resolve"),
    (("HTTP 407",), "the proxy asked for credentials (HTTP 407): none were given in its URL, or not these"),
    (("ProxyError",), "the proxy did not pass the call on"),
    (("ConnectionRefusedError", "NewConnectionError"), "the connection was refused"),
    (
        ("ChunkedEncodingError", "ProtocolError", "RemoteDisconnected", "ConnectionResetError", "IncompleteRead"),
        "the connection was closed before an answer came",
    ),
)


def failure_words(problem: str) -> str:
    """What left a call without an answer, in plain words, from the exception names :func:`failure_name` wrote
    into ``problem`` (the names stay in the run's JSON; a page says the words)."""
    return next(
        (words for names, words in FAILURE_WORDS if any(name in problem for name in names)),
        "the connection failed before an answer came",
    )


def redirect_target(response: requests.Response) -> str | None:
    """The host a 3xx answer points to (``elsewhere.example:8443``), or None when it is no redirect."""
    if not 300 <= response.status_code < 400:
        return None
    location = response.headers.get("Location", "")
    try:
        where = urlsplit(location).netloc
    except ValueError:  # a Location that is no URL is the target's answer, not an error of the run
        return "an address that is not a URL"
    return cut(where, REDIRECT_HOST_LIMIT) if where else "the same host (another path)"


FIELD_LIMIT = 300  # characters of a message, a code or a header value kept


def elapsed_ms(started: float) -> float:
    """Milliseconds since ``started`` (``time.perf_counter``), to a tenth, as the reports show them."""
    return round((time.perf_counter() - started) * 1000, 1)


def cut(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters; a cut says how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [cut: {len(text) - limit} more characters]"


def _whole_number(text: str) -> int | None:
    """A header's whole number, or None (a server's 10,000-digit 'number' included)."""
    return int(text) if text.isdigit() and len(text) <= 9 else None


def _retry_after(response: requests.Response) -> int:
    seconds = _whole_number(response.headers.get("Retry-After", ""))
    return RETRY_AFTER_UNKNOWN if seconds is None else seconds


class Ledger(Protocol):
    """Where :func:`send` writes each request it hands to the network (``--verifiable``: :mod:`.verifiable`)."""

    def record(self, request: requests.PreparedRequest, sent_at: float, status: int | None) -> None: ...


class SendGate:
    """Whether a request may go out now: waits out a short 429; refuses during a long one, a ban, after
    the deadline, or once the target has left several calls in a row unanswered. With a ``ledger``, every
    request that goes out is written to it as sent."""

    def __init__(
        self,
        max_wait: float = DEFAULT_MAX_WAIT_SECONDS,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        weight_budget: int = DEFAULT_WEIGHT_BUDGET,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = TIMEOUT_SECONDS,
        ledger: Ledger | None = None,
    ) -> None:
        self.ledger = ledger
        self.timeout = timeout  # seconds a call may take: to connect, between two bytes, and in all
        self.max_wait = max_wait
        self.deadline = deadline
        self.weight_budget = weight_budget
        self._spent: deque[tuple[float, int]] = deque()  # (when, weight) of the last minute's requests
        self.clock = clock
        self.sleep = sleep
        self._ends_at = clock() + deadline
        self._until = 0.0  # no request before this time (epoch seconds)
        self._reason = ""
        self._stopped = False  # for the rest of the run
        self._unanswered = 0  # calls in a row that got no answer
        self._lock = threading.Lock()
        self.meter = NetworkMeter()

    def __repr__(self) -> str:
        return f"SendGate(max_wait={self.max_wait}, deadline={self.deadline}, stopped={self._stopped})"

    def _stop(self, reason: str) -> None:
        self._stopped, self._reason = True, reason

    def before_sending(self, weight: int = 1) -> None:
        """Wait out a short pause or a full minute's budget; raise :class:`NotSent` when the run may send no more."""
        with self._lock:
            now = self.clock()
            if not self._stopped and now >= self._ends_at:
                self._stop(f"not sent: the run's deadline (--deadline {self.deadline:g} s) had passed")
            if self._stopped:
                raise NotSent(self._reason)
            while self._spent and self._spent[0][0] <= now - 60:
                self._spent.popleft()
            wait = self._until - now
            if sum(spent for _, spent in self._spent) + weight > self.weight_budget and self._spent:
                wait = max(wait, self._spent[0][0] + 60 - now)  # until the oldest request leaves the minute
            if wait > self.max_wait or now + wait >= self._ends_at:
                raise NotSent(
                    f"not sent: the run's weight budget of {self.weight_budget} a minute (--weight-budget) is spent "
                    "and waiting for it would pass --max-wait or --deadline"
                )
            self._spent.append((now + max(wait, 0), weight))
        if wait > 0:
            self.sleep(wait)

    def time_left(self) -> float:
        """Seconds until the deadline: no request may wait for its answer longer than this."""
        return max(0.1, self._ends_at - self.clock())

    def stop(self, reason: str) -> None:
        """Send nothing more in this run (an interrupted run stops its calls still waiting to go out)."""
        with self._lock:
            if not self._stopped:
                self._stop(reason)

    def unanswered(self) -> None:
        """A call got no answer; several in a row and the run stops calling a target that is not there."""
        with self._lock:
            self._unanswered += 1
            if self._unanswered >= FAILURES_IN_A_ROW and not self._stopped:
                self._stop(f"not sent: the target left {FAILURES_IN_A_ROW} calls in a row unanswered")

    def after(self, response: requests.Response) -> None:
        """Learn from an answer: a 429 pauses the run, a 418 stops it, an IP at its budget waits a minute."""
        used = _whole_number(next((response.headers[n] for n in USED_WEIGHT_HEADERS if n in response.headers), ""))
        with self._lock:
            self._unanswered = 0
            if used is not None and used >= self.weight_budget:  # others on this IP count too
                self._until = max(self._until, self.clock() + 60)
        if response.status_code not in (418, 429):
            return
        seconds = _retry_after(response)
        with self._lock:
            self._until = max(self._until, self.clock() + seconds)
            until = time.strftime("%H:%M:%S UTC", time.gmtime(self._until))
            if response.status_code == 418:
                self._stop(
                    f"not sent: Binance banned this IP address (HTTP 418) until {until}; the run stopped "
                    "sending at once (retry after the ban)"
                )
            elif seconds > self.max_wait:
                self._stop(
                    f"not sent: Binance asked to wait {seconds} s (HTTP 429, Retry-After), longer than --max-wait "
                    f"{self.max_wait:g} s; retry after {until}"
                )


def _read_bounded(response: requests.Response, seconds: float) -> None:
    """Read the answer into ``response`` up to the byte and time bounds, then close the connection."""
    started, content = time.monotonic(), bytearray()
    try:
        for chunk in response.iter_content(READ_CHUNK_BYTES):
            content += chunk
            if len(content) > MAX_ANSWER_BYTES:
                break
            if time.monotonic() - started > seconds:
                raise AnswerTooSlow(f"the answer took over {seconds:.0f} s to arrive")
    finally:
        response.close()
    response._content = bytes(content[:MAX_ANSWER_BYTES])  # requests' own cache of the body: a cut answer
    # is exactly MAX_ANSWER_BYTES long (see was_cut)


def was_cut(response: requests.Response) -> bool:
    """Whether :func:`send` stopped reading this answer at :data:`MAX_ANSWER_BYTES`."""
    return len(response.content) >= MAX_ANSWER_BYTES


def send(http: Sender, request: requests.PreparedRequest, gate: SendGate, weight: int = 1) -> requests.Response:
    """Send once within the gate, no redirect followed, the answer read within bounds.

    Raises :class:`NotSent`, or requests' errors when no answer came (which the gate counts).
    """
    gate.before_sending(weight)
    seconds = min(gate.timeout, gate.time_left())
    gate.meter.started()
    sent_at, status = time.time(), None
    try:
        response = http.send(request, timeout=seconds, allow_redirects=False, stream=True)
        status = response.status_code
        _read_bounded(response, seconds)
    except requests.RequestException:
        gate.unanswered()
        raise
    finally:
        gate.meter.ended()
        if gate.ledger is not None:
            gate.ledger.record(request, sent_at, status)
    gate.after(response)
    return response
