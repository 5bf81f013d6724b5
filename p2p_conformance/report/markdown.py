"""The ticket text: ``live-summary.md`` to paste into a ticket that renders Markdown, and its plain-text twin
``live-summary.txt`` for a form that does not. Both come from one :class:`Ticket` of the run's view and say the
same within :data:`TICKET_LINES` lines of at most :data:`LINE_LIMIT` characters; a failing endpoint of the case
is never left out (the working ones fold into "and N more"). Every text in the Markdown is literal (a server's
answer adds no markup); in both, controls are written as escapes."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from p2p_conformance.model import RunRecord
from p2p_conformance.report.html import HTML_NAME
from p2p_conformance.report.story import round_sentences, tells_a_story
from p2p_conformance.report.summary import shown_answer, target_words
from p2p_conformance.report.view import ReportView
from p2p_conformance.safety.text import one_line

SUMMARY_MD_NAME = "live-summary.md"  # the case as text, to paste into a ticket (and for a reader without a browser)

TICKET_LINES = 25
LINE_LIMIT = 300  # characters: a ticket form may cut longer lines
WRAP_WIDTH = 200  # text is wrapped before it is escaped (an escape may lengthen it), then cut at LINE_LIMIT
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
MORE = " ... (in the report)"


def md(text: object) -> str:
    """Text as literal Markdown on one line: a server's answer cannot add markup, links, table cells or lines (a
    lone CR ends a line in CommonMark), nor turn text around."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", one_line(str(text)))


def plain(text: object) -> str:
    """Text as plain text on one line, controls written as escapes."""
    return one_line(str(text))


@dataclass(frozen=True)
class Row:
    """One endpoint of the case in the last round: its cells by key, and whether it worked for every key."""

    endpoint: str
    cells: tuple[str, ...]
    worked: bool


@dataclass(frozen=True)
class Ticket:
    """What the ticket says, before it is written as Markdown or plain text."""

    title: str
    run_line: str
    headline: str
    lead: tuple[str, ...]  # the proof and the notes: before the story
    sides: tuple[str, ...]  # one line per side: merged into one when room is short
    rest: tuple[str, ...]  # the findings and the changes since the previous run
    story: tuple[str, ...]  # one sentence per round
    keys: tuple[str, ...]
    rows: tuple[Row, ...]
    footer: str


def ticket(view: ReportView) -> Ticket:
    run, found = view.run, view.verdict
    target = ", ".join(dict.fromkeys(key.base_url for key in run.keys)) or "none reached"
    target = target_words(run) or target
    origin = f" from {run.origin}" if run.origin else ""
    keys = ", ".join(f"{key.name} {key.fingerprint} ({key.key_type})" for key in run.keys)
    story = tells_a_story(run)  # its last line is the change since the round before: no line says it again
    return Ticket(
        title=f"Binance C2C conformance{f': case {run.case_id}' if run.case_id else ''}",
        run_line=(
            f"Run {run.started_at}{origin} by p2p-conformance {run.suite_version} · target {target} · "
            f"key{'s' if len(run.keys) > 1 else ''}: {keys}"
        ),
        headline=f"{found.count} {found.headline}",
        lead=(
            *((f"Proof: {' '.join(found.proof)}",) if found.proof else ()),
            *((f"Note: {' '.join(found.notes)}",) if found.notes else ()),
        ),
        sides=tuple(found.conclusions),
        rest=(
            *((" ".join(found.findings),) if found.findings else ()),
            *((f"Since the previous run: {'; '.join(run.changes)}",) if run.changes and not story else ()),
        ),
        story=tuple(round_sentences(list(view.story))) if story else (),
        keys=tuple(key.name for key in run.keys),
        rows=_rows(view),
        footer=f"Every answer, its reasoning, headers and a curl reproduction: {HTML_NAME} (attach it).",
    )


def _rows(view: ReportView) -> tuple[Row, ...]:
    run: RunRecord = view.run
    chosen = [endpoint for endpoint in view.focus if any(r.id == endpoint for r in run.last_round)]
    answers = {(r.id, r.key_name): r for r in run.last_round}
    rows = []
    for endpoint in chosen:
        records = [answers.get((endpoint, key.name)) for key in run.keys]
        cells = tuple(
            ""
            if record is None
            else shown_answer(record.outcome, record.answer.text) + ("" if record.worked else f", {record.side}")
            for record in records
        )
        rows.append(Row(endpoint, cells, all(record is None or record.worked for record in records)))
    return tuple(rows)


@dataclass(frozen=True)
class Form:
    """How a ticket is written: Markdown or plain text."""

    text: Callable[[object], str]  # one line of literal text
    strong: Callable[[str], str]
    table: Callable[[Ticket, Sequence[Row], int], list[str]]  # the rows, and how many working ones fold


def _md_table(found: Ticket, rows: Sequence[Row], folded: int) -> list[str]:
    lines = ["", f"| Endpoint | {' | '.join(md(key) for key in found.keys)} |", "|---|" + "---|" * len(found.keys)]
    lines += [f"| {md(row.endpoint)} | " + " | ".join(md(cell) for cell in row.cells) + " |" for row in rows]
    if folded:
        lines.append(f"| and {folded} more working, in the report |" + " |" * len(found.keys))
    return lines


def _text_table(found: Ticket, rows: Sequence[Row], folded: int) -> list[str]:
    several = len(found.keys) > 1
    lines = ["", "The case's endpoints, last round:"]
    for row in rows:
        cells = [f"{key} {cell}" if several else cell for key, cell in zip(found.keys, row.cells, strict=True)]
        lines.append(f"- {plain(row.endpoint)}: {plain('; '.join(cells))}")
    if folded:
        lines.append(f"- and {folded} more working, in the report")
    return lines


MARKDOWN = Form(text=md, strong=lambda text: f"**{text}**" if text else text, table=_md_table)
PLAIN = Form(text=plain, strong=lambda text: text, table=_text_table)


def _bounded(
    text: str, form: Form, first: str = "", rest: str = "  ", lines: int = 1, limit: int = LINE_LIMIT
) -> list[str]:
    """``text`` in at most ``lines`` lines of at most ``limit`` characters (wrapped, then cut)."""
    parts = textwrap.wrap(text, WRAP_WIDTH) or [""]
    shown = [(first if i == 0 else rest) + form.text(part) for i, part in enumerate(parts[:lines])]
    if len(parts) > lines:
        shown[-1] = shown[-1][: limit - len(MORE)] + MORE
    return [line if len(line) <= limit else line[: limit - len(MORE)] + MORE for line in shown]


def _items(found: Ticket, form: Form, merge_sides: bool, story: list[str]) -> list[str]:
    """The bullets: the proof and the notes, the story, one line per side (or one for all), then the rest."""
    sides = [f"Where the fixes lie: {' '.join(found.sides)}"] if merge_sides and found.sides else list(found.sides)
    lead = [line for item in found.lead for line in _bounded(item, form, first="- ")]
    return [*lead, *story, *(line for item in [*sides, *found.rest] for line in _bounded(item, form, first="- "))]


def _story(found: Ticket, form: Form, room: int) -> list[str]:
    """The story in at most ``room`` lines: its last rounds when not all fit (they are the news), the rest
    counted."""
    if not found.story or room < 2:
        return []
    shown = found.story[len(found.story) - min(len(found.story), room - 1) :]
    earlier = f", {len(found.story) - len(shown)} earlier in the report" if len(found.story) > len(shown) else ""
    told = [line for sentence in shown for line in _bounded(sentence, form, first="  - ")]
    return [f"- Story, one line per round{earlier}:", *told]


def written(found: Ticket, form: Form) -> str:
    """The ticket in ``form``, within :data:`TICKET_LINES` lines. What gives its room when not everything fits,
    in this order: the working endpoints of the case (folded into "and N more"), the per-side lines (merged into
    one), the story's earliest rounds, then the last bullets. A failing endpoint of the case keeps its row."""
    working = [row for row in found.rows if row.worked]
    headline = _bounded(found.headline, form, rest="", lines=2, limit=LINE_LIMIT - 4)  # and its two "**"
    headline = [form.strong(line) for line in headline]  # bold line by line: a ticket form may join lines
    head = [
        *_bounded(found.title, form, first="# " if form is MARKDOWN else ""),
        *_bounded(found.run_line, form),
        "",
        *headline,
    ]
    footer = ["", *_bounded(found.footer, form)]

    def rows(kept: int) -> list[str]:
        if not found.rows or not found.keys:
            return []
        shown = [row for row in found.rows if not row.worked or row in working[:kept]]
        return form.table(found, shown, len(working) - kept)

    def fitted(merge_sides: bool, kept: int, whole_story: bool) -> list[str] | None:
        table = rows(kept)
        without_story = len(head) + len(_items(found, form, merge_sides, [])) + len(table) + len(footer)
        told = _story(found, form, TICKET_LINES - without_story)
        if whole_story and found.story and len(told) < len(found.story) + 1:
            return None
        body = _items(found, form, merge_sides, told)
        lines = [*head, *body, *table, *footer]
        return lines if len(lines) <= TICKET_LINES else None

    for whole_story in (True, False):
        for merge_sides in (False, True):
            for kept in range(len(working), -1, -1):
                if (lines := fitted(merge_sides, kept, whole_story)) is not None:
                    return "\n".join(lines) + "\n"
    # Still too long (many notes or sides): the last bullets go, never a failing endpoint's row.
    table = rows(0)
    body = _items(found, form, True, [])
    body = body[: max(0, TICKET_LINES - len(head) - len(table) - len(footer) - 1)]
    return "\n".join([*head, *body, f"- and more in {HTML_NAME}", *table, *footer]) + "\n"


def markdown_summary(view: ReportView) -> str:
    """``live-summary.md``: the ticket as Markdown."""
    return written(ticket(view), MARKDOWN)


def text_summary(view: ReportView) -> str:
    """``live-summary.txt``: the ticket as plain text, for a form that does not render Markdown."""
    return written(ticket(view), PLAIN)
