"""Writing the report files: JSON for machines, Markdown for a ticket, timestamped copies of all.

Every file is checked before it is left on disk: the key and secret in use, or a signature,
found in it is replaced, and the run is told so (see :func:`guard_file`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from p2p_conformance.records import SIDE_WORDS, RunRecord
from p2p_conformance.redaction import find_leaks, redact_text

HTML_NAME = "live-report.html"
JSON_NAME = "live-summary.json"
MARKDOWN_NAME = "live-summary.md"


def markdown_summary(run: RunRecord) -> str:
    lines = [
        f"# Binance C2C conformance{f': case {run.case_id}' if run.case_id else ''}",
        "",
        f"- Run (UTC): {run.started_at}",
    ]
    for s in run.sessions:
        lines += [
            f"- Target: {s.base_url}",
            f"- API key {s.name}: {s.fingerprint} ({s.key_type}), clock offset to the server {s.clock_offset_ms:+d} ms",
        ]
    lines += [
        "",
        f"**{run.verdict()}**",
        "",
        *(f"- {change}" for change in run.changes),
        "",
        "## Control checks",
        "",
        "| Key | Check | Result | Evidence |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {s.name} | {c.name} | {'OK' if c.ok else 'FAILED'} | {c.evidence} |"
        for s in run.sessions
        for c in s.controls
    ]
    for side, by_diagnosis in run.failures_by_side().items():
        lines += ["", f"## Failures {SIDE_WORDS[side]} ({sum(map(len, by_diagnosis.values()))})"]
        for diagnosis, records in by_diagnosis.items():
            lines += ["", f"**{diagnosis}** Next: {records[0].next_step}", ""]
            lines += [
                f"- {r.method} {r.path} (HTTP {r.http_status}, code {r.code}, trend {r.trend}"
                + (f", key {r.key_name})" if len(run.sessions) > 1 else ")")
                for r in records
            ]
    working = [r for r in run.ran() if r.outcome == "pass"]
    lines += ["", f"## Working ({len(working)})", "", *(f"- {r.method} {r.path} (trend {r.trend})" for r in working)]
    not_run = {r.id for r in run.results if r.outcome == "skipped"}
    if not_run:
        lines += ["", f"Not run live: {len(not_run)} mutating endpoints (contract-tested offline only)."]
    return "\n".join(lines) + "\n"


def guard_file(path: Path, secrets: tuple[str, ...]) -> list[str]:
    """Replace anything secret left in ``path``; returns what was found (empty when clean)."""
    text = path.read_text(encoding="utf-8")
    leaks = find_leaks(text, secrets, key_like=False)
    if leaks:
        path.write_text(redact_text(text, secrets), encoding="utf-8")
    return leaks


def write_summaries(run: RunRecord, report_dir: Path) -> list[Path]:
    report_dir.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = report_dir / JSON_NAME, report_dir / MARKDOWN_NAME
    json_path.write_text(json.dumps(run.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    markdown_path.write_text(markdown_summary(run), encoding="utf-8")
    return [json_path, markdown_path]


def keep_timestamped_copies(paths: list[Path], started_at: str) -> list[Path]:
    """``live-report.html`` is also kept as ``live-report-20261124T061035Z.html``, and so on."""
    stamp = re.sub(r"[^0-9TZ]", "", started_at)
    copies = []
    for path in paths:
        if path.exists():
            copy = path.with_name(f"{path.stem}-{stamp}{path.suffix}")
            shutil.copyfile(path, copy)
            copies.append(copy)
    return copies
