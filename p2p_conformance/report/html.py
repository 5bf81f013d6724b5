"""HTML fragments of the support report (added through pytest-html's hooks) and of the history report."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from p2p_conformance.model import EndpointRecord, Outcome, RunRecord, Trend
from p2p_conformance.report.history import Row
from p2p_conformance.report.summary import failures_by_side as grouped_failures
from p2p_conformance.report.summary import heading, verdict
from p2p_conformance.report.trends import Series

STYLE = (
    "<style>#c2c-verdict{font-size:1.2em} .c2c table td,.c2c table th{padding:2px 8px;text-align:left}"
    " .c2c-ok{color:#080} .c2c-failed{color:#b00} .c2c-cell-ok{background:#dfd} .c2c-cell-fail{background:#fdd}"
    "</style>"
)
TIMELINE_COLUMNS = 12


def _row(*cells: object, header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{escape('' if c is None else str(c))}</{tag}>" for c in cells) + "</tr>"


def run_header(run: RunRecord) -> str:
    """What a support agent reads first: who, where, when, the verdict and what changed."""
    rows = [("Run (UTC)", run.started_at)]
    several = len(run.keys) > 1
    rows += [("Target", url) for url in dict.fromkeys(key.base_url for key in run.keys)]
    rows += [
        (f"API key {key.name}" if several else "API key", f"{key.fingerprint} ({key.key_type})") for key in run.keys
    ]
    rows.append(("Case", run.case_id or "not given (--case-id)"))
    rows += [
        (
            f"Clock offset ({key.name})" if several else "Clock offset",
            f"{key.clock_offset_ms:+d} ms (server minus local)",
        )
        for key in run.keys
    ]
    if len(run.rounds) > 1:
        rows.append(("Rounds", ", ".join(f"{n}: {at}" for n, at in sorted(run.rounds.items()))))
    changes = "".join(f'<br><span class="c2c-change">{escape(change)}</span>' for change in run.changes)
    return (
        f'{STYLE}<section id="c2c-header" class="c2c">'
        f'<p id="c2c-verdict"><strong>{escape(verdict(run))}</strong>{changes}</p>'
        f'<table id="c2c-run">{"".join(_row(*row) for row in rows)}</table>'
        "</section>"
    )


def control_checks(run: RunRecord) -> str:
    rows = "".join(
        f"<tr><td>{escape(key.name)}</td><td>{escape(check.name)}</td>"
        f'<td class="c2c-{"ok" if check.ok else "failed"}">{"OK" if check.ok else "FAILED"}</td>'
        f"<td>{escape(check.evidence)}</td></tr>"
        for key in run.keys
        for check in key.controls
    )
    return (
        '<section id="c2c-controls" class="c2c"><h3>Control checks (run before the endpoints)</h3>'
        f"<table>{_row('Key', 'Check', 'Result', 'Evidence', header=True)}{rows}</table></section>"
    )


def failures_by_side(run: RunRecord) -> str:
    groups = grouped_failures(run)
    if not groups:
        return '<section id="c2c-failures" class="c2c"><h3>Failures</h3><p>None.</p></section>'
    parts = ['<section id="c2c-failures" class="c2c"><h3>Failures, by where the fix lies</h3>']
    for side, by_diagnosis in groups.items():
        count = sum(map(len, by_diagnosis.values()))
        parts.append(f'<h4 class="side-{side}">{escape(heading(side))} ({count})</h4>')
        for diagnosis, records in by_diagnosis.items():
            parts.append(f"<p><strong>{escape(diagnosis)}</strong> Next: {escape(records[0].next_step)}</p><ul>")
            parts += [
                f"<li>{escape(f'{r.method} {r.path}')} (HTTP {r.http_status}, code {escape(str(r.code))}"
                f"{escape(f', key {r.key_name}') if len(run.keys) > 1 else ''})</li>"
                for r in records
            ]
            parts.append("</ul>")
    return "".join(parts) + "</section>"


def key_matrix(run: RunRecord) -> str:
    """Every key against every endpoint of the last round; empty with a single key."""
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
    return f'<section id="c2c-matrix" class="c2c"><h3>Keys x endpoints</h3><table>{header}{body}</table></section>'


def _answer_cell(record: EndpointRecord | None) -> str:
    if record is None:
        return "<td></td>"
    working = record.outcome == Outcome.PASS
    text = "ok" if working else record.code if record.code is not None else record.http_status or record.outcome
    return f'<td class="c2c-cell-{"ok" if working else "fail"}">{escape(str(text))}</td>'


def _cell(row: Row | None) -> str:
    if row is None:
        return "<td></td>"
    working = row.outcome == Outcome.PASS
    text = "ok" if working else row.code or row.outcome
    return f'<td class="c2c-cell-{"ok" if working else "fail"}">{escape(str(text))}</td>'


def timeline_table(
    by_pair: Series,
    found: dict[tuple[str, str], Trend],
    pairs: Sequence[tuple[str, str]] | None = None,
    columns: int = TIMELINE_COLUMNS,
) -> str:
    """Endpoint and key against the last ``columns`` runs, each cell the answer; ``found``: trend per pair."""
    pairs = [pair for pair in (pairs or sorted(by_pair)) if pair in by_pair]
    started = {row.run_id: row.started_at for pair in pairs for row in by_pair[pair]}
    runs = sorted(started, key=lambda run_id: (started[run_id], run_id))[-columns:]
    header = (
        "<tr><th>Endpoint</th><th>Key</th>"
        + "".join(f"<th>{escape(started[run][:19].replace('T', ' '))}</th>" for run in runs)
        + "<th>Trend</th></tr>"
    )
    body = []
    for pair in pairs:
        cells = {row.run_id: row for row in by_pair[pair][-columns:]}
        body.append(
            f"<tr><td>{escape(pair[0])}</td><td>{escape(pair[1])}</td>"
            + "".join(_cell(cells.get(run)) for run in runs)
            + f'<td class="c2c-trend">{found[pair]}</td></tr>'
        )
    return f'<table class="c2c-timeline">{header}{"".join(body)}</table>'


def timeline(by_pair: Series, found: dict[tuple[str, str], Trend], run: RunRecord) -> str:
    """The timeline of this run's read-only endpoints and keys, from the recent history."""
    pairs = list(dict.fromkeys((r.id, r.key_fingerprint) for r in run.results if r.read_only))
    return (
        f'<section id="c2c-timeline" class="c2c"><h3>Timeline (last {TIMELINE_COLUMNS} runs of the history)</h3>'
        f"{timeline_table(by_pair, found, pairs)}</section>"
    )


def endpoint_table(run: RunRecord) -> str:
    header = _row(
        "Endpoint",
        "Key",
        "Round",
        "Confidence",
        "Outcome",
        "HTTP",
        "Code",
        "Side",
        "Trend",
        "Latency (ms)",
        header=True,
    )
    rows = "".join(
        _row(
            f"{r.method} {r.path}",
            r.key_name,
            r.round,
            r.confidence,
            r.outcome,
            r.http_status,
            r.code,
            r.side,
            r.trend,
            r.latency_ms,
        )
        for r in run.results
    )
    return f'<section id="c2c-endpoints" class="c2c"><h3>Endpoints</h3><table>{header}{rows}</table></section>'


def endpoint_details(record: EndpointRecord) -> str:
    """The details shown under a test's row: diagnosis, next step, evidence and reproduction."""
    items = [
        ("Diagnosis", record.diagnosis),
        ("Next step", record.next_step),
        ("Binance message", record.msg),
        ("Notes", "; ".join(record.notes)),
        ("Rate-limit headers", ", ".join(f"{k}: {v}" for k, v in record.rate_limit_headers.items())),
    ]
    rows = "".join(_row(name, value) for name, value in items if value)
    blocks = [
        ("Response body", record.body),
        ("Reproduction (key, signature and timestamp are placeholders)", record.reproduction),
    ]
    pre = "".join(f"<h4>{escape(title)}</h4><pre>{escape(text)}</pre>" for title, text in blocks if text)
    return f'<div class="c2c-details"><table>{rows}</table>{pre}</div>'
