"""The story as a chart: one lane per endpoint (and key), time across, each cell the answer.

Only the geometry and the words are computed here; ``templates/story.html`` draws it as inline SVG
(no script, no network, every text escaped). Time is real time: a column stands where its round
started, with at least a cell's width between columns, so an hour's gap and a second's both read.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from p2p_conformance.model import OthersSaw, Side, utc_seconds
from p2p_conformance.report.status_feed import others_cell, others_said
from p2p_conformance.report.story import StoryLine
from p2p_conformance.report.summary import WORKS

LABEL_WIDTH = 330  # pixels for the lane names on the left
CELL_WIDTH = 74
CELL_HEIGHT = 18
LANE_GAP = 2
HEADER_HEIGHT = 34  # two lines: the phase (or date), the time
MAX_WIDTH = 1200  # the report's column is 1240 px wide
MAX_LANES = 24  # without --focus, the lanes whose answer changed, at most this many


class AnswerClass(enum.StrEnum):
    """How a cell is coloured: whether it worked, and where the fix of a failure lies."""

    WORKS = "works"
    BINANCE = "binance"  # refused, and the evidence puts it on Binance's side
    CLIENT = "client"  # the client or the key's settings
    NETWORK = "network"  # no answer
    UNDETERMINED = "undetermined"  # failed (refused, held back, not opened, a broken contract), no side follows
    NOT_RUN = "not-run"
    OTHERS = "others"  # what other merchants' status feeds saw in the same hour (--compare-with): not evidence


CLASS_OF_SIDE = {
    Side.BINANCE: AnswerClass.BINANCE,
    Side.CLIENT: AnswerClass.CLIENT,
    Side.ACCOUNT: AnswerClass.CLIENT,
    Side.NETWORK: AnswerClass.NETWORK,
    Side.LOCATION: AnswerClass.NETWORK,
    Side.UNDETERMINED: AnswerClass.UNDETERMINED,
    Side.CONTRACT: AnswerClass.UNDETERMINED,
}
LEGEND = {
    AnswerClass.WORKS: "works",
    AnswerClass.BINANCE: "refused, on Binance's side",
    AnswerClass.CLIENT: "client side or key settings",
    AnswerClass.NETWORK: "no answer, or this location refused",
    AnswerClass.UNDETERMINED: "failed, no side follows (refused, held back or not opened)",
    AnswerClass.NOT_RUN: "not run",
}
OTHERS_LEGEND = "other merchants, same hour (their status feeds: most saw this, of how many)"
OTHERS_LANE = "other merchants"


@dataclass(frozen=True, kw_only=True)
class Column:
    """A round (or stored run) across the chart: where it stands and its two heading lines."""

    x: int
    heading: str  # the phase, or the date
    time: str  # HH:MM (UTC)


@dataclass(frozen=True, kw_only=True)
class Cell:
    """One answer in the chart."""

    x: int
    y: int
    text: str  # "works", "-2008", "HTTP 500"
    answer_class: AnswerClass
    title: str  # the whole sentence, shown on hover


@dataclass(frozen=True, kw_only=True)
class Lane:
    """One endpoint (and key) down the chart."""

    y: int
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True, kw_only=True)
class Chart:
    """The whole chart, laid out: what templates/_chart.html draws."""

    width: int
    height: int
    columns: tuple[Column, ...]
    lanes: tuple[Lane, ...]
    caption: str
    legend: tuple[tuple[AnswerClass, str], ...]
    cell_width: int = CELL_WIDTH
    cell_height: int = CELL_HEIGHT


def column_positions(times: Sequence[str], left: int, room: int, cell: int) -> list[int]:
    """Where each column starts: in proportion to real time, at least ``cell`` apart, within ``room``."""
    if not times:
        return []
    seconds = [utc_seconds(at) for at in times]
    span = (seconds[-1] - seconds[0]) or 1.0
    free = max(room - cell * len(times), 0)
    positions, previous = [], None
    for moment in seconds:
        x = left + round((moment - seconds[0]) / span * free)
        x = max(x, previous + cell) if previous is not None else x
        positions.append(x)
        previous = x
    return positions


def _changed(lines: Sequence[StoryLine]) -> set[tuple[str, str]]:
    """The (endpoint, key) pairs whose answer changed over the story (one pass over it)."""
    answers: dict[tuple[str, str], set[str]] = {}
    for line in lines:
        for endpoint, seen in line.answers.items():
            answers.setdefault((endpoint, line.key), set()).add(seen.answer)
    return {pair for pair, seen in answers.items() if len(seen) > 1}


def _failed(lines: Sequence[StoryLine]) -> set[tuple[str, str]]:
    """The (endpoint, key) pairs that failed in some round of the story."""
    return {(endpoint, line.key) for line in lines for endpoint in line.failing}


def story_chart(
    lines: Sequence[StoryLine],
    focus: Sequence[str],
    key_order: Sequence[str] = (),
    others: Mapping[tuple[str, int], OthersSaw] | None = None,
) -> Chart | None:
    """The chart of a story: lanes of the focus endpoints (else those whose answer changed), per key when
    there are several, the keys in ``key_order`` (the run's) when given; under an endpoint's lanes, what other
    merchants' feeds saw of it in each round's hour (``others``, by endpoint and round), when they saw any.
    None when there is nothing to draw."""
    told = list(dict.fromkeys(line.key for line in lines))
    keys = [key for key in key_order if key in told] + [key for key in told if key not in key_order]
    rounds = list(dict.fromkeys((line.round, line.at, line.phase) for line in lines))
    endpoints = list(focus) or list(dict.fromkeys(e for line in lines for e in (*line.working, *line.failing)))
    pairs = [(endpoint, key) for endpoint in endpoints for key in keys]
    seen_by_others = others or {}
    compared = {endpoint for endpoint, _ in seen_by_others}
    if not focus:  # what changed, and what failed where others' feeds say what they saw
        kept = _changed(lines) | {pair for pair in _failed(lines) if pair[0] in compared}
        pairs = [pair for pair in pairs if pair in kept][:MAX_LANES]
    if not pairs or not rounds:
        return None
    room = min(MAX_WIDTH - LABEL_WIDTH, max(len(rounds) * CELL_WIDTH, 600))
    xs = column_positions([at for _, at, _ in rounds], LABEL_WIDTH, room, CELL_WIDTH)
    by_round_key = {(line.round, line.key): line for line in lines}
    several = len(keys) > 1
    shown_endpoints = list(dict.fromkeys(endpoint for endpoint, _ in pairs))
    beside = compared & set(shown_endpoints)
    lanes: list[Lane] = []
    for endpoint in shown_endpoints:
        for key in (key for shown, key in pairs if shown == endpoint):
            y = HEADER_HEIGHT + len(lanes) * (CELL_HEIGHT + LANE_GAP)
            cells = [
                _own_cell(x, y, endpoint, key, phase or at[11:19], by_round_key.get((number, key)))
                for x, (number, at, phase) in zip(xs, rounds, strict=True)
            ]
            lanes.append(Lane(y=y, label=f"{endpoint} · {key}" if several else endpoint, cells=tuple(cells)))
        if endpoint in beside:
            y = HEADER_HEIGHT + len(lanes) * (CELL_HEIGHT + LANE_GAP)
            cells = [
                _others_cell(x, y, endpoint, seen_by_others.get((endpoint, number)))
                for x, (number, _, _) in zip(xs, rounds, strict=True)
            ]
            lanes.append(Lane(y=y, label=f"{endpoint} · {OTHERS_LANE}", cells=tuple(cells)))
    columns = tuple(
        Column(x=x, heading=phase or at[:10], time=at[11:16]) for x, (_, at, phase) in zip(xs, rounds, strict=True)
    )
    width = min(MAX_WIDTH, xs[-1] + CELL_WIDTH + 4)
    height = HEADER_HEIGHT + len(lanes) * (CELL_HEIGHT + LANE_GAP)
    shown = (
        "the endpoints of this case (--focus)"
        if focus
        else "the endpoints whose answer changed" + (" or that failed where others' feeds say" if beside else "")
    )
    legend = (*LEGEND.items(), *([(AnswerClass.OTHERS, OTHERS_LEGEND)] if beside else []))
    return Chart(
        width=width,
        height=height,
        columns=columns,
        lanes=tuple(lanes),
        caption=f"Each round's answer, {shown}{', per key' if several else ''}; time runs left to right (UTC)."
        + (" Other merchants' lanes are their own runs (--compare-with), not this run's evidence." if beside else ""),
        legend=legend,
    )


def _own_cell(x: int, y: int, endpoint: str, key: str, when: str, line: StoryLine | None) -> Cell:
    """The answer one key got from the endpoint in one round."""
    seen = line.answers.get(endpoint) if line is not None else None
    if seen is None:
        text, answer_class, said = "", AnswerClass.NOT_RUN, "not run"
    elif seen.worked:
        text, answer_class, said = WORKS, AnswerClass.WORKS, WORKS
    else:
        text = seen.answer.replace("HTTP ", "")  # "500", "empty 200"
        answer_class = CLASS_OF_SIDE.get(seen.side, AnswerClass.UNDETERMINED)  # a failure with no side: none follows
        said = f"{seen.answer} ({LEGEND[answer_class]})"
    return Cell(x=x, y=y, text=text, answer_class=answer_class, title=f"{endpoint} · {key} · {when}: {said}")


def _others_cell(x: int, y: int, endpoint: str, found: OthersSaw | None) -> Cell:
    """What other merchants' feeds saw of the endpoint in a round's hour; an hour no feed has says nothing."""
    if found is None:
        return Cell(
            x=x, y=y, text="", answer_class=AnswerClass.NOT_RUN, title=f"{endpoint}: no feed read has this hour"
        )
    return Cell(
        x=x, y=y, text=others_cell(found), answer_class=AnswerClass.OTHERS, title=f"{endpoint}: {others_said(found)}"
    )
