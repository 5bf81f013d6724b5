"""Only Binance's own answers are evidence (issue 34): an empty 200 (the gateway's answer to a path no service
takes), a wrong-method 404, a 451 for a restricted location and a -1021 against a server time that is off each
get the conclusion they carry, and no more, from a stand-in for Binance on loopback. What each answer is comes
from one function (``answer_kind``), tested here on the answers merchants recorded."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest
from test_hostile_target import C2C, HostileTarget, canary, hostile, json_answer
from werkzeug.wrappers import Response

from p2p_conformance.contracts.checks import AnswerKind, answer_kind
from p2p_conformance.model import Answer

if TYPE_CHECKING:
    from conftest import EndpointSuite

__all__ = ["canary", "hostile"]  # the stand-in's fixtures, shared with test_hostile_target

WRONG_METHOD = b'{"code":-1000,"msg":"Request method \'GET\' is not supported"}'  # novacoinotc/BNPROYECT
RESTRICTED = (
    b'{"code":0,"msg":"Service unavailable from a restricted location according to \'b. Eligibility\' in '
    b"https://www.binance.com/en/terms. Please contact customer service if you believe you received this "
    b'message in error."}'
)  # ccxt/ccxt#19167, freqtrade/freqtrade#7833


@pytest.mark.parametrize(
    ("status", "content", "kind"),
    [
        (200, b'{"code":"000000","message":"success","data":[],"success":true}', AnswerKind.SUCCESS),
        (200, b"", AnswerKind.EMPTY_200),
        (200, b"  \n", AnswerKind.EMPTY_200),
        (200, b"<html>Request blocked</html>", AnswerKind.UNREADABLE_200),
        (400, b'{"code":-2008,"msg":"Invalid Api-Key ID."}', AnswerKind.ERROR_CODE),
        (200, b'{"code":"083229","message":"rest mode","data":null,"success":false}', AnswerKind.BUSINESS_CODE),
        (404, WRONG_METHOD, AnswerKind.WRONG_METHOD),
        (405, b"", AnswerKind.WRONG_METHOD),
        (500, b'{"code":-1000,"msg":"An unknown error occurred while processing the request."}', AnswerKind.ERROR_CODE),
        (451, RESTRICTED, AnswerKind.BLOCKED_LOCATION),
        (404, b'{"error":"Not Found"}', AnswerKind.HTTP_STATUS),
        (None, b"", AnswerKind.NO_ANSWER),
    ],
    ids=[
        "success", "empty", "whitespace", "a-waf-page", "an-error-code", "a-business-code", "wrong-method-404",
        "405", "minus-1000-at-500", "restricted-location", "c2c-not-found", "no-answer",
    ],
)  # fmt: skip
def test_what_an_answer_is_is_decided_in_one_place(status: int | None, content: bytes, kind: AnswerKind) -> None:
    assert answer_kind(status, content) is kind
    assert kind.served is (kind in (AnswerKind.SUCCESS, AnswerKind.ERROR_CODE, AnswerKind.BUSINESS_CODE))


def test_an_answer_kept_without_its_kind_gets_it_from_the_same_function() -> None:
    """A live-summary.json written before answers carried their kind is read with the kind they had."""
    kept = {"sent": True, "http_status": 200, "code": None, "body": ""}
    assert Answer.from_dict(kept).kind is AnswerKind.EMPTY_200
    assert Answer.from_dict({**kept, "code": "000000"}).kind is AnswerKind.SUCCESS
    assert Answer.from_dict(
        {**kept, "http_status": 404, "code": -1000, "msg": "Request method 'GET' is not supported"}
    ).kind is (AnswerKind.WRONG_METHOD)
    assert Answer.from_dict({"sent": False}).kind is AnswerKind.NOT_SENT


def results(suite: EndpointSuite) -> dict[str, Any]:
    return {r["id"]: r for r in suite.summary()["results"]}


def test_an_empty_200_is_never_works_and_never_proof_of_the_key(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    """The case's July 6 getAds, as its machine record kept it: an empty 200. A tier D endpoint answered so is
    probably not a Binance path (the contract's side); a documented one is not served (undetermined); neither
    is proof that Binance accepted the key, and the -2008s beside them are not put on Binance's side by them."""
    target, url = hostile
    empty = lambda request: Response(b"", 200)  # noqa: E731
    target.rules[C2C + "ads/getAds"] = empty
    target.rules[C2C + "ads/getAvailableAdsCategory"] = empty
    target.rules[C2C + "ads/search"] = json_answer(400, b'{"code":-2008,"msg":"Invalid Api-Key ID."}')
    target.rules["/sapi/v1/account/apiRestrictions"] = json_answer(401, b'{"code":-2015,"msg":"Invalid API-key"}')
    selection = "test_live and (ads/getAds or getAvailableAdsCategory or ads/search) and not agent"
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", selection)
    found = results(endpoint_suite)
    get_ads, category, search = found["ads/getAds"], found["ads/getAvailableAdsCategory"], found["ads/search"]
    assert (get_ads["outcome"], get_ads["side"], get_ads["kind"]) == ("fail", "contract", "empty-200")
    assert "the gateway's answer to a path no service takes" in str(get_ads["diagnosis"])
    assert "probably not a Binance path" in str(get_ads["diagnosis"])
    assert (category["side"], category["kind"]) == ("undetermined", "empty-200")
    assert "is not served (to this key, now)" in str(category["diagnosis"])
    assert search["side"] == "undetermined"  # Binance accepted the key on no call: an empty 200 is no proof
    summary = endpoint_suite.summary()
    everything = json.dumps(summary) + (endpoint_suite.reports / "live-summary.md").read_text()
    assert "accepted this key on ads/getAds" not in everything
    assert "empty HTTP 200" in summary["verdict"]


def test_an_empty_200_where_the_same_request_was_served_in_another_round_is_binance_s_change(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    served = [True]

    def first_served_then_empty(request: object) -> Response:
        if served.pop() if served else False:
            return Response(b'{"code":-2008,"msg":"Invalid Api-Key ID."}', 400, mimetype="application/json")
        return Response(b"", 200)

    target.rules[C2C + "ads/getAvailableAdsCategory"] = first_served_then_empty
    selection = ("-k", "test_live and getAvailableAdsCategory", "--repeat", "2", "--interval", "0")
    endpoint_suite.run("-m", "live", "--binance-url", url, *selection)
    last = [r for r in endpoint_suite.summary()["results"] if r["round"] == 2]
    (category,) = [r for r in last if r["id"] == "ads/getAvailableAdsCategory"]
    assert (category["kind"], category["side"]) == ("empty-200", "binance")
    assert "while the same request of this key was answered -2008 at" in category["diagnosis"]


def test_a_wrong_method_404_is_the_contract_s_method_not_binance_failing(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    target.rules[C2C + "ads/getAvailableAdsCategory"] = json_answer(404, WRONG_METHOD)
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and getAvailableAdsCategory")
    found = results(endpoint_suite)["ads/getAvailableAdsCategory"]
    assert (found["kind"], found["side"], found["code"]) == ("wrong-method", "contract", -1000)
    assert "is not served with GET; the contract's method is wrong" in found["diagnosis"]
    assert "failed while processing" not in found["diagnosis"]


def test_minus_1000_at_a_4xx_without_the_method_is_not_binance_failing_while_processing(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    target.rules[C2C + "ads/getAvailableAdsCategory"] = json_answer(400, b'{"code":-1000,"msg":"Unknown error"}')
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and getAvailableAdsCategory")
    found = results(endpoint_suite)["ads/getAvailableAdsCategory"]
    assert (found["kind"], found["side"]) == ("error-code", "undetermined")
    assert "-1000 UNKNOWN at HTTP 400" in found["diagnosis"]


def test_a_restricted_location_is_its_own_finding_neither_the_client_nor_binance_s_bug(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    target, url = hostile
    target.rules[C2C] = json_answer(451, RESTRICTED)
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and ads/get")
    found = endpoint_suite.summary()["results"]
    assert found and {(r["kind"], r["side"]) for r in found} == {("blocked-location", "location")}
    assert all("Binance refuses this machine's location (HTTP 451" in r["diagnosis"] for r in found)
    assert all("self-hosted runner" in r["next_step"] for r in found)
    assert "Binance refuses this location" in endpoint_suite.summary()["verdict"]


def test_minus_1021_against_a_server_time_that_is_off_is_not_the_client_s_clock(
    endpoint_suite: EndpointSuite, hostile: tuple[HostileTarget, str], canary: None
) -> None:
    """/api/v3/time 23 h ahead (a cached or wrong server time), every call -1021: the suite signed the time
    Binance gave, so the client's clock is not what the evidence shows."""
    target, url = hostile
    ahead = lambda request: Response(  # noqa: E731
        json.dumps({"serverTime": int(time.time() * 1000) + 23 * 3600 * 1000}), 200, mimetype="application/json"
    )
    target.rules["/api/v3/time"] = ahead
    target.rules[C2C] = json_answer(
        400, b'{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'
    )
    endpoint_suite.run("-m", "live", "--binance-url", url, "-k", "test_live and ads/get")
    found = endpoint_suite.summary()["results"]
    assert found and {r["side"] for r in found} == {"undetermined"}
    for record in found:
        assert "GET /api/v3/time" in record["diagnosis"] and "not this machine's clock" in record["diagnosis"]
        assert "clock skew" not in record["diagnosis"]
    # 23 h apart is a finding of its own, said in the verdict's notes, never applied in silence (issue 37)
    notes = endpoint_suite.summary()["notes"]
    assert [note for note in notes if "(about 23 h 0 min) ahead of this machine's, by GET /api/v3/time" in note]
