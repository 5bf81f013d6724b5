"""Trends computed from the history: the seed's "Progress" column, per endpoint and key."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

from p2p_conformance.model import Outcome, RunRecord, Trend
from p2p_conformance.report.history import Row, StoredRun, load_rows, store_runs

WINDOW_RUNS = 50  # trends are computed over the last runs of an endpoint and key, not the whole history
Series = dict[tuple[str, str], list[Row]]  # (endpoint, key fingerprint) -> its rows, oldest first


def trend(working: list[bool]) -> Trend:
    """``working``: whether the endpoint worked in each run, oldest first."""
    flips = sum(before != after for before, after in pairwise(working))
    if flips == 0:
        return Trend.STABLE_OK if working[-1] else Trend.STABLE_FAIL
    if flips == 1:
        return Trend.FIXED if working[-1] else Trend.REGRESSED
    return Trend.INTERMITTENT


def series(rows: Iterable[Row]) -> Series:
    """Rows that ran, per (endpoint, key fingerprint), in time order."""
    grouped: Series = {}
    for row in rows:
        if row.outcome.ran:  # a skipped result says nothing
            grouped.setdefault((row.endpoint_id, row.key_fingerprint), []).append(row)
    return grouped


def trends(by_pair: Series) -> dict[tuple[str, str], Trend]:
    """The trend of each (endpoint, key fingerprint) series of two runs or more (one run has no trend)."""
    return {
        pair: trend([row.outcome == Outcome.PASS for row in runs]) for pair, runs in by_pair.items() if len(runs) > 1
    }


@dataclass(frozen=True)
class RunCount:
    run_id: str
    started_at: str
    working: int
    ran: int


def run_counts(rows: Iterable[Row], key_fingerprint: str) -> list[RunCount]:
    """Per run (time order), how many endpoints worked for this key, of those that ran."""
    started: dict[str, str] = {}
    working: Counter[str] = Counter()
    ran: Counter[str] = Counter()
    for row in rows:
        if row.key_fingerprint == key_fingerprint and row.outcome.ran:
            started.setdefault(row.run_id, row.started_at)
            ran[row.run_id] += 1
            working[row.run_id] += row.outcome == Outcome.PASS
    return [RunCount(run_id, at, working[run_id], ran[run_id]) for run_id, at in started.items()]


def since_previous(rows: Iterable[Row], run_id: str, key_fingerprint: str) -> str:
    """ "3 of 6 endpoints now work, up from 1 of 6 at 11:53" for ``run_id`` and one key."""
    counts = run_counts(rows, key_fingerprint)
    index = next((i for i, count in enumerate(counts) if count.run_id == run_id), None)
    if index is None:
        return "no endpoint ran in this run"
    now = counts[index]
    sentence = f"{now.working} of {now.ran} endpoints now work"
    if index == 0:
        return f"{sentence} (first run with this key)"
    before = counts[index - 1]
    direction = "up" if now.working > before.working else "down" if now.working < before.working else "unchanged"
    when = before.started_at[11:16] if before.started_at[:10] == now.started_at[:10] else before.started_at[:16]
    return f"{sentence}, {direction} from {before.working} of {before.ran} at {when.replace('T', ' ')}"


@dataclass(frozen=True, kw_only=True)
class Remembered:
    """A run once stored: its records with their trends and its changes, and the recent history they came from."""

    run: RunRecord
    series: Series = field(default_factory=dict)
    trends: dict[tuple[str, str], Trend] = field(default_factory=dict)


def remember(path: Path, run: RunRecord, run_id: str, base_url: str) -> Remembered:
    """Store each round of ``run`` as a run of the history at ``path``, then give every record its trend
    and the run its changes since the previous run, per key. Raises :class:`HistoryError`."""
    records = run.results
    store_runs(
        path,
        [
            StoredRun(
                run_id=f"{run_id}#{number}",
                started_at=run.rounds.get(number, run.started_at),
                base_url=base_url,
                case_id=run.case_id,
                records=[r for r in records if r.round == number],
                label=run.phases.get(number),
                origin=run.origin,
            )
            for number in sorted({r.round for r in records})
        ],
    )
    history = load_rows(path, last_runs=WINDOW_RUNS)
    by_pair = series(history)
    found = trends(by_pair)
    last_run = f"{run_id}#{max((r.round for r in records), default=1)}"
    fingerprints = {r.key_name: r.key_fingerprint for r in records}
    changes = [
        (f"{name} ({fingerprint}): " if len(fingerprints) > 1 else "") + since_previous(history, last_run, fingerprint)
        for name, fingerprint in fingerprints.items()
    ]
    trended = [replace(r, trend=found.get((r.id, r.key_fingerprint))) for r in records]
    return Remembered(run=replace(run, results=trended, changes=changes), series=by_pair, trends=found)
