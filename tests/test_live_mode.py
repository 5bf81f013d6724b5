"""Live mode end to end, against the emulator: what is called, how, and what is never called."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
import yaml
from canary import Canary

from catalog_facts import (
    CATALOG,
    ENDPOINT_TESTS,
    LIVE_DESELECTED,
    LIVE_RESULTS,
    MUTATING,
    SOCKETS,
    matching,
    read_only_matching,
)
from p2p_conformance.emulator import Emulator, running_emulator
from p2p_conformance.engine.live import CallSettings, LiveSession
from p2p_conformance.signer import HmacKey

if TYPE_CHECKING:
    from conftest import EndpointSuite

MUTATING_PATHS = {c.path for c in CATALOG.contracts if not c.read_only}
# A canary: if either string shows up in any file or output, a secret leaked.
CANARY_KEY = "CanaryKeyZ7" + "q" * 53
CANARY_SECRET = "CanarySecretZ7" + "w" * 50
CANARY = Canary(CANARY_KEY, CANARY_SECRET)


def open_session(url: str, http: requests.Session) -> LiveSession:
    """The canary key's session against ``url``, its clock offset measured."""
    key = HmacKey(CANARY_KEY, CANARY_SECRET)
    return LiveSession.open(CallSettings(catalog=CATALOG, base_url=url, recv_window=5000), key, http)


@pytest.fixture
def emulator() -> Emulator:
    """An emulator that knows only the canary key, answering every endpoint with its example."""
    return CANARY.emulator()


@pytest.fixture
def emulator_url(emulator: Emulator) -> Iterator[str]:
    with running_emulator(emulator) as url:
        yield url


def test_the_chat_socket_is_opened_only_with_socket_and_the_run_says_first_what_that_may_do(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, emulator: Emulator, emulator_url: str
) -> None:
    """Binance keeps one chat connection per account: a run opens the chat socket only when asked, and says so
    before any test runs (the merchant's own bot may lose its chat connection)."""
    CANARY.in_environment(monkeypatch)
    result = endpoint_suite.run("-m", "live", "--binance-url", emulator_url, "--socket", "-k", "chat/")
    lines = result.stdout.lines
    warning = next(i for i, line in enumerate(lines) if line.startswith("--socket: this run opens the chat socket"))
    assert "one chat connection per account" in lines[warning]
    assert warning < next(i for i, line in enumerate(lines) if "test_endpoints.py" in line)  # before any test ran
    opened = [call for call in emulator.journal if call.endpoint_id in SOCKETS]
    assert [call.accepted for call in opened] == [True] * len(SOCKETS)
    assert "The chat socket was not opened" not in result.stdout.str()


def test_live_run_with_a_key_calls_every_read_only_endpoint_acceptably_and_no_mutating_one(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, emulator: Emulator, emulator_url: str
) -> None:
    CANARY.in_environment(monkeypatch)
    result = endpoint_suite.run("-m", "live", "--binance-url", emulator_url)
    result.assert_outcomes(passed=len(LIVE_RESULTS), skipped=len(MUTATING), deselected=LIVE_DESELECTED)
    calls = [call for call in emulator.journal if call.endpoint_id is not None]
    assert {call.endpoint_id for call in calls if call.accepted} == LIVE_RESULTS  # no chat socket: not asked for
    assert "  Note: The chat socket was not opened: it is off by default" in result.stdout.str()
    assert all(call.accepted for call in calls), [call for call in calls if not call.accepted]
    assert not [call for call in emulator.journal if call.path in MUTATING_PATHS]
    json_calls = {call.endpoint_id: call.json_body for call in calls}
    assert json_calls["ads/search"] == {"asset": "USDT", "fiat": "USD", "page": 1, "rows": 10, "tradeType": "BUY"}
    assert CANARY_SECRET not in result.stdout.str() + result.stderr.str()


def test_emulator_flag_runs_the_whole_live_path_and_exits_0(endpoint_suite: EndpointSuite) -> None:
    selection = "orderMatch/"  # reading orders, and releasing crypto: never sent
    result = endpoint_suite.run("-m", "live", "--emulator", "-k", f"test_live and {selection}")
    assert result.ret == 0
    read_only = len(read_only_matching(selection))
    result.assert_outcomes(
        passed=read_only, skipped=matching(selection) - read_only, deselected=ENDPOINT_TESTS - matching(selection)
    )
    release = next(r for r in endpoint_suite.summary()["results"] if r["id"] == "orderMatch/releaseCoin")
    assert release["outcome"] == "skipped" and "releases crypto to the buyer" in release["diagnosis"]


def test_july_9_scenario_fails_where_the_seed_failed(endpoint_suite: EndpointSuite) -> None:
    seed = "not agent and (ads/getAds or getUserOrderSummary or getAvailableAdsCategory or ads/search or "
    seed += "getReferencePrice or retrieveChatCredential)"  # the case file's six endpoints
    result = endpoint_suite.run(
        "-m", "live", "--emulator", "--scenario", "july-9", "-rA", "--tb=short", "-k", f"test_live and {seed}"
    )
    result.assert_outcomes(passed=2, failed=4, deselected=ENDPOINT_TESTS - 6)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    for line in [
        "GET /sapi/v1/c2c/ads/getAds: received a body that is not JSON *",  # the empty 200, as recorded: never works
        "PASSED *test_live?orderMatch/getUserOrderSummary?",
        "PASSED *test_live?ads/getAvailableAdsCategory?",
        "POST /sapi/v1/c2c/ads/search: received HTTP 400 with error code -1022 (Signature *",
        "POST /sapi/v1/c2c/ads/getReferencePrice: received HTTP 500 with error code -1000 *",  # JSON, as recorded
        "GET /sapi/v1/c2c/chat/retrieveChatCredential: received HTTP 400 with error code -1102 *",
    ]:
        result.stdout.fnmatch_lines([line])


def test_user_id_is_sent_in_the_body(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, emulator: Emulator, emulator_url: str
) -> None:
    CANARY.in_environment(monkeypatch)
    endpoint_suite.run(
        "-m", "live", "--binance-url", emulator_url, "--id", "order-number=777", "-k", "getUserOrderDetail"
    ).assert_outcomes(passed=matching("getUserOrderDetail"), deselected=ENDPOINT_TESTS - matching("getUserOrderDetail"))
    bodies = [call.json_body for call in emulator.journal if call.endpoint_id == "orderMatch/getUserOrderDetail"]
    assert bodies == [{"adOrderNo": "777"}]


def test_ids_come_from_a_read_only_list_call_or_fall_back_to_a_placeholder(emulator_url: str) -> None:
    with requests.Session() as http, ThreadPoolExecutor(1) as pool:
        session = open_session(emulator_url, http)
        session.set_ids(CATALOG.contracts, {}, session.start_id_lookups(CATALOG.contracts, {}, pool))
        assert session.ids["order-number"].how == "order-number from orderMatch/listUserOrderHistory"
        assert session.ids["merchant-number"].placeholder
        result = session.call(CATALOG["agent/merchant/getAdDetails"])
    assert result.passed and any("placeholder merchant-number" in note for note in result.answer.notes)


def test_placeholder_id_with_a_business_not_found_proves_the_key_reached_the_endpoint() -> None:
    emulator = CANARY.emulator(
        {"agent/merchant/getAdDetails": "not-found", "orderMatch/getUserOrderDetail": "not-found"}
    )
    with running_emulator(emulator) as url, requests.Session() as http, ThreadPoolExecutor(1) as pool:
        session = open_session(url, http)
        session.set_ids(CATALOG.contracts, {}, session.start_id_lookups(CATALOG.contracts, {}, pool))
        placeholder = session.call(CATALOG["agent/merchant/getAdDetails"])
        real_id = session.call(CATALOG["orderMatch/getUserOrderDetail"])
    assert placeholder.passed and "the key reached the endpoint" in placeholder.answer.notes[-1]
    assert not real_id.passed and "EMULATOR_NOT_FOUND" in (real_id.problem or "")


LISTEN_TOKEN = "CanaryListenTokenRecording" + "r" * 20


def test_recording_with_a_canary_key_writes_no_secret_and_replays(
    endpoint_suite: EndpointSuite, tmp_path: Path
) -> None:
    scenario_file = tmp_path / "canary.yaml"
    document = CANARY.scenario({"chat/retrieveChatCredential": "ok"})
    document["keys"]["canary"]["listen_token"] = LISTEN_TOKEN  # the chat credential's secret, as Binance answers it
    scenario_file.write_text(yaml.safe_dump(document))
    cassettes = tmp_path / "cassettes"
    recorded = endpoint_suite.run(
        "-m",
        "live",
        "--emulator",
        "--scenario",
        str(scenario_file),
        "--record-mode=rewrite",
        "--cassette-dir",
        str(cassettes),
        "-k",
        "test_live and (chat/retrieveChatCredential or ads/search)",
    )
    assert recorded.ret == 0
    files = sorted(cassettes.rglob("*.yaml"))
    assert len(files) == len(read_only_matching("chat/retrieveChatCredential") | read_only_matching("ads/search"))
    for path in [*files, *endpoint_suite.pytester.path.rglob("*")]:  # the scenario file holds the canary by design
        if path.is_file():
            text = path.read_text(errors="replace")
            assert CANARY_KEY not in text and CANARY_SECRET not in text and LISTEN_TOKEN not in text, path
    chat = (cassettes / "chat" / "retrieveChatCredential.yaml").read_text()
    assert "emulator-" not in chat and 'listenKey": "REDACTED' in chat and 'listenToken": "REDACTED' in chat
    output = recorded.stdout.str() + recorded.stderr.str()
    assert CANARY_KEY not in output and CANARY_SECRET not in output and LISTEN_TOKEN not in output
    replayed = endpoint_suite.run("-k", "test_replay and ads/search", "--cassette-dir", str(cassettes))
    replayed.assert_outcomes(passed=matching("ads/search"), deselected=ENDPOINT_TESTS - matching("ads/search"))


def test_clock_offset_to_the_server_is_measured_and_applied() -> None:
    ahead = CANARY.emulator(clock=lambda: time.time() + 30)
    with running_emulator(ahead) as url, requests.Session() as http:
        session = open_session(url, http)
        result = session.call(CATALOG["ads/getAds"])
    assert 29_000 < session.offset_ms < 31_000
    assert result.passed, result.problem


def test_unreachable_target_fails_every_live_test_with_one_clear_line(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    CANARY.in_environment(monkeypatch)
    with socket.socket() as probe:  # a loopback port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = endpoint_suite.run("-m", "live", "--binance-url", f"http://127.0.0.1:{port}", "-k", "ads/get")
    result.assert_outcomes(errors=matching("ads/get"), deselected=ENDPOINT_TESTS - matching("ads/get"))
    results = endpoint_suite.summary()["results"]
    assert len(results) == matching("ads/get")
    assert {(r["outcome"], r["side"]) for r in results} == {("error", "network")}
    result.stdout.fnmatch_lines(
        [f"*cannot read the server time at http://127.0.0.1:{port}/api/v3/time: ConnectionError*"]
    )
