"""The case as a story: which endpoints worked, with which key, round after round (and run after run).

The seed case file's first table is such a story ("11:53 key 1: 1/6 working ... 12:14 key 2: 3/6"),
and support asked for evidence of change over time. :func:`story` computes it once, from
observations that a live run's records or the history's rows both give; the report's first screen,
its chart, the Markdown, the terminal and ``live-summary.json`` all read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby

from p2p_conformance.contracts import load_catalog
from p2p_conformance.model import EndpointRecord, Outcome, RunRecord, Side


@dataclass(frozen=True, kw_only=True)
class Observation:
    """One endpoint's answer for one key in one round (or stored run)."""

    round: int
    at: str  # when the round started (UTC)
    phase: str | None
    key: str  # the key's label
    fingerprint: str
    endpoint: str
    worked: bool
    answer: str  # what came back: "-2008", "HTTP 500", "no answer"
    side: Side


@dataclass(frozen=True, kw_only=True)
class StoryLine:
    """One round and key: which of the counted endpoints worked and which failed, and each one's answer."""

    round: int
    phase: str | None
    at: str
    key: str
    fingerprint: str
    working: tuple[str, ...]
    failing: tuple[str, ...]
    counted: int
    answers: dict[str, Observation]  # by endpoint, for the chart

    def to_dict(self) -> dict[str, object]:
        """As ``live-summary.json``'s ``story`` has it."""
        return {
            "round": self.round,
            "phase": self.phase,
            "at": self.at,
            "key": self.key,
            "fingerprint": self.fingerprint,
            "working": list(self.working),
            "failing": list(self.failing),
            "counted": self.counted,
        }

    @property
    def when(self) -> str:
        """``July 9 12:14`` (the phase's name) or the round's time, ``12:14:03``."""
        return self.phase or self.at[11:19]

    def sentence(self, names: int = 6) -> str:
        """``July 9 12:14 · key2 · 3 of 6 work: getAds, getUserOrderSummary, getAvailableAdsCategory``."""
        return f"{self.when} · {self.key_part(names)}"

    def key_part(self, names: int = 6) -> str:
        """``key2 · 3 of 6 work: getAds, getUserOrderSummary, getAvailableAdsCategory``: the line less its time."""
        return f"{self.key} · {self.counts(names)}"

    def counts(self, names: int = 6) -> str:
        """``3 of 6 work: getAds, getUserOrderSummary, getAvailableAdsCategory``: the key's part less its name."""
        shown = [endpoint.rsplit("/", 1)[-1] for endpoint in self.working[:names]]
        more = len(self.working) - names
        listed = ": " + ", ".join(shown) + (f" and {more} more" if more > 0 else "") if shown else ""
        return f"{len(self.working)} of {self.counted} work{listed}"


def by_round(lines: Sequence[StoryLine]) -> list[list[StoryLine]]:
    """The story's lines grouped by round (its keys side by side), in time order."""
    return [list(group) for _, group in groupby(lines, key=lambda line: line.round)]


def round_sentences(lines: Sequence[StoryLine]) -> list[str]:
    """One sentence per round, its keys side by side: ``July 9 12:14 · key1 · 1 of 6 work: getUserOrderSummary;
    key2 · 3 of 6 work: getAds, ...``, so every round of a story fits on a screen and in a ticket."""
    return [f"{group[0].when} · " + "; ".join(line.key_part(3) for line in group) for group in by_round(lines)]


def shown_focus(run: RunRecord) -> tuple[str, ...]:
    """The focus as the page shows it: each focused endpoint, and after one whose credential opens a socket
    (chat/retrieveChatCredential) that socket, when the run opened it (``--socket``), as its own row and lane, not
    counted unless focused by name."""
    needs = load_catalog().needs if run.socket_checks else {}
    shown = [item for endpoint in run.focus for item in (endpoint, *(c for c, e in needs.items() if e == endpoint))]
    return tuple(dict.fromkeys(shown))


def observations(run: RunRecord) -> list[Observation]:
    """Every read-only endpoint that ran, for every key and round of the run."""
    return [
        Observation(
            round=record.round,
            at=run.rounds.get(record.round, run.started_at),
            phase=run.phases.get(record.round),
            key=record.key_name,
            fingerprint=record.key_fingerprint,
            endpoint=record.id,
            worked=record.worked,
            answer=record.answer.text,
            side=record.side,
        )
        for record in run.results
        if _counts(record)
    ]


def _counts(record: EndpointRecord) -> bool:
    return record.read_only and record.outcome is not Outcome.SKIPPED


def story(seen: Iterable[Observation], focus: Sequence[str] = (), shown: Sequence[str] = ()) -> list[StoryLine]:
    """One line per round and key, in time order, counted over the ``focus`` endpoints when given; the answers of
    the ``shown`` ones (a focus endpoint's socket) are kept for the chart without being counted."""
    order = list(dict.fromkeys([*focus, *shown]))
    rounds: dict[tuple[int, str], list[Observation]] = {}
    for observation in seen:
        if not focus or observation.endpoint in order:
            rounds.setdefault((observation.round, observation.key), []).append(observation)
    lines = []
    for (number, key), observed in rounds.items():
        if focus:
            observed.sort(key=lambda o: order.index(o.endpoint))
        counted = [o for o in observed if not focus or o.endpoint in focus]
        first = observed[0]
        lines.append(
            StoryLine(
                round=number,
                phase=first.phase,
                at=first.at,
                key=key,
                fingerprint=first.fingerprint,
                working=tuple(o.endpoint for o in counted if o.worked),
                failing=tuple(o.endpoint for o in counted if not o.worked),
                counted=len(counted),
                answers={o.endpoint: o for o in observed},
            )
        )
    return sorted(lines, key=lambda line: (line.at, line.round))


def run_story(run: RunRecord) -> list[StoryLine]:
    """The story of a live run: its rounds and keys, over its ``--focus`` endpoints when given."""
    return story(observations(run), run.focus, shown_focus(run))


def tells_a_story(run: RunRecord) -> bool:
    """Whether the run has (or was to have) more than one round, or more than one key (a single one keeps the
    plain first screen)."""
    return len(run.rounds) > 1 or len(run.keys) > 1 or run.rounds_planned > 1
