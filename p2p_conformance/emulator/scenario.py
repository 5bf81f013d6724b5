"""Scenarios: which keys the emulator knows, and how it answers each key on each endpoint.

A scenario file (YAML)::

    description: one line
    keys:
      demo:
        api_key: ...            # 64 characters
        secret: ...             # HMAC; or public_key: PEM text of an RSA or Ed25519 key
        default: ok             # behaviour for endpoints not listed
        endpoints:
          ads/search: "-2008"
          ads/getAvailableAdsCategory: {flap: [ok, "-2008"]}
          ads/getReferencePrice: http-500
          chat/retrieveChatCredential: {slow: 1.5, then: ok}

A scenario may add ``latency``: seconds before every answer, as a network that far away would
(``latency: 0.2``), or per path (``latency: {default: 0.2, /api/v3/time: 0.05}``); and ``unknown_paths``:
how a /sapi/ path no endpoint has is answered, ``empty-200`` (the gateway's catch-all, the default) or
``not-found`` (the C2C service's 404).

A story that changes over time lists ``phases`` (each ``{name, keys: {key: {default, endpoints}}}``);
a phase's ``default`` replaces the key's, and its ``endpoints`` add to and override the key's own.
The emulator starts in the first phase.

Behaviours: ``ok`` (the documented example), an error code such as ``"-2008"`` (the gateway's
error with its usual HTTP status), ``http-500``, ``empty-200`` (no body: the gateway's catch-all),
``rate-limited`` (429 with ``Retry-After``),
``not-found`` (a C2C business error, as for an unknown id), ``{flap: [A, B]}`` (alternates on
each call), ``{slow: SECONDS, then: A}``; an error with its own message, as Binance writes a
business code in one (``{error: -9000, msg: "187049"}``); an answer verbatim, as recorded
(``{status: 400, body: {code: -1102, msg: illegal parameter}}``); and an answer that depends on
how the call was sent, as merchants report of some endpoints: ``{when: {signed: recvWindow},
then: "-31002", else: ok}`` or ``{when: {no_header: clientType}, then: "-31002", else: ok}``
(``then`` and ``else`` are single answers, or another ``when``).

The chat socket (``chat/websocket``, opened with the credential ``chat/retrieveChatCredential``
answers) is ``ok`` (accepted, and quiet until the client closes) by default, or ``{refuse: 403}``
(the handshake refused with that HTTP status), ``{close: 4001, reason: text}`` (closed at once), or
``{frames: [frame, ...]}`` (each sent once it is open). A key's ``listen_token`` sets the credential's
token (by default one made from the key).
"""

from __future__ import annotations

import enum
import hashlib
import itertools
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from p2p_conformance.contracts import Catalog, load_catalog, load_error_codes
from p2p_conformance.contracts.loading import SAFE_LOADER
from p2p_conformance.contracts.model import API_RESTRICTIONS_ID
from p2p_conformance.errors import InputError
from p2p_conformance.signer.env import ASYMMETRIC_NAMES

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
MAX_LATENCY_SECONDS = 60.0


class ScenarioError(InputError, ValueError):
    """A scenario file that cannot be used; the message says where and what."""


class Behaviour(enum.StrEnum):
    """How the emulator answers a call, besides a Binance error code."""

    OK = "ok"  # the contract's example, in the success envelope
    HTTP_500 = "http-500"  # an HTML error page
    RATE_LIMITED = "rate-limited"  # -1003 with HTTP 429 and Retry-After
    NOT_FOUND = "not-found"  # a C2C business error: no record with this id
    NO_ANSWER = "no-answer"  # no answer comes: the connection is held (the scenario's no_answer_hold), then reset
    EMPTY_200 = "empty-200"  # HTTP 200, no body: Binance's gateway answers so where no service takes the path


class UnknownPaths(enum.StrEnum):
    """How the emulator answers a /sapi/ path no endpoint of the catalog has (both were seen from Binance)."""

    EMPTY_200 = "empty-200"  # the gateway's catch-all: HTTP 200, no body (a merchant's probe of thousands of paths)
    NOT_FOUND = "not-found"  # HTTP 404 {"error": "Not Found"}, as a C2C-prefixed path has also answered


@dataclass(frozen=True, kw_only=True)
class SocketPlay:
    """How the emulator's chat socket answers a handshake other than by accepting it and staying quiet:
    refused with an HTTP status, closed at once with a code and reason, or frames sent once it is open."""

    refuse: int | None = None
    close: int | None = None
    reason: str = ""
    frames: tuple[Any, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Written:
    """An answer written out: an error code with its own message (the catalog's HTTP status), or a status and a
    body verbatim, as recorded."""

    status: int
    body: Any


class RequestTest(enum.StrEnum):
    """What a ``when`` looks at in the call."""

    SIGNED = "signed"  # the parameter is among the signed ones (recvWindow)
    NO_HEADER = "no_header"  # the header is missing or empty


@dataclass(frozen=True, kw_only=True)
class When:
    """An answer that depends on how the call was sent."""

    test: RequestTest
    name: str
    then: ScenarioAnswer
    otherwise: ScenarioAnswer

    def holds(self, signed: Mapping[str, str], headers: Mapping[str, str]) -> bool:
        if self.test is RequestTest.SIGNED:
            return self.name in signed
        return not headers.get(self.name.lower())

    def answer(self, signed: Mapping[str, str], headers: Mapping[str, str]) -> Behaviour | int | Written:
        """The answer for a call with these signed parameters and headers (names in lower case: HTTP header
        names are case-insensitive)."""
        chosen = self.then if self.holds(signed, headers) else self.otherwise
        return chosen.answer(signed, headers) if isinstance(chosen, When) else chosen


ScenarioAnswer = Behaviour | int | Written | When


@dataclass(frozen=True)
class Step:
    """One answer: a behaviour, a Binance error code (e.g. -2008), an answer written out, one that depends on the
    call, or a socket's play, after an optional delay."""

    answer: ScenarioAnswer | SocketPlay
    delay: float = 0.0


def _parse_socket_play(spec: Mapping[str, Any], where: str) -> SocketPlay:
    """``{refuse: 403}``, ``{close: 4001, reason: text}`` or ``{frames: [frame, ...]}``."""
    if set(spec) == {"refuse"} and isinstance(spec["refuse"], int) and 300 <= spec["refuse"] <= 599:
        return SocketPlay(refuse=spec["refuse"])
    if set(spec) <= {"close", "reason"} and isinstance(spec.get("close"), int) and 1000 <= spec["close"] <= 4999:
        return SocketPlay(close=spec["close"], reason=str(spec.get("reason", "")))
    if set(spec) == {"frames"} and isinstance(spec["frames"], list):
        return SocketPlay(frames=tuple(spec["frames"]))
    raise ScenarioError(
        f"{where}: cannot read socket behaviour {spec!r} (ok, {{refuse: 403}}, {{close: 4001, reason: ...}} "
        "or {frames: [...]})"
    )


def _error_code(spec: Any) -> int | None:
    """The catalog's error code ``spec`` names (``-2008`` or ``"-2008"``), else None."""
    number = isinstance(spec, (int, str)) and not isinstance(spec, bool) and str(spec).lstrip("-").isdigit()
    return int(spec) if number and int(spec) in load_error_codes() else None


def _parse_written(spec: Mapping[str, Any], where: str) -> Written:
    """``{error: -9000, msg: "187049"}`` or ``{status: 400, body: ...}``."""
    if set(spec) == {"error", "msg"} and isinstance(spec["msg"], str):
        code = _error_code(spec["error"])
        if code is None:
            raise ScenarioError(
                f"{where}.error: {spec['error']!r} is not an error code of the catalog (contracts/error-codes.yaml)"
            )
        return Written(status=load_error_codes()[code].http, body={"code": code, "msg": spec["msg"]})
    status = spec.get("status")
    if set(spec) == {"status", "body"} and type(status) is int and 200 <= status <= 599:
        return Written(status=status, body=spec["body"])
    raise ScenarioError(f"{where}: write an answer as {{error: CODE, msg: TEXT}} or {{status: 200-599, body: ...}}")


def _parse_when(spec: Mapping[str, Any], where: str) -> When:
    """``{when: {signed: recvWindow}, then: A, else: B}`` or ``{when: {no_header: NAME}, ...}``."""
    test = spec["when"]
    if not (isinstance(test, dict) and len(test) == 1 and set(spec) == {"when", "then", "else"}):
        raise ScenarioError(f"{where}: write {{when: {{signed: recvWindow}} or {{no_header: NAME}}, then: A, else: B}}")
    ((kind, name),) = test.items()
    if kind not in set(RequestTest) or not (isinstance(name, str) and name):
        raise ScenarioError(f"{where}.when: {kind!r} is not one of {', '.join(RequestTest)} with a name")
    return When(
        test=RequestTest(kind),
        name=name,
        then=_single(spec["then"], f"{where}.then"),
        otherwise=_single(spec["else"], f"{where}.else"),
    )


def _single(spec: Any, where: str) -> ScenarioAnswer:
    """One answer (no flap, no delay): what a ``when`` chooses between."""
    steps = _parse_behaviour(spec, where)
    if len(steps) != 1 or steps[0].delay or isinstance(steps[0].answer, SocketPlay):
        raise ScenarioError(f"{where}: a when chooses between single answers, not {spec!r}")
    return steps[0].answer


def _parse_behaviour(spec: Any, where: str, socket: bool = False) -> list[Step]:
    if socket and isinstance(spec, dict) and set(spec) & {"refuse", "close", "frames"}:
        return [Step(_parse_socket_play(spec, where))]
    if not socket and isinstance(spec, dict) and "when" in spec:
        return [Step(_parse_when(spec, where))]
    if not socket and isinstance(spec, dict) and set(spec) & {"error", "status"}:
        return [Step(_parse_written(spec, where))]
    if isinstance(spec, int):
        spec = str(spec)
    if isinstance(spec, str):
        if spec in set(Behaviour):
            return [Step(Behaviour(spec))]
        if (code := _error_code(spec)) is not None:
            return [Step(code)]
        raise ScenarioError(f"{where}: unknown behaviour {spec!r} (use {', '.join(Behaviour)} or an error code)")
    if isinstance(spec, dict) and set(spec) == {"flap"} and isinstance(spec["flap"], list) and spec["flap"]:
        return [step for item in spec["flap"] for step in _parse_behaviour(item, where, socket)]
    if isinstance(spec, dict) and set(spec) == {"slow", "then"} and isinstance(spec["slow"], (int, float)):
        return [Step(step.answer, float(spec["slow"])) for step in _parse_behaviour(spec["then"], where, socket)]
    raise ScenarioError(f"{where}: cannot read behaviour {spec!r}")


@dataclass(frozen=True)
class Latency:
    """Seconds the emulator waits before answering: by default, and for given paths."""

    default: float = 0.0
    paths: Mapping[str, float] = field(default_factory=dict)

    def for_path(self, path: str) -> float:
        return self.paths.get(path, self.default)


def _seconds(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_LATENCY_SECONDS:
        raise ScenarioError(f"{where}: {value!r} is not a number of seconds from 0 to {MAX_LATENCY_SECONDS:g}")
    return float(value)


def _parse_latency(spec: Any) -> Latency:
    if spec is None:
        return Latency()
    if not isinstance(spec, dict):
        return Latency(_seconds(spec, "latency"))
    unknown = sorted(name for name in spec if name != "default" and not str(name).startswith("/"))
    if unknown:
        raise ScenarioError(f"latency: {unknown[0]!r} is neither default nor a path such as /api/v3/time")
    paths = {str(path): _seconds(value, f"latency.{path}") for path, value in spec.items() if path != "default"}
    return Latency(_seconds(spec.get("default", 0), "latency.default"), paths)


@dataclass(frozen=True)
class Behaviours:
    """How one key is answered: per endpoint, and by default."""

    default: list[Step]
    endpoints: dict[str, list[Step]]

    def for_endpoint(self, endpoint_id: str) -> list[Step]:
        return self.endpoints.get(endpoint_id, self.default)


@dataclass(frozen=True)
class KeyScenario:
    """One key the emulator knows: its credentials (never shown in a repr), and the story's phase it was
    made in (``made``; before it, the key does not exist: Binance answers -2008 on /sapi)."""

    name: str
    api_key: str = field(repr=False)
    secret: str | None = field(repr=False)
    public_key: str | None = field(repr=False)
    made: str | None = None
    given_listen_token: str | None = field(default=None, repr=False)  # ``listen_token``, else one made from the key

    @property
    def listen_key(self) -> str:
        """The chat credential's ``listenKey`` for this key: fixed, and naming nothing secret of the key."""
        return "emulator-" + hashlib.sha256(f"listen-key {self.api_key}".encode()).hexdigest()[:32]

    @property
    def listen_token(self) -> str:
        """The chat credential's ``listenToken``: the scenario's ``listen_token``, else one made from the key."""
        return self.given_listen_token or hashlib.sha256(f"listen-token {self.api_key}".encode()).hexdigest()


@dataclass(frozen=True)
class Phase:
    """One moment of a story: each key's behaviours then."""

    name: str
    behaviours: dict[str, Behaviours]


class Scenario:
    """Keys and their behaviours, in one or several phases (a time-varying story)."""

    def __init__(
        self,
        description: str,
        keys: dict[str, KeyScenario],
        phases: list[Phase],
        latency: Latency | None = None,
        no_answer_hold: float = 0.0,
        unknown_paths: UnknownPaths = UnknownPaths.EMPTY_200,
    ) -> None:
        self.no_answer_hold = no_answer_hold  # seconds a no-answer call holds its connection before it is reset
        self.unknown_paths = unknown_paths  # how a /sapi/ path no endpoint has is answered
        self.description = description
        self.keys = keys
        self.phases = phases
        self.latency = latency or Latency()
        self.phase_index = 0
        self._cycles: dict[tuple[int, str, str], Iterator[Step]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Scenario({self.description!r}, keys={list(self.keys)}, phase={self.phase.name!r})"

    @property
    def phase(self) -> Phase:
        return self.phases[self.phase_index]

    def set_phase(self, name_or_index: str | int) -> None:
        """Move to a phase by name, or by index (past the last one stays on the last)."""
        if isinstance(name_or_index, int):
            self.phase_index = min(name_or_index, len(self.phases) - 1)
            return
        names = [phase.name for phase in self.phases]
        if name_or_index not in names:
            raise ScenarioError(f"no phase {name_or_index!r} in this scenario (phases: {', '.join(names)})")
        self.phase_index = names.index(name_or_index)

    def key_for(self, api_key: str) -> KeyScenario | None:
        """The key with this API key, if it exists in the current phase."""
        key = next((key for key in self.keys.values() if key.api_key == api_key), None)
        if key is None or key.made is None:
            return key
        made = next(index for index, phase in enumerate(self.phases) if phase.name == key.made)
        return key if self.phase_index >= made else None

    def next_step(self, key_name: str, endpoint_id: str) -> Step:
        """The answer for this call: a flapping behaviour moves on by one at each call."""
        with self._lock:
            slot = (self.phase_index, key_name, endpoint_id)
            cycle = self._cycles.get(slot)
            if cycle is None:
                steps = self.phase.behaviours[key_name].for_endpoint(endpoint_id)
                cycle = self._cycles[slot] = itertools.cycle(steps)
            return next(cycle)


def _behaviours(spec: Mapping[str, Any], where: str, known_endpoints: set[str], sockets: set[str]) -> Behaviours:
    endpoints = spec.get("endpoints") or {}
    unknown = sorted(set(endpoints) - known_endpoints - sockets)
    if unknown:
        raise ScenarioError(f"{where}.endpoints: {unknown[0]!r} is not an endpoint or a socket of the catalog")
    return Behaviours(
        _parse_behaviour(spec.get("default", Behaviour.OK), f"{where}.default"),
        {eid: _parse_behaviour(b, f"{where}.endpoints.{eid}", eid in sockets) for eid, b in endpoints.items()},
    )


def parse_scenario(document: Mapping[str, Any], catalog: Catalog | None = None) -> Scenario:
    """Build a :class:`Scenario` from its parsed YAML, checking every name against the catalog."""
    catalog = catalog or load_catalog()
    known_endpoints = {contract.id for contract in catalog.contracts} | {API_RESTRICTIONS_ID}
    sockets = {socket.id for socket in catalog.sockets}
    keys, base_specs = {}, {}
    for name, spec in (document.get("keys") or {}).items():
        where = f"keys.{name}"
        if not isinstance(spec, dict) or "api_key" not in spec:
            raise ScenarioError(f"{where}: needs api_key and a secret or public_key")
        if ("secret" in spec) == ("public_key" in spec):
            raise ScenarioError(f"{where}: give exactly one of secret (HMAC) and public_key ({ASYMMETRIC_NAMES})")
        listen_token = spec.get("listen_token")
        if listen_token is not None and not (isinstance(listen_token, str) and listen_token.isascii() and listen_token):
            raise ScenarioError(f"{where}.listen_token: give a text of printable characters")
        keys[name] = KeyScenario(
            name, spec["api_key"], spec.get("secret"), spec.get("public_key"), spec.get("made"), listen_token
        )
        base_specs[name] = spec
    if not keys:
        raise ScenarioError("the scenario has no keys")
    base = {name: _behaviours(spec, f"keys.{name}", known_endpoints, sockets) for name, spec in base_specs.items()}
    phases = []
    for index, spec in enumerate(document.get("phases") or []):
        where = f"phases[{index}]"
        overlays = spec.get("keys") or {}
        unknown = sorted(set(overlays) - set(keys))
        if unknown:
            raise ScenarioError(f"{where}.keys: {unknown[0]!r} is not a key of the scenario")
        behaviours = dict(base)
        for name, overlay in overlays.items():
            merged = {
                "default": overlay.get("default", base_specs[name].get("default", Behaviour.OK)),
                "endpoints": {**(base_specs[name].get("endpoints") or {}), **(overlay.get("endpoints") or {})},
            }
            behaviours[name] = _behaviours(merged, f"{where}.keys.{name}", known_endpoints, sockets)
        phases.append(Phase(str(spec.get("name", index + 1)), behaviours))
    latency = _parse_latency(document.get("latency"))
    hold = document.get("no_answer_hold", 0.0)
    if isinstance(hold, bool) or not isinstance(hold, int | float) or not 0 <= hold <= MAX_LATENCY_SECONDS:
        raise ScenarioError(f"no_answer_hold: {hold!r} is not a number of seconds from 0 to {MAX_LATENCY_SECONDS:g}")
    unknown_paths = document.get("unknown_paths", UnknownPaths.EMPTY_200)
    if unknown_paths not in set(UnknownPaths):
        raise ScenarioError(f"unknown_paths: {unknown_paths!r} is not one of {', '.join(UnknownPaths)}")
    phases = phases or [Phase("only", base)]
    names = [phase.name for phase in phases]
    for key in keys.values():
        if key.made is not None and key.made not in names:
            raise ScenarioError(f"keys.{key.name}.made: {key.made!r} is not a phase (phases: {', '.join(names)})")
    return Scenario(
        str(document.get("description", "")), keys, phases, latency, float(hold), UnknownPaths(unknown_paths)
    )


MAX_SCENARIO_BYTES = 1024 * 1024
MAX_SCENARIO_VALUES = 100_000  # every value, each alias counted again where it is used: a YAML "billion laughs" stops
MAX_SCENARIO_DEPTH = 32


def _within_bounds(document: object) -> bool:
    """Whether the document, its aliases expanded, holds at most :data:`MAX_SCENARIO_VALUES` values nested at
    most :data:`MAX_SCENARIO_DEPTH` deep; counted by a walk that stops at the first bound it passes."""
    remaining = MAX_SCENARIO_VALUES
    pending: list[tuple[object, int]] = [(document, 0)]
    while pending:
        value, depth = pending.pop()
        remaining -= 1
        if remaining < 0 or depth > MAX_SCENARIO_DEPTH:
            return False
        if isinstance(value, dict):
            pending += [(item, depth + 1) for pair in value.items() for item in pair]
        elif isinstance(value, list):
            pending += [(item, depth + 1) for item in value]
    return True


def load_scenario(path: str | Path, catalog: Catalog | None = None) -> Scenario:
    """Read a scenario file; a bare name such as ``july-9`` means ``p2p_conformance/emulator/scenarios/july-9.yaml``.
    A file larger than a scenario, or that expands to more values than one (YAML aliases), is refused in one line
    before anything reads it through."""
    candidate = Path(path)
    if not candidate.exists() and (SCENARIOS / f"{path}.yaml").exists():
        candidate = SCENARIOS / f"{path}.yaml"
    try:
        with candidate.open("rb") as file:  # at most the bound, read: a pipe or a device has no size to ask
            data = file.read(MAX_SCENARIO_BYTES + 1)
        if len(data) > MAX_SCENARIO_BYTES:
            raise ScenarioError(f"scenario {path}: larger than {MAX_SCENARIO_BYTES // 1024} KB, not a scenario")
        document = yaml.load(data.decode("utf-8"), Loader=SAFE_LOADER)
    except OSError as error:
        known = ", ".join(sorted(scenario.stem for scenario in SCENARIOS.glob("*.yaml")))
        raise ScenarioError(
            f"cannot read scenario {path}: {error.strerror} (give a scenario file, or one of: {known})"
        ) from None
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as error:
        where = getattr(error, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ScenarioError(f"scenario {path}: not readable as YAML{line} ({type(error).__name__})") from None
    if not isinstance(document, dict):
        raise ScenarioError(f"scenario {path} is not a YAML mapping")
    if not _within_bounds(document):
        raise ScenarioError(
            f"scenario {path}: more than {MAX_SCENARIO_VALUES} values once its aliases are expanded, or nested "
            f"deeper than {MAX_SCENARIO_DEPTH}: not a scenario"
        )
    return parse_scenario(document, catalog)
