"""What every report says of a run: the verdict built from the run's evidence, the failures grouped by
conclusion, the JSON, and the run read back from it. It only reads the data; the conclusions were drawn by
the engine."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from p2p_conformance.contracts import code_named
from p2p_conformance.errors import FileError
from p2p_conformance.model import (
    CLOCK_FINDING_MS,
    EndpointRecord,
    Fact,
    KeySummary,
    Outcome,
    RunRecord,
    Side,
    clock_words,
    utc_seconds,
)
from p2p_conformance.report.history import Row
from p2p_conformance.report.trends import Series

TIMELINE_COLUMNS = 12  # the recent runs the page's timeline shows
BACK_TO_BACK_SECONDS = 120  # rounds closer than this are one moment of the key, not a story over hours

SIDE_WORDS = {
    Side.BINANCE: "on Binance's side",
    Side.CLIENT: "on the client side",
    Side.ACCOUNT: "in the key's settings",
    Side.NETWORK: "in the network",
    Side.LOCATION: "in where the run ran from (Binance refuses this location)",
    Side.CONTRACT: "in the contract (answers that break it)",
    Side.UNDETERMINED: "undetermined (no side follows from this run's evidence)",
}
# Each fact of a run in support's words, where the page lists them (live-summary.json keeps their names).
FACT_WORDS = {
    Fact.KEY_RECOGNISED: "Binance recognised the key (a signed call succeeded)",
    Fact.SIGNATURE_ACCEPTED_QUERY: "Signatures accepted with the parameters in the query",
    Fact.SIGNATURE_ACCEPTED_JSON_BODY: "Signatures accepted on a POST with a JSON body",
    Fact.CLOCK_IN_WINDOW: "The request times within the receive window",
    Fact.SIGNER_MATCHES_VECTORS: "The signer reproduces Binance's published examples",
    Fact.IP_ALLOWED: "This machine's IP address allowed",
    Fact.SAME_REQUEST_CHANGED_ANSWER: "The same request answered differently in another round",
    Fact.CALLS_ACROSS_SERVICES: "Enough calls to judge the key as a whole (the account and several services)",
    Fact.EVERY_SIGNATURE_REFUSED: "Every answered call refused its signature",
}
# What support can check on Binance's side, per side of a failure: the page is support's; the terminal and the
# ticket text keep each conclusion's next step, which is the merchant's.
SUPPORT_CHECKS = {
    Side.BINANCE: (
        "Find these calls in Binance's logs by their time and the identifiers beside each: the same key was "
        "accepted in the same run (the proof above), so its refusal here is Binance's to explain."
    ),
    Side.UNDETERMINED: (
        "Compare these calls in Binance's logs with the accepted ones of the same run (times and identifiers "
        "beside each): this run's evidence does not say whose side the failure is on."
    ),
    Side.CLIENT: "Nothing to check on Binance's side: the request broke what Binance documents (each answer below).",
    Side.ACCOUNT: (
        "The key's settings for the fingerprint in the header: its permissions and IP whitelist as Binance holds them."
    ),
    Side.NETWORK: ("Whether these requests reached Binance at the times beside each: no answer reached the merchant."),
    Side.LOCATION: "Binance refused the location the run ran from (HTTP 451): no endpoint's service was reached.",
    Side.CONTRACT: (
        "Whether this path and method are served as Binance's public sources say: the answer that came breaks "
        "the contract (each answer below)."
    ),
}
SIDE_ORDER = (
    Side.BINANCE,
    Side.UNDETERMINED,
    Side.CLIENT,
    Side.ACCOUNT,
    Side.NETWORK,
    Side.LOCATION,
    Side.CONTRACT,
)


def heading(side: Side) -> str:
    """``On Binance's side``: the side's words as a heading."""
    words = SIDE_WORDS[side]
    return words[0].upper() + words[1:]


SOCKET_OFF = (
    "The chat socket was not opened: it is off by default, because Binance keeps one chat connection per account "
    "and opening one may end the merchant's own bot's; --socket opens it."
)
WORKS = "works"  # what an answer cell says of an endpoint that worked, in every file format


def shown_answer(outcome: Outcome, answer: str) -> str:
    """What an answer cell shows, in every report file: ``works``, what came back (``-2008``, ``HTTP 500``,
    ``no answer``), or nothing for an endpoint that was not run."""
    if outcome is Outcome.PASS:
        return WORKS
    return "" if outcome is Outcome.SKIPPED else answer


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@dataclass(frozen=True, kw_only=True)
class Verdict:
    """The run in a few sentences: the count, what the evidence proves, one line per side that failed."""

    count: str
    headline: str
    proof: tuple[str, ...]
    conclusions: tuple[str, ...]
    second_opinions: tuple[str, ...]  # what Binance's own SDK code got (``--cross-check``)
    probes: tuple[str, ...] = ()  # what the other request shapes got (``--probe``)
    notes: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join([self.count, self.headline, *self.conclusions, *self.second_opinions, *self.probes])

    @property
    def findings(self) -> tuple[str, ...]:
        """What the second opinions and the probes found, after the conclusions."""
        return self.second_opinions + self.probes


def failures(run: RunRecord) -> list[EndpointRecord]:
    """The read-only endpoints that did not work in the last round."""
    return [r for r in run.ran() if r.outcome != Outcome.PASS]


def failures_by_conclusion(run: RunRecord) -> dict[Side, dict[str, list[EndpointRecord]]]:
    """Failures of the last round by side (in :data:`SIDE_ORDER`), then by conclusion: the report's argument."""
    grouped: dict[Side, dict[str, list[EndpointRecord]]] = {}
    for record in failures(run):
        grouped.setdefault(record.side, {}).setdefault(record.diagnosis, []).append(record)
    return {side: grouped[side] for side in SIDE_ORDER if side in grouped}


def _evidence(key: KeySummary, fact: Fact) -> tuple[bool, str] | None:
    found = next((e for e in key.evidence if e.fact == fact), None)
    return None if found is None else (found.holds, found.detail)


def _headline(run: RunRecord) -> tuple[str, tuple[str, ...]]:
    keys = run.keys
    recognised = {key.name: _evidence(key, Fact.KEY_RECOGNISED) for key in keys}
    weighed = {name: found for name, found in recognised.items() if found is not None}
    if not weighed:
        return "No call was judged, so the run proves nothing about the key.", ()
    several = len(keys) > 1
    proof = tuple(f"{name}: {detail}" if several else detail for name, (holds, detail) in weighed.items() if holds)
    accepted = [name for name, (holds, _) in weighed.items() if holds]
    if len(accepted) == len(weighed):
        subject = "each key and its signatures" if several else "this key and its signatures"
        valid = "the keys are valid" if several else "the key is valid"
        return f"Binance accepted {subject} in this run: {valid} (proof below).", proof
    if not accepted and all(_holds(key, Fact.EVERY_SIGNATURE_REFUSED) for key in keys):
        whom = "of any key" if several else "of the key"
        return (
            f"Binance accepted no signature {whom} in this run and refused every call with "
            f"{code_named('INVALID_SIGNATURE')}, "
            "while the clock is in the window and the signer reproduces Binance's published vectors: the "
            "secret does not belong to this API key; copy the secret shown with this key again (a new key "
            "shows it once).",
            proof,
        )
    refused = [name for name in weighed if name not in accepted]
    earlier = _recognised_earlier(run, refused)
    few = [key.name for key in keys if key.name in refused and not _holds(key, Fact.CALLS_ACROSS_SERVICES)]
    if not accepted and not earlier and few:  # "on no call" would speak for calls the run did not make
        whom = "any of the keys" if several else "the key"
        return (
            f"Binance recognised {whom} on none of the calls this run judged, and they cannot speak for "
            f"{'a key' if several else 'the key'} as a whole (that needs the account control and more than one "
            "service, in a run not narrowed by --lf); run the whole suite.",
            proof,
        )
    if not accepted and not earlier:
        whom = "any of the keys" if several else "the key"
        return (
            f"Binance recognised {whom} on no call of this run: nothing here shows a fault on Binance's side; "
            "check the key in Binance's API management first.",
            proof,
        )
    nowhere = [name for name in refused if name not in earlier]
    said = [f"Binance accepted {', '.join(accepted)} in this run"] if accepted else []
    said += [
        f"recognised {name if several else 'the key'} at {when} and on no call of the last round (check that it "
        "still exists in API management: if it does, the change is Binance's)"
        for name, when in earlier.items()
    ]
    said += [f"recognised {', '.join(nowhere)} nowhere"] if nowhere else []
    sentence = "; ".join(said)
    return f"{sentence[:1].upper()}{sentence[1:]}.", proof


def _holds(key: KeySummary, fact: Fact) -> bool:
    found = _evidence(key, fact)
    return found is not None and found[0]


def _recognised_earlier(run: RunRecord, names: list[str]) -> dict[str, str]:
    """Of the keys ``names`` (not recognised in the last round), those Binance recognised in an earlier round, with
    the rounds' names (the story's phases, else the rounds' start times)."""
    last = max(run.rounds, default=1)
    return {
        key.name: ", ".join(_round_name(run, number) for number in rounds)
        for key in run.keys
        if key.name in names and (rounds := [number for number in key.recognised_rounds if number != last])
    }


def _round_name(run: RunRecord, number: int) -> str:
    """A round as the verdict names it: the story's phase, else its start's clock time."""
    return run.phases.get(number) or run.rounds.get(number, "")[11:19]


def _changed_answers(keys: list[KeySummary]) -> tuple[str, ...]:
    """The same request answered with a success and a refusal, per key: the story's strongest proof."""
    several = len(keys) > 1
    found = {key.name: _evidence(key, Fact.SAME_REQUEST_CHANGED_ANSWER) for key in keys}
    return tuple(
        f"{name}: {detail}" if several else detail
        for name, evidence in found.items()
        if evidence is not None and (detail := evidence[1]) and evidence[0]
    )


def _probes(records: list[EndpointRecord]) -> tuple[str, ...]:
    """What ``--probe`` showed, one sentence per probed endpoint: the shape Binance accepted against the
    contract's (once for every key it holds for), or that every shape was refused."""
    lines = []
    for record in records:
        probes = record.answer.probes
        if not probes:
            continue
        accepted = next((found for found in probes if found.accepted), None)
        if accepted is not None:
            lines.append(accepted.difference(record.id, record.answer.text))
            continue
        answers = ", ".join(dict.fromkeys(found.answer for found in probes))
        lines.append(
            f"{record.id} [{record.key_name}]: all {plural(len(probes), 'request shape')} refused ({answers}): "
            "the request shape is not the cause."
        )
    return tuple(dict.fromkeys(lines))


def _breakdown(records: list[EndpointRecord]) -> str:
    answers = Counter(r.answer.text for r in records)
    return ", ".join(f"{count} x {code}" if count > 1 else code for code, count in answers.most_common())


def _conclusion(side: Side, records: list[EndpointRecord], focus: tuple[str, ...]) -> str:
    """One side's line of the verdict: with a case (``--focus``), its endpoints first, by name, the others counted
    after them."""
    case = [r for r in records if r.id in focus]
    if not focus:
        return f"{heading(side)}: {plural(len(records), 'endpoint')} ({_breakdown(records)})."
    others = [r for r in records if r.id not in focus]
    named = ", ".join(dict.fromkeys(f"{r.id} ({r.answer.text})" for r in case))
    endpoints = len({r.id for r in case})
    said = f"{endpoints} of the case's {plural(len(focus), 'endpoint')}: {named}" if case else "none of the case's"
    rest = f"; {plural(len({r.id for r in others}), 'other endpoint')} ({_breakdown(others)})" if others else ""
    return f"{heading(side)}: {said}{rest}."


def _second_opinions(records: list[EndpointRecord]) -> tuple[str, ...]:
    """What Binance's own SDK code got on the same failing calls (``--cross-check``), where it was asked."""
    asked = [
        (r, opinion) for r in records if (opinion := r.answer.second_opinion) is not None and opinion.agrees is not None
    ]
    if not asked:
        return ()
    same = [r for r, opinion in asked if opinion.agrees]
    lines = [f"Binance's own SDK code gets the same answer on {len(same)} of {plural(len(asked), 'failing endpoint')}."]
    different = [
        f"{r.id} ({opinion.code if opinion.code is not None else opinion.http_status} where this suite got "
        f"{r.answer.text})"
        for r, opinion in asked
        if not opinion.agrees
    ]
    if different:
        lines.append(f"It gets a different answer on {', '.join(different)}: that difference is the finding.")
    return tuple(lines)


def verdict(run: RunRecord) -> Verdict:
    """The verdict: every conclusion in it follows from the run's evidence, and says so where none does."""
    ran = run.ran()
    working = sum(r.outcome == Outcome.PASS for r in ran)
    several = len(run.keys) > 1
    unit = "read-only endpoint calls (each endpoint with each key)" if several else "read-only endpoints"
    count = f"{working} of {len(ran)} {unit} work."
    case = [r for r in ran if r.id in run.focus]
    if case:  # the case's terms: its endpoints (--focus) first, all the others after
        endpoints = len({r.id for r in case})
        pairs = f"endpoint calls ({endpoints} endpoints, each with {len(run.keys)} keys)" if several else "endpoints"
        count = (
            f"{sum(r.worked for r in case)} of {len(case)} of the case's {pairs} work; "
            f"{working} of {len(ran)} {unit} in all."
        )
    if ran and not answered(run):  # not Binance's "no": no answer of Binance's to any endpoint reached the run
        count = f"No endpoint was answered in this run: none of {len(ran)} {unit} got an answer."
    if len(run.rounds) > 1:  # the story is above; the details below are the last round's
        last = max(run.rounds)
        count = f"In the last round ({_round_name(run, last)}): {count}"
    if run.partial:  # narrowed or stopped: what it concludes rests on the calls it judged, and it says how many
        judged = sum(r.answer.sent for r in run.results)
        count = (
            f"A partial run ({'; '.join(run.partial)}): {plural(run.requests_sent, 'request')} sent (the clock, the "
            f"control checks and id lookups included), {plural(judged, 'endpoint call')} judged, and only what "
            f"they show is concluded. {count}"
        )
    if run.interrupted:  # cut short: say so first, and which rounds never ran
        missing, never = run.rounds_not_run, ""
        if missing:
            which = f"round {missing[0]}" if len(missing) == 1 else f"rounds {missing[0]} to {missing[-1]}"
            never = f": {which} of {run.rounds_planned} did not run"
        count = f"This run was interrupted before it ended{never}. {count}"
    headline, proof = _headline(run)
    proof += _changed_answers(run.keys)
    grouped = failures_by_conclusion(run)
    conclusions = tuple(
        _conclusion(side, [record for records in groups.values() for record in records], run.focus)
        for side, groups in grouped.items()
    ) or ("No failures.",)
    notes = tuple(note for key in run.keys for note in key.notes)
    offsets = [key.clock_offset_ms for key in run.keys if abs(key.clock_offset_ms) > CLOCK_FINDING_MS]
    if offsets:  # applied, and said: either clock may be the wrong one
        notes += (
            f"{clock_words(max(offsets, key=abs))}, by GET /api/v3/time: a finding of its own. Every request was "
            "signed with Binance's time, so a -1021 here says the time Binance gave and the time it checks against "
            "disagree; if this machine's clock is wrong, set it right and run again.",
        )
    if not run.socket_checks:
        notes += (SOCKET_OFF,)
    if (back_to_back := _back_to_back(run)) is not None:
        notes += (back_to_back,)
    drifted = drifting(run)
    if drifted:
        notes += (
            f"Contract drift on {plural(len(drifted), 'working endpoint')} ({', '.join(r.id for r in drifted[:3])}"
            f"{' ...' if len(drifted) > 3 else ''}): fields new, missing or changed; they still work.",
        )
    return Verdict(
        count=count,
        headline=headline,
        proof=proof,
        conclusions=conclusions,
        second_opinions=_second_opinions(failures(run)),
        probes=_probes(failures(run)),
        notes=notes,
    )


def _back_to_back(run: RunRecord) -> str | None:
    """Rounds of a real target that started minutes apart (``--repeat`` without ``--interval``): a change between
    them happened within those minutes, which is not a case's hours (an emulator story's rounds are its phases)."""
    starts = [utc_seconds(run.rounds[number]) for number in sorted(run.rounds)]
    if len(starts) < 2 or run.phases or max(b - a for a, b in pairwise(starts)) >= BACK_TO_BACK_SECONDS:
        return None
    return (
        f"The {len(starts)} rounds ran back to back ({round(starts[-1] - starts[0])} s from the first to the last; "
        "no --interval): what changed between them changed within those seconds."
    )


def target_words(run: RunRecord) -> str | None:
    """The run's target when it is not Binance, in every output's words (None: one of Binance's API hosts)."""
    if run.emulator is not None:
        return f"the local emulator, not Binance ({run.emulator})"
    if run.not_binance is not None:
        return f"{run.not_binance}, none of Binance's API hosts: its answers are not evidence about Binance"
    return None


def answered(run: RunRecord) -> bool:
    """Whether any endpoint's call of the run got an answer from the target (an HTTP status, whatever it was)."""
    return any(record.answer.http_status is not None for record in run.results)


def drifting(run: RunRecord) -> list[EndpointRecord]:
    """The endpoints of the last round that work but whose answer departs from the contract."""
    return [r for r in run.ran() if r.outcome == Outcome.PASS and r.answer.drift]


@dataclass(frozen=True, kw_only=True)
class SupportReport:
    """What the support page shows, all of it: the run's record and the recent history of its endpoints.
    ``live-summary.json`` holds both (``report.files.run_json``), and :func:`read_summary` reads them back, so the page,
    the Markdown and the Postman collection are functions of that file."""

    run: RunRecord
    timeline: Series = field(default_factory=dict)  # (endpoint, key fingerprint) -> rows, oldest first


def support_report(run: RunRecord, history: Series) -> SupportReport:
    """The run with the part of the recent ``history`` its page shows: its read-only endpoints and keys, as many
    runs as the timeline has columns."""
    pairs = {(r.id, r.key_fingerprint) for r in run.results if r.read_only}
    shown = {pair: rows[-TIMELINE_COLUMNS:] for pair, rows in history.items() if pair in pairs}
    return SupportReport(run=run, timeline=shown)


class SummaryError(FileError, ValueError):
    """A ``live-summary.json`` that cannot be read back into a run: one line, what is wrong where."""


def row_json(row: Row) -> dict[str, Any]:
    """A history row as ``live-summary.json``'s timeline holds it (read back by :func:`read_summary`)."""
    data = row._asdict()
    return {**data, "outcome": row.outcome.value, "side": row.side.value}


def _row(data: Mapping[str, Any]) -> Row:
    return Row(**{**data, "outcome": Outcome(data["outcome"]), "side": Side(data["side"])})


def read_summary(document: Any) -> SupportReport:
    """The run and its timeline as ``live-summary.json`` holds them (the verdict, proof and story, which follow
    from them, are drawn again). Raises :class:`SummaryError`."""
    try:
        run = RunRecord.from_dict(document)
        timeline: Series = {}
        for row in map(_row, document["timeline"]):
            timeline.setdefault((row.endpoint_id, row.key_fingerprint), []).append(row)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        name = type(error).__name__
        raise SummaryError(f"not a live-summary.json of this version ({name}: {str(error)[:120]})") from None
    return SupportReport(run=run, timeline=timeline)
