"""What every report says of a run: the verdict line, the failures grouped by side, the JSON."""

from __future__ import annotations

from collections import Counter
from typing import Any

from p2p_conformance.model import EndpointRecord, Outcome, RunRecord, Side

SIDE_WORDS = {
    Side.BINANCE: "on Binance's side",
    Side.CLIENT: "on the client side",
    Side.ACCOUNT: "in the key's settings",
    Side.NETWORK: "in the network",
    Side.CONTRACT: "in the contract (answers that break it)",
}


def heading(side: Side) -> str:
    """``On Binance's side``: the side's words as a heading."""
    words = SIDE_WORDS[side]
    return words[0].upper() + words[1:]


def failures_by_side(run: RunRecord) -> dict[Side, dict[str, list[EndpointRecord]]]:
    """Failed endpoints of the last round by side (most first), then by diagnosis: the report's argument."""
    grouped: dict[Side, dict[str, list[EndpointRecord]]] = {}
    for record in run.ran():
        if record.outcome != Outcome.PASS:
            grouped.setdefault(record.side, {}).setdefault(record.diagnosis, []).append(record)
    return dict(sorted(grouped.items(), key=lambda item: -sum(map(len, item[1].values()))))


def verdict(run: RunRecord) -> str:
    """``3 of 43 read-only endpoints work; failures are mixed (...)``."""
    ran = run.ran()
    working = sum(r.outcome == Outcome.PASS for r in ran)
    sentence = f"{working} of {len(ran)} read-only endpoints work"
    if len(run.keys) > 1:
        sentence = f"{working} of {len(ran)} read-only endpoint and key pairs work"
    sides = Counter(r.side for r in ran if r.outcome != Outcome.PASS)
    if not sides:
        return f"{sentence}; no failures."
    if len(sides) == 1:
        return f"{sentence}; failures are {SIDE_WORDS[next(iter(sides))]}."
    parts = ", ".join(f"{SIDE_WORDS[side]}: {count}" for side, count in sides.most_common())
    return f"{sentence}; failures are mixed ({parts})."


def run_json(run: RunRecord) -> dict[str, Any]:
    """``live-summary.json``: the run for machines (the first key's facts also at the top level)."""
    first = run.keys[0] if run.keys else None
    first_facts = first.to_dict() if first else {}
    return {
        "started_at": run.started_at,
        "base_url": first_facts.get("base_url"),
        "key_fingerprint": first_facts.get("fingerprint"),
        "key_type": first_facts.get("key_type"),
        "case_id": run.case_id,
        "clock_offset_ms": first_facts.get("clock_offset_ms"),
        "verdict": verdict(run),
        "changes": run.changes,
        "controls": first_facts.get("controls", []),
        "keys": [key.to_dict() for key in run.keys],
        "rounds": [{"round": number, "started_at": at} for number, at in sorted(run.rounds.items())],
        "results": [record.to_dict() for record in run.results],
    }
