"""Turning what happened to an endpoint into its :class:`~p2p_conformance.model.EndpointRecord`.

A record says what happened: the answer, or why none came. Its side is drawn later, once, from the
whole run (:func:`p2p_conformance.engine.conclusions.weigh`).
"""

from __future__ import annotations

from dataclasses import dataclass

from contracts import Contract
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
