"""Binance's own clients are the emulator's test: what they send must be accepted, or the emulator is
stricter than Binance and a merchant's correct client would show red in a demo.

Binance's official SDK request code (``binance-common``) sends every read-only endpoint; the legacy
official connector (``binance-connector``) every endpoint whose parameters go in the query. Both are
dev dependencies (``pip install -e '.[dev]'``)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from catalog_facts import CATALOG
from p2p_conformance.contracts import Contract
from p2p_conformance.emulator import Emulator, parse_scenario, running_emulator
from p2p_conformance.engine.cross_check import send_with_official_code
from p2p_conformance.engine.transport import SendGate, send
from p2p_conformance.signer import HmacKey, Placement

pytest.importorskip("binance_common.utils", reason="a dev dependency: pip install -e '.[dev]'")
connector = pytest.importorskip("binance.api", reason="a dev dependency: pip install -e '.[dev]'")

KEY = "OfficialClientKey" + "k" * 47
SECRET = "OfficialClientSecret" + "s" * 44
READ_ONLY = [c for c in CATALOG.contracts if c.read_only]


def emulator(strict: bool = False) -> Emulator:
    scenario = {"description": "official clients", "keys": {"official": {"api_key": KEY, "secret": SECRET}}}
    return Emulator(parse_scenario(scenario, CATALOG), CATALOG, strict=strict)


@pytest.fixture(scope="module")
def lenient() -> Iterator[tuple[Emulator, str]]:
    """The emulator as it runs by default."""
    served = emulator()
    with running_emulator(served) as url:
        yield served, url


def send_with_binance_common(contract: Contract, base_url: str) -> None:
    """The contract's example sent by Binance's own request code (it adds timestamp and signature itself);
    a refusal shows in the emulator's journal, which the tests read."""
    with requests.Session() as http:
        gate = SendGate()
        send_with_official_code(
            contract, base_url, HmacKey(KEY, SECRET), contract.params, {}, lambda request: send(http, request, gate)
        )


def last_call(served: Emulator, contract: Contract) -> Any:
    return next(call for call in reversed(served.journal) if call.endpoint_id == contract.id)


@pytest.mark.parametrize("endpoint", READ_ONLY, ids=[c.id for c in READ_ONLY])
def test_binance_sdk_request_code_is_accepted_on_every_read_only_endpoint(
    lenient: tuple[Emulator, str], endpoint: Contract
) -> None:
    served, url = lenient
    send_with_binance_common(endpoint, url)
    call = last_call(served, endpoint)
    assert call.accepted, f"received {call.http_status} {call.code} for binance-common's request, expected it accepted"


QUERY_PLACED = [c for c in READ_ONLY if c.placement is Placement.QUERY]


@pytest.mark.parametrize("endpoint", QUERY_PLACED, ids=[c.id for c in QUERY_PLACED])
def test_the_legacy_official_connector_is_accepted_on_every_query_endpoint(
    lenient: tuple[Emulator, str], endpoint: Contract
) -> None:
    from binance.error import ClientError, ServerError

    served, url = lenient
    client = connector.API(api_key=KEY, api_secret=SECRET, base_url=url, timeout=10)
    client.session.headers.update(endpoint.headers)  # a client following the contract's headers
    with contextlib.suppress(ClientError, ServerError):  # a refusal shows in the emulator's journal
        client.sign_request(endpoint.method, endpoint.path, dict(endpoint.params))
    call = last_call(served, endpoint)
    assert call.accepted, f"received {call.http_status} {call.code} for the connector's request, expected it accepted"


def test_the_strict_emulator_refuses_binance_sdk_shape_on_json_body_endpoints() -> None:
    served = emulator(strict=True)
    search = CATALOG["ads/search"]
    with running_emulator(served) as url:
        send_with_binance_common(search, url)
    call = last_call(served, search)
    assert (call.accepted, call.code) == (False, -1104)  # stricter than Binance, as --strict-emulator says
