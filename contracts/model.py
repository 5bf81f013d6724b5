"""The contract model: an endpoint's contract, the id sources, the catalog."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from p2p_conformance.errors import InputError
from p2p_conformance.signer import SIGNING_PARAMS, Placement

PATH_PREFIX = "/sapi/v1/c2c/"
# The two non-C2C endpoints a live run calls first (docs/signing.md): the server's
# clock, and the key's permissions, whose answer proves the key and the signature are valid.
SERVER_TIME_PATH = "/api/v3/time"
# The header every answer of the suite's emulator carries (no answer of Binance's does): a run that reaches the emulator
# by any address is labelled an emulator run (its value names the scenario)
EMULATOR_HEADER = "X-P2P-Conformance-Emulator"
API_RESTRICTIONS_PATH = "/sapi/v1/account/apiRestrictions"
API_RESTRICTIONS_ID = "account/apiRestrictions"  # the account control, as records, scenarios and reports name it
NO_EXAMPLE = object()
JSON_TYPES = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def json_type(value: Any) -> str:
    """The JSON Schema type of a parsed value (bool before int: bool is an int)."""
    return next((name for python_type, name in JSON_TYPES if isinstance(value, python_type)), "null")


# The C2C success envelope (docs/endpoints.md, "Conventions every endpoint shares").
ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["code", "data", "success"],
    "properties": {
        "code": {"const": "000000"},
        "message": {"type": ["string", "null"]},
        "total": {"type": "integer", "minimum": 0},
        "success": {"const": True},
    },
}


class Tier(enum.StrEnum):
    """How far a contract's shape is from Binance's own word (docs/endpoints.md, "Tiers")."""

    A = "A"  # Binance's official API reference
    B = "B"  # an official Binance document that is not the API reference (the agent skill, the merchant guide)
    C = "C"  # several public clients that agree
    D = "D"  # a single public source, or sources that disagree

    @property
    def words(self) -> str:
        """What the tier means, as a reasoning says it."""
        return TIER_WORDS[self]

    @property
    def third_party(self) -> bool:
        """Known only from clients nobody at Binance wrote (C, D)."""
        return self in (Tier.C, Tier.D)


TIER_WORDS = {
    Tier.A: "Binance's official API reference",
    Tier.B: "an official Binance document that is not the API reference (the agent skill, the merchant guide)",
    Tier.C: "several public clients that agree",
    Tier.D: "a single public source",
}


class Side(enum.StrEnum):
    """Where the fix of a result lies: the error-code catalog names some, a live run's evidence the rest."""

    NONE = "none"  # it worked
    CLIENT = "client"
    ACCOUNT = "account"  # the key's settings
    BINANCE = "binance"
    NETWORK = "network"
    LOCATION = "location"  # Binance serves no client from where the run ran (HTTP 451): neither code nor service
    CONTRACT = "contract"  # an answer came, but breaks the contract
    UNDETERMINED = "undetermined"  # the run's evidence carries no conclusion


@dataclass(frozen=True, kw_only=True)
class BusinessCode:
    """A C2C business code Binance writes in an error's message (-9000's ``"187049"``): its meaning and side."""

    side: Side
    meaning: str
    next: str


@dataclass(frozen=True, kw_only=True)
class ErrorCode:
    """What a Binance error code means and where its fix lies (``error-codes.yaml``)."""

    code: int
    name: str
    message: str
    http: int
    side: Side
    meaning: str
    next: str
    business: Mapping[str, BusinessCode] = field(default_factory=dict)  # by the message that carries it


class CatalogError(InputError, ValueError):
    """The catalog file, or a variant chosen on the command line, is not usable."""


@dataclass(frozen=True, kw_only=True)
class IdSource:
    """Where a live run gets a real id of one kind (an order number, an ad number...), and what one looks like."""

    kind: str
    pattern: str  # a full match; an id that does not match is never used
    placeholder: str
    from_endpoint: str | None = None
    pointer: str | None = None
    notes: str = ""

    def accepts(self, value: str) -> bool:
        """Whether ``value`` is an id of this kind (server text and user input are checked the same way)."""
        return re.fullmatch(self.pattern, value) is not None


DAY_MS = 86_400_000


@dataclass(frozen=True)
class TimeWindow:
    """A time range the reference bounds: ``start`` and ``end`` (parameter names, milliseconds) at most ``max_days``
    apart, and ``start`` at most ``history_days`` old (None: not bounded)."""

    start: str
    end: str
    max_days: int
    history_days: int | None
    source: str

    def problem(self, params: Mapping[str, Any], now_ms: int) -> str | None:
        """How ``params`` leave the window, in "received / expected" words, or None."""
        start, end = params.get(self.start), params.get(self.end)
        if isinstance(start, int) and isinstance(end, int) and end - start > self.max_days * DAY_MS:
            days = (end - start) / DAY_MS
            return (
                f"received {self.start}..{self.end} {days:.1f} days apart, expected at most {self.max_days} "
                f"({self.source})"
            )
        if isinstance(start, int) and self.history_days is not None and now_ms - start > self.history_days * DAY_MS:
            return (
                f"received {self.start} {(now_ms - start) / DAY_MS:.0f} days old, expected at most "
                f"{self.history_days} ({self.source})"
            )
        return None


@dataclass(frozen=True)
class Contract:
    """One endpoint's contract: how to call it and what a success answer looks like."""

    id: str
    family: str
    method: str
    path: str
    placement: Placement
    params: Mapping[str, Any]
    mutating: str | None
    confidence: Tier
    source: str
    headers: Mapping[str, str] = field(default_factory=dict)
    ids: Mapping[str, str] = field(default_factory=dict)
    weight: int | None = None
    notes: str = ""
    data_schema: Mapping[str, Any] | bool = True
    example: Any = NO_EXAMPLE
    example_source: str = "illustrative, built from the field list in the reference"
    variants: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    variant: str | None = None
    parameters: Mapping[str, Any] | None = None  # definitions from the reference, where it gives them
    signs_recv_window: bool = True  # False: signed over the parameters and timestamp alone (no recvWindow)

    @property
    def signing_params(self) -> tuple[str, ...]:
        """The parameters the signer adds, last, in this order."""
        return SIGNING_PARAMS if self.signs_recv_window else SIGNING_PARAMS[1:]

    @property
    def read_only(self) -> bool:
        return self.mutating is None

    @property
    def request_weight(self) -> int:
        """What one call counts against the rate limit: its weight, 1 where Binance does not publish it."""
        return self.weight or 1

    @property
    def response_schema(self) -> dict[str, Any]:
        """The JSON Schema of a success answer: the envelope with this endpoint's ``data``."""
        properties = {**ENVELOPE["properties"], "data": self.data_schema}
        return {**ENVELOPE, "properties": properties}

    @property
    def parameter_schema(self) -> dict[str, Any]:
        """The JSON Schema of the business parameters: the reference's definitions, or else each example
        parameter's type with none required. Nothing else may be sent (the signer adds the rest)."""
        if self.parameters is not None:
            properties = dict(self.parameters["properties"])
            required = list(self.parameters.get("required", []))
        else:
            properties = {name: {"type": json_type(value)} for name, value in self.params.items()}
            required = []
        return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}

    @property
    def time_window(self) -> TimeWindow | None:
        """The time range the reference bounds for this endpoint's parameters, where it does."""
        window = (self.parameters or {}).get("window")
        if window is None:
            return None
        fields = {name: window.get(name) for name in ("start", "end", "max_days", "history_days", "source")}
        return TimeWindow(**fields)

    @property
    def cassette_name(self) -> str:
        """``ads/search`` is recorded in ``cassettes/ads/search.yaml``; a variant gets its own file."""
        return self.id if self.variant is None else f"{self.id}@{self.variant}"

    def with_variant(self, name: str) -> Contract:
        if name not in self.variants:
            known = ", ".join(sorted(self.variants)) or "none"
            raise CatalogError(f"endpoint {self.id} has no variant {name!r} (known: {known})")
        changes = dict(self.variants[name])
        if "placement" in changes:
            changes["placement"] = Placement(changes["placement"])
        return replace(self, variant=name, **changes)


SOCKET_FIELD = re.compile(r"\{([A-Za-z]+)\}")


@dataclass(frozen=True, kw_only=True)
class SocketContract:
    """A WebSocket opened with a credential that a read-only endpoint answered (``sockets:`` in the catalog).

    Live only: it is opened when ``from_endpoint`` answered with a credential, nothing is sent on it, and
    only the frames' types and field names are read."""

    id: str
    from_endpoint: str
    url: str  # e.g. "{chatWssUrl}/{listenKey}?token={listenToken}&clientType=web"
    secrets: tuple[str, ...]  # the credential's fields that are secrets
    confidence: Tier
    source: str
    frame: Mapping[str, Any]  # JSON Schema of a frame

    @property
    def fields(self) -> tuple[str, ...]:
        """The credential's fields the URL is made of, the base URL first."""
        return tuple(SOCKET_FIELD.findall(self.url))

    @property
    def contract(self) -> Contract:
        """The socket as the run's records name an endpoint: a read-only GET (a WebSocket handshake is one)."""
        return Contract(
            id=self.id,
            family="merchant",
            method="GET",
            path=self.url,  # the address's form: names, never values
            placement=Placement.QUERY,
            params={},
            mutating=None,
            confidence=self.confidence,
            source=self.source,
            notes=f"a WebSocket opened with the credential {self.from_endpoint} answers",
        )


@dataclass(frozen=True)
class Catalog:
    contracts: tuple[Contract, ...]
    id_sources: Mapping[str, IdSource]
    sockets: tuple[SocketContract, ...] = ()

    def __getitem__(self, endpoint_id: str) -> Contract:
        for contract in self.contracts:
            if contract.id == endpoint_id:
                return contract
        raise KeyError(endpoint_id)

    def live_checks(self, *, sockets: bool) -> tuple[Contract, ...]:
        """What a live run checks: every endpoint and, with ``sockets`` (``--socket``), each socket as the run's
        records name it, after the endpoints (the one it needs answers first)."""
        return self.contracts + (tuple(socket.contract for socket in self.sockets) if sockets else ())

    def socket(self, socket_id: str) -> SocketContract | None:
        """The socket of this id, or None when the id is an endpoint's (the one way to ask "is this a socket?")."""
        return next((socket for socket in self.sockets if socket.id == socket_id), None)

    @functools.cached_property  # asked for every call of a run: the catalog does not change
    def needs(self) -> Mapping[str, str]:
        """Each check that needs another endpoint's answer -> that endpoint: a socket's id -> the endpoint whose
        answer opens it (declared once, in the catalog's ``sockets:``)."""
        return {socket.id: socket.from_endpoint for socket in self.sockets}

    @functools.cached_property
    def credential_fields(self) -> Mapping[str, frozenset[str]]:
        """Each endpoint that opens a socket -> the fields of its answer a socket check needs (the address's parts
        and its secrets), over every socket it opens."""
        fields: dict[str, frozenset[str]] = {}
        for socket in self.sockets:
            wanted = fields.get(socket.from_endpoint, frozenset())
            fields[socket.from_endpoint] = wanted | set(socket.fields) | set(socket.secrets)
        return fields

    def with_variants(self, chosen: Mapping[str, str]) -> Catalog:
        """The catalog with the variants chosen as ``{endpoint id: variant name}``."""
        unknown = sorted(set(chosen) - {contract.id for contract in self.contracts})
        if unknown:
            raise CatalogError(f"--variant names unknown endpoint {unknown[0]!r}")
        contracts = tuple(
            contract.with_variant(chosen[contract.id]) if contract.id in chosen else contract
            for contract in self.contracts
        )
        return replace(self, contracts=contracts)
