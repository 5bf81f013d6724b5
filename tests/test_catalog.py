"""The catalog loads and checks itself: every endpoint of the reference, each contract consistent."""

from __future__ import annotations

from collections import Counter

import pytest

from contracts import CatalogError, load_catalog, load_error_codes, parse_catalog
from contracts.loading import CATALOG_PATH
from signer import Placement

CATALOG_TEXT = CATALOG_PATH.read_text(encoding="utf-8")
ENTRY = """  ads/getAds:
    family: merchant
    method: GET
    placement: query
    params: {asset: USDT, fiat: USD, tradeType: BUY, page: 1, rows: 10}
"""


def test_catalog_has_every_endpoint_of_the_reference() -> None:
    catalog = load_catalog()
    assert len(catalog.contracts) == 63
    assert Counter(c.family for c in catalog.contracts) == {"public": 1, "agent": 23, "merchant": 39}
    assert len({c.id for c in catalog.contracts}) == 63
    assert all(c.path.startswith("/sapi/v1/c2c/") for c in catalog.contracts)


def test_mutating_endpoints_are_the_ones_the_reference_marks() -> None:
    mutating = {c.id for c in load_catalog().contracts if not c.read_only}
    assert {
        "orderMatch/releaseCoin",
        "orderMatch/markOrderAsPaid",
        "agent/ads/post",
        "agent/ads/update",
        "agent/ads/updateStatus",
        "agent/complaint/cancel-complaint",
        "agent/complaint/submit-evidence",
        "merchant/getOnline",
        "merchant/startRest",
        "ads/batchUpdateStatus",
    } <= mutating
    assert len(mutating) == 20
    # Read-only POSTs exist: which endpoints run live is decided by mutability, not by method.
    assert any(c.method == "POST" and c.read_only for c in load_catalog().contracts)


def test_placements_match_the_reference_examples() -> None:
    catalog = load_catalog()
    assert catalog["ads/search"].placement is Placement.JSON_BODY
    assert catalog["ads/getDetailByNo"].placement is Placement.QUERY
    assert catalog["ads/getDetailByNo"].method == "POST" and "adsNo" in catalog["ads/getDetailByNo"].params
    assert catalog["orderMatch/listUserOrderHistory"].weight == 1


def test_duplicate_endpoint_id_is_refused() -> None:
    doubled = CATALOG_TEXT.replace(
        "endpoints:\n", "endpoints:\n" + ENTRY + "    mutating: false\n    confidence: D\n    source: x\n", 1
    )
    with pytest.raises(CatalogError, match="duplicate key 'ads/getAds'"):
        parse_catalog(doubled)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("placement: json-body\n", "placement: form\n"), "'form' is not one of"),
        (("    mutating: places a new ad\n", "    mutating: yes\n"), "mutating"),
        (("    data: {type: boolean}\n", "    data: {type: bolean}\n"), "not valid JSON Schema"),
        (("    ids: {adsNo: ad-number}\n", "    ids: {adsNo: ticket-number}\n"), "unknown id kind 'ticket-number'"),
        (("      seed-get: {method: GET,", "      seed-get: {method: PUT,"), "'PUT' is not one of"),
        (
            ("    example: {advClassifies: [mass, profession, block, cash]}\n", "    example: {advClassifies: 3}\n"),
            "example does not match its own schema",
        ),
    ],
)
def test_broken_catalog_is_refused_with_where_and_what(change: tuple[str, str], expected: str) -> None:
    old, new = change
    assert old in CATALOG_TEXT
    with pytest.raises(CatalogError, match=expected):
        parse_catalog(CATALOG_TEXT.replace(old, new, 1))


def test_variant_changes_the_contract_and_its_cassette() -> None:
    catalog = load_catalog().with_variants({"ads/getReferencePrice": "seed-get"})
    contract = catalog["ads/getReferencePrice"]
    assert (contract.method, contract.placement, contract.variant) == ("GET", Placement.QUERY, "seed-get")
    assert contract.cassette_name == "ads/getReferencePrice@seed-get"
    commission = load_catalog().with_variants({"commission-rate/overview": "get"})["commission-rate/overview"]
    assert commission.path == "/sapi/v1/c2c/commission/overview"


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ({"ads/getReferencePrice": "post-form"}, "no variant 'post-form' \\(known: seed-get\\)"),
        ({"ads/nothing": "x"}, "unknown endpoint 'ads/nothing'"),
    ],
)
def test_unknown_variant_is_refused(chosen: dict[str, str], expected: str) -> None:
    with pytest.raises(CatalogError, match=expected):
        load_catalog().with_variants(chosen)


def test_every_reference_error_code_has_meaning_side_and_next_step() -> None:
    codes = load_error_codes()
    reference = {
        -1000,
        -1001,
        -1002,
        -1003,
        -1006,
        -1007,
        -1008,
        -1021,
        -1022,
        -1100,
        -1101,
        -1102,
        -1103,
        -1104,
        -1105,
        -1106,
        -1130,
        -1135,
        -1194,
        -2008,
        -2014,
        -2015,
        -9000,
        -31002,
    }
    assert set(codes) == reference
    assert {code.side for code in codes.values()} <= {"client", "account", "binance"}
    assert codes[-2008].side == "binance" and codes[-2015].side == "account" and codes[-1022].side == "client"
