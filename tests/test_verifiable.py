"""``--verifiable``: the bundle holds every request of the run exactly as sent (``requests.jsonl``), and each
signature in it verifies with the key's secret by Binance's published rule (``binance_signature``, written apart
from the suite's signer), as Binance support would check it; the secret is in no file, the key only as asked."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from binance_signature import signature_verifies, total_params
from canary import Canary

from p2p_conformance.emulator import running_emulator
from p2p_conformance.signer import API_KEY_HEADER

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY = Canary("CanaryKeyVerifiable" + "v" * 45, "CanarySecretVerifiable" + "q" * 42)
FAILING = {"ads/search": "-1022", "ads/getReferencePrice": "http-500", "chat/retrieveChatCredential": "-2008"}
FINGERPRINT = f"{CANARY.api_key[:4]}...{CANARY.api_key[-4:]}"


def _bundle(endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, *options: str) -> dict[str, bytes]:
    """A whole live run against a canary emulator with ``--bundle`` and ``options``: the bundle's files."""
    CANARY.in_environment(monkeypatch)
    with running_emulator(CANARY.emulator(FAILING)) as url:
        result = endpoint_suite.run("-m", "live", "--binance-url", url, "--bundle", "--case-id", "7", *options)
    bundles = list(endpoint_suite.reports.glob("case-7-*.zip"))
    assert len(bundles) == 1, result.stdout.str()[-3000:]
    with zipfile.ZipFile(bundles[0]) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _lines(members: dict[str, bytes]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in members["requests.jsonl"].decode().splitlines()]


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one-process", "xdist"])
def test_every_request_of_the_run_is_in_the_bundle_as_sent_and_its_signature_verifies(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, workers: tuple[str, ...]
) -> None:
    members = _bundle(endpoint_suite, monkeypatch, "--verifiable", *workers)
    lines = _lines(members)
    summary = json.loads(members["live-summary.json"])
    assert len(lines) == summary["requests_sent"] > 0  # every request of the run, the clock's included
    signed = [line for line in lines if total_params(line) is not None]
    unsigned = {line["path"] for line in lines if total_params(line) is None}
    assert signed and unsigned <= {"/api/v3/time"}, unsigned  # Binance's clock is read unsigned, nothing else
    refused = [line["path"] for line in signed if not signature_verifies(line, CANARY.secret)]
    assert refused == [], f"received signatures that do not verify with the secret: {refused}"
    for line in signed:  # Binance finds the request by its timestamp: the moment it went out, to the millisecond
        timestamp = int(next(p for p in line["query"].split("&") if p.startswith("timestamp=")).split("=")[1])
        assert abs(timestamp - _ms(line["sent_at"])) < 5_000, line["sent_at"]
        assert line["headers"][API_KEY_HEADER] == FINGERPRINT
    statuses = {
        line["path"].rsplit("/", 2)[-2] + "/" + line["path"].rsplit("/", 1)[-1]: line["status"] for line in lines
    }
    assert statuses["ads/getReferencePrice"] == 500 and statuses["ads/search"] == 400  # each with its own answer
    assert "requests.jsonl (--verifiable)" in members["README.txt"].decode()
    assert "Requests as sent" in members["live-report.html"].decode()
    texts = [data.decode(errors="replace") for data in members.values()]
    assert not [text for text in texts if CANARY.secret in text or CANARY.api_key in text]


def test_a_signature_changed_by_one_character_does_not_verify() -> None:
    """The verifier can fail: the same request with one character of its query changed."""
    line = {"query": "page=1&timestamp=1499827319559&signature=", "headers": {}, "body": None}
    import hashlib
    import hmac

    signed = "page=1&timestamp=1499827319559"
    line["query"] += hmac.new(CANARY.secret.encode(), signed.encode(), hashlib.sha256).hexdigest()
    assert signature_verifies(line, CANARY.secret)
    assert not signature_verifies({**line, "query": line["query"].replace("page=1", "page=2")}, CANARY.secret)
    assert not signature_verifies(line, CANARY.secret[:-1] + "x")


def test_with_key_the_api_key_is_in_the_requests_file_and_in_no_other(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = _bundle(endpoint_suite, monkeypatch, "--verifiable-with-key", "-k", "test_live and ads/search")
    signed = [line for line in _lines(members) if total_params(line) is not None]
    assert signed and {line["headers"].get(API_KEY_HEADER) for line in signed} == {CANARY.api_key}
    others = [name for name, data in members.items() if name != "requests.jsonl" and CANARY.api_key.encode() in data]
    assert others == []
    assert not [name for name, data in members.items() if CANARY.secret.encode() in data]


def test_without_verifiable_the_bundle_holds_no_request_as_sent(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    members = _bundle(endpoint_suite, monkeypatch, "-k", "test_live and ads/search")
    assert "requests.jsonl" not in members
    assert "Requests as sent" not in members["live-report.html"].decode()


@pytest.mark.parametrize("option", ["--verifiable", "--verifiable-with-key"])
def test_verifiable_without_a_bundle_gets_one_line_before_anything_is_sent(
    endpoint_suite: EndpointSuite, option: str, tmp_path: Path
) -> None:
    result = endpoint_suite.run("-m", "live", "--emulator", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--verifiable puts the run's requests as sent into the evidence bundle: add --bundle*"]
    )
