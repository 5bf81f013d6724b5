"""A live run's calls go out through a bounded pool: at most ``--concurrency`` at once, after what
they depend on, round after round; the run says how many calls it sent and for how long."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
import requests
from canary import Canary
from werkzeug.wrappers import Request

from catalog_facts import (
    CATALOG,
    LIVE_RESULTS,
    READ_ONLY,
    REST_CALLS,
    matching,
    read_only_matching,
    setup_calls,
)
from p2p_conformance.contracts.model import API_RESTRICTIONS_PATH, SERVER_TIME_PATH
from p2p_conformance.emulator import Emulator, running_emulator
from p2p_conformance.engine.transport import NetworkMeter, SessionPerThread, environment_route

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY = Canary("CanaryKeyP00l" + "p" * 51, "CanarySecretP00l" + "l" * 48)
LATENCY = 0.02  # seconds before every answer
HOLD_SECONDS = 30  # the most a held request waits for the others (a failing run ends, not hangs)


@dataclass
class Span:
    path: str
    started: float
    ended: float
    connection: str  # the client's address and port: the same on every request of a kept-alive connection


@dataclass
class WatchedEmulator:
    """The emulator, noting when each request it answers began and ended, and the most at once.

    With ``together`` set, it answers no signed request until that many are being answered at once (then
    it lets every one go, once): whether a run can have that many calls in flight is decided by the
    requests that arrive, not by how busy the machine is.
    """

    emulator: Emulator
    together: int = 0
    spans: list[Span] = field(default_factory=list)
    most_at_once: int = 0
    _answering: int = 0
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        path = Request(environ).path
        with self._changed:
            self._answering += 1
            self.most_at_once = max(self.most_at_once, self._answering)
            if self._answering >= self.together:
                self.together = 0
                self._changed.notify_all()
            elif path != SERVER_TIME_PATH:  # the clock offset comes first, alone
                self._changed.wait_for(lambda: self.together == 0, timeout=HOLD_SECONDS)
                self.together = 0  # not reached in time: answer, and let the test's assertion say so
        started = time.monotonic()
        try:
            return self.emulator(environ, start_response)  # waits LATENCY first
        finally:
            with self._changed:
                self._answering -= 1
                connection = f"{environ['REMOTE_ADDR']}:{environ['REMOTE_PORT']}"
                self.spans.append(Span(path, started, time.monotonic(), connection))

    def of(self, path: str) -> list[Span]:
        return [span for span in self.spans if span.path == path]


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[WatchedEmulator, str]]:
    """A slow emulator (every answer after LATENCY) knowing the canary key, which is in the environment."""
    target = WatchedEmulator(CANARY.emulator(latency=LATENCY))
    CANARY.in_environment(monkeypatch)
    with running_emulator(target) as url:
        yield target, url


def test_a_round_goes_out_concurrently_within_the_bound_and_after_what_it_depends_on(
    endpoint_suite: EndpointSuite, watched: tuple[WatchedEmulator, str]
) -> None:
    target, url = watched
    target.together = 3  # the bound, reached whatever the machine's load
    result = endpoint_suite.run("-m", "live", "--binance-url", url, "--concurrency", "3")
    result.assert_outcomes(passed=len(LIVE_RESULTS), skipped=len(CATALOG.contracts) - len(READ_ONLY))
    assert target.most_at_once == 3
    assert len(target.spans) == REST_CALLS  # and no chat socket: a run opens it only with --socket
    time_known = target.of(SERVER_TIME_PATH)[0].ended  # every signature needs the clock offset
    assert all(span.started >= time_known for span in target.spans if span.path != SERVER_TIME_PATH)
    for contract in (c for c in CATALOG.contracts if c.read_only and c.ids):
        for kind in contract.ids.values():
            source = CATALOG.id_sources[kind].from_endpoint
            if source is not None:
                id_known = min(span.ended for span in target.of(CATALOG[source].path))
                assert target.of(contract.path)[-1].started >= id_known, (contract.id, kind)
    network = rf"Network: {REST_CALLS} calls in \d+\.\d\d s with a call on the network \(up to 3 at a time\)"
    assert re.fullmatch(rf"{network}, of a \d+\.\d\d s run", result.stdout.lines[-1]), result.stdout.lines[-1]


def test_repeat_rounds_stay_rounds_each_sent_together(
    endpoint_suite: EndpointSuite, watched: tuple[WatchedEmulator, str]
) -> None:
    target, url = watched
    target.together = 2
    selection = "ads/"
    result = endpoint_suite.run("-m", "live", "--binance-url", url, "--repeat", "2", "-k", f"test_live and {selection}")
    selected = len(read_only_matching(selection))
    result.assert_outcomes(passed=2 * selected, skipped=2 * (matching(selection) - selected))
    spans = sorted(target.spans, key=lambda span: span.started)
    # a key opens once: round 2 reads Binance's clock again, then sends its calls
    first, second = spans[: -selected - 1], spans[-selected - 1 :]
    assert len(first) == setup_calls(read_only_matching(selection)) + selected
    assert second[0].path == SERVER_TIME_PATH
    assert max(span.ended for span in first) <= min(span.started for span in second)
    assert target.most_at_once > 1
    summary = endpoint_suite.summary()
    assert {r["round"] for r in summary["results"]} == {1, 2}
    assert [type(found["clock_offset_ms"]) for found in summary["rounds"]] == [int, int]


def test_a_run_of_endpoints_that_need_no_id_sends_no_list_call(
    endpoint_suite: EndpointSuite, watched: tuple[WatchedEmulator, str]
) -> None:
    target, url = watched
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and ads/getAds")
    paths = sorted(span.path for span in target.spans)
    assert paths == sorted([SERVER_TIME_PATH, API_RESTRICTIONS_PATH, CATALOG["ads/getAds"].path])


def test_connections_are_kept_alive_one_per_sending_thread(
    endpoint_suite: EndpointSuite, watched: tuple[WatchedEmulator, str]
) -> None:
    target, url = watched
    endpoint_suite.run("-m", "live", "--binance-url", url, "--concurrency", "2", "-k", "test_live and ads/")
    connections = {span.connection for span in target.spans}
    assert len(connections) <= 2 < len(target.spans), connections  # two threads send, each on its own connection


def test_the_meter_counts_overlapping_calls_once() -> None:
    now = [0.0]
    meter = NetworkMeter(clock=lambda: now[0])
    meter.started()  # t=0: one call out
    now[0] = 1.0
    meter.started()  # t=1: a second beside it
    now[0] = 2.0
    meter.ended()
    now[0] = 3.0
    meter.ended()  # t=3: none on the network
    now[0] = 10.0
    meter.started()
    now[0] = 10.5
    meter.ended()
    assert (meter.calls, meter.seconds) == (3, 3.5)


def test_a_sending_thread_never_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """pytest changes os.environ between tests (PYTEST_CURRENT_TEST) while the pool sends; requests would
    read it for each request's proxies, and a read during a change raised KeyError in a live call."""

    def environment_read(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a request read the environment's proxies while sending")

    monkeypatch.setattr(requests.sessions, "resolve_proxies", environment_read)
    http = SessionPerThread(environment_route("http://127.0.0.1:9"))
    with running_emulator(CANARY.emulator()) as url, ThreadPoolExecutor(2) as pool:
        request = requests.Request("GET", url + SERVER_TIME_PATH).prepare()
        answers = list(pool.map(lambda _: http.send(request, timeout=5).status_code, range(4)))
    http.close()
    assert answers == [200] * 4
