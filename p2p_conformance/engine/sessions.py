"""The live sessions of a run: one per key, created when first needed, and the rounds of ``--repeat``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import requests

from contracts import Catalog
from p2p_conformance.engine.controls import run_controls
from p2p_conformance.engine.live import LiveSession, TargetUnreachable
from p2p_conformance.engine.transport import (
    DEFAULT_DEADLINE_SECONDS,
    DEFAULT_MAX_WAIT_SECONDS,
    DEFAULT_WEIGHT_BUDGET,
    SendGate,
)
from p2p_conformance.model import KeySummary, utc_now
from signer import Key


@dataclass(frozen=True)
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


class LiveSessions:
    """Every key's :class:`LiveSession` against one target, and the round the run is in.

    ``on_new_round`` is told the number of each round as it starts (the emulator's story moves on).
    """

    def __init__(
        self,
        plan: RunPlan,
        base_url: str,
        http: requests.Session,
        on_new_round: Callable[[int], None] | None = None,
    ) -> None:
        self.plan = plan
        self.base_url = base_url
        self.http = http
        self.on_new_round = on_new_round
        self.round = 0
        self.round_started: dict[int, str] = {}
        self._sessions: dict[str, tuple[LiveSession, KeySummary]] = {}
        self._unreachable: TargetUnreachable | None = None  # once the target is unreachable, stop asking
        self.gate = SendGate(plan.max_wait, plan.deadline, plan.weight_budget)  # every key's: limits are per IP
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LiveSessions({self.base_url}, keys={list(self._sessions)}, round={self.round})"

    def get(self, key_name: str) -> tuple[LiveSession, KeySummary]:
        """The key's session: clock offset measured, control checks run and ids resolved, once."""
        with self._lock:
            if self._unreachable is not None:
                raise self._unreachable
            if key_name not in self._sessions:
                key = self.plan.keys[key_name]
                try:
                    session = LiveSession(
                        self.plan.catalog,
                        self.base_url,
                        key,
                        self.plan.recv_window,
                        self.http,
                        cross_check=self.plan.cross_check,
                        gate=self.gate,
                    )
                except TargetUnreachable as error:
                    self._unreachable = error
                    raise
                summary = KeySummary(
                    key_name,
                    key.fingerprint,
                    key.key_type,
                    self.base_url,
                    session.offset_ms,
                    tuple(run_controls(session)),
                )
                session.prepare_ids(list(self.plan.catalog.contracts), self.plan.user_ids)
                self._sessions[key_name] = (session, summary)
            return self._sessions[key_name]

    def enter_round(self, number: int) -> str:
        """Start round ``number`` if it is new (after ``interval``); returns when it started (UTC)."""
        with self._lock:
            if number > self.round:
                if self.round:
                    time.sleep(self.plan.interval)
                if self.on_new_round is not None:
                    self.on_new_round(number)
                self.round = number
                self.round_started[number] = utc_now()
            return self.round_started[number]
