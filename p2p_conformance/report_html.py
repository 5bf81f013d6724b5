"""HTML fragments of the support report, added through pytest-html's own hooks."""

from __future__ import annotations

from html import escape

from p2p_conformance.records import SIDE_WORDS, EndpointRecord, RunRecord

STYLE = (
    "<style>#c2c-verdict{font-size:1.2em} #c2c-header table td,#c2c-controls td,#c2c-endpoints td{padding:2px 8px}"
    " .c2c-ok{color:#080} .c2c-failed{color:#b00}</style>"
)


def heading(side: str) -> str:
    words = SIDE_WORDS[side]
    return words[0].upper() + words[1:]


def _row(*cells: object, header: bool = False) -> str:
    tag = "th" if header else "td"
    return "<tr>" + "".join(f"<{tag}>{escape('' if c is None else str(c))}</{tag}>" for c in cells) + "</tr>"


def run_header(run: RunRecord) -> str:
    """What a support agent reads first: who, where, when, and the verdict."""
    offset = "not measured" if run.clock_offset_ms is None else f"{run.clock_offset_ms:+d} ms (server minus local)"
    rows = [
        ("Run (UTC)", run.started_at),
        ("Target", run.base_url),
        ("API key", f"{run.key_fingerprint} ({run.key_type})"),
        ("Case", run.case_id or "not given (--case-id)"),
        ("Clock offset", offset),
    ]
    return (
        f'{STYLE}<section id="c2c-header">'
        f'<p id="c2c-verdict"><strong>{escape(run.verdict())}</strong></p>'
        f'<table id="c2c-run">{"".join(_row(*row) for row in rows)}</table>'
        "</section>"
    )


def control_checks(run: RunRecord) -> str:
    rows = "".join(
        f'<tr><td>{escape(c.name)}</td><td class="c2c-{"ok" if c.ok else "failed"}">{"OK" if c.ok else "FAILED"}</td>'
        f"<td>{escape(c.evidence)}</td></tr>"
        for c in run.controls
    )
    return (
        '<section id="c2c-controls"><h3>Control checks (run before the endpoints)</h3>'
        f"<table>{_row('Check', 'Result', 'Evidence', header=True)}{rows}</table></section>"
    )


def failures_by_side(run: RunRecord) -> str:
    groups = run.failures_by_side()
    if not groups:
        return '<section id="c2c-failures"><h3>Failures</h3><p>None.</p></section>'
    parts = ['<section id="c2c-failures"><h3>Failures, by where the fix lies</h3>']
    for side, by_diagnosis in groups.items():
        count = sum(map(len, by_diagnosis.values()))
        parts.append(f'<h4 class="side-{side}">{escape(heading(side))} ({count})</h4>')
        for diagnosis, records in by_diagnosis.items():
            parts.append(f"<p><strong>{escape(diagnosis)}</strong> Next: {escape(records[0].next_step)}</p><ul>")
            parts += [
                f"<li>{escape(f'{r.method} {r.path}')} (HTTP {r.http_status}, code {escape(str(r.code))})</li>"
                for r in records
            ]
            parts.append("</ul>")
    return "".join(parts) + "</section>"


def endpoint_table(run: RunRecord) -> str:
    header = _row("Endpoint", "Confidence", "Outcome", "HTTP", "Code", "Side", "Latency (ms)", header=True)
    rows = "".join(
        _row(f"{r.method} {r.path}", r.confidence, r.outcome, r.http_status, r.code, r.side, r.latency_ms)
        for r in run.results
    )
    return f'<section id="c2c-endpoints"><h3>Endpoints</h3><table>{header}{rows}</table></section>'


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
