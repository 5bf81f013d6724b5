"""Cassettes hold no secret, match on what matters, and every endpoint has one."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import requests
import vcr
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.serializers import yamlserializer
from vcr_patches import vcr_patches_removed

from catalog_facts import CATALOG, ENDPOINT_TESTS, ENDPOINTS
from p2p_conformance.contracts.build import build_request
from p2p_conformance.emulator import running_emulator
from p2p_conformance.engine.record_cassettes import record_all
from p2p_conformance.safety.cassettes import CassetteLeakError, RefusingPersister, vcr_config
from p2p_conformance.safety.redaction import REDACTED, find_leaks, scrub_body
from p2p_conformance.signer import BinanceAuth, HmacKey, vectors

if TYPE_CHECKING:
    from conftest import EndpointSuite

KEY = HmacKey(vectors.BINANCE_API_KEY, vectors.BINANCE_SECRET)
CASSETTE_DIR = Path(__file__).resolve().parents[1] / "cassettes"  # the shipped set


def cassette(uri: str, body: str = "{}") -> dict[str, object]:
    """A cassette as vcrpy hands it to a persister."""
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": body}}
    return {"requests": [vcr.request.Request("GET", uri, None, {})], "responses": [response]}


@pytest.mark.parametrize(
    ("uri", "body", "leak"),
    [
        ("http://x/?signature=abc123", "{}", "a signature"),
        ("http://x/?a=1", '{"k": "' + "A1" * 32 + '"}', "a 64-character key-like value"),
        ("http://x/?a=1", '{"listenKey": "abc"}', "a chat credential"),
        ("wss://x/chat?listenKey=abc&clientType=web", "{}", "a chat credential"),
        ("http://x/?a=1", '{"echo": "' + vectors.ASCII_SIGNATURE + '"}', "a signature"),
        ("http://x/?a=1", '{"note": "my-secret-value"}', "a known secret"),
    ],
)
def test_persister_refuses_a_cassette_that_holds_a_secret(tmp_path: Path, uri: str, body: str, leak: str) -> None:
    persister = RefusingPersister(["my-secret-value"])
    persister.save_cassette(tmp_path / "leak.yaml", cassette(uri, body), yamlserializer)
    assert not (tmp_path / "leak.yaml").exists()
    with pytest.raises(CassetteLeakError, match=f"refused to write leak.yaml: it holds .*{leak}"):
        persister.raise_unwritten()
    persister.raise_unwritten()  # said once
    persister.save_cassette(tmp_path / "clean.yaml", cassette("http://x/?signature=REDACTED"), yamlserializer)
    assert (tmp_path / "clean.yaml").exists()


def test_a_cassette_that_cannot_be_written_is_said_once_it_is_closed(tmp_path: Path) -> None:
    persister = RefusingPersister()
    (tmp_path / "a-file").write_text("")
    persister.save_cassette(tmp_path / "a-file" / "ads.yaml", cassette("http://x/?a=1"), yamlserializer)
    with pytest.raises(OSError):
        persister.raise_unwritten()


def test_a_refused_cassette_is_closed_whole_before_the_refusal_is_raised(tmp_path: Path) -> None:
    """vcrpy saves a cassette before removing its patches, which are process-wide: a refusal raised from the save
    left them in place, and every later connection of the process (other threads' too) went through the dead
    cassette until the garbage collector closed it, under a request in flight."""
    persister = RefusingPersister(["my-secret-value"])
    recorder = vcr.VCR(cassette_library_dir=str(tmp_path), record_mode="all")
    recorder.register_persister(persister)

    def secret_answer(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"note": "my-secret-value"}']

    with running_emulator(secret_answer) as url:
        with recorder.use_cassette("leak.yaml"), requests.Session() as http:
            assert http.get(url + "/x", timeout=30).status_code == 200
            assert not vcr_patches_removed()
        assert vcr_patches_removed()
    assert not (tmp_path / "leak.yaml").exists()
    with pytest.raises(CassetteLeakError, match=r"refused to write leak\.yaml: it holds a known secret"):
        persister.raise_unwritten()


def test_scrub_body_replaces_chat_credentials_and_nicknames_at_any_depth() -> None:
    body = '{"data": [{"counterPartNickName": "Alice", "x": {"listenToken": "t"}}], "code": "000000"}'
    assert scrub_body(body) == (
        f'{{"data": [{{"counterPartNickName": "{REDACTED}", "x": {{"listenToken": "{REDACTED}"}}}}], "code": "000000"}}'
    )
    assert scrub_body("<html>500</html>") == "<html>500</html>"


def test_every_endpoint_has_a_shipped_cassette_and_none_leaks() -> None:
    for contract in CATALOG.contracts:
        path = CASSETTE_DIR / f"{contract.cassette_name}.yaml"
        assert path.exists(), f"received no cassette for {contract.id}, expected {path}"
        text = path.read_text()
        assert find_leaks(text, [vectors.BINANCE_SECRET]) == [], path
        assert f"{contract.path}?" in text


def test_replay_matches_the_json_body_not_only_the_url() -> None:
    contract = CATALOG["ads/search"]
    recorder = vcr.VCR(cassette_library_dir=str(CASSETTE_DIR), record_mode="none")
    wrong_body = replace(contract, params={**contract.params, "asset": "BTC"})
    wrong = build_request(wrong_body, "http://127.0.0.1:9", BinanceAuth(KEY))
    right = build_request(contract, "http://127.0.0.1:9", BinanceAuth(KEY))
    with recorder.use_cassette("ads/search.yaml", **vcr_config()), requests.Session() as http:
        assert http.send(right).status_code == 200
        with pytest.raises(CannotOverwriteExistingCassetteException):
            http.send(wrong)


def test_recorded_real_ids_are_put_back_to_placeholders_as_values_never_as_substrings() -> None:
    config = vcr_config({"987654321": "20219644646554779648", "5": "1", "sapi": "11218246497340923904"}, ["a", "id"])
    request = vcr.request.Request(
        "POST",
        "http://x/sapi/v1/c2c/p?a=987654321&id=5&recvWindow=5000&b=987654321x",
        b'{"adOrderNo":"987654321","id":5,"page":5,"rows":10}',
        {},
    )
    scrubbed = config["before_record_request"](request)
    assert scrubbed.uri == "http://x/sapi/v1/c2c/p?a=20219644646554779648&id=1&recvWindow=5000&b=987654321x"
    assert scrubbed.body == b'{"adOrderNo":"987654321","id":1,"page":5,"rows":10}'  # adOrderNo is no id param here
    response = {"body": {"string": b'{"data":[{"orderNumber":"987654321","note":"987654321 sapi"}]}'}, "headers": {}}
    body = config["before_record_response"](response)["body"]["string"]
    assert json.loads(body) == {"data": [{"orderNumber": "20219644646554779648", "note": "987654321 sapi"}]}


def test_recorder_writes_every_endpoint_from_its_own_emulator_and_they_replay(
    tmp_path: Path, endpoint_suite: EndpointSuite
) -> None:
    recorded = record_all(tmp_path)
    assert recorded == [contract.id for contract in CATALOG.contracts]
    files = sorted(tmp_path.rglob("*.yaml"))
    assert len(files) == ENDPOINTS
    assert all(find_leaks(path.read_text()) == [] for path in files)
    assert all("http://127.0.0.1:" in path.read_text() for path in files)  # recorded from loopback only
    replayed = endpoint_suite.run("-k", "test_replay", "--cassette-dir", str(tmp_path))
    replayed.assert_outcomes(passed=ENDPOINTS, deselected=ENDPOINT_TESTS - ENDPOINTS)


def test_a_cassette_with_a_python_tag_is_refused_before_vcrpy_reads_it(
    endpoint_suite: EndpointSuite, tmp_path: Path
) -> None:
    """Issue 37: a cassette from an untrusted pull request that would run a command in a YAML loader allowing
    python tags. Whatever vcrpy's loader, the suite reads every cassette with YAML's safe one first: refused in
    one line naming the file, the command never run, its text never printed."""
    marker = tmp_path / "ran"
    cassettes = tmp_path / "cassettes"
    shutil.copytree(CASSETTE_DIR, cassettes)
    planted = cassettes / "ads" / "getAds.yaml"
    planted.write_text(f"pwned: !!python/object/apply:os.system ['touch {marker}']\n" + planted.read_text())
    result = endpoint_suite.run("-k", "test_replay and ads/getAds and not agent", "--cassette-dir", str(cassettes))
    result.assert_outcomes(errors=1, deselected=ENDPOINT_TESTS - 1)  # the cassette is loaded as the test is set up
    output = result.stdout.str()
    assert "cassette getAds.yaml: not plain YAML data" in output and "refused before it is read" in output
    assert "touch" not in output and not marker.exists()
