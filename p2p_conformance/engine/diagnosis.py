"""What an answer means and where its fix lies (a :class:`~p2p_conformance.model.Side`)."""

from __future__ import annotations

from contracts import Contract, load_error_codes
from contracts.checks import SUCCESS_CODE
from p2p_conformance.model import Diagnosis, LiveResult, Side

WORKED = Diagnosis(Side.NONE, "Worked: the answer satisfies the contract.", "Nothing to do.")


def diagnose_code(code: int, http_status: int | None) -> Diagnosis:
    """The meaning of a Binance error code; an unknown one is judged by its HTTP status."""
    known = load_error_codes().get(code)
    if known is not None:
        return Diagnosis(Side(known.side), f"{code} {known.name}: {known.meaning}", known.next)
    side = Side.BINANCE if http_status is not None and http_status >= 500 else Side.CLIENT
    return Diagnosis(
        side,
        f"{code}: an error code this suite does not know (HTTP {http_status}).",
        "Look the code up in Binance's error list; send this report to support if it is not there.",
    )


def _by_status(status: int, message: str | None) -> Diagnosis:
    if 300 <= status < 400:
        return Diagnosis(
            Side.BINANCE,
            f"The target answered HTTP {status}, a {message or 'redirect'}: the suite follows no redirect "
            "with a signed request, so nothing was sent there.",
            "If --binance-url is Binance's address, send this report to support; otherwise correct --binance-url.",
        )
    if status >= 500:
        return Diagnosis(
            Side.BINANCE,
            f"Binance answered HTTP {status}: a server-side failure, execution status unknown.",
            "Retry later; if it persists, send this report to Binance support.",
        )
    if status in (418, 429):
        return Diagnosis(
            Side.CLIENT,
            f"HTTP {status}: the request rate limit was exceeded.",
            "Wait for Retry-After seconds and slow down.",
        )
    if status == 403:
        return Diagnosis(
            Side.CLIENT,
            "HTTP 403: Binance's web application firewall blocked the request.",
            "Check the request for unusual content and the rate of requests.",
        )
    if status == 404:
        return Diagnosis(
            Side.CONTRACT,
            "HTTP 404: Binance does not serve this path and method.",
            "The contract may be wrong for this endpoint: try its variants (--variant).",
        )
    return Diagnosis(
        Side.CLIENT, f"HTTP {status} without a Binance error code.", "Compare the request with the contract."
    )


def diagnose(result: LiveResult) -> Diagnosis:
    """The side, one-sentence diagnosis and next step of one live call."""
    if result.passed:
        return WORKED
    if not result.sent:
        return Diagnosis(
            Side.UNDETERMINED,
            f"Not sent: the run held this call back ({result.problem}).",
            "Run again once Binance's rate limit or ban has passed.",
        )
    if result.http_status is None:
        return Diagnosis(
            Side.NETWORK,
            f"No answer from Binance ({result.problem}).",
            "Check the network path to the target and retry.",
        )
    if isinstance(result.code, int) and result.code < 0:
        return diagnose_code(result.code, result.http_status)
    if isinstance(result.code, str) and result.code != SUCCESS_CODE:
        return Diagnosis(
            Side.CLIENT,
            f"The C2C service refused the request with business code {result.code} ({result.message}).",
            "Check the parameters (ids, amounts) against your account's data.",
        )
    if result.http_status != 200:
        return _by_status(result.http_status, result.message)
    return Diagnosis(
        Side.CONTRACT,
        f"Binance answered 200 but the body breaks the contract: {result.problem}.",
        "Compare the body with the contract; the contract or Binance's answer has changed.",
    )


def diagnose_not_run(contract: Contract) -> Diagnosis:
    """A mutating endpoint, which a live run never calls."""
    return Diagnosis(
        Side.NONE,
        f"Not run live: mutating, {contract.mutating}.",
        "Contract-tested offline only (request shape and replay).",
    )


def diagnose_unreachable(problem: str) -> Diagnosis:
    """The target could not be reached before the endpoint was called."""
    return Diagnosis(Side.NETWORK, problem, "Check --binance-url and the network path.")


def diagnose_stopped(error: str) -> Diagnosis:
    """The test stopped on an error of its own before an answer was judged."""
    return Diagnosis(
        Side.CLIENT,
        f"The test stopped before an answer was judged: {error}.",
        "Fix the error shown in the test's log and run again.",
    )
