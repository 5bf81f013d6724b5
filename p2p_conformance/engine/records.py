"""Turning what happened to an endpoint into its :class:`~p2p_conformance.model.EndpointRecord`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from contracts import Contract
from p2p_conformance.engine.diagnosis import diagnose
from p2p_conformance.model import Diagnosis, EndpointRecord, LiveResult, Outcome


@dataclass(frozen=True)
class RecordContext:
    """Who and when: the key a result belongs to, and the ``--repeat`` round."""

    key_name: str
    key_fingerprint: str
    round: int = 1


def record_not_run(contract: Contract, outcome: Outcome, found: Diagnosis, context: RecordContext) -> EndpointRecord:
    """A skipped endpoint, or one whose test stopped before an answer was judged."""
    return EndpointRecord(
        id=contract.id,
        method=contract.method,
        path=contract.path,
        placement=contract.placement.value,
        mutating=contract.mutating,
        confidence=contract.confidence,
        outcome=outcome,
        side=found.side,
        diagnosis=found.diagnosis,
        next_step=found.next_step,
        key_name=context.key_name,
        key_fingerprint=context.key_fingerprint,
        round=context.round,
    )


def record_of_result(result: LiveResult, context: RecordContext) -> EndpointRecord:
    """The record of a live call, answered or not, with its diagnosis."""
    outcome = Outcome.PASS if result.passed else Outcome.FAIL
    return replace(
        record_not_run(result.contract, outcome, diagnose(result), context),
        http_status=result.http_status,
        code=result.code,
        msg=result.message,
        latency_ms=round(result.latency_ms, 1),
        at=result.at,
        notes=result.notes,
        rate_limit_headers=dict(result.rate_limit_headers),
        body=result.body,
        reproduction=result.reproduction,
        second_opinion=result.second_opinion,
        drift=result.drift,
        observed=result.observed,
        request=result.request,
    )
