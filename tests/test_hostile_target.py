"""A hostile stand-in for Binance on loopback: it redirects, rate-limits, bans and answers with markup.
The suite must send nothing it should not, to nobody it should not, and write nothing a server can script.
Every request the stand-in receives is kept, and the canary key and secret must appear in no output."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.wrappers import Request, Response

from catalog_facts import CATALOG, READ_ONLY
from emulator import Emulator, parse_scenario, running_emulator
from p2p_conformance.report.render_check import render

if TYPE_CHECKING:
    from conftest import EndpointSuite

CANARY_KEY = "CanaryKeyH0st" + "h" * 51
CANARY_SECRET = "CanarySecretH0st" + "t" * 48
C2C = "/sapi/v1/c2c/"
Rule = Callable[[Request], Response]


@dataclass
class Received:
    method: str
    path: str
    at: float


@dataclass
class HostileTarget:
    """The emulator behind rules that answer instead of it, for the paths they name (a prefix each)."""

    emulator: Emulator
    rules: dict[str, Rule] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.received.append(Received(request.method, request.path, time.monotonic()))
        rule = next((rule for prefix, rule in self.rules.items() if request.path.startswith(prefix)), None)
        return (rule(request) if rule else self.emulator)(environ, start_response)

    def c2c_calls(self) -> list[Received]:
        return [call for call in self.received if call.path.startswith(C2C)]


@pytest.fixture
def hostile() -> Iterator[tuple[HostileTarget, str]]:
    """The stand-in on a free loopback port, knowing only the canary key."""
    scenario = {"description": "hostile", "keys": {"canary": {"api_key": CANARY_KEY, "secret": CANARY_SECRET}}}
    target = HostileTarget(Emulator(parse_scenario(scenario, CATALOG), CATALOG))
    with running_emulator(target) as url:  # type: ignore[arg-type]
        yield target, url


@pytest.fixture
def canary(monkeypatch: pytest.MonkeyPatch) -> None:
    """The canary key in the environment, as a merchant's real key would be."""
    monkeypatch.setenv("BINANCE_API_KEY", CANARY_KEY)
    monkeypatch.setenv("BINANCE_API_SECRET", CANARY_SECRET)


def assert_no_canary(suite: EndpointSuite, result: pytest.RunResult) -> None:
    texts = [result.stdout.str(), result.stderr.str()]
    texts += [p.read_text(errors="replace") for p in suite.reports.rglob("*") if p.is_file() and p.suffix != ".sqlite3"]
    assert not [text for text in texts if CANARY_KEY in text or CANARY_SECRET in text]


def json_answer(status: int, payload: str, headers: dict[str, str] | None = None) -> Rule:
    return lambda request: Response(payload, status, headers, mimetype="application/json")


def test_a_redirect_is_never_followed_with_a_signed_request(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    elsewhere = HostileTarget(target.emulator)
    with running_emulator(elsewhere) as other:  # type: ignore[arg-type]
        target.rules[C2C] = lambda request: Response("", 307, {"Location": other + request.full_path})
        result = endpoint_suite.run("-m", "live", "--binance-url", url)
    assert elsewhere.received == []  # nothing signed, nothing at all, went where the redirect pointed
    ran = [r for r in endpoint_suite.summary()["results"] if r["outcome"] != "skipped"]
    assert len(ran) == len(READ_ONLY) and {(r["http_status"], r["side"]) for r in ran} == {(307, "binance")}
    host = other.removeprefix("http://")
    assert all(f"a redirect to {host}" in r["diagnosis"] and "nothing was sent there" in r["diagnosis"] for r in ran)
    assert all("--location" not in r["reproduction"] for r in ran)
    assert (
        f"On Binance's side: {len(READ_ONLY)} endpoints ({len(READ_ONLY)} x HTTP 307)"
        in (endpoint_suite.summary()["verdict"])
    )
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
    assert [call.path for call in target.c2c_calls()][-1] == C2C + "ads/getAds"


def test_after_a_429_nothing_is_sent_until_retry_after_has_passed(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    answered: list[str] = []

    def once_limited(request: Request) -> Response:
        answered.append(request.path)
        if len(answered) == 1:
            return Response('{"code":-1003,"msg":"Too much request weight used"}', 429, {"Retry-After": "1"})
        return target.emulator.dispatch(request)[0]

    target.rules[C2C] = once_limited  # the first C2C call of the run gets the 429
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and (ads/getAds or ads/search)")
    limited, *later = target.c2c_calls()
    assert later and all(call.at - limited.at >= 0.95 for call in later)  # Retry-After: 1 s, then the run went on


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
) -> None:
    target, url = hostile
    target.rules[C2C] = json_answer(status, '{"code":-1003,"msg":"banned"}', {"Retry-After": retry_after})
    result = endpoint_suite.run("-m", "live", "--binance-url", url)
    assert len(target.c2c_calls()) == 1  # the first call (an id lookup) was answered so; nothing was sent after it
    held = [r for r in endpoint_suite.summary()["results"] if r["outcome"] != "skipped"]
    assert len(held) == len(READ_ONLY) and {(r["http_status"], r["side"]) for r in held} == {(None, "undetermined")}
    assert all(reason in r["diagnosis"] for r in held)
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
