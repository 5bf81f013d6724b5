"""``p2p-history-report``: the history as HTML, without calling Binance.

For the moment a merchant writes to support: which endpoints worked with which key, run after
run, and each one's trend (``stable-ok``, ``stable-fail``, ``fixed``, ``regressed``,
``intermittent``) over the last 50 runs. Several ``--db`` files (histories from several machines,
each run stored with its ``--origin``) merge into one report: each run shows where it ran from,
and a table shows the latest answer from every origin.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from p2p_conformance.model import Outcome, Trend, answer_text
from p2p_conformance.report.chart import story_chart
from p2p_conformance.report.files import EMULATOR_REPORTS, NOT_BINANCE_REPORTS
from p2p_conformance.report.history import (
    HISTORY_NAME,
    HistoryError,
    Row,
    RunSpan,
    load_others,
    load_rows,
    run_span,
)
from p2p_conformance.report.html import NO_ORIGIN, STYLE, origin_table, render, timeline_table
from p2p_conformance.report.story import Observation, by_round, round_sentences, story
from p2p_conformance.report.summary import TIMELINE_COLUMNS
from p2p_conformance.report.trends import WINDOW_RUNS, ran_series, runs_by_key, series, since_previous, trends
from p2p_conformance.safety.writing import replace_file

REPORT_DIR = Path("reports")  # relative to where it is run, as ``pytest -m live`` writes it by default


def merged_rows(dbs: Sequence[Path], since: str | None, key: str | None, last_runs: int) -> list[Row]:
    """The latest ``last_runs`` runs of all the histories together, in time order (run ids are unique)."""
    rows = sorted(
        (row for db in dbs for row in load_rows(db, since, key, last_runs)),
        key=lambda r: (r.started_at, r.run_id, r.key_name or r.key_fingerprint, r.endpoint_id),
    )
    runs = list(dict.fromkeys(row.run_id for row in rows))[-last_runs:]
    kept = set(runs)
    return [row for row in rows if row.run_id in kept]


def merged_span(dbs: Sequence[Path], since: str | None, key: str | None) -> RunSpan:
    spans = [span for span in (run_span(db, since, key) for db in dbs) if span.runs]
    return RunSpan(
        sum(span.runs for span in spans),
        min((span.first for span in spans if span.first), default=None),
        max((span.last for span in spans if span.last), default=None),
    )


MAX_COLUMNS = 500  # runs side by side in a table; a wider one is not read
STORY_LINES = 16  # the latest lines of the history's story shown; the earlier ones are folded
CHANGED = (Trend.FIXED, Trend.REGRESSED, Trend.INTERMITTENT)


def run_numbers(rows: Sequence[Row]) -> dict[str, int]:
    """Each stored run's number in time order (rows are in time order): the story's round."""
    return {run_id: number for number, run_id in enumerate(dict.fromkeys(row.run_id for row in rows), start=1)}


def key_labels(rows: Sequence[Row]) -> dict[str, str]:
    """Each key (by fingerprint) as the history names it: its latest label; a label that two keys had (two runs'
    ``key1``) names each with its fingerprint, so a lane and a story line are one key, never two."""
    latest = {row.key_fingerprint: row.key_name or row.key_fingerprint for row in rows}
    shared = {label for label, count in Counter(latest.values()).items() if count > 1}
    return {
        fingerprint: f"{label} ({fingerprint})" if label in shared and label != fingerprint else label
        for fingerprint, label in latest.items()
    }


def history_observations(
    rows: Sequence[Row], numbers: Mapping[str, int], labels: Mapping[str, str]
) -> list[Observation]:
    """The history's results as the story reads them: each stored run a round (``numbers``), each key by its
    label (``labels``, by fingerprint: :func:`key_labels`)."""
    return [
        Observation(
            round=numbers[row.run_id],
            at=row.started_at,
            phase=row.phase,
            key=labels.get(row.key_fingerprint, row.key_fingerprint),
            fingerprint=row.key_fingerprint,
            endpoint=row.endpoint_id,
            worked=row.outcome is Outcome.PASS,
            answer=answer_text(row.code or None, row.http_status, row.kind),
            side=row.side,
        )
        for row in rows
        if row.outcome.ran
    ]


def _emulator_notice(rows: Sequence[Row]) -> str | None:
    """Whether, and how many of, the runs went to the local emulator rather than Binance."""
    runs = {row.run_id: row.emulator for row in rows}
    emulated = sum(scenario is not None for scenario in runs.values())
    if not emulated:
        return None
    if emulated == len(runs):
        return "every run of this history went to the suite's local emulator: a demonstration, not evidence"
    return (
        f"{emulated} of {len(runs)} runs went to the suite's local emulator, not Binance (marked 'emulator' "
        "in the story): histories of both were merged"
    )


def render_history(
    dbs: Sequence[Path],
    since: str | None = None,
    key: str | None = None,
    columns: int = TIMELINE_COLUMNS,
    focus: Sequence[str] = (),
) -> str:
    """The history report of one or several history files as one self-contained HTML page. Its first screen
    tells the story: the case, the target, whether runs went to the emulator, one line per run and key,
    and the chart over the history's real time; then the endpoints by how they behaved. Counted in SQL,
    trends over the last :data:`WINDOW_RUNS` runs, so its cost does not grow with the history."""
    rows = merged_rows(dbs, since, key, max(WINDOW_RUNS, columns))
    if not rows:
        names = ", ".join(str(db) for db in dbs)
        raise HistoryError(f"{names} has no run{f' since {since}' if since else ''}{f' for key {key}' if key else ''}")
    by_pair = series(rows)
    shown = ran_series(rows)  # the tables show every answer, those that count for no trend apart
    found = trends(by_pair)
    counts = {label: sum(value == label for value in found.values()) for label in Trend}
    last_run = {row.key_fingerprint: row.run_id for row in rows}  # rows are in time order
    runs = runs_by_key(rows)
    labels = key_labels(rows)
    stored_focus = next((row.focus for row in reversed(rows) if row.focus), None) or ""
    focus = tuple(focus) or tuple(endpoint for endpoint in stored_focus.split(",") if endpoint)
    recent = set(list(dict.fromkeys(row.run_id for row in rows))[-columns:])
    recent_rows = [row for row in rows if row.run_id in recent]
    numbers = run_numbers(recent_rows)
    lines = story(history_observations(recent_rows, numbers, labels), focus)
    others = {
        (saw.endpoint, numbers[run_id]): saw
        for db in dbs
        for run_id, seen in load_others(db, numbers).items()
        for saw in seen
    }
    emulated = {numbers[row.run_id] for row in recent_rows if row.emulator is not None}
    mixed = any(row.emulator is None for row in rows) and bool(emulated)  # all emulated: the banner says it
    sentences = [  # one line per run, its keys side by side
        ("emulator · " if mixed and group[0].round in emulated else "") + sentence
        for group, sentence in zip(by_round(lines), round_sentences(lines), strict=True)
    ]
    pairs = sorted(shown, key=lambda pair: (focus.index(pair[0]) if pair[0] in focus else len(focus), pair))
    in_focus = [pair for pair in pairs if pair[0] in focus]
    changed = [pair for pair in pairs if pair not in in_focus and found.get(pair) in CHANGED]
    never = [pair for pair in pairs if pair not in in_focus and found.get(pair) is Trend.STABLE_FAIL]
    always = [pair for pair in pairs if pair not in in_focus and found.get(pair) is Trend.STABLE_OK]
    uncounted = [pair for pair in pairs if pair not in in_focus and pair not in by_pair]
    origins = sorted({row.origin or NO_ORIGIN for row in rows})
    span = merged_span(dbs, since, key)

    def table(chosen: Sequence[tuple[str, str]]) -> Markup:
        return Markup(timeline_table(shown, found, chosen, columns, key_labels=labels)) if chosen else Markup()

    return render(
        "history.html",
        style=STYLE,
        cases=sorted({row.case_id for row in rows if row.case_id}),
        targets=sorted({row.base_url for row in rows if row.base_url}),
        emulator=_emulator_notice(rows),
        keys=[label if fingerprint in label else f"{label} ({fingerprint})" for fingerprint, label in labels.items()],
        span=span,
        window=f"{span.runs} runs, {_shown(span.first)} to {_shown(span.last)}",
        origin=origins[0] if origins != [NO_ORIGIN] and len(origins) == 1 else None,
        key=key,
        window_runs=WINDOW_RUNS,
        trend_counts=", ".join(f"{label}: {count}" for label, count in counts.items()),
        earlier_lines=sentences[:-STORY_LINES],
        story_lines=sentences[-STORY_LINES:],
        chart=story_chart(lines, focus, others=others),
        changes=[
            (labels[fingerprint], since_previous(runs[fingerprint], run_id)) for fingerprint, run_id in last_run.items()
        ],
        columns=columns,
        focus_table=table(in_focus),
        changed_table=table(changed),
        changed_count=len(changed),
        never_table=table(never),
        never_count=len(never),
        always_table=table(always),
        always_count=len(always),
        uncounted_table=table(uncounted),
        uncounted_count=len(uncounted),
        origins=origins,
        origin_table=Markup(origin_table(by_pair, key_labels=labels)) if len(origins) > 1 else Markup(),
    )


def _shown(at: str | None) -> str:
    """``2025-07-09 12:14:03``: a stored time as the page shows it (UTC, said in the header)."""
    return (at or "?")[:19].replace("T", " ")


def _iso(text: str) -> str:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use e.g. 2025-07-06 or 2025-07-09T11:00") from None


def newest_history(folder: Path = REPORT_DIR) -> Path:
    """The history the last live run wrote here: ``reports/history.sqlite3``, the emulator's
    ``reports/emulator/history.sqlite3`` or ``reports/not-binance/history.sqlite3``, whichever changed last."""
    apart = (folder / EMULATOR_REPORTS / HISTORY_NAME, folder / NOT_BINANCE_REPORTS / HISTORY_NAME)
    found = [path for path in (folder / HISTORY_NAME, *apart) if path.is_file()]
    if not found:
        raise HistoryError(
            f"no history in {folder}, {folder / EMULATOR_REPORTS} or {folder / NOT_BINANCE_REPORTS}: run "
            "`pytest -m live` (or with --emulator) first, "
            "or give --db"
        )
    return max(found, key=_last_written)


def _last_written(path: Path) -> float:
    """When a history was last written: a commit may reach only its write-ahead log (``-wal``) so far."""
    log = path.with_name(f"{path.name}-wal")
    return max(path.stat().st_mtime, log.stat().st_mtime if log.is_file() else 0.0)


def _columns(text: str) -> int:
    """``--columns``: a whole number of runs from 1 to :data:`MAX_COLUMNS`."""
    if not text.isdigit() or not 1 <= int(text) <= MAX_COLUMNS:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of runs from 1 to {MAX_COLUMNS}")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2p-history-report", description=__doc__)
    parser.add_argument(
        "--db",
        type=Path,
        action="append",
        help="a history file; give several to merge histories from several machines (default: the newest of "
        "reports/history.sqlite3 and reports/emulator/history.sqlite3)",
    )
    parser.add_argument("--since", type=_iso, help="only runs from this UTC date or time on")
    parser.add_argument("--key", help="only this key, by its fingerprint as the reports show it (e.g. JvVV...x9Qa)")
    parser.add_argument("--focus", default="", help="the case's endpoint ids, comma-separated (else the last run's)")
    parser.add_argument("--columns", type=_columns, default=TIMELINE_COLUMNS, help="runs shown in the timeline")
    parser.add_argument("--out", type=Path, help="where to write the page (default: history.html beside the history)")
    args = parser.parse_args(argv)
    focus = tuple(endpoint.strip() for endpoint in args.focus.split(",") if endpoint.strip())
    try:
        dbs = args.db or [newest_history()]
        if not args.db:
            sys.stderr.write(f"history report: reading {dbs[0]} (the newest history here; --db chooses another)\n")
        page = render_history(dbs, args.since, args.key, args.columns, focus)
    except HistoryError as error:
        sys.stderr.write(f"history report: {error}\n")
        return 2
    out = args.out or (dbs[0].parent if len(dbs) == 1 else REPORT_DIR) / "history.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    replace_file(out, page)
    sys.stderr.write(f"history report written to {out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
