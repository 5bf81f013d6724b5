"""The facts of a live run, as the reports and the history store them.

Records are plain data (they travel from pytest-xdist workers to the controller as JSON).
"""

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
    """One endpoint's line in the reports, for one key in one round."""

    id: str
    method: str
    path: str
    mutating: bool
    confidence: str
    outcome: str  # pass | fail | skipped | error
    side: str
    diagnosis: str
    next_step: str
    key_name: str
    key_fingerprint: str
    round: int = 1
    http_status: int | None = None
    code: int | str | None = None
    msg: str | None = None
    latency_ms: float | None = None
    trend: str | None = None  # from the history, once the run is stored
    notes: tuple[str, ...] = ()
    rate_limit_headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    reproduction: str = ""

    @classmethod
    def from_result(cls, result: LiveResult, **run: Any) -> EndpointRecord:
        """``run``: key_name, key_fingerprint and round."""
        return cls(
            **_contract_fields(result.contract),
            **asdict(diagnose(result)),
            **run,
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
    def not_run(cls, contract: Contract, outcome: str, found: Diagnosis, **run: Any) -> EndpointRecord:
        """A skipped endpoint, or one whose test stopped before an answer was judged."""
        return cls(**_contract_fields(contract), **asdict(found), **run, outcome=outcome)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EndpointRecord:
        return cls(**{**data, "notes": tuple(data["notes"])})

    def history_row(self) -> tuple[str, str, str, int | None, str | None, str, float | None]:
        """(endpoint, key fingerprint, outcome, HTTP status, code, side, latency) for the history."""
        code = None if self.code is None else str(self.code)
        return self.id, self.key_fingerprint, self.outcome, self.http_status, code, self.side, self.latency_ms


def _contract_fields(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "method": contract.method,
        "path": contract.path,
        "mutating": not contract.read_only,
        "confidence": contract.confidence,
    }


@dataclass(frozen=True)
class KeySession:
    """What a live session established for one key before its endpoints ran."""

    name: str
    fingerprint: str
    key_type: str
    base_url: str
    clock_offset_ms: int
    controls: tuple[ControlCheck, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KeySession:
        return cls(**{**data, "controls": tuple(ControlCheck(**check) for check in data["controls"])})


@dataclass
class RunRecord:
    """A whole live session: when, which keys, the control checks, every endpoint of every round."""

    started_at: str
    case_id: str | None
    sessions: list[KeySession] = field(default_factory=list)
    results: list[EndpointRecord] = field(default_factory=list)
    rounds: dict[int, str] = field(default_factory=dict)  # round -> when it started (UTC)
    changes: list[str] = field(default_factory=list)  # "3 of 6 endpoints now work, up from ..." per key

    @property
    def last_round(self) -> list[EndpointRecord]:
        latest = max((r.round for r in self.results), default=1)
        return [r for r in self.results if r.round == latest]

    def ran(self) -> list[EndpointRecord]:
        """The read-only endpoints run in the last round (skipped ones are not)."""
        return [r for r in self.last_round if not r.mutating and r.outcome in ("pass", "fail", "error")]

    def failures_by_side(self) -> dict[str, dict[str, list[EndpointRecord]]]:
        """Failed endpoints of the last round by side (most first), then by diagnosis: the report's argument."""
        grouped: dict[str, dict[str, list[EndpointRecord]]] = {}
        for record in self.ran():
            if record.outcome != "pass":
                grouped.setdefault(record.side, {}).setdefault(record.diagnosis, []).append(record)
        return dict(sorted(grouped.items(), key=lambda item: -sum(map(len, item[1].values()))))

    def verdict(self) -> str:
        ran = self.ran()
        working = sum(r.outcome == "pass" for r in ran)
        sentence = f"{working} of {len(ran)} read-only endpoints work"
        if len(self.sessions) > 1:
            sentence = f"{working} of {len(ran)} read-only endpoint and key pairs work"
        sides = Counter(r.side for r in ran if r.outcome != "pass")
        if not sides:
            return f"{sentence}; no failures."
        if len(sides) == 1:
            return f"{sentence}; failures are {SIDE_WORDS[next(iter(sides))]}."
        parts = ", ".join(f"{SIDE_WORDS[side]}: {count}" for side, count in sides.most_common())
        return f"{sentence}; failures are mixed ({parts})."

    def to_json(self) -> dict[str, Any]:
        first = self.sessions[0] if self.sessions else None
        return {
            "started_at": self.started_at,
            "base_url": first.base_url if first else None,
            "key_fingerprint": first.fingerprint if first else None,
            "key_type": first.key_type if first else None,
            "case_id": self.case_id,
            "clock_offset_ms": first.clock_offset_ms if first else None,
            "verdict": self.verdict(),
            "changes": self.changes,
            "controls": [asdict(check) for check in first.controls] if first else [],
            "keys": [asdict(session) for session in self.sessions],
            "rounds": [{"round": number, "started_at": at} for number, at in sorted(self.rounds.items())],
            "results": [asdict(record) for record in self.results],
        }
