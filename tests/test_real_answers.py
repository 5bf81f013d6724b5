"""Real answers: what Binance answered as public sources recorded it (the case's results, merchants' logs and
notes, Binance's guides), each file in ``tests/real_answers/`` with its source, replayed through the live path
against the emulator on loopback, each with the conclusion a careful engineer draws (docs/real-answers.md).

A file holds the stand-in's answers (the emulator's scenario behaviours: ``ok``, an answer written out verbatim,
one that depends on how the call was sent), the runs (the live tests selected and their options) and what each
endpoint's record must say. Add a file whenever a new report turns up."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml
from canary import Canary

from catalog_facts import CATALOG
from p2p_conformance.emulator import Emulator, parse_scenario, running_emulator
from p2p_conformance.engine.conclusions import code_meaning

if TYPE_CHECKING:
    from conftest import EndpointSuite

REAL_ANSWERS = sorted((Path(__file__).parent / "real_answers").glob("*.yaml"))
CANARY = Canary("CanaryKeyRealAnswer" + "r" * 45, "CanarySecretRealAnswer" + "s" * 42)
KEY_LIKE = re.compile(r"\b[A-Za-z0-9]{64}\b")  # an API key or secret is 64 characters: none is ever copied here


def _document(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def _runs() -> list[Any]:
    return [
        pytest.param(path, index, id=f"{path.stem}-{index + 1}")
        for path in REAL_ANSWERS
        for index in range(len(_document(path)["runs"]))
    ]


def test_every_real_answer_names_its_source_and_holds_no_key() -> None:
    assert REAL_ANSWERS, "received no real answers in tests/real_answers/"
    for path in REAL_ANSWERS:
        document = _document(path)
        source = document["source"]
        assert all(str(source.get(part, "")).strip() for part in ("what", "where", "said")), path.name
        assert all(run["expect"] for run in document["runs"]), f"{path.name}: a run without a conclusion"
        assert not KEY_LIKE.search(path.read_text(encoding="utf-8")), f"{path.name} holds a key-like value"


@pytest.mark.parametrize(("path", "index"), _runs())
def test_a_real_answer_replayed_through_the_live_path_gets_the_careful_conclusion(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, path: Path, index: int
) -> None:
    document = _document(path)
    run = document["runs"][index]
    answers = dict(document["answers"])
    default = answers.pop("default", "ok")  # what every endpoint the source does not name answers
    scenario = CANARY.scenario(answers)
    scenario["keys"]["canary"]["default"] = default
    emulator = Emulator(parse_scenario(scenario, CATALOG), CATALOG)
    CANARY.in_environment(monkeypatch)
    selection = " or ".join(f"test_live[{endpoint}]" for endpoint in run["endpoints"])
    cassettes = endpoint_suite.pytester.path / "cassettes"  # contracts/observed/ goes beside them, in the test's folder
    with running_emulator(emulator) as url:
        options = ("--binance-url", url, "-k", selection, "--cassette-dir", str(cassettes), *run.get("options", ()))
        endpoint_suite.run("-m", "live", *options)
    results = {record["id"]: record for record in endpoint_suite.summary()["results"]}
    cited = f"{path.name} ({document['source']['where']})"
    for endpoint, expected in run["expect"].items():
        record = results[endpoint]
        said = f"{cited}: {endpoint} got {record['outcome']}, {record['side']}: {record['diagnosis']}"
        if "outcome" in expected:
            assert record["outcome"] == expected["outcome"], said
        if "side" in expected:
            assert record["side"] == expected["side"], said
        text = " ".join(str(record[part] or "") for part in ("diagnosis", "next_step", "reasoning"))
        assert all(words in text for words in expected.get("says", ())), said
        assert not any(words in text for words in expected.get("never_says", ())), said
        if expected.get("not_sent"):
            assert not [call for call in emulator.journal if call.endpoint_id == endpoint], said
    verdict = endpoint_suite.summary()["verdict"]
    assert all(words in verdict for words in run.get("verdict_says", ())), f"{cited}: {verdict}"


@pytest.mark.parametrize(
    "meaning",
    [
        pytest.param(meaning, id=f"{path.stem}-{meaning['msg']}")
        for path in REAL_ANSWERS
        for meaning in _document(path).get("meanings", ())
    ],
)
def test_a_real_answer_the_live_path_never_meets_means_what_its_source_says(meaning: dict[str, Any]) -> None:
    """Answers to calls a live run never sends (an ad update): their meaning when Binance answers them."""
    found = code_meaning(meaning["code"], 400, meaning["msg"])
    assert found.side == meaning["side"] and all(words in found.diagnosis for words in meaning["says"]), found
