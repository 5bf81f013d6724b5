"""The catalog against Binance's official SDK models where they overlap: the fields of a C2C trade
history item in ``binance-sdk-c2c`` (a dev dependency) and in ``contracts/endpoints.yaml`` agree."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from catalog_facts import CATALOG

models = pytest.importorskip(
    "binance_sdk_c2c.rest_api.models", reason="a dev dependency: pip install -e '.[dev]' (binance-sdk-c2c)"
)
JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def json_type(annotation: Any) -> str:
    """The JSON type of a pydantic field's annotation (Optional[StrictStr] -> string)."""
    if isinstance(annotation, type) and annotation in JSON_TYPES:
        return JSON_TYPES[annotation]
    found = [json_type(argument) for argument in get_args(annotation) if argument is not type(None)]
    return next((name for name in found if name != "unknown"), "unknown")


def schema_type(schema: dict[str, Any]) -> str:
    if "type" in schema:
        return str(schema["type"])
    values = schema.get("enum", [])
    return JSON_TYPES.get(type(values[0]), "unknown") if values else "unknown"


def test_trade_history_item_fields_and_types_agree_with_binance_sdk() -> None:
    official = {
        field.alias or name: json_type(field.annotation)
        for name, field in models.GetC2CTradeHistoryResponseDataInner.model_fields.items()
        if name != "additional_properties"  # the generator's catch-all, not a field of the answer
    }
    schema = CATALOG["orderMatch/listUserOrderHistory"].data_schema
    assert isinstance(schema, dict)
    ours = {name: schema_type(sub) for name, sub in schema["items"]["properties"].items()}
    assert {name: ours.get(name) for name in official} == official  # every official field, with its type
    assert sorted(set(ours) - set(official)) == [], "the catalog lists fields the official model does not"
