"""Binance's clock is read again at the start of every round after the first: a run of hours signs each round
with the clock of its hour, and the page shows the clock of each round beside its time."""

from __future__ import annotations

import json
import time
from html import unescape
from typing import TYPE_CHECKING

import pytest
from canary import Canary

from p2p_conformance.emulator import running_emulator
from p2p_conformance.model import clock_words

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY = Canary("CanaryKeyRoundClock" + "c" * 45, "CanarySecretRoundClock" + "k" * 42)
JUMP_MS = 120_000  # past any recvWindow: a round signed with the first round's clock would get -1021


class SteppedClock:
    """Binance's clock as the emulator keeps it: this machine's until round 1's calls are answered, then two
    minutes ahead (the event is the emulator's journal reaching ``after`` calls, not a time)."""

    def __init__(self) -> None:
        self.journal: list[object] = []
        self.after = 0

    def __call__(self) -> float:
        return time.time() + (JUMP_MS / 1000 if self.after and len(self.journal) >= self.after else 0.0)


def test_a_later_round_reads_the_clock_again_and_signs_with_it(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = SteppedClock()
    emulator = CANARY.emulator(clock=clock)
    clock.journal = emulator.journal
    clock.after = 3  # round 1: the server time, the account control, ads/getAds
    CANARY.in_environment(monkeypatch)
    with running_emulator(emulator) as url:
        endpoint_suite.run("-m", "live", "--binance-url", url, "--repeat", "2", "-k", "test_live and ads/getAds")
    summary = endpoint_suite.summary()
    assert [(r["round"], r["outcome"]) for r in summary["results"]] == [(1, "pass"), (2, "pass")]
    clocks = [found["clock_offset_ms"] for found in summary["rounds"]]
    assert abs(clocks[0]) < 5_000 and abs(clocks[1] - JUMP_MS) < 5_000, clocks
    page = (endpoint_suite.reports / "live-report.html").read_text()
    assert "2: " in page and clock_words(clocks[1]) in unescape(page)  # "... ms (about 2 min) ahead of ..."


def test_the_clock_of_each_round_is_kept_in_the_run_s_json(endpoint_suite: EndpointSuite) -> None:
    endpoint_suite.run("-m", "live", "--emulator", "-k", "test_live and ads/getAds")
    rounds = json.loads((endpoint_suite.reports / "live-summary.json").read_text())["rounds"]
    assert [(found["round"], type(found["clock_offset_ms"])) for found in rounds] == [(1, int)]
