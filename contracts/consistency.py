"""Cross-checks the catalog's JSON Schema cannot express: references, schemas and examples agree."""

from __future__ import annotations

import re

import jsonschema

from p2p_conformance.contracts.checks import answer_drift, first_schema_error
from p2p_conformance.contracts.model import NO_EXAMPLE, Catalog, CatalogError, Contract
from p2p_conformance.signer import SIGNING_PARAMS, Placement


def _problems(contract: Contract, catalog: Catalog) -> list[str]:
    problems = []
    reserved = set(SIGNING_PARAMS) & set(contract.params)
    if reserved:
        problems.append(f"params name {sorted(reserved)}, which the signer adds itself")
    for param, kind in contract.ids.items():
        if param not in contract.params:
            problems.append(f"ids names {param!r}, which is not in params")
        if kind not in catalog.id_sources:
            problems.append(f"ids uses unknown id kind {kind!r}")
    if contract.placement is Placement.JSON_BODY and contract.method != "POST":
        problems.append("a JSON body needs POST")
    mismatch = first_schema_error(contract.parameter_schema, dict(contract.params))
    if mismatch is not None:
        problems.append(f"params do not match the parameters' definitions at {mismatch}")
    try:
        jsonschema.Draft202012Validator.check_schema(contract.response_schema)
    except jsonschema.SchemaError as error:
        problems.append(f"data schema is not valid JSON Schema: {error.message}")
        return problems
    if contract.data_schema is not True and contract.example is NO_EXAMPLE:
        problems.append("has a data schema but no example for the emulator to answer with")
    if contract.example is not NO_EXAMPLE:
        envelope = {"code": "000000", "message": "success", "data": contract.example, "success": True}
        mismatch = first_schema_error(contract.response_schema, envelope)
        if mismatch is not None:
            problems.append(f"example does not match its own schema at {mismatch}")
        elif drift := answer_drift(contract, envelope):
            problems.append(f"example departs from its own schema: {drift[0]}")
    return problems


def validate_consistency(catalog: Catalog) -> None:
    """Raise :class:`CatalogError` for the first endpoint or id source that does not add up."""
    by_id = {contract.id: contract for contract in catalog.contracts}
    for source in catalog.id_sources.values():
        try:
            re.compile(source.pattern)
        except re.error as error:
            raise CatalogError(f"id kind {source.kind!r}: pattern is not a regular expression ({error})") from None
        if not source.accepts(source.placeholder):
            raise CatalogError(f"id kind {source.kind!r}: its placeholder does not match its own pattern")
        if source.from_endpoint is None:
            continue
        origin = by_id.get(source.from_endpoint)
        if origin is None or not origin.read_only:
            raise CatalogError(
                f"id kind {source.kind!r} comes from {source.from_endpoint!r}, "
                "which is not a read-only endpoint of the catalog"
            )
    for socket in catalog.sockets:
        origin = by_id.get(socket.from_endpoint)
        if origin is None or not origin.read_only:
            raise CatalogError(f"socket {socket.id!r} comes from {socket.from_endpoint!r}, not a read-only endpoint")
        answered = set(origin.data_schema.get("properties", {})) if isinstance(origin.data_schema, dict) else set()
        missing = sorted((set(socket.fields) | set(socket.secrets)) - answered)
        if missing:
            raise CatalogError(f"socket {socket.id!r}: {socket.from_endpoint} answers no field {missing[0]!r}")
        if socket.id in by_id:
            raise CatalogError(f"socket {socket.id!r} has the id of an endpoint")
        try:
            jsonschema.Draft202012Validator.check_schema(dict(socket.frame))
        except jsonschema.SchemaError as error:
            raise CatalogError(f"socket {socket.id!r}: frame is not valid JSON Schema: {error.message}") from None
    for contract in catalog.contracts:
        for variant in [None, *contract.variants]:
            checked = contract if variant is None else contract.with_variant(variant)
            for problem in _problems(checked, catalog):
                label = contract.id if variant is None else f"{contract.id} (variant {variant})"
                raise CatalogError(f"{label}: {problem}")
