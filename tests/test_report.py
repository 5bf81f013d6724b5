"""The support report: three files per live run, each endpoint's facts, no secret anywhere."""

from __future__ import annotations

import fnmatch
import hashlib
import html
import json
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import pytest
import yaml
from canary import Canary

from catalog_facts import CATALOG, ENDPOINT_TESTS, LIVE_RESULTS, READ_ONLY, REST_CALLS, matching
from p2p_conformance.contracts import load_error_codes
from p2p_conformance.emulator import running_emulator
from p2p_conformance.engine.conclusions import documented_meaning
from p2p_conformance.engine.records import RecordContext, record_of_result
from p2p_conformance.model import Answer, Conclusion, Fact, LiveResult, RunRecord
from p2p_conformance.report.files import REPORT_NAMES as REPORT_FILES
from p2p_conformance.report.report_command import main as report_command
from p2p_conformance.report.summary import FACT_WORDS

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY_KEY = "CanaryKeyR4" + "k" * 53
CANARY_SECRET = "CanarySecretR4" + "s" * 50
# What the July 9 scenario answers on the first call to each endpoint (p2p_conformance/emulator/scenarios/july-9.yaml).
JULY_9_FIRST_ANSWERS = {
    "ads/getAds": ("fail", None, "contract"),  # an empty 200, as its only machine record kept it: tier D
    "orderMatch/getUserOrderSummary": ("pass", "000000", "none"),
    "ads/getAvailableAdsCategory": ("pass", "000000", "none"),
    "ads/search": ("fail", -1022, "undetermined"),  # GET query calls accepted, no POST JSON body
    "ads/getReferencePrice": ("fail", -1000, "binance"),  # HTTP 500 with JSON -1000, as recorded
    "chat/retrieveChatCredential": ("fail", -1102, "undetermined"),  # sent as its contract says
    "user/baseDetail": ("fail", -2015, "account"),
}
JULY_9_DEFAULT = ("fail", -2008, "binance")


def july_9_failures_by_side() -> Counter[str]:
    """How many read-only endpoints fail on each side in the first round of the July 9 scenario."""
    answers = [JULY_9_FIRST_ANSWERS.get(endpoint, JULY_9_DEFAULT) for endpoint in READ_ONLY]
    return Counter(side for outcome, _, side in answers if outcome == "fail")


def test_july_9_run_writes_the_three_files_with_every_endpoints_outcome_code_and_side(
    endpoint_suite: EndpointSuite,
) -> None:
    result = endpoint_suite.run("-m", "live", "--emulator", "--scenario", "july-9", "--case-id", "144098731")
    reports = endpoint_suite.reports
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    terminal = result.outlines
    assert len(terminal) <= 50 and terminal[-2].startswith("Report: ")  # the verdict block ends the output,
    # then where the time went
    assert terminal[-1].startswith(f"Network: {REST_CALLS} calls in ")
    assert not [line for line in terminal if line.startswith("FAILED ")]  # one line per conclusion instead
    # every file the run left, pytest-html's page and the history included, is the owner's alone
    modes = {path.name: path.stat().st_mode & 0o777 for path in reports.iterdir() if path.is_file()}
    assert {"live-report.html", "pytest-report.html", "history.sqlite3", "live-summary.json"} <= set(modes)
    assert {name: mode for name, mode in modes.items() if mode != 0o600} == {}
    summary = endpoint_suite.summary()
    assert summary["case_id"] == "144098731" and summary["key_type"] == "HMAC"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", summary["started_at"])
    assert summary["base_url"].startswith("http://127.0.0.1:") and isinstance(summary["clock_offset_ms"], int)
    assert summary["key_fingerprint"] == ["Emul...rJkx"]
    results = {r["id"]: r for r in summary["results"]}
    assert set(results) == {c.id for c in CATALOG.contracts}  # no socket: opened only with --socket
    assert summary["socket_checks"] is False and summary["partial"] == []
    junit = ElementTree.parse(reports / "live-junit.xml").getroot()  # the conclusions, as CI systems read them
    failed = [r for r in summary["results"] if r["outcome"] in ("fail", "error")]
    assert (junit.get("tests"), junit.get("failures")) == (str(len(results)), str(len(failed)))
    messages = {
        case.get("name"): case.find("failure").get("message")
        for case in junit.iter("testcase")
        if case.find("failure") is not None
    }
    assert messages == {r["id"]: r["diagnosis"] for r in failed}
    for contract in CATALOG.contracts:
        got = results[contract.id]
        expected = JULY_9_FIRST_ANSWERS.get(contract.id, JULY_9_DEFAULT)
        if not contract.read_only:
            expected = ("skipped", None, "none")
        assert (got["outcome"], got["code"], got["side"]) == expected, contract.id
        assert got["mutating"] == contract.mutating and got["method"] == contract.method
        assert got["path"] == contract.path and got["diagnosis"]
    assert results["ads/search"]["http_status"] == 400 and results["ads/getReferencePrice"]["http_status"] == 500
    sides = july_9_failures_by_side()
    assert summary["verdict"] == (
        f"2 of {len(LIVE_RESULTS)} read-only endpoints work. Binance accepted this key and its signatures in this "
        f"run: the key is valid (proof below). On Binance's side: {sides['binance']} endpoints "
        f"({sides['binance'] - 1} x -2008, -1000). "
        "Undetermined (no side follows from this run's evidence): 2 endpoints (-1022, -1102). "
        "In the key's settings: 1 endpoint (-2015). "
        "In the contract (answers that break it): 1 endpoint (empty HTTP 200)."
    )
    (proof,) = summary["proof"]
    assert all(name in proof for name in ("getUserOrderSummary", "getAvailableAdsCategory"))
    assert "ads/getAds" not in proof  # its empty 200 is the gateway's: no proof of the key
    assert re.search(r"getUserOrderSummary \(\d\d:\d\d:\d\d\)", proof), proof  # each proof with its time
    assert summary["emulator"] and "not Binance" in (reports / "live-summary.md").read_text()
    assert "-2015 while the P2P API accepted it" in summary["notes"][0]  # the case file's account control
    controls = {c["name"]: c for c in summary["controls"]}
    assert [c["ok"] for c in summary["controls"]] == [True, False, True]
    assert "-2015" in controls["API key permissions (GET /sapi/v1/account/apiRestrictions)"]["evidence"]
    markdown = (reports / "live-summary.md").read_text()
    assert "# Binance C2C conformance: case 144098731" in markdown
    assert f"- On Binance's side: {sides['binance']} endpoints" in markdown
    assert len(markdown.splitlines()) <= 25
    html = (reports / "live-report.html").read_text()
    assert 'id="c2c-verdict"' in html and "Binance C2C conformance report (case 144098731)" in html
    assert not re.search(r"<(link|script)[^>]+(href|src)=\"(?!data:)", html), "the report must be self-contained"
    stamped = sorted(re.sub(r"\d{8}T\d{9}Z", "STAMP", p.name) for p in reports.glob("live-*") if "Z." in p.name)
    assert stamped == sorted(f"{Path(name).stem}-STAMP{Path(name).suffix}" for name in REPORT_FILES)


def test_reproduction_is_the_seed_curl_with_placeholders(endpoint_suite: EndpointSuite) -> None:
    endpoint_suite.run("-m", "live", "--emulator", "-k", "test_live and ads/search")
    search = next(r for r in endpoint_suite.summary()["results"] if r["id"] == "ads/search")
    assert search["reproduction"] == (
        "curl --request POST 'http://127.0.0.1:PORT/sapi/v1/c2c/ads/search?recvWindow=5000"
        "&timestamp={timestamp}&signature={signature}' \\\n--header 'X-MBX-APIKEY: {api_key}' \\\n"
        "--header 'Content-Type: application/json' \\\n"
        '--data \'{"asset":"USDT","fiat":"USD","page":1,"rows":10,"tradeType":"BUY"}\''
    ).replace("PORT", search["reproduction"].split(":")[2].split("/")[0])
    assert "X-SAPI-USED-IP-WEIGHT-1M" in search["rate_limit_headers"]


LEAKY_PLUGIN = f"""
import logging, pytest
from p2p_conformance.engine.live import LiveSession

@pytest.fixture(autouse=True)
def leaky_call(monkeypatch):
    original = LiveSession.call
    def call(self, contract):
        secret_in_a_local = {CANARY_SECRET!r}
        print("debug:", secret_in_a_local, {CANARY_KEY!r})
        logging.getLogger("client").warning("key %s signature=0a1b2c", {CANARY_KEY!r})
        if contract.id == "ads/getAds":
            raise RuntimeError("request failed for " + secret_in_a_local + " signature=0a1b2c3d")
        return original(self, contract)
    monkeypatch.setattr(LiveSession, "call", call)
"""


# Accepted (one of them with a chat credential in its answer), refused with -2008, and one that raises.
CANARY_ENDPOINTS = ("ads/search", "chat/retrieveChatCredential", "ads/getReferencePrice", "ads/getAds")


def test_canary_key_and_secret_appear_nowhere_even_when_a_request_raises(
    endpoint_suite: EndpointSuite, tmp_path: Path
) -> None:
    endpoint_suite.pytester.makepyfile(leaky=LEAKY_PLUGIN)
    endpoint_suite.pytester.syspathinsert()
    scenario = tmp_path / "canary.yaml"
    keys = {
        "canary": {
            "api_key": CANARY_KEY,
            "secret": CANARY_SECRET,
            "default": "-2008",
            "endpoints": {"chat/retrieveChatCredential": "ok", "ads/search": "ok"},
        }
    }
    scenario.write_text(yaml.safe_dump({"description": "canary", "keys": keys}))
    cassettes, reports = endpoint_suite.pytester.path / "cassettes", endpoint_suite.reports
    result = endpoint_suite.run(
        "-m",
        "live",
        "--emulator",
        "--scenario",
        str(scenario),
        "-p",
        "leaky",
        "--showlocals",
        "--log-level=DEBUG",
        "-o",
        "log_cli=true",
        "--log-cli-level=DEBUG",
        "--tb=long",
        "-rA",
        "--record-mode=rewrite",
        "--cassette-dir",
        str(cassettes),
        "-k",
        f"test_live and not agent and ({' or '.join(CANARY_ENDPOINTS)})",
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    output = result.stdout.str() + result.stderr.str()
    assert "RuntimeError: request failed for REDACTED signature=REDACTED" in output  # the raise was reported
    assert "key REDACTED signature=REDACTED" in output  # the live log line was shown, redacted
    assert "/sapi/v1/c2c/ads/search?recvWindow=5000&timestamp=" in output  # urllib3's DEBUG lines were shown
    results = {r["id"]: r for r in endpoint_suite.summary()["results"]}
    assert results["ads/getAds"]["outcome"] == "error"
    assert "RuntimeError: request failed for REDACTED" in results["ads/getAds"]["diagnosis"]
    written = [p for p in [*reports.rglob("*"), *cassettes.rglob("*")] if p.is_file()]
    assert len([p for p in written if p.suffix == ".yaml"]) == len(CANARY_ENDPOINTS) - 1  # all but the one that raised
    for text, where in [(output, "pytest output"), *((p.read_text(errors="replace"), str(p)) for p in written)]:
        assert CANARY_KEY not in text and CANARY_SECRET not in text, where
        assert not re.search(r"signature=(?!REDACTED|\{signature\})", text), where


def meaning(http_status: int | None, code: int | str | None, problem: str | None, msg: str | None = None) -> Conclusion:
    """What an answer of ads/getAds means on its own, before the run's evidence is weighed."""
    answer = Answer(sent=True, http_status=http_status, code=code, msg=msg, latency_ms=1.0)
    result = LiveResult(contract=CATALOG["ads/getAds"], answer=answer, problem=problem)
    return documented_meaning(record_of_result(result, RecordContext("k", "k...0001")))


@pytest.mark.parametrize("code", sorted(load_error_codes()), ids=str)
def test_every_reference_error_code_has_a_diagnosis(code: int) -> None:
    known = load_error_codes()[code]
    found = meaning(known.http, code, f"received code {code}", known.message)
    assert found.side == known.side
    assert found.diagnosis.startswith(f"{code} {known.name}: ") and found.next_step == known.next


@pytest.mark.parametrize(
    ("code", "business"),
    [(code, business) for code, known in sorted(load_error_codes().items()) for business in known.business],
)
def test_a_business_code_in_the_message_gives_its_own_meaning(code: int, business: str) -> None:
    """-9000's message carries Binance's business code (a merchant's log: "187049", "187040")."""
    known = load_error_codes()[code]
    found = meaning(known.http, code, f"received code {code}", business)
    assert found.diagnosis == f"{code} {known.name}: {known.business[business].meaning}"
    assert (found.side, found.next_step) == (known.business[business].side, known.business[business].next)
    assert f"Business code {business}" in found.diagnosis


@pytest.mark.parametrize(
    ("http_status", "code", "problem", "side", "words"),
    [
        (None, None, "no answer: ConnectionError", "network", "No answer"),
        (500, None, "received HTTP 500", "binance", "server-side failure"),
        (429, None, "received HTTP 429", "client", "rate limit"),
        (403, None, "received HTTP 403", "client", "firewall"),
        (404, None, "received HTTP 404", "contract", "does not serve this path"),
        (200, "000000", "received a body that breaks the contract at data", "contract", "breaks the contract"),
        (200, "83001", "received error code 83001", "client", "business code 83001"),
        (400, -7777, "received HTTP 400", "client", "does not know"),
        (200, "000000", None, "none", "Worked"),
    ],
)
def test_answers_without_a_known_code_are_diagnosed(
    http_status: int | None, code: object, problem: str | None, side: str, words: str
) -> None:
    found = meaning(http_status, code, problem)  # type: ignore[arg-type]
    assert found.side == side and words in found.diagnosis


def test_without_pytest_html_every_support_file_is_still_written(endpoint_suite: EndpointSuite) -> None:
    """The support page is the suite's own: only pytest-html's pass/fail page needs pytest-html."""
    result = endpoint_suite.run("-m", "live", "--emulator", "-p", "no:html", "-k", "getAds")
    result.assert_outcomes(passed=matching("getAds"), deselected=ENDPOINT_TESTS - matching("getAds"))
    written = sorted(
        p.name for p in endpoint_suite.reports.glob("*.*") if "-2" not in p.name and "sqlite" not in p.name
    )
    assert written == sorted(REPORT_FILES)


def test_bundle_holds_the_report_files_and_failing_calls_cassettes_checksums_verify_and_no_secret(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    canary = Canary("CanaryKeyBundle" + "b" * 49, "CanarySecretBundle" + "z" * 46)
    failing = {"ads/search": "-1022", "ads/getReferencePrice": "http-500", "chat/retrieveChatCredential": "-2008"}
    emulator = canary.emulator(failing)
    canary.in_environment(monkeypatch)
    with running_emulator(emulator) as url:
        result = endpoint_suite.run(
            "-m", "live", "--binance-url", url, "--bundle", "--case-id", "144098731",
            "-k", "test_live and not agent and (ads/search or ads/getReferencePrice or ads/getAds or ChatCredential)",
        )  # fmt: skip
    bundles = list(endpoint_suite.reports.glob("case-144098731-*.zip"))
    assert len(bundles) == 1 and f"Bundle for the ticket: {bundles[0]}" in result.stdout.str()
    with zipfile.ZipFile(bundles[0]) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    cassettes = {f"cassettes/{endpoint}.yaml" for endpoint in failing}
    whole = {"pytest-report.html", "history.html", "README.txt"}  # the pages the support page links to, and why
    recording = {"run.cast", "run.html"}  # the run's terminal, and the page that plays it
    assert set(members) == {*REPORT_FILES, *whole, *recording, *cassettes, "SHA256SUMS"}
    pages = {name: data.decode() for name, data in members.items() if name.endswith(".html")}
    links = {link for text in pages.values() for link in re.findall(r'(?:href|src)="([^"#]+)', text)}
    assert {link for link in links if not link.startswith(("https://", "http://"))} <= set(members)  # all resolve
    assert "does not show who made it" in members["README.txt"].decode()
    sums = dict(reversed(line.split("  ")) for line in members["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(members) - {"SHA256SUMS"}
    assert all(hashlib.sha256(members[name]).hexdigest() == digest for name, digest in sums.items())
    texts = [data.decode() for data in members.values()]
    assert not [text for text in texts if canary.api_key in text or canary.secret in text]
    played = "".join(event[2] for event in map(json.loads, members["run.cast"].decode().splitlines()[1:]))
    assert "test session starts" in played and "Binance C2C conformance" in played  # pytest's header to the verdict
    assert result.stdout.str().splitlines()[-1].strip() not in played  # the bundle's own line comes after it
    extracted = tmp_path / "bundle"
    for name in cassettes:  # the exchange replays offline: the failing answer comes back from the cassette
        (extracted / name).parent.mkdir(parents=True, exist_ok=True)
        (extracted / name).write_bytes(members[name])
    replay = endpoint_suite.run(  # the chat credential's cassette as it was signed: without recvWindow
        "-k",
        "test_replay and (ads/search and not agent or ChatCredential)",
        "--cassette-dir",
        str(extracted / "cassettes"),
    )
    replay.assert_outcomes(failed=2, deselected=ENDPOINT_TESTS - 2)
    replay.stdout.fnmatch_lines(["*received HTTP 400 with error code -1022*"])
    replay.stdout.fnmatch_lines(["*received HTTP 400 with error code -2008*"])


SEED_FOCUS = (
    "ads/getAds,orderMatch/getUserOrderSummary,ads/getAvailableAdsCategory,ads/search,ads/getReferencePrice,"
    "chat/retrieveChatCredential"
)
RENDERED = ("live-report.html", "live-summary.md", "live-postman.json", "live-postman-environment.json")
# The seed case's six endpoints and the chat socket, live: the story without the catalog's other endpoints
CASE_ONLY = ("--socket", "-k", f"test_live and not agent and ({' or '.join(SEED_FOCUS.split(','))} or websocket)")


def test_p2p_report_renders_the_run_s_files_again_from_its_json_alone(
    endpoint_suite: EndpointSuite, tmp_path: Path
) -> None:
    """The seed story twice (so the page's timeline has runs to show), then its files deleted and rendered again
    from live-summary.json: byte for byte what the run wrote, in its folder or a colleague's."""
    story = (
        "-m",
        "live",
        "--emulator",
        "--scenario",
        "seed-story",
        "--repeat",
        "4",
        "--case-id",
        "144098731",
        *CASE_ONLY,
    )
    for _ in range(2):
        endpoint_suite.run(*story, "--focus", SEED_FOCUS)
    reports = endpoint_suite.reports
    written = {name: (reports / name).read_bytes() for name in RENDERED}
    assert (
        b'id="c2c-timeline"' in written["live-report.html"] and b'id="c2c-story-chart"' in written["live-report.html"]
    )
    for name in RENDERED:
        (reports / name).unlink()
    assert report_command([str(reports / "live-summary.json")]) == 0
    assert {name: (reports / name).read_bytes() for name in RENDERED} == written
    colleague = tmp_path / "colleague"
    assert report_command([str(reports / "live-summary.json"), "--out", str(colleague)]) == 0
    assert {name: (colleague / name).read_bytes() for name in RENDERED} == written
    document = json.loads((reports / "live-summary.json").read_text())  # the run's record reads back whole
    again = json.loads(json.dumps(RunRecord.from_dict(document).to_dict()))
    assert again == {name: document[name] for name in again}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"started_at": "2026-12-06T00:00:00Z"}', "not a live-summary.json of this version (KeyError: 'case_id')"),
        ("[1, 2]", "not a live-summary.json of this version (TypeError: list indices must be integers*"),
        ("{not json", "Expecting property name enclosed in double quotes*"),
        ("[" * 100_000, "maximum recursion depth exceeded*"),
    ],
)
def test_p2p_report_refuses_what_is_not_a_summary_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, reason: str
) -> None:
    summary = tmp_path / "live-summary.json"
    summary.write_text(text)
    assert report_command([str(summary)]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and fnmatch.fnmatch(error.strip(), f"p2p-report: {summary}: {reason}"), error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["live-summary.json"]


def test_the_ticket_text_names_every_round_of_the_story_within_its_25_lines(endpoint_suite: EndpointSuite) -> None:
    endpoint_suite.run(
        "-m", "live", "--emulator", "--scenario", "seed-story", "--repeat", "4", "--case-id", "144098731",
        "--focus", SEED_FOCUS, *CASE_ONLY,
    )  # fmt: skip
    text = (endpoint_suite.reports / "live-summary.md").read_text()
    story = endpoint_suite.summary()["story"]
    lines = text.splitlines()
    assert len(lines) <= 25
    phases = list(dict.fromkeys(line["phase"] for line in story))
    for phase in phases:  # a line per round, its keys side by side, each over the case's six
        (found,) = [line for line in lines if line.startswith(f"  - {phase} · ")]
        expected = "; ".join(
            f"{entry['key']} · {len(entry['working'])} of 6 work" for entry in story if entry["phase"] == phase
        )
        assert re.sub(r": [^;]*", "", found.removeprefix(f"  - {phase} · ")) == expected
    first_side = next(i for i, line in enumerate(lines) if re.match(r"- (On|In|Undetermined|Where the fixes)", line))
    assert all(lines.index(line) < first_side for line in lines if line.startswith("  - July"))
    assert ".;" not in text
    # every endpoint of the case keeps its row, in the Markdown and in its plain-text twin; no line over 300
    plain = (endpoint_suite.reports / "live-summary.txt").read_text()
    for endpoint in SEED_FOCUS.split(","):
        assert f"| {endpoint.replace('_', chr(92) + '_')} |" in text and f"- {endpoint}: " in plain
    for ticket in (text, plain):
        assert len(ticket.splitlines()) <= 25 and max(len(line) for line in ticket.splitlines()) <= 300
    assert "**" not in plain and "| Endpoint |" not in plain


@pytest.mark.parametrize(
    ("names", "words"),
    [
        ("ChunkedEncodingError (ProtocolError)", "the connection was closed before an answer came"),
        ("ConnectionError (RemoteDisconnected)", "the connection was closed before an answer came"),
        ("ReadTimeout (ReadTimeoutError)", "no answer came within the call's time limit"),
        ("SSLError (SSLCertVerificationError)", "the target's TLS certificate was not trusted"),
        (
            "SSLError (MaxRetryError, SSLError, SSLEOFError)",
            "the TLS connection failed (cut short, or a protocol refused), not for an untrusted certificate",
        ),
        ("ConnectionError (NameResolutionError)", "the host name did not resolve"),
        ("ConnectionError (NewConnectionError, ConnectionRefusedError)", "the connection was refused"),
        ("OSError", "the connection failed before an answer came"),
    ],
)
def test_no_answer_is_said_in_support_s_words_and_the_exception_stays_in_the_json(names: str, words: str) -> None:
    found = meaning(None, None, f"no answer ({names})")
    assert found.diagnosis == f"No answer from Binance: {words}." and "Error" not in found.diagnosis


def test_the_support_page_speaks_support_s_words_and_the_json_keeps_the_fact_names(
    endpoint_suite: EndpointSuite,
) -> None:
    """No fact name in a sentence of the page (they stay in live-summary.json, each record's ``facts``), and every
    fact has its words where the page lists the evidence."""
    endpoint_suite.run("-m", "live", "--emulator", "--scenario", "july-9")
    page = html.unescape(re.sub(r"<[^>]+>", " ", (endpoint_suite.reports / "live-report.html").read_text()))
    assert [fact.value for fact in Fact if fact.value in page] == []
    records = endpoint_suite.summary()["results"]
    assert any(record["facts"] == {"key-recognised": True} for record in records)
    assert set(FACT_WORDS) == set(Fact)
