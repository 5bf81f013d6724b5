"""The catalog loads and checks itself: every endpoint of the reference, each contract consistent."""

from __future__ import annotations

from pathlib import Path

import pytest

from p2p_conformance.contracts import CatalogError, load_catalog, load_error_codes, parse_catalog
from p2p_conformance.contracts.loading import CATALOG_PATH
from p2p_conformance.model import Side
from p2p_conformance.signer import Placement

CATALOG_TEXT = CATALOG_PATH.read_text(encoding="utf-8")
DOCS = Path(__file__).resolve().parents[1] / "docs"
ENTRY = """  ads/getAds:
    family: merchant
    method: GET
    placement: query
    params: {asset: USDT, fiat: USD, tradeType: BUY, page: 1, rows: 10}
"""


def documented_endpoints() -> dict[str, tuple[str, str, str, bool, str]]:
    """docs/endpoints.md's tables: id -> (family, method, placement, read-only, tier)."""
    families = {"### Public": "public", "### Official agent": "agent", "### Merchant": "merchant"}
    text = (DOCS / "endpoints.md").read_text(encoding="utf-8")
    section = text.split("\n## Endpoints\n", 1)[1].split("\n## ", 1)[0]
    rows, family = {}, ""
    for line in section.splitlines():
        family = next((name for heading, name in families.items() if line.startswith(heading)), family)
        if line.startswith("| `"):
            endpoint, method, placement, read_only, tier = (cell.strip() for cell in line.split("|")[1:6])
            placement = {"query": "query", "JSON body": "json-body"}[placement]
            rows[endpoint.strip("`")] = (family, method, placement, read_only == "yes", tier)
    return rows


def test_catalog_lists_exactly_the_endpoints_of_the_reference_as_documented() -> None:
    catalog = load_catalog()
    documented = documented_endpoints()
    assert documented, "received no endpoint rows in docs/endpoints.md"
    in_catalog = {c.id: (c.family, c.method, c.placement.value, c.read_only, c.confidence) for c in catalog.contracts}
    assert in_catalog == documented
    assert all(c.path == "/sapi/v1/c2c/" + c.id for c in catalog.contracts)


def test_mutating_endpoints_include_every_one_that_moves_money_or_changes_an_ad_or_status() -> None:
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
        (('    pattern: "^[0-9]{1,20}$"\n', ""), "'pattern' is a required property"),
        (('    pattern: "^[0-9]{1,20}$"\n', '    pattern: "^[a-z]+$"\n'), "placeholder does not match its own pattern"),
        (('    pattern: "^[0-9]{1,20}$"\n', '    pattern: "^[0-9$"\n'), "pattern is not a regular expression"),
        (
            ("    example: {advClassifies: [mass, profession, block, cash]}\n", "    example: {advClassifies: 3}\n"),
            "example does not match its own schema",
        ),
        (
            ('selectedPayId: 1, amount: "100.00"}', 'selectedPayId: 1, amount: "100.00", extra: 1}'),
            "example departs from its own schema: data/extra: a field the contract does not know",
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


def test_error_codes_are_the_documented_ones_with_their_side_and_status() -> None:
    codes = load_error_codes()
    documented = {}
    for line in (DOCS / "error-codes.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("| -"):
            code, name, _, http, side = (cell.strip() for cell in line.split("|")[1:6])
            documented[int(code)] = (name, int(http), side)
    assert documented, "received no code rows in docs/error-codes.md"
    assert {code: (known.name, known.http, known.side) for code, known in codes.items()} == documented
    assert {code.side for code in codes.values()} <= {Side.CLIENT, Side.ACCOUNT, Side.BINANCE, Side.UNDETERMINED}
    assert all(code.meaning and code.next for code in codes.values())
    assert codes[-2015].side == "account" and codes[-1022].side == "client"
    # -2008 alone says nothing of the side: a key Binance does not know gets it too (docs/error-codes.md)
    assert codes[-2008].side == "undetermined" and "does not show which side" in codes[-2008].meaning
    business = codes[-9000].business
    assert set(business) == {"187049", "187040"} and all(b.meaning and b.next for b in business.values())
