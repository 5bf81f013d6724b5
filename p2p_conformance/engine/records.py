"""Turning what happened to an endpoint into its :class:`~p2p_conformance.model.EndpointRecord`.

A record says what happened: the answer, or why none came. Its side is drawn later, once, from the
whole run (:func:`p2p_conformance.engine.conclusions.weigh`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from p2p_conformance.contracts import Contract
from p2p_conformance.contracts.model import EMULATOR_HEADER
from p2p_conformance.model import Answer, EndpointRecord, LiveResult, Outcome, Stop


@dataclass(frozen=True)
class RecordContext:
    """Who and when: the key a result belongs to, and the ``--repeat`` round."""

    key_name: str
    key_fingerprint: str
    round: int = 1


def endpoint_record(
    contract: Contract,
    context: RecordContext,
    *,
    outcome: Outcome,
    answer: Answer | None = None,
    problem: str | None = None,
    stop: Stop | None = None,
) -> EndpointRecord:
    """The record of one endpoint for one key and round."""
    return EndpointRecord(
        id=contract.id,
        method=contract.method,
        path=contract.path,
        placement=contract.placement,
        mutating=contract.mutating,
        confidence=contract.confidence,
        key_name=context.key_name,
        key_fingerprint=context.key_fingerprint,
        round=context.round,
        outcome=outcome,
        answer=answer or Answer(),
        problem=problem,
        stop=stop,
    )


def record_of_result(result: LiveResult, context: RecordContext) -> EndpointRecord:
    """The record of a live call, answered or not."""
    outcome = Outcome.PASS if result.passed else Outcome.FAIL
    return endpoint_record(result.contract, context, outcome=outcome, answer=result.answer, problem=result.problem)


def after_what_they_need(records: Sequence[EndpointRecord], needs: Mapping[str, str]) -> list[EndpointRecord]:
    """The records in their order, each check's that needs another endpoint's answer (``needs``: check id -> that
    endpoint, as the chat socket needs its credential's) moved to just after that endpoint's record of the same key
    and round, where that one is there: a report reads them together."""
    dependent = [r for r in records if r.id in needs]
    placed = [r for r in records if r.id not in needs]
    for check in dependent:
        source = next(
            (
                index
                for index, r in enumerate(placed)
                if (r.id, r.key_name, r.round) == (needs[check.id], check.key_name, check.round)
            ),
            len(placed) - 1,
        )
        placed.insert(source + 1, check)
    return placed


def emulator_named(records: Sequence[EndpointRecord]) -> str | None:
    """The scenario the suite's emulator named in an answer of the run (its :data:`EMULATOR_HEADER`), or None: a run
    given ``--binance-url`` at a standalone emulator is an emulator run all the same."""
    header = EMULATOR_HEADER.lower()
    return next(
        (value for record in records for name, value in record.answer.trace_headers.items() if name.lower() == header),
        None,
    )
