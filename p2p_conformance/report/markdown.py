"""``live-summary.md``: the summary to paste into a ticket, at most :data:`MARKDOWN_LINES` lines, from the run's
view; every text in it literal Markdown (a server's answer adds no markup)."""

from __future__ import annotations

import re

from p2p_conformance.report.html import HTML_NAME
from p2p_conformance.report.story import round_sentences, tells_a_story
from p2p_conformance.report.summary import shown_answer
from p2p_conformance.report.view import ReportView
from p2p_conformance.safety.text import one_line

MARKDOWN_LINES = 25
MARKDOWN_FOCUS_ROWS = 8
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md(text: object) -> str:
    """Text as literal Markdown on one line: a server's answer cannot add markup, links, table cells or lines (a
    lone CR ends a line in CommonMark), nor turn text around."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", one_line(str(text)))


def _focus_rows(view: ReportView, room: int) -> list[str]:
    """The focus table of the last round in at most ``room`` lines (none when fewer than four fit)."""
    run = view.run
    chosen = [endpoint for endpoint in view.focus if any(r.id == endpoint for r in run.last_round)]
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


def _story_lines(view: ReportView, room: int) -> list[str]:
    """The story in at most ``room`` lines: one per round, its keys side by side; the last rounds when there are
    more (they are the news), the rest counted."""
    if not tells_a_story(view.run) or room < 2:
        return []
    rounds = round_sentences(list(view.story))
    shown = rounds[len(rounds) - min(len(rounds), room - 1) :]
    earlier = f", {len(rounds) - len(shown)} earlier in the report" if len(rounds) > len(shown) else ""
    return [f"- Story, one line per round{earlier}:", *(f"  - {md(sentence)}" for sentence in shown)]


def markdown_summary(view: ReportView) -> str:
    """The summary to paste into a ticket: at most :data:`MARKDOWN_LINES` lines (the story gets the room the
    rest leaves)."""
    run, found = view.run, view.verdict
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
    lines[story_at:story_at] = _story_lines(view, MARKDOWN_LINES - len(lines) - len(footer))  # every round first
    lines += _focus_rows(view, MARKDOWN_LINES - len(lines) - len(footer))
    return "\n".join([*lines, *footer]) + "\n"
