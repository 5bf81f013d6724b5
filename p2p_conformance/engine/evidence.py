"""Evidence, then conclusions: what a run establishes about each key, and the side each failure follows.

A failure's meaning alone (``contracts/error-codes.yaml``) cannot tell a key that Binance has not
enabled from one that was deleted or mistyped: both get -2008. The rest of the same run can. For
each key and round, :func:`gather` states the facts (:class:`~p2p_conformance.model.Fact`) with
the calls that prove them, and :func:`conclude` draws each failure's side from them, with a
one-sentence ``reasoning`` naming the facts used. The rules, in order:

1. HTTP 5xx: ``binance``, execution status unknown (whatever the client sent).
2. -2008 where ``key-recognised`` holds: ``binance`` (the same key was accepted elsewhere in this run);
   where it does not: ``undetermined``, never ``binance``.
3. -1022 where a signature was accepted for the same HTTP method and parameter placement: ``binance``;
   otherwise ``client``.
4. Otherwise the code's documented meaning stands.

A -2015 on the account control while C2C calls succeed is a note on the key, not a verdict: account
endpoints can refuse a key the P2P API accepts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from contracts.checks import SUCCESS_CODE
from p2p_conformance.model import (
    ControlCheck,
    ControlKind,
    EndpointRecord,
    Evidence,
    Fact,
    KeySummary,
    Outcome,
    RunRecord,
    Side,
)
from signer import Placement

ACCOUNT_CONTROL_ID = "account/apiRestrictions"
KEY_NOT_FOUND = -2008
BAD_SIGNATURE = -1022
REJECTED_KEY = -2015
SHAPES = {Placement.QUERY.value: "every parameter in the query", Placement.JSON_BODY.value: "a JSON body"}


@dataclass(frozen=True)
class Accepted:
    """A signed call Binance accepted (HTTP 200, success body): its endpoint, shape and time."""

    id: str
    method: str
    placement: str
    at: str

    @property
    def label(self) -> str:
        return f"{self.id} ({clock_time(self.at)})"


def clock_time(at: str | None) -> str:
    """``12:14:03`` of an ISO 8601 UTC time."""
    return at[11:19] if at else "?"


def accepted_calls(records: Iterable[EndpointRecord], controls: Iterable[ControlCheck]) -> list[Accepted]:
    """Every signed call of one key and round that Binance accepted, controls included."""
    accepted = [
        Accepted(r.id, r.method, r.placement, r.at)
        for r in records
        if r.outcome == Outcome.PASS and r.http_status == 200 and r.code == SUCCESS_CODE and r.at
    ]
    accepted += [
        Accepted(ACCOUNT_CONTROL_ID, "GET", Placement.QUERY.value, check.at)
        for check in controls
        if check.kind == ControlKind.API_RESTRICTIONS and check.http_status == 200 and check.at
    ]
    return accepted


def _listed(calls: list[Accepted]) -> str:
    return ", ".join(call.label for call in calls)


def _accepted_fact(fact: Fact, calls: list[Accepted], what: str) -> Evidence:
    if calls:
        return Evidence(fact, True, tuple(c.id for c in calls), f"Binance accepted {what} on {_listed(calls)}.")
    return Evidence(fact, False, (), f"Binance accepted {what} on no call of this run.")


def gather(
    records: list[EndpointRecord], key: KeySummary, recv_window: int
) -> tuple[dict[Fact, Evidence], list[Accepted]]:
    """The facts of one key in one round, and the accepted calls they rest on."""
    accepted = accepted_calls(records, key.controls)
    by_placement = {shape: [c for c in accepted if c.placement == shape] for shape in SHAPES}
    controls = {check.kind: check for check in key.controls}
    slowest = max((r.latency_ms or 0.0 for r in records), default=0.0)
    margin = abs(key.clock_offset_ms) + slowest
    signer = controls.get(ControlKind.SIGNER)
    answered = [r for r in records if r.http_status is not None]
    all_rejected = bool(answered) and all(r.code == REJECTED_KEY for r in answered)
    facts = [
        _accepted_fact(Fact.KEY_RECOGNISED, accepted, "this key"),
        _accepted_fact(
            Fact.SIGNATURE_ACCEPTED_QUERY, by_placement[Placement.QUERY.value], "a signed query with every parameter"
        ),
        _accepted_fact(
            Fact.SIGNATURE_ACCEPTED_JSON_BODY, by_placement[Placement.JSON_BODY.value], "a signed POST with a JSON body"
        ),
        Evidence(
            Fact.CLOCK_IN_WINDOW,
            margin < recv_window,
            ("api/v3/time",),
            f"Offset to the server {key.clock_offset_ms:+d} ms (applied to every timestamp), slowest answer "
            f"{slowest:.0f} ms: {margin:.0f} ms against a recvWindow of {recv_window} ms.",
        ),
        Evidence(
            Fact.SIGNER_MATCHES_VECTORS,
            signer is not None and signer.ok,
            ("signer self-check",),
            signer.evidence if signer is not None else "The signer self-check did not run.",
        ),
        Evidence(
            Fact.IP_ALLOWED,
            bool(accepted),
            tuple(c.id for c in accepted),
            f"Calls from this machine were accepted ({_listed(accepted)})."
            if accepted
            else "Every answer was -2015: an IP whitelist that leaves this machine out looks like this."
            if all_rejected
            else "No call from this machine was accepted, so nothing shows that its IP address is allowed.",
        ),
    ]
    return {evidence.fact: evidence for evidence in facts}, accepted


def conclude(record: EndpointRecord, facts: Mapping[Fact, Evidence], accepted: list[Accepted]) -> EndpointRecord:
    """The record with its side and reasoning drawn from the run's facts (a record that did not fail is kept)."""
    if record.outcome != Outcome.FAIL:
        return record
    if record.http_status is None:
        return replace(record, reasoning="No answer came, so no fact of this run bears on it; the reason stands.")
    if record.http_status >= 500:
        return replace(
            record,
            side=Side.BINANCE,
            reasoning=f"HTTP {record.http_status} is a failure on Binance's servers whatever the request; "
            "the execution status is unknown.",
        )
    if record.code == KEY_NOT_FOUND:
        return _key_not_found(record, facts[Fact.KEY_RECOGNISED], accepted)
    if record.code == BAD_SIGNATURE:
        return _bad_signature(record, facts, accepted)
    return replace(
        record,
        reasoning=f"The documented meaning of {record.answer} stands: no fact of this run bears on it.",
    )


def _key_not_found(record: EndpointRecord, recognised: Evidence, accepted: list[Accepted]) -> EndpointRecord:
    if recognised.holds:  # the accepted calls are all elsewhere: this one failed
        return replace(
            record,
            side=Side.BINANCE,
            diagnosis="-2008 BAD_API_ID (Invalid Api-Key ID) for a key that Binance accepted elsewhere in this run.",
            next_step="Send this report to Binance support: the key is valid, and this endpoint is not enabled for it.",
            reasoning=f"key-recognised: Binance accepted this key on {_listed(accepted)} in this run and "
            "refuses it here.",
        )
    return replace(
        record,
        side=Side.UNDETERMINED,
        diagnosis="-2008 BAD_API_ID: Binance recognised this key nowhere in this run.",
        next_step="Check the key in Binance's API management (a deleted, mistyped or testnet key gives the same "
        "-2008); if it is right, the merchant API is not enabled for it at all.",
        reasoning="key-recognised does not hold: a deleted, mistyped or testnet key gives the same -2008, so "
        "nothing in this run puts it on either side.",
    )


def _bad_signature(record: EndpointRecord, facts: Mapping[Fact, Evidence], accepted: list[Accepted]) -> EndpointRecord:
    fact = (
        Fact.SIGNATURE_ACCEPTED_JSON_BODY
        if record.placement == Placement.JSON_BODY.value
        else (Fact.SIGNATURE_ACCEPTED_QUERY)
    )
    shape = f"{record.method} with {SHAPES[record.placement]}"
    same_shape = [c for c in accepted if c.method == record.method and c.placement == record.placement]
    vectors = " and signer-matches-vectors" if facts[Fact.SIGNER_MATCHES_VECTORS].holds else ""
    if same_shape:
        return replace(
            record,
            side=Side.BINANCE,
            diagnosis=f"-1022 INVALID_SIGNATURE, although the same signer's signatures were accepted on "
            f"{len(same_shape)} endpoint(s) with the same request shape ({shape}) in this run.",
            next_step="Send this report to Binance support: the same signer and key are accepted on requests "
            "of this shape.",
            reasoning=f"{fact}{vectors}: signatures of the same shape ({shape}) were accepted on "
            f"{_listed(same_shape)} in this run.",
        )
    return replace(
        record,
        reasoning=f"{fact} does not hold for {shape}: no signed request of this shape was accepted in this run, "
        "so a signing fault on the client side is not ruled out.",
    )


def _account_note(key: KeySummary, facts: Mapping[Fact, Evidence]) -> tuple[str, ...]:
    """A note, not a verdict: the account control answered -2015 while C2C endpoints accepted the key."""
    control = next((c for c in key.controls if c.kind == ControlKind.API_RESTRICTIONS), None)
    p2p = [proof for proof in facts[Fact.KEY_RECOGNISED].proof if proof != ACCOUNT_CONTROL_ID]
    if control is None or control.code != REJECTED_KEY or not p2p:
        return ()
    return (
        f"The account endpoint (apiRestrictions) refused this key with -2015 while the P2P API accepted it on "
        f"{', '.join(p2p)}: account permissions and P2P access are granted separately, so this says nothing "
        "against the P2P results.",
    )


def _with_facts(key: KeySummary, facts: Mapping[Fact, Evidence]) -> KeySummary:
    return replace(key, evidence=tuple(facts.values()), notes=_account_note(key, facts))


def weigh(run: RunRecord, recv_window: int) -> RunRecord:
    """The run with every failure concluded from its key's facts in its round, and each key's last facts."""
    keys = {key.name: key for key in run.keys}
    concluded: dict[int, EndpointRecord] = {}
    last_facts: dict[str, dict[Fact, Evidence]] = {}
    for name, key in keys.items():
        rounds = sorted({r.round for r in run.results if r.key_name == name})
        for number in rounds:
            indexed = [(i, r) for i, r in enumerate(run.results) if r.key_name == name and r.round == number]
            facts, accepted = gather([r for _, r in indexed], key, recv_window)
            concluded.update({i: conclude(r, facts, accepted) for i, r in indexed})
            last_facts[name] = facts
    return replace(
        run,
        keys=[_with_facts(key, last_facts[key.name]) if key.name in last_facts else key for key in run.keys],
        results=[concluded.get(i, r) for i, r in enumerate(run.results)],
    )
