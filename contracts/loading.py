"""Loading ``endpoints.yaml`` into a :class:`Catalog`, checked against ``catalog-schema.yaml``."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import yaml

from p2p_conformance.contracts.consistency import validate_consistency
from p2p_conformance.contracts.model import (
    PATH_PREFIX,
    BusinessCode,
    Catalog,
    CatalogError,
    Contract,
    ErrorCode,
    IdSource,
    Side,
    SocketContract,
    Tier,
)
from p2p_conformance.signer import Placement

HERE = Path(__file__).resolve().parent
CATALOG_PATH = HERE / "endpoints.yaml"
if TYPE_CHECKING:
    SAFE_LOADER = yaml.SafeLoader
else:  # libyaml's parser where PyYAML was built with it: the catalog loads at every start, six times faster
    SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(SAFE_LOADER):
    """A YAML loader that refuses duplicate keys (PyYAML silently keeps the last one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [self.construct_object(key_node, deep=deep) for key_node, _ in node.value]
        duplicates = sorted({key for key in keys if keys.count(key) > 1})
        if duplicates:
            raise CatalogError(f"duplicate key {duplicates[0]!r} at line {node.start_mark.line + 1}")
        return super().construct_mapping(node, deep=deep)


def _validate_schema(document: Any) -> None:
    meta = yaml.load((HERE / "catalog-schema.yaml").read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(meta).iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "top level"
        raise CatalogError(f"{where}: {error.message}")


def _contract(endpoint_id: str, entry: Mapping[str, Any]) -> Contract:
    fields = dict(entry)
    fields["mutating"] = fields["mutating"] or None
    fields["placement"] = Placement(fields["placement"])
    fields["confidence"] = Tier(fields["confidence"])
    fields["data_schema"] = fields.pop("data", True)
    return Contract(id=endpoint_id, path=PATH_PREFIX + endpoint_id, **fields)


def parse_catalog(text: str) -> Catalog:
    """Parse and check catalog text; raise :class:`CatalogError` on the first problem."""
    document = yaml.load(text, Loader=_UniqueKeyLoader)
    _validate_schema(document)
    id_sources = {
        kind: IdSource(
            kind=kind,
            pattern=spec["pattern"],
            placeholder=spec["placeholder"],
            from_endpoint=spec.get("from"),
            pointer=spec.get("pointer"),
            notes=spec.get("notes", ""),
        )
        for kind, spec in document["ids"].items()
    }
    sockets = tuple(
        SocketContract(
            id=socket_id,
            from_endpoint=spec["from"],
            url=spec["url"],
            secrets=tuple(spec["secrets"]),
            confidence=Tier(spec["confidence"]),
            source=spec["source"],
            frame=spec["frame"],
        )
        for socket_id, spec in (document.get("sockets") or {}).items()
    )
    catalog = Catalog(tuple(_contract(i, e) for i, e in document["endpoints"].items()), id_sources, sockets)
    validate_consistency(catalog)
    return catalog


@functools.cache
def load_catalog(path: Path = CATALOG_PATH) -> Catalog:
    """The catalog shipped in ``contracts/endpoints.yaml`` (checked; cached)."""
    return parse_catalog(path.read_text(encoding="utf-8"))


def code_named(name: str) -> int:
    """A Binance error code by its name in ``error-codes.yaml`` (``BAD_API_ID`` -> -2008): code reads a code's
    name, never its number typed again."""
    return next(code for code, known in load_error_codes().items() if known.name == name)


@functools.cache
def load_error_codes(path: Path = HERE / "error-codes.yaml") -> dict[int, ErrorCode]:
    """Binance's error codes with their meaning, side and next step, by code."""
    document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    return {
        code: ErrorCode(
            **{
                **fields,
                "code": code,
                "side": Side(fields["side"]),
                "business": {
                    str(business): BusinessCode(**{**meaning, "side": Side(meaning["side"])})
                    for business, meaning in fields.get("business", {}).items()
                },
            }
        )
        for code, fields in document.items()
    }
