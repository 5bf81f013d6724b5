"""Evidence: what a run establishes about each key, from its own calls, with the calls that prove it.

A failure's meaning alone (``contracts/error-codes.yaml``) cannot tell a key that Binance has not
enabled from one that was deleted or mistyped: both get -2008. The rest of the same run can. For
each key and round, :func:`gather` states the facts (:class:`~p2p_conformance.model.Fact`) with the
calls that prove them; :mod:`.conclusions` draws each result's side from them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise

from p2p_conformance.contracts import code_named
from p2p_conformance.contracts.model import API_RESTRICTIONS_ID
from p2p_conformance.model import (
    AnswerKind,
    ControlCheck,
    ControlKind,
    EndpointRecord,
    Evidence,
    Fact,
    KeySummary,
    clock_words,
)
from p2p_conformance.signer import Placement

AGENT_PREFIX = "agent/"  # the agent family's endpoint ids (docs/endpoints.md)
REJECTED_KEY = code_named("REJECTED_MBX_KEY")  # -2015
BAD_SIGNATURE = code_named("INVALID_SIGNATURE")  # -1022
SHAPES = {Placement.QUERY: "every parameter in the query", Placement.JSON_BODY: "a JSON body"}


@dataclass(frozen=True)
class Accepted:
    """A signed call Binance accepted (HTTP 200, success body): its endpoint, shape and time."""

    id: str
    method: str
    placement: Placement
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
        Accepted(r.id, r.method, r.placement, r.answer.at)
        for r in records
        if r.worked and r.answer.kind is AnswerKind.SUCCESS and r.answer.at
    ]
    accepted += [
        Accepted(API_RESTRICTIONS_ID, "GET", Placement.QUERY, check.at)
        for check in controls
        if check.kind == ControlKind.API_RESTRICTIONS and check.http_status == 200 and check.at
    ]
    return accepted


def listed(calls: list[Accepted]) -> str:
    """``ads/getAds (12:14:03), ads/search (12:14:04)``: accepted calls as the reasoning names them."""
    return ", ".join(call.label for call in calls)


def _accepted_fact(fact: Fact, calls: list[Accepted], what: str) -> Evidence:
    if calls:
        return Evidence(fact, True, tuple(c.id for c in calls), f"Binance accepted {what} on {listed(calls)}.")
    return Evidence(fact, False, (), f"Binance accepted {what} on no call of this run.")


def gather(
    records: list[EndpointRecord], key: KeySummary | None, recv_window: int, last_failed_only: bool = False
) -> tuple[dict[Fact, Evidence], list[Accepted]]:
    """The facts of one key in one round, and the accepted calls they rest on (``key`` is None for a key
    that was never opened: no control check and no clock offset stand behind it; ``last_failed_only``: the run
    was narrowed by ``--lf`` to what failed last time)."""
    key_controls = key.controls if key is not None else ()
    offset = key.clock_offset_ms if key is not None else 0
    accepted = accepted_calls(records, key_controls)
    by_placement = {shape: [c for c in accepted if c.placement is shape] for shape in SHAPES}
    controls = {check.kind: check for check in key_controls}
    slowest = max((r.answer.latency_ms or 0.0 for r in records), default=0.0)
    # every timestamp is this machine's clock corrected to Binance's server time: what is left against recvWindow
    # is how long a request takes to arrive, bounded by the slowest answer (the offset's size does not count)
    signer = controls.get(ControlKind.SIGNER)
    answered = [r for r in records if r.answer.http_status is not None]
    all_rejected = bool(answered) and all(r.answer.code == REJECTED_KEY for r in answered)
    signing_holds = slowest < recv_window and signer is not None and signer.ok
    refused = [r.id for r in answered if r.answer.code == BAD_SIGNATURE]
    every_refused = bool(answered) and len(refused) == len(answered)
    across = calls_across_services(records, controls.get(ControlKind.API_RESTRICTIONS), last_failed_only)
    facts = [
        _accepted_fact(Fact.KEY_RECOGNISED, accepted, "this key"),
        _accepted_fact(
            Fact.SIGNATURE_ACCEPTED_QUERY, by_placement[Placement.QUERY], "a signed query with every parameter"
        ),
        _accepted_fact(
            Fact.SIGNATURE_ACCEPTED_JSON_BODY, by_placement[Placement.JSON_BODY], "a signed POST with a JSON body"
        ),
        Evidence(
            Fact.CLOCK_IN_WINDOW,
            slowest < recv_window,
            ("api/v3/time",),
            f"{clock_words(offset)}, every timestamp corrected by it; slowest answer {slowest:.0f} ms against a "
            f"recvWindow of {recv_window} ms.",
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
            f"Calls from this machine were accepted ({listed(accepted)})."
            if accepted
            else "Every answer was -2015: an IP whitelist that leaves this machine out looks like this."
            if all_rejected
            else "No call from this machine was accepted, so nothing shows that its IP address is allowed.",
        ),
        across,
        Evidence(
            Fact.EVERY_SIGNATURE_REFUSED,
            every_refused and signing_holds and across.holds,
            tuple(refused),
            f"Binance refused every answered call with {BAD_SIGNATURE} ({', '.join(refused)}) while the clock is in "
            "the window and the signer reproduces Binance's published vectors."
            if every_refused and signing_holds and across.holds
            else f"Binance refused every answered call with {BAD_SIGNATURE}, but the clock or the signer does not "
            "hold, and may explain it."
            if every_refused and not signing_holds
            else f"Binance refused every answered call with {BAD_SIGNATURE}, but too few calls were answered to "
            "judge the key as a whole (the account control and more than one service)."
            if every_refused
            else f"Not every answered call was refused with {BAD_SIGNATURE}.",
        ),
    ]
    return {evidence.fact: evidence for evidence in facts}, accepted


def service(endpoint_id: str) -> str:
    """``ads`` of ``ads/search`` and of ``agent/ads/search``: the service of the API an endpoint belongs to (the
    agent family's paths reach the same services under another prefix, so they are not a service of their own)."""
    return endpoint_id.removeprefix(AGENT_PREFIX).split("/", 1)[0]


def calls_across_services(
    records: Iterable[EndpointRecord], account: ControlCheck | None, last_failed_only: bool = False
) -> Evidence:
    """``calls-across-services``: whether the round has what a conclusion about the key as a whole needs (the
    secret wrong, the key recognised nowhere): the account control answered, and calls of more than one
    service answered with a success or a Binance code. A run narrowed to one endpoint (``-k``) or stopped
    at its first failure (``-x``) may not; a run narrowed by ``--lf`` never has: it left out on purpose the calls
    that worked last time."""
    served = [r for r in records if r.answer.kind.served]
    services = sorted({service(r.id) for r in served})
    control = account is not None and account.http_status is not None
    if last_failed_only:
        return Evidence(
            Fact.CALLS_ACROSS_SERVICES,
            False,
            tuple(dict.fromkeys(r.id for r in served)),
            "The run was narrowed by --lf to the calls that failed last time: those that worked were left out on "
            "purpose, so the calls judged say nothing of the key as a whole.",
        )
    holds = control and len(services) > 1
    calls = f"{len(served)} endpoint call(s) answered with a success or a Binance code, of {len(services)} service(s)"
    named = f" ({', '.join(services)})" if services else ""
    return Evidence(
        Fact.CALLS_ACROSS_SERVICES,
        holds,
        tuple(dict.fromkeys(r.id for r in served)) + ((API_RESTRICTIONS_ID,) if control else ()),
        f"{calls}{named}, and the account control {'answered' if control else 'not answered'}"
        + (
            ": enough to judge the key as a whole."
            if holds
            else ": too few to judge the key as a whole (that needs the account control and more than one service)."
        ),
    )


@dataclass(frozen=True, kw_only=True)
class ChangedAnswer:
    """The same request of one key to one endpoint, answered with a success in one round and refused in
    another: the case file's "identical requests yield different results"."""

    endpoint: str
    worked_at: str  # the round's phase name, or the answer's time
    refused_at: str
    refusal: str  # what the refusal was: "-2008", "HTTP 500"
    worked_first: bool

    @property
    def change(self) -> str:
        """``worked at 12:14 and was refused with -2008 at 13:03`` (or the reverse)."""
        if self.worked_first:
            return f"worked at {self.worked_at} and was refused with {self.refusal} at {self.refused_at}"
        return f"was refused with {self.refusal} at {self.refused_at} and worked at {self.worked_at}"

    @property
    def sentence(self) -> str:
        """``ads/getAds worked at 12:14 and was refused with -2008 at 13:03, same key, same request``."""
        return f"{self.endpoint} {self.change}, same key, same request"


def _round_name(number: int, at: str | None, phases: Mapping[int, str]) -> str:
    """A round as the reasoning names it: the emulator story's phase, else the clock time of an answer in it."""
    return phases.get(number) or clock_time(at)


def _when(record: EndpointRecord, phases: Mapping[int, str]) -> str:
    return _round_name(record.round, record.answer.at, phases)


@dataclass(frozen=True, kw_only=True)
class OtherRounds:
    """What the run's other rounds show of one key and endpoint, for a record of one round."""

    changed: ChangedAnswer | None = None  # the same request worked in one round and was refused in another
    served: str | None = None  # for an answer no service gave: what a service answered the same request elsewhere
    recognised: str = ""  # where else Binance accepted the key: "July 9 12:14 (orderMatch/getUserOrderSummary)"
    worked: str = ""  # where else the same request of this key worked: "July 9 12:14"


def recognised_elsewhere(number: int, recognised: Mapping[int, list[Accepted]], phases: Mapping[int, str]) -> str:
    """Where Binance accepted a key in the rounds other than ``number`` (``recognised``: the accepted calls of
    each round that recognised it), as :attr:`OtherRounds.recognised` says it."""
    return "; ".join(
        f"{_round_name(other, calls[0].at, phases)} ({', '.join(dict.fromkeys(c.id for c in calls))})"
        for other, calls in sorted(recognised.items())
        if other != number and calls
    )


def other_rounds(
    record: EndpointRecord,
    endpoint_known: Iterable[EndpointRecord],
    recognised: str,
    changed: ChangedAnswer | None,
    phases: Mapping[int, str],
) -> OtherRounds:
    """For one record, what its key's other rounds show (``endpoint_known``: the key's records of this endpoint in
    the rounds in which Binance recognised it, in round order; only such rounds are compared, since a round that
    recognised the key nowhere says nothing of any endpoint; ``recognised``: :func:`recognised_elsewhere`)."""
    same = [
        other
        for other in endpoint_known
        if other.round != record.round and other.answer.request == record.answer.request
    ]
    served = [other for other in same if other.answer.kind.served]
    latest = served[-1] if served else None
    return OtherRounds(
        changed=changed,
        served=None
        if latest is None
        else f"{'worked' if latest.worked else f'was answered {latest.answer.text}'} at {_when(latest, phases)}",
        recognised=recognised,
        worked=", ".join(dict.fromkeys(_when(other, phases) for other in same if other.worked)),
    )


def changed_answers(records: Iterable[EndpointRecord], phases: Mapping[int, str]) -> dict[str, ChangedAnswer]:
    """For one key's records over every round: each endpoint whose same request (method, path, parameters,
    headers and body, all but the timestamp and signature) worked in one round and was refused in the next
    one that sent it (the latest such change). A call that got no answer is neither."""

    answered: dict[str, list[EndpointRecord]] = {}
    for record in sorted(records, key=lambda r: r.round):
        if record.answer.request is not None and record.answer.http_status is not None:
            answered.setdefault(record.id, []).append(record)
    changes = {}
    for endpoint, rounds in answered.items():
        for before, after in pairwise(rounds):
            if before.answer.request == after.answer.request and before.worked != after.worked:
                worked, refused = (before, after) if before.worked else (after, before)
                changes[endpoint] = ChangedAnswer(
                    endpoint=endpoint,
                    worked_at=_when(worked, phases),
                    refused_at=_when(refused, phases),
                    refusal=refused.answer.text,
                    worked_first=before.worked,
                )
    return changes


def changed_answer_fact(changes: Mapping[str, ChangedAnswer]) -> Evidence:
    """``same-request-changed-answer`` for one key, from :func:`changed_answers`."""
    if not changes:
        unchanged = "No request got a success in one round and a refusal in another."
        return Evidence(Fact.SAME_REQUEST_CHANGED_ANSWER, False, (), unchanged)
    details = "; ".join(change.sentence for change in changes.values())
    return Evidence(Fact.SAME_REQUEST_CHANGED_ANSWER, True, tuple(changes), f"{details}.")
