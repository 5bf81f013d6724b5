"""What a live test leaves on its item for the worker to make its record from."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from p2p_conformance.engine.sessions import LiveRun
from p2p_conformance.engine.transport import NetworkMeter
from p2p_conformance.model import KeySummary, LiveResult
from p2p_conformance.safety import RunSecrets
from p2p_conformance.safety.cassettes import RefusingPersister


@dataclass(frozen=True)
class LiveCall:
    """A live test's result (None before the call) and its context: the key and the round."""

    result: LiveResult | None
    key: KeySummary
    round: int
    round_started: str
    round_clock_ms: int | None = None  # Binance's clock at the round's start (server minus local), once read


LIVE_CALL = pytest.StashKey[LiveCall]()
SETUP_PROBLEM = pytest.StashKey[str]()  # why the target could not be reached
NETWORK_METER = pytest.StashKey[NetworkMeter]()  # the run's requests and their time on the network
RUN_SECRETS = pytest.StashKey[RunSecrets]()  # the run's secrets, those it learns on the way included
LIVE_RUN = pytest.StashKey[LiveRun]()  # this process's: the calls it sent ahead that no test took
CASSETTE_PERSISTER = pytest.StashKey[RefusingPersister]()  # the run's cassette writer, and what it refused


@dataclass(frozen=True)
class LiveSelection:
    """How many of the live tests a whole run has this run selected, and what narrowed it (``-k ...``, ``--lf``):
    made where the tests are collected (each pytest-xdist worker alike), read by the controller."""

    selected: int
    whole: int
    narrowed_by: tuple[str, ...] = ()

    @property
    def last_failed_only(self) -> bool:
        """Narrowed by ``--lf`` to the tests that failed last time (with no failure kept, ``--lf`` runs them all)."""
        return self.selected < self.whole and "--lf" in self.narrowed_by

    def to_list(self) -> list[object]:  # plain data, for a pytest-xdist worker's output
        return [self.selected, self.whole, list(self.narrowed_by)]

    @classmethod
    def from_list(cls, data: list[object]) -> LiveSelection:
        selected, whole, narrowed_by = data
        assert isinstance(selected, int) and isinstance(whole, int) and isinstance(narrowed_by, list)
        return cls(selected, whole, tuple(str(option) for option in narrowed_by))


LIVE_SELECTION = pytest.StashKey[LiveSelection]()
