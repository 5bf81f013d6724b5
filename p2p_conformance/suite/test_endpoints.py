"""Every C2C endpoint of the catalog, in three modes: request shape, cassette replay, live; and, live, each
check the run makes beyond them (with ``--socket``, the catalog's socket).

Each test is parametrized over the catalog (``contracts/endpoints.yaml``); a test id is the
endpoint's (or check's) id, e.g. ``test_live[ads/search]`` or ``test_live[chat/websocket]``.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from p2p_conformance.contracts import Contract
from p2p_conformance.contracts.build import build_request
from p2p_conformance.contracts.checks import check_answer
from p2p_conformance.contracts.request_checks import request_problems
from p2p_conformance.model import LiveResult
from p2p_conformance.safety.text import one_line
from p2p_conformance.signer import BinanceAuth, HmacKey, vectors

# Offline modes sign with Binance's published example key: public, and never sent anywhere.
OFFLINE_KEY = HmacKey(vectors.BINANCE_API_KEY, vectors.BINANCE_SECRET)
# Replay matches on method, path, query and body, not host: a loopback address that nothing serves
# (the discard port) keeps even a broken cassette set-up from ever reaching Binance.
REPLAY_URL = "http://127.0.0.1:9"


def test_request_shape(contract: Contract) -> None:
    request = build_request(contract, REPLAY_URL, BinanceAuth(OFFLINE_KEY))
    problems = request_problems(contract, request, vectors.BINANCE_SECRET)
    assert not problems, "\n".join(problems)


@pytest.mark.vcr(record_mode="none")  # replay only: recording is live mode's job
def test_replay(contract: Contract) -> None:
    with requests.Session() as http:
        response = http.send(build_request(contract, REPLAY_URL, BinanceAuth(OFFLINE_KEY)))
    problem = check_answer(contract, response)
    assert problem is None, problem


@pytest.mark.live
def test_live(contract: Contract, live_call: Callable[[Contract], LiveResult]) -> None:
    result = live_call(contract)  # a mutating contract is skipped by the fixture: it is never sent
    if not result.passed:  # the problem quotes the server: on one line, its controls as escapes
        pytest.fail(f"{contract.method} {contract.path}: {one_line(str(result.problem))}", pytrace=False)
