"""What a live test leaves on its item for the worker to make its record from."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from p2p_conformance.engine.transport import NetworkMeter
from p2p_conformance.model import KeySummary, LiveResult
from p2p_conformance.safety import RunSecrets


@dataclass(frozen=True)
class LiveCall:
    """A live test's result (None before the call) and its context: the key and the round."""

    result: LiveResult | None
    key: KeySummary
    round: int
    round_started: str


LIVE_CALL = pytest.StashKey[LiveCall]()
SETUP_PROBLEM = pytest.StashKey[str]()  # why the target could not be reached
NETWORK_METER = pytest.StashKey[NetworkMeter]()  # the run's requests and their time on the network
RUN_SECRETS = pytest.StashKey[RunSecrets]()  # the run's secrets, those it learns on the way included
