"""The report's HTML fragments, rendered straight from their templates: the cells a record gives, and
server text shown as text (autoescaping), without a nested pytest run."""

from __future__ import annotations

import html
import json
from dataclasses import replace
from html.parser import HTMLParser
from xml.etree import ElementTree

import jinja2
import pytest
from charts import lane_texts

from catalog_facts import CATALOG
from p2p_conformance.engine.conclusions import weigh
from p2p_conformance.engine.records import RecordContext, endpoint_record
from p2p_conformance.model import (
    Answer,
    ControlCheck,
    ControlKind,
    KeySummary,
    OthersSaw,
    Outcome,
    RunRecord,
    SecondOpinion,
    SocketAnswer,
    SocketState,
)
from p2p_conformance.report.files import run_json
from p2p_conformance.report.html import (
    TEMPLATES,
    conclusions,
    control_checks,
    endpoint_table,
    focus_table,
    key_matrix,
    results_table_cell,
    run_header,
    story_section,
)
from p2p_conformance.report.junit import junit_xml
from p2p_conformance.report.summary import SUPPORT_CHECKS, WORKS, SupportReport, read_summary, shown_answer, verdict
from p2p_conformance.report.view import ReportView
from p2p_conformance.signer import KeyType

AT = "2025-07-09T12:14:03.120Z"
MARKUP = "<img src=x onerror=\"document.title='pwned'\">"


class Cells(HTMLParser):
    """The text of every ``<td>`` (with its class) and ``<th>`` of a fragment, in order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.cells: list[tuple[str, str, str]] = []  # (tag, class, text)
        self._open: list[list[str]] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            self._open = [tag, dict(attrs).get("class") or "", ""]

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._open is not None:
            self.cells.append((self._open[0], self._open[1], self._open[2]))
            self._open = None

    def texts(self, tag: str = "td") -> list[str]:
        return [text for cell_tag, _, text in self.cells if cell_tag == tag]


def key(name: str) -> KeySummary:
    return KeySummary(
        name=name,
        fingerprint=f"{name}...0001",
        key_type=KeyType.HMAC,
        base_url="https://api.binance.com",
        clock_offset_ms=12,
        controls=(ControlCheck(kind=ControlKind.CLOCK, name="clock", ok=True, evidence=MARKUP),),
    )


def run_of(*answers: tuple[str, str, Answer, Outcome], keys: tuple[str, ...] = ("k",)) -> RunRecord:
    """A weighed run of ``(endpoint, key, answer, outcome)`` records."""
    records = [
        endpoint_record(
            CATALOG[endpoint],
            RecordContext(key_name, f"{key_name}...0001"),
            outcome=outcome,
            answer=answer,
            problem=None if outcome is Outcome.PASS else f"received {answer.text}",
        )
        for endpoint, key_name, answer, outcome in answers
    ]
    run = RunRecord(started_at=AT, case_id=None, focus=("ads/getAds", "ads/search"), keys=[key(k) for k in keys])
    run.results = records
    return weigh(run)


WORKED = Answer(sent=True, http_status=200, code="000000", latency_ms=40.0, at=AT)
REFUSED = Answer(
    sent=True,
    http_status=400,
    code=-2008,
    msg=MARKUP,
    latency_ms=41.0,
    at=AT,
    body=f'{{"code": -2008, "msg": "{MARKUP}"}}',
    second_opinion=SecondOpinion(summary=MARKUP, http_status=400, code=-2008, agrees=True),
)


def test_the_focus_table_shows_each_endpoint_s_answer_side_and_time() -> None:
    run = run_of(("ads/getAds", "k", WORKED, Outcome.PASS), ("ads/search", "k", REFUSED, Outcome.FAIL))
    cells = Cells(focus_table(ReportView.of(SupportReport(run=run))))
    assert cells.texts("th") == ["Endpoint", "Answer", "Where the fix lies", "Time (UTC)"]
    assert cells.texts() == [
        "GET ads/getAds",
        WORKS,
        "",
        "12:14:03",
        "POST ads/search",
        "-2008",
        "On Binance's side",
        "12:14:03",
    ]


def test_server_text_is_shown_as_text_in_every_fragment() -> None:
    run = run_of(("ads/getAds", "k", WORKED, Outcome.PASS), ("ads/search", "k", REFUSED, Outcome.FAIL))
    for fragment in (conclusions(run), control_checks(run)):
        assert "<img" not in fragment and "&lt;img src=x onerror=" in fragment
    details = Cells(conclusions(run)).texts()
    assert details[details.index("Binance message") + 1] == MARKUP  # the text, whole, as a cell's content
    assert f"{MARKUP}: the same answer" in details


def test_the_key_matrix_colours_each_key_s_answer() -> None:
    run = run_of(
        ("ads/getAds", "key1", WORKED, Outcome.PASS),
        ("ads/getAds", "key2", REFUSED, Outcome.FAIL),
        keys=("key1", "key2"),
    )
    cells = Cells(key_matrix(run)).cells
    assert cells == [
        ("th", "", "Endpoint"),
        ("th", "", "key1"),
        ("th", "", "key2"),
        ("td", "", "ads/getAds"),
        ("td", "c2c-cell-ok", WORKS),
        ("td", "c2c-cell-fail", "-2008"),
    ]
    assert key_matrix(run_of(("ads/getAds", "k", WORKED, Outcome.PASS))) == ""  # one key: no matrix


def test_a_skipped_endpoint_shows_no_answer_and_nothing_prints_none() -> None:
    skipped = endpoint_record(CATALOG["ads/post"], RecordContext("k", "k...0001"), outcome=Outcome.SKIPPED)
    run = run_of(("ads/getAds", "k", WORKED, Outcome.PASS))
    run.results.append(weigh(RunRecord(started_at=AT, case_id=None, results=[skipped])).results[0])
    table = endpoint_table(run)
    rows = Cells(table).texts()
    assert rows[-9:][3:5] == ["skipped", ""] and "None" not in table
    assert "None" not in run_header(RunRecord(started_at=AT, case_id=None))


@pytest.mark.parametrize(
    ("outcome", "text", "shown"),
    [(Outcome.PASS, "HTTP 200", WORKS), (Outcome.FAIL, "-2008", "-2008"), (Outcome.SKIPPED, "no answer", "")],
)
def test_one_rule_for_what_an_answer_cell_shows(outcome: Outcome, text: str, shown: str) -> None:
    assert shown_answer(outcome, text) == shown
    assert results_table_cell(shown) == f"<td>{shown}</td>"


def test_templates_escape_and_refuse_a_missing_value() -> None:
    assert TEMPLATES.autoescape is True
    assert results_table_cell(MARKUP) == "<td>&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt;</td>"
    with pytest.raises(jinja2.UndefinedError):
        TEMPLATES.get_template("focus.html").render()


def test_a_socket_s_evidence_names_its_address_credential_and_end_never_its_secrets() -> None:
    socket = CATALOG.sockets[0]
    state = SocketAnswer(
        state=SocketState.CLOSED,
        url="wss://chat.example.invalid/ws/REDACTED?token=REDACTED&clientType=web",
        credential_at=AT,
        close_code=4001,
        frames=1,
        frame_types=("text",),
        frame_fields=("content", "type"),
    )
    closed = Answer(sent=True, http_status=101, code="close 4001", msg="token expired", at=AT, socket=state)
    record = endpoint_record(
        socket.contract, RecordContext("k", "k...0001"), outcome=Outcome.FAIL, answer=closed, problem="closed"
    )
    run = RunRecord(started_at=AT, case_id=None, keys=[key("k")])
    run.results = [record]
    details = Cells(conclusions(weigh(run))).texts()
    shown_socket = details[details.index("WebSocket") + 1]
    assert shown_socket == (
        f"{state.url}; the credential answered at 2025-07-09 12:14:03.120 (UTC); closed; "
        "1 frame(s) of type text, fields content, type"
    )
    assert any(text.startswith("Binance refused the chat socket with a close with code 4001") for text in details)


def test_an_interrupted_run_says_so_in_its_verdict_its_story_and_its_json() -> None:
    """Ctrl-C after round 1 of 4: the verdict says it first, the story shows the rounds that did not run, and
    live-summary.json keeps it, so the page rendered again from the file says the same."""
    run = run_of(("ads/getAds", "k", WORKED, Outcome.PASS), ("ads/search", "k", REFUSED, Outcome.FAIL))
    run.rounds, run.rounds_planned, run.interrupted = {1: AT}, 4, True
    found = verdict(run)
    assert found.count.startswith("This run was interrupted before it ended: rounds 2 to 4 of 4 did not run. ")
    rows = Cells(story_section(ReportView.of(SupportReport(run=run)))).texts()
    assert rows[-6:] == [text for n in (2, 3, 4) for text in (f"round {n}", "did not run (the run was interrupted)")]
    again = read_summary(json.loads(json.dumps(run_json(ReportView.of(SupportReport(run=run)))))).run
    assert (again.interrupted, again.rounds_planned, again.rounds_not_run) == (True, 4, [2, 3, 4])
    finished = run_of(("ads/getAds", "k", WORKED, Outcome.PASS))
    assert "interrupted" not in verdict(finished).count


def test_the_story_chart_draws_what_other_merchants_saw_in_each_round_s_hour_and_nothing_where_no_feed_has_it() -> None:
    """--compare-with in a run of two rounds an hour apart: under the case's endpoint, a lane of what the feeds saw
    in each round's hour; an hour no feed has is an empty cell (never "0 others"); server text stays text."""
    run = run_of(("ads/search", "k", REFUSED, Outcome.FAIL))
    later = replace(run.results[0], round=2)
    run.results.append(later)
    run.rounds = {1: AT, 2: "2025-07-09T13:20:00.000Z"}
    run.others = (
        OthersSaw(endpoint="ads/search", hour="2025-07-09T12:00Z", merchants=2, outcomes={"code -2008 BAD_API_ID": 2}),
    )
    lanes = lane_texts(story_section(ReportView.of(SupportReport(run=run))))
    assert lanes["ads/search"] == ["-2008", "-2008"]
    assert lanes["ads/search · other merchants"] == ["-2008 2/2", ""]
    run.others = ()
    assert "other merchants" not in story_section(ReportView.of(SupportReport(run=run)))


def test_the_junit_file_has_a_case_per_result_and_parses_whatever_the_server_said() -> None:
    """A message with markup, a NUL, a right-to-left override and a character XML has no place for: the file
    parses, each text is inert, and the failure says the diagnosis, the side and the answer."""
    hostile = f"{MARKUP}\x00\u202e\ufffe"
    refused = Answer(sent=True, http_status=400, code=-2008, msg=hostile, latency_ms=12.0, at=AT)
    run = run_of(
        ("ads/getAds", "k", WORKED, Outcome.PASS),
        ("ads/search", "k", refused, Outcome.FAIL),
        ("ads/update", "k", Answer(), Outcome.SKIPPED),
    )
    run.results[1] = replace(run.results[1], reasoning=f"the server said {hostile}")  # as a record may quote it
    text = junit_xml(ReportView.of(SupportReport(run=run)))
    suite = ElementTree.fromstring(text.encode())
    cases = suite.findall("testcase")
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    assert [case.get("name") for case in cases] == ["ads/getAds", "ads/search", "ads/update"]
    failure, skipped = cases[1].find("failure"), cases[2].find("skipped")
    assert failure is not None and failure.get("type") == "binance"  # the key worked on ads/getAds
    assert failure.get("message", "").startswith("-2008 BAD_API_ID") and "Answer: -2008" in (failure.text or "")
    assert skipped is not None and skipped.get("message", "").startswith("Not run live: mutating")
    assert not [char for char in ("\x00", "\u202e", "\ufffe") if char in text]
    assert "the server said &lt;img" in text and "\\x00\\u202e\\ufffe" in text  # written out as escapes


def test_each_control_check_says_the_round_it_ran_in() -> None:
    """In a story of rounds the checks ran when the key was first opened, not in the last round the verdict
    speaks of: each row says which."""
    run = run_of(("ads/getAds", "k", WORKED, Outcome.PASS))
    run.rounds, run.phases = {1: AT}, {1: "July 6"}
    cells = Cells(control_checks(run))
    assert cells.texts("th")[-1] == "When (UTC)"
    assert f"round 1 (July 6), {AT[11:19]}" in cells.texts()


def test_a_failure_group_tells_support_what_to_check_and_keeps_the_merchant_s_step_in_the_details() -> None:
    """The page is support's: beside each group, what support can check on Binance's side (its identifiers,
    one row a call); the merchant's next step stays in each answer's folded details."""
    traced = replace(REFUSED, trace_headers={"X-Amz-Cf-Id": "cf-id-1", "Date": "Wed, 09 Jul 2025 12:14:03 GMT"})
    run = run_of(("ads/getAds", "k", WORKED, Outcome.PASS), ("ads/search", "k", traced, Outcome.FAIL))
    fragment = conclusions(run)
    (failed,) = [r for r in run.results if r.outcome is Outcome.FAIL]
    assert f"Support can check:</em> {SUPPORT_CHECKS[failed.side]}" in html.unescape(fragment)
    assert "Next:" not in fragment
    cells = Cells(fragment).texts()
    assert cells[cells.index("The merchant's next step") + 1] == failed.next_step
    assert "X-Amz-Cf-Id: cf-id-1, Date: Wed, 09 Jul 2025 12:14:03 GMT" in cells  # beside the call, verbatim
