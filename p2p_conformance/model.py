"""The facts of a live run, as plain data: what the engine finds, the reports show and the history stores.

This module is the bottom of the package: it imports nothing of the project but the contract
model and the signer's names, and nothing here calls anything. Records travel from pytest-xdist
workers to the controller as plain dictionaries (:meth:`EndpointRecord.to_dict`), so every field
is a plain value. The closed sets (outcome, side, trend...) are :class:`~enum.StrEnum`\\ s,
converted once where data comes in (``from_dict``, the history's row reader): they compare equal
to, and serialise as, their values. Records with more than four fields are built by keyword.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from importlib import metadata
from typing import Any
from urllib.parse import urlsplit

from p2p_conformance.contracts import Contract, Side, Tier
from p2p_conformance.contracts.checks import SUCCESS_CODE, AnswerKind, answer_kind
from p2p_conformance.signer import DEFAULT_RECV_WINDOW, KeyType, Placement

__all__ = [
    "ANSWER_FIELDS",
    "Answer",
    "AnswerKind",
    "ControlCheck",
    "ControlKind",
    "EndpointRecord",
    "Evidence",
    "Fact",
    "KeySummary",
    "LiveResult",
    "Outcome",
    "ProbeResult",
    "RunRecord",
    "SecondOpinion",
    "SentRequest",
    "Side",
    "Stop",
    "Trend",
    "answer_text",
    "utc_now",
]


class Outcome(enum.StrEnum):
    """What became of one endpoint in one round."""

    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"  # the test stopped before an answer was judged
    SKIPPED = "skipped"  # not run live (mutating)

    @property
    def ran(self) -> bool:
        """Whether the result says anything about the endpoint (a skipped one does not)."""
        return self is not Outcome.SKIPPED


class Stop(enum.StrEnum):
    """Why a live test ended with no answer to judge (an :attr:`Outcome.ERROR`)."""

    UNREACHABLE = "unreachable"  # the target's server time could not be read: nothing was called
    TEST_ERROR = "test-error"  # the test stopped on an error of its own


class Fact(enum.StrEnum):
    """What a live run can establish about a key, from its own calls (see :mod:`..engine.evidence`)."""

    KEY_RECOGNISED = "key-recognised"  # a signed call answered HTTP 200 with a success body
    SIGNATURE_ACCEPTED_QUERY = "signature-accepted-query"  # ... with every parameter in the query
    SIGNATURE_ACCEPTED_JSON_BODY = "signature-accepted-json-body"  # ... a POST with a JSON body
    CLOCK_IN_WINDOW = "clock-in-window"  # the offset was applied and the slowest answer fits recvWindow
    SIGNER_MATCHES_VECTORS = "signer-matches-vectors"  # Binance's published vectors reproduce
    IP_ALLOWED = "ip-allowed"  # calls from this machine were accepted (not -2015 everywhere)
    SAME_REQUEST_CHANGED_ANSWER = "same-request-changed-answer"  # a success in one round, a refusal in another
    # the account control and calls of more than one service were answered: enough calls to judge the key
    # as a whole (a run narrowed with -k, --lf or stopped by -x may not have them)
    CALLS_ACROSS_SERVICES = "calls-across-services"
    # every answered call refused with -1022 while the clock and the signer hold, across services: the secret is
    # not this key's
    EVERY_SIGNATURE_REFUSED = "every-signature-refused"


@dataclass(frozen=True)
class Conclusion:
    """Where the fix lies, one sentence, what to do next, and why (a failure's reasoning): what
    :func:`~p2p_conformance.engine.conclusions.conclude` gives a record."""

    side: Side
    diagnosis: str
    next_step: str
    reasoning: str = ""
    # the facts of the run the conclusion rests on, and whether each holds: in the JSON, never in a sentence
    facts: Mapping[Fact, bool] = field(default_factory=dict)


NO_FACT_FOR_NO_ANSWER = "No answer came, so no fact of this run bears on it; the reason stands."


class ControlKind(enum.StrEnum):
    """The checks run before the endpoints."""

    CLOCK = "clock"
    API_RESTRICTIONS = "api-restrictions"
    SIGNER = "signer"


class Trend(enum.StrEnum):
    """How an endpoint and key pair has behaved over the recent history."""

    STABLE_OK = "stable-ok"
    STABLE_FAIL = "stable-fail"
    FIXED = "fixed"  # failed, now works
    REGRESSED = "regressed"  # worked, now fails
    INTERMITTENT = "intermittent"  # flipped more than once


def answer_text(code: int | str | None, http_status: int | None, kind: AnswerKind | None = None) -> str:
    """``-2008``, ``HTTP 500``, ``empty HTTP 200`` or ``no answer``: what came back, as every report names it."""
    if kind is AnswerKind.EMPTY_200:
        return EMPTY_200_TEXT
    if code is not None and code != SUCCESS_CODE:
        return str(code)
    return f"HTTP {http_status}" if http_status is not None else "no answer"


# Binance's hosts for /sapi/ and /api/: developers.binance.com, "Environments and API base URLs" (api.binance.com, and
# the alternates api-gcp and api1 to api4)
BINANCE_API_HOSTS = frozenset(
    {
        "api.binance.com",
        "api-gcp.binance.com",
        "api1.binance.com",
        "api2.binance.com",
        "api3.binance.com",
        "api4.binance.com",
    }
)
CLOCK_FINDING_MS = 5 * 60 * 1000  # clocks further apart than this are a finding of their own, said in the verdict


def clock_words(offset_ms: int) -> str:
    """``Binance's clock is 12 ms ahead of this machine's``: the clock offset, one way wherever a report says it
    (``offset_ms`` is Binance's server time minus this machine's clock); past a minute, in hours and minutes too."""
    if offset_ms == 0:
        return "Binance's clock agrees with this machine's (0 ms apart)"
    apart = abs(offset_ms)
    hours, minutes = divmod(round(apart / 60_000), 60)
    human = f" (about {f'{hours} h ' if hours else ''}{minutes} min)" if apart >= 60_000 else ""
    return f"Binance's clock is {apart} ms{human} {'ahead of' if offset_ms > 0 else 'behind'} this machine's"


def utc_now() -> str:
    """UTC, ISO 8601, to the millisecond: runs started in the same second still sort in order."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _suite_version() -> str:
    """The installed package's version: the one place it is written is the project's metadata (pyproject.toml)."""
    try:
        return metadata.version("p2p-conformance")
    except metadata.PackageNotFoundError:  # imported from a folder that was never installed
        return "not installed"


SUITE_VERSION = _suite_version()


def is_binance_api(url: str) -> bool:
    """Whether ``url`` is one of Binance's hosts for /sapi/ and /api/ (over HTTPS, on its default port)."""
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.port in (None, 443) and (parts.hostname or "") in BINANCE_API_HOSTS


class TargetKind(enum.StrEnum):
    """What a run's answers are evidence of: Binance's, the suite's local emulator's, or another server's (a mock, a
    proxy, a testnet). Decided once, by :func:`target_kind`."""

    BINANCE = "binance"
    EMULATOR = "emulator"
    NOT_BINANCE = "not-binance"


def target_kind(emulator: str | None, base_url: str | None) -> TargetKind:
    """A run's kind of target: the emulator's when it played a scenario (its answers say so), else Binance's only at
    one of Binance's API hosts (:func:`is_binance_api`); a run that reached no target (no base URL) is Binance's, as
    it was aimed there."""
    if emulator is not None:
        return TargetKind.EMULATOR
    return TargetKind.NOT_BINANCE if base_url is not None and not is_binance_api(base_url) else TargetKind.BINANCE


def utc_seconds(at: str) -> float:
    """A time :func:`utc_now` wrote, as seconds since the epoch."""
    return datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()


def _plain(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """A ``dict_factory`` for :func:`dataclasses.asdict` that turns enum members into their values."""
    return {name: value.value if isinstance(value, enum.Enum) else value for name, value in pairs}


@dataclass(frozen=True, kw_only=True)
class ControlCheck:
    """One check run before the endpoints (server time, the key's permissions, the signer)."""

    kind: ControlKind
    name: str
    ok: bool
    evidence: str
    at: str | None = None  # when the answer came (UTC), for checks that call the target
    http_status: int | None = None
    code: int | None = None  # Binance's error code, when the check was refused with one

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ControlCheck:
        return cls(**{**data, "kind": ControlKind(data["kind"])})


@dataclass(frozen=True)
class Evidence:
    """One fact about a key in one run: whether it holds, and the calls that prove it."""

    fact: Fact
    holds: bool
    proof: tuple[str, ...]  # endpoint ids (or control names) whose answers establish it
    detail: str  # the proof as a support agent reads it, with times

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        return cls(**{**data, "fact": Fact(data["fact"]), "proof": tuple(data["proof"])})


@dataclass(frozen=True, kw_only=True)
class SecondOpinion:
    """The same call sent once more through Binance's own SDK code (``--cross-check``)."""

    summary: str  # what was sent and what came back, in one line
    http_status: int | None = None
    code: int | str | None = None
    agrees: bool | None = None  # None: not sent
    message: str | None = None


@dataclass(frozen=True, kw_only=True)
class SentRequest:
    """A live call as it was sent, less its key and signing parameters: what a replay (Postman) needs."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]  # in order, without recvWindow, timestamp and signature
    headers: tuple[tuple[str, str], ...]  # without the API key's value
    body: str | None  # the JSON body as sent
    recv_window_signed: bool = True  # False: signed over the parameters and timestamp alone

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SentRequest:
        return cls(
            method=data["method"],
            path=data["path"],
            query=tuple((str(name), str(value)) for name, value in data["query"]),
            headers=tuple((str(name), str(value)) for name, value in data["headers"]),
            body=data["body"],
            recv_window_signed=bool(data.get("recv_window_signed", True)),
        )


@dataclass(frozen=True, kw_only=True)
class ProbeResult:
    """One request shape a failing call was sent in again (``--probe``), and what it got."""

    shape: str  # "every parameter in the signed query"
    answer: str  # "accepted", "-2008", "HTTP 500", "no answer (ReadTimeout)"
    accepted: bool
    request: SentRequest | None = None  # as sent (no key, no signing parameters); None for a form body
    contrast: str = ""  # the contract's own shape in the same terms: "with recvWindow=5000"
    fix: str = ""  # what to change if this shape is accepted: "drop recvWindow on this endpoint"

    def difference(self, endpoint_id: str, refused: str) -> str:
        """What an accepted shape shows, in one sentence: "Binance accepted chat/retrieveChatCredential signed
        over timestamp alone and refused it with recvWindow=5000 (-31002 ...): drop recvWindow on this endpoint."
        (``refused``: the answer the contract's own shape got)."""
        contrast = f" {self.contrast}" if self.contrast else " as the contract shapes it"
        fix = f": {self.fix}" if self.fix else ""
        return f"Binance accepted {endpoint_id} {self.shape} and refused it{contrast} ({refused}){fix}."

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeResult:
        request = data.get("request")
        return cls(**{**data, "request": None if request is None else SentRequest.from_dict(request)})


class SocketState(enum.StrEnum):
    """How a WebSocket check (``sockets:`` in the catalog) ended."""

    OPEN = "open"  # the handshake was accepted and the socket stayed open: it works
    REFUSED = "refused"  # the handshake was answered with an HTTP status other than 101
    CLOSED = "closed"  # the server closed the socket (a close code and reason)
    BAD_FRAME = "bad-frame"  # a frame broke the socket's frame contract
    BAD_CREDENTIAL = "bad-credential"  # the credential answered is not usable as the contract says (no URL made)
    NO_CREDENTIAL = "no-credential"  # the credential call did not answer with one: the socket was not opened
    NOT_OPENED = "not-opened"  # the run held it back (a ban, the deadline): nothing was sent
    NO_ANSWER = "no-answer"  # the handshake got no answer


@dataclass(frozen=True, kw_only=True)
class SocketAnswer:
    """What a WebSocket check saw: never a message's content, only counts, types and field names."""

    state: SocketState
    url: str  # the address as opened, with the credential's secrets redacted
    credential_at: str | None = None  # when the credential call answered (UTC): the same run, the same key
    close_code: int | None = None
    frames: int = 0
    frame_types: tuple[str, ...] = ()  # each type once, in the order first seen
    frame_fields: tuple[str, ...] = ()  # each field name once, sorted

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SocketAnswer:
        return cls(
            **{
                **data,
                "state": SocketState(data["state"]),
                "frame_types": tuple(data["frame_types"]),
                "frame_fields": tuple(data["frame_fields"]),
            }
        )


@dataclass(frozen=True, kw_only=True)
class Answer:
    """What came back for one live call, or that nothing did: the one home of the fields every report
    shows. A :class:`LiveResult` carries it from the engine and an :class:`EndpointRecord` to the
    reports, so a new field of an answer is added here, once."""

    sent: bool = False  # False: never sent (not run live, or held back to honour a rate limit or a ban)
    http_status: int | None = None  # None: no answer came
    kind: AnswerKind = AnswerKind.NOT_SENT  # what the answer is (contracts.checks.answer_kind decides it, once)
    code: int | str | None = None  # Binance's ``code``: a negative number, or a C2C business code
    msg: str | None = None  # Binance's ``msg`` (or ``message``), redacted and bounded
    latency_ms: float | None = None
    at: str | None = None  # when the answer came (UTC)
    notes: tuple[str, ...] = ()  # how ids were found, what was cut, a business error with a placeholder id
    rate_limit_headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""  # scrubbed of chat credentials and personal data, and cut to a bound
    reproduction: str = ""  # curl, with key, signature and timestamp as placeholders
    second_opinion: SecondOpinion | None = None  # ``--cross-check``
    drift: tuple[str, ...] = ()  # how a working answer departs from the contract without breaking it
    observed: Any = None  # the shape of a drifting answer's data (types only), for contracts/observed/
    request: SentRequest | None = None  # the call as sent (no key, no signature), for the Postman collection
    request_gaps: tuple[str, ...] = ()  # what the request lacked of the headers and parameters its contract requires
    timestamp: int | None = None  # the ``timestamp`` the request carried (not secret: support looks it up)
    offset_ms: int | None = None  # the server-time offset applied to it
    trace_headers: Mapping[str, str] = field(default_factory=dict)  # Date, x-mbx-uuid...: what identifies the answer
    probes: tuple[ProbeResult, ...] = ()  # the same call in other request shapes (``--probe``)
    socket: SocketAnswer | None = None  # a WebSocket check's (``sockets:`` in the catalog)

    def __post_init__(self) -> None:
        if self.sent and self.kind is AnswerKind.NOT_SENT:  # built without its kind (an older file, a test)
            object.__setattr__(self, "kind", _derived_kind(self))

    @property
    def text(self) -> str:
        """``-2008``, ``HTTP 500``, ``empty HTTP 200`` or ``no answer``: what came back, as every report names it."""
        return answer_text(self.code, self.http_status, self.kind)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Answer:
        """The answer in a record's dictionary, where its fields stand beside the record's own."""
        known = {name: data[name] for name in ANSWER_FIELDS if name in data}
        opinion, request, socket = known.get("second_opinion"), known.get("request"), known.get("socket")
        return cls(
            **{
                **known,
                "kind": AnswerKind(known.get("kind", AnswerKind.NOT_SENT)),
                "notes": tuple(known.get("notes", ())),
                "drift": tuple(known.get("drift", ())),
                "request_gaps": tuple(known.get("request_gaps", ())),
                "probes": tuple(ProbeResult.from_dict(found) for found in known.get("probes", ())),
                "second_opinion": None if opinion is None else SecondOpinion(**opinion),
                "request": None if request is None else SentRequest.from_dict(request),
                "socket": None if socket is None else SocketAnswer.from_dict(socket),
            }
        )


ANSWER_FIELDS = frozenset(answer_field.name for answer_field in fields(Answer))
EMPTY_200_TEXT = "empty HTTP 200"


def _derived_kind(answer: Answer) -> AnswerKind:
    """The kind of a sent answer built without it (one kept before answers carried it, in an older
    live-summary.json): decided by the same function, from the code and message kept, else from the body."""
    if answer.socket is not None:
        return AnswerKind.SOCKET
    if answer.code is not None:
        return answer_kind(answer.http_status, json.dumps({"code": answer.code, "msg": answer.msg}))
    return answer_kind(answer.http_status, answer.body)


@dataclass(frozen=True, kw_only=True)
class LiveResult:
    """One live call and its verdict against the contract."""

    contract: Contract
    answer: Answer
    problem: str | None  # None: the answer satisfies the contract; else what is wrong with it, or why none came
    # A credential the answer holds for a socket check (``sockets:`` in the catalog): in memory only, never
    # in a record, a report or a repr.
    credential: Mapping[str, str] | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        return self.problem is None

    def __repr__(self) -> str:  # the body may hold what scrubbing removes: keep it out of tracebacks
        return f"LiveResult({self.contract.id}, {self.answer.text})"


@dataclass(frozen=True, kw_only=True)
class EndpointRecord:
    """One endpoint's line in the reports, for one key in one round.

    Where the test ran, the record says what happened: the answer, or why there is none. Its side,
    diagnosis, next step and reasoning are drawn once, from the whole run's evidence, by
    :func:`p2p_conformance.engine.conclusions.weigh`.
    """

    id: str
    method: str
    path: str
    placement: Placement  # where the business parameters went
    mutating: str | None  # what the endpoint would change, as in the contract; None when read-only
    confidence: Tier
    key_name: str
    key_fingerprint: str
    round: int = 1
    outcome: Outcome
    answer: Answer = Answer()
    problem: str | None = None  # why it did not pass: the contract check, the gate's reason, the test's error
    stop: Stop | None = None  # why an :attr:`Outcome.ERROR` has no answer
    side: Side = Side.UNDETERMINED  # until weighed
    diagnosis: str = ""
    next_step: str = ""
    reasoning: str = ""  # for a failure: why its side, in words
    facts: Mapping[str, bool] = field(default_factory=dict)  # the facts of the run it rests on (Fact's names)
    trend: Trend | None = None  # from the history, once the run is stored

    @property
    def read_only(self) -> bool:
        return self.mutating is None

    @property
    def worked(self) -> bool:
        return self.outcome is Outcome.PASS

    def to_dict(self) -> dict[str, Any]:
        """Plain data: the answer's fields stand beside the record's own, as in ``live-summary.json``."""
        data = asdict(self, dict_factory=_plain)
        answer = data.pop("answer")
        return {**data, **answer}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EndpointRecord:
        trend, stop = data.get("trend"), data.get("stop")
        own = {name: value for name, value in data.items() if name not in ANSWER_FIELDS}
        return cls(
            **{
                **own,
                "placement": Placement(data["placement"]),
                "outcome": Outcome(data["outcome"]),
                "side": Side(data["side"]),
                "confidence": Tier(data["confidence"]),
                "stop": None if stop is None else Stop(stop),
                "trend": None if trend is None else Trend(trend),
                "answer": Answer.from_dict(data),
            }
        )


@dataclass(frozen=True, kw_only=True)
class KeySummary:
    """What a live run established for one key before its endpoints ran."""

    name: str
    fingerprint: str
    key_type: KeyType
    base_url: str
    clock_offset_ms: int
    controls: tuple[ControlCheck, ...]
    evidence: tuple[Evidence, ...] = ()  # the facts of the run's last round, once all results are in
    notes: tuple[str, ...] = ()  # what the evidence says besides the verdict (e.g. account vs P2P access)
    recognised_rounds: tuple[int, ...] = ()  # the rounds in which Binance recognised the key (key-recognised)
    shape: str = ""  # "API key: 64 characters, letters and digits; secret: 64 characters, ..." (never the text)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self, dict_factory=_plain)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> KeySummary:
        return cls(
            **{
                **data,
                "key_type": KeyType(data["key_type"]),
                "recognised_rounds": tuple(data.get("recognised_rounds", ())),
                "controls": tuple(ControlCheck.from_dict(check) for check in data["controls"]),
                "evidence": tuple(Evidence.from_dict(fact) for fact in data.get("evidence", ())),
                "notes": tuple(data.get("notes", ())),
            }
        )


@dataclass(frozen=True, kw_only=True)
class OthersSaw:
    """What other merchants' status feeds say of one endpoint in one UTC hour (``--compare-with``): how many
    merchants called it then, and how many of them saw each outcome (docs/status-feed.md's words)."""

    endpoint: str
    hour: str  # 2026-12-07T12:00Z
    merchants: int
    outcomes: Mapping[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "hour": self.hour,
            "merchants": self.merchants,
            "outcomes": dict(self.outcomes),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OthersSaw:
        outcomes = {str(outcome): int(count) for outcome, count in data["outcomes"].items()}
        return cls(
            endpoint=str(data["endpoint"]), hour=str(data["hour"]), merchants=int(data["merchants"]), outcomes=outcomes
        )


@dataclass(kw_only=True)
class RunRecord:
    """A whole live run: when, which keys, the control checks, every endpoint of every round."""

    started_at: str
    case_id: str | None
    recv_window: int = DEFAULT_RECV_WINDOW  # what every signed call of the run carried (--recv-window)
    emulator: str | None = None  # the scenario, when the run went to the local emulator and not to Binance
    focus: tuple[str, ...] = ()  # the endpoints the case is about, shown first
    origin: str | None = None  # where the run ran from (``--origin``), e.g. "github-eu-west"
    keys: list[KeySummary] = field(default_factory=list)
    results: list[EndpointRecord] = field(default_factory=list)
    rounds: dict[int, str] = field(default_factory=dict)  # round -> when it started (UTC)
    phases: dict[int, str] = field(default_factory=dict)  # round -> the emulator story's phase name
    changes: list[str] = field(
        default_factory=list
    )  # "3 of the 6 endpoints both runs called now work, up from ..." per key
    rounds_planned: int = 1  # --repeat
    interrupted: bool = False  # cut short (Ctrl-C, SIGTERM): the rounds after the last one seen never ran
    # Why the run saw only part of the catalog, in words (empty: every live test a whole run has, selected and run):
    # "-k ads/search selected 1 of 15 live tests a round and key", "pytest stopped after 1 of 15 tests (-x)"
    partial: tuple[str, ...] = ()
    # selected by --lf: the calls that worked last time were left out on purpose, so what is left says nothing of
    # the key as a whole, however many services it spans
    last_failed_only: bool = False
    requests_sent: int = 0  # every request the run sent: the clock, the control checks, id lookups and calls
    socket_checks: bool = False  # the catalog's sockets were opened (--socket); off by default
    verifiable: bool = False  # --verifiable: the bundle holds every request as sent (requests.jsonl)
    recorded: bool = False  # --bundle: the run's terminal was recorded (run.cast, played by run.html)
    suite_version: str = SUITE_VERSION  # the p2p-conformance that made the run (its package's metadata)
    # --compare-with: the feeds read (their sources, as given) and what they say of the run's endpoints and hours
    compared_with: tuple[str, ...] = ()
    others: tuple[OthersSaw, ...] = ()
    # Binance's clock at each round's start, server minus local ms (read again at every round after the first)
    round_clocks: dict[int, int] = field(default_factory=dict)

    @property
    def rounds_not_run(self) -> list[int]:
        """The planned rounds that never started (an interrupted run's)."""
        return [number for number in range(1, self.rounds_planned + 1) if number not in self.rounds]

    @property
    def base_url(self) -> str | None:
        """The target, as the first key reached it (None when no key was opened)."""
        return next((key.base_url for key in self.keys), None)

    @property
    def target_kind(self) -> TargetKind:
        return target_kind(self.emulator, self.base_url)

    @property
    def not_binance(self) -> str | None:
        """The target, when it is neither the emulator nor one of Binance's API hosts (a mock, a proxy, a testnet):
        its answers are that server's, and every output says so."""
        return self.base_url if self.target_kind is TargetKind.NOT_BINANCE else None

    @property
    def last_round(self) -> list[EndpointRecord]:
        latest = max((r.round for r in self.results), default=1)
        return [r for r in self.results if r.round == latest]

    def ran(self) -> list[EndpointRecord]:
        """The read-only endpoints run in the last round (skipped ones are not)."""
        return [r for r in self.last_round if r.read_only and r.outcome.ran]

    def to_dict(self) -> dict[str, Any]:
        """The run as ``live-summary.json`` holds it, read back by :meth:`from_dict`."""
        return {
            "started_at": self.started_at,
            "case_id": self.case_id,
            "recv_window": self.recv_window,
            "emulator": self.emulator,
            "focus": list(self.focus),
            "origin": self.origin,
            "keys": [key.to_dict() for key in self.keys],
            "results": [record.to_dict() for record in self.results],
            "rounds": [
                {
                    "round": number,
                    "started_at": at,
                    "phase": self.phases.get(number),
                    "clock_offset_ms": self.round_clocks.get(number),
                }
                for number, at in sorted(self.rounds.items())
            ],
            "changes": list(self.changes),
            "rounds_planned": self.rounds_planned,
            "interrupted": self.interrupted,
            "partial": list(self.partial),
            "last_failed_only": self.last_failed_only,
            "requests_sent": self.requests_sent,
            "socket_checks": self.socket_checks,
            "verifiable": self.verifiable,
            "recorded": self.recorded,
            "suite_version": self.suite_version,
            "compared_with": list(self.compared_with),
            "others": [saw.to_dict() for saw in self.others],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """The run :meth:`to_dict` wrote; a missing field or a value of the wrong type raises (KeyError, TypeError,
        ValueError)."""
        return cls(
            started_at=str(data["started_at"]),
            case_id=data["case_id"],
            recv_window=int(data["recv_window"]),
            emulator=data["emulator"],
            focus=tuple(data["focus"]),
            origin=data["origin"],
            keys=[KeySummary.from_dict(key) for key in data["keys"]],
            results=[EndpointRecord.from_dict(record) for record in data["results"]],
            rounds={int(found["round"]): str(found["started_at"]) for found in data["rounds"]},
            phases={int(found["round"]): str(found["phase"]) for found in data["rounds"] if found["phase"]},
            round_clocks={
                int(found["round"]): int(found["clock_offset_ms"])
                for found in data["rounds"]
                if found.get("clock_offset_ms") is not None
            },
            changes=[str(change) for change in data["changes"]],
            rounds_planned=int(data["rounds_planned"]),
            interrupted=bool(data["interrupted"]),
            partial=tuple(str(reason) for reason in data["partial"]),
            last_failed_only=bool(data["last_failed_only"]),
            requests_sent=int(data["requests_sent"]),
            socket_checks=bool(data["socket_checks"]),
            verifiable=bool(data.get("verifiable", False)),  # absent from files written before it
            recorded=bool(data.get("recorded", False)),
            suite_version=str(data.get("suite_version", "before 0.1.0")),  # absent from files written before it
            compared_with=tuple(str(source) for source in data.get("compared_with", ())),
            others=tuple(OthersSaw.from_dict(saw) for saw in data.get("others", ())),
        )
