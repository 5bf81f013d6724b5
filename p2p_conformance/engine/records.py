"""Turning what happened to an endpoint into its :class:`~p2p_conformance.model.EndpointRecord`.

A record says what happened: the answer, or why none came. Its side is drawn later, once, from the
whole run (:func:`p2p_conformance.engine.conclusions.weigh`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from p2p_conformance.contracts import Contract
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


def sockets_under_their_credentials(
    records: Sequence[EndpointRecord], opened_by: Mapping[str, str]
) -> list[EndpointRecord]:
    """The records in their order, each socket's (``opened_by``: socket id -> the endpoint whose credential
    opens it) moved to just after its endpoint's of the same key and round, where that one is there."""
    sockets = [r for r in records if r.id in opened_by]
    placed = [r for r in records if r.id not in opened_by]
    for socket in sockets:
        source = next(
            (
                index
                for index, r in enumerate(placed)
                if (r.id, r.key_name, r.round) == (opened_by[socket.id], socket.key_name, socket.round)
            ),
            len(placed) - 1,
        )
        placed.insert(source + 1, socket)
    return placed
