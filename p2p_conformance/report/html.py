"""The support page (``live-report.html``) and the history report's sections.

The order is the support agent's: who, where, when; the verdict with its proof; the endpoints the
case is about; the failures grouped by conclusion; then the evidence in full, and everything long
folded (``<details>``). The markup is in Jinja2 templates (``templates/``) with autoescaping on:
every value reaches the page as text, never as markup, and nothing prints Python's ``None``. This
module only chooses what each section shows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from p2p_conformance.contracts.model import EMULATOR_HEADER
from p2p_conformance.model import (
    BINANCE_API_HOSTS,
    EndpointRecord,
    Outcome,
    RunRecord,
    Side,
    TargetKind,
    Trend,
    answer_text,
    clock_words,
)
from p2p_conformance.report.chart import story_chart
from p2p_conformance.report.history import Row
from p2p_conformance.report.status_feed import PAGE_HOURS, beside_failures, hour_span, others_by_round
from p2p_conformance.report.story import by_round, tells_a_story
from p2p_conformance.report.summary import (
    FACT_WORDS,
    SUPPORT_CHECKS,
    TIMELINE_COLUMNS,
    SupportReport,
    drifting,
    failures_by_conclusion,
    heading,
    plural,
    shown_answer,
)
from p2p_conformance.report.trends import Series, says_something
from p2p_conformance.report.view import ReportView
from p2p_conformance.safety.text import inert_for_pages

CSS_PATH = files("p2p_conformance.report") / "report.css"
STYLE = Markup(CSS_PATH.read_text(encoding="utf-8"))  # the suite's own stylesheet, in each page it makes
HTML_NAME = "live-report.html"  # the support page
PYTEST_HTML_NAME = "pytest-report.html"  # pytest-html's pass/fail page of the same run, beside the support page
RUN_PLAYER_NAME = "run.html"  # --bundle: the run's terminal, to play (report.cast)
NO_ORIGIN = "no --origin"  # the column of runs stored without one


def _shown(value: object) -> object:
    return inert_for_pages(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def _time(at: str | None) -> str:
    return at[11:19] if at else ""


def _utc(at: str) -> str:
    """``2025-07-09 12:14:03.120``: a time to the millisecond, as support looks calls up."""
    return at.replace("T", " ").removesuffix("Z")


def _endpoint(record: EndpointRecord) -> str:
    return f"{record.method} {record.id}"


def _second_opinion(record: EndpointRecord) -> str:
    opinion = record.answer.second_opinion
    if opinion is None:
        return ""
    if opinion.agrees is None:
        return opinion.summary
    return f"{opinion.summary}: {'the same answer' if opinion.agrees else 'a different answer'}"


def _socket(record: EndpointRecord) -> str:
    """A socket check's facts: where it was opened (secrets redacted), with which credential, how it ended and
    the frames' types and field names (never their content)."""
    socket = record.answer.socket
    if socket is None:
        return ""
    said = [socket.url]
    if socket.credential_at:
        said.append(f"the credential answered at {_utc(socket.credential_at)} (UTC)")
    said.append(str(socket.state))
    if socket.frames:
        types = ", ".join(socket.frame_types)
        said.append(f"{socket.frames} frame(s) of type {types}, fields {', '.join(socket.frame_fields)}")
    return "; ".join(said)


def _headers(headers: Mapping[str, str]) -> str:
    """``Date: ..., X-Amz-Cf-Id: ...``: an answer's headers as they came, on one line."""
    return ", ".join(f"{name}: {value}" for name, value in headers.items())


def _details(record: EndpointRecord) -> list[tuple[str, str]]:
    """The named facts of one endpoint's folded evidence, those with a value."""
    answer = record.answer
    sent = ""
    if answer.timestamp is not None:
        offset = f", the server-time offset of {answer.offset_ms:+d} ms applied" if answer.offset_ms is not None else ""
        sent = f"timestamp={answer.timestamp}{offset}"
    items = [
        ("Answer", f"{answer.text} at {_utc(answer.at)} (UTC)" if answer.at else answer.text),
        ("Sent with", sent),
        ("Answer headers", _headers(answer.trace_headers)),
        ("Diagnosis", record.diagnosis),
        ("The merchant's next step", record.next_step),
        ("Why", record.reasoning),
        ("Binance message", answer.msg or ""),
        ("Binance's own SDK code", _second_opinion(record)),
        ("WebSocket", _socket(record)),
        ("Notes", "; ".join(answer.notes)),
        ("Rate-limit headers", _headers(answer.rate_limit_headers)),
    ]
    return [(name, value) for name, value in items if value]


EMULATOR_MARKER = EMULATOR_HEADER.lower()
SHOWN_IDENTIFIERS = 8  # a group's calls whose identifiers stand beside it; the rest are in each answer's details


def identifiers(record: EndpointRecord) -> str:
    """What finds this call in Binance's logs: when its answer came, to the millisecond, and the identifiers the
    answer carried (Date, x-mbx-uuid, CloudFront's x-amz-cf-id...), verbatim; the emulator's own marker is said by
    the page's banner, not beside each call."""
    found = {name: value for name, value in record.answer.trace_headers.items() if name.lower() != EMULATOR_MARKER}
    return _headers(found) or "the answer carried none"


TEMPLATES = Environment(
    loader=PackageLoader("p2p_conformance.report", "templates"),
    autoescape=True,  # every template is HTML
    undefined=StrictUndefined,  # a misspelt name fails the render instead of showing nothing
    # every value a template prints is data: controls and bidirectional overrides become escapes (what the
    # suite assembled as Markup was escaped value by value, when it was rendered)
    finalize=lambda value: "" if value is None else _shown(value),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=False,
)
TEMPLATES.globals["details"] = _details
TEMPLATES.globals["identifiers"] = identifiers
TEMPLATES.globals["utc"] = _utc
TEMPLATES.globals["shown_identifiers"] = SHOWN_IDENTIFIERS


def render(template: str, **context: Any) -> str:
    """One template of ``templates/`` with ``context``, as HTML (autoescaped)."""
    return TEMPLATES.get_template(template).render(**context)


@dataclass(frozen=True)
class AnswerCell:
    """An answer cell: what it shows, whether the endpoint worked (its colour), and whether it counts (an answer
    that says nothing of the endpoint, :func:`~p2p_conformance.report.trends.says_something`, is shown apart)."""

    text: str
    works: bool
    counts: bool = True


@dataclass(frozen=True)
class AnswerRow:
    """One row of a table of answer cells: text cells first, then the answers, then the trend (if any)."""

    labels: tuple[str, ...]
    cells: tuple[AnswerCell | None, ...]
    trend: str | None = None


def _record_cell(record: EndpointRecord | None) -> AnswerCell | None:
    if record is None:
        return None
    return AnswerCell(shown_answer(record.outcome, record.answer.text), record.worked)


def _row_cell(row: Row | None) -> AnswerCell | None:
    if row is None:
        return None
    shown = shown_answer(row.outcome, answer_text(row.code or None, row.http_status, row.kind))
    return AnswerCell(shown, row.outcome is Outcome.PASS, says_something(row))


VERIFIABLE_WORDS = (
    "requests.jsonl in this run's bundle: each of the {sent} requests exactly as sent, with its real timestamp and "
    "signature, so Binance can recompute each signature with the key's secret and find each request in its logs "
    "to the millisecond. Safe to hand over: read-only calls, timestamps long outside any recvWindow (they cannot be "
    "sent again), signatures that reveal nothing of the secret."
)


def run_header(run: RunRecord) -> str:
    """What a support agent reads first: the case, the target (and whether it was Binance), when, which key."""
    several = len(run.keys) > 1
    rows: list[tuple[str, str]] = [("Case", run.case_id or "not given (--case-id)")]
    rows += [("Target", url) for url in dict.fromkeys(key.base_url for key in run.keys)]
    rows.append(("Run (UTC)", f"{_utc(run.started_at)}, by p2p-conformance {run.suite_version}"))
    if run.origin:
        rows.append(("From", f"{run.origin} (--origin)"))
    keys = [
        (key.name, f"{key.fingerprint} ({key.key_type})", key.shape, clock_words(key.clock_offset_ms))
        for key in run.keys
    ]
    if not several:  # one key: its facts are rows of the header
        for _, fingerprint, shape, offset in keys:
            rows += [("API key", fingerprint), *((("Key shape", shape),) if shape else ())]
            rows.append(("Clock", offset))
    if len(run.rounds) > 1 or run.phases:
        rounds = "; ".join(
            f"{number}: {at[11:19]}"
            + (f" ({run.phases[number]})" if number in run.phases else "")
            + (f", {clock_words(run.round_clocks[number])}" if number in run.round_clocks else "")
            for number, at in sorted(run.rounds.items())
        )
        rows.append(("Rounds", rounds))
    if run.verifiable:
        rows.append(("Requests as sent", VERIFIABLE_WORDS.format(sent=run.requests_sent)))
    key_header = ("Key", "API key", "Key shape", "Clock")
    return render(
        "run_header.html",
        emulator=run.emulator,
        not_binance=run.not_binance,
        binance_hosts=", ".join(sorted(BINANCE_API_HOSTS)),
        rows=rows,
        key_header=key_header,
        keys=keys if several else [],
    )


def story_section(view: ReportView) -> str:
    """A run of several rounds or keys: one line per round and key in the case file's form, then the chart."""
    run, lines = view.run, list(view.story)
    if not tells_a_story(run):
        return ""
    rounds = by_round(lines)
    told = {line.key for line in lines}
    keys = [key.name for key in run.keys if key.name in told]  # the run's order; a key's cell empty before it existed
    if len(keys) > 1:  # a column per key, side by side
        header: tuple[str, ...] = ("Round", *keys)
        rows = [
            (group[0].when, *(next((line.counts(3) for line in group if line.key == key), "") for key in keys))
            for group in rounds
        ]
    else:
        header = ("Round", "Key")
        rows = [(group[0].when, group[0].key_part(6)) for group in rounds]
    rows += [
        (f"round {number}", *(["did not run (the run was interrupted)"] * (len(header) - 1)))
        for number in run.rounds_not_run
    ]
    chart = story_chart(lines, view.focus, [key.name for key in run.keys], others_by_round(run))
    if chart is not None and run.rounds_not_run:
        chart = replace(chart, caption=f"{chart.caption} Rounds not shown did not run: the run was interrupted.")
    return render("story.html", header=header, rows=rows, chart=chart)


def verdict_section(view: ReportView) -> str:
    """The verdict, the proof behind it (with times), one line per side that failed, and the notes."""
    found = view.verdict
    return render("verdict.html", found=found, lines=[*found.conclusions, *found.findings], changes=view.run.changes)


def others_section(view: ReportView) -> str:
    """``--compare-with``: beside each failing call, what other merchants' feeds saw of it in the same hour."""
    rows = beside_failures(view.run, view.focus)
    if not rows:
        return ""
    header = ("Endpoint", "This run", "Other merchants, same hour")
    return render("others.html", feeds=plural(len(view.run.compared_with), "status feed"), header=header, rows=rows)


def focus_table(view: ReportView) -> str:
    """The endpoints the case is about (``--focus``), before everything else that is per endpoint."""
    run, focus = view.run, view.focus
    chosen = [r for r in run.last_round if r.id in focus]
    if not chosen:
        return ""
    several = len(run.keys) > 1
    rows = [
        (
            _endpoint(r),
            *((r.key_name,) if several else ()),
            shown_answer(r.outcome, r.answer.text),
            "" if r.worked else heading(r.side),
            _time(r.answer.at),
        )
        for r in sorted(chosen, key=lambda r: focus.index(r.id))
    ]
    header = ("Endpoint", *(("Key",) if several else ()), "Answer", "Where the fix lies", "Time (UTC)")
    return render("focus.html", header=header, rows=rows)


@dataclass(frozen=True, kw_only=True)
class ConclusionGroup:
    """One block of the failures section: the endpoints that failed for the same reason, on the same side."""

    side: Side
    heading: str
    count: str
    diagnosis: str
    support_check: str  # what support can check on Binance's side (the merchant's next step is in the details)
    reasons: list[str]
    names: str
    records: list[EndpointRecord]


def conclusions(run: RunRecord) -> str:
    """Failures grouped by conclusion: each group one block, its endpoints in one line, details folded."""
    several = len(run.keys) > 1
    groups = [
        ConclusionGroup(
            side=side,
            heading=heading(side),
            count=plural(len(records), "endpoint"),
            diagnosis=diagnosis,
            support_check=SUPPORT_CHECKS[side],
            reasons=list(dict.fromkeys(r.reasoning for r in records if r.reasoning)),
            names=", ".join(_endpoint(r) + (f" [{r.key_name}]" if several else "") for r in records),
            records=records,
        )
        for side, by_diagnosis in failures_by_conclusion(run).items()
        for diagnosis, records in by_diagnosis.items()
    ]
    return render("conclusions.html", groups=groups)


def drift_section(run: RunRecord) -> str:
    """Working answers that depart from the contract: what a contract update would change."""
    drifted = drifting(run)
    return render("drift.html", drifted=drifted) if drifted else ""


def working(run: RunRecord) -> str:
    """The endpoints that answered, and those a live run never calls."""
    answered = [r for r in run.ran() if r.worked]
    not_run = list(dict.fromkeys(_endpoint(r) for r in run.last_round if r.outcome is Outcome.SKIPPED))
    several = len(run.keys) > 1
    return render(
        "working.html",
        count=len(answered),
        names=", ".join(
            f"{_endpoint(r)}{f' [{r.key_name}]' if several else ''} ({_time(r.answer.at)})" for r in answered
        )
        or "none",
        not_run=not_run,
        not_run_count=plural(len(not_run), "mutating endpoint"),
    )


def evidence_table(run: RunRecord) -> str:
    """Every fact of the last round per key, holding or not, with its proof."""
    several = len(run.keys) > 1
    rows = [
        (*((key.name,) if several else ()), FACT_WORDS[fact.fact], "yes" if fact.holds else "no", fact.detail)
        for key in run.keys
        for fact in key.evidence
    ]
    header = (*(("Key",) if several else ()), "Fact", "Holds", "Proof")
    return render("evidence.html", header=header, rows=rows)


@dataclass(frozen=True)
class ControlRow:
    """One control check of one key, with the round it ran in."""

    key: str
    name: str
    ok: bool
    evidence: str
    when: str


def control_checks(run: RunRecord) -> str:
    """The checks run before the endpoints, per key, each labelled with the round (and time) it ran in: when the
    key was first opened, which in a story of rounds is not the last round the verdict speaks of."""
    rows = []
    for key in run.keys:
        first = min((r.round for r in run.results if r.key_name == key.name), default=1)
        started = run.rounds.get(first, run.started_at)
        phase = f" ({run.phases[first]})" if first in run.phases else ""
        for check in key.controls:
            when = f"round {first}{phase}, {_time(check.at or started)}"
            rows.append(ControlRow(key.name, check.name, check.ok, check.evidence, when))
    return render("controls.html", rows=rows, several=len(run.keys) > 1)


def key_matrix(run: RunRecord) -> str:
    """Every key against every endpoint of the last round (folded); empty with a single key."""
    if len(run.keys) < 2:
        return ""
    keys = [key.name for key in run.keys]
    answers = {(r.id, r.key_name): r for r in run.ran()}
    rows = [
        AnswerRow(labels=(endpoint,), cells=tuple(_record_cell(answers.get((endpoint, key))) for key in keys))
        for endpoint in dict.fromkeys(r.id for r in run.ran())
    ]
    header = [("Endpoint",), *((key,) for key in keys)]
    return render("matrix.html", key_count=len(keys), header=header, rows=rows)


NOT_COUNTED = "none: no answer that counts"  # the trend of a pair none of whose answers bears on its endpoint


def _trend(found: Trend | None, counted: bool = True) -> str:
    """A pair's trend as a table says it: ``counted`` False when none of its answers bears on its endpoint."""
    if found is not None:
        return found.value
    return "first run" if counted else NOT_COUNTED


def timeline_table(
    by_pair: Series,
    found: dict[tuple[str, str], Trend],
    pairs: Sequence[tuple[str, str]] | None = None,
    columns: int = TIMELINE_COLUMNS,
    key_labels: Mapping[str, str] | None = None,
) -> str:
    """Endpoint and key against the last ``columns`` runs, each cell the answer (``by_pair``: those that count, or
    every one that ran, those that do not count shown apart); ``found``: trend per pair; keys by their label
    (``key_labels``, by fingerprint) where known."""
    pairs = [pair for pair in (pairs or sorted(by_pair)) if pair in by_pair]
    started = {row.run_id: row.started_at for pair in pairs for row in by_pair[pair]}
    labels = {row.run_id: row.phase for pair in pairs for row in by_pair[pair] if row.phase}
    origins = {row.run_id: row.origin for pair in pairs for row in by_pair[pair] if row.origin}
    runs = sorted(started, key=lambda run_id: (started[run_id], run_id))[-columns:]
    named = key_labels or {}
    header = [
        ("Endpoint",),
        ("Key",),
        *(
            (
                started[run][:19].replace("T", " "),
                *((labels[run],) if run in labels else ()),
                *((f"from {origins[run]}",) if run in origins else ()),
            )
            for run in runs
        ),
        ("Trend",),
    ]
    rows = []
    for pair in pairs:
        cells = {row.run_id: row for row in by_pair[pair][-columns:]}
        answers = tuple(_row_cell(cells.get(run)) for run in runs)
        rows.append(
            AnswerRow(
                labels=(pair[0], named.get(pair[1], pair[1])),
                cells=answers,
                trend=_trend(found.get(pair), any(says_something(row) for row in by_pair[pair])),
            )
        )
    return render("answer_table.html", header=header, rows=rows)


def origin_table(by_pair: Series, key_labels: Mapping[str, str] | None = None) -> str:
    """Endpoint and key against each origin (``--origin``): the latest answer from each, and which pairs
    fail from every origin, so "it fails from every network" is read off runs, not asserted."""
    named = key_labels or {}
    latest = {
        (pair, row.origin or NO_ORIGIN): row for pair, rows in by_pair.items() for row in rows
    }  # rows are in time order: the last one from each origin stays
    origins = sorted({origin for _, origin in latest})
    everywhere = [
        pair
        for pair in sorted(by_pair)
        if all((pair, origin) in latest and latest[(pair, origin)].outcome != Outcome.PASS for origin in origins)
    ]
    rows = [
        AnswerRow(
            labels=(pair[0], named.get(pair[1], pair[1])),
            cells=tuple(_row_cell(latest.get((pair, origin))) for origin in origins),
        )
        for pair in sorted(by_pair)
    ]
    return render(
        "origins.html",
        origins_count=plural(len(origins), "origin"),
        origins=origins,
        everywhere_count=plural(len(everywhere), "endpoint and key pair"),
        everywhere=[f"{endpoint} ({named.get(key, key)})" for endpoint, key in everywhere],
        header=[("Endpoint",), ("Key",), *((origin,) for origin in origins)],
        rows=rows,
    )


def timeline(report: SupportReport) -> str:
    """The timeline of this run's read-only endpoints and keys, from the recent history (folded)."""
    run, by_pair = report.run, report.timeline
    found = {(r.id, r.key_fingerprint): r.trend for r in run.results if r.trend is not None}
    pairs = list(dict.fromkeys((r.id, r.key_fingerprint) for r in run.results if r.read_only))
    runs = len({row.run_id for pair in pairs for row in by_pair.get(pair, [])})
    return render(
        "timeline.html",
        runs=plural(min(runs, TIMELINE_COLUMNS), "run") if runs else "",
        table=Markup(timeline_table(by_pair, found, pairs)),
    )


def page_title(run: RunRecord) -> str:
    return f"Binance C2C conformance report{f' (case {run.case_id})' if run.case_id else ''}"


def support_page(view: ReportView) -> str:
    """``live-report.html``: one self-contained page, in the support agent's order, from the run's record alone."""
    run, report = view.run, view.report
    sections = [  # a story's first screen: the header, the verdict for the case, every round, the chart's start
        run_header(run),
        verdict_section(view),
        others_section(view),
        story_section(view),
        focus_table(view),
        conclusions(run),
        drift_section(run),
        working(run),
        evidence_table(run),
        control_checks(run),
        key_matrix(run),
        timeline(report),
        endpoint_table(run),
    ]
    return render(
        "live_report.html",
        title=page_title(run),
        style=STYLE,
        sections=[Markup(section) for section in sections],
        pytest_page=PYTEST_HTML_NAME,
        run_player=RUN_PLAYER_NAME if run.recorded else None,
    )


def endpoint_table(run: RunRecord) -> str:
    """Every result of the run, one line each (folded)."""
    rows = [
        (
            _endpoint(r),
            r.key_name,
            r.round,
            r.outcome,
            shown_answer(r.outcome, r.answer.text),
            r.side,
            _trend(r.trend) if r.outcome.ran else "",
            r.answer.latency_ms,
            _time(r.answer.at),
        )
        for r in run.results
    ]
    header = ("Endpoint", "Key", "Round", "Outcome", "Answer", "Side", "Trend", "Latency (ms)", "Time (UTC)")
    return render("endpoints.html", count=plural(len(rows), "result"), header=header, rows=rows)


def pytest_page_link(support_page: str) -> str:
    """The line at the top of pytest-html's page that leads to the support page."""
    return render("pytest_page_link.html", support_page=support_page).strip()


def results_table_cell(text: str, header: bool = False) -> str:
    """A cell for pytest-html's per-test table (its hooks take HTML): the answer column, or its header."""
    return render("results_cell.html", text=text, header=header).strip()


COMMUNITY_TARGETS = {
    TargetKind.BINANCE: "Binance's API",
    TargetKind.EMULATOR: "the local emulator, not Binance",
    TargetKind.NOT_BINANCE: "an address none of Binance's API hosts",
}


def community_page(document: Mapping[str, Any]) -> str:
    """The community page of an aggregate feed (``p2p-status aggregate``): its newest hours first, a table each."""
    hours = []
    for entry in reversed(document["hours"][-PAGE_HOURS:]):
        name = f"{entry['hour'][:10]} {hour_span(entry['hour'])}"
        rows = [
            (endpoint, str(cell["merchants"]), "; ".join(f"{o}: {n}" for o, n in cell["outcomes"].items()))
            if "merchants" in cell
            else (endpoint, f"fewer than {document['k']}", "too few to show")
            for endpoint, cell in sorted(entry["endpoints"].items())
        ]
        hours.append((name, rows))
    return render(
        "community.html",
        style=STYLE,
        feeds=plural(document["feeds"], "merchant feed"),
        target=COMMUNITY_TARGETS[TargetKind(document["target"])],
        k=document["k"],
        header=("Endpoint", "Merchants", "What they got"),
        hours=hours,
    )
