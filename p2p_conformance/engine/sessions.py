"""The live sessions of a run: one per key, the rounds of ``--repeat``, and the pool that sends.

A round's calls go out ahead of its tests (:meth:`LiveRun.enter_round`), at most
``concurrency`` at a time, so the network part of a run is a few round trips deep instead of one
per endpoint; each test then judges the answer it is handed. Dependencies are kept: a key's clock
offset is measured before anything it signs, and an endpoint that needs an id (an order number
from a list call) goes out only once that id is known. The pool's calls share the run's
:class:`~.transport.SendGate`, so concurrency never outruns a rate limit, a Retry-After or a ban.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from p2p_conformance.contracts import Catalog, Contract
from p2p_conformance.engine.chat_socket import DEFAULT_LISTEN_SECONDS, SocketChecks
from p2p_conformance.engine.controls import run_controls
from p2p_conformance.engine.live import CallSettings, LiveSession, TargetUnreachable, measure_clock_offset
from p2p_conformance.engine.probe import ProbeBudget
from p2p_conformance.engine.transport import (
    DEFAULT_DEADLINE_SECONDS,
    DEFAULT_MAX_WAIT_SECONDS,
    DEFAULT_WEIGHT_BUDGET,
    TIMEOUT_SECONDS,
    NetworkMeter,
    Route,
    Sender,
    SendGate,
    on_loopback,
)
from p2p_conformance.engine.verifiable import KeyShown, RequestLedger
from p2p_conformance.model import ControlCheck, KeySummary, LiveResult, utc_now
from p2p_conformance.signer import Key

DEFAULT_CONCURRENCY = 8  # calls in flight at once: a few round trips for the catalog, a trickle for Binance
MAX_CONCURRENCY = 32


@dataclass(frozen=True, kw_only=True)
class RunPlan:
    """What every session of a run shares: the catalog, the keys by name, and how to call."""

    catalog: Catalog
    keys: Mapping[str, Key]
    recv_window: int
    user_ids: Mapping[str, str] = field(default_factory=dict)  # id kind -> a real id given by the user
    interval: float = 0.0  # seconds between ``--repeat`` rounds
    cross_check: bool = False  # send each failing call again through Binance's own SDK code
    max_wait: float = DEFAULT_MAX_WAIT_SECONDS  # the longest Retry-After the run waits out
    deadline: float = DEFAULT_DEADLINE_SECONDS  # no request goes out after this many seconds of the run
    weight_budget: int = DEFAULT_WEIGHT_BUDGET  # request weight a minute, for this process
    concurrency: int = DEFAULT_CONCURRENCY  # calls in flight at once
    timeout: float = TIMEOUT_SECONDS  # seconds a call may take before it counts as no answer
    probe_limit: int = 0  # --probe: failing endpoints sent again in other request shapes (0: none)
    probe_endpoints: frozenset[str] = frozenset()  # only these, when given (the case's --focus)
    verifiable: KeyShown | None = None  # --verifiable: each request kept as sent, for the bundle's requests.jsonl
    socket_listen: float = DEFAULT_LISTEN_SECONDS  # seconds a socket check reads frames at most


RoundCalls = Mapping[str, Sequence[Contract]]  # a round's read-only calls, by key name


@dataclass(frozen=True)
class OpenKey:
    """A key ready to call: its session (clock offset known, ids resolved) and what was established for it."""

    session: LiveSession
    summary: KeySummary


@dataclass(frozen=True)
class Untaken:
    """A call sent ahead whose test never took its answer (the run stopped first): it went out, so it is judged."""

    key: OpenKey
    key_name: str
    round: int
    round_started: str
    result: LiveResult


@dataclass(frozen=True)
class _Opening:
    """A key being opened: its session, and its control checks and id lookups under way."""

    session: LiveSession
    controls: Future[list[ControlCheck]]
    lookups: dict[str, Future[Any]]


class LiveRun:
    """Every key's :class:`LiveSession` against one target, the round the run is in, and its pool.

    ``calls`` are the endpoints the run will call (the whole catalog if not given): ids are looked up
    for them only, so a run narrowed to endpoints that need no id sends no list call. ``rounds`` names
    each round's calls by key: they go out together when the round starts (none given: each call is
    sent when its test asks, as when recording cassettes or under pytest-xdist). ``on_new_round`` is
    told the number of each round as it starts (the emulator's story moves on).
    """

    def __init__(
        self,
        plan: RunPlan,
        base_url: str,
        http: Sender,
        *,
        calls: Sequence[Contract] | None = None,
        rounds: Mapping[int, RoundCalls] | None = None,
        on_new_round: Callable[[int], None] | None = None,
        route: Route | None = None,
        learn_secrets: Callable[[Iterable[str]], None] | None = None,
    ) -> None:
        self.plan = plan
        # The checks that need another endpoint's answer (the chat socket needs its credential's), with the route
        # for their own connections (the REST calls' sender has its own) and the secrets they learn: every
        # redaction after it (tracebacks, logs, report files) knows them.
        self.dependent = SocketChecks(
            plan.catalog,
            route=route or Route(),
            target_on_loopback=on_loopback(urlsplit(base_url).hostname),
            listen=plan.socket_listen,
            learn_secrets=learn_secrets or (lambda texts: None),
        )
        # The answers such checks need, by (key, round, endpoint): for a check whose test runs after the test of
        # the endpoint it needs, where calls are not sent ahead.
        self._needed_answers: dict[tuple[str, int, str], LiveResult] = {}
        self.calls = list(plan.catalog.contracts if calls is None else calls)
        self.rounds = dict(rounds or {})
        self.base_url = base_url
        self.http = http
        self.on_new_round = on_new_round
        self.round = 0
        self.round_started: dict[int, str] = {}
        # Binance's clock at each round's start (server minus local, ms): round 1's from its first key's opening,
        # each later round's read once more (the run signs with it from then on)
        self.round_clock: dict[int, int] = {}
        self._keys: dict[str, OpenKey] = {}
        # Once opening failed (the target unreachable, or an error), every later test is told so: nothing is sent again.
        self._failed: Exception | None = None
        # Every key's: limits are per IP.
        self.ledger = RequestLedger(plan.verifiable) if plan.verifiable is not None else None
        self.gate = SendGate(plan.max_wait, plan.deadline, plan.weight_budget, timeout=plan.timeout, ledger=self.ledger)
        self.pool = ThreadPoolExecutor(plan.concurrency, thread_name_prefix="p2p-live-call")
        self.call_settings = CallSettings(  # every key's: the probe budget too
            catalog=plan.catalog,
            base_url=base_url,
            recv_window=plan.recv_window,
            cross_check=plan.cross_check,
            probes=ProbeBudget(plan.probe_limit) if plan.probe_limit else None,
            probe_endpoints=plan.probe_endpoints,
        )
        self._ahead: dict[tuple[str, int, str], Future[LiveResult]] = {}  # (key, round, endpoint) -> its call
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LiveRun({self.base_url}, keys={list(self._keys)}, round={self.round})"

    @property
    def meter(self) -> NetworkMeter:
        """The run's requests so far and their time on the network."""
        return self.gate.meter

    def get(self, key_name: str) -> OpenKey:
        """The key, opened once: clock offset measured, control checks run and ids resolved."""
        with self._lock:
            self._open([key_name])
            return self._keys[key_name]

    def _open(self, key_names: Sequence[str], number: int = 0) -> list[str]:
        """Open the keys not open yet (returns them), once: a failure is kept and raised again."""
        if self._failed is not None:
            raise self._failed
        names = [name for name in dict.fromkeys(key_names) if name not in self._keys]
        try:
            return self._open_now(names, number)
        except Exception as error:
            self._failed = error
            raise

    def _open_now(self, names: list[str], number: int) -> list[str]:
        """Clock offsets first (every signature needs one), then each key's control checks and id lookups side
        by side, with round ``number``'s calls that need no id."""
        sessions = list(self.pool.map(self._session, names))
        openings = [
            _Opening(
                session,
                self.pool.submit(run_controls, session),
                session.start_id_lookups(self.calls, self.plan.user_ids, self.pool),
            )
            for session in sessions
        ]
        for name, opening in zip(names, openings, strict=True):
            self._send(name, number, opening.session, [c for c in self._calls_of(number, name) if not c.ids])
        for name, opening in zip(names, openings, strict=True):
            session, key = opening.session, opening.session.key
            session.set_ids(self.calls, self.plan.user_ids, opening.lookups)
            summary = KeySummary(
                name=name,
                fingerprint=key.fingerprint,
                key_type=key.key_type,
                base_url=self.base_url,
                clock_offset_ms=session.offset_ms,
                controls=tuple(opening.controls.result()),
                shape=key.shape,
            )
            self._keys[name] = OpenKey(session, summary)
        if sessions:
            self.round_clock.setdefault(max(self.round, 1), sessions[0].offset_ms)
        return names

    def _session(self, key_name: str) -> LiveSession:
        return LiveSession.open(self.call_settings, self.plan.keys[key_name], self.http, self.gate)

    def _calls_of(self, number: int, key_name: str) -> list[Contract]:
        """The read-only calls of round ``number`` for the key (none when the round sends nothing ahead)."""
        return [c for c in self.rounds.get(number, {}).get(key_name, ()) if c.read_only]

    def _send(self, key_name: str, number: int, session: LiveSession, contracts: Sequence[Contract]) -> None:
        """Each call into the pool; a check that needs another endpoint's answer once that call (sent before it)
        has answered."""
        for contract in contracts:
            needed = self.dependent.needs(contract.id)
            if needed is None:
                future = self.pool.submit(session.call, contract)
            else:
                source = self._ahead.get((key_name, number, needed))
                future = self.pool.submit(self._run_dependent, contract.id, session, source)
            self._ahead[(key_name, number, contract.id)] = future

    def _run_dependent(
        self, check_id: str, session: LiveSession, needed: Future[LiveResult] | LiveResult | None
    ) -> LiveResult:
        answered = needed.result() if isinstance(needed, Future) else needed
        return self.dependent.run(check_id, session.gate, answered)

    def enter_round(self, number: int) -> str:
        """Start round ``number`` if it is new (after ``interval``) and send its calls; returns when it started."""
        with self._lock:
            if number > self.round:
                if self.round:
                    time.sleep(self.plan.interval)
                if self.on_new_round is not None:
                    self.on_new_round(number)
                self.round = number
                self.round_started[number] = utc_now()
                self._read_clock(number)
                self._send_ahead(number)
            return self.round_started[number]

    def _read_clock(self, number: int) -> None:
        """A later round reads Binance's clock again, and every open key signs with it from then on; a clock that
        cannot be read leaves the offsets as they were (the round's calls say what the target does)."""
        if number < 2 or not self._keys or self._failed is not None:
            return
        try:
            offset = measure_clock_offset(self.http, self.base_url, self.gate)
        except TargetUnreachable:
            return
        self.round_clock[number] = offset
        for key in self._keys.values():
            key.session.resync(offset)

    def _send_ahead(self, number: int) -> None:
        """Send the round's read-only calls now; those that need an id go once their key's ids are known."""
        planned = self.rounds.get(number, {})
        if not planned:
            return
        try:
            opened = self._open(list(planned), number)
        except Exception:  # kept by _open: each test is told when it asks for its key
            return
        for key_name in planned:
            rest = [c for c in self._calls_of(number, key_name) if c.ids or key_name not in opened]
            self._send(key_name, number, self._keys[key_name].session, rest)

    def call(self, key_name: str, number: int, contract: Contract) -> LiveResult:
        """The answer of the key's call in round ``number``: sent ahead and waited for, or sent now."""
        with self._lock:
            ahead = self._ahead.pop((key_name, number, contract.id), None)
        if ahead is not None:
            return ahead.result()
        session = self.get(key_name).session
        needed = self.dependent.needs(contract.id)
        if needed is not None:
            answered = self._needed_answers.get((key_name, number, needed))
            if answered is None:  # answered in another process (pytest-xdist), or its test not selected
                answered = self.call(key_name, number, self.plan.catalog[needed])
            return self._run_dependent(contract.id, session, answered)
        result = session.call(contract)
        if contract.id in self.dependent.needed:  # a check runs with its answer
            self._needed_answers[(key_name, number, contract.id)] = result
        return result

    def untaken(self) -> list[Untaken]:
        """The calls sent ahead that no test took (a run stopped by ``-x``, ``--maxfail`` or an interrupt), once
        the run's sending has ended (:meth:`close`): each went out, so each is judged. A call held back or never
        started is not among them: it was not sent."""
        self.close()
        with self._lock:
            left, self._ahead = self._ahead, {}
        found = []
        for (key_name, number, _), future in left.items():
            if future.cancelled() or future.exception() is not None:
                continue
            result = future.result()
            if result.answer.sent and key_name in self._keys:
                found.append(Untaken(self._keys[key_name], key_name, number, self.round_started[number], result))
        return found

    def close(self) -> None:
        """End the run's sending: calls not sent yet never go; those on the network finish (bounded)."""
        self.gate.stop("not sent: the run ended before this call went out")
        self.pool.shutdown(wait=True, cancel_futures=True)
