"""The facts of a live run, as the reports and the history store them."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from contracts import Contract
from p2p_conformance.controls import ControlCheck
from p2p_conformance.diagnosis import Diagnosis, diagnose
from p2p_conformance.live import LiveResult

SIDE_WORDS = {
    "binance": "on Binance's side",
    "client": "on the client side",
    "account": "in the key's settings",
    "network": "in the network",
    "contract": "in the contract (answers that break it)",
}


@dataclass(frozen=True)
class EndpointRecord:
    """One endpoint's line in the reports."""

    id: str
    method: str
    path: str
    mutating: bool
    confidence: str
    outcome: str  # pass | fail | skipped | error
    side: str
    diagnosis: str
    next_step: str
    http_status: int | None = None
    code: int | str | None = None
    msg: str | None = None
    latency_ms: float | None = None
    notes: tuple[str, ...] = ()
    rate_limit_headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    reproduction: str = ""

    @classmethod
    def from_result(cls, result: LiveResult) -> EndpointRecord:
        return cls(
            **_contract_fields(result.contract),
            **asdict(diagnose(result)),
            outcome="pass" if result.passed else "fail",
            http_status=result.http_status,
            code=result.code,
            msg=result.message,
            latency_ms=round(result.latency_ms, 1),
            notes=result.notes,
            rate_limit_headers=dict(result.rate_limit_headers),
            body=result.body,
            reproduction=result.reproduction,
        )

    @classmethod
    def not_run(cls, contract: Contract, outcome: str, found: Diagnosis) -> EndpointRecord:
        """A skipped endpoint, or one whose test errored before calling."""
        return cls(**_contract_fields(contract), **asdict(found), outcome=outcome)


def _contract_fields(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "method": contract.method,
        "path": contract.path,
        "mutating": not contract.read_only,
        "confidence": contract.confidence,
    }


@dataclass
class RunRecord:
    """A whole live run: who, where, when, the control checks and every endpoint."""

    started_at: str
    base_url: str
    key_fingerprint: str
    key_type: str
    case_id: str | None
    clock_offset_ms: int | None = None
    controls: list[ControlCheck] = field(default_factory=list)
    results: list[EndpointRecord] = field(default_factory=list)

    def ran(self) -> list[EndpointRecord]:
        """The read-only endpoints that were run (skipped ones are not)."""
        return [r for r in self.results if not r.mutating and r.outcome in ("pass", "fail", "error")]

    def failures_by_side(self) -> dict[str, dict[str, list[EndpointRecord]]]:
        """Failed endpoints by side (most first), then by diagnosis: the report's argument."""
        grouped: dict[str, dict[str, list[EndpointRecord]]] = {}
        for record in self.ran():
            if record.outcome != "pass":
                grouped.setdefault(record.side, {}).setdefault(record.diagnosis, []).append(record)
        return dict(sorted(grouped.items(), key=lambda item: -sum(map(len, item[1].values()))))

    def verdict(self) -> str:
        ran = self.ran()
        working = sum(r.outcome == "pass" for r in ran)
        sentence = f"{working} of {len(ran)} read-only endpoints work"
        sides = Counter(r.side for r in ran if r.outcome != "pass")
        if not sides:
            return f"{sentence}; no failures."
        if len(sides) == 1:
            return f"{sentence}; failures are {SIDE_WORDS[next(iter(sides))]}."
        parts = ", ".join(f"{SIDE_WORDS[side]}: {count}" for side, count in sides.most_common())
        return f"{sentence}; failures are mixed ({parts})."

    def to_json(self) -> dict[str, Any]:
        document = asdict(self)
        document["verdict"] = self.verdict()
        return document
