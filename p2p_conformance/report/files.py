"""Writing the report files: JSON for machines, then, from that JSON alone, the support page, the Markdown for a
ticket and the Postman collection; timestamped copies of all.

Every file is checked before it is left on disk: the key and secret in use, or a signature,
found in it is replaced, and the run is told so (see :func:`guard_file`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from p2p_conformance.model import EndpointRecord, RunRecord
from p2p_conformance.report import postman
from p2p_conformance.report.html import PYTEST_HTML_NAME, support_page
from p2p_conformance.report.story import round_sentences, run_story, shown_focus, tells_a_story
from p2p_conformance.report.summary import SupportReport, read_summary, run_json, shown_answer, verdict
from p2p_conformance.safety.redaction import find_leaks, redact_data, redact_text
from p2p_conformance.safety.text import one_line
from p2p_conformance.safety.writing import replace_file

HTML_NAME = "live-report.html"
JSON_NAME = "live-summary.json"
MARKDOWN_NAME = "live-summary.md"
POSTMAN_NAME = "live-postman.json"
POSTMAN_ENVIRONMENT_NAME = "live-postman-environment.json"
REPORT_NAMES = (HTML_NAME, JSON_NAME, MARKDOWN_NAME, POSTMAN_NAME, POSTMAN_ENVIRONMENT_NAME)  # the suite's files
WRITTEN_NAMES = (*REPORT_NAMES, PYTEST_HTML_NAME)  # and pytest-html's page: every file a live run leaves
EMULATOR_REPORTS = "emulator"  # the folder of reports/ where emulator runs keep their reports and history, apart


MARKDOWN_LINES = 25
MARKDOWN_FOCUS_ROWS = 8
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def json_text(document: object) -> str:
    """A report file's JSON: indented, non-ASCII kept as written, one final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def file_stamp(started_at: str) -> str:
    """``2026-11-24T06:10:35.123Z`` as ``20261124T061035123Z``: a run's time in file names."""
    return re.sub(r"[^0-9TZ]", "", started_at)


def md(text: object) -> str:
    """Text as literal Markdown on one line: a server's answer cannot add markup, links, table cells or lines (a
    lone CR ends a line in CommonMark), nor turn text around."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", one_line(str(text)))


def _focus_rows(run: RunRecord, room: int) -> list[str]:
    """The focus table of the last round in at most ``room`` lines (none when fewer than four fit)."""
    chosen = [endpoint for endpoint in shown_focus(run) if any(r.id == endpoint for r in run.last_round)]
    if not chosen or not run.keys or room < 4:  # no key opened: no column to show (a header over nothing)
        return []
    keys = [key.name for key in run.keys]
    answers = {(r.id, r.key_name): r for r in run.last_round}

    def cell(endpoint: str, key: str) -> str:
        record = answers.get((endpoint, key))
        if record is None:
            return ""
        shown = md(shown_answer(record.outcome, record.answer.text))
        return shown if record.worked else f"{shown}, {md(record.side)}"

    rows = [f"| {md(endpoint)} | " + " | ".join(cell(endpoint, key) for key in keys) + " |" for endpoint in chosen]
    fit = min(MARKDOWN_FOCUS_ROWS, room - 3)
    more = len(rows) - fit
    shown = [*rows[: fit - 1], f"| and {more + 1} more in the report |" + " |" * len(keys)] if more > 0 else rows
    return ["", f"| Endpoint | {' | '.join(md(key) for key in keys)} |", "|---|" + "---|" * len(keys), *shown]


def _story_lines(run: RunRecord, room: int) -> list[str]:
    """The story in at most ``room`` lines: one per round, its keys side by side; the last rounds when there are
    more (they are the news), the rest counted."""
    if not tells_a_story(run) or room < 2:
        return []
    rounds = round_sentences(run_story(run))
    shown = rounds[len(rounds) - min(len(rounds), room - 1) :]
    earlier = f", {len(rounds) - len(shown)} earlier in the report" if len(rounds) > len(shown) else ""
    return [f"- Story, one line per round{earlier}:", *(f"  - {md(sentence)}" for sentence in shown)]


def markdown_summary(run: RunRecord) -> str:
    """The summary to paste into a ticket: at most :data:`MARKDOWN_LINES` lines (the story gets the room the
    rest leaves)."""
    found = verdict(run)
    target = ", ".join(dict.fromkeys(key.base_url for key in run.keys)) or "none reached"
    if run.emulator is not None:
        target += " (the local emulator, not Binance)"
    origin = f" from {md(run.origin)}" if run.origin else ""
    keys = ", ".join(f"{md(key.name)} {md(key.fingerprint)} ({key.key_type})" for key in run.keys)
    lines = [
        f"# Binance C2C conformance{f': case {md(run.case_id)}' if run.case_id else ''}",
        f"Run {run.started_at}{origin} · target {md(target)} · key{'s' if len(run.keys) > 1 else ''}: {keys}",
        "",
        f"**{md(found.count)} {md(found.headline)}**",
        "",
    ]
    if found.proof:
        lines.append(f"- Proof: {md(' '.join(found.proof))}")
    if found.notes:
        lines.append(f"- Note: {md(' '.join(found.notes))}")
    story_at = len(lines)
    lines += [f"- {md(conclusion)}" for conclusion in found.conclusions]
    if found.findings:
        lines.append(f"- {md(' '.join(found.findings))}")
    if run.changes:
        lines.append(f"- Since the previous run: {md('; '.join(run.changes))}")
    footer = ["", f"Every answer, its reasoning, headers and a curl reproduction: {HTML_NAME} (attach it)."]
    lines[story_at:story_at] = _story_lines(run, MARKDOWN_LINES - len(lines) - len(footer))  # every round first
    lines += _focus_rows(run, MARKDOWN_LINES - len(lines) - len(footer))
    return "\n".join([*lines, *footer]) + "\n"


def guard_file(path: Path, secrets: Iterable[str]) -> list[str]:
    """Replace anything secret left in ``path``; returns what was found (empty when clean).

    A JSON file is redacted as data and written again (it stays valid JSON); other files as text.
    """
    text = path.read_text(encoding="utf-8")
    leaks = find_leaks(text, secrets, key_like=False)
    if not leaks:
        return []
    if path.suffix == ".json":
        redacted = json_text(redact_data(json.loads(text), secrets))
    else:
        redacted = redact_text(text, secrets)
    replace_file(path, redacted)
    return leaks


def _write_observations(folder: Path, suffix: str, documents: dict[str, dict[str, object]]) -> list[Path]:
    """``folder/<endpoint id><suffix>``, one JSON document each: what a run observed, for a contract update."""
    written = []
    for endpoint, document in documents.items():
        path = folder / f"{endpoint}{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, json.dumps(document, indent=2) + "\n")
        written.append(path)
    return written


def write_observed(records: list[EndpointRecord], folder: Path) -> list[Path]:
    """``contracts/observed/<endpoint id>.json``: the shape a drifting answer had, for a contract update."""
    shapes: dict[str, dict[str, object]] = {
        record.id: {
            "endpoint": record.id,
            "observed_at": record.answer.at,
            "drift": list(record.answer.drift),
            "data": record.answer.observed,
        }
        for record in records
        if record.answer.observed is not None
    }
    return _write_observations(folder, ".json", shapes)


def write_variants(records: list[EndpointRecord], folder: Path) -> list[Path]:
    """``contracts/observed/<endpoint id>.variant.json``: a request shape Binance accepted where the contract's
    was refused (``--probe``), to send back as a contract update."""
    variants: dict[str, dict[str, object]] = {
        record.id: {
            "endpoint": record.id,
            "observed_at": record.answer.at,
            "refused_as_the_contract_says": record.answer.text,
            "accepted_shapes": [found.shape for found in accepted],
            "fixes": [found.fix for found in accepted if found.fix],
            "findings": [found.difference(record.id, record.answer.text) for found in accepted],
        }
        for record in records
        if (accepted := [found for found in record.answer.probes if found.accepted])
    }
    return _write_observations(folder, ".variant.json", variants)


def rendered(summary: str) -> dict[str, str]:
    """The support page, the Markdown and the Postman collection with its environment, by file name, rendered
    from the text of ``live-summary.json`` alone (raises :class:`~p2p_conformance.report.summary.SummaryError`)."""
    report = read_summary(json.loads(summary))
    run = report.run
    return {
        HTML_NAME: support_page(report),
        MARKDOWN_NAME: markdown_summary(run),
        POSTMAN_NAME: json_text(postman.collection(run)),
        POSTMAN_ENVIRONMENT_NAME: json_text(postman.environment(run)),
    }


def write_report_files(report: SupportReport, report_dir: Path) -> list[Path]:
    """``live-summary.json``, then every other report file rendered from it: what a page shows is in the JSON,
    and ``p2p-report`` renders the same files again from it."""
    report_dir.mkdir(parents=True, exist_ok=True)
    summary = json_text(run_json(report))
    texts = {JSON_NAME: summary, **rendered(summary)}
    for name in REPORT_NAMES:
        replace_file(report_dir / name, texts[name])
    return [report_dir / name for name in REPORT_NAMES]


def keep_timestamped_copies(paths: list[Path], started_at: str) -> None:
    """``live-report.html`` is also kept as ``live-report-20261124T061035Z.html``, and so on."""
    stamp = file_stamp(started_at)
    for path in paths:
        if path.exists():
            replace_file(path.with_name(f"{path.stem}-{stamp}{path.suffix}"), path.read_bytes())
