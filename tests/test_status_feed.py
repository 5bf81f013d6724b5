"""The status feed (issue 40, its first part): a run published by ``p2p-status publish`` holds, per endpoint and UTC
hour, how the calls ended and their shape, and nothing that names the merchant: privacy is tested, not promised."""

from __future__ import annotations

import fnmatch
import json
import re
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from canary import Canary
from certificates import self_signed
from charts import lane_texts

from catalog_facts import CATALOG
from p2p_conformance.emulator import running_emulator
from p2p_conformance.engine import feeds
from p2p_conformance.engine.transport import Route, SendGate
from p2p_conformance.report.history_report import main as history_report
from p2p_conformance.report.status_feed import FeedError, check_feed, compare, contributor, read_feed
from p2p_conformance.report.summary import read_summary
from p2p_conformance.signer import HmacKey
from p2p_conformance.status.command import main as p2p_status
from p2p_conformance.status.reading import compare_run

CANARY = Canary("CanaryKeyStatus" + "s" * 49, "CanarySecretStatus" + "t" * 46)
SEARCH_REFUSED = {"ads/search": "-2008"}


@pytest.fixture(scope="module")
def run_reports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One live run of the canary key, ads/search refused with -2008 and the rest answering: its reports folder."""
    folder = tmp_path_factory.mktemp("run")
    reports = folder / "reports"
    with pytest.MonkeyPatch.context() as monkeypatch:
        CANARY.in_environment(monkeypatch)
        monkeypatch.chdir(folder)
        with running_emulator(CANARY.emulator(SEARCH_REFUSED)) as url:
            pytest.main(
                ["--pyargs", "p2p_conformance.suite", "-m", "live", "--binance-url", url, "-q",
                 f"--report-dir={reports}", "-p", "no:cacheprovider"]
            )  # fmt: skip
    return reports


@pytest.fixture(scope="module")
def summary(run_reports: Path) -> dict[str, Any]:
    """That run as its summary."""
    return dict(json.loads((run_reports / "live-summary.json").read_text()))


def publish(summary: dict[str, Any], folder: Path, *extra: str) -> int:
    path = folder / "reports" / f"live-summary-{len(list(folder.glob('reports/*.json')))}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary))
    return p2p_status(["publish", str(path), "--out", str(folder / "site"), *extra])


def shifted(summary: dict[str, Any], hours: int) -> dict[str, Any]:
    """The same run, ``hours`` later: its start and its rounds' starts moved."""

    def later(at: str) -> str:
        moved = datetime.fromisoformat(at.replace("Z", "+00:00")) + timedelta(hours=hours)
        return moved.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    rounds = [{**found, "started_at": later(found["started_at"])} for found in summary["rounds"]]
    return {**summary, "started_at": later(summary["started_at"]), "rounds": rounds}


def test_a_published_run_holds_each_endpoint_outcome_by_hour_and_its_shape(
    summary: dict[str, Any], tmp_path: Path
) -> None:
    assert publish(summary, tmp_path) == 0
    feed = json.loads((tmp_path / "site" / "status.json").read_text())
    check_feed(feed)
    (entry,) = feed["hours"]
    assert entry["hour"] == summary["rounds"][0]["started_at"][:13] + ":00Z"
    read_only = {contract.id for contract in CATALOG.contracts if contract.read_only}
    assert set(entry["endpoints"]) == read_only  # the socket is not opened: not in the run
    assert entry["endpoints"]["ads/search"]["outcomes"] == ["code -2008 BAD_API_ID"]
    assert entry["endpoints"]["ads/search"]["placement"] == "json-body"
    assert entry["endpoints"]["ads/getAds"]["outcomes"] == ["works"]
    assert feed["target"] == "emulator" and feed["suite_version"] == summary["suite_version"]  # its answers said so
    badge = json.loads((tmp_path / "site" / "badges" / "ads__search.json").read_text())
    assert badge == {"schemaVersion": 1, "label": "ads/search", "message": "code -2008 BAD_API_ID", "color": "red"}


def test_a_history_publishes_the_same_outcomes_as_its_runs_summaries(
    run_reports: Path, summary: dict[str, Any], tmp_path: Path
) -> None:
    """``p2p-status publish --db``: the history's runs of the last hours give, with the same status secret, the
    hours, contributor and outcomes the run's summary gives; a history keeps the placement of a request's shape,
    not its headers."""
    secret = tmp_path / "secret"
    secret.write_text("s" * 40)
    from_summary, from_history = tmp_path / "summary-site", tmp_path / "history-site"
    path = tmp_path / "live-summary.json"
    path.write_text(json.dumps(summary))
    assert p2p_status(["publish", str(path), "--out", str(from_summary), "--secret-file", str(secret)]) == 0
    db = str(run_reports / "history.sqlite3")
    assert p2p_status(["publish", "--db", db, "--out", str(from_history), "--secret-file", str(secret)]) == 0

    def outcomes(site: Path) -> list[tuple[str, str, dict[str, tuple[list[str], str]]]]:
        feed = json.loads((site / "status.json").read_text())
        assert feed["target"] == "emulator"
        return [
            (
                entry["hour"],
                entry["contributor"],
                {e: (s["outcomes"], s["placement"]) for e, s in entry["endpoints"].items()},
            )
            for entry in feed["hours"]
        ]

    found = outcomes(from_history)
    assert found == outcomes(from_summary)
    assert found[-1][2]["ads/search"] == (["code -2008 BAD_API_ID"], "json-body")
    assert sorted(path.name for path in (from_history / "badges").iterdir()) == sorted(
        path.name for path in (from_summary / "badges").iterdir()
    )


def test_a_history_that_cannot_be_published_is_one_line_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "history.sqlite3"
    assert p2p_status(["publish", "--db", str(missing), "--out", str(tmp_path / "site")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"p2p-status: {missing}: {missing} does not exist: run `pytest -m live` first")
    assert not (tmp_path / "site").exists() and not (tmp_path / "status-secret").exists()


def test_the_feed_holds_nothing_that_names_the_merchant(summary: dict[str, Any], tmp_path: Path) -> None:
    """Not the key, its fingerprint, the secret, the status secret, an address, an id, nor a time finer than the
    hour: the feed is made of chosen fields, and this holds it to that."""
    assert publish(summary, tmp_path) == 0
    text = (tmp_path / "site" / "status.json").read_text()
    fingerprint = HmacKey(CANARY.api_key, CANARY.secret).fingerprint
    status_secret = (tmp_path / "reports" / "status-secret").read_text()
    (key,) = CANARY.emulator().scenario.keys.values()  # the chat credential the run's credential call was answered
    named = [CANARY.api_key, CANARY.secret, fingerprint, fingerprint[:4], status_secret, "127.0.0.1", "canary"]
    named += [key.listen_key, key.listen_token, "listenKey", "chatWssUrl"]
    assert [found for found in named if found in text] == []
    ids_left_out = re.sub(r'"contributor":"[0-9a-f]{16}"', "", text)  # hex, where ten digits in a row may happen
    assert not re.search(r"\d{10,}", ids_left_out)  # no order or ad number, no user id, no epoch time
    assert re.findall(r"T\d\d:\d\d", text) and all(t.endswith(":00") for t in re.findall(r"T\d\d:\d\d", text))
    assert sorted(path.name for path in (tmp_path / "site").iterdir()) == ["badges", "status.json"]


def test_runs_of_one_hour_count_once_and_hours_cannot_be_linked(summary: dict[str, Any], tmp_path: Path) -> None:
    for run in (summary, summary, shifted(summary, 1)):
        assert publish(run, tmp_path) == 0
    feed = json.loads((tmp_path / "site" / "status.json").read_text())
    first, second = feed["hours"]  # two runs in one hour are one entry; the next hour's is another
    assert first["hour"] != second["hour"] and first["contributor"] != second["contributor"]
    secret = (tmp_path / "reports" / "status-secret").read_bytes().strip()
    assert [contributor(secret, entry["hour"]) for entry in (first, second)] == [
        first["contributor"],
        second["contributor"],
    ]
    assert contributor(b"another merchant's secret", first["hour"]) != first["contributor"]


def test_a_merchant_s_own_feed_among_those_read_is_never_another_merchant(
    summary: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A merchant who lists their own published feed (their site, a shared list) is known by the status secret they
    publish with, and left out of "other merchants", with a line saying so; where that secret is not at hand, every
    contributor counts, as the feeds alone cannot tell them apart."""
    monkeypatch.delenv("P2P_STATUS_SECRET", raising=False)
    mine, theirs = tmp_path / "mine", tmp_path / "theirs"
    assert publish(summary, mine) == 0 and publish(summary, theirs) == 0
    run = read_summary(summary).run
    sources = [str(mine / "site" / "status.json"), str(theirs / "site" / "status.json")]
    found = compare_run(run, sources, tmp_path, mine / "reports")
    (search,) = [saw for saw in found.others if saw.endpoint == "ads/search"]
    assert (search.merchants, dict(search.outcomes)) == (1, {"code -2008 BAD_API_ID": 1})
    assert found.notes == (
        "--compare-with: your own feed's entries for these hours were left out (your status secret's)",
    )
    elsewhere = compare_run(run, sources, tmp_path, tmp_path / "elsewhere")
    (search,) = [saw for saw in elsewhere.others if saw.endpoint == "ads/search"]
    assert search.merchants == 2 and elsewhere.notes == ()


def test_a_feed_of_another_target_or_schema_is_refused_in_one_line(
    summary: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert publish(summary, tmp_path) == 0
    capsys.readouterr()
    feed_path = tmp_path / "site" / "status.json"
    feed = json.loads(feed_path.read_text())
    feed_path.write_text(json.dumps({**feed, "target": "binance"}))
    assert publish(summary, tmp_path) == 2
    assert "the feed holds binance runs and these are emulator's" in capsys.readouterr().err
    hostile = {**feed, "hours": [{**feed["hours"][0], "contributor": "<script>alert(1)</script>"}]}
    feed_path.write_text(json.dumps(hostile))
    assert publish(summary, tmp_path) == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "not a status feed of p2p-conformance-status/1: hours/0/contributor" in said
    assert "<script>" not in said
    with pytest.raises(FeedError):
        check_feed({**feed, "schema": "p2p-conformance-status/2"})


def test_the_status_secret_is_never_kept_where_the_feed_is_published(summary: dict[str, Any], tmp_path: Path) -> None:
    inside = tmp_path / "site" / "secret"
    assert publish(summary, tmp_path, "--secret-file", str(inside)) == 2
    assert not inside.exists() and not (tmp_path / "site" / "status.json").exists()


MERCHANTS = (
    Canary("CanaryKeyMerchantA" + "a" * 46, "CanarySecretMerchantA" + "b" * 43),
    Canary("CanaryKeyMerchantB" + "c" * 46, "CanarySecretMerchantB" + "d" * 43),
)
HOUR_MARGIN_SECONDS = 60  # the runs of one test take seconds: started this close to the hour's end, wait for the next


def one_hour_ahead() -> None:
    """The three runs of a test fall in one UTC hour: near its end, wait for the next to begin (the event needed)."""
    now = datetime.now(UTC)
    if now.minute * 60 + now.second > 3600 - HOUR_MARGIN_SECONDS:
        next_hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while datetime.now(UTC) < next_hour:
            time.sleep(min(1.0, (next_hour - datetime.now(UTC)).total_seconds() + 0.01))


def files_app(folder: Path, moved: dict[str, str]) -> Callable[..., Iterable[bytes]]:
    """Serves ``folder``'s files by path (a stand-in for GitHub Pages); ``moved`` paths answer a redirect."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path in moved:
            start_response("302 Found", [("Location", moved[path])])
            return [b""]
        found = (folder / path.lstrip("/")).resolve()
        if folder.resolve() not in found.parents or not found.is_file():
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "application/json")])
        return [found.read_bytes()]

    return app


def test_a_third_merchant_sees_what_two_others_saw_in_the_same_hour(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 40's first proof: two merchants (two keys, ads/search refused with -2008) publish their feeds, served
    over HTTPS on loopback; a third run with --compare-with says on its first screen, in its terminal and JSON, that
    2 of 2 other merchants saw -2008 on ads/search in that hour. A feed that redirects and one of another schema are
    each one line, not read."""
    one_hour_ahead()
    served = tmp_path / "served"
    for name, merchant in zip("ab", MERCHANTS, strict=True):
        merchant.in_environment(monkeypatch)
        reports = tmp_path / name / "reports"
        with running_emulator(merchant.emulator(SEARCH_REFUSED)) as url:
            pytester.runpytest(
                "--pyargs", "p2p_conformance.suite", "-m", "live", "--binance-url", url, "-k", "ads/search or getAds",
                f"--report-dir={reports}", "-p", "no:cacheprovider",
            )  # fmt: skip
        assert p2p_status(["publish", str(reports / "live-summary.json"), "--out", str(served / name)]) == 0
    (served / "c").mkdir()
    (served / "c" / "status.json").write_text('{"schema": "p2p-conformance-status/2", "hours": "<b>bold</b>"}')
    tls = self_signed(tmp_path)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls[0]))
    CANARY.in_environment(monkeypatch)
    with running_emulator(
        files_app(served, {"/moved/status.json": "https://elsewhere.invalid/status.json"}), tls=tls
    ) as site:
        feeds = ",".join(f"{site}/{name}/status.json" for name in ("a", "b", "c", "moved")) + "?token=FeedToken42"
        reports = tmp_path / "c-run"
        with running_emulator(CANARY.emulator(SEARCH_REFUSED)) as url:
            result = pytester.runpytest(
                "--pyargs", "p2p_conformance.suite", "-m", "live", "--binance-url", url, "-k", "ads/search or getAds",
                f"--report-dir={reports}", f"--compare-with={feeds}", "-p", "no:cacheprovider",
                "--focus=ads/search",
            )  # fmt: skip
    hour = json.loads((reports / "live-summary.json").read_text())["rounds"][0]["started_at"][11:13]
    span = f"{hour}:00-{(int(hour) + 1) % 24:02d}:00 UTC"
    said = f"code -2008 BAD_API_ID for 2 of 2 other merchants, {span}"
    result.stdout.fnmatch_lines([f"  Others, same hour: ads/search: {said}"])
    page = (reports / "live-report.html").read_text()
    assert said in page and page.index('id="c2c-others"') < page.index('id="c2c-conclusions"')  # before the details
    summary = json.loads((reports / "live-summary.json").read_text())
    (search,) = [saw for saw in summary["others"] if saw["endpoint"] == "ads/search"]
    assert search["merchants"] == 2 and search["outcomes"] == {"code -2008 BAD_API_ID": 2}
    assert summary["compared_with"] == [f"{site}/a/status.json", f"{site}/b/status.json"]
    result.stdout.fnmatch_lines(
        [
            f"  --compare-with: {site}/c/status.json: not a status feed of p2p-conformance-status/1: *: not read",
            f"  --compare-with: {site}/moved/status.json: a redirect to elsewhere.invalid, not followed: not read",
        ]
    )
    assert "<b>" not in page
    written = [
        path.read_text(errors="replace") for path in reports.iterdir() if path.is_file() and path.suffix != ".sqlite3"
    ]
    assert not [
        text for text in [result.stdout.str(), *written] if "FeedToken42" in text
    ]  # a feed's query: never shown
    # the history keeps what the others saw: its report draws them as a lane under the merchant's own
    assert history_report(["--db", str(reports / "history.sqlite3"), "--out", str(tmp_path / "history.html")]) == 0
    lanes = lane_texts((tmp_path / "history.html").read_text())
    assert lanes["ads/search"] == ["-2008"]
    assert lanes["ads/search · other merchants"] == ["-2008 2/2"]


@pytest.mark.parametrize(
    ("given", "said"),
    [
        (
            "http://feeds.example/s.json",
            "--compare-with 'http://feeds.example/s.json': only https:// URLs or local files*",
        ),
        ("missing.json", "--compare-with 'missing.json': no such file (or give an https:// URL)"),
        (",", "--compare-with: give 1 to 50 feeds (HTTPS URLs or files)"),
        ("@missing-list.txt", "--compare-with: */missing-list.txt: No such file or directory"),
    ],
)
def test_a_feed_source_that_cannot_be_read_is_one_line_before_anything_is_sent(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, given: str, said: str
) -> None:
    CANARY.in_environment(monkeypatch)
    emulator = CANARY.emulator()
    with running_emulator(emulator) as url:
        result = pytester.runpytest(
            "--pyargs", "p2p_conformance.suite", "-m", "live", "--binance-url", url, f"--compare-with={given}",
            "-p", "no:cacheprovider",
        )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    (line,) = [line for line in result.stderr.lines if line.strip()]
    assert fnmatch.fnmatch(line, f"ERROR: {said}"), line
    assert emulator.journal == []


def a_feed(**changed: Any) -> dict[str, Any]:
    """A well-formed feed of one hour, with ``changed`` fields."""
    hour = datetime.now(UTC).strftime("%Y-%m-%dT%H:00Z")
    entry = {
        "hour": hour,
        "contributor": "0123456789abcdef",
        "endpoints": {"ads/search": {"outcomes": ["works"], "placement": "json-body"}},
    }
    return {
        "schema": "p2p-conformance-status/1",
        "suite_version": "0.1.0",
        "origin": None,
        "target": "binance",
        "hours": [entry],
        **changed,
    }


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "not JSON (RecursionError)"),
        (b"\xff\xfe{}", "not JSON (UnicodeDecodeError)"),
        (
            json.dumps(a_feed(schema="p2p-conformance-status/2")).encode(),
            "not a status feed of p2p-conformance-status/1: schema: const failed",
        ),
        (json.dumps(a_feed(origin="<img src=x onerror=alert(1)>")).encode(), "origin: pattern failed"),
        (json.dumps(a_feed(origin="\u202eevil\x1b[31m")).encode(), "origin: pattern failed"),
        (
            json.dumps(
                a_feed(
                    hours=[
                        {
                            **a_feed()["hours"][0],
                            "endpoints": {"ads/search": {"outcomes": ["works"] * 10**4, "placement": "query"}},
                        }
                    ]
                )
            ).encode(),
            "maxItems failed",
        ),
        (
            json.dumps(a_feed(hours=[{**a_feed()["hours"][0], "hour": "2099-01-01T00:00Z"}])).encode(),
            "hours after the current one",
        ),
        (
            json.dumps(
                a_feed(
                    hours=[
                        {
                            **a_feed()["hours"][0],
                            "endpoints": {"../../etc": {"outcomes": ["works"], "placement": "query"}},
                        }
                    ]
                )
            ).encode(),
            "hours/0/endpoints: pattern failed",
        ),
    ],
    ids=["nested", "not-utf8", "schema-2", "markup", "bidi-ansi", "10^4-outcomes", "future", "path-id"],
)
def test_a_hostile_feed_is_one_line_never_quoted_never_merged(data: bytes, said: str) -> None:
    with pytest.raises(FeedError) as refused:
        read_feed(data, "https://feeds.example/status.json")
    message = str(refused.value)
    assert message.startswith("https://feeds.example/status.json: ") and said in message and "\n" not in message
    assert not [bad for bad in ("<img", "\u202e", "\x1b", "../") if bad in message]


def test_a_feed_too_large_or_that_never_answers_is_one_line(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (feeds.MAX_FEED_BYTES + 1))
    with pytest.raises(feeds.FeedUnavailable, match=r"big\.json: larger than 1 MB, not a status feed$"):
        feeds.fetch(str(big), Route(), tmp_path, feeds.feeds_gate())
    released = threading.Event()

    class Silent(socketserver.BaseRequestHandler):
        def handle(self) -> None:  # accepts the connection and says nothing, not even TLS's first word
            released.wait(timeout=600)

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Silent) as silent:
        threading.Thread(target=silent.serve_forever, daemon=True).start()
        gate = SendGate(max_wait=0, deadline=30, timeout=0.5)
        try:
            with pytest.raises(feeds.FeedUnavailable, match="no answer came within the call's time limit"):
                feeds.fetch(f"https://127.0.0.1:{silent.server_address[1]}/status.json", Route(), tmp_path, gate)
        finally:
            released.set()
            silent.shutdown()


def test_the_community_page_shows_cells_of_at_least_k_merchants_and_hides_the_others(
    summary: dict[str, Any], tmp_path: Path
) -> None:
    """Three merchants' feeds (three status secrets): every one called ads/search (-2008), only two ads/getAds. With
    k = 3 the first cell is counted, the second says "too few to show" and carries no count."""
    listed = []
    for name in ("a", "b", "c"):
        run = (
            summary
            if name != "c"
            else {**summary, "results": [r for r in summary["results"] if r["id"] != "ads/getAds"]}
        )
        folder = tmp_path / name
        assert publish(run, folder, "--secret-file", str(folder / "secret")) == 0
        listed.append(str(folder / "site" / "status.json"))
    (tmp_path / "feeds.txt").write_text("# the community's feeds\n" + "\n".join(listed) + "\n")
    community = tmp_path / "community"
    assert p2p_status(["aggregate", str(tmp_path / "feeds.txt"), "--out", str(community), "--target", "emulator"]) == 0
    document = json.loads((community / "status.json").read_text())
    check_feed(document, names=("p2p-conformance-status-aggregate/1",))
    (entry,) = document["hours"]
    assert document["feeds"] == 3 and document["k"] == 3
    assert entry["endpoints"]["ads/search"] == {"merchants": 3, "outcomes": {"code -2008 BAD_API_ID": 3}}
    assert entry["endpoints"]["ads/getAds"] == {"too_few": True}
    page = (community / "index.html").read_text()
    assert "<td>ads/search</td><td>3</td><td>code -2008 BAD_API_ID: 3</td>" in page
    assert "<td>ads/getAds</td><td>fewer than 3</td><td>too few to show</td>" in page
    run = read_summary(summary).run
    (search,) = [
        saw
        for saw in compare(run, [read_feed(json.dumps(document).encode(), "community")])
        if saw.endpoint == "ads/search"
    ]
    assert (search.merchants, dict(search.outcomes)) == (3, {"code -2008 BAD_API_ID": 3})  # --compare-with reads it


@pytest.mark.parametrize("count", [10**12, -1, 0])
def test_a_community_feed_with_impossible_counts_is_refused(count: int) -> None:
    hour = datetime.now(UTC).strftime("%Y-%m-%dT%H:00Z")
    cell = {"merchants": 3, "outcomes": {"works": count}}
    document = {
        "schema": "p2p-conformance-status-aggregate/1", "suite_version": "0.1.0", "target": "binance", "k": 3,
        "feeds": 3, "hours": [{"hour": hour, "endpoints": {"ads/search": cell}}],
    }  # fmt: skip
    with pytest.raises(FeedError, match="not a status feed of p2p-conformance-status-aggregate/1"):
        read_feed(json.dumps(document).encode(), "community")
