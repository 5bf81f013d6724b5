"""The HTML report as a support agent sees it, in headless Chromium at 1280 x 900 (``pytest -m browser``;
needs Debian's chromium): the first screen makes the case, nothing scrolls sideways, the page is short."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from binance_signature import signature_verifies, total_params
from devtools import text_once_shown

from catalog_facts import LIVE_RESULTS
from p2p_conformance.emulator import load_scenario
from p2p_conformance.report.history_report import main as history_report
from p2p_conformance.report.render_check import layout_problems, measure, missing_parts, render

if TYPE_CHECKING:
    from conftest import EndpointSuite

PYTEST_HTML_ROW = r'<tbody class="results-table-row \w+" id="'  # a row pytest-html's script rendered
SEED_FOCUS = (
    "ads/getAds,orderMatch/getUserOrderSummary,ads/getAvailableAdsCategory,ads/search,ads/getReferencePrice,"
    "chat/retrieveChatCredential"
)


@pytest.mark.browser
def test_july_9_first_screen_makes_the_case_without_sideways_scroll(endpoint_suite: EndpointSuite) -> None:
    endpoint_suite.run(
        "-m", "live", "--emulator", "--scenario", "july-9", "--case-id", "144098731", "--focus", SEED_FOCUS
    )
    report = endpoint_suite.reports / "live-report.html"
    screenshot = endpoint_suite.reports / "first-screen.png"
    dom = render(report, screenshot)
    assert missing_parts(dom) == []
    layout = measure(report)
    assert layout_problems(layout, max_screens=5) == []
    first_screen = [name for name, bottom in layout.bottoms.items() if bottom <= 900]
    assert {"c2c-banner", "c2c-run", "c2c-verdict", "c2c-summary", "c2c-focus"} <= set(first_screen)
    # the case's terms first (the six endpoints of --focus), then every read-only endpoint
    assert f"2 of 6 of the case's endpoints work; 2 of {len(LIVE_RESULTS)} read-only endpoints in all" in layout.text
    assert "144098731" in layout.text
    assert re.search(r"Proof: Binance accepted this key on .*getUserOrderSummary \(\d\d:\d\d:\d\d\)", layout.text)
    assert "accepted this key on ads/getAds" not in layout.text  # its empty 200 is the gateway's, no proof
    assert "Local emulator, not Binance" in layout.text
    # support argued about the key's length: its shape is on the first screen (in c2c-run), never its text
    assert "API key: 64 characters, letters and digits; secret: 64 characters, letters and digits" in layout.text
    assert "None" not in layout.text and str(endpoint_suite.pytester.path) not in layout.text
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # pytest-html's own page of the run: one line per endpoint run (not-run ones are listed on the support
    # page), and a link back to the support page at its top
    pytest_page = render(endpoint_suite.reports / "pytest-report.html")
    assert len(re.findall(PYTEST_HTML_ROW, pytest_page)) == len(LIVE_RESULTS)
    assert re.search(r'<p id="c2c-support-page">.*?<a href="live-report.html">', pytest_page, flags=re.S)


@pytest.mark.browser
def test_a_story_without_a_chart_to_draw_passes_the_render_check(endpoint_suite: EndpointSuite) -> None:
    """Two keys in one round, no --focus and nothing changed: the story is its table alone (the chart has no lane
    to draw), and the check does not ask for a chart the page rightly leaves out."""
    endpoint_suite.run("-m", "live", "--emulator", "--scenario", "chat-recv-window", "-k", "test_live and ads/getAds")
    report = endpoint_suite.reports / "live-report.html"
    assert 'id="c2c-story-lines"' in report.read_text() and 'id="c2c-story-chart"' not in report.read_text()
    assert layout_problems(measure(report), max_screens=5) == []


@pytest.mark.browser
def test_the_seed_story_s_first_screen_ends_with_the_verdict_every_round_in_the_case_s_terms_and_the_chart(
    endpoint_suite: EndpointSuite,
) -> None:
    endpoint_suite.run(
        "-m", "live", "--emulator", "--scenario", "seed-story", "--repeat", "4", "--case-id", "144098731",
        "--focus", SEED_FOCUS,
    )  # fmt: skip
    report = endpoint_suite.reports / "live-report.html"
    endpoint_suite.reports.joinpath("story-first-screen.png").unlink(missing_ok=True)
    render(report, endpoint_suite.reports / "story-first-screen.png")
    layout = measure(report)
    # on the first screen: the header, the verdict, every round and the chart's start; ten screens at most
    assert layout_problems(layout, max_screens=10) == []
    first_screen = [name for name, bottom in layout.bottoms.items() if bottom <= 900]
    assert {"c2c-run", "c2c-keys", "c2c-verdict", "c2c-story-lines"} <= set(first_screen)
    summary = endpoint_suite.summary()
    story, focus = summary["story"], summary["focus"]
    assert focus == SEED_FOCUS.split(",")  # the case's six, as given (the chat socket is opened only with --socket)
    phases, keys = list(dict.fromkeys(line["phase"] for line in story)), [key["name"] for key in summary["keys"]]
    made = {name: key.made for name, key in load_scenario("seed-story").keys.items()}
    # a line per round and key, from the round the key was made in (the case made key1 and key2 on July 9)
    assert len(phases) == 4
    assert len(story) == sum(len(phases) - (phases.index(made[k]) if made[k] else 0) for k in keys)
    assert all(line["counted"] == 6 for line in story)
    dom = render(report)
    table = re.search(r'<div id="c2c-story-lines">(.*?)</div>', dom, flags=re.S)
    assert table is not None
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", table.group(1))]
    told = {(line["phase"], line["key"]): f"{len(line['working'])} of 6 work" for line in story}
    expected = [  # a row per round, the keys side by side, each "N of 6 work" over the case's six, or empty
        [phase, *(told.get((phase, key), "") for key in keys)] for phase in phases
    ]
    assert [[row[0], *(cell.split(":")[0] for cell in row[1:])] for row in rows if row] == expected
    assert "of the case's endpoint calls (6 endpoints, each with 3 keys)" in layout.text
    chart = re.search(r'<svg id="c2c-story-chart".*?</svg>', dom, flags=re.S)
    assert chart is not None and chart.group().count('class="c2c-lane"') == len(focus) * len(keys)
    assert "<script" not in chart.group()


def test_render_check_reports_what_a_broken_report_lacks() -> None:
    assert missing_parts("<html><p id='c2c-verdict'>nothing</p></html>") == [
        "the verdict line",
        "the run header",
        "the control checks",
        "the evidence",
        "the timeline",
        "the endpoint table",
        "the link to pytest-html's page of the same run",
    ]


@pytest.mark.browser
def test_the_seed_story_s_history_tells_it_on_its_first_screen(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint_suite.run(
        "-m", "live", "--emulator", "--scenario", "seed-story", "--repeat", "4",
        "--focus", SEED_FOCUS, "--report-dir", str(endpoint_suite.pytester.path / "reports" / "emulator"),
    )  # fmt: skip
    monkeypatch.chdir(endpoint_suite.pytester.path)  # as a user runs it, after the README's story command
    assert history_report([]) == 0
    assert "reading reports/emulator/history.sqlite3" in capsys.readouterr().err
    page = endpoint_suite.pytester.path / "reports" / "emulator" / "history.html"
    assert missing_parts(render(page)) == []
    layout = measure(page)
    assert layout_problems(layout, max_screens=5) == []  # the story's lines and chart on the first screen
    first_screen = layout.text[: layout.text.index("Latest run against the one before")]
    assert "Local emulator, not Binance" in first_screen
    # one line per run, its keys side by side by label (not fingerprint), each over the case's six
    assert all(re.search(rf"\b{key} · \d of 6 work", first_screen) for key in ("key1", "key2", "key3"))


@pytest.mark.browser
def test_the_bundle_of_the_july_9_case_plays_its_run_and_every_request_in_it_verifies(
    endpoint_suite: EndpointSuite, tmp_path: Path
) -> None:
    """Issue 36's whole command: unzipped, every page link resolves, run.html plays the run's terminal (its last
    frame, the verdict and the network line, drawn by the player), every signature of requests.jsonl verifies
    with the scenario's secret by Binance's published rule, and no secret of the scenario is in any file."""
    endpoint_suite.run(
        "-m", "live", "--emulator", "--scenario", "july-9", "--case-id", "144098731", "--focus", SEED_FOCUS,
        "--bundle", "--verifiable",
    )  # fmt: skip
    (bundle,) = endpoint_suite.reports.glob("case-144098731-*.zip")
    unzipped = tmp_path / "bundle"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(unzipped)
    names = {path.relative_to(unzipped).as_posix() for path in unzipped.rglob("*") if path.is_file()}
    for page in unzipped.glob("*.html"):
        links = re.findall(r'(?:href|src)="([^"#:]+)"', page.read_text())
        assert set(links) <= names, f"{page.name} links to {sorted(set(links) - names)}, not in the bundle"
    # the player draws the recording's last frame (the network line ends it) once it has loaded it
    played = text_once_shown(unzipped / "run.html", ".ap-term-text", "Network:")
    assert "Report: " in played and "-2008 BAD_API_ID" in played  # the verdict block, drawn as the terminal showed it
    keys = list(load_scenario("july-9").keys.values())
    lines = [json.loads(line) for line in (unzipped / "requests.jsonl").read_text().splitlines()]
    signed = [line for line in lines if total_params(line) is not None]
    assert signed and all(any(signature_verifies(line, key.secret or "") for key in keys) for line in signed)
    secrets = [text for key in keys for text in (key.api_key, key.secret) if text]
    assert not [path.name for path in unzipped.rglob("*") if path.is_file() for s in secrets if s in path.read_text()]
