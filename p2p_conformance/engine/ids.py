"""Real ids for live calls that need one: from the user, from a read-only list call, or a placeholder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from p2p_conformance.contracts import Catalog, Contract


@dataclass(frozen=True)
class ResolvedId:
    value: str
    how: str  # said in the result, e.g. "id from orderMatch/listUserOrderHistory"
    placeholder: bool


def follow_pointer(document: Any, pointer: str) -> Any:
    """The value at a JSON Pointer (RFC 6901), or ``None`` when the path is absent."""
    for token in pointer.lstrip("/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(document, list) and token.isdigit() and int(token) < len(document):
            document = document[int(token)]
        elif isinstance(document, dict) and token in document:
            document = document[token]
        else:
            return None
    return document


def id_kinds(contracts: list[Contract]) -> list[str]:
    """The kinds of id the read-only ``contracts`` need."""
    return sorted({kind for contract in contracts if contract.read_only for kind in contract.ids.values()})


def _id_text(value: Any) -> str | None:
    """An id found in an answer as text: a JSON string or a not absurdly long integer, else ``None``."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() <= 128:
        return str(value)
    return None


def list_calls(catalog: Catalog, contracts: list[Contract], user_ids: Mapping[str, str]) -> list[Contract]:
    """The read-only list endpoints whose answers give the ids the user did not (each once)."""
    sources = [catalog.id_sources[kind] for kind in id_kinds(contracts) if kind not in user_ids]
    names = dict.fromkeys(source.from_endpoint for source in sources if source.from_endpoint and source.pointer)
    return [catalog[name] for name in names]


def resolve_ids(
    catalog: Catalog,
    contracts: list[Contract],
    user_ids: Mapping[str, str],
    fetch: Callable[[Contract], Any],
) -> dict[str, ResolvedId]:
    """One id per kind the read-only ``contracts`` need; ``fetch`` calls a list endpoint, JSON or None."""
    resolved = {}
    for kind in id_kinds(contracts):
        source = catalog.id_sources[kind]
        if kind in user_ids:
            resolved[kind] = ResolvedId(user_ids[kind], f"{kind} from --id", placeholder=False)
            continue
        reason = "no list endpoint gives one"
        if source.from_endpoint and source.pointer:
            value = _id_text(follow_pointer(fetch(catalog[source.from_endpoint]), source.pointer))
            if value is not None and source.accepts(value):
                resolved[kind] = ResolvedId(value, f"{kind} from {source.from_endpoint}", placeholder=False)
                continue
            # Server text that is not an id of the kind is never sent, shown or written (it could be markup,
            # a Postman {{variable}}, a path): only that it was not one is said.
            given = "none" if value is None else f"one that is not an {kind} ({source.pattern})"
            reason = f"{source.from_endpoint} gave {given}"
        resolved[kind] = ResolvedId(
            source.placeholder,
            f"placeholder {kind} ({reason}; pass --id {kind}=...): a business 'not found' still proves "
            "the key reached the endpoint",
            placeholder=True,
        )
    return resolved


def params_with_ids(contract: Contract, resolved: Mapping[str, ResolvedId]) -> dict[str, Any]:
    """The contract's example params with each id param set to its resolved value."""
    return {
        name: resolved[contract.ids[name]].value if name in contract.ids else value
        for name, value in contract.params.items()
    }
