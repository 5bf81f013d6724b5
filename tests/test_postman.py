"""Every live run writes a Postman collection of what it sent; Postman's own runner, newman, replays it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import newman
import pytest
from canary import Canary

from catalog_facts import CATALOG, READ_ONLY
from p2p_conformance.emulator import Emulator, running_emulator
from p2p_conformance.report.postman import inert

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY_KEY = "CanaryKeyP0stman" + "m" * 48
CANARY_SECRET = "CanarySecretP0stman" + "n" * 45
CANARY = Canary(CANARY_KEY, CANARY_SECRET)
FAILING = "ads/search"  # refused in this scenario: it must come first


@pytest.fixture
def replayed_run(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Emulator, str, dict[str, Any], dict[str, Any]]]:
    """A live run against the emulator (one endpoint refused with -2008, sent again in other shapes with
    --probe); its collection and environment."""
    emulator = CANARY.emulator({FAILING: "-2008"})
    CANARY.in_environment(monkeypatch)
    with running_emulator(emulator) as url:
        endpoint_suite.run("-m", "live", "--binance-url", url, "--recv-window", "7000", "--probe")
        collection = json.loads((endpoint_suite.reports / "live-postman.json").read_text())
        environment = json.loads((endpoint_suite.reports / "live-postman-environment.json").read_text())
        yield emulator, url, collection, environment


def test_the_collection_holds_each_call_as_sent_failing_first_with_nothing_secret(
    replayed_run: tuple[Emulator, str, dict[str, Any], dict[str, Any]],
) -> None:
    emulator, url, collection, environment = replayed_run
    assert collection["info"]["schema"] == "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
    items = [item for item in collection["item"] if "item" not in item]  # the calls; then the probes' folder
    assert len(items) == len(READ_ONLY) and items[0]["name"] == f"{FAILING} (-2008)"
    (folder,) = [item for item in collection["item"] if "item" in item]
    assert folder["item"] and all(probe["name"].startswith(f"{FAILING}: ") for probe in folder["item"])
    assert all(item["name"].endswith("(works)") for item in items[1:])
    assert "-2008" in items[0]["request"]["description"] and "HTTP 400" in items[0]["request"]["description"]
    sent = {call.endpoint_id: call.json_body for call in emulator.journal if call.endpoint_id}
    for item in items:
        request, contract = item["request"], CATALOG[item["name"].split(" ")[0]]
        assert (request["method"], request["url"]["raw"]) == (contract.method, "{{baseUrl}}" + contract.path)
        assert request["header"][0] == {"key": "X-MBX-APIKEY", "value": "{{apiKey}}"}
        body = json.loads(request["body"]["raw"]) if "body" in request else None
        assert body == sent[contract.id]  # the JSON body the emulator received from the suite
        names = {query["key"] for query in request["url"]["query"] if not query.get("disabled")}
        assert not names & {"timestamp", "signature", "recvWindow"}  # the pre-request script adds them
        left_out = [query["key"] for query in request["url"]["query"] if query.get("disabled")]
        assert left_out == ([] if contract.signs_recv_window else ["recvWindow"])  # the script then signs without
    assert "crypto.HmacSHA256(query, secret)" in "\n".join(collection["event"][0]["script"]["exec"])
    values = {value["key"]: value["value"] for value in environment["values"]}
    assert values == {"baseUrl": url, "apiKey": "", "apiSecret": "", "recvWindow": "7000"}
    texts = json.dumps(collection) + json.dumps(environment)
    assert CANARY_KEY not in texts and CANARY_SECRET not in texts


@pytest.mark.node
def test_newman_replays_the_collection_with_every_signature_accepted(
    replayed_run: tuple[Emulator, str, dict[str, Any], dict[str, Any]], tmp_path: Path
) -> None:
    emulator, _, collection, environment = replayed_run
    suite_calls = len(emulator.journal)
    replay = newman.replay(collection, newman.with_key(environment, CANARY_KEY, CANARY_SECRET), tmp_path, "--bail")
    assert replay.returncode == 0, replay.stdout[-3000:] + replay.stderr[-3000:]
    replayed = emulator.journal[suite_calls:]
    probes = len(next(item for item in collection["item"] if "item" in item)["item"])  # the --probe folder's
    assert sorted(call.endpoint_id or "" for call in replayed) == sorted([*READ_ONLY, *[FAILING] * probes])
    assert all(call.accepted for call in replayed), [call for call in replayed if not call.accepted]
    suite_signed = {call.endpoint_id: call.signed for call in emulator.journal[:suite_calls] if call.endpoint_id}
    for call in replayed[: len(READ_ONLY)]:  # signed as the suite signed it: with recvWindow, or over timestamp alone
        assert ("recvWindow" in call.signed) == ("recvWindow" in suite_signed[call.endpoint_id]), call
    refused = [call for call in replayed if call.code == -2008]
    assert {call.endpoint_id for call in refused} == {FAILING}  # the scenario's refusal, replayed as it was
    assert len(refused) == 1 + probes


@pytest.mark.parametrize(
    ("text", "written"),
    [("{{apiSecret}}", "{ {apiSecret}}"), ("{{{apiKey}}}", "{ { {apiKey}}}"), ("{ {x}}", "{ {x}}"), ("{}{", "{}{")],
)
def test_a_text_of_the_run_is_written_so_postman_reads_no_variable_in_it(text: str, written: str) -> None:
    assert inert(text) == written and "{{" not in inert(text)
