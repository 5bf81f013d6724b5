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
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from p2p_conformance.model import Trend
from p2p_conformance.report.history import HISTORY_NAME, HistoryError, Row, RunSpan, load_rows, run_span
from p2p_conformance.report.html import STYLE, TIMELINE_COLUMNS, origin_table, render, timeline_table
from p2p_conformance.report.trends import WINDOW_RUNS, series, since_previous, trends

REPORT_DIR = Path("reports")  # relative to where it is run, as ``pytest -m live`` writes it by default


def merged_rows(dbs: Sequence[Path], since: str | None, key: str | None, last_runs: int) -> list[Row]:
    """The latest ``last_runs`` runs of all the histories together, in time order (run ids are unique)."""
    rows = sorted(
        (row for db in dbs for row in load_rows(db, since, key, last_runs)), key=lambda r: (r.started_at, r.run_id)
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


def render_history(
    dbs: Sequence[Path], since: str | None = None, key: str | None = None, columns: int = TIMELINE_COLUMNS
) -> str:
    """The history report of one or several history files as one self-contained HTML page: counted in
    SQL, trends over the last :data:`WINDOW_RUNS` runs, so its cost does not grow with the history."""
    rows = merged_rows(dbs, since, key, max(WINDOW_RUNS, columns))
    if not rows:
        names = ", ".join(str(db) for db in dbs)
        raise HistoryError(f"{names} has no run{f' since {since}' if since else ''}{f' for key {key}' if key else ''}")
    by_pair = series(rows)
    found = trends(by_pair)
    counts = {label: sum(value == label for value in found.values()) for label in Trend}
    last_run = {row.key_fingerprint: row.run_id for row in rows}  # rows are in time order
    return render(
        "history.html",
        style=STYLE,
        key_count=len(last_run),
        span=merged_span(dbs, since, key),
        key=key,
        window_runs=WINDOW_RUNS,
        trend_counts=", ".join(f"{label}: {count}" for label, count in counts.items()),
        changes=[(fingerprint, since_previous(rows, run_id, fingerprint)) for fingerprint, run_id in last_run.items()],
        columns=columns,
        timeline=Markup(timeline_table(by_pair, found, columns=columns)),
        origins=Markup(origin_table(by_pair)),
    )


def _iso(text: str) -> str:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: use e.g. 2025-07-06 or 2025-07-09T11:00") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="p2p-history-report", description=__doc__)
    parser.add_argument(
        "--db",
        type=Path,
        action="append",
        help="a history file; give several to merge histories from several machines (default: reports/history.sqlite3)",
    )
    parser.add_argument("--since", type=_iso, help="only runs from this UTC date or time on")
    parser.add_argument("--key", help="only this key, by its fingerprint as the reports show it (e.g. JvVV...x9Qa)")
    parser.add_argument("--columns", type=int, default=TIMELINE_COLUMNS, help="runs shown in the timeline")
    parser.add_argument(
        "--out",
        type=Path,
        default=REPORT_DIR / "history.html",
        help="where to write the page (default: reports/history.html)",
    )
    args = parser.parse_args(argv)
    try:
        page = render_history(args.db or [REPORT_DIR / HISTORY_NAME], args.since, args.key, args.columns)
    except HistoryError as error:
        sys.stderr.write(f"history report: {error}\n")
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    sys.stderr.write(f"history report written to {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
