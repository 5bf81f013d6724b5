"""Writing the report files: JSON for machines, Markdown for a ticket, timestamped copies of all.

Every file is checked before it is left on disk: the key and secret in use, or a signature,
found in it is replaced, and the run is told so (see :func:`guard_file`).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from p2p_conformance.model import Outcome, RunRecord
from p2p_conformance.report.summary import SIDE_WORDS, failures_by_side, run_json, verdict
from p2p_conformance.safety.redaction import find_leaks, redact_text

HTML_NAME = "live-report.html"
JSON_NAME = "live-summary.json"
MARKDOWN_NAME = "live-summary.md"
REPORT_NAMES = (HTML_NAME, JSON_NAME, MARKDOWN_NAME)


def markdown_summary(run: RunRecord) -> str:
    lines = [
        f"# Binance C2C conformance{f': case {run.case_id}' if run.case_id else ''}",
        "",
        f"- Run (UTC): {run.started_at}",
    ]
    for key in run.keys:
        lines += [
            f"- Target: {key.base_url}",
            f"- API key {key.name}: {key.fingerprint} ({key.key_type}), "
            f"clock offset to the server {key.clock_offset_ms:+d} ms",
        ]
    lines += [
        "",
        f"**{verdict(run)}**",
        "",
        *(f"- {change}" for change in run.changes),
        "",
        "## Control checks",
        "",
        "| Key | Check | Result | Evidence |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {key.name} | {check.name} | {'OK' if check.ok else 'FAILED'} | {check.evidence} |"
        for key in run.keys
        for check in key.controls
    ]
    for side, by_diagnosis in failures_by_side(run).items():
        lines += ["", f"## Failures {SIDE_WORDS[side]} ({sum(map(len, by_diagnosis.values()))})"]
        for diagnosis, records in by_diagnosis.items():
            lines += ["", f"**{diagnosis}** Next: {records[0].next_step}", ""]
            lines += [
                f"- {r.method} {r.path} (HTTP {r.http_status}, code {r.code}, trend {r.trend}"
                + (f", key {r.key_name})" if len(run.keys) > 1 else ")")
                for r in records
            ]
    working = [r for r in run.ran() if r.outcome == Outcome.PASS]
    lines += ["", f"## Working ({len(working)})", "", *(f"- {r.method} {r.path} (trend {r.trend})" for r in working)]
    not_run = {r.id for r in run.results if r.outcome == Outcome.SKIPPED}
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
    json_path.write_text(json.dumps(run_json(run), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
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
