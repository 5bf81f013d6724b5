"""``--probe``: failing read-only calls sent again in the other request shapes, through the same gate;
a shape Binance accepts puts the fix on the client's side, the same refusal in every shape says the
shape is not the cause. Against a stand-in on loopback that keeps every request it receives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from unittest.mock import ANY

import pytest
from canary import Canary
from werkzeug.wrappers import Request, Response

from catalog_facts import CATALOG
from p2p_conformance.emulator import Emulator, running_emulator

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY = Canary("CanaryKeyPr0be" + "p" * 50, "CanarySecretPr0be" + "b" * 47)
SEARCH = CATALOG["ads/search"]  # a POST with a JSON body
MUTATING_PATHS = {c.path for c in CATALOG.contracts if not c.read_only}
REFUSED = '{"code": -1022, "msg": "Signature for this request is not valid."}'


@dataclass
class StandIn:
    """The emulator, but ads/search refuses every shape except the ones ``accepts`` names."""

    emulator: Emulator
    accepts: set[str] = field(default_factory=set)  # "form": a form body
    received: list[tuple[str, str]] = field(default_factory=list)  # (path, content type)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.received.append((request.path, request.mimetype))
        if request.path == SEARCH.path and not (
            request.mimetype.endswith("form-urlencoded") and "form" in self.accepts
        ):
            return Response(REFUSED, 400, mimetype="application/json")(environ, start_response)
        return self.emulator(environ, start_response)


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[StandIn, str]]:
    CANARY.in_environment(monkeypatch)
    target = StandIn(CANARY.emulator())
    with running_emulator(target) as url:
        yield target, url


def run(suite: EndpointSuite, url: str, *args: str) -> dict[str, Any]:
    cassettes = suite.pytester.path / "cassettes"  # contracts/observed/ goes beside them, in the test's folder
    suite.run("-m", "live", "--binance-url", url, "--probe", "--cassette-dir", str(cassettes), *args)
    return {r["id"]: r for r in suite.summary()["results"]}


def test_the_same_refusal_in_every_shape_says_the_shape_is_not_the_cause(
    endpoint_suite: EndpointSuite, stand_in: tuple[StandIn, str]
) -> None:
    target, url = stand_in
    results = run(endpoint_suite, url, "-k", "test_live and ads/")
    probes = results["ads/search"]["probes"]
    shapes = [found["shape"] for found in probes]
    assert shapes[:3] == [
        "as the contract says",
        "with every parameter in the signed query",
        "with every parameter in a signed form body (as ccxt and python-binance send)",
    ]
    assert {found["answer"] for found in probes} == {"-1022"} and not any(found["accepted"] for found in probes)
    assert all(not r["probes"] for endpoint, r in results.items() if endpoint != "ads/search")  # only failures
    verdict = endpoint_suite.summary()["verdict"]
    assert f"ads/search [key1]: all {len(probes)} request shapes refused (-1022): the request shape is not" in verdict
    assert {path for path, _ in target.received} & MUTATING_PATHS == set()  # a probe never sends a mutating call
    page = (endpoint_suite.reports / "live-report.html").read_text()
    assert f"Request shapes tried (--probe): {len(probes)}</summary>" in page  # the matrix, folded
    collection = json.loads((endpoint_suite.reports / "live-postman.json").read_text())
    (folder,) = [item for item in collection["item"] if item["name"] == "Other request shapes (--probe)"]
    names = [item["name"] for item in folder["item"]]
    assert "ads/search: with every parameter in the signed query (-1022)" in names
    assert not [name for name in names if "form body" in name]  # the collection's script cannot sign one


def test_a_shape_binance_accepts_puts_the_fix_on_the_client_side(
    endpoint_suite: EndpointSuite, stand_in: tuple[StandIn, str]
) -> None:
    target, url = stand_in
    target.accepts.add("form")
    search = run(endpoint_suite, url, "-k", "test_live and ads/search and not agent")["ads/search"]
    accepted = [found["shape"] for found in search["probes"] if found["accepted"]]
    assert accepted == ["with every parameter in a signed form body (as ccxt and python-binance send)"]
    assert search["side"] == "client" and "accepted with every parameter in a signed form body" in search["reasoning"]
    assert search["diagnosis"] == (
        "Binance accepted ads/search with every parameter in a signed form body (as ccxt and python-binance send) "
        "and refused it with the parameters in a JSON body (-1022): send every parameter and the signature in a "
        "form body on this endpoint."
    )
    assert (SEARCH.path, "application/x-www-form-urlencoded") in target.received
    variant = json.loads((endpoint_suite.pytester.path / "contracts/observed/ads/search.variant.json").read_text())
    assert variant["accepted_shapes"] == accepted and variant["refused_as_the_contract_says"] == "-1022"
    assert variant["fixes"] == ["send every parameter and the signature in a form body on this endpoint"]


def test_probing_stops_at_its_limit_and_keeps_to_the_focus(
    endpoint_suite: EndpointSuite, stand_in: tuple[StandIn, str]
) -> None:
    target, url = stand_in
    target.emulator = CANARY.emulator({"ads/getAds": "-2008", "ads/getAvailableAdsCategory": "-2008"})
    selection = ("-k", "test_live and ads/ and not agent")  # three failures: getAds, getAvailableAdsCategory, search
    limited = run(endpoint_suite, url, *selection, "--probe-limit", "1")
    assert len([endpoint for endpoint, r in limited.items() if r["probes"]]) == 1
    focused = run(endpoint_suite, url, *selection, "--focus", "ads/getAds")
    assert [endpoint for endpoint, r in focused.items() if r["probes"]] == ["ads/getAds"]  # the case's, only


def test_the_july_9_story_probed_shows_each_failing_endpoint_s_shapes_and_its_verdict_line(
    endpoint_suite: EndpointSuite,
) -> None:
    focus = (
        "ads/getAds,orderMatch/getUserOrderSummary,ads/getAvailableAdsCategory,ads/search,ads/getReferencePrice,"
        "chat/retrieveChatCredential"
    )
    endpoint_suite.run("-m", "live", "--emulator", "--scenario", "july-9", "--probe", "--focus", focus)
    summary = endpoint_suite.summary()
    failing = {r["id"] for r in summary["results"] if r["id"] in focus.split(",") and r["outcome"] == "fail"}
    probed = {r["id"]: r["probes"] for r in summary["results"] if r["probes"]}
    assert (
        set(probed) == failing == {"ads/getAds", "ads/search", "ads/getReferencePrice", "chat/retrieveChatCredential"}
    )
    assert all(shapes[0]["shape"] == "as the contract says" for shapes in probed.values())
    assert {shape["answer"] for shape in probed["ads/getAds"]} == {"empty HTTP 200"}  # in every shape, as recorded
    for endpoint, shapes in probed.items():
        assert f"{endpoint} [key1]: all {len(shapes)} request shapes refused (" in summary["verdict"]


def test_an_observed_folder_that_links_out_of_the_checkout_is_refused_before_anything_is_sent(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The shapes Binance accepted go to contracts/observed/ beside the cassettes: a link there out of the
    checkout is refused as a reports folder that links out is (nothing written through it, no call sent)."""
    checkout, elsewhere = tmp_path_factory.mktemp("checkout"), tmp_path_factory.mktemp("elsewhere")
    (checkout / "cassettes").mkdir()
    (checkout / "contracts").mkdir()
    (checkout / "contracts" / "observed").symlink_to(elsewhere, target_is_directory=True)
    CANARY.in_environment(monkeypatch)
    emulator = CANARY.emulator()
    with running_emulator(emulator) as url:
        result = endpoint_suite.run(
            "-m", "live", "--binance-url", url, "--probe", "--cassette-dir", str(checkout / "cassettes"),
            "-k", "test_live and ads/search and not agent",
        )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: {checkout / 'contracts' / 'observed'} is a link to *, outside the project: *"]
    )
    assert emulator.journal == [] and list(elsewhere.iterdir()) == []


CREDENTIAL = "chat/retrieveChatCredential"
LOG_STORY = ("--emulator", "--scenario", "chat-recv-window", "-k", f"test_live and {CREDENTIAL}")
WITH_RECV_WINDOW = ("--variant", f"{CREDENTIAL}=with-recv-window")  # as ccxt signs it: recvWindow on every call


def test_the_production_log_s_credential_probed_names_recv_window_and_the_fix(endpoint_suite: EndpointSuite) -> None:
    """The same story with --probe: the shape signed over timestamp alone is accepted, so the failure is the
    client's, the verdict names the difference and the fix, and contracts/observed/ and the Postman folder keep it."""
    cassettes = endpoint_suite.pytester.path / "cassettes"
    endpoint_suite.run("-m", "live", *LOG_STORY, *WITH_RECV_WINDOW, "--probe", "--cassette-dir", str(cassettes))
    summary = endpoint_suite.summary()
    records = [r for r in summary["results"] if r["id"] == CREDENTIAL]
    finding = (
        f"Binance accepted {CREDENTIAL} signed over timestamp alone and refused it with recvWindow=5000 (-31002): "
        "drop recvWindow on this endpoint."
    )
    assert [(r["side"], r["diagnosis"]) for r in records] == [("client", finding)] * 2
    page = (endpoint_suite.reports / "live-report.html").read_text()
    start = page.index('<section id="c2c-summary"')
    verdict = page[start : page.index("</section>", start)]
    assert finding in verdict  # the verdict itself names the difference and the fix, once for both keys
    assert verdict.count(finding) == 1
    variant = json.loads((endpoint_suite.pytester.path / f"contracts/observed/{CREDENTIAL}.variant.json").read_text())
    assert variant["fixes"] == ["drop recvWindow on this endpoint"] and variant["findings"] == [finding]
    collection = json.loads((endpoint_suite.reports / "live-postman.json").read_text())
    (folder,) = [item for item in collection["item"] if item["name"] == "Other request shapes (--probe)"]
    alone = [
        item["request"]["url"]["query"] for item in folder["item"] if "signed over timestamp alone" in item["name"]
    ]
    assert alone == [[{"key": "recvWindow", "value": "", "disabled": True, "description": ANY}]] * 2  # one a key


def test_the_contract_signs_the_credential_over_timestamp_alone_and_works_against_the_log_s_server(
    endpoint_suite: EndpointSuite,
) -> None:
    """The catalog follows the log and Binance's chat guide: the credential is signed without recvWindow."""
    cassettes = endpoint_suite.pytester.path / "cassettes"
    endpoint_suite.run("-m", "live", *LOG_STORY, "--cassette-dir", str(cassettes))
    records = [r for r in endpoint_suite.summary()["results"] if r["id"] == CREDENTIAL]
    assert [r["outcome"] for r in records] == ["pass", "pass"]
    assert all(not r["request"]["recv_window_signed"] and "recvWindow" not in r["reproduction"] for r in records)
