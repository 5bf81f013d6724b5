"""Every endpoint, with parameters drawn from its definitions (hypothesis): the request builder puts
them where the contract says (query or JSON body), encodes them per RFC 3986 and signs the exact
query, signature last; and a parameter of the wrong type or a missing required one is caught."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog_facts import CATALOG
from p2p_conformance.contracts import Contract
from p2p_conformance.contracts.build import build_request
from p2p_conformance.contracts.model import DAY_MS
from p2p_conformance.contracts.request_checks import check_parameter_definitions, check_time_window, request_problems
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


@st.composite
def parameter_sets(draw: st.DrawFn, endpoint: Contract) -> dict[str, Any]:
    """Every required parameter and any subset of the optional ones, each drawn from its definition; a time
    window's ends (each optional) drawn within it: at most its span apart, the start within its history (a day
    to spare), counted back from the moment of the draw."""
    schema, window = endpoint.parameter_schema, endpoint.time_window
    bounded = {window.start, window.end} if window is not None else set()
    properties, required = schema["properties"], set(schema["required"])
    drawn = {name: values(sub) for name, sub in properties.items() if name not in bounded}
    params = draw(
        st.fixed_dictionaries(
            {name: value for name, value in drawn.items() if name in required},
            optional={name: value for name, value in drawn.items() if name not in required},
        )
    )
    if window is None:
        return params
    age = draw(st.integers(0, ((window.history_days or 10_000) - 1) * DAY_MS))
    span = draw(st.integers(0, window.max_days * DAY_MS))
    start = int(time.time() * 1000) - age
    ends = {window.start: start, window.end: start + span}
    return {**params, **{name: ends[name] for name in draw(st.sets(st.sampled_from(sorted(ends))))}}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[c.id for c in ENDPOINTS])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_drawn_parameters_are_placed_encoded_and_signed_as_the_contract_says(endpoint: Contract, data: Any) -> None:
    params = data.draw(parameter_sets(endpoint))
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


def test_a_time_range_beyond_the_documented_window_is_caught() -> None:
    """listUserOrderHistory: at most 30 days between the two timestamps, the start within the last 6 months (the
    reference's words); Binance answers -31002 beyond them, merchants report."""
    history = CATALOG["orderMatch/listUserOrderHistory"]
    now = int(time.time() * 1000)
    for params, words in (
        ({"startTimestamp": now - 31 * DAY_MS, "endTimestamp": now}, "31.0 days apart, expected at most 30"),
        ({"startTimestamp": now - 200 * DAY_MS}, "200 days old, expected at most 180"),
    ):
        sent = replace(history, params=params)
        problem = check_time_window(history, build_request(sent, URL, BinanceAuth(KEY)), "")
        assert problem is not None and words in problem, problem
    inside = replace(history, params={"startTimestamp": now - 30 * DAY_MS + 1000, "endTimestamp": now})
    assert check_time_window(history, build_request(inside, URL, BinanceAuth(KEY)), "") is None
    assert history.time_window is not None and CATALOG["ads/search"].time_window is None
