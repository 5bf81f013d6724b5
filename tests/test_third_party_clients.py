"""The two most used Python Binance clients are the emulator's test too: what they send, Binance accepts,
so the emulator must; what Binance refuses of theirs, the emulator refuses with Binance's codes.

ccxt and python-binance send a signed SAPI call's parameters and signature in the query of a GET and
in an ``application/x-www-form-urlencoded`` body of a POST; Binance signs "the query string
concatenated with the request body" (docs/signing.md). Both are dev dependencies
(``pip install -e '.[dev]'``); their generic signed-request methods reach every read-only endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from catalog_facts import CATALOG
from p2p_conformance.emulator import Emulator, parse_scenario, running_emulator
from p2p_conformance.signer import HmacKey, encode_query, sign

ccxt = pytest.importorskip("ccxt", reason="a dev dependency: pip install -e '.[dev]'")
python_binance = pytest.importorskip("binance.client", reason="a dev dependency: pip install -e '.[dev]'")
binance_exceptions = pytest.importorskip("binance.exceptions")

KEY = "ThirdPartyClientKey" + "k" * 45
SECRET = "ThirdPartyClientSecret" + "s" * 42
READ_ONLY = [c for c in CATALOG.contracts if c.read_only]
# Neither client can add the clientType header this endpoint wants: Binance answers -31002 without it
# (third-party merchant clients report so; docs/emulator.md).
NEEDS_A_HEADER = {c.id for c in READ_ONLY if "clientType" in c.headers}  # the agent skill's User-Agent is not
# python-binance signs list values before it encodes them and sends them encoded: Binance refuses the
# signature (-1022), since it checks the bytes it received.
LIST_VALUED = {c.id for c in READ_ONLY if any(isinstance(value, list) for value in c.params.values())}


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    scenario = {"description": "third-party clients", "keys": {"client": {"api_key": KEY, "secret": SECRET}}}
    with running_emulator(Emulator(parse_scenario(scenario, CATALOG), CATALOG)) as url:
        yield url


def ccxt_client(url: str, secret: str = SECRET) -> Any:
    exchange = ccxt.binance({"apiKey": KEY, "secret": secret})
    exchange.urls["api"]["sapi"] = f"{url}/sapi/v1"
    return exchange


def python_binance_client(url: str, secret: str = SECRET) -> Any:
    client = python_binance.Client(KEY, secret, ping=False)
    client.API_URL, client.MARGIN_API_URL = f"{url}/api", f"{url}/sapi"
    return client


def ccxt_answer(exchange: Any, contract: Any) -> int | str:
    path = contract.path.removeprefix("/sapi/v1/")
    try:
        answer = exchange.request(path, ["sapi"], contract.method, dict(contract.params))
    except ccxt.BaseError as error:  # its message ends with Binance's JSON answer
        return int(str(error).split('"code": ')[1].split(",")[0])
    return str(answer["code"])


def python_binance_answer(client: Any, contract: Any) -> int | str:
    path = contract.path.removeprefix("/sapi/v1/")
    try:
        answer = client._request_margin_api(contract.method.lower(), path, signed=True, data=dict(contract.params))
    except binance_exceptions.BinanceAPIException as error:
        return int(error.code)
    return str(answer["code"])


def test_ccxt_is_accepted_on_every_read_only_endpoint(emulator_url: str) -> None:
    exchange = ccxt_client(emulator_url)
    answers = {contract.id: ccxt_answer(exchange, contract) for contract in READ_ONLY}
    assert answers == {c.id: -31002 if c.id in NEEDS_A_HEADER else "000000" for c in READ_ONLY}


def test_python_binance_is_accepted_where_binance_accepts_it(emulator_url: str) -> None:
    client = python_binance_client(emulator_url)
    answers = {contract.id: python_binance_answer(client, contract) for contract in READ_ONLY}
    expected = {
        c.id: -31002 if c.id in NEEDS_A_HEADER else -1022 if c.id in LIST_VALUED else "000000" for c in READ_ONLY
    }
    assert answers == expected and LIST_VALUED  # the list-valued requests, signed unencoded, sent encoded


def test_misconfigured_clients_get_binance_s_codes(emulator_url: str) -> None:
    search = CATALOG["ads/search"]  # a POST: ccxt sends it as a signed form body
    assert ccxt_answer(ccxt_client(emulator_url, secret="w" + SECRET[1:]), search) == -1022  # a wrong secret
    late = ccxt_client(emulator_url)
    late.options["recvWindow"] = 5000
    late.milliseconds = lambda: int(time.time() * 1000) - 60_000  # a clock a minute behind
    assert ccxt_answer(late, search) == -1021
    unsigned = python_binance_client(emulator_url)
    path = search.path.removeprefix("/sapi/v1/")
    with pytest.raises(binance_exceptions.BinanceAPIException) as refused:
        unsigned._request_margin_api("post", path, signed=False, data=dict(search.params))
    assert refused.value.code == -1102  # no timestamp, no signature


def _signed_post(url: str, query: str, body: str) -> int | str:
    response = requests.post(
        f"{url}{CATALOG['ads/search'].path}?{query}",
        data=body,
        headers={"X-MBX-APIKEY": KEY, "Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    code: int | str = response.json()["code"]
    return code


def test_a_signature_covers_the_query_and_the_form_body_together(emulator_url: str) -> None:
    key = HmacKey(KEY, SECRET)
    business = encode_query(dict(CATALOG["ads/search"].params))
    signing = f"recvWindow=5000&timestamp={int(time.time() * 1000)}"
    # Binance's rule: the query string and the body concatenated, the signature in either.
    assert _signed_post(emulator_url, signing, f"{business}&signature={sign(signing + business, key)}") == "000000"
    assert _signed_post(emulator_url, f"{signing}&signature={sign(signing + business, key)}", business) == "000000"
    # A signature over the query alone while a form body was sent too: refused.
    assert _signed_post(emulator_url, f"{signing}&signature={sign(signing, key)}", business) == -1022
