"""Trends computed from the history: the seed's "Progress" column, per endpoint and key.

Honest about what a run can say: a call that got no answer (a timeout, an unreachable target) is a gap,
not a failure, and a run in which Binance recognised the key on no call (a wrong secret, a dead target)
is kept and shown but moves no trend: neither says anything about the endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

from p2p_conformance.model import Outcome, RunRecord, Side, Trend
from p2p_conformance.report.history import Row, StoredRun, load_rows, store_runs
from p2p_conformance.report.status_feed import others_by_round

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


def says_something(row: Row) -> bool:
    """Whether a stored result bears on its endpoint: it ran, an answer came, and Binance knew the key in
    that run (``recognised`` None: an older history that did not store it)."""
    return row.outcome.ran and row.side not in (Side.NETWORK, Side.LOCATION) and row.recognised is not False


def series(rows: Iterable[Row]) -> Series:
    """Rows that bear on their endpoint (:func:`says_something`), per (endpoint, key fingerprint), in time order."""
    return ran_series(row for row in rows if says_something(row))


def ran_series(rows: Iterable[Row]) -> Series:
    """Every row that ran, per (endpoint, key fingerprint), in time order: what a table shows, each row marked by
    whether it bears on its endpoint, so a key Binance never recognised is shown, not left out."""
    grouped: Series = {}
    for row in rows:
        if row.outcome.ran:
            grouped.setdefault((row.endpoint_id, row.key_fingerprint), []).append(row)
    return grouped


def trends(by_pair: Series) -> dict[tuple[str, str], Trend]:
    """The trend of each (endpoint, key fingerprint) series of two runs or more (one run has no trend)."""
    return {
        pair: trend([row.outcome == Outcome.PASS for row in runs]) for pair, runs in by_pair.items() if len(runs) > 1
    }


@dataclass(frozen=True, kw_only=True)
class RunAnswers:
    """One run of one key: when, its phase, and which endpoints worked or failed (those that bear on them)."""

    run_id: str
    started_at: str
    phase: str | None
    working: frozenset[str]
    failing: frozenset[str]
    counted: bool  # False: no answer came, or Binance recognised the key on no call

    @property
    def name(self) -> str:
        """The run as a change sentence names it: its phase, else its time (and date when it was another day)."""
        return self.phase or self.started_at[11:16]


def runs_by_key(rows: Iterable[Row]) -> dict[str, list[RunAnswers]]:
    """Per key fingerprint, per run (time order), what the key's endpoints answered (one pass over the rows)."""
    grouped: dict[str, dict[str, list[Row]]] = {}
    for row in rows:
        if row.outcome.ran:
            grouped.setdefault(row.key_fingerprint, {}).setdefault(row.run_id, []).append(row)
    return {
        fingerprint: [
            RunAnswers(
                run_id=run_id,
                started_at=ran[0].started_at,
                phase=ran[0].phase,
                working=frozenset(r.endpoint_id for r in ran if says_something(r) and r.outcome is Outcome.PASS),
                failing=frozenset(r.endpoint_id for r in ran if says_something(r) and r.outcome is not Outcome.PASS),
                counted=any(says_something(r) for r in ran),
            )
            for run_id, ran in runs.items()
        ]
        for fingerprint, runs in grouped.items()
    }


def since_previous(runs: Sequence[RunAnswers], run_id: str) -> str:
    """ "3 of the 6 endpoints both runs called now work, up from 1 of 6 at July 9 11:53" for ``run_id`` among one
    key's ``runs``
    (:func:`runs_by_key`): compared with the key's previous run that reached Binance, over the endpoints both
    runs asked."""
    index = next((i for i, run in enumerate(runs) if run.run_id == run_id), None)
    if index is None:
        return "no endpoint ran in this run"
    now = runs[index]
    if not now.counted:
        return (  # named by its round: in a story of rounds, "this run" would read as all of them
            f"no Binance answer for this key at {now.name} (no answer came, or the key was recognised on no call): "
            "not compared"
        )
    before = next((run for run in reversed(runs[:index]) if run.counted), None)
    if before is None:
        names = _names(now.working)
        return (
            f"{len(now.working)} of {len(now.working | now.failing)} read-only endpoints called now work "
            f"({f'{names}; ' if names else ''}first run with this key)"
        )
    both = (now.working | now.failing) & (before.working | before.failing)
    when = before.name if before.phase or before.started_at[:10] == now.started_at[:10] else before.started_at[:16]
    if not both:  # nothing to compare: "0 of 0 endpoints now work, unchanged" would read as a result
        return (
            f"{len(now.working)} of {len(now.working | now.failing)} read-only endpoints called now work (none of "
            f"them ran in this key's previous run at {when.replace('T', ' ')}: not compared)"
        )
    working_now, working_before = len(now.working & both), len(before.working & both)
    direction = "up" if working_now > working_before else "down" if working_now < working_before else "unchanged"
    names = _names(now.working & both)
    return (
        f"{working_now} of the {len(both)} endpoints both runs called now work{f' ({names})' if names else ''}, "
        f"{direction} from {working_before} of {len(both)} at {when.replace('T', ' ')}"
    )


NAMED_AT_MOST = 3  # endpoints a since-previous line names; more are only counted (the report lists them)


def _names(endpoints: AbstractSet[str]) -> str:
    """``ads/search, orderMatch/getUserOrderSummary``: the working endpoints by name, when there are few."""
    return ", ".join(sorted(endpoints)) if len(endpoints) <= NAMED_AT_MOST else ""


@dataclass(frozen=True, kw_only=True)
class Remembered:
    """A run once stored: its records with their trends and its changes, and the recent history they came from (every
    answer that ran, those that count for no trend among them: the timeline shows them apart)."""

    run: RunRecord
    series: Series = field(default_factory=dict)


def remember(path: Path, run: RunRecord, run_id: str, base_url: str) -> Remembered:
    """Store each round of ``run`` as a run of the history at ``path``, then give every record its trend
    and the run its changes since the previous run, per key. Raises :class:`HistoryError`."""
    records = run.results
    others = others_by_round(run)
    store_runs(
        path,
        [
            StoredRun(
                run_id=f"{run_id}#{number}",
                started_at=run.rounds.get(number, run.started_at),
                base_url=base_url,
                case_id=run.case_id,
                records=[r for r in records if r.round == number],
                phase=run.phases.get(number),
                origin=run.origin,
                focus=run.focus,
                emulator=run.emulator,
                recognised={key.name: number in key.recognised_rounds for key in run.keys},
                others=[saw for (_, round_number), saw in others.items() if round_number == number],
            )
            for number in sorted({r.round for r in records})
        ],
    )
    history = load_rows(path, last_runs=WINDOW_RUNS)
    by_pair = series(history)
    found = trends(by_pair)
    last_run = f"{run_id}#{max((r.round for r in records), default=1)}"
    # each key once, in the run's order of keys (not the order its records came in)
    fingerprints = {key.name: key.fingerprint for key in run.keys} | {r.key_name: r.key_fingerprint for r in records}
    runs = runs_by_key(history)
    changes = [
        (f"{name} ({fingerprint}): " if len(fingerprints) > 1 else "")
        + since_previous(runs.get(fingerprint, []), last_run)
        for name, fingerprint in fingerprints.items()
    ]
    trended = [replace(r, trend=found.get((r.id, r.key_fingerprint))) for r in records]
    return Remembered(run=replace(run, results=trended, changes=changes), series=ran_series(history))
