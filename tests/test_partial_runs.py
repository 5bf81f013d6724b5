"""A run narrowed (``-k``, ``--lf``) or stopped (``-x``, ``--maxfail``) concludes only what it saw: it says it was
partial and how many calls it sent and judged, judges every call it sent, and draws no conclusion about the key as
a whole ("the secret does not belong to this key", "recognised nowhere") from calls that cannot carry one. Under
pytest-xdist the chat socket finds its credential in its own worker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import yaml
from canary import Canary

from catalog_facts import CATALOG, ENDPOINTS, SOCKETS
from p2p_conformance.emulator import Emulator, running_emulator
from p2p_conformance.emulator.scenario import SCENARIOS, parse_scenario
from p2p_conformance.engine.ids import list_calls
from p2p_conformance.report.render_check import missing_parts

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY = Canary("CanaryKeyPartial" + "p" * 48, "CanarySecretPartial" + "q" * 45)
JULY_9 = ("-m", "live", "--emulator", "--scenario", "july-9")
# What only every call of a key can say: never drawn from a few calls of one service, nor from --lf's leftovers
ABOUT_EVERY_CALL = ("the secret does not belong to this API key", "recognised this key nowhere", "check the key")


def said(summary: dict[str, Any]) -> str:
    """Every word the run concluded: the verdict and each record's diagnosis, next step and reasoning."""
    records = [f"{r['diagnosis']} {r['next_step']} {r['reasoning']}" for r in summary["results"]]
    return " ".join([summary["verdict"], *records])


def july_9_for_the_canary() -> Emulator:
    """The july-9 scenario's answers, to the canary key, served from this process (its journal is read)."""
    document = yaml.safe_load((SCENARIOS / "july-9.yaml").read_text())
    document["keys"]["key1"] |= {"api_key": CANARY.api_key, "secret": CANARY.secret}
    return Emulator(parse_scenario(document, CATALOG), CATALOG)


def test_a_run_narrowed_with_k_says_so_and_concludes_nothing_about_the_key_as_a_whole(
    endpoint_suite: EndpointSuite,
) -> None:
    """July 9 narrowed to ads/search (and the agent family's same search): a -1022 and a -2008 of one family."""
    result = endpoint_suite.run(*JULY_9, "-k", "ads/search")
    summary = endpoint_suite.summary()
    judged = [r for r in summary["results"] if r["sent"]]
    assert {r["id"] for r in judged} == {"ads/search", "agent/ads/search"}
    assert summary["partial"] == [f'-k "ads/search" selected 2 of the {ENDPOINTS} live tests of a whole run']
    assert summary["verdict"].startswith(f"A partial run ({summary['partial'][0]}): ")
    assert "2 endpoint calls judged, and only what they show is concluded" in summary["verdict"]
    assert {r["side"] for r in judged} == {"undetermined"}
    assert not [words for words in ABOUT_EVERY_CALL if words in said(summary)]
    assert "Run the whole suite" in judged[0]["next_step"]
    assert f"A partial run ({summary['partial'][0]})" in result.stdout.str()
    for page in ("live-report.html", "live-summary.md"):  # rendered from the run's record: they say it too
        assert "A partial run (-k &#34;ads/search&#34;" in (endpoint_suite.reports / page).read_text().replace(
            '"', "&#34;"
        )
    # the page as the render check reads it: the verdict after the partial run's words, a timeline with no run
    # to compare (the key was recognised on no call), and nothing else missing
    assert missing_parts((endpoint_suite.reports / "live-report.html").read_text()) == []


def test_a_run_narrowed_by_lf_never_speaks_for_the_key_as_a_whole(endpoint_suite: EndpointSuite) -> None:
    """--lf leaves out on purpose what worked last time: what is left failed by selection, whatever its services."""
    endpoint_suite.run_with_cache(*JULY_9)
    whole = endpoint_suite.summary()
    assert "the key is valid" in whole["verdict"]  # getUserOrderSummary and getAvailableAdsCategory worked
    endpoint_suite.run_with_cache(*JULY_9, "--lf")
    summary = endpoint_suite.summary()
    assert summary["last_failed_only"] is True and summary["partial"][0].startswith("--lf selected ")
    assert not [r for r in summary["results"] if r["outcome"] == "pass"]
    evidence = {fact["fact"]: fact for fact in summary["keys"][0]["evidence"]}
    assert evidence["calls-across-services"]["holds"] is False and "--lf" in evidence["calls-across-services"]["detail"]
    assert not [words for words in ABOUT_EVERY_CALL if words in said(summary)]
    assert "client" not in {r["side"] for r in summary["results"]}


@pytest.mark.parametrize("stop", [("-x",), ("--maxfail", "1")])
def test_a_run_stopped_at_its_first_failure_judges_every_call_it_sent(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, stop: tuple[str, ...]
) -> None:
    """The round's calls went out together when its first test began; the first test failed and pytest stopped:
    each call that went out is judged (the emulator's journal is what went out), and the run says it stopped."""
    emulator = july_9_for_the_canary()
    CANARY.in_environment(monkeypatch)
    with running_emulator(emulator) as url:
        endpoint_suite.run("-m", "live", "--binance-url", url, *stop)
    summary = endpoint_suite.summary()
    lookups = {c.id for c in list_calls(CATALOG, CATALOG.contracts, {})}  # the list calls that give ids
    endpoints = {c.id for c in CATALOG.contracts} - lookups
    sent = {call.endpoint_id for call in emulator.journal if call.endpoint_id in endpoints}
    judged = {r["id"] for r in summary["results"] if r["sent"]}
    assert len(judged) > 1 and sent <= judged  # not only the one test that ran
    assert summary["partial"] == [f"-x stopped it after 1 of the {ENDPOINTS} selected live tests"]
    assert f"{len([r for r in summary['results'] if r['sent']])} endpoint calls judged" in summary["verdict"]
    assert summary["interrupted"] is False


def test_a_whole_run_under_xdist_is_whole_and_concludes_as_a_serial_one(endpoint_suite: EndpointSuite) -> None:
    pytest.importorskip("xdist")
    endpoint_suite.run(*JULY_9, "-p", "no:randomly")
    serial = {r["id"]: (r["side"], r["diagnosis"]) for r in endpoint_suite.summary()["results"]}
    endpoint_suite.run(*JULY_9, "-n", "2")
    summary = endpoint_suite.summary()
    assert summary["partial"] == []
    assert {r["id"]: (r["side"], r["diagnosis"]) for r in summary["results"]} == serial


def test_under_xdist_the_chat_socket_finds_its_credential_in_its_own_worker(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The credential's test may run in the other worker: the socket's worker asks for the credential itself."""
    pytest.importorskip("xdist")
    emulator = CANARY.emulator()
    CANARY.in_environment(monkeypatch)
    with running_emulator(emulator) as url:
        endpoint_suite.run("-m", "live", "--binance-url", url, "--socket", "-n", "2", "-k", "chat/")
    (socket,) = [r for r in endpoint_suite.summary()["results"] if r["id"] in SOCKETS]
    assert (socket["outcome"], socket["socket"]["state"]) == ("pass", "open")
    assert [call.accepted for call in emulator.journal if call.endpoint_id in SOCKETS] == [True]
