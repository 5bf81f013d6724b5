"""The history: every live run stored, trends computed, what changed since the previous run."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from charts import lane_texts

from catalog_facts import CATALOG, LIVE_TESTS, OFFLINE_TESTS
from p2p_conformance.emulator import Emulator, load_scenario, running_emulator
from p2p_conformance.model import Answer, EndpointRecord, OthersSaw, Outcome, Side
from p2p_conformance.report import history as history_module
from p2p_conformance.report.history import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    HistoryError,
    StoredRun,
    load_others,
    load_rows,
    run_span,
    store_runs,
    validate_history,
)
from p2p_conformance.report.history_report import main as history_report
from p2p_conformance.report.history_report import render_history
from p2p_conformance.report.trends import runs_by_key, series, since_previous, trend, trends
from p2p_conformance.signer import Placement, vectors

if TYPE_CHECKING:
    from conftest import EndpointProcess, EndpointSuite

REPO = Path(__file__).resolve().parents[1]
SEED_IDS = (
    "ads/getAds",
    "orderMatch/getUserOrderSummary",
    "ads/getAvailableAdsCategory",
    "ads/search",
    "ads/getReferencePrice",
    "chat/retrieveChatCredential",
)
SEED_ENDPOINTS = f"not agent and ({' or '.join(SEED_IDS)})"  # the seed case file's six endpoints
STORY_KEYS = 3
# The rounds of a 4-round story each key is called in: from the phase it was made in (the merchant could not have
# called a key before it existed), counted from the scenario file.
_STORY = load_scenario("seed-story")
_PHASES = [phase.name for phase in _STORY.phases]
KEY_ROUNDS = {
    name: [n for n in range(1, 5) if key.made is None or _PHASES.index(key.made) <= min(n, len(_PHASES)) - 1]
    for name, key in _STORY.keys.items()
}
# The recorded case's trends at 13:03 (p2p_conformance/emulator/scenarios/seed-story.yaml): a key's rounds before it
# was made, and its calls that got no answer, move no trend.
# The conclusions a competent reader of the recorded case draws, phase by phase (round, key, endpoint): side.
RECORDED_SIDES = {
    (2, "key1", "orderMatch/getUserOrderSummary"): "none",
    (2, "key1", "ads/getAds"): "network",  # no answer: a gap, on nobody's side by the evidence
    (2, "key1", "ads/search"): "network",
    (2, "key1", "chat/retrieveChatCredential"): "undetermined",  # -1102, sent with everything its contract wants
    (3, "key2", "ads/search"): "undetermined",  # -1022 while GET query calls of the key were accepted
    (3, "key2", "ads/getReferencePrice"): "binance",  # HTTP 500, -1000
    (3, "key2", "chat/retrieveChatCredential"): "undetermined",
    # -2008 at 13:03, the same request worked at 12:14, and no call of 13:03 recognised the key: a key deleted
    # since would answer so too, so it is said, with what settles it, and put on neither side
    (4, "key2", "orderMatch/getUserOrderSummary"): "undetermined",
    (4, "key2", "ads/getAvailableAdsCategory"): "undetermined",
    (1, "key3", "ads/getAds"): "contract",  # the empty 200 the case recorded: a path no service takes, tier D
}
STORY_TRENDS = {  # only rounds that recognised the key move a trend
    ("ads/getAds", "key1"): None,  # no answer in every round since key1 was made: no trend at all
    ("orderMatch/getUserOrderSummary", "key1"): "stable-ok",
    ("chat/retrieveChatCredential", "key1"): "stable-fail",
    ("ads/getAds", "key2"): None,  # recognised at 12:14 alone
    ("orderMatch/getUserOrderSummary", "key2"): None,
    ("ads/getAds", "key3"): None,  # recognised in no round: an empty 200 is no answer of the service
    ("orderMatch/getUserOrderSummary", "key3"): None,
}


def run_story(suite: EndpointSuite, *args: str, select: str = "") -> pytest.RunResult:
    """The seed story's six endpoints, live against the emulator (``select`` narrows further, e.g. a key)."""
    selection = f"test_live and {SEED_ENDPOINTS} {select}"
    return suite.run("-m", "live", "--emulator", "--scenario", "seed-story", "-k", selection, *args)


@pytest.mark.parametrize(
    ("working", "expected"),
    [
        ([True, True], "stable-ok"),
        ([False], "stable-fail"),
        ([False, False, True], "fixed"),
        ([True, False, False], "regressed"),
        ([False, True, False], "intermittent"),
        ([True, False, True, True], "intermittent"),
    ],
)
def test_trend_labels(working: list[bool], expected: str) -> None:
    assert trend(working) == expected


def test_seed_story_gives_its_trends_and_the_since_previous_sentence(endpoint_suite: EndpointSuite) -> None:
    result, reports = run_story(endpoint_suite, "--repeat", "4", "--case-id", "144098731"), endpoint_suite.reports
    selected = len(SEED_IDS) * sum(len(rounds) for rounds in KEY_ROUNDS.values())
    working = 0 + 1 + 3 + 1  # per round, as the case recorded it (getAds' empty 200 never works)
    result.assert_outcomes(
        passed=working, failed=selected - working, deselected=OFFLINE_TESTS + LIVE_TESTS * STORY_KEYS * 4 - selected
    )
    summary = endpoint_suite.summary()
    sides = {(r["round"], r["key_name"], r["id"]): r["side"] for r in summary["results"]}
    assert {found: sides[found] for found in RECORDED_SIDES} == RECORDED_SIDES
    assert "client" not in sides.values()  # nothing in the recorded case is evidence against the merchant
    last_round = [r for r in summary["results"] if r["round"] == 4]
    trends = {(r["id"], r["key_name"]): r["trend"] for r in last_round}
    assert {pair: trends[pair] for pair in STORY_TRENDS} == STORY_TRENDS
    fingerprints = {k["name"]: k["fingerprint"] for k in summary["keys"]}
    controls = {k["name"]: {c["kind"]: c for c in k["controls"]}["api-restrictions"]["code"] for k in summary["keys"]}
    assert controls == {"key1": -2015, "key2": -2015, "key3": -2015}  # each checked in the first round of its key
    notes = {k["name"]: k["notes"] for k in summary["keys"]}  # key3's -2015 is no note: P2P accepted it nowhere
    assert not notes["key2"] and not notes["key3"] and "refused key1 with -2015 while the P2P API" in notes["key1"][0]
    assert {k["name"]: k["recognised_rounds"] for k in summary["keys"]} == {
        "key1": [2, 3, 4],  # made at 11:53
        "key2": [3],  # made at 12:14; at 13:03 no call of it was answered by a C2C service
        "key3": [],  # July 6's getAds was an empty 200: the gateway's, not a service's answer
    }
    changes = summary["changes"]
    assert len(changes) == 3  # over the endpoints both runs asked and that got an answer
    assert (
        changes[0] == f"key1 ({fingerprints['key1']}): 1 of the 2 endpoints both runs called now work "
        "(orderMatch/getUserOrderSummary), unchanged from 1 of 2 at July 9 12:14"
    )
    markdown = (reports / "live-summary.md").read_text()
    assert len(markdown.splitlines()) <= 25  # the story's last line is the change: the ticket does not say it twice
    assert changes[0] not in markdown and "July 9 13:03 · key1 · 1 of 6 work" in markdown
    assert escape(changes[0], quote=False) in (reports / "live-report.html").read_text()  # the page keeps it
    assert summary["verdict"].startswith('A partial run (-k "test_live and not agent and (ads/getAds or ')
    assert summary["verdict"].endswith(  # the case's six of the catalog, as a partial run says
        "In the last round (July 9 13:03): 1 of 18 read-only endpoint calls (each endpoint with each key) work. "
        "Binance accepted key1 in "
        "this run; recognised key2 at July 9 12:14 and on no call of the last round (check that it still exists in "
        "API management: if it does, the change is Binance's); recognised key3 nowhere. "
        "Undetermined (no side follows from this run's evidence): 11 endpoints (10 x -2008, -1102). "
        "In the network: 4 endpoints (4 x no answer). "
        "In the contract (answers that break it): 2 endpoints (2 x empty HTTP 200)."
    )
    said = {(r["round"], r["key_name"], r["id"]): r["diagnosis"] for r in summary["results"]}
    for endpoint in ("orderMatch/getUserOrderSummary", "ads/getAvailableAdsCategory"):  # 13:03: what 12:14 showed
        assert said[(4, "key2", endpoint)] == (
            "-2008 BAD_API_ID: Binance recognised this key on no call of this round, and accepted it at July 9 12:14 "
            "(orderMatch/getUserOrderSummary, ads/getAvailableAdsCategory) in this run. The same request worked at "
            "July 9 12:14."
        )
    assert not any("accepted this key on ads/getAds" in line for line in summary["proof"])
    story = {(line["phase"], line["key"]): line for line in summary["story"]}  # one line per round and key made
    assert len(summary["story"]) == sum(len(rounds) for rounds in KEY_ROUNDS.values()) == len(story)
    told = {(r["round"], line_key) for r in summary["rounds"] for (phase, line_key) in story if phase == r["phase"]}
    # a key only from the round it was made in: no "key2 · 0 of 6" on July 6
    assert told == {(number, name) for name, rounds in KEY_ROUNDS.items() for number in rounds}
    assert story[("July 9 11:53", "key1")]["working"] == ["orderMatch/getUserOrderSummary"]
    assert (len(story[("July 9 12:14", "key2")]["working"]), story[("July 9 12:14", "key2")]["counted"]) == (2, 6)
    assert [r["phase"] for r in summary["rounds"]] == ["July 6", "July 9 11:53", "July 9 12:14", "July 9 13:03"]
    html = (reports / "live-report.html").read_text()
    assert "4: " in html and "(July 9 13:03)" in html
    rows = load_rows(reports / "history.sqlite3")
    assert len({row.run_id for row in rows}) == 4 and len(rows) == len(SEED_IDS) * sum(map(len, KEY_ROUNDS.values()))
    # key3, which Binance recognised nowhere, is in the page's timeline with its answers, moving no trend
    timeline = {(row["endpoint_id"], row["key_name"]) for row in summary["timeline"]}
    assert {(endpoint, "key3") for endpoint in SEED_IDS} <= timeline
    assert "c2c-cell-gap" in html and "none: no answer that counts" in html


def test_each_run_adds_to_the_history_and_compares_with_the_previous_one(endpoint_suite: EndpointSuite) -> None:
    for phase, working in (("July 9 11:53", 1), ("July 9 12:14", 1)):
        result, reports = run_story(endpoint_suite, "--phase", phase, select="and key1"), endpoint_suite.reports
        result.assert_outcomes(
            passed=working,
            failed=len(SEED_IDS) - working,
            deselected=OFFLINE_TESTS + LIVE_TESTS * STORY_KEYS - len(SEED_IDS),
        )
    summary = endpoint_suite.summary()
    assert summary["changes"][0].startswith(
        "1 of the 2 endpoints both runs called now work (orderMatch/getUserOrderSummary), unchanged from 1 of 2 at "
    )
    assert len({row.run_id for row in load_rows(reports / "history.sqlite3")}) == 2


def test_parallel_workers_and_overlapping_runs_write_every_row_once(
    endpoint_suite: EndpointSuite, endpoint_process: EndpointProcess, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = tmp_path / "shared-history.sqlite3"
    terms = ("getUserOrderSummary", "ads/getReferencePrice", "releaseCoin")  # July 9: works, fails, mutating
    selected = [c for c in CATALOG.contracts if any(term.lower() in c.id.lower() for term in terms)]  # as -k matches
    options = ["-m", "live", "--emulator", "--scenario", "july-9", "-q", "-k", " or ".join(terms)]
    options += ["--history-db", str(history)]
    alone = subprocess.Popen(  # a run on its own, while a run with two pytest-xdist workers writes the same file
        endpoint_process.command(*options, "--report-dir", str(tmp_path / "alone")),
        cwd=tmp_path,
        env=endpoint_process.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    endpoint_process.cache_for_children(monkeypatch)  # the workers are started from this process
    parallel = endpoint_suite.run(*options, "-n", "2", "-p", "no:hypothesispytest")
    parallel.stdout.fnmatch_lines(["Network: * (summed over 2 pytest-xdist workers, *"])
    output = alone.communicate(timeout=300)[0].decode()
    rows = load_rows(history)
    assert len({row.run_id for row in rows}) == 2, output
    assert len(rows) == 2 * len(selected) and len({(r.run_id, r.endpoint_id) for r in rows}) == 2 * len(selected)
    folders = (endpoint_suite.reports, tmp_path / "alone")
    summaries = [json.loads((folder / "live-summary.json").read_text()) for folder in folders]
    outcomes = [{r["id"]: r["outcome"] for r in summary["results"]} for summary in summaries]
    assert outcomes[0] == outcomes[1] and set(outcomes[0]) == {c.id for c in selected}
    assert set(outcomes[0].values()) == {"pass", "fail", "skipped"}


def test_foreign_and_corrupt_files_are_refused_and_left_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE accounts (name TEXT)")
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"this is not a database" * 100)
    for path, expected in [(foreign, "an SQLite file of something else"), (corrupt, "not a readable history file")]:
        before = path.read_bytes()
        with pytest.raises(HistoryError, match=expected):
            validate_history(path)
        assert path.read_bytes() == before


def test_a_history_of_the_previous_schema_is_upgraded_in_place_with_nothing_lost(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    with sqlite3.connect(path) as connection:  # schema version 1, as this suite wrote it before run labels
        connection.executescript(
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, base_url TEXT NOT NULL, "
            "case_id TEXT);"
            "CREATE TABLE results (run_id TEXT NOT NULL REFERENCES runs(run_id), endpoint_id TEXT NOT NULL, "
            "key_fingerprint TEXT NOT NULL, outcome TEXT NOT NULL, http_status INTEGER, code TEXT, side TEXT NOT NULL, "
            "latency_ms REAL, PRIMARY KEY (run_id, endpoint_id, key_fingerprint));"
            f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;"
            "INSERT INTO runs VALUES ('old', '2025-07-06T10:00:00Z', 'u', NULL);"
            "INSERT INTO results VALUES ('old', 'e0', 'k', 'pass', 200, '000000', 'none', 1.0);"
        )
    new = stored_run("new", "2025-07-09T12:14:00Z", [stored("e0", "fail")], "July 9 12:14")
    store_runs(path, [replace(new, others=[OTHERS])])
    rows = load_rows(path)
    assert [(row.run_id, row.outcome, row.phase) for row in rows] == [
        ("old", "pass", None),
        ("new", "fail", "July 9 12:14"),
    ]
    assert load_others(path, ["old", "new"]) == {"new": [OTHERS]}
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_live_run_with_a_foreign_history_stops_before_sending_anything(endpoint_suite: EndpointSuite) -> None:
    endpoint_suite.reports.mkdir()
    (endpoint_suite.reports / "history.sqlite3").write_text("my notes, not a database " * 50)
    result = run_story(endpoint_suite)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: */history.sqlite3 is not a readable history file*left untouched"])


OTHERS = OthersSaw(endpoint="e", hour="2025-07-09T11:00Z", merchants=2, outcomes={"code -2008 BAD_API_ID": 2})


def test_the_history_report_draws_what_others_saw_as_a_lane_under_the_merchant_s_own(tmp_path: Path) -> None:
    """Issue 40: the runs that read other merchants' feeds (--compare-with) keep what they saw; the history report
    draws it under the endpoint's lane, each run's hour in its column. A run that read no feed says nothing of
    others: its cell is empty, and a history with no feed at all draws no such lane, and no legend for it."""
    path = tmp_path / "h.sqlite3"
    eleven = replace(OTHERS, outcomes={"code -2008 BAD_API_ID": 2})
    noon = replace(OTHERS, hour="2025-07-09T12:00Z", merchants=3, outcomes={"code -2008 BAD_API_ID": 1, "works": 2})
    store_runs(
        path,
        [
            replace(stored_run("a", "2025-07-09T11:53:00Z", [refused("e")]), others=[eleven]),
            stored_run("b", "2025-07-09T12:14:00Z", [refused("e")]),
            replace(stored_run("c", "2025-07-09T12:40:00Z", [stored("e", "pass")]), others=[noon]),
        ],
    )
    page = render_history([path], focus=["e"])
    assert lane_texts(page) == {"e": ["-2008", "-2008", "works"], "e · other merchants": ["-2008 2/2", "", "works 2/3"]}
    assert "code -2008 BAD_API_ID for 1 of 3; works for 2 of 3 other merchants, 12:00-13:00 UTC" in page
    assert "their status feeds" in page  # the legend says what the lane is
    steady = tmp_path / "steady.sqlite3"  # without --focus, an endpoint that never changed but failed beside others
    store_runs(
        steady, [replace(stored_run("a", "2025-07-09T11:53:00Z", [refused("e"), refused("f")]), others=[eleven])]
    )
    assert lane_texts(render_history([steady])) == {"e": ["-2008"], "e · other merchants": ["-2008 2/2"]}
    alone = tmp_path / "alone.sqlite3"
    store_runs(alone, [stored_run("a", "2025-07-09T11:53:00Z", [refused("e")])])
    page = render_history([alone], focus=["e"])
    assert list(lane_texts(page)) == ["e"] and "other merchants" not in page


def stored_run(run_id: str, started_at: str, records: list[EndpointRecord], label: str | None = None) -> StoredRun:
    """A run of key ``k`` against a target ``u`` as the history keeps it."""
    return StoredRun(run_id=run_id, started_at=started_at, base_url="u", case_id=None, records=records, phase=label)


def stored(endpoint: str, outcome: str) -> EndpointRecord:
    """A result of key ``k`` as the history stores it."""
    return EndpointRecord(
        id=endpoint,
        method="GET",
        path="/p",
        placement=Placement.QUERY,
        mutating=None,
        confidence="A",
        outcome=Outcome(outcome),
        side=Side.NONE,
        key_name="k",
        key_fingerprint="k",
        answer=Answer(sent=True, http_status=200, code="000000"),
    )


def test_since_previous_reads_up_down_and_first(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    for run_id, at, outcomes in [
        ("a", "2025-07-09T11:53:00Z", ["pass", "fail"]),
        ("b", "2025-07-09T12:14:00Z", ["pass", "pass"]),
    ]:
        store_runs(path, [stored_run(run_id, at, [stored(f"e{i}", o) for i, o in enumerate(outcomes)])])
    rows = load_rows(path)
    assert (
        since_previous(runs_by_key(rows)["k"], "b")
        == "2 of the 2 endpoints both runs called now work (e0, e1), up from 1 of 2 at 11:53"
    )
    assert (
        since_previous(runs_by_key(rows)["k"], "a")
        == "1 of 2 read-only endpoints called now work (e0; first run with this key)"
    )
    assert load_rows(path, since="2025-07-09T12:00:00Z", key_fingerprint="k")[0].run_id == "b"
    assert {row.run_id for row in load_rows(path, last_runs=1)} == {"b"}
    other = [stored("e7", "pass"), stored("e8", "fail")]  # endpoints the previous run did not ask
    store_runs(path, [stored_run("c", "2025-07-09T12:30:00Z", other)])
    assert since_previous(runs_by_key(load_rows(path))["k"], "c") == (
        "1 of 2 read-only endpoints called now work (none of them ran in this key's previous run at 12:14: "
        "not compared)"
    )


def test_history_report_renders_without_calling_anything(endpoint_suite: EndpointSuite, tmp_path: Path) -> None:
    run_story(endpoint_suite, "--repeat", "4")
    reports = endpoint_suite.reports
    key1 = json.loads((reports / "live-summary.json").read_text())["keys"][0]["fingerprint"]
    out = tmp_path / "history.html"
    arguments = ["--db", str(reports / "history.sqlite3"), "--since", "2020-01-01", "--key", key1, "--out", str(out)]
    assert history_report(arguments) == 0
    page = out.read_text()
    assert f"<td>Keys</td><td>key1 ({key1})</td>" in page and f">{len(KEY_ROUNDS['key1'])} runs, " in page
    assert (
        "key1: 1 of the 2 endpoints both runs called now work (orderMatch/getUserOrderSummary), unchanged from "
        "1 of 2 at July 9 12:14" in (page)
    )
    assert "<br>July 9 12:14</th>" in page  # each run's column names the story's phase
    # only answered rounds that recognised the key move a trend: getUserOrderSummary works, the credential -1102;
    # the case's other endpoints are shown with the answers they got, and no trend
    trends_shown = re.findall(r'<td class="c2c-trend">([^<]*)</td>', page)
    assert sorted(set(trends_shown)) == ["none: no answer that counts", "stable-fail", "stable-ok"]
    assert len([shown for shown in trends_shown if shown != "none: no answer that counts"]) == 2
    assert "stable-ok: 1, stable-fail: 1, fixed: 0, regressed: 0, intermittent: 0" in page


def test_the_history_calls_an_empty_200_so_never_a_200(tmp_path: Path) -> None:
    """getAds refused with -2008, then answered with the gateway's empty 200: its lane says "empty 200"."""
    path, out = tmp_path / "h.sqlite3", tmp_path / "history.html"
    failed = replace(stored("ads/getAds", "fail"), side=Side.UNDETERMINED)
    refused = replace(failed, answer=Answer(sent=True, http_status=400, code=-2008))
    empty = replace(failed, side=Side.CONTRACT, answer=Answer(sent=True, http_status=200, body=""))
    runs = [stored_run("a", "2025-07-09T11:53:00Z", [refused]), stored_run("b", "2025-07-09T12:14:00Z", [empty])]
    store_runs(path, runs)
    assert history_report(["--db", str(path), "--out", str(out)]) == 0
    page = out.read_text()
    assert "empty 200</text>" in page and ">200</text>" not in page


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [(["--since", "July 6"], "'July 6' is not a date"), (["--key", "none...none"], "has no run for key none...none")],
)
def test_history_report_bad_input_gets_one_line(
    tmp_path: Path, arguments: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    store_runs(tmp_path / "h.sqlite3", [stored_run("a", "2025-07-09T11:53:00Z", [stored("e", "pass")])])
    try:
        status = history_report(["--db", str(tmp_path / "h.sqlite3"), "--out", str(tmp_path / "out.html"), *arguments])
    except SystemExit as stopped:  # as argparse stops on a value it cannot read
        status = stopped.code
    assert status == 2 and expected in capsys.readouterr().err
    assert not (tmp_path / "out.html").exists()


def test_several_keys_from_a_keys_file_cover_key_times_endpoint(endpoint_suite: EndpointSuite, tmp_path: Path) -> None:
    scenarios = REPO / "p2p_conformance" / "emulator" / "scenarios"
    story = yaml.safe_load((scenarios / "seed-story.yaml").read_text())["keys"]
    keys_file = tmp_path / "keys.toml"
    keys_file.write_text(
        "".join(
            f'[{name}]\napi_key = "{key["api_key"]}"\nsecret = "{key["secret"]}"\n\n' for name, key in story.items()
        )
    )
    scenario = load_scenario("seed-story")
    scenario.set_phase("July 9 12:14")  # every key made by then
    with running_emulator(Emulator(scenario)) as url:
        result = endpoint_suite.run(
            "-m", "live", "--binance-url", url, "--keys-file", str(keys_file),
            "-k", f"test_live and {SEED_ENDPOINTS}",
        )  # fmt: skip
    selected = len(SEED_IDS) * STORY_KEYS
    working = 1 + 2 + 0  # key1's getUserOrderSummary; key2's and getAvailableAdsCategory; key3's empty 200 never
    result.assert_outcomes(
        passed=working, failed=selected - working, deselected=OFFLINE_TESTS + LIVE_TESTS * STORY_KEYS - selected
    )
    summary = endpoint_suite.summary()
    assert [k["name"] for k in summary["keys"]] == ["key1", "key2", "key3"]
    assert {(r["id"], r["key_name"]) for r in summary["results"]} >= {("ads/getAds", "key3"), ("ads/search", "key1")}
    html = (endpoint_suite.reports / "live-report.html").read_text()
    keys = re.search(r'<div id="c2c-keys">.*?</div>', html, flags=re.S)  # one small table, a row per key
    assert keys is not None and all(f"<td>{name}</td>" in keys.group() for name in ("key1", "key2", "key3"))
    assert 'id="c2c-matrix"' in html


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('[main]\napi_key = "abc"\n', "keys file .*\\[main\\]: .*neither BINANCE_API_SECRET"),
        ('[main]\nkey = "abc"\n', "keys file .*\\[main\\]: unknown field key"),
        ("not toml [", "keys file .*: cannot be read"),
        (
            '["<img src=x onerror=alert(1)>"]\n'
            f'api_key = "{vectors.BINANCE_API_KEY}"\nsecret = "{vectors.BINANCE_SECRET}"\n',
            "keys file .*: table '<img src=x onerror=alert\\(1\\)>': give a label of up to 60 letters, digits, dots",
        ),
        (
            f'[a]\napi_key = "{vectors.BINANCE_API_KEY}"\nsecret = "{vectors.BINANCE_SECRET}"\n'
            f'[b]\napi_key = "{vectors.BINANCE_API_KEY}"\nsecret = "{vectors.BINANCE_SECRET}"\n',
            "keys file .*: \\[a\\] and \\[b\\] have the same key fingerprint",
        ),
    ],
)
def test_bad_keys_file_stops_with_one_line(
    endpoint_suite: EndpointSuite, tmp_path: Path, content: str, expected: str
) -> None:
    keys_file = tmp_path / "keys.toml"
    keys_file.write_text(content)
    result = endpoint_suite.run("-m", "live", "--keys-file", str(keys_file))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert re.search(expected, result.stderr.str()), result.stderr.str()


def test_a_damaged_or_unusable_history_is_refused_in_one_line_before_anything_is_sent(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    store_runs(damaged, [stored_run(f"r{i}", f"2025-07-09T12:{i:02d}:00Z", [stored("e", "pass")]) for i in range(60)])
    data = bytearray(damaged.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    data[page:] = b"\xa5" * (len(data) - page)  # every page after the first: garbage under an intact header
    damaged.write_bytes(data)
    foreign = tmp_path / "foreign-empty.sqlite3"
    with sqlite3.connect(foreign) as connection:
        connection.execute("PRAGMA user_version = 7")  # someone else's empty database
    for path, expected in [
        (damaged, "is not a readable history file"),
        (foreign, "is an SQLite file of something else"),
        (tmp_path, "is a folder: give the history file's path"),
    ]:
        before = path.read_bytes() if path.is_file() else None
        with pytest.raises(HistoryError, match=expected):
            validate_history(path)
        assert before is None or path.read_bytes() == before


def test_a_history_another_run_is_writing_is_waited_for_then_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run holds the history's write lock: the run waits for it (the lock released while it waits: it goes
    on), and a lock that outlasts the wait is said as such, not as an unreadable file."""
    history = tmp_path / "history.sqlite3"
    store_runs(history, [stored_run("a", "2025-07-09T11:53:00Z", [stored("e", "pass")])])
    other = sqlite3.connect(history, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another run, mid-write
    monkeypatch.setattr(history_module, "BUSY_SECONDS", 0.05)
    with pytest.raises(HistoryError) as refused:
        validate_history(history)
    assert str(refused.value) == (
        f"{history} is being written by another run (it stayed locked for 0.05 s): run again once it has ended, or "
        "give another history file (pytest --history-db, p2p-history-report --db); it was left untouched"
    )
    monkeypatch.setattr(history_module, "BUSY_SECONDS", 600.0)  # a backstop: the lock ends long before
    failed: list[BaseException] = []

    def validate() -> None:
        try:
            validate_history(history)
        except BaseException as error:  # said by the test, not lost in the thread
            failed.append(error)

    waiting = threading.Thread(target=validate)
    with other:
        waiting.start()
        other.execute("COMMIT")  # the other run's write ends
    waiting.join(timeout=600)
    other.close()
    assert not waiting.is_alive() and failed == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ("UPDATE results SET code = CAST('x' AS BLOB)", "a result this suite did not write \\(code holds bytes\\)"),
        ("UPDATE runs SET label = printf('%.5000c', 'x')", "phase holds a text of 5,000 characters"),
        ("UPDATE results SET http_status = 'two hundred'", "http_status holds a text of 11 characters"),
        ("UPDATE runs SET started_at = 'not a date'", "started_at holds 'not a date', not a UTC time"),
        ("UPDATE others SET outcome = '<b>works</b>'", "not an hour and an outcome of a status feed"),
        ("UPDATE others SET hour = '2025-07-09T11:53Z'", "not an hour and an outcome of a status feed"),
        ("UPDATE others SET count = 3", "others holds 3 of 2 merchants"),
        ("UPDATE others SET merchants = 1000000000000, count = 1", "1 of 1,000,000,000,000 merchants"),
        ("UPDATE others SET merchants = 'two'", "merchants holds a text of 3 characters"),
        (
            "INSERT INTO others SELECT run_id, endpoint_id, hour, merchants + 1, 'works', 1 FROM others",
            "two counts of other merchants for one endpoint and hour",
        ),
    ],
)
def test_a_crafted_history_is_refused_in_one_line_by_its_report(tmp_path: Path, change: str, expected: str) -> None:
    crafted = tmp_path / "crafted.sqlite3"
    store_runs(crafted, [replace(stored_run("a", "2025-07-09T11:53:00Z", [stored("e", "pass")]), others=[OTHERS])])
    with sqlite3.connect(crafted) as connection:
        connection.execute(change)
    with pytest.raises(HistoryError, match=expected):
        render_history([crafted])


@pytest.mark.parametrize("columns", ["0", "-5", "many"])
def test_the_history_report_takes_a_number_of_columns_it_can_draw(
    columns: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "h.sqlite3"
    store_runs(path, [stored_run("a", "2025-07-09T11:53:00Z", [stored("e", "pass")])])
    with pytest.raises(SystemExit) as stopped:
        history_report(["--db", str(path), f"--columns={columns}"])
    assert stopped.value.code == 2
    assert f"--columns: {columns!r}: give a whole number of runs from 1 to 500" in capsys.readouterr().err
    assert not (tmp_path / "history.html").exists()


def test_the_history_file_is_the_owner_s_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store_runs(path, [stored_run("a", "2025-07-09T11:53:00Z", [stored("e", "pass")])])
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_history_report_reads_a_bounded_number_of_results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "many.sqlite3"
    keys = [replace(stored("e", "pass"), key_fingerprint=f"f{number}") for number in range(5)]
    store_runs(path, [stored_run("a", "2025-07-09T11:53:00Z", keys)])
    monkeypatch.setattr(history_module, "MAX_ROWS", 4)
    with pytest.raises(HistoryError, match="holds more than 4 results in the runs asked for: give --since, --key"):
        render_history([path])
    monkeypatch.setattr(history_module, "MAX_ROWS", 5)
    assert "f4" in render_history([path])


def test_a_run_is_stored_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    twice = [stored("e", "pass"), stored("e", "fail")]  # the same endpoint and key fingerprint twice
    with pytest.raises(HistoryError, match="the run was not stored, nothing of it was written"):
        store_runs(
            path,
            [
                stored_run("a", "2025-07-09T11:53:00Z", [stored("x", "pass")]),
                stored_run("b", "2025-07-09T11:54:00Z", twice),
            ],
        )
    assert load_rows(path) == []


def test_keys_file_named_in_the_environment_is_read(
    endpoint_suite: EndpointSuite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys_file = tmp_path / "keys.toml"
    keys_file.write_text("not toml [")
    monkeypatch.setenv("BINANCE_KEYS_FILE", str(keys_file))
    result = endpoint_suite.run("-m", "live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert f"keys file {keys_file}: cannot be read" in result.stderr.str()


def test_the_latest_runs_of_a_key_are_found_even_when_other_keys_ran_since(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    runs = [stored_run(f"k{i}", f"2025-07-09T10:{i:02d}:00Z", [stored("e", "pass")]) for i in range(3)]
    other = replace(stored("e", "fail"), key_fingerprint="other")
    runs += [stored_run(f"o{i}", f"2025-07-09T11:{i:02d}:00Z", [other]) for i in range(5)]
    store_runs(path, runs)
    assert [row.run_id for row in load_rows(path, key_fingerprint="k", last_runs=2)] == ["k1", "k2"]
    assert run_span(path, key_fingerprint="k") == (3, "2025-07-09T10:00:00Z", "2025-07-09T10:02:00Z")
    assert run_span(path, since="2025-07-09T11:03:00Z").runs == 2


def test_histories_from_two_origins_merge_into_one_report_that_shows_both(
    endpoint_suite: EndpointSuite, tmp_path: Path
) -> None:
    selection = "not agent and (getUserOrderSummary or ads/search)"  # July 9: works; -1022 from anywhere
    histories = {origin: tmp_path / f"{origin}.sqlite3" for origin in ("home-isp", "github-eu-west")}
    for origin, history in histories.items():
        endpoint_suite.run(
            "-m",
            "live",
            "--emulator",
            "--scenario",
            "july-9",
            "-k",
            selection,
            "--origin",
            origin,
            "--history-db",
            str(history),
        )
        assert endpoint_suite.summary()["origin"] == origin
        assert {row.origin for row in load_rows(history)} == {origin}
    page = render_history(list(histories.values()))
    assert "<br>from home-isp</th>" in page and "<br>from github-eu-west</th>" in page  # each run, in the timeline
    origins = re.search(r'<p id="c2c-origins">(.*?)</p>', page)
    assert origins is not None
    assert origins.group(1).startswith("2 origins: github-eu-west, home-isp. ")
    assert "failed in the latest run from every one of them: ads/search (" in origins.group(1)
    assert "orderMatch/getUserOrderSummary (" not in origins.group(1)
    merged = subprocess.run(
        [
            sys.executable,
            "-m",
            "p2p_conformance.report.history_report",
            "--db",
            str(histories["home-isp"]),
            "--db",
            str(histories["github-eu-west"]),
            "--out",
            str(tmp_path / "merged.html"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert merged.returncode == 0, merged.stderr
    assert (tmp_path / "merged.html").read_text() == page  # the command line gives the same report


def test_a_report_reads_a_history_as_it_is_never_upgrading_or_switching_it(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    with sqlite3.connect(path) as connection:  # schema version 1, in the default journal mode
        connection.executescript(
            "CREATE TABLE runs (run_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, base_url TEXT NOT NULL, "
            "case_id TEXT);"
            "CREATE TABLE results (run_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, key_fingerprint TEXT NOT NULL, "
            "outcome TEXT NOT NULL, http_status INTEGER, code TEXT, side TEXT NOT NULL, latency_ms REAL);"
            f"PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;"
            "INSERT INTO runs VALUES ('old', '2025-07-06T10:00:00Z', 'u', NULL);"
            "INSERT INTO results VALUES ('old', 'e0', 'k', 'pass', 200, '000000', 'none', 1.0);"
        )
    path.chmod(0o444)
    before = path.read_bytes()
    rows = load_rows(path)
    assert [(row.run_id, row.phase, row.recognised) for row in rows] == [("old", None, None)]
    assert "e0" in render_history([path])
    assert path.read_bytes() == before and not path.with_name("v1.sqlite3-wal").exists()


def refused(endpoint: str) -> EndpointRecord:
    """A call of key ``k`` refused with -2008, put on Binance's side."""
    return replace(stored(endpoint, "fail"), side=Side.BINANCE, answer=Answer(sent=True, http_status=401, code=-2008))


def no_answer(endpoint: str) -> EndpointRecord:
    """A call of key ``k`` that got no answer (a timeout): the network side."""
    return replace(stored(endpoint, "fail"), side=Side.NETWORK, answer=Answer(sent=True))


def test_no_answer_is_a_gap_and_a_run_binance_recognised_the_key_on_no_call_moves_no_trend(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    runs = [
        stored_run("a", "2025-07-09T11:53:00Z", [stored("e0", "pass"), stored("e1", "pass")], "July 9 11:53"),
        stored_run("b", "2025-07-09T12:14:00Z", [no_answer("e0"), stored("e1", "pass")], "July 9 12:14"),
        replace(
            stored_run("c", "2025-07-09T12:30:00Z", [stored("e0", "fail"), stored("e1", "fail")], "wrong secret"),
            recognised={"k": False},
        ),
        stored_run("d", "2025-07-09T13:03:00Z", [stored("e0", "pass"), stored("e1", "fail")], "July 9 13:03"),
    ]
    store_runs(path, runs)
    rows = load_rows(path)
    found = trends(series(rows))
    assert found[("e0", "k")] == "stable-ok"  # the timeout at 12:14 and the unrecognised run at 12:30 are gaps
    assert found[("e1", "k")] == "regressed"
    assert since_previous(runs_by_key(rows)["k"], "c").startswith("no Binance answer for this key at wrong secret (")
    # d is compared with b, the last run that reached Binance, over the endpoints both asked (e1 only)
    assert (
        since_previous(runs_by_key(rows)["k"], "d")
        == "0 of the 1 endpoints both runs called now work, down from 1 of 1 at July 9 12:14"
    )
    # the tables show every answer, those that count for no trend apart; a pair none of whose answers counts is
    # shown with its answers and no trend, never left out
    wrong_key = stored_run("e", "2025-07-09T13:30:00Z", [stored("e2", "fail")], "wrong key")
    store_runs(path, [replace(wrong_key, recognised={"k": False})])
    page = render_history([path], focus=["e0", "e2"])
    focus = page[page.index('id="c2c-focus"') : page.index("</section>", page.index('id="c2c-focus"'))]
    rows = [re.findall(r'<td(?: class="([\w-]+)")?[^>]*>([^<]*)</td>', row) for row in focus.split("<tr>")[2:]]
    assert rows == [
        [("", "e0"), ("", "k"), ("c2c-cell-ok", "works"), ("c2c-cell-gap", "no answer"), ("c2c-cell-gap", "HTTP 200"),
         ("c2c-cell-ok", "works"), ("", ""), ("c2c-trend", "stable-ok")],
        [("", "e2"), ("", "k"), ("", ""), ("", ""), ("", ""), ("", ""), ("c2c-cell-gap", "HTTP 200"),
         ("c2c-trend", "none: no answer that counts")],
    ]  # fmt: skip
    unfocused = render_history([path], focus=["e1"])  # e2 is in none of the trend's sections: in its own
    assert "<summary>No answer that counts in these runs (1): " in unfocused and ">e2</td>" in unfocused


def test_merging_emulator_and_real_runs_says_so_at_the_top_and_marks_each_run(tmp_path: Path) -> None:
    real, demo = tmp_path / "real.sqlite3", tmp_path / "demo.sqlite3"
    store_runs(real, [stored_run("real", "2025-07-09T12:14:00Z", [stored("e0", "pass")], "July 9 12:14")])
    store_runs(
        demo,
        [replace(stored_run("demo", "2025-07-09T13:03:00Z", [stored("e0", "fail")], "July 9 13:03"), emulator="x")],
    )
    page = render_history([real, demo])
    assert "1 of 2 runs went to the suite&#39;s local emulator, not Binance" in page
    assert "<li>emulator · July 9 13:03 · k · 0 of 1 work</li>" in page and "<li>July 9 12:14 · k · 1 of 1 work" in page


def test_without_db_the_newest_history_here_is_read_and_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert history_report([]) == 2
    said = "no history in reports, reports/emulator or reports/not-binance: run `pytest -m live`"
    assert said in capsys.readouterr().err
    for folder, at in (("reports", "2025-07-09T11:53:00Z"), ("reports/emulator", "2025-07-09T12:14:00Z")):
        store_runs(tmp_path / folder / "history.sqlite3", [stored_run(folder, at, [stored("e0", "pass")])])
    older = tmp_path / "reports" / "history.sqlite3"
    os.utime(older, (1, 1))  # the emulator's history was written last
    assert history_report(["--focus", "e0"]) == 0
    assert "reading reports/emulator/history.sqlite3" in capsys.readouterr().err
    assert (tmp_path / "reports" / "emulator" / "history.html").is_file()


def test_a_label_two_keys_shared_is_told_apart_in_the_history(tmp_path: Path) -> None:
    """The README's July 9 run and the seed story each call their first key key1: two keys, so two lanes and two
    story entries, each named with its fingerprint; a label only one key had stays as it is."""
    path = tmp_path / "h.sqlite3"
    for run_id, at, fingerprint in [
        ("a", "2025-07-09T11:53:00Z", "Aaaa...0001"),
        ("b", "2025-07-09T12:14:00Z", "Bbbb...0002"),
    ]:
        first = replace(stored("ads/getAds", "pass"), key_name="key1", key_fingerprint=fingerprint)
        other = replace(stored("ads/getAds", "fail"), key_name="key2", key_fingerprint="Cccc...0003", side=Side.BINANCE)
        store_runs(path, [replace(stored_run(run_id, at, [first, other]), focus=("ads/getAds",))])
    page = render_history([path], focus=("ads/getAds",))
    lines = re.search(r'<ul id="c2c-story-lines">(.*?)</ul>', page, flags=re.S)
    assert lines is not None
    assert "key1 (Aaaa...0001) · 1 of 1 work" in lines.group(1) and "key1 (Bbbb...0002) · 1 of 1 work" in lines.group(1)
    assert "key2 · 0 of 1 work" in lines.group(1)  # one key had that label: no fingerprint needed
    chart = re.search(r'<svg id="c2c-story-chart".*?</svg>', page, flags=re.S)
    assert chart is not None and chart.group().count('class="c2c-lane"') == 3  # a lane per key, never two in one
