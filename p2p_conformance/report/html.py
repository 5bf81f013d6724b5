"""HTML sections of the support report (placed by pytest-html's hooks) and of the history report.

The order is the support agent's: who, where, when; the verdict with its proof; the endpoints the
case is about; the failures grouped by conclusion; then the evidence in full, and everything long
folded (``<details>``). Every text is escaped; nothing prints Python's ``None``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from importlib.resources import files

from p2p_conformance.model import EndpointRecord, Outcome, RunRecord, Trend, answer_text
from p2p_conformance.report.history import Row
from p2p_conformance.report.summary import (
    drifting,
    failures_by_conclusion,
    heading,
    plural,
    verdict,
)
from p2p_conformance.report.trends import Series

CSS_PATH = files("p2p_conformance.report") / "report.css"
STYLE = f"<style>{CSS_PATH.read_text(encoding='utf-8')}</style>"  # for pages pytest-html does not make
TIMELINE_COLUMNS = 12


def _text(value: object) -> str:
    return "" if value is None else escape(str(value))


def _row(*cells: object, header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{_text(c)}</{tag}>" for c in cells) + "</tr>"


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], table_id: str = "") -> str:
    attribute = f' id="{table_id}"' if table_id else ""
    return f"<table{attribute}>{_row(*header, header=True)}{''.join(_row(*row) for row in rows)}</table>"


def _time(at: str | None) -> str:
    return at[11:19] if at else ""


def _endpoint(record: EndpointRecord) -> str:
    return f"{record.method} {record.id}"


def run_header(run: RunRecord) -> str:
    """What a support agent reads first: the case, the target (and whether it was Binance), when, which key."""
    several = len(run.keys) > 1
    rows: list[tuple[str, str]] = [("Case", run.case_id or "not given (--case-id)")]
    rows += [("Target", url) for url in dict.fromkeys(key.base_url for key in run.keys)]
    rows.append(("Run (UTC)", run.started_at.replace("T", " ").removesuffix("Z")))
    if run.origin:
        rows.append(("From", f"{run.origin} (--origin)"))
    rows += [
        (f"API key {key.name}" if several else "API key", f"{key.fingerprint} ({key.key_type})") for key in run.keys
    ]
    rows += [
        (
            f"Clock offset ({key.name})" if several else "Clock offset",
            f"{key.clock_offset_ms:+d} ms (server minus local)",
        )
        for key in run.keys
    ]
    if len(run.rounds) > 1 or run.phases:
        rows.append(
            (
                "Rounds",
                "; ".join(
                    f"{number}: {at[11:19]}" + (f" ({run.phases[number]})" if number in run.phases else "")
                    for number, at in sorted(run.rounds.items())
                ),
            )
        )
    banner = ""
    if run.emulator is not None:
        banner = (
            '<p id="c2c-banner"><strong>Local emulator, not Binance.</strong> This run went to the suite\'s '
            f"emulator on this machine ({escape(run.emulator)}): a demonstration of the report, not evidence "
            "about Binance.</p>"
        )
    return (
        f'<section id="c2c-header" class="c2c">{banner}'
        f'<table id="c2c-run">{"".join(_row(name, value) for name, value in rows)}</table></section>'
    )


def verdict_section(run: RunRecord) -> str:
    """The verdict, the proof behind it (with times), one line per side that failed, and the notes."""
    found = verdict(run)
    proof = "".join(f'<p class="c2c-proof"><em>Proof:</em> {escape(line)}</p>' for line in found.proof)
    conclusions = "".join(f"<li>{escape(line)}</li>" for line in (*found.conclusions, *found.second_opinions))
    notes = "".join(f'<p class="c2c-note"><em>Note:</em> {escape(note)}</p>' for note in found.notes)
    changes = "".join(f'<p class="c2c-change">{escape(change)}</p>' for change in run.changes)
    return (
        f'<section id="c2c-summary" class="c2c"><p id="c2c-verdict"><strong>{escape(found.count)} '
        f"{escape(found.headline)}</strong></p>{proof}"
        f'<ul id="c2c-conclusions-list">{conclusions}</ul>{notes}{changes}</section>'
    )


def focus_table(run: RunRecord) -> str:
    """The endpoints the case is about (``--focus``), before everything else that is per endpoint."""
    chosen = [r for r in run.last_round if r.id in run.focus]
    if not chosen:
        return ""
    several = len(run.keys) > 1
    rows = [
        (
            _endpoint(r),
            *((r.key_name,) if several else ()),
            "works" if r.outcome == Outcome.PASS else r.answer.text,
            "" if r.outcome == Outcome.PASS else heading(r.side),
            _time(r.answer.at),
        )
        for r in sorted(chosen, key=lambda r: run.focus.index(r.id))
    ]
    header = ("Endpoint", *(("Key",) if several else ()), "Answer", "Where the fix lies", "Time (UTC)")
    return f'<section id="c2c-focus" class="c2c"><h3>The endpoints of this case</h3>{_table(header, rows)}</section>'


def conclusions(run: RunRecord) -> str:
    """Failures grouped by conclusion: each group one block, its endpoints in one line, details folded."""
    groups = failures_by_conclusion(run)
    if not groups:
        return '<section id="c2c-conclusions" class="c2c"><h3>Failures</h3><p>None.</p></section>'
    several = len(run.keys) > 1
    parts = ['<section id="c2c-conclusions" class="c2c"><h3>Failures, by conclusion</h3>']
    for side, by_diagnosis in groups.items():
        for diagnosis, records in by_diagnosis.items():
            reasons = list(dict.fromkeys(r.reasoning for r in records if r.reasoning))
            names = ", ".join(_endpoint(r) + (f" [{r.key_name}]" if several else "") for r in records)
            parts.append(
                f'<div class="c2c-group side-{side.value}"><h4>{escape(heading(side))}: '
                f"{plural(len(records), 'endpoint')}</h4>"
                f"<p>{escape(diagnosis)} <em>Next:</em> {escape(records[0].next_step)}</p>"
                + "".join(f'<p class="c2c-reasoning">Why: {escape(reason)}</p>' for reason in reasons)
                + f'<p class="c2c-names">{escape(names)}</p>'
                f"<details><summary>Each answer: body, headers, curl</summary>"
                f"{''.join(endpoint_details(r) for r in records)}</details></div>"
            )
    return "".join(parts) + "</section>"


def drift_section(run: RunRecord) -> str:
    """Working answers that depart from the contract: what a contract update would change."""
    drifted = drifting(run)
    if not drifted:
        return ""
    items = "".join(f"<li>{escape(_endpoint(r))}: {escape('; '.join(r.answer.drift))}</li>" for r in drifted)
    return (
        '<section id="c2c-drift" class="c2c"><h3>Contract drift (the endpoints work; their answers changed)</h3>'
        f"<ul>{items}</ul></section>"
    )


def working(run: RunRecord) -> str:
    """The endpoints that answered, and those a live run never calls."""
    answered = [r for r in run.ran() if r.outcome == Outcome.PASS]
    names = ", ".join(f"{_endpoint(r)} ({_time(r.answer.at)})" for r in answered) or "none"
    not_run = list(dict.fromkeys(_endpoint(r) for r in run.last_round if r.outcome == Outcome.SKIPPED))
    skipped = ""
    if not_run:
        skipped = (
            f"<details><summary>{plural(len(not_run), 'mutating endpoint')} not run live (they could move money "
            "or change an ad, an order or the merchant's status; tested offline only)</summary>"
            f"<p>{escape(', '.join(not_run))}</p></details>"
        )
    return (
        f'<section id="c2c-working" class="c2c"><h3>Working ({len(answered)})</h3>'
        f"<p>{escape(names)}</p>{skipped}</section>"
    )


def evidence_table(run: RunRecord) -> str:
    """Every fact of the last round per key, holding or not, with its proof."""
    several = len(run.keys) > 1
    rows = [
        (*((key.name,) if several else ()), fact.fact, "yes" if fact.holds else "no", fact.detail)
        for key in run.keys
        for fact in key.evidence
    ]
    header = (*(("Key",) if several else ()), "Fact", "Holds", "Proof")
    return f'<section id="c2c-evidence" class="c2c"><h3>Evidence of this run</h3>{_table(header, rows)}</section>'


def control_checks(run: RunRecord) -> str:
    several = len(run.keys) > 1
    rows = "".join(
        "<tr>" + (f"<td>{escape(key.name)}</td>" if several else "") + f"<td>{escape(check.name)}</td>"
        f'<td class="c2c-{"ok" if check.ok else "failed"}">{"OK" if check.ok else "refused"}</td>'
        f"<td>{escape(check.evidence)}</td></tr>"
        for key in run.keys
        for check in key.controls
    )
    header = _row(*(("Key",) if several else ()), "Check", "Result", "Evidence", header=True)
    return (
        '<section id="c2c-controls" class="c2c"><h3>Control checks (run before the endpoints)</h3>'
        f"<table>{header}{rows}</table></section>"
    )


def key_matrix(run: RunRecord) -> str:
    """Every key against every endpoint of the last round (folded); empty with a single key."""
    if len(run.keys) < 2:
        return ""
    keys = [key.name for key in run.keys]
    answers = {(r.id, r.key_name): r for r in run.ran()}
    endpoints = list(dict.fromkeys(r.id for r in run.ran()))
    header = "<tr><th>Endpoint</th>" + "".join(f"<th>{escape(key)}</th>" for key in keys) + "</tr>"
    body = "".join(
        f"<tr><td>{escape(endpoint)}</td>"
        + "".join(_answer_cell(answers.get((endpoint, key))) for key in keys)
        + "</tr>"
        for endpoint in endpoints
    )
    return (
        f'<section id="c2c-matrix" class="c2c"><details><summary>Keys x endpoints ({len(keys)} keys)</summary>'
        f"<table>{header}{body}</table></details></section>"
    )


def _cell(working: bool, text: str) -> str:
    return f'<td class="c2c-cell-{"ok" if working else "fail"}">{escape(text)}</td>'


def _answer_cell(record: EndpointRecord | None) -> str:
    if record is None:
        return "<td></td>"
    working = record.outcome == Outcome.PASS
    return _cell(working, "ok" if working else record.answer.text)


def _row_cell(row: Row | None) -> str:
    if row is None:
        return "<td></td>"
    if row.outcome == Outcome.PASS:
        return _cell(True, "ok")
    return _cell(False, answer_text(row.code or None, row.http_status))


def _trend(found: Trend | None) -> str:
    return found.value if found is not None else "first run"


def timeline_table(
    by_pair: Series,
    found: dict[tuple[str, str], Trend],
    pairs: Sequence[tuple[str, str]] | None = None,
    columns: int = TIMELINE_COLUMNS,
) -> str:
    """Endpoint and key against the last ``columns`` runs, each cell the answer; ``found``: trend per pair."""
    pairs = [pair for pair in (pairs or sorted(by_pair)) if pair in by_pair]
    started = {row.run_id: row.started_at for pair in pairs for row in by_pair[pair]}
    labels = {row.run_id: row.label for pair in pairs for row in by_pair[pair] if row.label}
    origins = {row.run_id: row.origin for pair in pairs for row in by_pair[pair] if row.origin}
    runs = sorted(started, key=lambda run_id: (started[run_id], run_id))[-columns:]
    header = (
        "<tr><th>Endpoint</th><th>Key</th>"
        + "".join(
            f"<th>{escape(started[run][:19].replace('T', ' '))}"
            + (f"<br>{escape(labels[run])}" if run in labels else "")
            + (f"<br>from {escape(origins[run])}" if run in origins else "")
            + "</th>"
            for run in runs
        )
        + "<th>Trend</th></tr>"
    )
    body = []
    for pair in pairs:
        cells = {row.run_id: row for row in by_pair[pair][-columns:]}
        body.append(
            f"<tr><td>{escape(pair[0])}</td><td>{escape(pair[1])}</td>"
            + "".join(_row_cell(cells.get(run)) for run in runs)
            + f'<td class="c2c-trend">{_trend(found.get(pair))}</td></tr>'
        )
    return f'<table class="c2c-timeline">{header}{"".join(body)}</table>'


NO_ORIGIN = "no --origin"  # the column of runs stored without one


def origin_table(by_pair: Series) -> str:
    """Endpoint and key against each origin (``--origin``): the latest answer from each, and which pairs
    fail from every origin, so "it fails from every network" is read off runs, not asserted."""
    latest = {
        (pair, row.origin or NO_ORIGIN): row for pair, rows in by_pair.items() for row in rows
    }  # rows are in time order: the last one from each origin stays
    origins = sorted({origin for _, origin in latest})
    everywhere = [
        pair
        for pair in sorted(by_pair)
        if all((pair, origin) in latest and latest[(pair, origin)].outcome != Outcome.PASS for origin in origins)
    ]
    header = "<tr><th>Endpoint</th><th>Key</th>" + "".join(f"<th>{escape(o)}</th>" for o in origins) + "</tr>"
    body = "".join(
        f"<tr><td>{escape(pair[0])}</td><td>{escape(pair[1])}</td>"
        + "".join(_row_cell(latest.get((pair, origin))) for origin in origins)
        + "</tr>"
        for pair in sorted(by_pair)
    )
    return (
        f"<p id='c2c-origins'>{plural(len(origins), 'origin')}: {escape(', '.join(origins))}. "
        f"{plural(len(everywhere), 'endpoint and key pair')} failed in the latest run from every one of them"
        f"{': ' + escape(', '.join(f'{e} ({k})' for e, k in everywhere)) if everywhere else ''}.</p>"
        f'<table class="c2c-timeline">{header}{body}</table>'
    )


def timeline(by_pair: Series, found: dict[tuple[str, str], Trend], run: RunRecord) -> str:
    """The timeline of this run's read-only endpoints and keys, from the recent history (folded)."""
    pairs = list(dict.fromkeys((r.id, r.key_fingerprint) for r in run.results if r.read_only))
    runs = len({row.run_id for pair in pairs for row in by_pair.get(pair, [])})
    return (
        f'<section id="c2c-timeline" class="c2c"><details><summary>Timeline: the last '
        f"{plural(min(runs, TIMELINE_COLUMNS), 'run')} of the history, endpoint by endpoint</summary>"
        f"{timeline_table(by_pair, found, pairs)}</details></section>"
    )


def endpoint_table(run: RunRecord) -> str:
    """Every result of the run, one line each (folded)."""
    rows = [
        (
            _endpoint(r),
            r.key_name,
            r.round,
            r.outcome,
            "" if r.outcome == Outcome.SKIPPED else r.answer.text if r.outcome != Outcome.PASS else "ok",
            r.side,
            _trend(r.trend) if r.outcome.ran else "",
            r.answer.latency_ms,
            _time(r.answer.at),
        )
        for r in run.results
    ]
    header = ("Endpoint", "Key", "Round", "Outcome", "Answer", "Side", "Trend", "Latency (ms)", "Time (UTC)")
    return (
        f'<section id="c2c-endpoints" class="c2c"><details><summary>All {plural(len(rows), "result")} of this run'
        f"</summary>{_table(header, rows)}</details></section>"
    )


def _second_opinion(record: EndpointRecord) -> str:
    opinion = record.answer.second_opinion
    if opinion is None:
        return ""
    if opinion.agrees is None:
        return opinion.summary
    return f"{opinion.summary}: {'the same answer' if opinion.agrees else 'a different answer'}"


def endpoint_details(record: EndpointRecord) -> str:
    """One endpoint's evidence, folded: the diagnosis, Binance's message, headers, body and a curl reproduction."""
    items = [
        ("Answer", f"{record.answer.text} at {_time(record.answer.at)}" if record.answer.at else record.answer.text),
        ("Diagnosis", record.diagnosis),
        ("Next step", record.next_step),
        ("Why", record.reasoning),
        ("Binance message", record.answer.msg),
        ("Binance's own SDK code", _second_opinion(record)),
        ("Notes", "; ".join(record.answer.notes)),
        ("Rate-limit headers", ", ".join(f"{k}: {v}" for k, v in record.answer.rate_limit_headers.items())),
    ]
    rows = "".join(_row(name, value) for name, value in items if value)
    blocks = [
        ("Response body", record.answer.body),
        ("Reproduction (key, signature and timestamp are placeholders)", record.answer.reproduction),
    ]
    pre = "".join(f"<h5>{escape(title)}</h5><pre>{escape(text)}</pre>" for title, text in blocks if text)
    return (
        f'<details class="c2c-details"><summary>{escape(_endpoint(record))} [{escape(record.key_name)}]: '
        f"{escape(record.answer.text)}</summary><table>{rows}</table>{pre}</details>"
    )
