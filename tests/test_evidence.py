"""Evidence, then conclusions: each rule of ``engine/evidence.py`` (README, "How a failure's side is
decided"), and the verdict that follows from them and from nothing else."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
import requests
import yaml
from canary import Canary

from catalog_facts import CATALOG, READ_ONLY
from p2p_conformance.emulator import running_emulator
from p2p_conformance.engine.conclusions import weigh
from p2p_conformance.engine.records import RecordContext, endpoint_record, record_of_result
from p2p_conformance.model import (
    Answer,
    ControlCheck,
    ControlKind,
    EndpointRecord,
    Fact,
    KeySummary,
    LiveResult,
    Outcome,
    RunRecord,
    SentRequest,
    Side,
    Stop,
)
from p2p_conformance.report.summary import verdict
from p2p_conformance.signer import KeyType

if TYPE_CHECKING:
    from conftest import EndpointSuite

AT = "2025-07-09T12:14:03.120Z"
OK = (200, "000000")
RECV_WINDOW = 5000


def answered(endpoint: str, http_status: int, code: int | str | None, latency_ms: float = 40.0) -> EndpointRecord:
    """One endpoint's record as a live call makes it, for key ``k``."""
    passed = (http_status, code) == OK
    problem = None if passed else f"received HTTP {http_status} with error code {code}"
    answer = Answer(sent=True, http_status=http_status, code=code, latency_ms=latency_ms, at=AT)
    result = LiveResult(contract=CATALOG[endpoint], answer=answer, problem=problem)
    return record_of_result(result, RecordContext("k", "k...0001"))


def controls(
    api_restrictions: tuple[int, int | None] = (200, None), signer_ok: bool = True
) -> tuple[ControlCheck, ...]:
    status, code = api_restrictions
    return (
        ControlCheck(kind=ControlKind.CLOCK, name="clock", ok=True, evidence="offset measured"),
        ControlCheck(
            kind=ControlKind.API_RESTRICTIONS,
            name="apiRestrictions",
            ok=status == 200,
            evidence="answer",
            at=AT,
            http_status=status,
            code=code,
        ),
        ControlCheck(
            kind=ControlKind.SIGNER,
            name="signer",
            ok=signer_ok,
            evidence="vectors reproduced" if signer_ok else "MISMATCH",
        ),
    )


def weighed(*records: EndpointRecord, key_controls: tuple[ControlCheck, ...] | None = None) -> RunRecord:
    key = KeySummary(
        name="k",
        fingerprint="k...0001",
        key_type=KeyType.HMAC,
        base_url="https://api.binance.com",
        clock_offset_ms=12,
        controls=key_controls or controls(),
    )
    return weigh(RunRecord(started_at=AT, case_id=None, recv_window=RECV_WINDOW, keys=[key], results=list(records)))


def result(run: RunRecord, endpoint: str) -> EndpointRecord:
    return next(r for r in run.results if r.id == endpoint)


def facts(run: RunRecord) -> dict[Fact, Any]:
    return {evidence.fact: evidence for evidence in run.keys[0].evidence}


def test_minus_2008_with_the_key_recognised_elsewhere_is_on_binance_side_with_the_proof() -> None:
    run = weighed(answered("ads/getAds", *OK), answered("ads/search", 400, -2008))
    search = result(run, "ads/search")
    assert search.side == Side.BINANCE
    assert search.reasoning.startswith("Binance accepted this key on ads/getAds (12:14:03)")
    assert search.reasoning.endswith("in this run and refuses it here.")  # plain words: the fact in the record
    assert search.facts == {"key-recognised": True}


def test_minus_2008_where_the_key_is_recognised_nowhere_is_undetermined_never_binance() -> None:
    run = weighed(
        answered("ads/getAds", 400, -2008),
        answered("orderMatch/getUserOrderSummary", 400, -2008),
        key_controls=controls((400, -2008)),
    )
    assert {r.side for r in run.results} == {Side.UNDETERMINED}
    assert "deleted, mistyped or testnet key" in run.results[0].reasoning
    assert not facts(run)[Fact.KEY_RECOGNISED].holds
    found = verdict(run)
    assert "recognised the key on no call" in found.headline and "nothing here shows a fault on Binance" in (
        found.headline
    )
    assert not any("Binance's side" in line for line in found.conclusions)


def test_the_account_control_alone_recognises_the_key() -> None:
    run = weighed(answered("ads/search", 400, -2008))  # apiRestrictions answered 200
    assert result(run, "ads/search").side == Side.BINANCE
    assert facts(run)[Fact.KEY_RECOGNISED].proof == ("account/apiRestrictions",)


def test_minus_1022_with_a_signature_of_the_same_shape_accepted_is_on_binance_side() -> None:
    # ads/search and ads/listWithPagination are both POSTs with a JSON body.
    run = weighed(answered("ads/listWithPagination", *OK), answered("ads/search", 400, -1022))
    search = result(run, "ads/search")
    assert search.side == Side.BINANCE
    assert search.reasoning.startswith("Signatures of the same shape (POST with a JSON body) from the same signer")
    assert "ads/listWithPagination (12:14:03)" in search.reasoning
    assert search.reasoning.endswith("and the signer reproduces Binance's published vectors.")
    assert search.facts == {"signature-accepted-json-body": True, "signer-matches-vectors": True}


def test_minus_1022_with_only_other_shapes_accepted_is_undetermined_not_client() -> None:
    # The recorded case at 12:14: ads/search (POST, JSON body) got -1022 while GET query calls were accepted.
    run = weighed(answered("ads/getAds", *OK), answered("ads/search", 400, -1022), key_controls=controls((400, -2015)))
    search = result(run, "ads/search")
    assert search.side == Side.UNDETERMINED
    assert search.reasoning.startswith(
        "The same key's signatures were accepted on GET with every parameter in the query (ads/getAds (12:14:03)); "
        "no POST with a JSON body was accepted in this run, so the run cannot tell whether Binance signs something "
        "else for this endpoint"
    )
    assert facts(run)[Fact.SIGNATURE_ACCEPTED_QUERY].holds and not facts(run)[Fact.SIGNATURE_ACCEPTED_JSON_BODY].holds


@pytest.mark.parametrize(
    ("latency_ms", "cause"),
    [
        (40.0, "the secret does not belong to this API key"),
        (RECV_WINDOW + 1.0, "the clock is outside the receive window"),
    ],
)
def test_minus_1022_where_binance_accepted_no_signature_of_the_key_is_client_and_says_what_is_off(
    latency_ms: float, cause: str
) -> None:
    run = weighed(
        answered("ads/getAds", 400, -1022, latency_ms=latency_ms),
        answered("orderMatch/getUserOrderSummary", 400, -1022),
        key_controls=controls((400, -1022)),
    )
    assert {r.side for r in run.results} == {Side.CLIENT}
    assert all(cause in r.diagnosis for r in run.results)
    assert result(run, "ads/getAds").reasoning.startswith("Binance accepted no signed call of this key in this run")
    wrong_secret = "the secret does not belong to this API key" in verdict(run).headline  # not "check the key"
    assert wrong_secret == (cause == "the secret does not belong to this API key")


@pytest.mark.parametrize("code", [-1022, -2008])
def test_a_round_of_one_service_concludes_nothing_about_the_key_as_a_whole(code: int) -> None:
    """What a run narrowed with -k, --lf or stopped by -x sees: a refused call or two of one service. "The secret
    does not belong to this key" and "recognised nowhere" speak for every call, so they need the account control
    and more than one service; the same refusals across services draw them."""
    narrow = weighed(answered("ads/search", 400, code), key_controls=controls((400, code)))
    (found,) = narrow.results
    assert found.side == Side.UNDETERMINED and "cannot" in found.diagnosis
    assert "Run the whole suite" in found.next_step and "more than one service" in found.reasoning
    assert found.facts["calls-across-services"] is False
    assert not facts(narrow)[Fact.CALLS_ACROSS_SERVICES].holds
    headline = verdict(narrow).headline
    assert "on none of the calls this run judged, and they cannot speak for the key as a whole" in headline
    assert "secret does not belong" not in headline and "check the key" not in headline
    wide = weighed(
        answered("ads/search", 400, code),
        answered("orderMatch/getUserOrderSummary", 400, code),
        key_controls=controls((400, code)),
    )
    assert facts(wide)[Fact.CALLS_ACROSS_SERVICES].holds
    assert "cannot" not in result(wide, "ads/search").diagnosis
    assert "cannot speak for" not in verdict(wide).headline
    narrowed_by_lf = weigh(replace(wide, last_failed_only=True))  # what worked last time was left out on purpose
    assert not facts(narrowed_by_lf)[Fact.CALLS_ACROSS_SERVICES].holds
    assert "--lf" in facts(narrowed_by_lf)[Fact.CALLS_ACROSS_SERVICES].detail
    assert {r.side for r in narrowed_by_lf.results} == {Side.UNDETERMINED}


def test_minus_2015_on_the_account_control_while_p2p_calls_work_is_a_note_not_a_verdict() -> None:
    run = weighed(answered("ads/getAds", *OK), key_controls=controls((401, -2015)))
    found = verdict(run)
    assert "-2015 while the P2P API accepted it on ads/getAds" in found.notes[0]
    assert found.conclusions == ("No failures.",)
    alone = weighed(answered("ads/getAds", 401, -2015), key_controls=controls((401, -2015)))
    assert not [note for note in verdict(alone).notes if "-2015" in note]
    assert result(alone, "ads/getAds").side == Side.ACCOUNT


def test_http_5xx_is_on_binance_side_with_the_status_unknown() -> None:
    run = weighed(answered("ads/getReferencePrice", 500, None), key_controls=controls((400, -2008)))
    price = result(run, "ads/getReferencePrice")
    assert price.side == Side.BINANCE and "execution status is unknown" in price.reasoning


def test_where_no_rule_applies_the_documented_meaning_stands() -> None:
    run = weighed(answered("ads/getAds", *OK), answered("ads/search", 400, -1021))
    search = result(run, "ads/search")
    assert search.side == Side.CLIENT and search.diagnosis.startswith("-1021 INVALID_TIMESTAMP")
    assert search.reasoning == "The documented meaning of -1021 stands: no fact of this run bears on it."


CHAT = SentRequest(
    method="GET", path="/sapi/v1/c2c/chat/retrieveChatCredential", query=(), headers=(("clientType", "web"),), body=None
)


def test_a_parameter_error_on_a_request_that_carried_its_contract_is_undetermined_naming_the_source() -> None:
    # The recorded case: -1102 "illegal parameter" on retrieveChatCredential, sent with its clientType header,
    # while a no-parameter GET (getAvailableAdsCategory) was accepted.
    chat = answered("chat/retrieveChatCredential", 400, -1102)
    chat = replace(chat, answer=replace(chat.answer, request=CHAT))
    run = weighed(answered("ads/getAvailableAdsCategory", *OK), chat)
    found = result(run, "chat/retrieveChatCredential")
    assert found.side == Side.UNDETERMINED
    assert "the request carried every parameter and header its contract requires (the header clientType: web)" in (
        found.diagnosis
    )
    assert "was accepted on ads/getAvailableAdsCategory (12:14:03)" in found.reasoning
    assert "the merchant guide" in found.reasoning and "tier" not in found.next_step  # the source in words


def test_a_parameter_error_on_a_request_that_lacked_what_its_contract_requires_is_client() -> None:
    chat = answered("chat/retrieveChatCredential", 400, -1102)
    gap = "received headers {'clientType': None}, expected {'clientType': 'web'}"
    chat = replace(chat, answer=replace(chat.answer, request_gaps=(gap,)))
    found = result(weighed(answered("ads/getAds", *OK), chat), "chat/retrieveChatCredential")
    assert found.side == Side.CLIENT and found.reasoning == f"The request lacked what its contract requires: {gap}."


def test_facts_name_their_proof() -> None:
    run = weighed(answered("ads/getAds", *OK, latency_ms=120.0), answered("ads/search", 400, -2008))
    found = facts(run)
    assert [fact.value for fact in found] == [
        "key-recognised",
        "signature-accepted-query",
        "signature-accepted-json-body",
        "clock-in-window",
        "signer-matches-vectors",
        "ip-allowed",
        "calls-across-services",
        "every-signature-refused",
        "same-request-changed-answer",
    ]
    assert not found[Fact.EVERY_SIGNATURE_REFUSED].holds
    every = weighed(answered("ads/getAds", 400, -1022), answered("chat/retrieveChatCredential", 400, -1022))
    assert facts(every)[Fact.EVERY_SIGNATURE_REFUSED].holds
    assert facts(every)[Fact.EVERY_SIGNATURE_REFUSED].proof == ("ads/getAds", "chat/retrieveChatCredential")
    one_service = weighed(answered("ads/getAds", 400, -1022), answered("ads/search", 400, -1022))
    assert not facts(one_service)[Fact.EVERY_SIGNATURE_REFUSED].holds
    assert "too few calls were answered" in facts(one_service)[Fact.EVERY_SIGNATURE_REFUSED].detail
    unsure = weighed(answered("ads/getAds", 400, -1022), key_controls=controls(signer_ok=False))
    assert not facts(unsure)[Fact.EVERY_SIGNATURE_REFUSED].holds
    assert "the clock or the signer does not hold" in facts(unsure)[Fact.EVERY_SIGNATURE_REFUSED].detail
    assert found[Fact.KEY_RECOGNISED].proof == ("ads/getAds", "account/apiRestrictions")
    assert (
        found[Fact.CLOCK_IN_WINDOW].holds
        and "Binance's clock is 12 ms ahead of this machine's" in found[Fact.CLOCK_IN_WINDOW].detail
    )
    assert "slowest answer 120 ms" in found[Fact.CLOCK_IN_WINDOW].detail
    assert found[Fact.SIGNER_MATCHES_VECTORS].holds and found[Fact.IP_ALLOWED].holds
    slow = weighed(answered("ads/getAds", *OK, latency_ms=RECV_WINDOW + 1.0))
    assert not facts(slow)[Fact.CLOCK_IN_WINDOW].holds
    refused = weighed(answered("ads/getAds", 401, -2015), key_controls=controls((401, -2015), signer_ok=False))
    assert not facts(refused)[Fact.IP_ALLOWED].holds and "Every answer was -2015" in (
        facts(refused)[Fact.IP_ALLOWED].detail
    )
    assert not facts(refused)[Fact.SIGNER_MATCHES_VECTORS].holds


def test_verdict_of_a_recognised_key_states_the_proof_with_times() -> None:
    run = weighed(answered("ads/getAds", *OK), answered("ads/search", 400, -2008))
    found = verdict(run)
    assert found.count == "1 of 2 read-only endpoints work."
    assert found.headline.startswith("Binance accepted this key and its signatures in this run")
    assert found.proof == ("Binance accepted this key on ads/getAds (12:14:03), account/apiRestrictions (12:14:03).",)
    assert found.conclusions == ("On Binance's side: 1 endpoint (-2008).",)


@pytest.fixture
def every_call_refused(tmp_path: Any) -> str:
    """A scenario whose key gets -2008 on every call, the account control included."""
    path = tmp_path / "refused.yaml"
    key = {
        "api_key": "RefusedKey" + "r" * 54,
        "secret": "RefusedSecret" + "s" * 51,
        "default": "-2008",
        "endpoints": {"account/apiRestrictions": "-2008"},
    }
    path.write_text(yaml.safe_dump({"description": "a key Binance does not know", "keys": {"k": key}}))
    return str(path)


def test_a_run_where_every_call_gets_minus_2008_concludes_nothing_against_binance(
    endpoint_suite: EndpointSuite, every_call_refused: str
) -> None:
    result_ = endpoint_suite.run("-m", "live", "--emulator", "--scenario", every_call_refused)
    summary, selected = endpoint_suite.summary(), len(READ_ONLY)
    ran = [r for r in summary["results"] if r["outcome"] != "skipped"]
    assert len(ran) == selected and {r["side"] for r in ran} == {"undetermined"}
    assert summary["partial"] == [] and "Binance recognised the key on no call of this run" in summary["verdict"]
    assert "nothing here shows a fault on Binance" in summary["verdict"]
    assert "On Binance's side" not in summary["verdict"]
    key_recognised = next(f for f in summary["keys"][0]["evidence"] if f["fact"] == "key-recognised")
    assert key_recognised == {
        "fact": "key-recognised",
        "holds": False,
        "proof": [],
        "detail": "Binance accepted this key on no call of this run.",
    }
    output = result_.stdout.str()
    assert "On Binance's side" not in output
    assert f"Undetermined (no side follows from this run's evidence), {selected} endpoints" in output


def test_cross_check_sends_failing_calls_through_binance_own_sdk_code_and_shows_both_answers(
    endpoint_suite: EndpointSuite,
) -> None:
    pytest.importorskip("binance_common", reason="the official extra: pip install -e '.[official]' (CI installs it)")
    selected = "test_live and not agent and (ads/search or orderMatch/listUserOrderHistory or getUserOrderSummary)"
    result_ = endpoint_suite.run("-m", "live", "--emulator", "--scenario", "july-9", "--cross-check", "-k", selected)
    summary = endpoint_suite.summary()
    opinions = {r["id"]: r["second_opinion"] for r in summary["results"]}
    assert opinions["orderMatch/getUserOrderSummary"] is None  # only failing calls are sent again
    history = opinions["orderMatch/listUserOrderHistory"]
    assert (history["http_status"], history["code"], history["agrees"]) == (400, -2008, True)
    assert history["summary"].startswith("binance-common ")
    search = opinions["ads/search"]  # a JSON-body endpoint: Binance's code sends another shape
    assert search["agrees"] is False and "form body instead of JSON" in search["summary"]
    assert "Binance's own SDK code gets the same answer on 1 of 2 failing endpoints." in summary["verdict"]
    assert (
        f"ads/search ({search['code']} where this suite got -1022): that difference is the finding"
        in (summary["verdict"])
    )
    assert "Binance's own SDK code gets the same answer" in result_.stdout.str()


def test_cross_check_signs_as_the_contract_does_without_recv_window_where_it_says_so(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chat credential is signed over timestamp alone: Binance's code is given the same signing parameters.
    The stand-in refuses timestamp alone (-2008) and accepts recvWindow, so a second opinion that signed recvWindow
    would disagree."""
    pytest.importorskip("binance_common", reason="the official extra: pip install -e '.[official]' (CI installs it)")
    canary = Canary("CanaryKeyCrossCheck" + "c" * 45, "CanarySecretCrossCheck" + "x" * 42)
    refuse_alone = {"when": {"signed": "recvWindow"}, "then": "ok", "else": "-2008"}
    emulator = canary.emulator({"chat/retrieveChatCredential": refuse_alone})
    canary.in_environment(monkeypatch)
    with running_emulator(emulator) as url:
        selected = "test_live[chat/retrieveChatCredential]"
        endpoint_suite.run("-m", "live", "--binance-url", url, "--cross-check", "-k", selected)
    (record,) = [r for r in endpoint_suite.summary()["results"] if r["id"] == "chat/retrieveChatCredential"]
    opinion = record["second_opinion"]
    assert (record["code"], opinion["code"], opinion["agrees"]) == (-2008, -2008, True), opinion
    signed = [sorted(call.signed) for call in emulator.journal if call.endpoint_id == "chat/retrieveChatCredential"]
    assert signed == [["timestamp"]] * 2  # the suite's call and Binance's code's: no recvWindow in either


def test_cross_check_without_the_official_extra_says_in_one_line_how_to_get_it(
    endpoint_suite: EndpointSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    from p2p_conformance.pytest_plugin import settings

    monkeypatch.setattr(settings, "official_version", lambda: None)
    result_ = endpoint_suite.run("-m", "live", "--emulator", "--cross-check")
    assert result_.ret == pytest.ExitCode.USAGE_ERROR
    assert [line for line in result_.stderr.lines if line.strip()] == [
        "ERROR: --cross-check needs Binance's own SDK code: pip install -e '.[official]' (binance-common)"
    ]


def test_cross_check_never_follows_a_redirect_with_a_signed_request() -> None:
    pytest.importorskip("binance_common", reason="the official extra: pip install -e '.[official]' (CI installs it)")
    from werkzeug.wrappers import Request, Response

    from p2p_conformance.emulator import running_emulator
    from p2p_conformance.engine.cross_check import second_opinion
    from p2p_conformance.engine.transport import SendGate, send
    from p2p_conformance.signer import BinanceAuth, HmacKey, vectors

    reached: list[str] = []

    def elsewhere(environ: dict[str, Any], start_response: Any) -> Any:
        reached.append(Request(environ).full_path)
        return Response("{}", mimetype="application/json")(environ, start_response)

    with running_emulator(elsewhere) as other:

        def redirecting(environ: dict[str, Any], start_response: Any) -> Any:
            return Response("", 307, {"Location": other + Request(environ).full_path})(environ, start_response)

        with running_emulator(redirecting) as target:
            refused = Answer(sent=True, http_status=400, code=-2008, latency_ms=1.0, at=AT)
            result_ = LiveResult(contract=CATALOG["orderMatch/listUserOrderHistory"], answer=refused, problem="refused")
            key, gate = HmacKey(vectors.BINANCE_API_KEY, vectors.BINANCE_SECRET), SendGate()
            with requests.Session() as http:
                auth = BinanceAuth(key, recv_window=5000)
                opinion = second_opinion(result_, target, auth, {}, lambda request: send(http, request, gate))
    assert reached == [] and opinion.http_status == 307 and opinion.summary.endswith(": HTTP 307")


def test_records_say_what_happened_and_weigh_alone_gives_every_one_its_side() -> None:
    """The worker's record has no side; a key that was never opened (the target unreachable) still gets one."""
    unreachable = endpoint_record(
        CATALOG["ads/getAds"],
        RecordContext("never-opened", "n...0002"),
        outcome=Outcome.ERROR,
        problem="cannot read the server time at https://api.binance.com/api/v3/time: ConnectTimeout",
        stop=Stop.UNREACHABLE,
    )
    stopped = replace(unreachable, id="ads/search", stop=Stop.TEST_ERROR, problem="RuntimeError: boom")
    refused = answered("ads/search", 400, -2008)
    assert {(r.side, r.diagnosis) for r in (unreachable, stopped, refused)} == {(Side.UNDETERMINED, "")}
    run = weighed(answered("ads/getAds", *OK), refused, unreachable, stopped)
    assert [r.side for r in run.results] == [Side.NONE, Side.BINANCE, Side.NETWORK, Side.UNDETERMINED]
    assert run.results[2].diagnosis.startswith("cannot read the server time")
    stopped_here = "The test stopped on an error of the suite before an answer was judged: RuntimeError: boom."
    assert run.results[3].diagnosis == stopped_here


GET_ADS = SentRequest(method="GET", path="/sapi/v1/c2c/ads/getAds", query=(("page", "1"),), headers=(), body=None)
PHASES = {1: "July 9 12:14", 2: "July 9 13:03"}


def in_round(record: EndpointRecord, number: int, request: SentRequest = GET_ADS) -> EndpointRecord:
    return replace(record, round=number, answer=replace(record.answer, request=request))


def story_of(*records: EndpointRecord) -> RunRecord:
    """A run of two rounds (two phases of a story) with the records given; the account control refuses the
    key, so only the records say whether Binance recognised it."""
    key = weighed(key_controls=controls(api_restrictions=(400, -2015))).keys[0]
    run = RunRecord(started_at=AT, case_id=None, keys=[key], results=list(records), phases=PHASES)
    return weigh(replace(run, recv_window=RECV_WINDOW))


def test_the_same_request_worked_then_refused_is_binance_s_change_and_the_verdict_says_it() -> None:
    run = story_of(
        in_round(answered("ads/getAds", *OK), 1),
        in_round(answered("ads/getAds", 400, -2008), 2),
        in_round(answered("orderMatch/getUserOrderSummary", *OK), 2, request=None),  # the key is known in round 2
    )
    sentence = "ads/getAds worked at July 9 12:14 and was refused with -2008 at July 9 13:03, same key, same request"
    fact = facts(run)[Fact.SAME_REQUEST_CHANGED_ANSWER]
    assert fact.holds and fact.proof == ("ads/getAds",) and fact.detail == f"{sentence}."
    refused = next(r for r in run.results if r.round == 2 and r.id == "ads/getAds")
    assert refused.side == Side.BINANCE and refused.reasoning.endswith(
        "The same request of this key worked at July 9 12:14 and was refused with -2008 at July 9 13:03."
    )
    assert refused.facts["same-request-changed-answer"] is True
    assert f"{sentence}." in verdict(run).proof


def test_the_same_request_refused_then_worked_holds_too() -> None:
    run = story_of(
        in_round(answered("ads/getAds", 400, -2008), 1),
        in_round(answered("orderMatch/getUserOrderSummary", *OK), 1, request=None),  # the key is known in round 1
        in_round(answered("ads/getAds", *OK), 2),
    )
    fact = facts(run)[Fact.SAME_REQUEST_CHANGED_ANSWER]
    assert fact.detail.startswith("ads/getAds was refused with -2008 at July 9 12:14 and worked at July 9 13:03")
    refused = next(r for r in run.results if r.round == 1 and r.id == "ads/getAds")
    assert refused.side == Side.BINANCE and refused.facts["same-request-changed-answer"] is True


def test_different_requests_no_answer_or_a_key_not_known_yet_are_not_a_changed_answer() -> None:
    other = replace(GET_ADS, query=(("page", "2"),))
    timed_out = in_round(answered("ads/getAds", *OK), 2)
    timed_out = replace(timed_out, answer=replace(timed_out.answer, http_status=None, code=None))
    for records in [
        (in_round(answered("ads/getAds", *OK), 1), in_round(answered("ads/getAds", 400, -2008), 2, request=other)),
        (in_round(answered("ads/getAds", 400, -2008), 1), timed_out),
        # Round 1 recognised the key on no call (a key not made yet gets -2008 everywhere): not compared.
        (in_round(answered("ads/getAds", 400, -2008), 1), in_round(answered("ads/getAds", *OK), 2)),
    ]:
        run = story_of(*records)
        assert not facts(run)[Fact.SAME_REQUEST_CHANGED_ANSWER].holds
        assert next(r for r in run.results if r.answer.code == -2008).side == Side.UNDETERMINED


def test_a_c2c_illegal_parameter_on_a_request_that_carried_its_header_is_undetermined_naming_what_merchants_found() -> (
    None
):
    """-31002's documented meaning (the clientType header missing) is not this run's finding when the header was
    sent: undetermined, with the causes merchants reported (the header, a signed recvWindow), never 'missing'."""
    chat = answered("chat/retrieveChatCredential", 400, -31002)
    chat = replace(chat, answer=replace(chat.answer, request=CHAT))
    found = result(weighed(answered("ads/getAvailableAdsCategory", *OK), chat), "chat/retrieveChatCredential")
    assert found.side == Side.UNDETERMINED
    assert "the request carried every parameter and header its contract requires (the header clientType: web)" in (
        found.diagnosis
    )
    assert "a signed recvWindow on the chat credential call" in found.diagnosis and "--probe" in found.diagnosis
    assert "is missing (reported for" not in found.diagnosis  # the documented meaning is not drawn
