"""A hostile stand-in for Binance on loopback: it redirects, rate-limits, bans and answers with markup.
The suite must send nothing it should not, to nobody it should not, and write nothing a server can script.
Every request the stand-in receives is kept, and the canary key and secret must appear in no output."""

from __future__ import annotations

import gzip
import importlib.util
import io
import json
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import newman
import pytest
import requests
from canary import Canary
from vcr_patches import vcr_patches_removed
from werkzeug.wrappers import Request, Response

from catalog_facts import CATALOG, ENDPOINT_TESTS, READ_ONLY, matching, read_only_matching
from p2p_conformance.emulator import Emulator, running_emulator
from p2p_conformance.engine.cross_check import send_with_official_code
from p2p_conformance.engine.transport import FAILURES_IN_A_ROW, NotSent, SendGate, SessionPerThread, send
from p2p_conformance.report.render_check import render
from p2p_conformance.signer import HmacKey

if TYPE_CHECKING:
    from conftest import EndpointProcess, EndpointSuite

CANARY_KEY = "CanaryKeyH0st" + "h" * 51
CANARY_SECRET = "CanarySecretH0st" + "t" * 48
CANARY = Canary(CANARY_KEY, CANARY_SECRET)
C2C = "/sapi/v1/c2c/"
Rule = Callable[[Request], Response]
# A few endpoints are enough to see what the suite does with a hostile answer: the ads/get... ones, one of
# them needing an id from a list call first.
SOME = "ads/get"
SOME_LIVE = ("-k", f"test_live and {SOME}")


@dataclass
class Received:
    method: str
    path: str
    wall: float  # epoch seconds, the clock the send gate counts Retry-After on
    raw: str = ""  # the query string, the headers and the body as received

    def carries(self, text: str) -> bool:
        return text in self.raw


@dataclass
class HostileTarget:
    """The emulator behind rules that answer instead of it, for the paths they name (a prefix each)."""

    emulator: Emulator
    rules: dict[str, Rule] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        headers = "\n".join(f"{name}: {value}" for name, value in request.headers.items())
        body = request.get_data()
        environ["wsgi.input"] = io.BytesIO(body)  # read here; the emulator reads it again
        raw = "\n".join([request.query_string.decode("latin-1"), headers, body.decode("latin-1")])
        self.received.append(Received(request.method, request.path, time.time(), raw))
        rule = next((rule for prefix, rule in self.rules.items() if request.path.startswith(prefix)), None)
        return (rule(request) if rule else self.emulator)(environ, start_response)

    def c2c_calls(self) -> list[Received]:
        return [call for call in self.received if call.path.startswith(C2C)]


@pytest.fixture
def hostile() -> Iterator[tuple[HostileTarget, str]]:
    """The stand-in on a free loopback port, knowing only the canary key."""
    target = HostileTarget(CANARY.emulator())
    with running_emulator(target) as url:
        yield target, url


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch) -> None:
    """The canary key in the environment, as a merchant's real key would be."""
    CANARY.in_environment(monkeypatch)


def assert_no_canary(suite: EndpointSuite, result: pytest.RunResult) -> None:
    texts = [result.stdout.str(), result.stderr.str()]
    texts += [p.read_text(errors="replace") for p in suite.reports.rglob("*") if p.is_file() and p.suffix != ".sqlite3"]
    assert not [text for text in texts if CANARY_KEY in text or CANARY_SECRET in text]


def json_answer(status: int, payload: str | bytes, headers: dict[str, str] | None = None) -> Rule:
    return lambda request: Response(payload, status, headers, mimetype="application/json")


def test_a_redirect_is_never_followed_with_a_signed_request(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    elsewhere = HostileTarget(target.emulator)
    with running_emulator(elsewhere) as other:
        target.rules[C2C] = lambda request: Response("", 307, {"Location": other + request.full_path})
        result = endpoint_suite.run("-m", "live", "--binance-url", url, *SOME_LIVE)
    assert elsewhere.received == []  # nothing signed, nothing at all, went where the redirect pointed
    ran, selected = endpoint_suite.summary()["results"], len(read_only_matching(SOME))
    assert len(ran) == selected and {(r["http_status"], r["side"]) for r in ran} == {(307, "binance")}
    host = other.removeprefix("http://")
    assert all(f"a redirect to {host}" in r["diagnosis"] and "nothing was sent there" in r["diagnosis"] for r in ran)
    assert all("--location" not in r["reproduction"] for r in ran)
    assert f"On Binance's side: {selected} endpoints ({selected} x HTTP 307)" in endpoint_suite.summary()["verdict"]
    assert_no_canary(endpoint_suite, result)


@pytest.mark.parametrize("selection", [["-m", "not live"], [], ["-m", "not browser"], ["-m", "browser or not live"]])
def test_an_offline_selection_reaches_no_target_even_with_a_key_set(
    endpoint_suite: EndpointSuite,
    hostile: tuple[HostileTarget, str],
    canary: None,
    monkeypatch: pytest.MonkeyPatch,
    selection: list[str],
) -> None:
    target, url = hostile
    monkeypatch.setenv("BINANCE_BASE_URL", url)
    result = endpoint_suite.run(*selection, "-k", "ads/getAds")
    assert result.ret == pytest.ExitCode.OK
    assert target.received == [] and not endpoint_suite.reports.exists()


def test_a_selection_that_includes_live_tests_is_a_live_run(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    endpoint_suite.run("-m", "live or browser", "--binance-url", url, "-k", "test_live and ads/getAds")
    assert C2C + "ads/getAds" in [call.path for call in target.c2c_calls()]  # the live call went out


def test_after_a_429_nothing_is_sent_until_retry_after_has_passed(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    """One call at a time, so the order is the code's: the 429 is answered, the client reads it, and only
    then may the next call go. Each later call can reach the stand-in only once the gate's own clock has
    passed Retry-After, counted from after the stand-in answered (a lower bound that load cannot break)."""
    target, url = hostile
    answered_429_at: list[float] = []  # on the gate's clock (epoch seconds)

    def once_limited(request: Request) -> Response:
        if answered_429_at:
            return target.emulator.dispatch(request)[0]
        answered_429_at.append(time.time())
        return Response('{"code":-1003,"msg":"Too much request weight used"}', 429, {"Retry-After": "1"})

    target.rules[C2C] = once_limited  # the first C2C call of the run gets the 429
    selection = "test_live and (ads/getAds or ads/search or ads/getDetailByNo or ads/listWithPagination)"
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", selection, "--concurrency", "1")
    others = target.c2c_calls()[1:]  # after the limited one
    assert len(others) >= 3  # Retry-After: 1 s, then the run went on
    waited = [round(call.wall - answered_429_at[0], 3) for call in others]
    assert min(waited) >= 1.0 - CLOCK_ROUNDING, waited


CLOCK_ROUNDING = 0.001  # seconds: two readings of the same clock, as floats of epoch time
CONCURRENCY = 2  # fewer than the endpoints selected, so most of them are still to be sent when the ban comes


OFFICIAL_EXTRA = pytest.mark.skipif(
    importlib.util.find_spec("binance_common") is None,
    reason="the official extra: pip install -e '.[official]' (CI installs it)",
)


@pytest.mark.parametrize(
    "cross_check",
    [pytest.param([], id="suite"), pytest.param(["--cross-check"], id="and-binance-common", marks=OFFICIAL_EXTRA)],
)
@pytest.mark.parametrize(
    ("status", "retry_after", "reason"),
    [(429, "120", "longer than --max-wait 60 s"), (418, "86400", "banned this IP address (HTTP 418)")],
)
def test_a_long_429_or_a_418_stops_every_request_after_it(
    endpoint_suite: EndpointSuite,
    hostile: tuple[HostileTarget, str],
    canary: None,
    status: int,
    retry_after: str,
    reason: str,
    cross_check: list[str],
) -> None:
    """Binance's own code (``--cross-check``) sends through the same gate: nothing of it goes out either."""
    target, url = hostile
    target.rules[C2C] = json_answer(status, '{"code":-1003,"msg":"banned"}', {"Retry-After": retry_after})
    selection = [*SOME_LIVE, "--concurrency", str(CONCURRENCY), *cross_check]
    result = endpoint_suite.run("-m", "live", "--binance-url", url, *selection)
    # Only the calls already on the network when the first of them was answered so; nothing after it.
    assert 1 <= len(target.c2c_calls()) <= CONCURRENCY
    result.stdout.fnmatch_lines([f"Network: {len(target.received)} calls*"])  # every request counted
    results, selected = endpoint_suite.summary()["results"], len(read_only_matching(SOME))
    assert len(results) == selected and {r["http_status"] for r in results} <= {None, status}
    held = [r for r in results if r["http_status"] is None]
    assert len(held) >= selected - CONCURRENCY
    assert all(reason in r["diagnosis"] and r["side"] == "undetermined" for r in held)
    assert_no_canary(endpoint_suite, result)


HOSTILE_CODE = "<img src=x onerror=\"document.title='pwned'\">"
HOSTILE_MSG = "<script>document.title='pwned'</script> | [link](http://evil) **bold**"


@pytest.mark.browser
def test_markup_from_the_server_is_shown_as_text_never_run(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    payload = '{"code": "%s", "msg": "%s", "data": null}' % (HOSTILE_CODE.replace('"', '\\"'), HOSTILE_MSG)  # noqa: UP031
    headers = {"X-SAPI-USED-IP-WEIGHT-1M": "<b>7</b>", "Content-Type": "application/json"}
    target.rules[C2C + "ads/getAds"] = json_answer(400, payload, headers)
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and ads/getAds", "--focus", "ads/getAds")
    dom = render(endpoint_suite.reports / "live-report.html")
    assert "pwned" not in dom.split("</title>")[0]  # no script ran: the title is the report's own
    assert '<img src="x"' not in dom and "<script>document.title" not in dom and "<b>7</b>" not in dom
    assert "&lt;img src=x onerror" in dom  # shown, as text
    markdown = (endpoint_suite.reports / "live-summary.md").read_text()
    assert not re.search(r"(?<!\\)[<>|]", markdown.split("| Endpoint |")[0]) and "\\<img src=x onerror" in markdown


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:hunter2@127.0.0.1:9", "'127.0.0.1:9'"),
        ("http://127.0.0.1:9#/x", "'http://127.0.0.1:9#/x'"),
        ("http://127.0.0.1:99999", "'http://127.0.0.1:99999'"),
        ("http://127.0.0.1:9/sapi", "'http://127.0.0.1:9/sapi'"),
    ],
)
def test_a_target_url_with_more_than_scheme_host_and_port_is_refused_before_anything_is_sent(
    endpoint_suite: EndpointSuite, canary: None, url: str, shown: str
) -> None:
    result = endpoint_suite.run("-m", "live", "--binance-url", url)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    lines = [line for line in result.stderr.lines if line.strip()]
    assert lines == [f"ERROR: --binance-url {shown}: give scheme, host and port only, e.g. https://api.binance.com"]
    assert "hunter2" not in result.stdout.str() + result.stderr.str()


def test_every_answer_is_read_and_kept_within_bounds(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    long_msg = '{"code": -1000, "msg": "%s"}' % ("M" * 50_000)
    target.rules[C2C + "ads/getAds"] = json_answer(400, long_msg, {"X-SAPI-USED-IP-WEIGHT-1M": "9" * 10_000})
    target.rules[C2C + "ads/search"] = json_answer(400, "[" + "1," * 3_000_000 + "1]")  # 6 MB
    bomb = gzip.compress(b"0" * 50_000_000)  # 50 MB once decompressed
    target.rules[C2C + "ads/getAvailableAdsCategory"] = json_answer(400, bomb, {"Content-Encoding": "gzip"})
    target.rules[C2C + "ads/getReferencePrice"] = json_answer(200, "[" * 200_000 + "]" * 200_000)  # deep JSON
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and not agent and ads/")
    results = {r["id"]: r for r in endpoint_suite.summary()["results"]}
    get_ads = results["ads/getAds"]
    assert get_ads["msg"].startswith("M" * 300) and get_ads["msg"].endswith("[cut: 49700 more characters]")
    assert get_ads["rate_limit_headers"]["X-SAPI-USED-IP-WEIGHT-1M"].endswith("[cut: 9700 more characters]")
    for endpoint in ("ads/search", "ads/getAvailableAdsCategory"):
        assert "the answer was cut at 1,000,000 bytes: the rest was not read" in results[endpoint]["notes"]
        assert len(results[endpoint]["body"]) < 4100
    deep = results["ads/getReferencePrice"]  # a server's fault (the contract side), not the client's
    assert deep["side"] == "contract" and "a body that is not JSON" in deep["diagnosis"]
    assert (endpoint_suite.reports / "live-summary.json").stat().st_size < 200_000


def test_a_target_that_never_answers_ends_within_the_deadline_with_a_report(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    """The stand-in answers nothing until the run is over, and the per-request timeout is made longer than
    any test: only the run's deadline can end the run before the stand-in answers."""
    target, url = hostile
    test_over = threading.Event()
    answered_during_the_run: list[str] = []

    def never(request: Request) -> Response:
        released = test_over.wait(120)  # held while the run lasts; released after it, so the stand-in can stop
        if not released:
            answered_during_the_run.append(request.path)
        return Response("{}")

    target.rules["/"] = never
    try:
        result = endpoint_suite.run(
            "-m", "live", "--binance-url", url, "--deadline", "0.5", "--request-timeout", "300", *SOME_LIVE
        )
    finally:
        test_over.set()
    assert answered_during_the_run == []  # the run ended while every request it sent was still held
    ran = endpoint_suite.summary()["results"]
    assert len(ran) == len(read_only_matching(SOME)) and {r["side"] for r in ran} == {"network"}
    assert "cannot read the server time" in ran[0]["diagnosis"]
    assert_no_canary(endpoint_suite, result)


def test_the_run_stops_calling_a_target_that_leaves_calls_unanswered() -> None:
    gate = SendGate(deadline=60)
    for _ in range(FAILURES_IN_A_ROW - 1):
        gate.unanswered()
    gate.before_sending()  # still allowed
    gate.unanswered()
    with pytest.raises(NotSent, match=f"left {FAILURES_IN_A_ROW} calls in a row unanswered"):
        gate.before_sending()
    late = SendGate(deadline=5, clock=iter([0.0, 10.0]).__next__)
    with pytest.raises(NotSent, match="the run's deadline"):
        late.before_sending()


def test_sigterm_ends_the_run_with_the_report_of_what_ran(
    tmp_path: Path, endpoint_process: EndpointProcess, hostile: tuple[HostileTarget, str]
) -> None:
    """The stand-in answers the first endpoint's call and holds every other until the signal has been sent,
    so the signal always comes while the others are still on the network."""
    target, url = hostile
    selected = read_only_matching(SOME) - read_only_matching("DetailByNo")  # endpoints that need no id
    first = next(contract for contract in CATALOG.contracts if contract.id in selected)
    signalled = threading.Event()

    def first_only(request: Request) -> Response:
        if request.path != first.path:
            signalled.wait(60)
        return target.emulator.dispatch(request)[0]

    target.rules[C2C] = first_only
    command = endpoint_process.command("-m", "live", "--binance-url", url, "--tb=line", "-v")
    command += ["-k", f"test_live and {SOME} and not DetailByNo", "--concurrency", "2"]
    command += ["--report-dir", str(tmp_path / "reports")]
    environment = {name: value for name, value in endpoint_process.env.items() if not name.startswith("BINANCE_")}
    environment |= {"BINANCE_API_KEY": CANARY_KEY, "BINANCE_API_SECRET": CANARY_SECRET}
    run = subprocess.Popen(
        command, cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert run.stdout is not None
    try:
        first_judged = next((line for line in iter(run.stdout.readline, "") if " PASSED " in line), "")
        run.send_signal(signal.SIGTERM)
    finally:
        signalled.set()
    output = first_judged + run.communicate(timeout=60)[0]
    assert run.returncode == pytest.ExitCode.INTERRUPTED, output
    summary = json.loads((tmp_path / "reports" / "live-summary.json").read_text())
    # the first was judged by its test; the others were on the network: they are judged too, once answered
    assert first.id in [r["id"] for r in summary["results"] if r["outcome"] == "pass"]
    assert all(r["sent"] for r in summary["results"])
    assert (tmp_path / "reports" / "live-report.html").is_file() and CANARY_SECRET not in output
    # the run says it was cut short: in its JSON, its verdict and the terminal
    assert summary["interrupted"] is True and summary["verdict"].startswith("This run was interrupted before it ended.")
    assert "This run was interrupted before it ended." in output


def test_a_failed_recording_leaves_the_existing_cassettes_as_they_were(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None, tmp_path: Path
) -> None:
    target, url = hostile
    cassettes = tmp_path / "cassettes"
    shutil.copytree(Path(__file__).resolve().parents[1] / "cassettes", cassettes)
    before = {path: path.read_bytes() for path in cassettes.rglob("*.yaml")}
    target.rules[C2C] = json_answer(502, "<html>Bad Gateway</html>")
    result = endpoint_suite.run(
        "-m", "live", "--binance-url", url, *SOME_LIVE, "--record-mode=rewrite", "--cassette-dir", str(cassettes)
    )
    assert {path: path.read_bytes() for path in cassettes.rglob("*.yaml")} == before
    failed = len(read_only_matching(SOME))
    result.stdout.fnmatch_lines([f"*Cassettes left as they were in {cassettes}: {failed} test(s) failed*"])
    endpoint_suite.run("-k", f"test_replay and {SOME}", "--cassette-dir", str(cassettes)).assert_outcomes(
        passed=matching(SOME), deselected=ENDPOINT_TESTS - matching(SOME)
    )


@pytest.mark.parametrize(
    "server_time",
    [
        '{"serverTime": Infinity}',
        "[" * 100_000 + "]" * 100_000,
        '{"serverTime": 1e300}',  # would be signed into a 301-digit timestamp
        '{"serverTime": true}',  # would be signed as 1
        '{"serverTime": 1499827319559}',  # 2017: years from this machine's clock
    ],
)
def test_a_server_time_that_cannot_be_read_stops_the_run_once_on_the_network_side(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None, server_time: str
) -> None:
    target, url = hostile
    target.rules["/api/v3/time"] = json_answer(200, server_time)
    result = endpoint_suite.run("-m", "live", "--binance-url", url, *SOME_LIVE)
    ran, summary = endpoint_suite.summary()["results"], endpoint_suite.summary()
    assert len(ran) == len(read_only_matching(SOME)) and {r["side"] for r in ran} == {"network"}
    assert "cannot read the server time" in ran[0]["diagnosis"]
    # Not "0 of 8 work": the first words and the last line say that no endpoint got an answer.
    partial, count = summary["verdict"].split(" concluded. ", 1)  # -k: a partial run says so first
    assert partial.startswith(f'A partial run (-k "test_live and {SOME}" selected {len(ran)} of the ')
    assert count.startswith(f"No endpoint was answered in this run: none of {len(ran)} read-only")
    assert result.stdout.lines[-1].startswith("Network: 1 call (no endpoint answered) in ")
    assert [call.path for call in target.received] == ["/api/v3/time"]  # asked once, not once per test


class FakeTime:
    """A clock that moves only when the gate sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_weight_budget_holds_a_minute_and_what_cannot_wait_is_not_sent() -> None:
    fake = FakeTime()
    gate = SendGate(max_wait=100, deadline=1000, weight_budget=3, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):
        gate.before_sending()
    assert fake.slept == []
    gate.before_sending()  # the fourth waits until the first request has left the minute
    assert fake.slept == [60.0]
    impatient = SendGate(max_wait=10, deadline=1000, weight_budget=2, clock=fake.clock, sleep=fake.sleep)
    impatient.before_sending(weight=2)
    with pytest.raises(NotSent, match="weight budget of 2 a minute"):
        impatient.before_sending()


def test_an_ip_already_at_its_budget_waits_a_minute() -> None:
    fake = FakeTime()
    gate = SendGate(max_wait=100, deadline=1000, weight_budget=50, clock=fake.clock, sleep=fake.sleep)
    answer = requests.Response()
    answer.status_code = 200
    gate.after(answer)  # no weight header: nothing to wait for
    answer.headers["X-SAPI-USED-IP-WEIGHT-1M"] = "50"  # other clients on this IP spent the budget
    gate.after(answer)
    gate.before_sending()
    assert fake.slept == [60.0]


def test_a_live_run_spends_no_more_than_its_weight_budget(endpoint_suite: EndpointSuite) -> None:
    endpoint_suite.run("-m", "live", "--emulator", *SOME_LIVE, "--weight-budget", "4", "--max-wait", "1")
    ran = endpoint_suite.summary()["results"]
    held = [r for r in ran if "weight budget of 4 a minute" in r["diagnosis"]]
    assert len(ran) == len(read_only_matching(SOME)) and len(ran) - len(held) <= 4 and len(held) >= len(ran) - 4


def test_a_refused_cassette_is_named_never_printed(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None, tmp_path: Path
) -> None:
    target, url = hostile
    leaky = '{"code":"000000","data":{"next":"wss://chat?listenKey=lk-5f3a9c&x=1"},"success":true}'
    target.rules[C2C + "ads/getAds"] = json_answer(200, leaky)
    cassettes = tmp_path / "cassettes"
    result = endpoint_suite.run(
        "-m",
        "live",
        "--binance-url",
        url,
        "-k",
        "test_live and ads/getAds",
        "--record-mode=rewrite",
        "--cassette-dir",
        str(cassettes),
        "--tb=long",
        "-rA",
    )
    output = result.stdout.str() + result.stderr.str()
    assert "refused to write getAds.yaml: it holds a chat credential" in output
    assert vcr_patches_removed()  # the refusal ended the cassette: no later request of this process goes through it
    written = [p.read_text(errors="replace") for p in endpoint_suite.reports.rglob("*") if p.is_file()]
    assert not [text for text in [output, *written] if "lk-5f3a9c" in text]
    assert not cassettes.exists() or not list(cassettes.rglob("*.yaml"))
    assert_no_canary(endpoint_suite, result)


def test_an_answer_with_a_new_field_and_a_changed_type_is_drift_and_still_works(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None, tmp_path: Path
) -> None:
    target, url = hostile
    example = CATALOG["orderMatch/listUserOrderHistory"].example
    changed = [{**item, "amount": 100.5, "rebateRate": "0.1"} for item in example]  # a number; a new field
    payload = json.dumps({"code": "000000", "message": "success", "data": changed, "success": True})
    target.rules[C2C + "orderMatch/listUserOrderHistory"] = json_answer(200, payload)
    cassettes = tmp_path / "cassettes"
    endpoint_suite.run(
        "-m", "live", "--binance-url", url, "-k", "test_live and not agent and listUserOrderHistory",
        "--record-mode=rewrite", "--cassette-dir", str(cassettes),
    )  # fmt: skip
    summary = endpoint_suite.summary()
    (history,) = [r for r in summary["results"] if r["id"] == "orderMatch/listUserOrderHistory"]
    assert history["outcome"] == "pass"
    observed = json.loads((tmp_path / "contracts" / "observed" / "orderMatch/listUserOrderHistory.json").read_text())
    item = observed["data"]["items"]["properties"]
    assert item["amount"] == {"type": "number"} and item["rebateRate"] == {"type": "string"}
    assert "data/*/amount: 100.5 is not of type 'string'" in history["drift"]
    assert "data/*/rebateRate: a field the contract does not know" in history["drift"]
    assert any("Contract drift on 1 working endpoint (orderMatch/listUserOrderHistory)" in n for n in summary["notes"])
    assert 'id="c2c-drift"' in (endpoint_suite.reports / "live-report.html").read_text()


def test_a_missing_required_field_still_fails(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    example = CATALOG["orderMatch/listUserOrderHistory"].example
    missing = [{name: value for name, value in item.items() if name != "orderNumber"} for item in example]
    payload = json.dumps({"code": "000000", "message": "success", "data": missing, "success": True})
    target.rules[C2C + "orderMatch/listUserOrderHistory"] = json_answer(200, payload)
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and not agent and listUserOrderHistory")
    (history,) = [r for r in endpoint_suite.summary()["results"] if r["id"] == "orderMatch/listUserOrderHistory"]
    assert history["outcome"] == "fail" and "'orderNumber' is a required property" in history["diagnosis"]


def test_what_support_can_look_up_is_kept_per_call_bounded_escaped_and_redacted(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    stamps: list[str] = []

    def traced(request: Request) -> Response:  # a refusal: its evidence is shown folded under its conclusion
        stamps.append(request.args["timestamp"])
        answer = json_answer(400, '{"code": -2008, "msg": "Invalid Api-Key ID."}')(request)
        answer.headers["Date"] = "Wed, 09 Jul 2025 12:14:03 GMT"
        answer.headers["x-mbx-uuid"] = "<script>alert(1)</script>"
        answer.headers["x-mbx-traceid"] = f"echo {CANARY_KEY}"  # a target echoing the key in a header
        answer.headers["X-Amz-Cf-Pop"] = "FRA56-P" + "1" * 1000
        return answer

    target.rules[C2C + "ads/getAds"] = traced
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and ads/getAds", "--focus", "ads/getAds")
    (got,) = [r for r in endpoint_suite.summary()["results"] if r["id"] == "ads/getAds"]
    assert got["timestamp"] == int(stamps[0]) and isinstance(got["offset_ms"], int)
    assert len(got["at"]) == len("2025-07-09T12:14:03.120Z")  # to the millisecond
    headers = got["trace_headers"]
    assert headers["x-mbx-uuid"] == "<script>alert(1)</script>" and headers["Date"].startswith("Wed, 09 Jul")
    assert CANARY_KEY not in headers["x-mbx-traceid"] and "REDACTED" in headers["x-mbx-traceid"]
    assert headers["X-Amz-Cf-Pop"].endswith("more characters]")
    page = (endpoint_suite.reports / "live-report.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert f"timestamp={stamps[0]}" in page


@pytest.fixture
def variables_in_answers(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> tuple[HostileTarget, pytest.RunResult]:
    """A live run against a target that answers an order number ``{{apiSecret}}`` and an error message
    with Postman variables in it."""
    target, url = hostile
    order = {**CATALOG["orderMatch/listUserOrderHistory"].example[0], "orderNumber": "{{apiSecret}}"}
    listed = {"code": "000000", "message": "success", "data": [order], "total": 1, "success": True}
    target.rules[C2C + "orderMatch/listUserOrderHistory"] = json_answer(200, json.dumps(listed))
    refusal = {"code": -1000, "msg": "see {{apiSecret}} and {{{apiKey}}}", "data": None}
    target.rules[C2C + "ads/getAds"] = json_answer(400, json.dumps(refusal))
    return target, endpoint_suite.run("-m", "live", "--binance-url", url)


def test_an_id_from_an_answer_is_used_only_when_it_is_one_and_no_text_becomes_a_postman_variable(
    endpoint_suite: EndpointSuite, variables_in_answers: tuple[HostileTarget, pytest.RunResult]
) -> None:
    target, result = variables_in_answers
    needing = {c.id for c in CATALOG.contracts if c.read_only and "order-number" in c.ids.values()}
    assert needing and not [call for call in target.c2c_calls() if call.carries("apiSecret")]
    placeholder = CATALOG.id_sources["order-number"].placeholder
    results = {r["id"]: r for r in endpoint_suite.summary()["results"]}
    said = "placeholder order-number (orderMatch/listUserOrderHistory gave one that is not an order-number"
    assert all(any(said in note for note in results[endpoint]["notes"]) for endpoint in needing)
    assert all(placeholder in json.dumps(results[endpoint]["request"]) for endpoint in needing)
    collection = json.loads((endpoint_suite.reports / "live-postman.json").read_text())
    variables = set(re.findall(r"\{\{(.*?)\}\}", json.dumps(collection)))
    assert variables == {"baseUrl", "apiKey"}  # the collection's own, in the URL and the key header only
    assert_no_canary(endpoint_suite, result)


@pytest.mark.node
def test_newman_replaying_the_collection_sends_nothing_of_the_environment_to_a_hostile_target(
    endpoint_suite: EndpointSuite, variables_in_answers: tuple[HostileTarget, pytest.RunResult], tmp_path: Path
) -> None:
    target, _ = variables_in_answers
    collection = json.loads((endpoint_suite.reports / "live-postman.json").read_text())
    environment = json.loads((endpoint_suite.reports / "live-postman-environment.json").read_text())
    before = len(target.received)
    replay = newman.replay(collection, newman.with_key(environment, CANARY_KEY, CANARY_SECRET), tmp_path)
    replayed = target.received[before:]
    assert len(replayed) == len(READ_ONLY), replay.stdout[-2000:]
    assert not [call.path for call in replayed if call.carries(CANARY_SECRET)]
    assert all(call.raw.count(CANARY_KEY) == 1 for call in replayed)  # the X-MBX-APIKEY header, nothing else


def envelope_with(data: str, total: str = "1") -> str:
    return '{"code": "000000", "message": "success", "data": %s, "total": %s, "success": true}' % (data, total)  # noqa: UP031


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (envelope_with("[]", total="1" * 5_000), "a number of 5,000 characters"),
        (envelope_with("[" * 600 + "]" * 600), "JSON nested deeper than 32 levels"),
    ],
    ids=["a-5000-digit-number", "600-levels-deep"],
)
def test_valid_but_odd_json_is_the_contract_side_never_an_error_and_nothing_is_sent_twice(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None, answer: str, why: str
) -> None:
    """Every C2C answer is odd, the list calls' that give ids included: each endpoint is still a result (the
    answer breaks the contract), and the key is opened once: the target gets one request per call."""
    target, url = hostile
    target.rules[C2C] = json_answer(200, answer)
    result = endpoint_suite.run("-m", "live", "--binance-url", url)
    results = [r for r in endpoint_suite.summary()["results"] if r["id"] in READ_ONLY]  # the socket: no credential
    assert len(results) == len(READ_ONLY) and {r["side"] for r in results} == {"contract"}
    assert all(why in r["diagnosis"] for r in results), results[0]["diagnosis"]
    looked_up = {CATALOG.id_sources[kind].from_endpoint for kind in ("order-number", "ad-number", "pay-method-id")}
    assert len(target.c2c_calls()) == len(READ_ONLY) + len(looked_up)
    result.stdout.fnmatch_lines([f"Network: {len(target.received)} calls in *"])


def test_a_waf_page_to_binance_common_is_an_answer_read_by_the_suite(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    pytest.importorskip("binance_common", reason="the official extra: pip install -e '.[official]' (CI installs it)")
    target, url = hostile
    waf = "<html><body>Request blocked</body></html>"
    target.rules[C2C + "ads/getAds"] = lambda request: Response(waf, 200, mimetype="text/html")
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and ads/getAds", "--cross-check")
    (get_ads,) = [r for r in endpoint_suite.summary()["results"] if r["id"] == "ads/getAds"]
    assert get_ads["side"] == "contract" and "Request blocked" in get_ads["diagnosis"]
    assert get_ads["second_opinion"]["http_status"] == 200 and get_ads["second_opinion"]["summary"].endswith("HTTP 200")
    assert [call.path for call in target.c2c_calls()] == [C2C + "ads/getAds"] * 2  # the suite's, then Binance's code


def test_binance_common_reads_a_gzip_bomb_within_the_suite_bounds(
    tmp_path: Path, endpoint_process: EndpointProcess, hostile: tuple[HostileTarget, str]
) -> None:
    """The run in a process of its own, whose peak memory is its own (not that of other tests' threads)."""
    pytest.importorskip("binance_common", reason="the official extra: pip install -e '.[official]' (CI installs it)")
    target, url = hostile
    inflated = 200_000_000
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    chunk = b"0" * 1_000_000
    bomb = b"".join(squeezer.compress(chunk) for _ in range(inflated // len(chunk))) + squeezer.flush()
    target.rules[C2C + "ads/getAds"] = json_answer(400, bomb, {"Content-Encoding": "gzip"})
    arguments = endpoint_process.command("-m", "live", "--binance-url", url, "-k", "test_live and ads/getAds")
    arguments += ["--cross-check", "--report-dir", str(tmp_path / "reports")]
    measured = [sys.executable, "-c", PEAK_MEMORY, *arguments[arguments.index("pytest") + 1 :]]
    environment = {name: value for name, value in endpoint_process.env.items() if not name.startswith("BINANCE_")}
    environment |= {"BINANCE_API_KEY": CANARY_KEY, "BINANCE_API_SECRET": CANARY_SECRET}
    run = subprocess.run(measured, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=300)
    peak_kib = int(run.stdout.rsplit("peak-kib ", 1)[1])
    assert peak_kib < 300_000, f"{peak_kib:,} KiB at the peak for a {len(bomb):,}-byte answer of {inflated:,} bytes"
    summary = json.loads((tmp_path / "reports" / "live-summary.json").read_text())
    (get_ads,) = [r for r in summary["results"] if r["id"] == "ads/getAds"]
    assert get_ads["second_opinion"]["http_status"] == 400
    assert [call.path for call in target.c2c_calls()] == [C2C + "ads/getAds"] * 2


# A pytest run that says its peak memory last (resident set, KiB).
PEAK_MEMORY = (
    "import resource, sys, pytest; pytest.main(sys.argv[1:]); "
    "print('peak-kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


def test_what_binance_common_gets_back_is_redacted_as_data(hostile: tuple[HostileTarget, str]) -> None:
    pytest.importorskip("binance_common", reason="the official extra: pip install -e '.[official]' (CI installs it)")
    target, url = hostile
    echo = json.dumps({"code": -2008, "msg": f"no key {CANARY_KEY} here"})
    target.rules[C2C] = json_answer(400, echo)
    contract, gate = CATALOG["ads/getAds"], SendGate()
    with requests.Session() as http:
        official = send_with_official_code(
            contract, url, HmacKey(CANARY_KEY, CANARY_SECRET), contract.params, {}, lambda r: send(http, r, gate)
        )
    assert (official.http_status, official.code, official.message) == (400, -2008, "no key REDACTED here")


# A code and a message that would act on what shows them: a terminal (clear screen, window title, an OSC 8 link,
# backspaces), GitHub Actions (a line that starts with ::), CommonMark (a lone CR ends a line) and a browser
# (a right-to-left override).
ACTING_CODE = "E1\r\rBinance support: this key is fine, close the ticket\r==="
ACTING_MESSAGE = (
    "\x1b[2J\x1b]0;owned\x07\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\\b\b"
    "\n::error title=Binance support::your side\n::add-mask::key1 \u202edne s'tneilc"
)


def test_server_text_cannot_act_on_the_terminal_the_ticket_or_the_page(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    target.rules[C2C] = json_answer(400, json.dumps({"code": ACTING_CODE, "msg": ACTING_MESSAGE}))
    result = endpoint_suite.run("-m", "live", "--binance-url", url, *SOME_LIVE, "--focus", "ads/getAds")
    acting = ("\x1b", "\r", "\b", "\x07", "\u202e")
    terminal = result.stdout.str()
    assert not [character for character in acting if character in terminal]
    assert not [line for line in terminal.splitlines() if line.lstrip().startswith("::")]  # no workflow command
    assert "\\x1b" in terminal and "\\u202e" in terminal  # shown, as escapes
    reports = endpoint_suite.reports
    for name in ("live-summary.md", "live-summary.txt", "live-report.html", "live-postman.json", "live-junit.xml"):
        text = (reports / name).read_text()
        assert not [character for character in acting if character in text], name
    ticket = (reports / "live-summary.md").read_text().splitlines()
    assert len(ticket) <= 25 and not [line for line in ticket if line.startswith(("===", "Binance support"))]
    page = (reports / "live-report.html").read_text()
    assert "\\u202edne s&#39;tneilc" in page  # the override written out, the text after it as it came


CHAT_MESSAGE = "hi, my card is 4111 1111 1111 1111, exp 12/29"


def test_chat_messages_keep_their_shape_never_their_content(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None, tmp_path: Path
) -> None:
    """A customer's message (and an image they sent) is personal data: no report file, bundle or recorded cassette
    holds its text, while its fields and their types stay for the contract."""
    target, url = hostile
    message = {
        "id": 1, "type": "text", "uuid": "u-1", "orderNo": "20219644646554779648", "content": CHAT_MESSAGE,
        "imageUrl": "https://bin.bnbstatic.com/client_upload/c2c/proof-of-payment.png", "thumbnailUrl": None,
        "createTime": 1619361369000, "fromNickName": "Buyer***", "self": False, "status": "read",
    }  # fmt: skip
    body = {"code": "000000", "message": "success", "data": [message], "total": 1, "success": True}
    target.rules[C2C + "chat/retrieveChatMessagesWithPagination"] = json_answer(200, json.dumps(body))
    cassettes = tmp_path / "cassettes"
    shutil.copytree(Path(__file__).resolve().parents[1] / "cassettes", cassettes)
    selection = ("-k", "test_live and retrieveChatMessagesWithPagination and not agent", "--bundle")
    endpoint_suite.run("-m", "live", "--binance-url", url, *selection)
    endpoint_suite.run(
        "-m", "live", "--binance-url", url, *selection, "--record-mode=rewrite", "--cassette-dir", str(cassettes)
    )  # fmt: skip
    texts = {path: path.read_bytes() for path in endpoint_suite.reports.rglob("*") if path.is_file()}
    for bundle in endpoint_suite.reports.glob("case-*.zip"):
        with zipfile.ZipFile(bundle) as archive:
            texts |= {Path(f"{bundle}/{name}"): archive.read(name) for name in archive.namelist()}
    texts |= {path: path.read_bytes() for path in cassettes.rglob("*.yaml")}
    # the card number whole (a SHA256SUMS line's hex digits can hold "4111" by chance)
    assert not [path for path, text in texts.items() if b"4111 1111" in text or b"proof-of-payment" in text]
    (result,) = endpoint_suite.summary()["results"]
    shown = json.loads(result["body"])["data"][0]
    assert (
        sorted(shown) == sorted(message) and shown["content"] == "REDACTED" and shown["orderNo"] == message["orderNo"]
    )


CRAFTED_LOCATION = "http://evil.example)![t](http://evil.example/x)"  # a Markdown image in a host


@pytest.mark.parametrize("where", ["/sapi/v1/account/apiRestrictions", C2C, "/api/v3/time"])
def test_a_redirect_to_a_location_that_is_no_url_is_an_answer_not_an_error_of_the_run(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None, where: str
) -> None:
    """requests works out a redirect's next request even when it does not follow it, and a crafted Location made
    it raise ValueError out of every call: no test got an answer ('target none reached')."""
    target, url = hostile

    def crafted(environ: dict[str, Any], start_response: Any) -> list[bytes]:  # as sent: Werkzeug would parse it
        start_response("307 Temporary Redirect", [("Location", CRAFTED_LOCATION), ("Content-Length", "0")])
        return [b""]

    target.rules[where] = lambda request: crafted
    result = endpoint_suite.run("-m", "live", "--binance-url", url, *SOME_LIVE, "--focus", "ads/getAds")
    assert "ValueError" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()
    results = endpoint_suite.summary()["results"]
    assert results and not [r for r in results if r["stop"] == "test-error"]
    if where == C2C:
        assert {r["http_status"] for r in results} == {307}
        assert all("a redirect to an address that is not a URL" in r["diagnosis"] for r in results)
    ticket = (endpoint_suite.reports / "live-summary.md").read_text().splitlines()
    tables = [i for i, line in enumerate(ticket) if line.startswith("| Endpoint |")]
    for i in tables:  # a header row and its separator have as many columns
        assert ticket[i].count("|") == ticket[i + 1].count("|"), ticket[i : i + 2]


@pytest.mark.parametrize(
    ("encoded", "said"),
    [
        (lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), "a UTF-8 byte order mark"),
        (lambda text: text.encode("utf-16"), "UTF-16"),
        (lambda text: text.encode("utf-16-le"), "UTF-16"),
    ],
    ids=["utf-8-bom", "utf-16-with-bom", "utf-16-le"],
)
def test_json_that_is_not_plain_utf_8_works_with_a_note_never_silently(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None, encoded: Any, said: str
) -> None:
    """requests reads a body with a byte order mark or in UTF-16; a strict client may not (RFC 8259, 8.1)."""
    target, url = hostile
    body = json.dumps({"code": "000000", "message": "success", "data": [], "success": True})
    target.rules[C2C + "ads/getAvailableAdsCategory"] = json_answer(200, encoded(body))
    endpoint_suite.run(
        "-m", "live", "--binance-url", url, "-k", "test_live and ads/getAvailableAdsCategory and not agent"
    )
    (result,) = endpoint_suite.summary()["results"]
    assert result["outcome"] == "pass"
    assert (
        f"received JSON in {said}, expected UTF-8 without a byte order mark (RFC 8259, section 8.1)" in result["drift"]
    )


class _Serving(socketserver.ThreadingTCPServer):
    daemon_threads = True  # a connection the client keeps open never holds the test's end
    block_on_close = False


class _EarlyHints(socketserver.StreamRequestHandler):
    """Answers each request of a kept-alive connection with a 103 Early Hints, then a 200 whose body names the
    request's path (RFC 9110, section 15.2: any number of 1xx may come before the final answer)."""

    def handle(self) -> None:
        while request_line := self.rfile.readline(65537):
            path = request_line.split()[1].decode()
            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                pass
            body = json.dumps({"path": path}).encode()
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" * 2)
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            self.wfile.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
            self.wfile.flush()


def test_an_early_hints_answer_is_skipped_and_every_answer_is_its_own_request_s() -> None:
    """Issue 37: http.client took a 103 for the answer and left the 200 on the connection for the next request,
    which read it as its own. Two requests on one kept-alive connection: each gets the 200 naming its path."""
    with _Serving(("127.0.0.1", 0), _EarlyHints) as server:
        serving = threading.Thread(target=server.serve_forever, daemon=True)
        serving.start()
        http = SessionPerThread()
        try:
            base = f"http://127.0.0.1:{server.server_address[1]}"
            for path in ("/sapi/v1/c2c/ads/getAds", "/sapi/v1/c2c/ads/search", "/api/v3/time"):
                answer = send(http, requests.Request("GET", base + path).prepare(), SendGate())
                assert (answer.status_code, answer.json()) == (200, {"path": path})
        finally:
            http.close()
            server.shutdown()
