"""The status feed: how a merchant's calls of each endpoint ended, by UTC hour, anonymised for others to compare with
their own ("is it just me?"). Its schema and privacy rules: docs/status-feed.md, and ``status-feed.schema.json``
beside this module, which every feed written or read is held to.

What a feed holds is chosen, never filtered: per hour, a contributor id and per endpoint the outcomes seen (each once,
whatever the number of runs or rounds), the request's shape (placement, whether recvWindow was signed, its header
names), the suite's version, an origin label the merchant chose, and what the target was. Nothing else of the run is
read into it: no key or fingerprint, secret, address, id, nickname, server text beyond the catalog's code names, or
time finer than the hour. The contributor id is an HMAC of the hour under the merchant's own status secret (kept
beside the history, never published): one merchant's runs in one hour count once, and nothing links one hour's id to
the next without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from p2p_conformance.contracts import load_catalog, load_error_codes
from p2p_conformance.contracts.checks import AnswerKind
from p2p_conformance.errors import FileError
from p2p_conformance.model import EndpointRecord, OthersSaw, Outcome, RunRecord, TargetKind, target_kind

if TYPE_CHECKING:
    from p2p_conformance.report.history import Row

SCHEMA_NAME = "p2p-conformance-status/1"
AGGREGATE_SCHEMA_NAME = "p2p-conformance-status-aggregate/1"
SCHEMAS = {
    name: json.loads(Path(__file__).with_name(file).read_text(encoding="utf-8"))
    for name, file in (
        (SCHEMA_NAME, "status-feed.schema.json"),
        (AGGREGATE_SCHEMA_NAME, "status-aggregate.schema.json"),
    )
}
_ENTRY = SCHEMAS[SCHEMA_NAME]["properties"]["hours"]["items"]["properties"]
HOUR = re.compile(_ENTRY["hour"]["pattern"])  # the schema's hour, as the history checks what it read back
OUTCOME = re.compile(_ENTRY["endpoints"]["additionalProperties"]["properties"]["outcomes"]["items"]["pattern"])
DEFAULT_K = 3  # the fewest merchants a community cell is shown for
PAGE_HOURS = 24  # the hours the community page shows, newest first
FEED_NAME = "status.json"
KEEP_HOURS = 72  # the feed keeps the hours of the last three days before its newest hour: under 1 MB
CONTRIBUTOR_CHARS = 16  # hex characters of a contributor id: 64 bits
BUSINESS_CODE = re.compile(r"[0-9]{1,9}")  # a C2C business code ("000002"); anything else is not published
ERROR_CODE = re.compile(r"-?[0-9]{1,6}")  # Binance's error code (-2008)
# The kinds of answer that are an outcome by their name alone
OTHER_OUTCOMES = {
    kind: kind.value
    for kind in (
        AnswerKind.NO_ANSWER,
        AnswerKind.EMPTY_200,
        AnswerKind.UNREADABLE_200,
        AnswerKind.WRONG_METHOD,
        AnswerKind.BLOCKED_LOCATION,
    )
}


class FeedError(FileError, ValueError):
    """A status feed that is not one of this schema (or not readable); the message says which, in one line."""


def hour_of(at: str) -> str:
    """``2026-12-07T11:00Z``: the UTC hour a time falls in, the finest time a feed holds."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:00Z")


def round_hour(run: RunRecord, number: int) -> str:
    """The UTC hour round ``number`` started in: the hour its calls count in, in a feed and beside it."""
    return hour_of(run.rounds.get(number, run.started_at))


def hour_span(hour: str) -> str:
    """``12:00-13:00 UTC``: an hour of a feed (``2026-12-07T12:00Z``) as the outputs say it."""
    start = int(hour[11:13])
    return f"{start:02d}:00-{(start + 1) % 24:02d}:00 UTC"


def contributor(secret: bytes, hour: str) -> str:
    """The merchant's id for one hour: the same for every run of that hour, unlinkable to another hour's."""
    return hmac.new(secret, f"p2p-conformance status {hour}".encode(), hashlib.sha256).hexdigest()[:CONTRIBUTOR_CHARS]


def outcome_of(record: EndpointRecord) -> str | None:
    """How one call ended, in the feed's words (None: it says nothing of the endpoint, as a call never sent)."""
    answer = record.answer
    return outcome_words(worked=record.worked, kind=answer.kind, code=answer.code, http_status=answer.http_status)


def outcome_words(*, worked: bool, kind: AnswerKind, code: object, http_status: int | None) -> str | None:
    """How a call ended, in the feed's words, from what a run or its history kept of it. A code is published with
    its catalog name only; no text of the answer is, and nothing the schema would not take."""
    if worked:
        return "works"
    if kind is AnswerKind.ERROR_CODE and ERROR_CODE.fullmatch(str(code)):
        known = load_error_codes().get(int(str(code)))
        return f"code {code}" + (f" {known.name}" if known is not None else "")
    if kind is AnswerKind.BUSINESS_CODE:
        return f"business-code {code}" if BUSINESS_CODE.fullmatch(str(code)) else "business-code"
    if kind in (AnswerKind.ERROR_CODE, AnswerKind.HTTP_STATUS) and http_status is not None:
        return f"http {http_status}" if 100 <= http_status <= 599 else None
    if kind is AnswerKind.SUCCESS:
        return "contract-broken"  # a 200 the contract does not accept
    return OTHER_OUTCOMES.get(kind)


def _shape(record: EndpointRecord) -> dict[str, Any]:
    sent = record.answer.request
    shape: dict[str, Any] = {"placement": record.placement.value}
    if sent is not None:
        shape |= {"recv_window_signed": sent.recv_window_signed, "headers": sorted({name for name, _ in sent.headers})}
    return shape


class _Entries:
    """A merchant's entries being made, one per UTC hour: per endpoint each outcome seen once, and the shape."""

    def __init__(self, secret: bytes) -> None:
        self.secret = secret
        self.by_hour: dict[str, dict[str, Any]] = {}

    def add(self, hour: str, endpoint: str, outcome: str, shape: Mapping[str, Any]) -> None:
        entry = self.by_hour.setdefault(
            hour, {"hour": hour, "contributor": contributor(self.secret, hour), "endpoints": {}}
        )
        seen = entry["endpoints"].setdefault(endpoint, {"outcomes": [], **shape})
        seen["outcomes"] = sorted({*seen["outcomes"], outcome})

    def in_time_order(self) -> list[dict[str, Any]]:
        return [self.by_hour[hour] for hour in sorted(self.by_hour)]


def hours_of(run: RunRecord, secret: bytes) -> list[dict[str, Any]]:
    """The run's entries, one per UTC hour its rounds started in: per endpoint the outcomes seen and the shape."""
    entries = _Entries(secret)
    for record in run.results:
        outcome = outcome_of(record) if record.read_only else None
        if outcome is not None:
            entries.add(round_hour(run, record.round), record.id, outcome, _shape(record))
    return entries.in_time_order()


def history_hours(rows: Iterable[Row], secret: bytes, target: TargetKind) -> list[dict[str, Any]]:
    """A history's entries of one target (``p2p-status publish --db``), one per UTC hour its runs started in: per
    endpoint the outcomes seen and its placement (what a history keeps of the request's shape). A result of an older
    history that did not keep what the answer was (schema before 5) is no outcome."""
    contracts = {contract.id: contract for contract in load_catalog().live_checks(sockets=True)}
    entries = _Entries(secret)
    for row in rows:
        contract = contracts.get(row.endpoint_id)
        if contract is None or not contract.read_only or target_kind(row.emulator, row.base_url) is not target:
            continue
        worked = row.outcome is Outcome.PASS
        if row.kind is None:  # an older history: what a failure's answer was is not known
            outcome = "works" if worked else None
        else:
            outcome = outcome_words(worked=worked, kind=row.kind, code=row.code, http_status=row.http_status)
        if outcome is not None:
            entries.add(hour_of(row.started_at), row.endpoint_id, outcome, {"placement": contract.placement.value})
    return entries.in_time_order()


def _merged(old: Sequence[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Entries of the same hour and contributor are one: their outcomes united (a merchant counts once an hour)."""
    by_id: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in [*old, *new]:
        key = (entry["hour"], entry["contributor"])
        kept = by_id.setdefault(key, {"hour": entry["hour"], "contributor": entry["contributor"], "endpoints": {}})
        for endpoint, seen in entry["endpoints"].items():
            mine = kept["endpoints"].setdefault(endpoint, {**seen, "outcomes": []})
            mine["outcomes"] = sorted({*mine["outcomes"], *seen["outcomes"]})
    entries = sorted(by_id.values(), key=lambda entry: (entry["hour"], entry["contributor"]))
    if entries:
        newest = datetime.strptime(entries[-1]["hour"], "%Y-%m-%dT%H:00Z")
        oldest = (newest - timedelta(hours=KEEP_HOURS)).strftime("%Y-%m-%dT%H:00Z")
        entries = [entry for entry in entries if entry["hour"] >= oldest]
    return entries


def published(run: RunRecord, secret: bytes, *, origin: str | None, before: Mapping[str, Any] | None) -> dict[str, Any]:
    """The feed after ``run``: the hours already published (``before``, a feed of the same target) and the run's."""
    return published_hours(
        hours_of(run, secret), target=run.target_kind, suite_version=run.suite_version, origin=origin, before=before
    )


def published_hours(
    hours: Iterable[Mapping[str, Any]],
    *,
    target: TargetKind,
    suite_version: str,
    origin: str | None,
    before: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """The feed of ``target`` after adding ``hours`` to those already published (``before``, of the same target)."""
    if before is not None and before["target"] != target:
        raise FeedError(
            f"the feed holds {before['target']} runs and these are {target}'s: publish them into a feed of their own "
            "(--out)"
        )
    document = {
        "schema": SCHEMA_NAME,
        "suite_version": suite_version,
        "origin": origin,
        "target": target,
        "hours": _merged(before["hours"] if before is not None else [], hours),
    }
    check_feed(document)
    return document


def check_feed(document: Any, names: Sequence[str] = (SCHEMA_NAME,)) -> None:
    """Raise :class:`FeedError` (one line) unless ``document`` is a feed of one of the schemas ``names``."""
    found = document.get("schema") if isinstance(document, dict) else None
    name = found if isinstance(found, str) and found in names else names[0]
    try:
        jsonschema.validate(document, SCHEMAS[name])
    except jsonschema.ValidationError as error:
        where = "/".join(str(part) for part in error.absolute_path)[:80] or "the document"
        raise FeedError(f"not a status feed of {name}: {where}: {error.validator} failed") from None


def feed_text(feed: Mapping[str, Any]) -> str:
    """``status.json`` as written: compact (a feed of 72 hours of the whole catalog stays under 1 MB)."""
    return json.dumps(feed, separators=(",", ":"), ensure_ascii=True) + "\n"


def read_feed(data: bytes, source: str, now: datetime | None = None) -> dict[str, Any]:
    """Another merchant's feed, parsed and held to the schema, its hours none after the current one; raises
    :class:`FeedError` naming ``source`` (never quoting the feed: its text is the feed's author's)."""
    try:
        document = json.loads(data.decode("utf-8"))
        check_feed(document, names=tuple(SCHEMAS))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise FeedError(f"{source}: not JSON ({type(error).__name__})") from None
    except FeedError as error:
        raise FeedError(f"{source}: {error}") from None
    current = hour_of((now or datetime.now(UTC)).isoformat())
    if any(entry["hour"] > current for entry in document["hours"]):
        raise FeedError(f"{source}: hours after the current one ({current}): not a feed of runs that happened")
    return dict(document)


def own_ids(run: RunRecord, secret: bytes) -> frozenset[str]:
    """The merchant's own contributor ids for the hours the run's rounds started in (their status secret's)."""
    return frozenset(contributor(secret, round_hour(run, number)) for number in {r.round for r in run.results})


def holds_any(feeds: Iterable[Mapping[str, Any]], ids: AbstractSet[str]) -> bool:
    """Whether a merchant's feed among ``feeds`` holds an entry of one of ``ids``."""
    return any(entry.get("contributor") in ids for feed in feeds for entry in feed["hours"])


def compare(
    run: RunRecord, feeds: Sequence[Mapping[str, Any]], mine: AbstractSet[str] = frozenset()
) -> tuple[OthersSaw, ...]:
    """What the feeds (of the run's kind of target) say of each endpoint the run called, in each hour its rounds
    started in: every contributor of that hour counted once, across feeds, for each outcome it saw, the merchant's
    own (``mine``: :func:`own_ids`) never. An endpoint and hour no feed has says nothing (it is left out: never
    "0 others")."""
    target = run.target_kind
    wanted = {(record.id, round_hour(run, record.round)) for record in run.results}
    counted: dict[tuple[str, str], tuple[int, Counter[str]]] = {}
    for cell, by_outcome in _cells(merchant_feeds(feeds, target), wanted, mine).items():
        merchants, outcomes = _tally(by_outcome)
        counted[cell] = (merchants, Counter(outcomes))
    for feed in feeds:  # a community feed's counts add to them (docs/status-feed.md: list it, or its sources)
        if feed["target"] == target and feed["schema"] == AGGREGATE_SCHEMA_NAME:
            for entry in feed["hours"]:
                for endpoint, found in entry["endpoints"].items():
                    if (endpoint, entry["hour"]) in wanted and "merchants" in found:
                        merchants, outcomes = counted.get((endpoint, entry["hour"]), (0, Counter()))
                        counted[(endpoint, entry["hour"])] = (
                            merchants + found["merchants"],
                            outcomes + Counter(found["outcomes"]),
                        )
    return tuple(
        OthersSaw(endpoint=endpoint, hour=hour, merchants=merchants, outcomes=dict(sorted(outcomes.items())))
        for (endpoint, hour), (merchants, outcomes) in sorted(counted.items())
    )


def merchant_feeds(feeds: Iterable[Mapping[str, Any]], target: TargetKind) -> list[Mapping[str, Any]]:
    """The merchants' own feeds (not community feeds) of runs against ``target``."""
    return [feed for feed in feeds if feed["schema"] == SCHEMA_NAME and feed["target"] == target]


def _tally(by_outcome: Mapping[str, set[str]]) -> tuple[int, dict[str, int]]:
    """A cell's merchants (each once, whatever it saw) and how many saw each outcome, outcomes in order."""
    return len(set().union(*by_outcome.values())), {o: len(who) for o, who in sorted(by_outcome.items())}


def _cells(
    feeds: Iterable[Mapping[str, Any]],
    wanted: set[tuple[str, str]] | None = None,
    mine: AbstractSet[str] = frozenset(),
) -> dict[tuple[str, str], dict[str, set[str]]]:
    """By (endpoint, hour): for each outcome, the contributors that saw it (each counted once across feeds), those
    of ``mine`` left out."""
    cells: dict[tuple[str, str], dict[str, set[str]]] = {}
    for feed in feeds:
        for entry in feed["hours"]:
            if entry["contributor"] in mine:
                continue
            for endpoint, found in entry["endpoints"].items():
                if wanted is None or (endpoint, entry["hour"]) in wanted:
                    by_outcome = cells.setdefault((endpoint, entry["hour"]), {})
                    for outcome in found["outcomes"]:
                        by_outcome.setdefault(outcome, set()).add(entry["contributor"])
    return cells


def aggregate(feeds: Sequence[Mapping[str, Any]], *, target: TargetKind, k: int, suite_version: str) -> dict[str, Any]:
    """The community feed of merchants' feeds of one target: per endpoint and hour, how many merchants called it and
    how many saw each outcome, only where at least ``k`` did (a cell of fewer says so, with no count)."""
    read = merchant_feeds(feeds, target)
    hours: dict[str, dict[str, Any]] = {}
    for (endpoint, hour), by_outcome in sorted(_cells(read).items()):
        merchants, outcomes = _tally(by_outcome)
        cell = {"merchants": merchants, "outcomes": outcomes}
        hours.setdefault(hour, {"hour": hour, "endpoints": {}})["endpoints"][endpoint] = (
            cell if merchants >= k else {"too_few": True}
        )
    newest = sorted(hours)[-PAGE_HOURS * 3 :]  # the last three days of hours with a contribution
    document = {
        "schema": AGGREGATE_SCHEMA_NAME,
        "suite_version": suite_version,
        "target": target,
        "k": k,
        "feeds": len(read),
        "hours": [hours[hour] for hour in newest],
    }
    check_feed(document, names=(AGGREGATE_SCHEMA_NAME,))
    return document


def beside_failures(run: RunRecord, focus: Sequence[str]) -> list[tuple[str, str, str]]:
    """(endpoint, this run's outcome, what other merchants saw in the same hour) for each failing call of the last
    round the feeds have (the case's endpoints, ``--focus``, when given): ``code -2008 BAD_API_ID for 2 of 2 other
    merchants, 12:00-13:00 UTC``. A call no feed has is left out, never said to be "0 others"."""
    saw = {(found.endpoint, found.hour): found for found in run.others}
    lines = []
    for record in run.last_round:
        own = outcome_of(record) if record.read_only and not record.worked else None
        found = saw.get((record.id, round_hour(run, record.round)))
        if own is None or found is None or (focus and record.id not in focus):
            continue
        lines.append((record.id, own, others_said(found)))
    return lines


def others_by_round(run: RunRecord) -> dict[tuple[str, int], OthersSaw]:
    """What the feeds saw of each endpoint in the hour each of the run's rounds started in, by (endpoint, round)."""
    saw = {(found.endpoint, found.hour): found for found in run.others}
    rounds = {record.round for record in run.results}
    return {
        (endpoint, number): found
        for number in rounds
        for (endpoint, hour), found in saw.items()
        if hour == round_hour(run, number)
    }


def others_said(found: OthersSaw) -> str:
    """``code -2008 BAD_API_ID for 2 of 2 other merchants, 12:00-13:00 UTC``: what the feeds saw, in words."""
    said = [f"{outcome} for {count} of {found.merchants}" for outcome, count in found.outcomes.items()]
    others = "other merchant" if found.merchants == 1 else "other merchants"
    return f"{'; '.join(said)} {others}, {hour_span(found.hour)}"


def others_cell(found: OthersSaw) -> str:
    """``-2008 2/2``: the outcome most of the other merchants saw (a failure before ``works`` on a tie), short
    enough for a chart's cell; :func:`others_said` gives the whole of it."""
    outcome, count = min(found.outcomes.items(), key=lambda item: (-item[1], item[0] == "works", item[0]))
    words = outcome.split(" ")
    short = words[1] if words[0] in ("code", "http", "business-code") and len(words) > 1 else words[0]
    return f"{short} {count}/{found.merchants}"


def badge(feed: Mapping[str, Any], endpoint: str) -> dict[str, Any]:
    """A Shields.io endpoint badge of the endpoint's newest hour: ``works``, else the outcomes seen."""
    hours = [entry for entry in feed["hours"] if endpoint in entry["endpoints"]]
    outcomes = sorted({o for entry in hours[-1:] for o in entry["endpoints"][endpoint]["outcomes"]})
    message = ", ".join(outcomes) or "no run"
    color = "brightgreen" if outcomes == ["works"] else "lightgrey" if not outcomes else "red"
    return {"schemaVersion": 1, "label": endpoint, "message": message, "color": color}


def badge_name(endpoint: str) -> str:
    """``ads__search.json``: a catalog id as a file name (ids are the catalog's, never an answer's text)."""
    return endpoint.replace("/", "__") + ".json"
