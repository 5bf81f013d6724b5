"""The live sessions of a run: one per key, created when first needed, and the rounds of ``--repeat``."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import requests

from emulator import Emulator
from p2p_conformance.controls import run_controls
from p2p_conformance.live import LiveSession, TargetUnreachable
from p2p_conformance.records import KeySession
from p2p_conformance.settings import RunSettings


def utc_now() -> str:
    """UTC, ISO 8601, to the millisecond: runs started in the same second still sort in order."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class LiveSessions:
    """Every key's :class:`LiveSession` against one target, and the round the run is in."""

    def __init__(self, settings: RunSettings, base_url: str, http: requests.Session, emulator: Emulator | None):
        self.settings = settings
        self.base_url = base_url
        self.http = http
        self.emulator = emulator
        self.round = 0
        self.round_started: dict[int, str] = {}
        self._sessions: dict[str, tuple[LiveSession, KeySession]] = {}
        self._unreachable: TargetUnreachable | None = None  # once the target is unreachable, stop asking
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"LiveSessions({self.base_url}, keys={list(self._sessions)}, round={self.round})"

    def get(self, key_name: str) -> tuple[LiveSession, KeySession]:
        """The key's session: clock offset measured, control checks run and ids resolved, once."""
        with self._lock:
            if self._unreachable is not None:
                raise self._unreachable
            if key_name not in self._sessions:
                key = self.settings.keys[key_name]
                try:
                    session = LiveSession(
                        self.settings.catalog, self.base_url, key, self.settings.recv_window, self.http
                    )
                except TargetUnreachable as error:
                    self._unreachable = error
                    raise
                summary = KeySession(
                    key_name,
                    key.fingerprint,
                    key.key_type,
                    self.base_url,
                    session.offset_ms,
                    tuple(run_controls(session)),
                )
                session.prepare_ids(list(self.settings.catalog.contracts), self.settings.user_ids)
                self._sessions[key_name] = (session, summary)
            return self._sessions[key_name]

    def enter_round(self, number: int) -> str:
        """Start round ``number`` if it is new: wait ``--interval``, move the emulator's story on."""
        with self._lock:
            if number > self.round:
                if self.round:
                    time.sleep(self.settings.interval)
                if self.emulator is not None and self.settings.phase is None:
                    self.emulator.scenario.set_phase(number - 1)
                self.round = number
                self.round_started[number] = utc_now()
            return self.round_started[number]
