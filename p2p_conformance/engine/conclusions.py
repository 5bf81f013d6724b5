"""Where each result's fix lies: the one place a :class:`~p2p_conformance.model.Side` is decided.

The worker records what happened to an endpoint (the answer, or why none came); once the whole
run is in, :func:`weigh` gathers each key's facts per round (:mod:`.evidence`) and :func:`conclude`
gives every record its side, diagnosis, next step and, for a failure, the reasoning that names the
facts it rests on. The documented meaning of an answer (``contracts/error-codes.yaml`` for
Binance's codes, :func:`status_meaning` for a bare HTTP status, and what the answer is, its
:class:`~p2p_conformance.contracts.checks.AnswerKind`: an empty 200 is the gateway's answer to a path no service
takes (:func:`empty_200_meaning`), a 4xx naming the method is the contract's, a 451 the location's) is where it
starts; the run's evidence overrides it, in this order:

1. HTTP 5xx: ``binance``, execution status unknown (whatever the client sent).
2. -2008 where ``key-recognised`` holds: ``binance``, citing it, and ``same-request-changed-answer``
   where the same request of this key got a success in another round that recognised the key; where
   ``key-recognised`` does not hold: ``undetermined``, never ``binance``.
   In a round that recognised the key nowhere, the rounds that did are named, with the same requests that
   worked in them: still ``undetermined`` (a key deleted in between answers the same).
3. -1022 where a signature was accepted for the same HTTP method and parameter placement: ``binance``;
   where the key's signatures were accepted only on other request shapes: ``undetermined`` (the run
   cannot tell whether Binance signs something else for this endpoint); ``client`` only where Binance
   accepted no signature of the key at all (the secret, the clock or the signer is off: the reasoning
   names which facts fail).
4. -1021 on a request whose timestamp carried the offset Binance's own server time gave, answered within
   recvWindow: ``undetermined``, naming that time (not this machine's clock).
5. -1100, -1101, -1102 and -31002 (a parameter missing, malformed or illegal) on a request that carried every
   header and parameter its contract requires: ``undetermined``, naming where the contract comes from (and for
   -31002 what merchants reported it for); ``client`` when the request lacked something the contract requires.
6. Otherwise the documented meaning stands.

Every reasoning says the evidence in plain words first, and the fact's name after it.

A -2015 on the account control while C2C calls succeed is a note on the key, not a verdict: account
endpoints can refuse a key the P2P API accepts (:func:`account_note`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from p2p_conformance.contracts import code_named, load_error_codes
from p2p_conformance.contracts.model import API_RESTRICTIONS_ID
from p2p_conformance.engine.chat_socket import socket_judged
from p2p_conformance.engine.evidence import (
    BAD_SIGNATURE,
    REJECTED_KEY,
    SHAPES,
    Accepted,
    OtherRounds,
    changed_answer_fact,
    changed_answers,
    gather,
    listed,
    other_rounds,
    recognised_elsewhere,
)
from p2p_conformance.engine.transport import failure_words
from p2p_conformance.model import (
    NO_FACT_FOR_NO_ANSWER,
    AnswerKind,
    Conclusion,
    ControlKind,
    EndpointRecord,
    Evidence,
    Fact,
    KeySummary,
    Outcome,
    ProbeResult,
    RunRecord,
    Side,
    Stop,
)
from p2p_conformance.signer import Placement

KEY_NOT_FOUND = code_named("BAD_API_ID")  # -2008
INVALID_TIMESTAMP = code_named("INVALID_TIMESTAMP")  # -1021
# -1100, -1101, -1102: a parameter malformed, one too many, or missing; -31002: C2C's "illegal parameter"
C2C_ILLEGAL_PARAMETER = code_named("C2C_ILLEGAL_PARAMETER")
PARAMETER_CODES = frozenset(
    [
        *(code_named(name) for name in ("ILLEGAL_CHARS", "TOO_MANY_PARAMETERS", "MANDATORY_PARAM_EMPTY_OR_MALFORMED")),
        C2C_ILLEGAL_PARAMETER,
    ]
)
# What merchants reported -31002 for, in production (docs/error-codes.md gives the sources).
C2C_ILLEGAL_PARAMETER_CAUSES = (
    "a missing clientType header, a signed recvWindow on the chat credential call, and a parameter outside its "
    "documented range (a listUserOrderHistory time range over 30 days)"
)
NO_OTHER_ROUNDS = OtherRounds()  # a run of one round, or a key seen in one


WORKED = Conclusion(Side.NONE, "Worked: the answer satisfies the contract.", "Nothing to do.")


def code_meaning(code: int, http_status: int | None, message: str | None = None) -> Conclusion:
    """The documented meaning of a Binance error code, or of the business code its message carries (-9000's
    "187049"); an unknown code is judged by its HTTP status. A code documented as a server failure (a 5xx)
    that comes with a 4xx is not one: the status says the request was refused, and neither side follows."""
    known = load_error_codes().get(code)
    business = known.business.get((message or "").strip()) if known is not None else None
    if known is not None and business is not None:
        return Conclusion(business.side, f"{code} {known.name}: {business.meaning}", business.next)
    if known is not None and known.http >= 500 and http_status is not None and http_status < 500:
        return Conclusion(
            Side.UNDETERMINED,
            f"{code} {known.name} at HTTP {http_status}: Binance documents {code} as a failure while processing "
            f"(a 5xx), and HTTP {http_status} says the request was refused before that.",
            "Send this report to Binance support and ask what the refusal means for this endpoint.",
        )
    if known is not None:
        return Conclusion(known.side, f"{code} {known.name}: {known.meaning}", known.next)
    side = Side.BINANCE if http_status is not None and http_status >= 500 else Side.CLIENT
    return Conclusion(
        side,
        f"{code}: an error code this suite does not know (HTTP {http_status}).",
        "Look the code up in Binance's error list; send this report to support if it is not there.",
    )


def status_meaning(status: int, message: str | None) -> Conclusion:
    """What an HTTP status without a Binance error code means."""
    if 300 <= status < 400:
        return Conclusion(
            Side.BINANCE,
            f"The target answered HTTP {status}, a {message or 'redirect'}: the suite follows no redirect "
            "with a signed request, so nothing was sent there.",
            "If --binance-url is Binance's address, send this report to support; otherwise correct --binance-url.",
        )
    if status >= 500:
        return Conclusion(
            Side.BINANCE,
            f"Binance answered HTTP {status}: a server-side failure, execution status unknown.",
            "Retry later; if it persists, send this report to Binance support.",
        )
    if status in (418, 429):
        return Conclusion(
            Side.CLIENT,
            f"HTTP {status}: the request rate limit was exceeded.",
            "Wait for Retry-After seconds and slow down.",
        )
    if status == 403:
        return Conclusion(
            Side.CLIENT,
            "HTTP 403: Binance's web application firewall blocked the request.",
            "Check the request for unusual content and the rate of requests.",
        )
    if status == 404:
        return Conclusion(
            Side.CONTRACT,
            "HTTP 404: Binance does not serve this path and method.",
            "The contract may be wrong for this endpoint: try its variants (--variant).",
        )
    return Conclusion(
        Side.CLIENT, f"HTTP {status} without a Binance error code.", "Compare the request with the contract."
    )


def documented_meaning(record: EndpointRecord) -> Conclusion:
    """What a record's answer (or its lack of one) means on its own, before the run's evidence is weighed."""
    answer = record.answer
    if record.outcome is Outcome.PASS:
        return WORKED
    if record.outcome is Outcome.SKIPPED:
        return Conclusion(
            Side.NONE,
            f"Not run live: mutating, {record.mutating}.",
            "Contract-tested offline only (request shape and replay).",
        )
    if record.stop is Stop.UNREACHABLE:
        return Conclusion(Side.NETWORK, str(record.problem), "Check --binance-url and the network path.")
    if record.stop is Stop.TEST_ERROR:  # the suite's own failure: no evidence about Binance or the key
        return Conclusion(
            Side.UNDETERMINED,
            f"The test stopped on an error of the suite before an answer was judged: {record.problem}.",
            "Report the error in the test's log to the suite's maintainers (p2p-conformance issues), and run again.",
        )
    if not answer.sent:
        return Conclusion(
            Side.UNDETERMINED,
            f"Not sent: the run held this call back ({record.problem}).",
            "Run again once Binance's rate limit or ban has passed.",
        )
    if answer.http_status is None:
        return Conclusion(
            Side.NETWORK,
            f"No answer from Binance: {failure_words(str(record.problem))}.",
            "Check the network path to the target and retry.",
        )
    if answer.kind is AnswerKind.BLOCKED_LOCATION:
        return location_meaning(answer.http_status, answer.msg)
    if answer.kind is AnswerKind.WRONG_METHOD:
        return wrong_method_meaning(record)
    if answer.kind is AnswerKind.EMPTY_200:
        return empty_200_meaning(record, None)
    if answer.kind is AnswerKind.UNREADABLE_200:
        return Conclusion(
            Side.CONTRACT,
            f"Binance answered 200 with a body that is no answer of the C2C service: {record.problem}.",
            "Compare the body with the contract; a page from a proxy or firewall in the path looks like this.",
            "A body that is not JSON within an answer's bounds is not the C2C envelope: it proves nothing of the "
            "key, the signature or the request.",
        )
    if isinstance(answer.code, int) and answer.code < 0:
        return code_meaning(answer.code, answer.http_status, answer.msg)
    if answer.kind is AnswerKind.BUSINESS_CODE:
        return Conclusion(
            Side.CLIENT,
            f"The C2C service refused the request with business code {answer.code} ({answer.msg}).",
            "Check the parameters (ids, amounts) against your account's data.",
        )
    if answer.http_status != 200:
        return status_meaning(answer.http_status, answer.msg)
    return Conclusion(
        Side.CONTRACT,
        f"Binance answered 200 but the body breaks the contract: {record.problem}.",
        "Compare the body with the contract; the contract or Binance's answer has changed.",
    )


# Why an empty 200 is not an answer of the endpoint (docs/error-codes.md, "What is not an answer", gives sources)
GATEWAY_CATCH_ALL = (
    "Binance's gateway answers HTTP 200 with an empty body to any /sapi/ path that no service takes (a merchant's "
    "production probe got it from thousands of made-up paths, GET and POST alike): no C2C service answered, so "
    "it proves nothing of the key, the signature or the request"
)


def empty_200_meaning(record: EndpointRecord, served_elsewhere: str | None) -> Conclusion:
    """An empty (or non-JSON) HTTP 200: the gateway's catch-all, never "works". The contract's side for an
    endpoint known only from third parties; undetermined for a documented one, unless the same request got an
    answer of the service in another round (then the change is the evidence, and it is Binance's)."""
    said = "Binance answered HTTP 200 with an empty body: the gateway's answer to a path no service takes"
    if served_elsewhere:
        return Conclusion(
            Side.BINANCE,
            f"{said}, while the same request of this key {served_elsewhere}: the endpoint was served then and is "
            "not now.",
            "Send this report to Binance support: the same request reached the C2C service in another round of "
            "this run, and now reaches no service.",
            f"{GATEWAY_CATCH_ALL}. The same request of this key {served_elsewhere} in this run: what changed is "
            "on Binance's side.",
        )
    tier = record.confidence.words
    if record.confidence.third_party:
        return Conclusion(
            Side.CONTRACT,
            f"{said}: {record.method} {record.path} is probably not a Binance path (the contract comes from {tier}).",
            "Find the endpoint in Binance's documentation, or leave it out of the case: this answer is not the "
            "endpoint's, and proves nothing of the key.",
            f"{GATEWAY_CATCH_ALL}. The contract comes from {tier}, not from Binance.",
        )
    return Conclusion(
        Side.UNDETERMINED,
        f"{said}: the documented endpoint {record.method} {record.path} is not served (to this key, now).",
        "Ask Binance support whether this endpoint is enabled for the account; this answer proves nothing of the "
        "key or the request.",
        f"{GATEWAY_CATCH_ALL}. The contract comes from {tier}, and no round of this "
        "run got an answer of the service to the same request.",
    )


def wrong_method_meaning(record: EndpointRecord) -> Conclusion:
    """A 4xx saying the method is not supported: the method the contract gives is wrong; nothing of the key."""
    said = f" ({record.answer.msg})" if record.answer.msg else ""
    return Conclusion(
        Side.CONTRACT,
        f"Binance answered HTTP {record.answer.http_status}{said}: {record.path} is not served with "
        f"{record.method}; the contract's method is wrong.",
        "Correct the method in the contract (contracts/endpoints.yaml), or try its variants (--variant).",
        "Binance refuses the method before it checks the key or the signature: the answer says nothing of either, "
        "and nothing of Binance's service.",
    )


def location_meaning(status: int, message: str | None) -> Conclusion:
    """HTTP 451: Binance serves no client from this machine's location; neither the client's code nor Binance's
    service is at fault, and nothing of the key follows."""
    said = f" ({message})" if message else ""
    return Conclusion(
        Side.LOCATION,
        f"Binance refuses this machine's location (HTTP {status}{said}): neither the client's code nor a fault "
        "of Binance's service.",
        "Run from a machine in a location Binance serves (docs/ci.md: GitHub-hosted runners can get this; use a "
        "self-hosted runner).",
        "HTTP 451 is Binance's answer to where the request came from, given before the key is checked: it proves "
        "nothing of the key, the request or the endpoint.",
    )


def conclude(
    record: EndpointRecord,
    facts: Mapping[Fact, Evidence],
    accepted: list[Accepted],
    elsewhere: OtherRounds = NO_OTHER_ROUNDS,
) -> EndpointRecord:
    """The record with its side, diagnosis, next step and reasoning, from its answer and the facts of its round
    (``elsewhere``: what the key's other rounds show), or, for a socket check that did not work, from how it
    ended."""
    socket = record.answer.socket
    if socket is not None and record.outcome is Outcome.FAIL:
        found = socket_judged(record, socket)
    else:
        found = _weighed_meaning(record, facts, accepted, elsewhere)
    return replace(
        record,
        side=found.side,
        diagnosis=found.diagnosis,
        next_step=found.next_step,
        reasoning=found.reasoning,
        facts={str(fact): holds for fact, holds in found.facts.items()},
    )


def _weighed_meaning(
    record: EndpointRecord, facts: Mapping[Fact, Evidence], accepted: list[Accepted], elsewhere: OtherRounds
) -> Conclusion:
    """An answer's documented meaning, weighed against the run's facts."""
    found = documented_meaning(record)
    status, code = record.answer.http_status, record.answer.code
    accepted_shape = next((found for found in record.answer.probes if found.accepted), None)
    if record.outcome is Outcome.FAIL and record.answer.kind is AnswerKind.EMPTY_200:
        if elsewhere.served:  # the documented meaning of an empty 200, unless another round's answer changes it
            found = empty_200_meaning(record, elsewhere.served)
    elif record.outcome is Outcome.FAIL and accepted_shape is not None:
        found = _shape_accepted(record, found, accepted_shape)
    elif record.outcome is Outcome.FAIL:
        if status is None:
            found = replace(found, reasoning=NO_FACT_FOR_NO_ANSWER)
        elif status >= 500:
            found = replace(
                found,
                side=Side.BINANCE,
                reasoning=f"HTTP {status} is a failure on Binance's servers whatever the request; "
                "the execution status is unknown.",
            )
        elif code == KEY_NOT_FOUND:
            found = _key_not_found(facts, accepted, elsewhere)
        elif code == BAD_SIGNATURE:
            found = _bad_signature(record, found, facts, accepted)
        elif code in PARAMETER_CODES:
            found = _parameter_problem(record, found, accepted)
        elif code == INVALID_TIMESTAMP and record.answer.offset_ms is not None:
            found = _timestamp_refused(record, found, facts)
        elif not found.reasoning:
            found = replace(
                found,
                reasoning=f"The documented meaning of {record.answer.text} stands: no fact of this run bears on it.",
            )
    return found


def _timestamp_refused(record: EndpointRecord, documented: Conclusion, facts: Mapping[Fact, Evidence]) -> Conclusion:
    """-1021 on a request whose timestamp was Binance's own time (this machine's clock corrected by the offset
    Binance's GET /api/v3/time gave): not this machine's clock. Only an answer slower than recvWindow, or a
    window the run could not keep, leaves the documented meaning standing."""
    answer = record.answer
    clock = facts[Fact.CLOCK_IN_WINDOW]
    if not clock.holds:
        return replace(documented, reasoning=clock.detail, facts={Fact.CLOCK_IN_WINDOW: False})
    stamp = f"timestamp {answer.timestamp} " if answer.timestamp is not None else ""
    used = (
        f"the request's {stamp}was this machine's clock corrected by {answer.offset_ms:+d} ms to the server time "
        "Binance's own GET /api/v3/time gave at the start of the run"
    )
    return Conclusion(
        Side.UNDETERMINED,
        f"{_name(INVALID_TIMESTAMP)}, although {used}: the time Binance gave and the time it checks against "
        "disagree, not this machine's clock.",
        "Send this report to Binance support with the request's timestamp; compare GET /api/v3/time with a "
        "trusted clock (a cached or wrong server time gives this).",
        f"{clock.detail} The suite signed the time Binance gave: the documented cause, the client's clock, is not "
        "carried by this run's evidence.",
        {Fact.CLOCK_IN_WINDOW: True},
    )


def _shape_accepted(record: EndpointRecord, documented: Conclusion, shape: ProbeResult) -> Conclusion:
    """``--probe`` found a request shape Binance accepts for this endpoint: the fix is the client's, and it is
    named (the accepted shape against the contract's own)."""
    found = shape.difference(record.id, record.answer.text)
    return Conclusion(
        Side.CLIENT,
        found,
        f"Send this endpoint's call {shape.shape}: Binance accepts that shape, and the contract should say so "
        "(contracts/observed/ keeps it).",
        f"The same call, the same key and the same run: refused with {record.answer.text} as the contract shapes "
        f"it, accepted {shape.shape} (--probe); the documented meaning ({documented.diagnosis}) is not needed.",
    )


def _name(code: int) -> str:
    """``-2008 BAD_API_ID``: a code as the error-code catalog names it."""
    return f"{code} {load_error_codes()[code].name}"


def _key_not_found(facts: Mapping[Fact, Evidence], accepted: list[Accepted], elsewhere: OtherRounds) -> Conclusion:
    known = load_error_codes()[KEY_NOT_FOUND]
    recognised, across = facts[Fact.KEY_RECOGNISED], facts[Fact.CALLS_ACROSS_SERVICES]
    changed = elsewhere.changed
    same_request = f"The same request of this key {changed.change}." if changed else ""
    same_fact = {Fact.SAME_REQUEST_CHANGED_ANSWER: True} if changed else {}
    if recognised.holds:  # the accepted calls are all elsewhere: this one failed
        return Conclusion(
            Side.BINANCE,
            f"{_name(KEY_NOT_FOUND)} ({known.message.rstrip('.')}) for a key that Binance accepted elsewhere in "
            "this run.",
            "Send this report to Binance support: the key is valid, and this endpoint is not enabled for it.",
            f"Binance accepted this key on {listed(accepted)} in this run and refuses it here."
            + (f" {same_request}" if same_request else ""),
            {Fact.KEY_RECOGNISED: True, **same_fact},
        )
    if elsewhere.recognised:  # a round that recognised the key nowhere: what the other rounds show is said
        worked = f" The same request worked at {elsewhere.worked}." if elsewhere.worked else ""
        return Conclusion(
            Side.UNDETERMINED,
            f"{_name(KEY_NOT_FOUND)}: Binance recognised this key on no call of this round, and accepted it at "
            f"{elsewhere.recognised} in this run.{worked}",
            "Check that the key still exists, unchanged, in Binance's API management: if it does, what changed "
            "between the rounds is on Binance's side (send this report); a key deleted or edited in between gets "
            f"{KEY_NOT_FOUND} everywhere.",
            f"Binance accepted this key on no call of this round and on {elsewhere.recognised} in another: this "
            "round alone cannot tell a key deleted since from an endpoint Binance stopped serving to it.",
            {Fact.KEY_RECOGNISED: False},
        )
    if not across.holds:  # "nowhere" would speak for calls the run did not make
        return Conclusion(
            Side.UNDETERMINED,
            f"{_name(KEY_NOT_FOUND)}: Binance recognised this key on none of the calls this run judged, and they "
            "cannot speak for the key as a whole.",
            "Run the whole suite (pytest -m live, without -k, --lf or -x), with the account control answered: a key "
            "Binance does not know is refused everywhere, an endpoint not enabled for it only there.",
            f"{across.detail} Binance accepted this key on no call of this run, and the calls it judged do not span "
            "the account control and more than one service: the run cannot tell a key Binance does not know from "
            "endpoints it does not serve to it.",
            {Fact.KEY_RECOGNISED: False, Fact.CALLS_ACROSS_SERVICES: False},
        )
    return Conclusion(
        Side.UNDETERMINED,
        f"{_name(KEY_NOT_FOUND)}: Binance recognised this key nowhere in this run.",
        f"Check the key in Binance's API management (a deleted, mistyped or testnet key gives the same "
        f"{KEY_NOT_FOUND}); if it is right, the merchant API is not enabled for it at all.",
        f"Binance accepted this key on no call of this run, and a deleted, mistyped or testnet key gives the same "
        f"{KEY_NOT_FOUND}: nothing in this run puts it on either side.",
        {Fact.KEY_RECOGNISED: False, Fact.CALLS_ACROSS_SERVICES: True},
    )


def _shape(method: str, placement: Placement) -> str:
    """``GET with every parameter in the query``: a request shape in words."""
    return f"{method} with {SHAPES[placement]}"


def signing_faults(facts: Mapping[Fact, Evidence]) -> list[str]:
    """What the run shows wrong on the signing side, in words: the clock, the signer (empty: neither)."""
    faults = []
    if not facts[Fact.CLOCK_IN_WINDOW].holds:
        faults.append("the clock is outside the receive window")
    if not facts[Fact.SIGNER_MATCHES_VECTORS].holds:
        faults.append("the signer does not reproduce Binance's vectors")
    return faults


def _bad_signature(
    record: EndpointRecord, documented: Conclusion, facts: Mapping[Fact, Evidence], accepted: list[Accepted]
) -> Conclusion:
    json_body = record.placement is Placement.JSON_BODY
    fact = Fact.SIGNATURE_ACCEPTED_JSON_BODY if json_body else Fact.SIGNATURE_ACCEPTED_QUERY
    shape = _shape(record.method, record.placement)
    same_shape = [c for c in accepted if c.method == record.method and c.placement is record.placement]
    if same_shape:
        vectors = facts[Fact.SIGNER_MATCHES_VECTORS].holds
        return Conclusion(
            Side.BINANCE,
            f"{_name(BAD_SIGNATURE)}, although the same signer's signatures were accepted on "
            f"{len(same_shape)} endpoint(s) with the same request shape ({shape}) in this run.",
            "Send this report to Binance support: the same signer and key are accepted on requests of this shape.",
            f"Signatures of the same shape ({shape}) from the same signer and key were accepted on "
            f"{listed(same_shape)} in this run"
            + (", and the signer reproduces Binance's published vectors." if vectors else "."),
            {fact: True, **({Fact.SIGNER_MATCHES_VECTORS: True} if vectors else {})},
        )
    if accepted:  # the key and its signatures were accepted, on other shapes only
        shapes = ", ".join(dict.fromkeys(_shape(c.method, c.placement) for c in accepted))
        return Conclusion(
            Side.UNDETERMINED,
            f"{_name(BAD_SIGNATURE)} on a {shape}, while the same key's signatures were accepted on other request "
            "shapes in this run.",
            "Send this report to Binance support and ask which payload Binance signs for this endpoint: the "
            "signer and key are accepted on the shapes listed.",
            f"The same key's signatures were accepted on {shapes} ({listed(accepted)}); no {shape} was accepted in "
            "this run, so the run cannot tell whether Binance signs something else for this endpoint.",
            {fact: False, Fact.KEY_RECOGNISED: True},
        )
    faults = signing_faults(facts)
    across = facts[Fact.CALLS_ACROSS_SERVICES]
    if not faults and not across.holds:  # "the secret is wrong" is a conclusion about every call of the key
        return Conclusion(
            Side.UNDETERMINED,
            f"{_name(BAD_SIGNATURE)}, and the calls this run judged cannot tell a wrong secret from an endpoint "
            "that checks something else.",
            "Run the whole suite (pytest -m live, without -k, --lf or -x), with the account control answered: a "
            "wrong secret is refused everywhere, an endpoint's own check only there.",
            f"{across.detail} Binance accepted no signed call of this key in this run, and the calls it judged do "
            "not span the account control and more than one service: the documented cause, the client's secret, "
            "needs the key's other calls to stand.",
            {Fact.KEY_RECOGNISED: False, Fact.CALLS_ACROSS_SERVICES: False},
        )
    cause = "; ".join(faults) if faults else "the secret does not belong to this API key"
    return replace(
        documented,
        diagnosis=f"{_name(BAD_SIGNATURE)}, and Binance accepted no signature of this key in this run: {cause}.",
        reasoning="Binance accepted no signed call of this key in this run"
        + (
            f", while {'; '.join(faults)}."
            if faults
            else ", while the clock is in the window and the signer reproduces Binance's vectors: the secret is what "
            "is left."
        ),
        facts={
            Fact.KEY_RECOGNISED: False,
            Fact.CLOCK_IN_WINDOW: facts[Fact.CLOCK_IN_WINDOW].holds,
            Fact.SIGNER_MATCHES_VECTORS: facts[Fact.SIGNER_MATCHES_VECTORS].holds,
        },
    )


def _parameter_problem(record: EndpointRecord, documented: Conclusion, accepted: list[Accepted]) -> Conclusion:
    """-1100/-1101/-1102 on a request that carried, or lacked, what its contract requires."""
    gaps = record.answer.request_gaps
    if gaps:
        return replace(documented, reasoning=f"The request lacked what its contract requires: {gaps[0]}.")
    code = record.answer.code
    assert isinstance(code, int)
    shape = _shape(record.method, record.placement)
    request = record.answer.request
    headers = ", ".join(f"{name}: {value}" for name, value in request.headers) if request is not None else ""
    carried = f"every parameter and header its contract requires{f' (the header {headers})' if headers else ''}"
    similar = [c for c in accepted if c.method == record.method and c.placement is record.placement]
    tier = record.confidence.words
    reported = (
        f" Merchants report {code} in production for {C2C_ILLEGAL_PARAMETER_CAUSES}: run again with --probe, which "
        "sends the call in other shapes."
        if code == C2C_ILLEGAL_PARAMETER
        else ""
    )
    return Conclusion(
        Side.UNDETERMINED,
        f"{_name(code)}: Binance says a parameter is missing or malformed, but the request carried {carried}."
        + reported,
        f"Send this report to Binance support and ask which parameter this endpoint wants: the contract comes from "
        f"{tier}.",
        f"The request carried {carried}"
        + (f", and a request of the same shape ({shape}) was accepted on {listed(similar)}" if similar else "")
        + f"; the contract comes from {tier}, so the run cannot tell whether the contract lacks a parameter or "
        "Binance checks something else (the documented meaning, client, is not carried by this run's evidence).",
    )


def account_note(key: KeySummary, facts: Mapping[Fact, Evidence]) -> tuple[str, ...]:
    """A note, not a verdict: the account control answered -2015 while C2C endpoints accepted the key."""
    control = next((c for c in key.controls if c.kind == ControlKind.API_RESTRICTIONS), None)
    p2p = [proof for proof in facts[Fact.KEY_RECOGNISED].proof if proof != API_RESTRICTIONS_ID]
    if control is None or control.code != REJECTED_KEY or not p2p:
        return ()
    return (
        f"The account endpoint (apiRestrictions) refused {key.name} with {REJECTED_KEY} while the P2P API accepted "
        f"it on {', '.join(p2p)}: account permissions and P2P access are granted separately, so this says nothing "
        "against the P2P results.",
    )


def weigh(run: RunRecord) -> RunRecord:
    """The run with every record concluded from its key's facts in its round (and, across rounds, from
    the same requests' other answers), and each key's facts of its last round."""
    keys = {key.name: key for key in run.keys}
    concluded: dict[int, EndpointRecord] = {}
    last_facts: dict[str, dict[Fact, Evidence]] = {}
    recognised: dict[str, list[int]] = {}
    for name in dict.fromkeys(r.key_name for r in run.results):
        rounds = {
            number: [(i, r) for i, r in enumerate(run.results) if r.key_name == name and r.round == number]
            for number in sorted({r.round for r in run.results if r.key_name == name})
        }
        gathered = {
            number: gather([r for _, r in indexed], keys.get(name), run.recv_window, run.last_failed_only)
            for number, indexed in rounds.items()
        }
        recognised[name] = [number for number, (facts, _) in gathered.items() if facts[Fact.KEY_RECOGNISED].holds]
        # A refusal in a round where Binance knew the key on no call says nothing of the endpoint (a key not
        # made yet, or deleted, gets -2008 everywhere): only rounds that recognised the key are compared.
        known = [r for number in recognised[name] for _, r in rounds[number]]
        changes = changed_answers(known, run.phases)
        known_by_endpoint: dict[str, list[EndpointRecord]] = {}
        for r in known:  # in round order
            known_by_endpoint.setdefault(r.id, []).append(r)
        accepted_in = {number: gathered[number][1] for number in recognised[name]}
        for number, indexed in rounds.items():
            facts, accepted = gathered[number]
            elsewhere = recognised_elsewhere(number, accepted_in, run.phases)
            compared = number in accepted_in  # a change is cited only in the rounds it was seen between
            concluded.update(
                {
                    i: conclude(
                        r,
                        facts,
                        accepted,
                        other_rounds(
                            r,
                            known_by_endpoint.get(r.id, []),
                            elsewhere,
                            changes.get(r.id) if compared else None,
                            run.phases,
                        ),
                    )
                    for i, r in indexed
                }
            )
            last_facts[name] = {**facts, Fact.SAME_REQUEST_CHANGED_ANSWER: changed_answer_fact(changes)}
    return replace(
        run,
        keys=[
            replace(
                key,
                evidence=tuple(last_facts[key.name].values()),
                notes=account_note(key, last_facts[key.name]),
                recognised_rounds=tuple(recognised.get(key.name, ())),
            )
            if key.name in last_facts
            else key
            for key in run.keys
        ],
        results=[concluded.get(i, r) for i, r in enumerate(run.results)],
    )
