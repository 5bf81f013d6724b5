"""Trends computed from the history: the seed's "Progress" column, per endpoint and key."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from p2p_conformance.model import Outcome, Trend
from p2p_conformance.report.history import Row

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
