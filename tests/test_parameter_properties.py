"""Every endpoint, with parameters drawn from its definitions (hypothesis): the request builder puts
them where the contract says (query or JSON body), encodes them per RFC 3986 and signs the exact
query, signature last; and a parameter of the wrong type or a missing required one is caught."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog_facts import CATALOG
from p2p_conformance.contracts import Contract
from p2p_conformance.contracts.build import build_request
from p2p_conformance.contracts.request_checks import check_parameter_definitions, request_problems
from p2p_conformance.signer import BinanceAuth, HmacKey, vectors

KEY = HmacKey(vectors.BINANCE_API_KEY, vectors.BINANCE_SECRET)
URL = "http://127.0.0.1:9"  # built, never sent
ENDPOINTS = list(CATALOG.contracts)
SCALARS = {
    "string": st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    "number": st.floats(allow_nan=False, allow_infinity=False, width=32),
    "boolean": st.booleans(),
}


def values(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values that satisfy one parameter's definition (the catalog's definitions use these keywords)."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**53)), schema.get("maximum", 2**53))
    if kind == "array":
        items = values(schema["items"]) if "items" in schema else SCALARS["string"]
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=schema.get("maxItems", 3))
    if kind == "object":
        return st.dictionaries(st.text("abc", min_size=1, max_size=3), SCALARS["string"], max_size=2)
    return SCALARS[str(kind)]


def parameter_sets(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Every required parameter and any subset of the optional ones, each drawn from its definition."""
    properties, required = schema["properties"], set(schema["required"])
    return st.fixed_dictionaries(
        {name: values(sub) for name, sub in properties.items() if name in required},
        optional={name: values(sub) for name, sub in properties.items() if name not in required},
    )


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[c.id for c in ENDPOINTS])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_parameters_are_placed_encoded_and_signed_as_the_contract_says(endpoint: Contract, data: Any) -> None:
    params = data.draw(parameter_sets(endpoint.parameter_schema))
    drawn = replace(endpoint, params=params)
    problems = request_problems(drawn, build_request(drawn, URL, BinanceAuth(KEY)), vectors.BINANCE_SECRET)
    assert not problems, "\n".join(problems)


def test_a_parameter_of_the_wrong_type_or_outside_its_range_is_caught() -> None:
    history = CATALOG["orderMatch/listUserOrderHistory"]
    for wrong in ({"rows": 500}, {"tradeType": "HOLD"}, {"startTimestamp": "yesterday"}):
        sent = replace(history, params=wrong)
        problem = check_parameter_definitions(history, build_request(sent, URL, BinanceAuth(KEY)), "")
        assert problem is not None and problem.startswith("received parameters that break their definitions at")


def test_a_parameter_the_contract_does_not_define_is_caught() -> None:
    search = CATALOG["ads/search"]
    sent = replace(search, params={**search.params, "filterType": "all"})
    problem = check_parameter_definitions(search, build_request(sent, URL, BinanceAuth(KEY)), "")
    assert problem is not None and "filterType" in problem
